"""Per-sample results: the TSV round trip and the fields the Eval transforms keep for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ppocr_lite.engine.samples import SampleResult, read_tsv, with_sample_fields, write_tsv


def test_tsv_round_trip_keeps_tabs_newlines_and_backslashes(tmp_path: Path) -> None:
    rows = [
        SampleResult("db:image-000000001", "a\tb\\n", "a b\n", 0.5, 32, 120),
        SampleResult("imgs/x.jpg", "người", "", 0.0, 0, 0),
        SampleResult("db:image-000000003", "", "", 0.0, skipped="bad_image"),
    ]
    path = write_tsv(tmp_path / "out" / "pred.tsv", rows)
    assert path.read_text("utf-8").count("\n") == 4  # header + one line per sample
    assert read_tsv(path) == rows


def test_sample_fields_are_kept_without_changing_the_config(tiny_config: dict[str, Any]) -> None:
    before = [dict(op) for op in tiny_config["Eval"]["dataset"]["transforms"]]
    cfg = with_sample_fields(tiny_config)
    keep = cfg["Eval"]["dataset"]["transforms"][-1]["KeepKeys"]["keep_keys"]
    assert keep == ["image", "label", "length", "key", "image_hw"]
    assert tiny_config["Eval"]["dataset"]["transforms"] == before
