"""Decoders trained alone besides CTC and PARSeq export and serve: RARE (``AttentionHead`` +
``AttnLabelDecode``), CPPD (``CPPDHead`` + ``CPPDLabelDecode``) and SAR (``SARHead`` +
``SARLabelDecode``). Paddle Inference and
onnxruntime give the dygraph model's text and score, line by line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.engine.backend import DygraphBackend
from ppocr_lite.engine.components import Components

from ..tiny_archs import TINY_CPPD, TINY_SAR
from .conftest import export_config, he_normal_linears, line_images, make_decisive, tiny_config


def _swap_ops(cfg: dict[str, Any], swaps: dict[str, dict[str, Any]]) -> None:
    """Replace transforms by name in Train and Eval: {old op: {new op: args}}."""
    for section in ("Train", "Eval"):
        ops = cfg[section]["dataset"]["transforms"]
        cfg[section]["dataset"]["transforms"] = [
            next((new for old, new in swaps.items() if old in op), op) for op in ops
        ]


def rare_config(out: Path) -> dict[str, Any]:
    """The tiny CRNN of the suite with PaddleOCR's RARE head, loss and decoder."""
    cfg = copy.deepcopy(tiny_config("crnn_mv3", out))
    cfg["Architecture"].update(algorithm="RARE")
    cfg["Architecture"]["Head"] = {"name": "AttentionHead", "hidden_size": 32}
    cfg["Architecture"]["Neck"]["hidden_size"] = 32
    cfg["Loss"] = {"name": "AttentionLoss"}
    cfg["PostProcess"] = {"name": "AttnLabelDecode"}
    _swap_ops(cfg, {"CTCLabelEncode": {"AttnLabelEncode": None}})
    return apply_overrides(cfg, ["Global.max_text_length=12"])


def cppd_config(out: Path) -> dict[str, Any]:
    """A tiny SVTRNet (no last stage) with PaddleOCR's CPPD head, loss and decoder."""
    cfg = copy.deepcopy(tiny_config("crnn_mv3", out))
    cfg["Architecture"] = {"model_type": "rec", "algorithm": "CPPD", "Transform": None}
    cfg["Architecture"].update(copy.deepcopy(TINY_CPPD))
    cfg["Loss"] = {"name": "CPPDLoss", "ignore_index": 400}
    cfg["PostProcess"] = {"name": "CPPDLabelDecode"}
    resize = {"SVTRRecResizeImg": {"image_shape": [3, 32, 100], "padding": False}}
    encode = {"CPPDLabelEncode": {"ignore_index": 400}}
    _swap_ops(cfg, {"CTCLabelEncode": encode, "RecResizeImg": resize})
    return cfg


def sar_config(out: Path) -> dict[str, Any]:
    """A tiny ResNet31 with PaddleOCR's SAR head (trained alone), loss and decoder."""
    cfg = copy.deepcopy(tiny_config("crnn_mv3", out))
    cfg["Architecture"] = {"model_type": "rec", "algorithm": "SAR", "Transform": None}
    cfg["Architecture"].update(copy.deepcopy(TINY_SAR))
    cfg["Architecture"]["Head"]["max_text_length"] = 12
    cfg["Loss"] = {"name": "SARLoss"}
    cfg["PostProcess"] = {"name": "SARLabelDecode"}
    _swap_ops(cfg, {"CTCLabelEncode": {"SARLabelEncode": None}})
    return apply_overrides(cfg, ["Global.max_text_length=12"])


def sar_decisive(parts: Components) -> None:
    """``make_decisive`` on the backbone (SAR's training forward needs labels, so the whole
    model cannot calibrate its batch norms) and He-normal linear layers in the head."""
    make_decisive(parts.model.backbone, (3, 32, 100))
    he_normal_linears(parts.model.head, seed=1)
    parts.model.eval()


# family: (config, decoder, initialisation: None = make_decisive)
CONFIGS = {
    "rare": (rare_config, "AttnLabelDecode", None),
    "cppd": (cppd_config, "CPPDLabelDecode", None),
    "sar": (sar_config, "SARLabelDecode", sar_decisive),
}


@pytest.mark.parametrize("family", sorted(CONFIGS))
def test_decoder_exports_and_serves(family: str, tmp_path: Path) -> None:
    pytest.importorskip("paddle2onnx")
    pytest.importorskip("onnxruntime")
    from ppocr_lite import TextRecognizer
    from ppocr_lite.deploy.spec import read_spec

    make_config, decoder, init = CONFIGS[family]
    parts, exported = export_config(make_config(tmp_path), family, tmp_path, init)
    spec = read_spec(exported.model_dir)
    assert spec.postprocess == decoder
    assert not spec.dynamic_width  # a fixed number of decoding steps: the trained width

    images = line_images(10, seed=11)
    by_paddle = TextRecognizer(exported.model_dir, backend="paddle", batch_size=4)
    pre, run = by_paddle.pipeline.preprocess, DygraphBackend(parts.model)
    want = [parts.postprocess(run.run(np.stack(pre.batch([image]))))[0] for image in images]
    assert len({(text, round(score, 4)) for text, score in want}) > 5, want  # image-dependent
    for backend in ("paddle", "onnx"):
        got = [
            tuple(r) for r in TextRecognizer(exported.model_dir, backend=backend).predict(images)
        ]
        assert [g[0] for g in got] == [w[0] for w in want], backend
        np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], atol=1e-5)
