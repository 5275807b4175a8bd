from __future__ import annotations

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.ctc_decode import CTCLabelDecode, ctc_greedy


def _probs(ids: list[int], classes: int, p: float = 0.9) -> np.ndarray:
    out = np.full((len(ids), classes), (1 - p) / (classes - 1), dtype=np.float32)
    out[np.arange(len(ids)), ids] = p
    return out


def test_repeats_collapse_and_blanks_separate() -> None:
    ids, _ = ctc_greedy(np.array([1, 1, 0, 1, 2, 2, 0, 0, 3]), np.ones(9))
    assert ids == [1, 1, 2, 3]


def test_decode_text_and_confidence() -> None:
    cs = Charset(("a", "b", "ệ", " "))
    post = CTCLabelDecode(cs)
    assert post.num_classes == 5
    probs = _probs([1, 1, 0, 3, 4, 2, 0], 5)[None]
    ((text, conf),) = post(probs)
    assert text == "aệ b"
    assert abs(conf - 0.9) < 1e-6


def test_all_blank_gives_empty_text_zero_confidence() -> None:
    ((text, conf),) = CTCLabelDecode(Charset(("a",)))(_probs([0, 0, 0], 2)[None])
    assert text == "" and conf == 0.0
