"""CPPD: CPPDHead, CPPDLabelEncode, CPPDLoss and CPPDLabelDecode."""

from __future__ import annotations

import math

import numpy as np
import paddle
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.data.batch import Batch
from ppocr_lite.data.transforms.label_encode_cppd import CPPDLabelEncode
from ppocr_lite.engine.evaluator import target_texts
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.cppd_head import CPPDHead
from ppocr_lite.modeling.heads.output import CPPDOutput
from ppocr_lite.postprocess.cppd_decode import CPPDLabelDecode
from ppocr_lite.registry import LOSSES

CS = Charset(tuple("abcđệ "))
MAX_LEN = 5
# A few of PaddleOCR's CPPDHead state-dict names (facts of its checkpoints).
PADDLEOCR_NAMES = {
    "char_node_embed.embedding.weight",
    "pos_node_embed.embedding.weight",
    "char_node_decoder.0.normkv.weight",
    "char_node_decoder.0.mixer.kv.weight",
    "pos_node_decoder.1.mlp.fc2.bias",
    "edge_decoder.pv.weight",
    "edge_decoder.p_proj.bias",
    "char_pos_embed",
    "vis_pos_embed",
    "char_node_fc1.weight",
    "pos_node_fc1.weight",
    "edge_fc.weight",
}


def _batch(texts: list[str]) -> Batch:
    encode = CPPDLabelEncode(CS, MAX_LEN, ignore_index=100)
    rows = [encode({"label": t}) for t in texts]
    keys = ("label", "label_node")
    return Batch({k: paddle.to_tensor(np.stack([r[k] for r in rows])) for k in keys})


def _head() -> CPPDHead:
    return CPPDHead(in_channels=7, out_channels=len(CS) + 1, dim=32, max_len=MAX_LEN, vis_seq=6)


def test_labels_and_node_targets() -> None:
    batch = _batch(["aba"])
    assert batch.label.numpy()[0].tolist() == [1, 2, 1, 0, 100, 100]  # chars, EOS, ignored
    node = batch.label_node.numpy()[0].tolist()
    assert node[: len(CS) + 1] == [1, 2, 1, 0, 0, 0, 0]  # EOS once, a twice, b once
    assert node[len(CS) + 1 :] == [1, 1, 1, 1, 0, 0]  # three characters and EOS fill 4 slots
    assert target_texts(batch, CPPDLabelDecode(CS)) == ["aba"]
    with pytest.raises(ConfigError, match="ignore_index"):
        CPPDLabelEncode(CS, MAX_LEN, ignore_index=3)


def test_head_names_shapes_and_a_finite_loss() -> None:
    paddle.seed(0)
    head = _head()
    assert {name for name, _ in head.named_parameters()} >= PADDLEOCR_NAMES
    batch = _batch(["ab", "cđệ"])
    preds = head(paddle.randn([2, 6, 32]), batch)
    assert isinstance(preds, CPPDOutput)
    assert preds.predict.shape == [2, MAX_LEN + 1, len(CS) + 1]
    assert preds.char_nodes.shape == [2, len(CS) + 1, MAX_LEN]
    assert preds.pos_nodes.shape == [2, MAX_LEN + 1]
    loss = LOSSES.build({"name": "CPPDLoss", "smoothing": True}, "Loss")(preds, batch)
    assert math.isfinite(float(loss["loss"]))
    loss["loss"].backward()
    head.eval()
    probs = head(paddle.randn([2, 6, 32]))
    assert probs.shape == [2, MAX_LEN + 1, len(CS) + 1]
    assert np.allclose(probs.numpy().sum(axis=2), 1.0, atol=1e-5)


def test_loss_on_zero_logits() -> None:
    # Zero logits: count CE log(MAX_LEN), slot BCE log 2, edge CE log(classes) on the 3
    # counted slots of "ab" (2 characters + EOS).
    classes = len(CS) + 1
    preds = CPPDOutput(
        paddle.zeros([1, MAX_LEN + 1, classes]),
        char_nodes=paddle.zeros([1, classes, MAX_LEN]),
        pos_nodes=paddle.zeros([1, MAX_LEN + 1]),
    )
    out = LOSSES.build({"name": "CPPDLoss"}, "Loss")(preds, _batch(["ab"]))
    expected = math.log(MAX_LEN) + math.log(2.0) + math.log(classes)
    assert float(out["loss"]) == pytest.approx(expected, rel=1e-5)


def test_decode_stops_at_eos() -> None:
    probs = np.full((1, MAX_LEN + 1, len(CS) + 1), 0.01, dtype="float32")
    for slot, (cls, p) in enumerate([(3, 0.9), (1, 0.5), (0, 0.9), (2, 0.9)]):
        probs[0, slot, cls] = p
    ((text, conf),) = CPPDLabelDecode(CS)(probs)
    assert text == "ca" and conf == pytest.approx(0.7)
