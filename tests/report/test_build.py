"""The report built from a TSV (no evaluation): files, figures and thumbnails from the LMDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ppocr_lite.engine.samples import SampleResult, write_tsv
from ppocr_lite.report.build import ReportRequest, write_report
from ppocr_lite.report.images import read_image, thumbnail
from ppocr_lite.validate import check_config


def test_thumbnail_of_an_lmdb_sample(tiny_lmdb: dict[str, Any]) -> None:
    data = read_image(f"{tiny_lmdb['val']}:image-000000001")
    assert data and thumbnail(data).startswith("data:image/jpeg;base64,")
    assert read_image(f"{tiny_lmdb['val']}:image-000000999") is None
    assert read_image("no/such/image.jpg") is None


def test_report_from_tsv_with_compare(
    tiny_config: dict[str, Any], tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    labels = tiny_lmdb["val_labels"]
    keys = [f"{tiny_lmdb['val']}:image-{i + 1:09d}" for i in range(len(labels))]
    new = [
        SampleResult(k, t, t if i % 2 else t[:-1], 0.9, 32, 100)
        for i, (k, t) in enumerate(zip(keys, labels, strict=True))
    ]
    old = [SampleResult(k, t, t[:-1], 0.5, 32, 100) for k, t in zip(keys, labels, strict=True)]
    tsv, other = write_tsv(tmp_path / "new.tsv", new), write_tsv(tmp_path / "old.tsv", old)
    gcfg = check_config(tiny_config, "tiny.yml", ("Eval",))
    request = ReportRequest(tsv=str(tsv), compare=str(other), out=str(tmp_path / "r.html"))
    html, figures_path = write_report(tiny_config, gcfg, request)
    figures = json.loads(figures_path.read_text("utf-8"))
    assert figures["headline"]["acc"] > 0.49 and figures["headline"]["samples"] == len(labels)
    assert figures["compare"]["fixed"] == len(labels) // 2 and figures["compare"]["broken"] == 0
    assert figures["meta"]["source"] == f"TSV {tsv}"
    page = html.read_text("utf-8")
    assert "http" not in page and page.count('src="data:image/jpeg;base64,') >= len(labels) // 2
