"""Post-processes register themselves on import."""

from __future__ import annotations

from ppocr_lite.postprocess import (
    attn_decode,  # noqa: F401
    cppd_decode,  # noqa: F401
    ctc_decode,  # noqa: F401
    parseq_decode,  # noqa: F401
    sar_decode,  # noqa: F401
)
