"""Backbones register themselves on import."""

from __future__ import annotations

from ppocr_lite.modeling.backbones import mobilenet_v3  # noqa: F401
