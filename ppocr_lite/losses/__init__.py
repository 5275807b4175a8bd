"""Losses register themselves on import."""

from __future__ import annotations

from ppocr_lite.losses import ctc_loss  # noqa: F401
