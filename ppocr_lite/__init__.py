"""ppocr_lite: PaddleOCR-compatible, YAML-driven training of text-line recognizers.

Importing the package is cheap and imports no Paddle: components (backbones, heads, losses,
transforms, ...) register themselves when a registry of ``ppocr_lite.registry`` is first
looked up, and ``TextRecognizer`` is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = ["TextRecognizer", "__version__"]


def __getattr__(name: str) -> Any:
    """``from ppocr_lite import TextRecognizer`` (PEP 562: imported when asked for)."""
    if name == "TextRecognizer":
        return importlib.import_module("ppocr_lite.deploy.api").TextRecognizer
    raise AttributeError(f"module 'ppocr_lite' has no attribute {name!r}")
