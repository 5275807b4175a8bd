"""``tools/infer_rec.py`` without Paddle on later runs: the checkpoint's ONNX graph, cached.

For a folder of a few thousand lines, a run's time goes mostly to fixed costs: importing
Paddle (about 1.2 s on 2 cores), building the model, loading the weights and creating the
Paddle Inference predictor. The first run with a checkpoint and config pays them, then
converts its static graph (``deploy/static.py``) to ONNX, checks it against Paddle's output
and keeps it here. A later run with the same key imports neither Paddle nor the model code:
OpenVINO runs the graph when it is installed and agreed with Paddle at conversion, else
onnxruntime; either uses the config's own transforms and post-process and writes the same
result file.

The key covers what decides the output: the weights' bytes, ``Architecture``, ``PostProcess``,
the inference transforms, the dictionary, ``max_text_length``, and the source of ppocr_lite's
model and export code. ``PPOCR_LITE_CACHE_DIR=0`` turns caching off; ``PPOCR_LITE_DYGRAPH=1``
and ``Global.use_gpu`` skip this path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.checkpoint.files import strip_suffix
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.deploy.files import Prediction, list_images, recognise_files
from ppocr_lite.deploy.layout import cache_dir, prune_cache
from ppocr_lite.deploy.openvino_backend import openvino_installed
from ppocr_lite.deploy.pipeline import Runner, per_batch
from ppocr_lite.deploy.spec import ONNX_FILE
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import POSTPROCESSES

logger = logging.getLogger("ppocr_lite")
ENTRY_FILE = "entry.json"  # written last: a folder without it is not an entry
ENTRIES = 16  # graphs kept (the least recently used are removed)
TOLERANCE = 1e-4  # largest |onnx - paddle| probability accepted
ENGINE_ENV = "PPOCR_LITE_ONNX_ENGINE"
# Set by infer_rec.py for its fresh process when a cached run with OpenVINO fell back to Paddle.
PADDLE_RUN_ENV = "PPOCR_LITE_PADDLE_RUN"
ENGINES = ("", "openvino", "onnxruntime")
KEY_VERSION = "onnx-cache-2"  # 2: entries record the OpenVINO check
PACKAGE = Path(__file__).resolve().parent.parent
# The code that decides the exported graph: a change to it makes new keys.
GRAPH_CODE = ("modeling", "deploy/export.py", "deploy/static.py")


class OtherWidth(Exception):
    """A batch is not as wide as the cached fixed-width graph."""


class Unusable(Exception):
    """The cached graph cannot be loaded."""


def cache_root(gcfg: GlobalConfig) -> Path | None:
    """The cache folder, or None when this path does not apply (GPU, dygraph, no onnxruntime,
    caching off)."""
    if gcfg.use_gpu or os.environ.get("PPOCR_LITE_DYGRAPH", "") not in ("", "0"):
        return None
    if importlib.util.find_spec("onnxruntime") is None:
        return None
    return cache_dir("onnx")


def weights_file(gcfg: GlobalConfig) -> Path | None:
    """The ``.pdparams`` that inference loads (``checkpoints``, else ``pretrained_model``)."""
    path = gcfg.checkpoints or gcfg.pretrained_model
    if not path:
        return None
    params = Path(f"{strip_suffix(path)}.pdparams")
    return params if params.is_file() else None


def _code_digest() -> bytes:
    digest = hashlib.sha256()
    for part in GRAPH_CODE:
        target = PACKAGE / part
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for file in files:
            digest.update(str(file.relative_to(PACKAGE)).encode())
            digest.update(file.read_bytes())
    return digest.digest()


def cache_key(cfg: Mapping[str, Any], gcfg: GlobalConfig, charset: Charset, weights: Path) -> str:
    """Hex digest of everything that decides the recognised text of an image."""
    section = cfg.get("Eval") or cfg.get("Train") or {}
    settings = {
        "Architecture": cfg.get("Architecture"),
        "PostProcess": cfg.get("PostProcess"),
        "transforms": (section.get("dataset") or {}).get("transforms"),
        "chars": charset.chars,
        "lower": charset.lower,
        "max_text_length": gcfg.max_text_length,
    }
    digest = hashlib.sha256(KEY_VERSION.encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str, ensure_ascii=False).encode())
    digest.update(_code_digest())
    with open(weights, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def _entry(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> tuple[Path, Charset] | None:
    root = cache_root(gcfg)
    weights = weights_file(gcfg)
    if root is None or weights is None:
        return None
    charset = Charset.from_config(gcfg.character_dict_path, gcfg.use_space_char)
    return root / cache_key(cfg, gcfg, charset, weights), charset


def run_cached(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> list[Prediction] | None:
    """Recognise ``Global.infer_img`` with the cached ONNX graph of the checkpoint.

    Returns:
        The predictions (also logged and written to ``Global.save_res_path``), or None when
        there is no cached graph for this checkpoint and config, or a batch is wider or
        narrower than a fixed-width graph: the caller then runs the Paddle path, which
        rewrites the result file.
    """
    found = _entry(cfg, gcfg)
    if found is None or not (found[0] / ENTRY_FILE).is_file():
        return None
    entry, charset = found
    wanted = wanted_engine()
    try:
        meta = json.loads((entry / ENTRY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _drop(entry, exc)
        return None
    os.utime(entry)  # most recently used: pruned last
    # The engine loads (0.2-0.4 s, mostly without the GIL) while the files are listed and
    # read and the first batches decoded.
    with ThreadPoolExecutor(1) as opener:
        opening = opener.submit(_open_engine, entry, meta, wanted)

        def run(batches: Iterable[np.ndarray]) -> Iterable[np.ndarray]:
            try:
                engine, runner = opening.result()
            except Exception as exc:  # noqa: BLE001 - a damaged entry: convert again
                raise Unusable(str(exc)) from exc
            logger.info(
                "loaded %s as its cached ONNX graph %s (%s)", weights_file(gcfg), entry, engine
            )
            return runner(_checked(batches, meta.get("width")))

        try:
            paths = list_images(gcfg.infer_img)
            postprocess = POSTPROCESSES.build(cfg["PostProcess"], "PostProcess", charset=charset)
            return recognise_files(cfg, gcfg, charset, postprocess, run, paths)
        except OtherWidth as exc:
            logger.info("%s: running the checkpoint with Paddle", exc)
        except Unusable as exc:
            _drop(entry, exc)
    return None


def _checked(batches: Iterable[np.ndarray], width: int | None) -> Iterator[np.ndarray]:
    """``batches``, each checked to be ``width`` wide (None: any width)."""
    for batch in batches:
        if width is not None and batch.shape[-1] != width:
            raise OtherWidth(f"a batch {batch.shape[-1]} wide, the cached graph takes {width}")
        yield batch


def _drop(entry: Path, exc: Exception) -> None:
    """Remove a damaged entry (the caller converts again)."""
    logger.warning("cached ONNX graph %s unusable (%s): converting again", entry, exc)
    shutil.rmtree(entry, ignore_errors=True)


def wanted_engine() -> str:
    """``PPOCR_LITE_ONNX_ENGINE``: ``openvino``, ``onnxruntime`` or empty (the faster one).

    Raises:
        ConfigError: for any other value.
    """
    wanted = os.environ.get(ENGINE_ENV, "")
    if wanted not in ENGINES:
        raise ConfigError(
            f"{ENGINE_ENV}={wanted!r}: set it to openvino or onnxruntime, or unset it"
        )
    return wanted


def _open_engine(entry: Path, meta: Mapping[str, Any], wanted: str) -> tuple[str, Runner]:
    """OpenVINO when it is installed and passed the check at conversion, else onnxruntime
    (also when ``wanted`` says so)."""
    openvino_ok = meta.get("openvino_max_diff") is not None and openvino_installed()
    if wanted != "onnxruntime" and openvino_ok:
        from ppocr_lite.deploy.openvino_backend import OpenVinoBackend

        return "openvino", OpenVinoBackend(entry, keep_compiled=True).run_many
    if wanted == "openvino":
        logger.warning(
            "%s=openvino: OpenVINO is not installed or did not pass the check when %s was "
            "cached; onnxruntime runs it",
            ENGINE_ENV,
            entry,
        )
    from ppocr_lite.deploy.onnx_backend import OnnxBackend

    return "onnxruntime", per_batch(OnnxBackend(entry).run)


def _check_openvino(folder: Path, probe: np.ndarray, want: np.ndarray) -> float | None:
    """max |openvino - paddle| on ``probe``, or None when OpenVINO is absent or disagrees.

    Checked in a child process: OpenVINO must not share this (Paddle) process.
    """
    if not openvino_installed():
        return None
    from ppocr_lite.deploy.openvino_backend import PROBE_FILE, WANT_FILE

    np.save(folder / PROBE_FILE, probe)
    np.save(folder / WANT_FILE, want)
    paths = [str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    command = [sys.executable, "-m", "ppocr_lite.deploy.openvino_backend", str(folder)]
    try:
        proc = subprocess.run(
            command,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            timeout=600,
            check=False,
        )
        if proc.returncode:
            raise RuntimeError(proc.stderr.strip()[-400:] or f"exit status {proc.returncode}")
        diff = float(json.loads(proc.stdout.strip().splitlines()[-1])["max_diff"])
    except (
        OSError,
        RuntimeError,
        ValueError,
        KeyError,
        IndexError,
        subprocess.SubprocessError,
    ) as exc:
        logger.warning("OpenVINO cannot run the ONNX graph (%s): onnxruntime will", exc)
        return None
    finally:
        (folder / PROBE_FILE).unlink(missing_ok=True)
        (folder / WANT_FILE).unlink(missing_ok=True)
    if diff > TOLERANCE:
        logger.warning("OpenVINO differs from Paddle by %.2e: onnxruntime will run it", diff)
        return None
    return diff


def store(
    cfg: Mapping[str, Any],
    gcfg: GlobalConfig,
    static_dir: Path,
    probe: np.ndarray,
    want: np.ndarray,
    width: int | None,
) -> Path | None:
    """Convert the static graph in ``static_dir`` to ONNX and cache it for ``run_cached``.

    Args:
        static_dir: The exported static graph of the checkpoint (``ModelRunner.static_dir``).
        probe: A preprocessed batch, and ``want`` the static graph's output on it: the ONNX
            graph is kept only if it gives the same within ``TOLERANCE``.
        width: The graph's fixed input width, or None when it takes any width.

    Returns:
        The cache entry, or None when there is no cache, paddle2onnx is missing or the
        conversion fails or disagrees (logged; inference itself is not affected).
    """
    found = _entry(cfg, gcfg)
    if found is None or importlib.util.find_spec("paddle2onnx") is None:
        return None
    entry = found[0]
    if (entry / ENTRY_FILE).is_file():
        return entry
    from ppocr_lite.deploy.onnx_backend import OnnxBackend, export_onnx

    start = time.perf_counter()
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp_", dir=entry.parent))
    except OSError as exc:
        logger.warning("cannot cache the ONNX graph in %s (%s)", entry.parent, exc)
        return None
    try:
        export_onnx(static_dir, tmp / ONNX_FILE)
        diff = float(np.abs(OnnxBackend(tmp).run(probe) - want).max())
        if diff > TOLERANCE:
            logger.warning("ONNX graph differs from Paddle's by %.2e: not cached", diff)
            return None
        meta = {
            "width": width,
            "weights": str(weights_file(gcfg)),
            "max_diff": diff,
            "openvino_max_diff": _check_openvino(tmp, probe, want),
        }
        (tmp / ENTRY_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        tmp.rename(entry)  # atomic: a concurrent run sees a whole entry or none
    except (ConfigError, OSError) as exc:
        logger.warning("ONNX graph not cached (%s)", exc)
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prune_cache(entry.parent, ENTRIES)
    logger.info(
        "cached the ONNX graph in %s (%.1f s, max |onnx - paddle| = %.1e): later runs with "
        "this checkpoint and config skip Paddle",
        entry,
        time.perf_counter() - start,
        diff,
    )
    return entry
