"""SAR as a recognizer: ResNet31, the standalone SARHead, SARLabelDecode; image_shape forms."""

from __future__ import annotations

import math

import numpy as np
import paddle
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.config.resolve import input_shape
from ppocr_lite.data.batch import Batch
from ppocr_lite.data.transforms.label_encode_attn import SARLabelEncode
from ppocr_lite.engine.evaluator import target_texts
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.backbones.resnet31 import ResNet31
from ppocr_lite.postprocess.sar_decode import SARLabelDecode
from ppocr_lite.registry import HEADS, LOSSES

CS = Charset(tuple("abcđệ "))
SMALL = {"layers": (1, 1, 1, 1), "channels": (8, 8, 16, 16, 16, 16, 16)}


def test_resnet31_sizes() -> None:
    model = ResNet31(**SMALL)
    model.eval()
    assert model(paddle.zeros([1, 3, 48, 160])).shape == [1, 16, 6, 40]
    # PaddleOCR 2.9.1's ResNet31 with its defaults (measured with its code): 45,976,832.
    full = ResNet31()
    assert sum(int(p.numel()) for p in full.parameters() if not p.stop_gradient) == 45_976_832
    assert "block2.0.downsample.0.weight" in full.state_dict()


def test_sar_head_trains_teacher_forced_and_decodes_greedily() -> None:
    paddle.seed(0)
    decode = SARLabelDecode(CS)
    head = HEADS.build(
        {"name": "SARHead", "enc_dim": 16, "d_k": 8, "max_text_length": 5},
        "Architecture.Head",
        in_channels=16,
        out_channels=decode.num_classes,
    )
    encode = SARLabelEncode(CS, 5)
    rows = [encode({"label": t}) for t in ("ab", "cđệ")]
    batch = Batch({"label": paddle.to_tensor(np.stack([r["label"] for r in rows]))})
    feats = paddle.randn([2, 16, 6, 10])
    logits = head(feats, batch)
    assert logits.shape == [2, 7, decode.num_classes]
    loss = LOSSES.build({"name": "SARLoss"}, "Loss")(logits, batch)["loss"]
    assert math.isfinite(float(loss))
    head.eval()
    probs = head(feats)
    assert probs.shape == [2, 5, decode.num_classes]
    assert np.allclose(probs.numpy().sum(axis=2), 1.0, atol=1e-5)
    assert len(decode(probs.numpy())) == 2
    assert target_texts(batch, decode) == ["ab", "cđệ"]


def test_sar_head_names_a_wrong_key() -> None:
    with pytest.raises(ConfigError, match="enc_dimm.*enc_dim"):
        HEADS.build({"name": "SARHead", "enc_dimm": 8}, "Head", in_channels=4, out_channels=9)


def test_sar_decode_stops_at_eos_and_drops_unknown() -> None:
    decode = SARLabelDecode(CS)
    n = len(CS)
    probs = np.full((1, 5, decode.num_classes), 0.01, dtype="float32")
    for step, (cls, p) in enumerate([(2, 0.9), (n, 0.9), (0, 0.5), (n + 1, 0.9), (1, 0.9)]):
        probs[0, step, cls] = p  # "c", unknown, "a", EOS, "b"
    ((text, conf),) = decode(probs)
    assert text == "ca" and conf == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("op", "shape", "expected"),
    [
        ("RecResizeImg", [3, 48, 320], (3, 48, 320)),
        ("SARRecResizeImg", [3, 48, 48, 160], (3, 48, 160)),  # C, H, min W, max W
        ("GrayRecResizeImg", [100, 32], (1, 32, 100)),  # W, H
    ],
)
def test_input_shape_reads_each_image_shape_form(op: str, shape: list, expected: tuple) -> None:
    cfg = {"Eval": {"dataset": {"transforms": [{op: {"image_shape": shape}}]}}}
    assert input_shape(cfg) == expected
