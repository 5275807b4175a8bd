"""Overfit one batch with the attention-guided (MultiHead) and autoregressive (PARSeq) models."""

from __future__ import annotations

from typing import Any

import numpy as np
import paddle

from ppocr_lite.engine.evaluator import target_texts

from .overfit_lib import Recipe, overfit

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


def test_overfit_one_batch_multihead_sar(tiny_lmdb: dict[str, Any]) -> None:
    recipe = Recipe(
        encode={"MultiLabelEncode": None},
        keys=["image", "label_ctc", "label_sar", "length", "valid_ratio"],
        loss={"name": "MultiLoss", "loss_config_list": [{"CTCLoss": None}, {"SARLoss": None}]},
        lr=5e-3,
        batch_size=4,  # 4 of 4 lines from step ~125
    )
    run = overfit(MULTIHEAD_SAR, tiny_lmdb, recipe, steps=500)
    # Eval mode runs the CTC branch only: (N, T, chars + blank) probabilities.
    out = run.model(run.batch.image)
    assert isinstance(out, paddle.Tensor) and out.shape[2] == len(run.charset) + 1
    np.testing.assert_allclose(out.sum(axis=2).numpy(), 1.0, rtol=1e-4)
    assert run.accuracy() == 1.0


def test_overfit_one_batch_parseq_decodes_cleanly(tiny_lmdb: dict[str, Any]) -> None:
    recipe = Recipe(
        encode={"ParseQLabelEncode": None},
        shape=[3, 32, 128],
        padding=False,
        post="ParseQLabelDecode",  # keys: image, label, length (targets are the PARSeq labels)
        loss={"name": "ParseQLoss"},
        lr=1e-3,
    )
    run = overfit(PARSEQ, tiny_lmdb, recipe, steps=200)
    assert run.accuracy() >= 0.875
    with paddle.no_grad():
        probs = run.model(run.batch.image).numpy()
    tokens, ids = run.post.tokens, probs.argmax(axis=2)
    # Only EOS and characters can be predicted: never BOS or padding.
    assert probs.shape[2] == tokens.num_outputs == len(run.charset) + 1
    truth = target_texts(run.batch, run.post)
    stops = [int(np.argmax(np.append(row, tokens.eos) == tokens.eos)) for row in ids]
    lengths = [len(t) for t in truth]
    # The decoder stops right after the text (no runaway repetition) in nearly every row.
    assert sum(s == n for s, n in zip(stops, lengths, strict=True)) >= 7
