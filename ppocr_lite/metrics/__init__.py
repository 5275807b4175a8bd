"""Metrics register themselves on import."""

from __future__ import annotations

from ppocr_lite.metrics import rec_metric  # noqa: F401
