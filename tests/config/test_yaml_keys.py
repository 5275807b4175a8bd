"""Duplicate YAML keys are refused; PaddleOCR's unused Global keys are only warned about."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppocr_lite.config.load import load_config
from ppocr_lite.config.schema import parse_global
from ppocr_lite.errors import ConfigError


def test_duplicate_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yml"
    path.write_text("Global:\n  epoch_num: 5\n  seed: 1\n  epoch_num: 7\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dup\.yml:4: duplicate key 'epoch_num'"):
        load_config(path)


def test_same_key_in_different_blocks_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yml"
    path.write_text("Loss:\n  name: CTCLoss\nMetric:\n  name: RecMetric\n", encoding="utf-8")
    assert load_config(path)["Metric"] == {"name": "RecMetric"}


def test_calc_epoch_interval_is_an_unused_paddleocr_key() -> None:
    assert parse_global({"calc_epoch_interval": 1, "epoch_num": 3}).epoch_num == 3
