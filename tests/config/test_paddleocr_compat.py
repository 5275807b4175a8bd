"""The pieces that let PaddleOCR's own configs run: Distillation, MultiScaleDataSet, SVTRRecAug."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from ppocr_lite.config.distillation import student_config
from ppocr_lite.config.load import load_config
from ppocr_lite.data.simple_dataset import MultiScaleDataSet
from ppocr_lite.data.transforms import build_transforms
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.data.transforms.svtr_augment import (
    ParseQRecAug,
    SVTRRecAug,
    gaussian_blur,
    poisson_noise,
)
from ppocr_lite.errors import ConfigError

from ..conftest import render_line

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "paddleocr_configs"


def test_a_distillation_config_trains_its_student(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ppocr_lite"):
        cfg = load_config(CONFIGS / "ch_PP-OCRv3_rec_distillation.yml")
    plain = load_config(CONFIGS / "ch_PP-OCRv3_rec.yml")  # PaddleOCR's Student-only config
    assert cfg["Architecture"] == plain["Architecture"]
    assert cfg["Loss"] == {
        "name": "MultiLoss",
        "loss_config_list": [{"CTCLoss": None}, {"SARLoss": None}],
        "weight_1": 1.0,
        "weight_2": 1.0,
    }
    assert cfg["PostProcess"] == {"name": "CTCLabelDecode"}
    assert cfg["Metric"] == {"name": "RecMetric", "main_indicator": "acc", "ignore_space": False}
    (line,) = [r.getMessage() for r in caplog.records if "Distillation" in r.getMessage()]
    assert "trains the Student alone" in line and "DistillationDMLLoss" in line


def test_a_distillation_config_without_the_students_own_losses_is_refused() -> None:
    cfg = load_config(CONFIGS / "ch_PP-OCRv3_rec.yml")
    raw = {
        **cfg,
        "Architecture": {"name": "DistillationModel", "Models": {"Student": cfg["Architecture"]}},
        "Loss": {"name": "CombinedLoss", "loss_config_list": [{"DistillationDMLLoss": {}}]},
    }
    with pytest.raises(ConfigError, match="Loss: a Distillation config is trained as its Student"):
        student_config(raw, "x.yml")


def test_plain_configs_pass_unchanged() -> None:
    cfg = load_config(CONFIGS / "en_PP-OCRv3_rec.yml")
    assert student_config(cfg, "x.yml") == cfg


def test_multiscale_dataset_reads_paddleocr_size_columns_and_resizes(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(render_line("xin chào"))
    labels = tmp_path / "labels.txt"
    labels.write_text("a.jpg\txin chào\t120\t32\n", encoding="utf-8")
    ops = build_transforms(
        [{"DecodeImage": {"img_mode": "BGR"}}, {"KeepKeys": {"keep_keys": ["image"]}}], "T"
    )
    data = MultiScaleDataSet(str(tmp_path), [str(labels)], ops, ds_width=True)
    assert data.rows == [("a.jpg", "xin chào")]
    assert isinstance(data.ops[-2], RecResizeImg) and hasattr(data.ops[-1], "keep_keys")
    assert data.ds_width  # the MultiScaleSampler follows it unless its block says otherwise


@pytest.mark.parametrize("aug", [SVTRRecAug, ParseQRecAug])
def test_svtr_rec_aug_is_reproducible_and_keeps_the_format(aug: type) -> None:
    import cv2

    img = cv2.imdecode(np.frombuffer(render_line("Việt Nam"), np.uint8), cv2.IMREAD_COLOR)
    op = aug(aug_type=1, geometry_p=1.0, deterioration_p=1.0, colorjitter_p=1.0)
    runs = [op({"image": img, "rng": np.random.default_rng(5)})["image"] for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0].dtype == np.uint8 and runs[0].ndim == 3 and runs[0].shape[2] == 3
    assert not np.array_equal(runs[0], img)
    with pytest.raises(ConfigError, match=f"{aug.__name__}.geometry_p"):
        aug(geometry_p=2.0)


def test_parseq_deterioration_ops() -> None:
    rng = np.random.default_rng(0)
    flat = np.full((32, 64, 3), 100, np.uint8)
    noisy = poisson_noise(flat, rng)
    assert noisy.dtype == np.uint8 and noisy.mean() > 100.5  # Poisson counts are >= 0
    assert len(ParseQRecAug.deterioration) == 5 and len(SVTRRecAug.deterioration) == 3
    step = np.zeros((16, 16, 3), np.uint8)
    step[:, 8:] = 255
    blurred = gaussian_blur(step, np.random.default_rng(1))
    assert blurred.shape == step.shape and blurred.dtype == np.uint8
