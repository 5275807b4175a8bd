"""Every registered post-process implements the PostProcess protocol the engine relies on."""

from __future__ import annotations

import numpy as np
import paddle
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.data.batch import Batch
from ppocr_lite.postprocess.base import PostProcess
from ppocr_lite.postprocess.ctc_decode import CTCLabelDecode
from ppocr_lite.registry import POSTPROCESSES

CS = Charset(tuple("abcđệ "))


@pytest.mark.parametrize("name", POSTPROCESSES.names())
def test_registered_post_process_implements_the_protocol(name: str) -> None:
    post = POSTPROCESSES.build({"name": name}, "PostProcess", charset=CS)
    assert isinstance(post, PostProcess)
    assert post.num_classes > len(CS)


def test_ctc_targets_come_from_label_or_the_multi_head_label_ctc() -> None:
    post = CTCLabelDecode(CS)
    ids = np.array([[1, 4, 0, 0], [3, 0, 0, 0]], dtype="int64")  # "ađ", "c"; 0 pads
    length = np.array([2, 1], dtype="int64")
    assert post.target_texts(Batch({"label": ids, "length": length})) == ["ađ", "c"]
    multi = Batch({"label_ctc": paddle.to_tensor(ids), "length": paddle.to_tensor(length)})
    assert post.target_texts(multi) == ["ađ", "c"]
