"""Post-processes register themselves on import."""

from __future__ import annotations

from ppocr_lite.postprocess import (
    ctc_decode,  # noqa: F401
    parseq_decode,  # noqa: F401
)
