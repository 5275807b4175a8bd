"""Heads register themselves on import."""

from __future__ import annotations

from ppocr_lite.modeling.heads import (
    attention_head,  # noqa: F401
    cppd_head,  # noqa: F401
    ctc_head,  # noqa: F401
    multi_head,  # noqa: F401
    parseq_head,  # noqa: F401
    sar_recognizer,  # noqa: F401
)
