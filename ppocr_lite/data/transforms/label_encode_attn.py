"""Label encoding for attention decoders (SAR, NRTR, PARSeq, RARE) and for CTC plus a guide decoder.

Every encoder takes its ids from ``postprocess/tokens.py``, computed from the same Charset the
heads are sized by, and keeps the normalised label as ``text`` for the metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.data.transforms.label_encode import CTCLabelEncode, check_label
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS
from ppocr_lite.tokens import (
    TokenLayout,
    attn_tokens,
    nrtr_tokens,
    parseq_tokens,
    sar_tokens,
)


class _SequenceLabelEncode(Transform):
    """``data["label"]`` text -> ``[bos, *chars, eos, pad, ...]`` of ``max_text_length + 2`` ids.

    PaddleOCR drops labels that leave no room for BOS/EOS inside ``max_text_length``; here the
    array is two longer instead, so every label the CTC branch accepts is also a decoder target.

    Args:
        charset: Injected from ``Global.character_dict_path`` / ``use_space_char``.
        max_text_length: Injected from ``Global.max_text_length``: the longest label kept.
    """

    uses_label = True  # inference drops this op
    layout_of: Callable[[int], TokenLayout]

    def __init__(self, charset: Charset, max_text_length: int = 25) -> None:
        self.charset = charset
        self.max_text_length = max_text_length
        self.layout = type(self).layout_of(len(charset))

    def encode(self, text: str) -> np.ndarray:
        """A prepared, checked text -> (max_text_length + 2,) int64 ids."""
        ids = self.charset.encode(text, offset=self.layout.offset)
        return self.layout.sequence(ids, self.max_text_length + 2)

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        text = check_label(data["label"], self.charset, self.max_text_length)
        data["label"] = self.encode(text)
        data["length"] = np.array(len(text), dtype=np.int64)
        data["text"] = text
        return data


@TRANSFORMS.register()
class SARLabelEncode(_SequenceLabelEncode):
    """SAR labels: characters from 0, BOS = EOS after the unknown id, then padding."""

    layout_of = staticmethod(sar_tokens)


@TRANSFORMS.register()
class NRTRLabelEncode(_SequenceLabelEncode):
    """NRTR labels: padding 0, BOS 2, EOS 3, characters from 4."""

    layout_of = staticmethod(nrtr_tokens)


@TRANSFORMS.register()
class ParseQLabelEncode(_SequenceLabelEncode):
    """PARSeq labels: EOS 0, characters from 1, then BOS and padding."""

    layout_of = staticmethod(parseq_tokens)


@TRANSFORMS.register()
class AttnLabelEncode(_SequenceLabelEncode):
    """RARE labels (``AttentionHead``): BOS 0, characters from 1, EOS, padding 0."""

    layout_of = staticmethod(attn_tokens)


# gtc_encode value -> (batch field, encoder); PaddleOCR's default (None) is SAR.
GUIDE_ENCODERS: dict[str, tuple[str, type[_SequenceLabelEncode]]] = {
    "SARLabelEncode": ("label_sar", SARLabelEncode),
    "NRTRLabelEncode": ("label_gtc", NRTRLabelEncode),
}


@TRANSFORMS.register()
class MultiLabelEncode(Transform):
    """Labels for a CTC head trained with an attention guide (PP-OCRv3/v4 ``MultiHead``).

    Adds ``label_ctc`` (CTC ids, blank 0), ``label_sar`` (SAR guide) or ``label_gtc`` (NRTR guide),
    ``length`` and ``text``; the raw ``label`` string is removed. A label is kept only if both
    encodings accept it.

    Args:
        charset: Injected from the Global dictionary settings.
        max_text_length: Injected from ``Global.max_text_length``.
        gtc_encode: Guide encoding: ``None`` or ``SARLabelEncode`` (SAR), ``NRTRLabelEncode``.

    Raises:
        ConfigError: for an unknown ``gtc_encode``.
    """

    uses_label = True

    def __init__(
        self, charset: Charset, max_text_length: int = 25, gtc_encode: str | None = None
    ) -> None:
        name = gtc_encode or "SARLabelEncode"
        if name not in GUIDE_ENCODERS:
            raise ConfigError(
                f"MultiLabelEncode.gtc_encode: unknown '{gtc_encode}'; "
                f"choices: {', '.join(GUIDE_ENCODERS)} (or leave it empty for SAR)"
            )
        self.guide_field, guide_cls = GUIDE_ENCODERS[name]
        self.ctc = CTCLabelEncode(charset, max_text_length)
        self.guide = guide_cls(charset, max_text_length)

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        data = self.ctc(data)  # checks the label; sets label (CTC ids), length and text
        data["label_ctc"] = data.pop("label")
        data[self.guide_field] = self.guide.encode(data["text"])
        return data
