"""SAR decoding: arg-max per step, cut at the first EOS; the unknown id is dropped."""

from __future__ import annotations

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.token_decode import TokenDecode
from ppocr_lite.registry import POSTPROCESSES
from ppocr_lite.tokens import sar_tokens


@POSTPROCESSES.register()
class SARLabelDecode(TokenDecode):
    """(N, L, C) probabilities -> [(text, confidence)]; classes: the characters, unknown and EOS
    (not padding). Label rows are ``[bos, chars, eos, pad...]``.

    Args:
        charset: Injected from the Global dictionary settings.
    """

    def __init__(self, charset: Charset) -> None:
        super().__init__(charset, sar_tokens(len(charset)))
