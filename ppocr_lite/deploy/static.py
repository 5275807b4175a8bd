"""Run a dygraph recognizer as a static graph with Paddle Inference, inside the process.

``tools/eval.py`` and ``tools/infer_rec.py`` use this: on the CPU the Paddle Inference
predictor (oneDNN kernels, fused ops) runs SVTR-Tiny about 5x and CRNN-MV3 about 3x faster
per image than the dygraph model at the same batch size, which pays for the conversion
(1.5-3 s) after a few hundred lines, and is cached per checkpoint (``cache_root``). The
static graph is checked against the dygraph output before it is used; a model that cannot be
converted (or disagrees) stays in dygraph.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import paddle
from paddle import nn

from ppocr_lite.deploy.backends import PaddleInferenceBackend
from ppocr_lite.deploy.layout import cache_dir, prune_cache
from ppocr_lite.deploy.pipeline import RunBatch
from ppocr_lite.utils.quiet import native_notices_dropped

logger = logging.getLogger("ppocr_lite")

# Largest |static - dygraph| probability accepted (oneDNN reorders float sums: ~1e-6).
TOLERANCE = 1e-4
CACHE_ENTRIES = 16  # converted models kept (least recently used ones are removed)


def dygraph_runner(model: nn.Layer) -> RunBatch:
    """(N, C, H, W) float32 -> the model's eval output (a Tensor becomes a NumPy array)."""

    def run(batch: np.ndarray) -> Any:
        with paddle.no_grad():
            out = model(paddle.to_tensor(batch))
        return out.numpy() if isinstance(out, paddle.Tensor) else out

    return run


def _save_static(model: nn.Layer, shape: list[int | None], prefix: Path) -> None:
    """``paddle.jit.save`` of the eval model, leaving ``model`` a plain dygraph layer."""
    had_forward = "forward" in model.__dict__
    spec = paddle.static.InputSpec(shape, "float32", name="x")
    try:
        with native_notices_dropped():
            static = paddle.jit.to_static(model, input_spec=[spec], full_graph=True)
            paddle.jit.save(static, str(prefix))
    finally:
        if not had_forward:
            model.__dict__.pop("forward", None)  # to_static replaced the bound forward


def cache_root() -> Path | None:
    """Folder of converted static graphs (see ``layout.cache_dir``), or None: no cache."""
    return cache_dir("static")


def fingerprint(model: nn.Layer, shape: list[int | None]) -> str:
    """Identity of a converted model: Paddle version, input shape, layer tree and every weight."""
    digest = hashlib.sha256(f"{paddle.__version__}|{shape}|{model!r}".encode())
    for name, value in model.state_dict().items():
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(value.numpy()).tobytes())
    return digest.hexdigest()[:32]


def _cached_export(model: nn.Layer, shape: list[int | None], root: Path, fresh: bool) -> Path:
    """The converted model's folder in ``root``, converting it unless a previous run did."""
    folder = root / fingerprint(model, shape)
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    if (folder / "inference.pdiparams").is_file():
        os.utime(folder)  # most recently used: pruned last
        logger.info("static graph from the cache %s", folder)
        return folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp_", dir=root))
    _save_static(model, shape, tmp / "inference")
    try:
        tmp.rename(folder)  # atomic: a concurrent run sees all files or none
    except OSError:  # another process got there first
        shutil.rmtree(tmp, ignore_errors=True)
    prune_cache(root, CACHE_ENTRIES)
    return folder


def _backend(
    model: nn.Layer, shape: list[int | None], cpu_threads: int | None, cache: bool, fresh: bool
) -> PaddleInferenceBackend:
    root = cache_root() if cache else None
    if root is not None:
        try:
            folder = _cached_export(model, shape, root, fresh)
        except OSError as exc:  # read-only home, full disk: convert without caching
            logger.warning("cannot cache the static graph in %s (%s)", root, exc)
        else:
            return PaddleInferenceBackend(folder, cpu_threads=cpu_threads)
    with tempfile.TemporaryDirectory(prefix="ppocr_lite_static_") as tmp:
        _save_static(model, shape, Path(tmp) / "inference")
        return PaddleInferenceBackend(tmp, cpu_threads=cpu_threads)  # reads the files now


def static_runner(
    model: nn.Layer,
    probe: np.ndarray,
    dynamic_width: bool,
    cpu_threads: int | None = None,
    cache: bool = True,
) -> RunBatch | None:
    """A Paddle Inference runner equivalent to ``model``, or None if there is none.

    The converted model is cached (see ``cache_root``) under the fingerprint of the weights,
    so that later runs with the same checkpoint skip the conversion (1.5-3 s).

    Args:
        model: The recognizer in eval mode, weights loaded.
        probe: A few preprocessed lines (N, C, H, W) to compare both graphs on.
        dynamic_width: Accept batches of any width (else only ``probe``'s width).
        cpu_threads: Math threads (default: all cores, at most 8).
        cache: Keep the converted model for later runs (off for weights that keep changing,
            such as evaluations during training).

    Returns:
        ``run(batch) -> (N, T, classes)`` probabilities, or None when the model's output is
        not a single tensor, the conversion fails, or the outputs differ by more than
        ``TOLERANCE`` (the caller then keeps the dygraph model).
    """
    want = dygraph_runner(model)(probe)
    if not isinstance(want, np.ndarray):
        return None
    c, h, w = (int(d) for d in probe.shape[1:])
    shape = [None, c, h, None if dynamic_width else w]
    diff = float("inf")
    for fresh in (False, True):  # a cached graph that disagrees is converted again, once
        try:
            backend = _backend(model, shape, cpu_threads, cache, fresh)
            diff = float(np.abs(backend.run(probe) - want).max())
        except Exception as exc:  # noqa: BLE001 - any conversion failure: stay in dygraph
            logger.warning("no static graph (%s: %s); running dygraph", type(exc).__name__, exc)
            return None
        if diff <= TOLERANCE:
            logger.info("running the model as a static graph (max |static - dygraph| = %.1e)", diff)
            return backend.run
    logger.warning("static graph differs from dygraph by %.2e; running dygraph", diff)
    return None


class ModelRunner:
    """Runs batches through the static graph when it is available, else through the dygraph model.

    The static graph is built at the first batch (its shape is then known). Batches of another
    width than a fixed-width graph was built for run in dygraph.

    Args:
        model: The recognizer, weights loaded.
        use_static: Try the static graph (the CPU only; ``PPOCR_LITE_DYGRAPH=1`` turns it off).
        cpu_threads: Math threads of the predictor.
        cache: Cache the converted model (see ``static_runner``).
    """

    def __init__(
        self,
        model: nn.Layer,
        use_static: bool = True,
        cpu_threads: int | None = None,
        cache: bool = True,
    ) -> None:
        model.eval()
        self.model = model
        self.dygraph = dygraph_runner(model)
        self.static: RunBatch | None = None
        self.width: int | None = None  # the static graph's width; None: any
        self._pending = use_static and os.environ.get("PPOCR_LITE_DYGRAPH", "") in ("", "0")
        self._threads = cpu_threads
        self._cache = cache
        self.probe: np.ndarray | None = None  # lines the static graph was checked on

    @property
    def static_dir(self) -> Path | None:
        """Folder of the cached static graph in use (None: dygraph, or not cached)."""
        folder = getattr(getattr(self.static, "__self__", None), "model_dir", None)
        return folder if folder is not None and folder.is_dir() else None

    def __call__(self, batch: np.ndarray) -> Any:
        """(N, C, H, W) float32 -> the model's output (probabilities as a NumPy array)."""
        if self._pending:
            self._pending = False
            self._build(batch)
        if self.static is not None and self.width in (None, batch.shape[-1]):
            return self.static(batch)
        return self.dygraph(batch)

    def _build(self, batch: np.ndarray) -> None:
        from ppocr_lite.deploy.export import probe_dynamic_width

        dynamic = probe_dynamic_width(self.model, tuple(int(d) for d in batch.shape[1:]))
        self.probe = batch[:2]
        self.static = static_runner(self.model, self.probe, dynamic, self._threads, self._cache)
        self.width = None if dynamic else int(batch.shape[-1])
