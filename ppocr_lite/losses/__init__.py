"""Losses register themselves on import."""

from __future__ import annotations

from ppocr_lite.losses import (
    attention_loss,  # noqa: F401
    center_loss,  # noqa: F401
    combined_loss,  # noqa: F401
    cppd_loss,  # noqa: F401
    ctc_loss,  # noqa: F401
    multi_loss,  # noqa: F401
    nrtr_loss,  # noqa: F401
    parseq_loss,  # noqa: F401
    sar_loss,  # noqa: F401
)
