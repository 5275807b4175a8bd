"""Necks register themselves on import."""

from __future__ import annotations

from ppocr_lite.modeling.necks import sequence_encoder  # noqa: F401
