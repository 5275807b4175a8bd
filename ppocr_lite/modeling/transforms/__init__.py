"""Input rectifiers (``Architecture.Transform``) register themselves on import."""

from __future__ import annotations

from ppocr_lite.modeling.transforms import stn, tps  # noqa: F401  (registration)
