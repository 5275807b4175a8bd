"""Shared fixtures: tiny LMDB / folder datasets and a small CPU config, all built in tmp_path."""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from ppocr_lite.config.load import load_config
from ppocr_lite.data.lmdb_writer import write_lmdb
from ppocr_lite.engine.cpu_speed import tune_cpu_math

# The CPU math settings the trainer and the inference tools apply, applied once before any test
# runs: numerics (GEMM kernels) must not depend on which test happened to run first.
tune_cpu_math("cpu")

ROOT = Path(__file__).resolve().parents[1]
VI_DICT = ROOT / "ppocr_lite" / "utils" / "dict" / "vi_dict.txt"
SMALL_CONFIG = ROOT / "tests" / "fixtures" / "crnn_mv3_small.yml"
WORDS = [
    "một",
    "hai",
    "ba",
    "Việt",
    "Nam",
    "xin",
    "chào",
    "đường",
    "phố",
    "2024",
    "giá",
    "12.000đ",
    "OK",
]


def ascii_fold(text: str) -> str:
    """Drop diacritics (cv2's Hershey fonts draw ASCII only) and map đ/Đ to d/D."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if ord(c) < 128)


def render_line(text: str, height: int = 32) -> bytes:
    """A JPEG of ``text`` drawn in black on white, about ``height`` px tall."""
    width = max(16, 14 * len(text) + 8)
    img = np.full((height, width, 3), 255, np.uint8)
    cv2.putText(
        img,
        ascii_fold(text),
        (4, height - 9),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6,
        (0, 0, 0),
        1,
        cv2.LINE_AA,
    )
    return cv2.imencode(".jpg", img)[1].tobytes()


def make_labels(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 3)))) for _ in range(n)]


def make_lmdb(path: Path, n: int, seed: int = 0) -> list[str]:
    labels = make_labels(n, seed)
    write_lmdb(path, ((render_line(t), t) for t in labels))
    return labels


@pytest.fixture(scope="session")
def tiny_lmdb(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """{"train": path, "val": path, "train_labels": [...], "val_labels": [...]}."""
    root = tmp_path_factory.mktemp("lmdb")
    train = make_lmdb(root / "train", 48, seed=1)
    val = make_lmdb(root / "val", 16, seed=2)
    return {"train": root / "train", "val": root / "val", "train_labels": train, "val_labels": val}


def small_config(tiny: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The demo config pointed at the tiny data: 1 epoch, batch 8, no workers."""
    cfg = copy.deepcopy(load_config(SMALL_CONFIG))
    g = cfg["Global"]
    g.update(
        epoch_num=1,
        print_batch_step=2,
        save_model_dir=str(out_dir),
        eval_batch_step=[0, 3],
        save_batch_step=0,
        character_dict_path=str(VI_DICT),
        save_res_path=str(out_dir / "pred.txt"),
    )
    cfg["Train"]["dataset"]["data_dir"] = str(tiny["train"])
    cfg["Eval"]["dataset"]["data_dir"] = str(tiny["val"])
    cfg["Train"]["loader"].update(batch_size_per_card=8, num_workers=0)
    cfg["Eval"]["loader"].update(batch_size_per_card=8, num_workers=0)
    return cfg


@pytest.fixture()
def tiny_config(tiny_lmdb: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return small_config(tiny_lmdb, tmp_path / "out")


@pytest.fixture(autouse=True)
def _fresh_logger() -> None:
    """Let caplog see ppocr_lite's records even after a tool configured the logger."""
    import logging

    logger = logging.getLogger("ppocr_lite")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.INFO)
