"""RARE decoding: arg-max per step, start token skipped, cut at the first EOS."""

from __future__ import annotations

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.token_decode import TokenDecode
from ppocr_lite.registry import POSTPROCESSES
from ppocr_lite.tokens import attn_tokens


@POSTPROCESSES.register()
class AttnLabelDecode(TokenDecode):
    """(N, S, K) probabilities -> [(text, confidence)]; classes: BOS, the characters and EOS
    (neither the start token nor EOS counts in the confidence). Label rows are
    ``[bos, chars, eos, pad...]``.

    Args:
        charset: Injected from the Global dictionary settings.
    """

    def __init__(self, charset: Charset) -> None:
        super().__init__(charset, attn_tokens(len(charset)))
