"""Every shipped config: valid, builds, trains a step on the CPU, and survives a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.resolve import input_shape
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data import Batch, build_dataloader
from ppocr_lite.engine.components import Components, build_components
from ppocr_lite.optim import build_optimizer
from ppocr_lite.registry import LOSSES
from ppocr_lite.validate import check_config

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs" / "rec").glob("*.yml"))
DEMO = {"Train": "demo_data/vi_demo/train", "Eval": "demo_data/vi_demo/val"}


def test_the_zoo_is_complete() -> None:
    names = {p.stem for p in CONFIGS}
    svtr = {f"svtr_{size}" for size in ("tiny", "small", "base", "large", "lcnet", "lcnet_v4")}
    assert svtr | {"crnn_r34", "crnn_mv3_demo", "vi_huge"} <= names


def load_for_cpu(path: Path) -> dict[str, Any]:
    """The config on the CPU in fp32; placeholder data paths (vi_huge) point at the demo data."""
    cfg = load_config(path)
    opts = ["Global.use_gpu=false", "Global.use_amp=false"]
    for section, demo in DEMO.items():
        data_dir = ((cfg.get(section) or {}).get("dataset") or {}).get("data_dir")
        dirs = data_dir if isinstance(data_dir, list) else [data_dir]
        if data_dir is not None and not all(Path(d).exists() for d in dirs):
            opts.append(f"{section}.dataset.data_dir={demo}")
    return apply_overrides(cfg, opts)


def random_image_batch(cfg: dict[str, Any], gcfg: GlobalConfig, parts: Components) -> Batch:
    """Two samples through the config's own Train pipeline, with random (2, C, H, W) images."""
    section = {"dataset": cfg["Train"]["dataset"], "loader": {"batch_size_per_card": 2}}
    batch = next(iter(build_dataloader(section, "Train", parts.charset, gcfg)))
    batch.fields["image"] = paddle.uniform([2, *input_shape(cfg)], min=-1.0, max=1.0)
    return batch


def as_arrays(output: Any) -> list[np.ndarray]:
    """Every tensor of a model output (a tensor, or a dict / tuple of them), as numpy."""
    if isinstance(output, dict):
        return [a for key in sorted(output) for a in as_arrays(output[key])]
    if isinstance(output, list | tuple):
        return [a for item in output for a in as_arrays(item)]
    return [output.numpy()]


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_config_trains_a_step_and_round_trips_a_checkpoint(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the configs' paths are relative to the repository
    paddle.set_device("cpu")
    paddle.seed(0)
    cfg = load_for_cpu(path)
    gcfg = check_config(cfg, path.name)
    parts = build_components(cfg, gcfg)
    model, batch = parts.model, random_image_batch(cfg, gcfg, parts)

    bundle = build_optimizer(cfg["Optimizer"], model.named_parameters(), 1, gcfg.epoch_num)
    model.train()
    loss = LOSSES.build(cfg["Loss"], "Loss")(model(batch.image, batch), batch)["loss"]
    assert np.isfinite(float(loss))
    loss.backward()
    bundle.optimizer.step()
    bundle.optimizer.clear_grad()

    ckpt = CheckpointManager(tmp_path)
    ckpt.save("latest", model, bundle.optimizer, TrainState(global_step=1))
    fresh = build_components(cfg, gcfg).model
    ckpt.resume(tmp_path / "latest", fresh, None)
    model.eval()
    fresh.eval()
    with paddle.no_grad():
        want, got = as_arrays(model(batch.image)), as_arrays(fresh(batch.image))
    logits = want[0]
    assert logits.shape[0] == 2 and logits.shape[-1] == parts.postprocess.num_classes
    for a, b in zip(want, got, strict=True):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
