"""SAR decoding: arg-max per step, cut at the first EOS; the unknown id is dropped."""

from __future__ import annotations

from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.tokens import sar_tokens
from ppocr_lite.registry import POSTPROCESSES


@POSTPROCESSES.register()
class SARLabelDecode:
    """(N, L, C) probabilities -> [(text, confidence)]; the confidence is the mean probability
    of the kept characters (0 for an empty text), as PaddleOCR computes it.

    Args:
        charset: Injected from the Global dictionary settings.
    """

    def __init__(self, charset: Charset) -> None:
        self.charset = charset
        self.tokens = sar_tokens(len(charset))

    @property
    def num_classes(self) -> int:
        """Classes the decoder predicts: the characters, unknown and EOS (not padding)."""
        return self.tokens.num_outputs

    def __call__(self, preds: np.ndarray) -> list[tuple[str, float]]:
        preds = np.asarray(preds)
        ids, probs = preds.argmax(axis=2), preds.max(axis=2)
        out = []
        for row_ids, row_probs in zip(ids, probs, strict=True):
            ends = np.flatnonzero(row_ids == self.tokens.eos)
            stop = int(ends[0]) if len(ends) else len(row_ids)
            kept = row_ids[:stop] < self.tokens.num_chars
            conf = float(row_probs[:stop][kept].mean()) if kept.any() else 0.0
            out.append((self.charset.decode(self.tokens.chars_of(row_ids)), conf))
        return out

    def target_texts(self, batch: Any) -> list[str]:
        """Ground truth decoded from ``batch.label`` rows ``[bos, chars, eos, pad...]``."""
        label = batch.label
        labels = label.numpy() if hasattr(label, "numpy") else np.asarray(label)
        return [self.charset.decode(self.tokens.chars_of(row, has_bos=True)) for row in labels]
