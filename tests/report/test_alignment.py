"""Alignment and error kinds, checked against alignments worked out by hand."""

from __future__ import annotations

import unicodedata

import pytest

from ppocr_lite.report.alignment import (
    Edit,
    ErrorCounts,
    align,
    diff_spans,
    error_kind,
    normalize,
    split_marks,
)


def test_nguoi_read_without_horns_is_two_mark_errors() -> None:
    # n g ư ờ i / n g u o i: the letters line up one to one; ư loses its horn, ờ its horn and
    # its grave accent. No letter is wrong.
    edits = align("người", "nguoi")
    assert edits == [Edit("replace", "ư", "u"), Edit("replace", "ờ", "o")]
    assert [error_kind(e) for e in edits] == ["mark_missing", "mark_missing"]


@pytest.mark.parametrize(
    ("label", "pred", "kind"),
    [
        ("ặ", "ạ", "mark_missing"),  # breve lost, dot below kept
        ("ạ", "ặ", "mark_extra"),
        ("ơ", "ó", "mark_wrong"),  # horn -> acute: same base, neither set holds the other
        ("ờ", "ở", "mark_wrong"),  # grave -> hook above
        ("b", "d", "base"),
        ("đ", "d", "base"),  # đ does not decompose: a letter of its own
        ("á", "é", "base"),  # same accent, other letter
        ("\u17b6", "", "mark_missing"),  # a Khmer vowel sign (a lone mark) dropped
    ],
)
def test_error_kind(label: str, pred: str, kind: str) -> None:
    op = "replace" if pred else "delete"
    assert error_kind(Edit(op, label, pred)) == kind


def test_deleted_and_inserted_letters_are_base_errors() -> None:
    assert align("abc", "ac") == [Edit("delete", "b", "")]
    assert align("ac", "abc") == [Edit("insert", "", "b")]
    assert error_kind(Edit("delete", "b", "")) == error_kind(Edit("insert", "", "b")) == "base"


def test_split_marks_uses_canonical_order() -> None:
    assert split_marks("ặ") == ("a", tuple(sorted(("\u0323", "\u0306"))))
    assert split_marks("b") == ("b", ())


def test_labels_stored_decomposed_compare_equal_after_normalize() -> None:
    nfd = unicodedata.normalize("NFD", "người")
    assert nfd != "người" and align(normalize(nfd), normalize("người")) == []


def test_counts_over_lines() -> None:
    counts = ErrorCounts()
    for label, pred in (("người", "nguoi"), ("bạn", "dạn"), ("ac", "abc"), ("ok", "ok")):
        counts.add(label, pred)
    assert counts.chars["n"] == 2 and counts.chars["ư"] == 1
    assert counts.substituted == {"ư": 1, "ờ": 1, "b": 1}
    assert counts.inserted == {"b": 1} and not counts.deleted
    assert counts.pairs == {"ư→u": 1, "ờ→o": 1, "b→d": 1, "∅→b": 1}
    assert counts.kinds == {"mark_missing": 2, "base": 2}


def test_diff_spans_mark_the_differing_runs() -> None:
    left, right = diff_spans("người", "nguoi")
    assert left == [("ng", False), ("ườ", True), ("i", False)]
    assert right == [("ng", False), ("uo", True), ("i", False)]
