"""ppocr_lite: PaddleOCR-compatible, YAML-driven training of text-line recognizers.

Importing the package registers every component (backbones, heads, losses, transforms, ...)
in the registries of ``ppocr_lite.registry``; it changes nothing else in the process.
"""

from __future__ import annotations

from ppocr_lite import data, losses, metrics, modeling, optim, postprocess  # noqa: F401
from ppocr_lite.deploy.api import TextRecognizer

__version__ = "0.1.0"
__all__ = ["TextRecognizer", "__version__"]
