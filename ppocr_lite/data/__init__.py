"""Datasets, transforms, sampling and loading.

``Batch``, ``build_dataloader`` and ``build_dataset`` are imported on first use (PEP 562), so
that ``ppocr_lite.data.transforms`` can be used without importing Paddle.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Batch": "ppocr_lite.data.batch",
    "build_dataloader": "ppocr_lite.data.loader",
    "build_dataset": "ppocr_lite.data.loader",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ppocr_lite.data' has no attribute {name!r}")
