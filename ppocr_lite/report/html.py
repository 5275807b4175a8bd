"""The error report as one self-contained HTML page: inline CSS, SVG and script, images as
``data:`` URIs, no network resource (it opens from a folder copied off a GPU server)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from ppocr_lite.report.alignment import diff_spans
from ppocr_lite.report.svg import line_chart

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:2px 8px;border-bottom:1px solid #eee;
text-align:left;vertical-align:middle}th{background:#f4f4f4}.num{text-align:right}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;
padding:.5em 1em}.card b{display:block;font-size:1.5em}.bar{background:#4a7bd0;height:10px}
.diff{background:#ffd0d0;color:#a00;border-radius:2px}.txt{font-family:monospace;font-size:15px;
white-space:pre}.muted{color:#777}button.pair{font-family:monospace;cursor:pointer}
.chart .frame{fill:none;stroke:#bbb}.chart .ax{font-size:11px}.chart .ct{font-size:13px}
img.thumb{height:32px;image-rendering:auto}.chars{font-family:monospace;font-size:16px}
"""
# Shows the gallery rows holding the chosen confusion pair (all rows for "").
_SCRIPT = """
function pick(p){var rows=document.querySelectorAll('#gallery tr[data-pairs]');
var n=0;rows.forEach(function(r){var on=!p||JSON.parse(r.dataset.pairs).indexOf(p)>=0;
r.style.display=on?'':'none';n+=on;});document.getElementById('filter').value=p;
document.getElementById('shown').textContent=n;}
"""


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: int = 0) -> str:
    """A table; the last ``numeric`` columns are right-aligned. Cells are HTML already."""
    first = len(head) - numeric
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i >= first else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _marked(spans: Sequence[tuple[str, bool]]) -> str:
    return "".join(
        f'<span class="diff">{escape(t)}</span>' if differs else escape(t) for t, differs in spans
    )


def _diff_cells(label: str, pred: str) -> tuple[str, str]:
    left, right = diff_spans(label, pred)
    return f'<span class="txt">{_marked(left)}</span>', f'<span class="txt">{_marked(right)}</span>'


def _header(meta: Mapping[str, Any], headline: Mapping[str, float]) -> str:
    cards = "".join(
        f'<div class="card">{escape(name)}<b>{_pct(headline[key])}</b></div>'
        for key, name in (
            ("acc", "accuracy"),
            ("norm_edit_dis", "norm_edit_dis"),
            ("cer", "CER"),
            ("char_acc", "char_acc"),
        )
        if key in headline
    )
    facts = ", ".join(
        f"{escape(k)}: {escape(str(v))}" for k, v in meta.items() if v not in ("", None)
    )
    counts = (
        f"{int(headline.get('samples', 0))} lines scored, {int(headline.get('skipped', 0))} skipped"
    )
    return (
        f'<h1>Error report</h1><p class="muted">{facts}</p><p>{counts}</p>'
        f'<div class="cards">{cards}</div>'
    )


def _kinds(kinds: Mapping[str, int]) -> str:
    total = max(kinds.get("edits", 0), 1)
    names = (
        ("base", "wrong, missing or extra base letter"),
        ("mark_missing", "combining mark missing (e.g. ơ → o)"),
        ("mark_extra", "combining mark added (e.g. a → á)"),
        ("mark_wrong", "other combining mark (e.g. ờ → ở)"),
    )
    rows = [
        (
            escape(text),
            f'<div class="bar" style="width:{200 * kinds.get(k, 0) / total:.0f}px"></div>',
            str(kinds.get(k, 0)),
            _pct(kinds.get(k, 0) / total),
        )
        for k, text in names
    ]
    intro = (
        f"<p>{kinds.get('edits', 0)} character edits; {kinds.get('mark', 0)} of them keep the base "
        "letter and get a combining mark (tone, horn, breve, circumflex, ...) wrong, from the "
        "characters' Unicode decomposition (NFD).</p>"
    )
    return (
        "<h2>Base letters versus marks</h2>"
        + intro
        + _table(("kind", "", "edits", "share"), rows, 2)
    )


def _buckets(title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    body = [
        (
            escape(r["bucket"]),
            str(r["lines"]),
            f'<div class="bar" style="width:{150 * r["acc"]:.0f}px"></div>',
            _pct(r["acc"]),
            _pct(r["cer"]),
        )
        for r in rows
    ]
    return f"<h3>{escape(title)}</h3>" + _table(("bucket", "lines", "", "accuracy", "CER"), body, 2)


def _confusions(rows: Sequence[Mapping[str, Any]]) -> str:
    body = [
        (
            f'<button class="pair" onclick="pick({escape(json.dumps(r["pair"], ensure_ascii=False))})">'
            f"{escape(r['pair'])}</button>",
            str(r["count"]),
        )
        for r in rows
    ]
    return (
        "<h2>Top confusion pairs</h2><p>Click a pair to show its lines in the gallery.</p>"
        + _table(("label → prediction", "count"), body, 1)
    )


def _chars(rows: Sequence[Mapping[str, Any]]) -> str:
    body = [
        (
            f'<span class="chars">{escape(r["char"])}</span>',
            f"U+{ord(r['char']):04X}",
            str(r["count"]),
            str(r["substituted"]),
            str(r["deleted"]),
            str(r["inserted"]),
            _pct(r["error_rate"]),
        )
        for r in rows
    ]
    head = ("char", "code", "in labels", "substituted", "deleted", "inserted", "error rate")
    note = "<p>Error rate: (substitutions + deletions) / occurrences in the labels.</p>"
    return "<h2>Per-character errors</h2>" + note + _table(head, body, 5)


def _gallery_rows(records: Sequence[Mapping[str, Any]], thumbs: Mapping[str, str]) -> str:
    rows = []
    for r in records:
        label, pred = _diff_cells(r["label"], r["prediction"])
        uri = thumbs.get(r["key"], "")
        img = (
            f'<img class="thumb" src="{uri}" alt="">'
            if uri
            else '<span class="muted">no image</span>'
        )
        old = ""
        if "old_prediction" in r:
            old = (
                '<br><span class="muted">other checkpoint: </span>'
                f'<span class="txt">{escape(r["old_prediction"])}</span>'
            )
        rows.append(
            f"<tr data-pairs='{escape(json.dumps(r['pairs'], ensure_ascii=False))}'><td>{img}<br>"
            f'<span class="muted">{escape(r["key"])}</span></td><td>{label}<br>{pred}{old}</td>'
            f'<td class="num">{r["score"]:.3f}</td><td class="num">{r["norm_dist"]:.2f}</td></tr>'
        )
    return "".join(rows)


def _gallery(
    records: Sequence[Mapping[str, Any]], pairs: Sequence[str], thumbs: Mapping[str, str]
) -> str:
    options = '<option value="">all lines</option>' + "".join(
        f"<option>{escape(p)}</option>" for p in pairs
    )
    head = "<tr><th>image</th><th>label / prediction</th><th>confidence</th><th>distance</th></tr>"
    return (
        "<h2>Worst lines</h2><p>Label above, prediction below, differing characters marked. "
        f'Confusion pair: <select id="filter" onchange="pick(this.value)">{options}</select> '
        f'<span id="shown">{len(records)}</span> lines shown.</p>'
        f'<table id="gallery">{head}{_gallery_rows(records, thumbs)}</table>'
    )


def _curves(curves: Mapping[str, Sequence[Sequence[float]]] | None) -> str:
    if not curves:
        return ""
    pts = {k: [(float(a), float(b)) for a, b in v] for k, v in curves.items()}
    loss = line_chart("training loss", [("loss", "#c0392b", pts.get("loss", []))])
    acc = line_chart(
        "accuracy",
        [
            ("train acc", "#999", pts.get("train_acc", [])),
            ("eval acc", "#2e7d32", pts.get("eval_acc", [])),
        ],
    )
    return f"<h2>Training curves</h2>{loss}{acc}" if loss or acc else ""


def _compare(cmp: Mapping[str, Any] | None, thumbs: Mapping[str, str]) -> str:
    if not cmp:
        return ""
    moved = [
        (escape(r["pair"]), str(r["before"]), str(r["after"]), f"{r['delta']:+d}")
        for r in cmp["pairs_moved"]
    ]
    head = (
        f"<h2>Compared with {escape(str(cmp.get('other', '')))}</h2>"
        f"<p>{cmp['matched']} lines in both: {cmp['fixed']} fixed, {cmp['broken']} broken, "
        f"{cmp['both_wrong']} wrong in both.</p>"
    )
    other = cmp.get("other_headline") or {}
    if other:
        head += (
            "<p>Other checkpoint: " + ", ".join(f"{k} {v:.4f}" for k, v in other.items()) + "</p>"
        )
    table = "<tr><th>image</th><th>label / prediction</th><th>confidence</th><th>distance</th></tr>"
    return (
        head
        + "<h3>Confusion pairs that moved most</h3>"
        + _table(("pair", "before", "after", "change"), moved, 3)
        + f"<h3>Fixed</h3><table>{table}{_gallery_rows(cmp['fixed_lines'], thumbs)}</table>"
        + f"<h3>Broken</h3><table>{table}{_gallery_rows(cmp['broken_lines'], thumbs)}</table>"
    )


def _coverage(figures: Mapping[str, Any]) -> str:
    unseen = figures["unseen_dict_chars"]
    skipped = figures["skipped"]
    text = escape(" ".join(unseen)) if unseen else "none"
    parts = [
        f"<h2>Dictionary characters never seen in the labels ({len(unseen)})</h2>",
        f'<p class="chars">{text}</p>',
        f"<h2>Skipped samples ({sum(skipped['by_reason'].values())})</h2>",
    ]
    reasons = [(escape(k), str(v)) for k, v in sorted(skipped["by_reason"].items())]
    parts.append(_table(("reason", "samples"), reasons, 1) if reasons else "<p>none</p>")
    if skipped["samples"]:
        parts.append(
            _table(
                ("key", "reason"),
                [(escape(s["key"]), escape(s["reason"])) for s in skipped["samples"]],
            )
        )
    return "".join(parts)


def render(figures: Mapping[str, Any], thumbs: Mapping[str, str]) -> str:
    """The whole page.

    Args:
        figures: As ``report.build`` writes them to the JSON.
        thumbs: Sample key -> ``data:`` URI of its thumbnail.
    """
    pairs = [r["pair"] for r in figures["confusions"]]
    body = [
        _header(figures["meta"], figures["headline"]),
        _kinds(figures["error_kinds"]),
        "<h2>Accuracy by label length and image shape</h2>",
        _buckets("label length (characters)", figures["by_length"]),
        _buckets("image width / height", figures["by_aspect"]),
        _confusions(figures["confusions"]),
        _gallery(figures["gallery"], pairs, thumbs),
        _chars(figures["chars"]),
        _compare(figures.get("compare"), thumbs),
        _coverage(figures),
        _curves(figures.get("curves")),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error report</title>'
        f"<style>{_CSS}</style><script>{_SCRIPT}</script></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
