"""Tiny exported recognizers (CRNN-MV3, SVTR-Tiny), built once per session.

The models are randomly initialised with a fixed seed, then made *decisive*: He-normal
convolutions and linear layers, larger LSTM weights, and BatchNorm statistics measured on
rendered lines. Paddle's default initialisation leaves MobileNetV3's features almost constant
(std ~1e-5), so every image would decode to the same string and a parity test would prove
nothing; these models give different, input-dependent strings with clear arg-max margins.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest
import yaml
from paddle import nn

from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.data.transforms.decode import DecodeImage
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.deploy.preprocess import Preprocess
from ppocr_lite.engine.components import Components, build_components
from ppocr_lite.validate import check_config

from ..conftest import ROOT, VI_DICT, make_labels, render_line

CONFIGS = {
    "crnn_mv3": ROOT / "tests" / "fixtures" / "crnn_mv3_small.yml",
    "svtr_tiny": ROOT / "configs" / "rec" / "svtr_tiny.yml",
}


@dataclass
class Exported:
    """A checkpoint, its config file and its exported folder (with inference.onnx)."""

    name: str
    cfg: dict[str, Any]
    config_path: Path
    checkpoint: Path
    model_dir: Path


def line_images(n: int, seed: int) -> list[bytes]:
    """JPEG text lines of 1-2 words at heights 24-48 px (so widths and ratios vary)."""
    rng = np.random.default_rng(seed)
    labels = make_labels(n, seed)
    return [render_line(t, height=int(rng.integers(24, 49))) for t in labels]


def fixed_batch(
    images: list[bytes], n: int = 12, shape: tuple[int, int, int] = (3, 32, 100)
) -> np.ndarray:
    """The first ``n`` lines, keep-ratio resized and padded to ``shape``: (n, C, H, W)."""
    pre = Preprocess([DecodeImage(), RecResizeImg(image_shape=shape)])
    return np.stack(pre.batch(images[:n]))  # type: ignore[arg-type]


def he_normal_linears(model: nn.Layer, seed: int = 0) -> None:
    """Re-initialise every linear layer of ``model`` He-normal (fixed seed)."""
    rng = np.random.default_rng(seed)
    for layer in model.sublayers():
        if isinstance(layer, nn.Linear):
            w = layer.weight
            w.set_value(rng.normal(0, np.sqrt(2.0 / w.shape[0]), w.shape).astype("float32"))


def make_decisive(model: nn.Layer, shape: tuple[int, int, int], seed: int = 0) -> None:
    """Re-initialise ``model`` (fixed seed) so that its outputs depend clearly on the input."""
    rng = np.random.default_rng(seed)
    for layer in model.sublayers():
        if isinstance(layer, nn.Conv2D):
            fan_in = int(np.prod(layer.weight.shape[1:]))
        elif isinstance(layer, nn.Linear):
            fan_in = int(layer.weight.shape[0])
        else:
            continue
        w = layer.weight
        w.set_value(rng.normal(0, np.sqrt(2.0 / fan_in), w.shape).astype("float32"))
    for name, p in model.named_parameters():
        if ".lstm." in name and "weight" in name:
            p.set_value(rng.normal(0, 2.0 / np.sqrt(p.shape[1]), p.shape).astype("float32"))
    batch = paddle.to_tensor(fixed_batch(line_images(16, seed=99), 16, shape))
    norms = [
        layer for layer in model.sublayers() if isinstance(layer, nn.layer.norm._BatchNormBase)
    ]
    for layer in norms:
        layer._momentum = 0.0  # running statistics := those of the next batch
    model.train()
    with paddle.no_grad():
        model(batch)
    for layer in norms:
        layer._momentum = 0.9
    model.eval()


def tiny_config(name: str, out: Path) -> dict[str, Any]:
    cfg = copy.deepcopy(load_config(CONFIGS[name]))
    return apply_overrides(
        cfg,
        [
            "Global.use_gpu=false",
            f"Global.character_dict_path={VI_DICT}",
            f"Global.save_inference_dir={out / 'inference'}",
            f"Global.save_model_dir={out}",
        ],
    )


def export_config(
    cfg: dict[str, Any],
    name: str,
    out: Path,
    init: Callable[[Components], None] | None = None,
) -> tuple[Components, Exported]:
    """Build ``cfg``'s model (seed 0, then ``init``, default ``make_decisive``), save it as
    ``out/latest``, export it and convert it to ONNX."""
    from ppocr_lite.deploy.export import export_model
    from ppocr_lite.deploy.onnx_backend import export_onnx

    gcfg = check_config(cfg, name, sections=(), optional=())
    paddle.set_device("cpu")
    paddle.seed(0)
    parts = build_components(cfg, gcfg)
    if init is None:
        make_decisive(parts.model, (3, 32, 100))
    else:
        init(parts)
    CheckpointManager(out).save("latest", parts.model, None, TrainState())
    cfg = apply_overrides(cfg, [f"Global.checkpoints={out / 'latest'}"])
    config_path = out / f"{name}.yml"
    config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    result = export_model(cfg, check_config(cfg, name, sections=(), optional=()))
    assert result.max_abs_diff < 1e-4
    export_onnx(result.model_dir)
    return parts, Exported(name, cfg, config_path, out / "latest", result.model_dir)


def build_exported(name: str, out: Path) -> Exported:
    return export_config(tiny_config(name, out), name, out)[1]


@pytest.fixture(scope="session")
def export_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Exported]:
    """``get(name)``: the exported model ``name``, built on first use."""
    pytest.importorskip("paddle2onnx")
    pytest.importorskip("onnxruntime")
    cache: dict[str, Exported] = {}

    def get(name: str) -> Exported:
        if name not in cache:
            cache[name] = build_exported(name, tmp_path_factory.mktemp(name))
        return cache[name]

    return get


@pytest.fixture(scope="session", params=sorted(CONFIGS))
def exported(request: pytest.FixtureRequest, export_cache: Callable[[str], Exported]) -> Exported:
    """Each tiny model in turn."""
    return export_cache(request.param)


@pytest.fixture(scope="session")
def images() -> list[bytes]:
    """60 rendered lines of varied width and height."""
    return line_images(60, seed=7)


def backend_logit_gap(model_dir: Path, images: list[bytes], batch_size: int) -> float:
    """Largest |Paddle Inference - onnxruntime| output over ``images`` in the batches that
    ``TextRecognizer`` forms."""
    from ppocr_lite import TextRecognizer
    from ppocr_lite.deploy.backends import PaddleInferenceBackend
    from ppocr_lite.deploy.onnx_backend import OnnxBackend
    from ppocr_lite.deploy.pipeline import Pipeline, recognise

    paddle_backend, onnx_backend = PaddleInferenceBackend(model_dir), OnnxBackend(model_dir)
    gaps = [0.0]

    def run(batches: Any) -> Any:
        for batch in batches:
            want = paddle_backend.run(batch)
            gaps.append(float(np.abs(want - onnx_backend.run(batch)).max()))
            yield want

    pre = TextRecognizer(model_dir).pipeline.preprocess
    list(recognise(images, Pipeline(pre, run, lambda out: [("", 0.0)] * len(out), batch_size)))
    return max(gaps)
