"""CPPD labels: characters with EOS, plus the node targets (class counts and filled slots)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.data.transforms.label_encode import check_label
from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.registry import TRANSFORMS
from ppocr_lite.tokens import cppd_tokens


@TRANSFORMS.register()
class CPPDLabelEncode(Transform):
    """``label`` -> ``label`` (max_text_length + 1,) ids ``[*chars, 0 (EOS), ignore_index...]``
    and ``label_node``: the count of every class (EOS counted once), then one flag per slot
    (1 up to and including EOS).

    Args:
        charset: Injected from the Global dictionary settings.
        max_text_length: Injected from ``Global.max_text_length``.
        ch: PaddleOCR's large-dictionary mode (character nodes sampled per label); not
            supported.
        ignore_index: Id written after EOS; must not be a class id.

    Raises:
        ConfigError: for ``ch: true`` or an ``ignore_index`` that is a class id.
    """

    uses_label = True

    def __init__(
        self, charset: Charset, max_text_length: int = 25, ch: bool = False, ignore_index: int = 100
    ) -> None:
        self.tokens = cppd_tokens(len(charset))
        if ch:
            raise ConfigError(
                "CPPDLabelEncode.ch: true (CPPD's large-dictionary labels, label_index) is not "
                "supported; use ch: false (every class is a character node)"
            )
        if 0 <= ignore_index < self.tokens.num_outputs:
            raise ConfigError(
                f"CPPDLabelEncode.ignore_index {ignore_index} is a class id (there are "
                f"{self.tokens.num_outputs}); set it (and Loss.ignore_index) to "
                f"{self.tokens.num_outputs} or more"
            )
        self.charset = charset
        self.max_text_length = max_text_length
        self.ignore_index = ignore_index

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        text = check_label(data["label"], self.charset, self.max_text_length)
        # The count classifier has max_text_length outputs (0 .. max_text_length - 1), so a
        # text as long as max_text_length could not be counted: PaddleOCR drops it too.
        if len(text) >= self.max_text_length:
            raise DataError("label_too_long", f"{len(text)} >= max_text_length for CPPD")
        ids = self.charset.encode(text, offset=self.tokens.offset)
        slots = self.max_text_length + 1
        label = np.full(slots, self.ignore_index, dtype=np.int64)
        label[: len(ids)] = ids
        label[len(ids)] = self.tokens.eos
        counts = np.bincount(np.asarray(ids, dtype=np.int64), minlength=self.tokens.num_outputs)
        counts[self.tokens.eos] = 1
        filled = (np.arange(slots) <= len(ids)).astype(np.int64)
        data["label"] = label
        data["label_node"] = np.concatenate([counts, filled])
        data["length"] = np.array(len(ids), dtype=np.int64)
        data["text"] = text
        return data
