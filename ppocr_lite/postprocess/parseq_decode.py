"""PARSeq decoding: arg-max per position, cut at the first EOS."""

from __future__ import annotations

from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.tokens import parseq_tokens
from ppocr_lite.registry import POSTPROCESSES


@POSTPROCESSES.register()
class ParseQLabelDecode:
    """(N, T, C) probabilities -> [(text, confidence)].

    The confidence is the mean probability of the kept characters and of the EOS that ended
    them (when there is one), as in PaddleOCR.

    Args:
        charset: Injected from the Global dictionary settings.
        max_text_length: Accepted for PaddleOCR configs (the head fixes the number of steps).
    """

    def __init__(self, charset: Charset, max_text_length: int = 25) -> None:
        self.charset = charset
        self.tokens = parseq_tokens(len(charset))

    @property
    def num_classes(self) -> int:
        """Classes the head predicts: EOS plus the characters (BOS and padding are input-only)."""
        return self.tokens.num_outputs

    def __call__(self, preds: np.ndarray) -> list[tuple[str, float]]:
        preds = np.asarray(preds)
        ids, probs = preds.argmax(axis=2), preds.max(axis=2)
        out = []
        for row_ids, row_probs in zip(ids, probs, strict=True):
            chars = self.tokens.chars_of(row_ids)
            ends = np.flatnonzero(row_ids == self.tokens.eos)
            stop = int(ends[0]) + 1 if len(ends) else len(row_ids)
            conf = float(np.mean(row_probs[:stop])) if stop else 0.0
            out.append((self.charset.decode(chars), conf))
        return out

    def target_texts(self, batch: Any) -> list[str]:
        """Ground truth decoded from ``batch.label`` rows ``[bos, chars, eos, pad...]``."""
        label = batch.label
        labels = label.numpy() if hasattr(label, "numpy") else np.asarray(label)
        return [self.charset.decode(self.tokens.chars_of(row, has_bos=True)) for row in labels]
