"""Model parts and the recognizer builder."""

from __future__ import annotations

from ppocr_lite.modeling import backbones, heads, necks, transforms  # noqa: F401  (registration)
from ppocr_lite.modeling.build import build_model, count_parameters
from ppocr_lite.modeling.recognizer import Recognizer
from ppocr_lite.modeling.reparameterize import Reparameterizable, reparameterize

__all__ = [
    "Recognizer",
    "Reparameterizable",
    "build_model",
    "count_parameters",
    "reparameterize",
]
