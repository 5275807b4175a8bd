from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppocr_lite.metrics.rec_metric import RecMetric


def test_exact_and_edit_distance_count_tone_marks() -> None:
    m = RecMetric()
    m.update(["Việt Nam", "viet nam", "ខ្មែរ"], ["Việt Nam", "Việt Nam", "ខ្មែរ"])
    out = m.get_metric()
    assert out["acc"] == pytest.approx(2 / 3, abs=1e-4)
    # "viet nam" vs "Việt Nam": V->v, ệ->e, N->n = 3 edits of 8
    assert out["norm_edit_dis"] == pytest.approx(1 - (3 / 8) / 3, abs=1e-4)
    assert out["cer"] == pytest.approx(3 / (8 + 8 + 5))
    assert out["char_acc"] == pytest.approx(1 - 3 / (8 + 8 + 5))


def test_char_acc_is_one_minus_cer_floored_at_zero() -> None:
    m = RecMetric()
    batch = m.update(["abcd", "x"], ["abce", "y"])  # 1 + 1 edits over 5 target characters
    assert batch["char_acc"] == pytest.approx(1 - 2 / 5)
    out = m.get_metric()
    assert out["char_acc"] == pytest.approx(1 - out["cer"]) == pytest.approx(0.6)
    m.update(["a much longer prediction"], ["ab"])  # CER far above 1
    out = m.get_metric()
    assert out["cer"] > 1 and out["char_acc"] == 0.0


def test_ignore_punctuation_keeps_letters_tone_marks_and_symbols() -> None:
    m = RecMetric(ignore_punctuation=True)
    m.update(["Giá: 12.000₫!", "“Việt” (Nam)", "a+b=c"], ["Giá 12000₫", "Việt Nam", "a+b=c"])
    out = m.get_metric()
    assert out["acc"] == pytest.approx(1.0, abs=1e-4) and out["char_acc"] == 1.0
    m.update(["Viet Nam."], ["Việt Nam"])  # a missing tone mark is still an error
    assert m.get_metric()["acc"] == 0
    m.update(["a+b"], ["ab"])  # "+" is a symbol, not punctuation
    assert m.get_metric()["acc"] == 0
    assert "ignore_punctuation=True" in m.describe()
    plain = RecMetric()
    plain.update(["Giá: 12.000₫"], ["Giá 12000₫"])
    assert plain.get_metric()["acc"] == 0


def test_options_off_by_default_and_work_when_on() -> None:
    m = RecMetric()
    m.update(["ab c"], ["AB C"])
    assert m.get_metric()["acc"] == 0
    m = RecMetric(ignore_case=True, ignore_space=True)
    m.update(["abc"], ["AB C"])
    assert m.get_metric()["acc"] == pytest.approx(1.0, abs=1e-4)
    assert "ignore_case=True" in m.describe()


def test_get_metric_resets() -> None:
    m = RecMetric()
    m.update(["a"], ["a"])
    m.get_metric()
    m.update(["a"], ["b"])
    assert m.get_metric()["acc"] == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), min_size=1, max_size=10))
def test_bounds(pairs: list[tuple[str, str]]) -> None:
    m = RecMetric()
    m.update([p for p, _ in pairs], [t for _, t in pairs])
    out = m.get_metric()
    assert 0 <= out["acc"] <= 1 and 0 <= out["norm_edit_dis"] <= 1 and out["cer"] >= 0
    assert 0 <= out["char_acc"] <= 1
    if all(p == t for p, t in pairs):
        assert out["acc"] == pytest.approx(1.0, abs=1e-4) and out["cer"] == 0
        assert out["char_acc"] == 1
