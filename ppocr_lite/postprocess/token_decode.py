"""Greedy decoding shared by the token decoders (attention, SAR, CPPD, PARSeq)."""

from __future__ import annotations

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.data.batch import Batch
from ppocr_lite.tokens import TokenLayout


class TokenDecode:
    """(N, L, C) probabilities -> [(text, confidence)]: arg-max per step, cut at the first EOS.

    The confidence is the mean probability of the kept characters (0 for an empty text), as
    PaddleOCR computes it for these decoders; a subclass whose model also scores the EOS (PARSeq)
    overrides :meth:`confidence`.

    Args:
        charset: Injected from the Global dictionary settings.
        tokens: The decoder's vocabulary layout.
    """

    # Whether ``batch.label`` rows start with a BOS token (the encoders' layouts differ).
    label_has_bos = True

    def __init__(self, charset: Charset, tokens: TokenLayout) -> None:
        self.charset = charset
        self.tokens = tokens

    @property
    def num_classes(self) -> int:
        """Classes the head predicts (the layout's outputs)."""
        return self.tokens.num_outputs

    def __call__(self, preds: np.ndarray) -> list[tuple[str, float]]:
        preds = np.asarray(preds)
        ids, probs = preds.argmax(axis=2), preds.max(axis=2)
        return [
            (
                self.charset.decode(self.tokens.chars_of(row_ids)),
                self.confidence(row_ids, row_probs),
            )
            for row_ids, row_probs in zip(ids, probs, strict=True)
        ]

    def first_eos(self, row_ids: np.ndarray) -> int:
        """Index of the row's first EOS (its length when there is none)."""
        ends = np.flatnonzero(row_ids == self.tokens.eos)
        return int(ends[0]) if len(ends) else len(row_ids)

    def confidence(self, row_ids: np.ndarray, row_probs: np.ndarray) -> float:
        """Mean probability of the characters before the first EOS (0 for none)."""
        stop = self.first_eos(row_ids)
        first = self.tokens.offset
        kept = (row_ids[:stop] >= first) & (row_ids[:stop] < first + self.tokens.num_chars)
        return float(row_probs[:stop][kept].mean()) if kept.any() else 0.0

    def target_texts(self, batch: Batch) -> list[str]:
        """Ground truth decoded from the ``batch.label`` rows."""
        labels = np.asarray(batch.label)  # tensors too
        has_bos = self.label_has_bos
        return [self.charset.decode(self.tokens.chars_of(row, has_bos=has_bos)) for row in labels]
