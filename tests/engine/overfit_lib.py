"""Memorise one batch: the shared loop of the overfit tests (CTC, MultiHead, PARSeq)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    """What the overfit run left: the model (eval mode), the batch, the decoder, the charset."""

    model: Any
    batch: Batch
    post: Any
    charset: Charset

    def accuracy(self) -> float:
        """Share of the batch's lines read exactly."""
        with paddle.no_grad():
            preds = [t for t, _ in self.post(self.model(self.batch.image).numpy())]
        truth = target_texts(self.batch, self.charset, self.post)
        return sum(p == t for p, t in zip(preds, truth, strict=True)) / len(truth)


def overfit(arch: dict[str, Any], tiny: dict[str, Any], recipe: Recipe, steps: int) -> Overfit:
    """Train ``steps`` Adam steps on the first batch of the tiny train LMDB."""
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
    opt = paddle.optimizer.Adam(recipe.lr, parameters=model.parameters())
    for _ in range(steps):
        loss = loss_fn(model(batch.image, batch), batch)["loss"]
        loss.backward()
        opt.step()
        opt.clear_grad()
    model.eval()
    return Overfit(model, batch, post, cs)
