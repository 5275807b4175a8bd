"""Label encoding for CTC."""

from __future__ import annotations

from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.errors import DataError
from ppocr_lite.registry import TRANSFORMS


def check_label(text: str, charset: Charset, max_text_length: int) -> str:
    """Prepare a raw label (NFC, lower-case for the default charset) and validate it.

    Raises:
        DataError: ``empty_label``, ``label_too_long`` or ``unknown_char`` (the message lists
            the characters that are not in the dictionary).
    """
    text = charset.prepare(text)
    if not text:
        raise DataError("empty_label", "empty label")
    missing = charset.missing(text)
    if missing:
        raise DataError("unknown_char", "".join(sorted(set(missing))))
    if len(text) > max_text_length:
        # CTC needs at least one time step per character; longer labels cannot be learned.
        raise DataError("label_too_long", f"{len(text)} > max_text_length {max_text_length}")
    return text


@TRANSFORMS.register()
class CTCLabelEncode(Transform):
    """``data["label"]`` text -> padded indices; blank is 0, so characters start at 1.

    Adds ``length`` (number of characters) and ``text`` (the normalised label, for metrics).

    Args:
        charset: Injected from ``Global.character_dict_path`` / ``use_space_char``.
        max_text_length: Injected from ``Global.max_text_length``; the label array's length.
    """

    uses_label = True  # inference drops this op

    def __init__(self, charset: Charset, max_text_length: int = 25) -> None:
        self.charset = charset
        self.max_text_length = max_text_length

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        text = check_label(data["label"], self.charset, self.max_text_length)
        ids = self.charset.encode(text, offset=1)
        label = np.zeros(self.max_text_length, dtype=np.int64)
        label[: len(ids)] = ids
        data["label"] = label
        data["length"] = np.array(len(ids), dtype=np.int64)
        data["text"] = text
        return data
