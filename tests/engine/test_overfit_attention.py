"""Overfit one batch with the attention-guided (MultiHead) and autoregressive (PARSeq) models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import paddle

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data import build_dataloader
from ppocr_lite.data.batch import Batch
from ppocr_lite.engine.evaluator import target_texts
from ppocr_lite.modeling import build_model
from ppocr_lite.registry import LOSSES, POSTPROCESSES

from ..conftest import VI_DICT

CTC_NECK = {"name": "svtr", "dims": 32, "depth": 1, "hidden_dims": 32, "use_guide": True}
MULTIHEAD_SAR = {
    "model_type": "rec",
    "Backbone": {
        "name": "MobileNetV3",
        "scale": 0.35,
        "model_name": "small",
        "small_stride": [1, 2, 2, 2],
    },  # fmt: skip
    "Head": {
        "name": "MultiHead",
        "head_list": [
            {"CTCHead": {"Neck": CTC_NECK, "Head": {"fc_decay": 1e-5}}},
            {"SARHead": {"enc_dim": 64, "d_k": 32, "max_text_length": 25}},
        ],
    },
}
PARSEQ = {
    "model_type": "rec",
    "Backbone": {
        "name": "ViTParseQ",
        "img_size": [32, 128],
        "patch_size": [4, 8],
        "embed_dim": 96,
        "depth": 2,
        "num_heads": 4,
    },  # fmt: skip
    "Head": {"name": "ParseQHead", "max_text_length": 25, "dec_num_heads": 4, "dropout": 0.0},
}


@dataclass
class Overfit:
    """What the overfit run left: the model (eval mode), the batch, the decoder, the charset."""

    model: Any
    batch: Batch
    post: Any
    charset: Charset

    def accuracy(self) -> float:
        with paddle.no_grad():
            preds = [t for t, _ in self.post(self.model(self.batch.image).numpy())]
        truth = target_texts(self.batch, self.charset, self.post)
        return sum(p == t for p, t in zip(preds, truth, strict=True)) / len(truth)


def overfit(
    arch: dict[str, Any], tiny: dict[str, Any], data: dict[str, Any], steps: int
) -> Overfit:
    """Train ``steps`` Adam steps on the first batch of 8 lines, return the model in eval mode."""
    paddle.seed(0)
    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True})
    cs = Charset.from_config(g.character_dict_path, True)
    section = {
        "dataset": {
            "name": "LMDBDataSet",
            "data_dir": str(tiny["train"]),
            "transforms": [
                {"DecodeImage": None},
                data["encode"],
                {"RecResizeImg": {"image_shape": data["shape"], "padding": data["padding"]}},
                {"KeepKeys": {"keep_keys": data["keys"]}},
            ],
        },
        "loader": {"batch_size_per_card": 8},
    }
    batch = next(iter(build_dataloader(section, "Train", cs, g)))
    post = POSTPROCESSES.build({"name": data["post"]}, charset=cs)
    model = build_model(arch, post.num_classes)
    loss_fn = LOSSES.build(data["loss"])
    opt = paddle.optimizer.Adam(data["lr"], parameters=model.parameters())
    for _ in range(steps):
        loss = loss_fn(model(batch.image, batch), batch)["loss"]
        loss.backward()
        opt.step()
        opt.clear_grad()
    model.eval()
    return Overfit(model, batch, post, cs)


def test_overfit_one_batch_multihead_sar(tiny_lmdb: dict[str, Any]) -> None:
    data = {
        "encode": {"MultiLabelEncode": None},
        "shape": [3, 32, 100],
        "padding": True,
        "keys": ["image", "label_ctc", "label_sar", "length", "valid_ratio"],
        "post": "CTCLabelDecode",
        "loss": {"name": "MultiLoss", "loss_config_list": [{"CTCLoss": None}, {"SARLoss": None}]},
        "lr": 5e-3,
    }
    run = overfit(MULTIHEAD_SAR, tiny_lmdb, data, steps=250)
    # Eval mode runs the CTC branch only: (N, T, chars + blank) probabilities.
    out = run.model(run.batch.image)
    assert isinstance(out, paddle.Tensor) and out.shape[2] == len(run.charset) + 1
    np.testing.assert_allclose(out.sum(axis=2).numpy(), 1.0, rtol=1e-4)
    assert run.accuracy() >= 0.875


def test_overfit_one_batch_parseq_decodes_cleanly(tiny_lmdb: dict[str, Any]) -> None:
    data = {
        "encode": {"ParseQLabelEncode": None},
        "shape": [3, 32, 128],
        "padding": False,
        "keys": ["image", "label", "length"],  # no text: targets come from the PARSeq labels
        "post": "ParseQLabelDecode",
        "loss": {"name": "ParseQLoss"},
        "lr": 1e-3,
    }
    run = overfit(PARSEQ, tiny_lmdb, data, steps=100)
    assert run.accuracy() >= 0.875
    with paddle.no_grad():
        probs = run.model(run.batch.image).numpy()
    tokens, ids = run.post.tokens, probs.argmax(axis=2)
    # Only EOS and characters can be predicted: never BOS or padding.
    assert probs.shape[2] == tokens.num_outputs == len(run.charset) + 1
    truth = target_texts(run.batch, run.charset, run.post)
    stops = [int(np.argmax(np.append(row, tokens.eos) == tokens.eos)) for row in ids]
    lengths = [len(t) for t in truth]
    # The decoder stops right after the text (no runaway repetition) in nearly every row.
    assert sum(s == n for s, n in zip(stops, lengths, strict=True)) >= 7
