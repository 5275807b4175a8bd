"""Token cross-entropy and label smoothing of the attention losses (NRTR, SAR, PARSeq)."""

from __future__ import annotations

import numpy as np
import paddle
import paddle.nn.functional as F
import pytest

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.losses.cross_entropy import mean_token_cross_entropy, token_cross_entropy
from ppocr_lite.modeling.heads.output import ParseQOutput
from ppocr_lite.registry import LOSSES

PAD = 7


def _logits_and_target(seed: int = 0) -> tuple[paddle.Tensor, paddle.Tensor]:
    rng = np.random.default_rng(seed)
    logits = paddle.to_tensor(rng.normal(size=(12, 8)).astype("float32"))
    target = paddle.to_tensor(np.array([1, 2, 3, PAD, 0, 5, PAD, 6, 4, 2, PAD, 1], dtype="int64"))
    return logits, target


def _numpy_smoothed(logits: np.ndarray, target: np.ndarray, eps: float) -> float:
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    classes = logits.shape[1]
    losses = []
    for row, t in zip(log_p, target, strict=True):
        if t == PAD:
            continue
        soft = np.full(classes, eps / (classes - 1))
        soft[t] = 1.0 - eps
        losses.append(-(soft * row).sum())
    return float(np.mean(losses))


def test_without_smoothing_it_is_cross_entropy_with_ignore_index() -> None:
    logits, target = _logits_and_target()
    ours = float(mean_token_cross_entropy(logits, target, PAD))
    ref = float(F.cross_entropy(logits, target, ignore_index=PAD))
    assert ours == pytest.approx(ref, rel=1e-6)
    total, count = token_cross_entropy(logits, target, PAD)
    assert float(count) == 9.0 and float(total) == pytest.approx(9 * ref, rel=1e-6)


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
def test_smoothing_puts_epsilon_on_the_other_classes(eps: float) -> None:
    logits, target = _logits_and_target(1)
    ours = float(mean_token_cross_entropy(logits, target, PAD, eps))
    assert ours == pytest.approx(_numpy_smoothed(logits.numpy(), target.numpy(), eps), rel=1e-5)


def test_only_padding_gives_zero_not_nan() -> None:
    logits, _ = _logits_and_target()
    target = paddle.full([12], PAD, dtype="int64")
    assert float(mean_token_cross_entropy(logits, target, PAD, 0.1)) == 0.0


def _nrtr_batch(classes: int) -> tuple[paddle.Tensor, Batch]:
    rng = np.random.default_rng(2)
    logits = paddle.to_tensor(rng.normal(size=(2, 5, classes)).astype("float32"))
    # NRTR ids: 0 pad, 2 bos, 3 eos; labels are padded past EOS
    label = np.array([[2, 5, 6, 7, 3, 0, 0], [2, 8, 3, 0, 0, 0, 0]], dtype="int64")
    return logits, Batch({"label": paddle.to_tensor(label)})


def test_nrtr_smoothing_switch_and_epsilon() -> None:
    classes = 15
    logits, batch = _nrtr_batch(classes)
    on = float(LOSSES.build({"name": "NRTRLoss"})(logits, batch)["loss"])
    off = float(LOSSES.build({"name": "NRTRLoss", "smoothing": False})(logits, batch)["loss"])
    eps02 = float(LOSSES.build({"name": "NRTRLoss", "label_smoothing": 0.2})(logits, batch)["loss"])
    target = batch.label.numpy()[:, 1:6].reshape(-1)
    flat = logits.numpy().reshape(-1, classes)
    keep = target != 0
    ref_off = float(F.cross_entropy(paddle.to_tensor(flat[keep]), paddle.to_tensor(target[keep])))
    assert off == pytest.approx(ref_off, rel=1e-5)
    assert on != pytest.approx(off) and eps02 != pytest.approx(on)


@pytest.mark.parametrize("name", ["NRTRLoss", "SARLoss", "ParseQLoss"])
@pytest.mark.parametrize("eps", [-0.1, 1.0, 2])
def test_an_impossible_epsilon_is_refused_by_name(name: str, eps: float) -> None:
    with pytest.raises(ConfigError, match=f"{name}.label_smoothing"):
        LOSSES.build({"name": name, "label_smoothing": eps})


def test_parseq_loss_smoothing_changes_the_loss_and_zero_keeps_it() -> None:
    rng = np.random.default_rng(3)
    logits_list = [
        paddle.to_tensor(rng.normal(size=(2, 4, 10)).astype("float32")) for _ in range(3)
    ]
    # PARSeq ids here: eos 0, bos 8, pad 9
    label = paddle.to_tensor(np.array([[8, 3, 4, 0, 9], [8, 5, 0, 9, 9]], dtype="int64"))
    preds = ParseQOutput(logits_list[0], logits_list=logits_list, pad_id=9, eos_id=0)
    batch = Batch({"label": label})
    plain = float(LOSSES.build({"name": "ParseQLoss"})(preds, batch)["loss"])
    target = label.numpy()[:, 1:5].reshape(-1)
    total, count = 0.0, 0
    for i, logits in enumerate(logits_list):
        t = target.copy()
        if i >= 2:
            t[t == 0] = 9
        keep = t != 9
        flat = logits.numpy().reshape(-1, 10)[keep]
        total += keep.sum() * float(
            F.cross_entropy(paddle.to_tensor(flat), paddle.to_tensor(t[keep]))
        )
        count += keep.sum()
    assert plain == pytest.approx(total / count, rel=1e-5)
    smoothed = float(
        LOSSES.build({"name": "ParseQLoss", "label_smoothing": 0.1})(preds, batch)["loss"]
    )
    assert smoothed != pytest.approx(plain)
