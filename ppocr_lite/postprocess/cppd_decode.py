"""CPPD decoding: arg-max per slot, cut at the first EOS (class 0)."""

from __future__ import annotations

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.token_decode import TokenDecode
from ppocr_lite.registry import POSTPROCESSES
from ppocr_lite.tokens import cppd_tokens


@POSTPROCESSES.register()
class CPPDLabelDecode(TokenDecode):
    """(N, P, C) probabilities -> [(text, confidence)]; classes: EOS and the characters.

    Args:
        charset: Injected from the Global dictionary settings.
    """

    label_has_bos = False  # rows are [chars, eos, ignore_index...]

    def __init__(self, charset: Charset) -> None:
        super().__init__(charset, cppd_tokens(len(charset)))
