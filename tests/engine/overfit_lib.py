"""Memorise one batch: the shared loop of the overfit tests (CTC, MultiHead, PARSeq)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import paddle

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data import build_dataloader
from ppocr_lite.data.batch import Batch
from ppocr_lite.engine.evaluator import target_texts
from ppocr_lite.modeling import build_model
from ppocr_lite.registry import LOSSES, POSTPROCESSES

from ..conftest import VI_DICT

CHECK_EVERY = 25  # steps between two looks at the batch


@dataclass(frozen=True)
class Recipe:
    """Data, loss and optimiser settings of one overfit run (defaults: CTC at 3x32x100)."""

    shape: list[int] = field(default_factory=lambda: [3, 32, 100])
    lr: float = 1e-2
    batch_size: int = 8
    encode: dict[str, Any] = field(default_factory=lambda: {"CTCLabelEncode": None})
    padding: bool = True
    keys: list[str] = field(default_factory=lambda: ["image", "label", "length"])
    post: str = "CTCLabelDecode"
    loss: dict[str, Any] = field(default_factory=lambda: {"name": "CTCLoss"})


@dataclass
class Overfit:
    """What the overfit run left: the model (eval mode), the batch, the decoder, the charset,
    and the number of steps it trained."""

    model: Any
    batch: Batch
    post: Any
    charset: Charset
    steps: int = 0
    losses: list[float] = field(default_factory=list)
    # Parameters whose first gradient was missing, all zero or not finite (a cut graph).
    dead: list[str] = field(default_factory=list)

    def accuracy(self) -> float:
        """Share of the batch's lines read exactly."""
        with paddle.no_grad():
            preds = [t for t, _ in self.post(self.model(self.batch.image).numpy())]
        truth = target_texts(self.batch, self.post)
        return sum(p == t for p, t in zip(preds, truth, strict=True)) / len(truth)


def _dead_parameters(model: paddle.nn.Layer) -> list[str]:
    dead = []
    for name, param in model.named_parameters():
        grad = None if param.stop_gradient else param.grad
        missing = grad is None and not param.stop_gradient
        broken = grad is not None and (not paddle.isfinite(grad).all() or not grad.abs().sum() > 0)
        if missing or broken:
            dead.append(name)
    return dead


def _hold_then_cosine(step: int, steps: int) -> float:
    half = steps // 2
    return 1.0 if step < half else 0.5 * (1.0 + math.cos(math.pi * (step - half) / (steps - half)))


def overfit(
    arch: dict[str, Any], tiny: dict[str, Any], recipe: Recipe, steps: int, target: float = 1.0
) -> Overfit:
    """Train at most ``steps`` Adam steps on the first batch of the tiny train LMDB.

    Every ``CHECK_EVERY`` steps the batch is read in eval mode, and training stops once
    ``target`` of its lines are read exactly. ``steps`` is a budget, not a schedule: the step
    at which a batch is memorised moves with the GEMM kernels and the fixture's rendering
    (OpenCV 5 draws the test lines narrower than OpenCV 4), so a fixed count is brittle.
    """
    paddle.seed(0)
    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True})
    cs = Charset.from_config(g.character_dict_path, True)
    resize = {"image_shape": recipe.shape, "padding": recipe.padding}
    section = {
        "dataset": {
            "name": "LMDBDataSet",
            "data_dir": str(tiny["train"]),
            "transforms": [
                {"DecodeImage": None},
                recipe.encode,
                {"RecResizeImg": resize},
                {"KeepKeys": {"keep_keys": recipe.keys}},
            ],
        },
        "loader": {"batch_size_per_card": recipe.batch_size},
    }
    batch = next(iter(build_dataloader(section, "Train", cs, g)))
    post = POSTPROCESSES.build({"name": recipe.post}, charset=cs)
    model = build_model(arch, post.num_classes)
    loss_fn = LOSSES.build(recipe.loss)
    # Constant rate for the first half of the budget, then a cosine decay to 0: a batch that a
    # fixed, high rate keeps missing by one line is settled as the rate falls.
    lr = paddle.optimizer.lr.LambdaDecay(recipe.lr, partial(_hold_then_cosine, steps=steps))
    opt = paddle.optimizer.Adam(lr, parameters=model.parameters())
    run = Overfit(model, batch, post, cs)
    for step in range(1, steps + 1):
        loss = loss_fn(model(batch.image, batch), batch)["loss"]
        loss.backward()
        run.losses.append(float(loss))
        if step == 1:
            run.dead = _dead_parameters(model)
        opt.step()
        opt.clear_grad()
        lr.step()
        run.steps = step
        if step % CHECK_EVERY == 0 and step < steps:
            model.eval()
            if run.accuracy() >= target:
                return run
            model.train()
    model.eval()
    return run
