"""Where exported models live, and runtime options: no Paddle needed.

The Paddle Inference backend (``backends.py``) and the onnxruntime backend
(``onnx_backend.py``) share these; the latter must stay importable without Paddle.
"""

from __future__ import annotations

import os
from pathlib import Path

from ppocr_lite.errors import ConfigError

PRECISIONS = ("fp32", "fp16")
BACKENDS = ("paddle", "onnx")  # of TextRecognizer (ppocr_lite.deploy.api); here, free of Paddle
# Newest format first: Paddle 3 writes a PIR program (.json), Paddle 2 a ProgramDesc (.pdmodel).
MODEL_FILES = ("inference.json", "inference.pdmodel")
PARAMS_FILE = "inference.pdiparams"


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
