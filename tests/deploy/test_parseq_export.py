"""PARSeq exports and serves: Paddle Inference, onnxruntime, the checkpoint engine and the
dygraph model give the same text and score, including lines whose decoding stops early."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.engine.backend import DygraphBackend
from ppocr_lite.engine.components import Components

from ..conftest import ROOT, VI_DICT
from .conftest import export_config, he_normal_linears, line_images

SHAPE = [3, 32, 128]
# Decoding steps are unrolled in the traced graph: few keep the export quick.
MAX_LEN = 10
# Added to the EOS logit: with it the He-initialised decoder ends some lines after a few
# characters, some at once and some not before the last step (MAX_LEN + 1 positions; measured
# over the images below).
EOS_BIAS = 3.0


def tiny_parseq_config(out: Path) -> dict[str, Any]:
    cfg = copy.deepcopy(load_config(ROOT / "configs" / "rec" / "vi_parseq.yml"))
    cfg = apply_overrides(
        cfg,
        [
            "Global.use_gpu=false",
            f"Global.character_dict_path={VI_DICT}",
            f"Global.max_text_length={MAX_LEN}",
            f"Global.save_inference_dir={out / 'inference'}",
            f"Global.save_model_dir={out}",
        ],
    )
    arch = cfg["Architecture"]
    arch["Backbone"].update(img_size=SHAPE[1:], patch_size=[4, 8], embed_dim=96, depth=2)
    arch["Backbone"]["num_heads"] = 4
    arch["Head"].update(max_text_length=MAX_LEN, dec_num_heads=4, dropout=0.0)
    for op in cfg["Eval"]["dataset"]["transforms"]:
        if "SVTRRecResizeImg" in op:
            op["SVTRRecResizeImg"]["image_shape"] = SHAPE
    return cfg


def decisive(parts: Components) -> None:
    """He-normal linear layers (the default initialisation decodes every line alike) and the
    EOS bias."""
    he_normal_linears(parts.model)
    head = parts.model.head
    bias = head.head.bias.numpy()
    bias[head.tokens.eos] += EOS_BIAS
    head.head.bias.set_value(bias)


@pytest.fixture(scope="module")
def parseq(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("paddle2onnx")
    pytest.importorskip("onnxruntime")
    out = tmp_path_factory.mktemp("parseq")
    parts, exported = export_config(tiny_parseq_config(out), "parseq", out, decisive)
    return {"parts": parts, "dir": exported.model_dir, "config": exported.config_path}


def _dygraph_one_by_one(parts: Components, images: list[bytes], pre: Any) -> list[tuple]:
    """Each image alone through the dygraph model (decoding stops at its own EOS)."""
    run = DygraphBackend(parts.model)
    return [parts.postprocess(run.run(np.stack(pre.batch([image]))))[0] for image in images]


def _same(got: list[Any], want: list[tuple]) -> None:
    got = [tuple(g) for g in got]  # Recognition unpacks to (text, score)
    assert [g[0] for g in got] == [w[0] for w in want]
    np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], atol=1e-5)


def test_exported_parseq_matches_the_dygraph_model(parseq: dict[str, Any]) -> None:
    from ppocr_lite import TextRecognizer

    images = line_images(16, seed=5)
    by_paddle = TextRecognizer(parseq["dir"], backend="paddle", batch_size=8)
    want = _dygraph_one_by_one(parseq["parts"], images, by_paddle.pipeline.preprocess)
    lengths = [len(text) for text, _ in want]
    # The check means something: lines end early, at once and (some) at the last step.
    assert any(0 < n < MAX_LEN for n in lengths) and {0, MAX_LEN + 1} <= set(lengths), lengths
    _same(by_paddle.predict(images), want)
    _same(TextRecognizer(parseq["dir"], backend="onnx", batch_size=8).predict(images), want)
    from_checkpoint = TextRecognizer.from_checkpoint(parseq["config"], batch_size=8)
    _same(from_checkpoint.predict(images), want)


def test_early_stop_does_not_change_text_or_score(
    parseq: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dygraph model stops decoding when every row has ended; the traced graph cannot.
    Both give the same text and score on batches where the stop happens."""
    parts = parseq["parts"]
    head = parts.model.head
    from ppocr_lite import TextRecognizer

    pre = TextRecognizer(parseq["dir"], backend="paddle").pipeline.preprocess
    images = line_images(16, seed=5)
    alone = _dygraph_one_by_one(parts, images, pre)
    ended = [img for img, (text, _) in zip(images, alone, strict=True) if len(text) <= MAX_LEN]
    batch = np.stack(pre.batch(ended))
    early = parts.postprocess(DygraphBackend(parts.model).run(batch))
    monkeypatch.setattr(head, "_stops_early", lambda: False)
    full = parts.postprocess(DygraphBackend(parts.model).run(batch))
    assert any(text for text, _ in early)
    _same(full, early)
