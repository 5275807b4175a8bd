"""Export folds reparameterizable parts (RepSVTR) before tracing: the exported graph has no
batch norm left in the backbone and gives the multi-branch dygraph model's output."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import paddle

from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.deploy.backends import PaddleInferenceBackend
from ppocr_lite.deploy.export import export_model
from ppocr_lite.engine.components import build_components
from ppocr_lite.validate import check_config

from ..conftest import VI_DICT
from .conftest import CONFIGS

SHAPE = (3, 48, 160)


def _repsvtr_config(out: Path) -> dict:
    cfg = copy.deepcopy(load_config(CONFIGS["crnn_mv3"]))
    cfg["Architecture"] = {
        "model_type": "rec",
        "algorithm": "SVTR_HGNet",
        "Transform": None,
        "Backbone": {"name": "RepSVTR"},
        "Neck": {"name": "SequenceEncoder", "encoder_type": "reshape"},
        "Head": {"name": "CTCHead"},
    }
    for section in ("Train", "Eval"):
        for op in cfg[section]["dataset"]["transforms"]:
            for args in op.values():
                if isinstance(args, dict) and "image_shape" in args:
                    args["image_shape"] = list(SHAPE)
    return apply_overrides(
        cfg,
        [
            f"Global.character_dict_path={VI_DICT}",
            f"Global.save_model_dir={out}",
            f"Global.save_inference_dir={out / 'inference'}",
        ],
    )


def test_exported_repsvtr_is_fused_and_equals_the_dygraph_model(tmp_path: Path) -> None:
    cfg = _repsvtr_config(tmp_path)
    gcfg = check_config(cfg, "repsvtr", sections=(), optional=())
    paddle.set_device("cpu")
    paddle.seed(0)
    model = build_components(cfg, gcfg).model
    for layer in model.sublayers():  # statistics away from the identity, as after training
        if isinstance(layer, paddle.nn.BatchNorm2D):
            layer._mean.set_value(paddle.uniform(layer._mean.shape, min=-0.2, max=0.2))
            layer._variance.set_value(paddle.uniform(layer._variance.shape, min=0.5, max=2.0))
    model.eval()
    assert any(isinstance(m, paddle.nn.BatchNorm2D) for m in model.backbone.sublayers())
    CheckpointManager(tmp_path).save("latest", model, None, TrainState())
    cfg = apply_overrides(cfg, [f"Global.checkpoints={tmp_path / 'latest'}"])

    result = export_model(cfg, check_config(cfg, "repsvtr", sections=(), optional=()))

    graph = (result.model_dir / "inference.json").read_text(encoding="utf-8")
    assert "batch_norm" not in graph  # RepSVTR was folded into plain convolutions
    x = np.random.default_rng(0).uniform(-1, 1, (2, *SHAPE)).astype("float32")
    with paddle.no_grad():
        want = model(paddle.to_tensor(x)).numpy()  # the multi-branch model, unfused
    got = PaddleInferenceBackend(result.model_dir).run(x)
    assert np.abs(got - want).max() < 1e-4
    assert result.max_abs_diff < 1e-4
