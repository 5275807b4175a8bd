"""An attention decoder trained alone (RARE: ``AttentionHead`` + ``AttnLabelDecode``) exports
and serves: Paddle Inference and onnxruntime give the dygraph model's text and score."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.engine.backend import DygraphBackend

from .conftest import export_config, line_images, tiny_config


def rare_config(out: Path) -> dict[str, Any]:
    """The tiny CRNN of the suite with PaddleOCR's RARE head, loss and decoder."""
    cfg = copy.deepcopy(tiny_config("crnn_mv3", out))
    cfg["Architecture"].update(algorithm="RARE")
    cfg["Architecture"]["Head"] = {"name": "AttentionHead", "hidden_size": 32}
    cfg["Architecture"]["Neck"]["hidden_size"] = 32
    cfg["Loss"] = {"name": "AttentionLoss"}
    cfg["PostProcess"] = {"name": "AttnLabelDecode"}
    for section in ("Train", "Eval"):
        ops = cfg[section]["dataset"]["transforms"]
        cfg[section]["dataset"]["transforms"] = [
            {"AttnLabelEncode": None} if "CTCLabelEncode" in op else op for op in ops
        ]
    return apply_overrides(cfg, ["Global.max_text_length=12"])


def test_rare_exports_and_serves(tmp_path: Path) -> None:
    pytest.importorskip("paddle2onnx")
    pytest.importorskip("onnxruntime")
    from ppocr_lite import TextRecognizer
    from ppocr_lite.deploy.spec import read_spec

    parts, exported = export_config(rare_config(tmp_path), "rare", tmp_path)
    spec = read_spec(exported.model_dir)
    assert spec.postprocess == "AttnLabelDecode"
    assert not spec.dynamic_width  # fixed decoding steps: exported at the trained width

    images = line_images(10, seed=11)
    by_paddle = TextRecognizer(exported.model_dir, backend="paddle", batch_size=4)
    pre, run = by_paddle.pipeline.preprocess, DygraphBackend(parts.model)
    want = [parts.postprocess(run.run(np.stack(pre.batch([image]))))[0] for image in images]
    assert len({text for text, _ in want}) > 3  # the outputs depend on the image
    for backend in ("paddle", "onnx"):
        got = [
            tuple(r) for r in TextRecognizer(exported.model_dir, backend=backend).predict(images)
        ]
        assert [g[0] for g in got] == [w[0] for w in want], backend
        np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], atol=1e-5)
