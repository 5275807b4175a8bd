"""The error report's figures, computed from per-sample results (no model, no Paddle).

Breakdowns compare the texts as they are after NFC normalisation; the headline figures are the
configured metric's (which may ignore case, spaces or punctuation).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ppocr_lite.engine.samples import SampleResult
from ppocr_lite.report.alignment import KINDS, ErrorCounts, normalize, pair_name

# (upper bound inclusive, name): label length in characters
LENGTH_BUCKETS = ((1, "1"), (3, "2-3"), (5, "4-5"), (10, "6-10"), (20, "11-20"), (40, "21-40"))
# (upper bound exclusive, name): image width / height
ASPECT_BUCKETS = ((2.0, "<2"), (4.0, "2-4"), (8.0, "4-8"), (16.0, "8-16"), (32.0, "16-32"))
HEADLINE = ("acc", "norm_edit_dis", "cer", "char_acc", "samples", "skipped")


@dataclass(frozen=True)
class ReportOptions:
    """How much the report lists.

    Attributes:
        worst: Lines in the gallery, worst first.
        per_pair: Extra gallery lines per top confusion pair (so filtering by a pair shows some).
        pairs: Confusion pairs listed.
        chars: Characters listed in the per-character table.
    """

    worst: int = 100
    per_pair: int = 5
    pairs: int = 30
    chars: int = 80


@dataclass(frozen=True)
class Line:
    """A scored line, normalised, with its distance figures."""

    sample: SampleResult
    label: str
    pred: str
    edits: int
    norm_dist: float  # edits / max(len(label), len(pred))
    pairs: tuple[str, ...]

    @property
    def correct(self) -> bool:
        return self.edits == 0


def score_lines(samples: Sequence[SampleResult]) -> tuple[list[Line], ErrorCounts]:
    """Align every scored sample (skipped ones left out) and count its errors."""
    counts, lines = ErrorCounts(), []
    for s in samples:
        if s.skipped:
            continue
        label, pred = normalize(s.label), normalize(s.prediction)
        edits = counts.add(label, pred)
        dist = len(edits) / max(len(label), len(pred), 1)
        lines.append(Line(s, label, pred, len(edits), dist, tuple(pair_name(e) for e in edits)))
    return lines, counts


def length_bucket(n: int) -> str:
    """Name of the label-length bucket of ``n`` characters."""
    if n == 0:
        return "0"
    for top, name in LENGTH_BUCKETS:
        if n <= top:
            return name
    return f">{LENGTH_BUCKETS[-1][0]}"


def aspect_bucket(height: int, width: int) -> str:
    """Name of the width/height bucket (``unknown`` when the size was not recorded)."""
    if height <= 0 or width <= 0:
        return "unknown"
    ratio = width / height
    for top, name in ASPECT_BUCKETS:
        if ratio < top:
            return name
    return f">={ASPECT_BUCKETS[-1][0]:g}"


def _bucket_rows(lines: Sequence[Line], names: Sequence[str], key: Any) -> list[dict[str, Any]]:
    groups: dict[str, list[Line]] = {}
    for line in lines:
        groups.setdefault(key(line), []).append(line)
    rows = []
    for name in [n for n in names if n in groups]:
        group = groups[name]
        chars = sum(len(x.label) for x in group)
        rows.append(
            {
                "bucket": name,
                "lines": len(group),
                "acc": sum(x.correct for x in group) / len(group),
                "cer": sum(x.edits for x in group) / max(chars, 1),
            }
        )
    return rows


def breakdowns(lines: Sequence[Line]) -> dict[str, list[dict[str, Any]]]:
    """Accuracy and CER by label length and by image aspect ratio."""
    lengths = [name for _, name in LENGTH_BUCKETS] + [f">{LENGTH_BUCKETS[-1][0]}"]
    aspects = [name for _, name in ASPECT_BUCKETS] + [f">={ASPECT_BUCKETS[-1][0]:g}", "unknown"]
    return {
        "by_length": _bucket_rows(lines, ["0", *lengths], lambda x: length_bucket(len(x.label))),
        "by_aspect": _bucket_rows(
            lines, aspects, lambda x: aspect_bucket(x.sample.height, x.sample.width)
        ),
    }


def char_rows(counts: ErrorCounts, limit: int) -> list[dict[str, Any]]:
    """Per character: label occurrences, substitutions, deletions, insertions, error rate."""
    chars = set(counts.chars) | set(counts.inserted)
    rows: list[dict[str, Any]] = [
        {
            "char": c,
            "count": counts.chars[c],
            "substituted": counts.substituted[c],
            "deleted": counts.deleted[c],
            "inserted": counts.inserted[c],
            "error_rate": (counts.substituted[c] + counts.deleted[c]) / max(counts.chars[c], 1),
        }
        for c in chars
    ]
    errors = [r for r in rows if r["substituted"] + r["deleted"] + r["inserted"]]
    errors.sort(key=lambda r: (-(r["substituted"] + r["deleted"] + r["inserted"]), r["char"]))
    return errors[:limit]


def error_kinds(counts: ErrorCounts) -> dict[str, int]:
    """Edits by kind (base letter vs combining mark), with the mark total and all edits."""
    out = {kind: counts.kinds[kind] for kind in KINDS}
    out["mark"] = sum(v for k, v in out.items() if k.startswith("mark_"))
    out["edits"] = sum(counts.kinds.values())
    return out


def top_pairs(pairs: Counter[str], limit: int) -> list[dict[str, Any]]:
    """The most frequent confusion pairs."""
    return [{"pair": p, "count": n} for p, n in pairs.most_common(limit)]


def line_record(line: Line) -> dict[str, Any]:
    """A gallery / comparison entry."""
    return {
        "key": line.sample.key,
        "label": line.label,
        "prediction": line.pred,
        "score": round(line.sample.score, 6),
        "norm_dist": round(line.norm_dist, 6),
        "pairs": sorted(set(line.pairs)),
    }


def gallery(lines: Sequence[Line], pairs: Counter[str], opts: ReportOptions) -> list[Line]:
    """The ``worst`` wrong lines (largest normalised distance, most confident first), then up to
    ``per_pair`` more lines for each listed confusion pair."""
    wrong = [x for x in lines if not x.correct]
    wrong.sort(key=lambda x: (-x.norm_dist, -x.sample.score))
    chosen = wrong[: opts.worst]
    taken = {id(x) for x in chosen}
    for pair, _ in pairs.most_common(opts.pairs):
        extra = [x for x in wrong if pair in x.pairs and id(x) not in taken][: opts.per_pair]
        chosen += extra
        taken.update(id(x) for x in extra)
    return chosen


def skipped_rows(samples: Sequence[SampleResult], limit: int = 200) -> dict[str, Any]:
    """Skipped samples: count by reason and the first ``limit`` of them."""
    bad = [s for s in samples if s.skipped]
    return {
        "by_reason": dict(Counter(s.skipped for s in bad)),
        "samples": [{"key": s.key, "reason": s.skipped} for s in bad[:limit]],
    }


def unseen_chars(dictionary: Sequence[str], counts: ErrorCounts) -> list[str]:
    """Dictionary characters that no evaluated label contains (their accuracy is untested)."""
    return [c for c in dictionary if c not in counts.chars and c != " "]


def build_figures(
    samples: Sequence[SampleResult],
    metrics: Mapping[str, float],
    dictionary: Sequence[str],
    opts: ReportOptions,
) -> tuple[dict[str, Any], list[Line]]:
    """Every figure of the report, JSON-able; and the gallery's lines (for their thumbnails).

    Args:
        samples: Per-sample results (skipped ones included).
        metrics: The metric's figures (``acc``, ``norm_edit_dis``, ``cer``, ``char_acc``, ...).
        dictionary: The charset's characters.
        opts: How much to list.
    """
    lines, counts = score_lines(samples)
    shown = gallery(lines, counts.pairs, opts)
    figures: dict[str, Any] = {
        "headline": {k: float(metrics[k]) for k in HEADLINE if k in metrics},
        **breakdowns(lines),
        "error_kinds": error_kinds(counts),
        "chars": char_rows(counts, opts.chars),
        "confusions": top_pairs(counts.pairs, opts.pairs),
        "unseen_dict_chars": unseen_chars(dictionary, counts),
        "skipped": skipped_rows(samples),
        "gallery": [line_record(x) for x in shown],
    }
    return figures, shown
