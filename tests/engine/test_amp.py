"""The GPU's mixed-precision code path, run on the CPU as far as a CPU can run it.

Paddle's AMP casts nothing on the CPU place (autocast leaves the ops in float32 and O2's
``decorate`` keeps float32 weights: the loss below is the same to the bit with and without it),
so these tests check the wiring a GPU run goes through (autocast context, O2 decoration, the fp16
loss scaler's scale / step / update), not the numerics of half precision.
"""

from __future__ import annotations

import numpy as np
import paddle
import pytest

from ppocr_lite.engine.amp import Amp
from ppocr_lite.registry import BACKBONES

MV3 = {"name": "MobileNetV3", "scale": 0.35, "model_name": "small", "small_stride": [1, 2, 2, 2]}


def _step(amp: Amp) -> tuple[float, np.ndarray]:
    paddle.seed(0)
    model = BACKBONES.build(dict(MV3), in_channels=3)
    optimizer = paddle.optimizer.Adam(learning_rate=1e-3, parameters=model.parameters())
    model, optimizer = amp.decorate(model, optimizer)
    x = paddle.to_tensor(np.random.default_rng(0).standard_normal((2, 3, 32, 64)), "float32")
    with amp.autocast():
        loss = model(x).astype("float32").square().mean()
    amp.backward_and_step(loss, optimizer)
    first = next(iter(model.parameters()))
    return float(loss), first.astype("float32").numpy()


@pytest.mark.parametrize("level", ["O1", "O2"])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_amp_code_path_trains_a_step(level: str, dtype: str) -> None:
    gpu_path = Amp(True, level, dtype, device="gpu:0")  # as configured on a GPU machine
    assert gpu_path.enabled and (gpu_path.scaler is not None) == (dtype == "float16")
    loss, weights = _step(gpu_path)
    plain_loss, plain_weights = _step(Amp(False))
    assert np.isfinite(loss) and np.isfinite(weights).all()
    assert loss == pytest.approx(plain_loss, rel=1e-6)  # nothing is cast on the CPU place
    assert not np.array_equal(weights, _initial_weights())  # the optimizer stepped
    np.testing.assert_allclose(weights, plain_weights, rtol=1e-4, atol=1e-6)


def test_amp_is_off_on_the_cpu_device() -> None:
    amp = Amp(True, "O2", "float16", device="cpu")
    assert not amp.enabled and amp.scaler is None


def _initial_weights() -> np.ndarray:
    paddle.seed(0)
    model = BACKBONES.build(dict(MV3), in_channels=3)
    return next(iter(model.parameters())).numpy()
