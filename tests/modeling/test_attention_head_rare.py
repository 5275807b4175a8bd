"""RARE's AttentionHead with AttnLabelEncode, AttentionLoss and AttnLabelDecode."""

from __future__ import annotations

import math

import numpy as np
import paddle
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.data.batch import Batch
from ppocr_lite.data.transforms.label_encode_attn import AttnLabelEncode
from ppocr_lite.engine.evaluator import target_texts
from ppocr_lite.modeling.heads.attention_head import AttentionHead
from ppocr_lite.postprocess.attn_decode import AttnLabelDecode
from ppocr_lite.registry import LOSSES

CS = Charset(tuple("abcđệ "))
# PaddleOCR's AttentionHead state-dict names (facts of its checkpoints).
PADDLEOCR_NAMES = {
    "attention_cell.i2h.weight",
    "attention_cell.h2h.weight",
    "attention_cell.h2h.bias",
    "attention_cell.score.weight",
    "attention_cell.rnn.weight_ih",
    "attention_cell.rnn.weight_hh",
    "attention_cell.rnn.bias_ih",
    "attention_cell.rnn.bias_hh",
    "generator.weight",
    "generator.bias",
}


def _batch(texts: list[str], max_text_length: int = 6) -> Batch:
    encode = AttnLabelEncode(CS, max_text_length)
    rows = [encode({"label": t}) for t in texts]
    return Batch(
        {
            "label": paddle.to_tensor(np.stack([r["label"] for r in rows])),
            "length": paddle.to_tensor(np.stack([r["length"] for r in rows])),
        }
    )


def test_labels_are_bos_chars_eos_padding_and_decode_back() -> None:
    decode = AttnLabelDecode(CS)
    assert decode.num_classes == len(CS) + 2  # BOS 0, the characters, EOS
    batch = _batch(["ađ", "ệ b"])
    eos = len(CS) + 1
    assert batch.label.numpy()[0].tolist() == [0, 1, 4, eos, 0, 0, 0, 0]
    assert target_texts(batch, decode) == ["ađ", "ệ b"]
    # Probabilities that predict BOS, "c", "a", EOS, "b": the text stops at EOS.
    probs = np.full((1, 5, decode.num_classes), 0.01, dtype="float32")
    for step, cls in enumerate([0, 3, 1, eos, 2]):
        probs[0, step, cls] = 0.9 if cls != 1 else 0.5
    ((text, conf),) = decode(probs)
    assert text == "ca" and conf == pytest.approx(0.7)


def test_head_shapes_names_and_a_finite_loss() -> None:
    paddle.seed(0)
    head = AttentionHead(in_channels=12, out_channels=len(CS) + 2, hidden_size=16)
    assert {name for name, _ in head.named_parameters()} == PADDLEOCR_NAMES
    batch = _batch(["ab", "cđệ"])
    logits = head(paddle.randn([2, 10, 12]), batch)  # training: as many steps as the labels
    assert logits.shape == [2, 8, len(CS) + 2]
    loss = LOSSES.build({"name": "AttentionLoss"}, "Loss")(logits, batch)["loss"]
    assert math.isfinite(float(loss))
    loss.backward()
    assert head.attention_cell.i2h.weight.grad is not None
    head.eval()
    probs = head(paddle.randn([2, 10, 12]))
    assert probs.shape == [2, 27, len(CS) + 2]  # max_text_length 25 + BOS + EOS
    assert np.allclose(probs.numpy().sum(axis=2), 1.0, atol=1e-5)


def test_attention_loss_sums_over_every_position() -> None:
    # Equal logits over K classes cost log(K) at each of the N x S positions, padding included.
    batch = _batch(["a", "b"], max_text_length=2)
    classes = len(CS) + 2
    loss = LOSSES.build({"name": "AttentionLoss"}, "Loss")(paddle.zeros([2, 4, classes]), batch)
    assert float(loss["loss"]) == pytest.approx(2 * 4 * math.log(classes), rel=1e-6)


def test_head_learns_two_fixed_lines() -> None:
    paddle.seed(1)
    head = AttentionHead(in_channels=12, out_channels=len(CS) + 2, hidden_size=32)
    feats, batch = paddle.randn([2, 10, 12]), _batch(["ab", "cđệ"], max_text_length=4)
    loss_fn = LOSSES.build({"name": "AttentionLoss"}, "Loss")
    opt = paddle.optimizer.Adam(learning_rate=0.02, parameters=head.parameters())
    losses = []
    for _ in range(60):
        loss = loss_fn(head(feats, batch), batch)["loss"]
        loss.backward()
        opt.step()
        opt.clear_grad()
        losses.append(float(loss))
    head.eval()
    texts = [text for text, _ in AttnLabelDecode(CS)(head(feats).numpy())]
    assert losses[-1] < 0.1 * losses[0] and texts == ["ab", "cđệ"]
