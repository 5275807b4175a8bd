"""Special-token layouts of the attention decoders, each a pure function of the dictionary size.

An attention decoder's vocabulary is the dictionary plus a few special tokens (begin, end,
padding). Where those go is a fact of each PaddleOCR algorithm and of its checkpoints, so it is
written down once here: label encoders, heads, losses and decoders all take their ids and sizes
from these layouts, and a head and a tokenizer built from the same Charset cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenLayout:
    """The ids of one decoder vocabulary over a dictionary of ``num_chars`` characters.

    Attributes:
        num_chars: Characters in the dictionary (the space included when enabled).
        offset: Id of the dictionary's first character; characters are contiguous.
        bos: Id fed to the decoder before the first character.
        eos: Id the decoder predicts after the last character.
        pad: Id filling a label after ``eos``; never a target.
        num_embeddings: Ids the decoder reads (its input embedding size).
        num_outputs: Ids the decoder predicts (its classifier size).
    """

    num_chars: int
    offset: int
    bos: int
    eos: int
    pad: int
    num_embeddings: int
    num_outputs: int

    def sequence(self, char_ids: list[int], size: int) -> np.ndarray:
        """``[bos, *char_ids, eos, pad, ...]`` of length ``size`` (int64).

        Raises:
            ValueError: if the characters and both markers do not fit in ``size``.
        """
        if len(char_ids) + 2 > size:
            raise ValueError(f"{len(char_ids)} characters + BOS/EOS do not fit in {size} slots")
        out = np.full(size, self.pad, dtype=np.int64)
        out[0] = self.bos
        out[1 : len(char_ids) + 1] = char_ids
        out[len(char_ids) + 1] = self.eos
        return out

    def chars_of(self, ids: Iterable[int], has_bos: bool = False) -> list[int]:
        """Character ids (minus ``offset``) of a row, up to its first ``eos``.

        Args:
            ids: A label row (``has_bos=True``: its first id is skipped) or predicted ids.
            has_bos: Whether the row starts with ``bos``.

        Any other special id is dropped, so a decoder that has not learned to stop still yields
        only dictionary characters.
        """
        out = []
        for tok in list(ids)[1 if has_bos else 0 :]:
            if int(tok) == self.eos:
                break
            if self.offset <= int(tok) < self.offset + self.num_chars:
                out.append(int(tok) - self.offset)
        return out


def sar_tokens(num_chars: int) -> TokenLayout:
    """SAR (PaddleOCR ``SARLabelEncode``): characters first, then unknown, BOS = EOS, padding.

    The classifier omits only the padding id (PaddleOCR's ``SARLabelDecode`` size minus one).
    """
    n = num_chars
    return TokenLayout(n, offset=0, bos=n + 1, eos=n + 1, pad=n + 2, num_embeddings=n + 3,
                       num_outputs=n + 2)  # fmt: skip


def nrtr_tokens(num_chars: int) -> TokenLayout:
    """NRTR (PaddleOCR ``NRTRLabelEncode``): padding 0, unknown 1, BOS 2, EOS 3, then characters.

    PaddleOCR's NRTR decoder sizes its embedding and classifier one larger than these n + 4 ids;
    the spare id is never a target but is kept so that its checkpoints load.
    """
    n = num_chars
    return TokenLayout(n, offset=4, bos=2, eos=3, pad=0, num_embeddings=n + 5, num_outputs=n + 5)


def parseq_tokens(num_chars: int) -> TokenLayout:
    """PARSeq (PaddleOCR ``ParseQLabelEncode``): EOS 0, characters, then BOS and padding.

    The classifier predicts EOS and the characters only, so BOS and padding can never be decoded.
    """
    n = num_chars
    return TokenLayout(n, offset=1, bos=n + 1, eos=0, pad=n + 2, num_embeddings=n + 3,
                       num_outputs=n + 1)  # fmt: skip


def attn_tokens(num_chars: int) -> TokenLayout:
    """RARE's attention head (PaddleOCR ``AttnLabelEncode``): BOS 0, characters, then EOS.

    Padding reuses id 0, so a label row is ``[0, *chars, eos, 0, ...]`` and every position,
    padding included, is a target (PaddleOCR's AttentionLoss ignores none).
    """
    n = num_chars
    return TokenLayout(n, offset=1, bos=0, eos=n + 1, pad=0, num_embeddings=n + 2,
                       num_outputs=n + 2)  # fmt: skip


def cppd_tokens(num_chars: int) -> TokenLayout:
    """CPPD (PaddleOCR ``CPPDLabelEncode``): EOS 0, then the characters; no BOS is ever fed.

    After EOS a label holds the loss's ``ignore_index`` (a value of the config), not ``pad``.
    """
    n = num_chars
    return TokenLayout(n, offset=1, bos=0, eos=0, pad=0, num_embeddings=n + 1, num_outputs=n + 1)
