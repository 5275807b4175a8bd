"""Two checkpoints on the same lines: what got fixed, what got broken, which confusions moved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ppocr_lite.engine.samples import SampleResult
from ppocr_lite.report.figures import Line, line_record, score_lines


def _match(new: Sequence[Line], old: Sequence[Line]) -> list[tuple[Line, Line]]:
    """Pairs of the same sample: by key when keys are unique, else by position."""
    old_keys = [x.sample.key for x in old]
    if all(old_keys) and len(set(old_keys)) == len(old_keys):
        by_key = {x.sample.key: x for x in old}
        return [(x, by_key[x.sample.key]) for x in new if x.sample.key in by_key]
    if len(new) != len(old):
        raise ValueError(
            f"cannot match the two results: {len(new)} and {len(old)} lines and no unique keys"
        )
    return list(zip(new, old, strict=True))


def _with_old(new: Line, old: Line) -> dict[str, Any]:
    record = line_record(new)
    record["old_prediction"] = old.pred
    record["old_score"] = round(old.sample.score, 6)
    return record


def moved_pairs(new: Counter[str], old: Counter[str], limit: int) -> list[dict[str, Any]]:
    """Confusion pairs whose count changed most (``delta`` = new - old; negative is better)."""
    rows: list[dict[str, Any]] = [
        {"pair": p, "before": old[p], "after": new[p], "delta": new[p] - old[p]}
        for p in set(new) | set(old)
        if new[p] != old[p]
    ]
    rows.sort(key=lambda r: (-abs(r["delta"]), r["pair"]))
    return rows[:limit]


def compare_figures(
    new: Sequence[SampleResult], old: Sequence[SampleResult], limit: int = 50
) -> tuple[dict[str, Any], list[Line]]:
    """Compare the results of the checkpoint under report (``new``) with another one (``old``).

    Returns:
        The figures (counts, up to ``limit`` fixed and broken lines, moved confusion pairs) and
        the listed lines of ``new`` (for their thumbnails).

    Raises:
        ValueError: when the two results cannot be matched line by line.
    """
    new_lines, new_counts = score_lines(new)
    old_lines, old_counts = score_lines(old)
    pairs = _match(new_lines, old_lines)
    fixed = [(a, b) for a, b in pairs if a.correct and not b.correct]
    broken = [(a, b) for a, b in pairs if b.correct and not a.correct]
    broken.sort(key=lambda ab: (-ab[0].norm_dist, -ab[0].sample.score))
    fixed.sort(key=lambda ab: (-ab[1].norm_dist, -ab[1].sample.score))
    figures = {
        "matched": len(pairs),
        "fixed": len(fixed),
        "broken": len(broken),
        "both_wrong": sum(1 for a, b in pairs if not a.correct and not b.correct),
        "fixed_lines": [_with_old(a, b) for a, b in fixed[:limit]],
        "broken_lines": [_with_old(a, b) for a, b in broken[:limit]],
        "pairs_moved": moved_pairs(new_counts.pairs, old_counts.pairs, 30),
    }
    shown = [a for a, _ in fixed[:limit]] + [a for a, _ in broken[:limit]]
    return figures, shown
