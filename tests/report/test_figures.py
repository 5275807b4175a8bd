"""Report figures, comparison and page, from per-sample results written by hand."""

from __future__ import annotations

import json
import re

import pytest

from ppocr_lite.engine.samples import SampleResult
from ppocr_lite.report.compare import compare_figures
from ppocr_lite.report.figures import ReportOptions, build_figures
from ppocr_lite.report.html import render
from ppocr_lite.report.images import thumbnail

from ..conftest import render_line

SAMPLES = [
    SampleResult("a", "người", "nguoi", 0.9, 32, 100),  # 2 mark errors, 5 chars, w/h 3.1
    SampleResult("b", "bạn", "dạn", 0.8, 32, 50),  # 1 base error, 3 chars, w/h 1.6
    SampleResult("c", "ok", "ok", 0.99, 32, 300),  # right, 2 chars, w/h 9.4
    SampleResult("d", "", "", 0.0, skipped="bad_image"),
]
METRICS = {"acc": 1 / 3, "norm_edit_dis": 0.6, "cer": 0.3, "char_acc": 0.7, "samples": 3.0}


def figures(opts: ReportOptions | None = None) -> dict:
    return build_figures(SAMPLES, METRICS, ("b", "z", "ư", "k", " "), opts or ReportOptions())[0]


def test_breakdowns_by_length_and_aspect() -> None:
    f = figures()
    assert f["headline"]["acc"] == pytest.approx(1 / 3)
    assert f["by_length"] == [
        {"bucket": "2-3", "lines": 2, "acc": 0.5, "cer": pytest.approx(1 / 5)},
        {"bucket": "4-5", "lines": 1, "acc": 0.0, "cer": pytest.approx(2 / 5)},
    ]
    assert [(r["bucket"], r["lines"], r["acc"]) for r in f["by_aspect"]] == [
        ("<2", 1, 0.0),
        ("2-4", 1, 0.0),
        ("8-16", 1, 1.0),
    ]


def test_character_errors_and_kinds() -> None:
    f = figures()
    assert f["error_kinds"] == {
        "base": 1,
        "mark_missing": 2,
        "mark_extra": 0,
        "mark_wrong": 0,
        "mark": 2,
        "edits": 3,
    }
    rows = {r["char"]: r for r in f["chars"]}
    assert set(rows) == {"ư", "ờ", "b"}
    assert rows["b"] == {
        "char": "b",
        "count": 1,
        "substituted": 1,
        "deleted": 0,
        "inserted": 0,
        "error_rate": 1.0,
    }
    assert {r["pair"]: r["count"] for r in f["confusions"]} == {"ư→u": 1, "ờ→o": 1, "b→d": 1}
    assert f["unseen_dict_chars"] == ["z"]
    assert f["skipped"]["by_reason"] == {"bad_image": 1}


def test_gallery_worst_first_then_lines_per_pair() -> None:
    assert [r["key"] for r in figures()["gallery"]] == ["a", "b"]  # 2/5 before 1/3
    only_worst = figures(ReportOptions(worst=1, per_pair=0))
    assert [r["key"] for r in only_worst["gallery"]] == ["a"]
    with_pairs = figures(ReportOptions(worst=1, per_pair=1))  # b→d brings line b back
    assert [r["key"] for r in with_pairs["gallery"]] == ["a", "b"]
    assert with_pairs["gallery"][0]["pairs"] == ["ư→u", "ờ→o"]


def test_compare_fixed_broken_and_moved_pairs() -> None:
    old = [
        SampleResult("a", "người", "người", 0.9),  # right before: broken now
        SampleResult("b", "bạn", "dạn", 0.8),  # wrong in both
        SampleResult("c", "ok", "0k", 0.5),  # wrong before: fixed now
    ]
    cmp, shown = compare_figures(SAMPLES, old)
    assert (cmp["matched"], cmp["fixed"], cmp["broken"], cmp["both_wrong"]) == (3, 1, 1, 1)
    assert [r["key"] for r in cmp["fixed_lines"]] == ["c"]
    assert cmp["broken_lines"][0]["old_prediction"] == "người"
    moved = {r["pair"]: (r["before"], r["after"], r["delta"]) for r in cmp["pairs_moved"]}
    assert moved == {"ư→u": (0, 1, 1), "ờ→o": (0, 1, 1), "o→0": (1, 0, -1)}
    assert [x.sample.key for x in shown] == ["c", "a"]


def test_page_is_self_contained_and_filterable() -> None:
    f = {"meta": {"checkpoint": "out/best_accuracy", "step": 2}, **figures()}
    f["curves"] = {"loss": [[1, 3.0], [2, 2.5]], "train_acc": [], "eval_acc": [[2, 0.1]]}
    old = [SampleResult(s.key, s.label, s.label, 1.0) for s in SAMPLES if not s.skipped]
    f["compare"] = compare_figures(SAMPLES, old)[0]
    json.dumps(f)  # the JSON holds the same figures
    page = render(f, {"a": thumbnail(render_line("nguoi"))})
    assert "http" not in page
    links = re.findall(r"""(?:src|href)=["']([^"']*)""", page)
    assert links and all(link.startswith("data:image/jpeg;base64,") for link in links)
    assert page.count('<img class="thumb" src="data:image/jpeg;base64,') == 2  # gallery, broken
    assert "<polyline" in page and 'onclick="pick(' in page
    assert '<span class="diff">ườ</span>' in page  # the differing letters are marked
