"""The TPS and STN_ON rectifiers (``Architecture.Transform``) compute what PaddleOCR's do.

``tests/data/paddleocr_rectifier_reference.json`` holds outputs of PaddleOCR 2.9.1's own
``GridGenerator`` (TPS) and ``TPSSpatialTransformer`` (STN_ON) for fixed inputs; their parameter
names are checked with the other models in ``test_paddleocr_names.py``. Rectified models also
export: TPS keeps a dynamic input width, STN_ON (fixed output size) a fixed one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.engine.components import build_components
from ppocr_lite.modeling.transforms.stn import _TPSSampler
from ppocr_lite.modeling.transforms.tps import TPS, _GridGenerator
from ppocr_lite.validate import check_config

from ..conftest import VI_DICT

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = json.loads((DATA / "paddleocr_rectifier_reference.json").read_text(encoding="utf-8"))


def test_tps_grid_equals_paddleocr() -> None:
    ref = REFERENCE["tps"]
    grid = _GridGenerator(ref["num_fiducial"])(
        paddle.to_tensor(np.float32([ref["points"]])),
        ref["height"],
        paddle.to_tensor(ref["width"]),  # symbolic in an exported model
    )
    # The spline kernel is inverted in float32 on both sides; GEMM kernels (MKL's AVX2 path on
    # AMD, see engine/cpu_speed.py) move the grid by up to 2e-5 of the [-1, 1] range.
    np.testing.assert_allclose(grid.numpy()[0], np.array(ref["grid"]), atol=1e-4)


def test_stn_resampling_equals_paddleocr() -> None:
    ref = REFERENCE["stn"]
    sampler = _TPSSampler(ref["output_size"], ref["num_control_points"], ref["margins"])
    out = sampler(
        paddle.to_tensor(np.float32([[ref["image"]]])),
        paddle.to_tensor(np.float32([ref["points"]])),
    )
    np.testing.assert_allclose(out.numpy()[0, 0], np.array(ref["output"]), atol=1e-4)


def test_tps_starts_near_the_identity_and_trains() -> None:
    paddle.seed(0)
    tps = TPS(3, num_fiducial=20, loc_lr=0.1, model_name="small")
    tps.eval()
    x = paddle.uniform([2, 3, 32, 100], min=-1.0, max=1.0)
    with paddle.no_grad():
        y = tps(x)
    assert y.shape == x.shape  # the initial points are a band, not the image border
    tps.train()
    tps(x).mean().backward()  # a data batch (no gradient of its own) must not crash
    assert tps.loc_net.fc2.weight.grad is not None
    assert tps.grid_generator.fc.weight.grad is None  # frozen, as in PaddleOCR


def _exported(name: str, tmp_path: Path) -> Any:
    from ppocr_lite.deploy.export import export_model

    cfg = load_config(DATA / "paddleocr_configs" / name)
    cfg = apply_overrides(
        cfg,
        [
            "Global.use_gpu=false",
            f"Global.character_dict_path={VI_DICT}",
            f"Global.save_inference_dir={tmp_path / 'inference'}",
        ],
    )
    paddle.seed(0)
    model = build_components(cfg, check_config(cfg, name, sections=(), optional=())).model
    CheckpointManager(tmp_path).save("latest", model, None, TrainState())
    cfg = apply_overrides(cfg, [f"Global.checkpoints={tmp_path / 'latest'}"])
    return export_model(cfg, check_config(cfg, name, sections=(), optional=()))


@pytest.mark.parametrize(
    ("name", "dynamic"), [("rec_mv3_tps_bilstm_ctc.yml", True), ("rec_svtrnet.yml", False)]
)
def test_rectified_models_export(name: str, dynamic: bool, tmp_path: Path) -> None:
    result = _exported(name, tmp_path)
    assert result.max_abs_diff < 1e-4
    assert result.spec.dynamic_width is dynamic
