"""PARSeq decoding: arg-max per position, cut at the first EOS."""

from __future__ import annotations

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.token_decode import TokenDecode
from ppocr_lite.registry import POSTPROCESSES
from ppocr_lite.tokens import parseq_tokens


@POSTPROCESSES.register()
class ParseQLabelDecode(TokenDecode):
    """(N, T, C) probabilities -> [(text, confidence)]; classes: EOS plus the characters (BOS and
    padding are input-only). Label rows are ``[bos, chars, eos, pad...]``.

    Args:
        charset: Injected from the Global dictionary settings.
        max_text_length: Accepted for PaddleOCR configs (the head fixes the number of steps).
    """

    def __init__(self, charset: Charset, max_text_length: int = 25) -> None:
        super().__init__(charset, parseq_tokens(len(charset)))

    def confidence(self, row_ids: np.ndarray, row_probs: np.ndarray) -> float:
        """Mean probability of the kept characters and of the EOS that ended them (when there is
        one), as in PaddleOCR."""
        stop = min(self.first_eos(row_ids) + 1, len(row_ids))
        return float(np.mean(row_probs[:stop])) if stop else 0.0
