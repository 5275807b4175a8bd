"""Where models and converted models live, and runtime options: no Paddle needed.

The Paddle Inference backend (``backends.py``) and the onnxruntime backend
(``onnx_backend.py``) share these; the latter must stay importable without Paddle.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ppocr_lite.errors import ConfigError

PRECISIONS = ("fp32", "fp16")
BACKENDS = ("paddle", "onnx")  # of TextRecognizer (ppocr_lite.deploy.api); here, free of Paddle
# Newest format first: Paddle 3 writes a PIR program (.json), Paddle 2 a ProgramDesc (.pdmodel).
MODEL_FILES = ("inference.json", "inference.pdmodel")
PARAMS_FILE = "inference.pdiparams"
CACHE_ENV = "PPOCR_LITE_CACHE_DIR"


def cache_dir(kind: str) -> Path | None:
    """``<root>/<kind>`` for converted models: root is ``PPOCR_LITE_CACHE_DIR`` (empty or ``0``:
    no cache), else ``$XDG_CACHE_HOME/ppocr_lite`` (``~/.cache/ppocr_lite``)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env) / kind if env not in ("", "0") else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ppocr_lite" / kind


def prune_cache(root: Path, keep: int) -> None:
    """Keep the ``keep`` most recently used entries (folders) of a cache folder."""
    entries = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in entries[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def default_threads() -> int:
    """CPU threads for one predictor: all cores, at most 8 (more rarely helps a small model)."""
    return max(1, min(8, os.cpu_count() or 1))


def model_files(model_dir: str | Path) -> tuple[Path, Path]:
    """(program, parameters) of an inference folder.

    Raises:
        ConfigError: if the folder holds no exported model.
    """
    folder = Path(model_dir)
    for name in MODEL_FILES:
        if (folder / name).is_file() and (folder / PARAMS_FILE).is_file():
            return folder / name, folder / PARAMS_FILE
    raise ConfigError(
        f"{folder}: no {' or '.join(MODEL_FILES)} with {PARAMS_FILE} "
        "(export one with tools/export_model.py)"
    )


def check_precision(precision: str) -> None:
    """Raises ConfigError unless ``precision`` is fp32 or fp16."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {PRECISIONS}, got {precision!r}")
