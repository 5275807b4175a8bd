"""Per-sample evaluation results: what each line was, what the model read, and where it came from.

``evaluate`` collects them when asked; ``tools/eval.py`` writes them as a TSV
(``Global.save_eval_tsv``) and ``tools/error_report.py`` reads them back.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import DataError

TSV_COLUMNS = ("key", "label", "prediction", "score", "height", "width", "skipped")
# Fields the Eval transforms keep in addition to their own when per-sample results are wanted:
# ``key`` names the sample (``<lmdb folder>:image-000000012`` or an image path), ``image_hw``
# is the decoded image's (height, width) before resizing (for the aspect-ratio figures).
SAMPLE_FIELDS = ("key", "image_hw")
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


@dataclass(frozen=True)
class SampleResult:
    """One evaluated line (``skipped`` names the reason when the sample could not be read)."""

    key: str
    label: str
    prediction: str
    score: float
    height: int = 0  # of the stored image; 0 when unknown
    width: int = 0
    skipped: str = ""


def with_sample_fields(cfg: Mapping[str, Any], section: str = "Eval") -> dict[str, Any]:
    """A copy of ``cfg`` whose ``section`` transforms also keep :data:`SAMPLE_FIELDS`.

    ``image_hw`` is kept only when the transforms decode with ``DecodeImage`` (which records
    it); a missing field would make every sample fail ``KeepKeys``.
    """
    out = copy.deepcopy(dict(cfg))
    ops = out[section]["dataset"].get("transforms") or []
    names = [next(iter(op)) for op in ops if isinstance(op, Mapping) and op]
    wanted = [f for f in SAMPLE_FIELDS if f != "image_hw" or "DecodeImage" in names]
    for op in ops:
        if isinstance(op, dict) and "KeepKeys" in op:
            keys = list((op["KeepKeys"] or {}).get("keep_keys") or [])
            op["KeepKeys"] = {"keep_keys": keys + [f for f in wanted if f not in keys]}
    return out


def _column(batch: Batch, name: str) -> list[Any] | None:
    if name not in batch:
        return None
    value = batch[name]
    if hasattr(value, "numpy"):
        value = value.numpy()
    return list(value)


def batch_samples(
    batch: Batch, preds: Sequence[tuple[str, float]], targets: Sequence[str]
) -> list[SampleResult]:
    """The results of one batch, its skipped samples included (``skipped`` = the reason)."""
    keys = _column(batch, "key") or [""] * len(targets)
    sizes = _column(batch, "image_hw") or [(0, 0)] * len(targets)
    out = [SampleResult(key, "", "", 0.0, skipped=reason) for reason, key, _ in batch.skipped]
    for key, (text, score), target, hw in zip(keys, preds, targets, sizes, strict=True):
        h, w = (int(v) for v in np.asarray(hw).reshape(-1)[:2])
        out.append(SampleResult(str(key), target, text, float(score), h, w))
    return out


def _escape(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _unescape(text: str) -> str:
    out, i = [], 0
    table = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in table:
            out.append(table[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def write_tsv(path: str | Path, samples: Iterable[SampleResult]) -> Path:
    """Write UTF-8 TSV with a header row; tabs, newlines and backslashes in texts are escaped."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(TSV_COLUMNS) + "\n")
        for s in samples:
            row = (s.key, s.label, s.prediction, f"{s.score:.6f}", s.height, s.width, s.skipped)
            f.write("\t".join(_escape(str(v)) for v in row) + "\n")
    return path


def read_tsv(path: str | Path) -> list[SampleResult]:
    """Read a TSV written by :func:`write_tsv`.

    Raises:
        DataError: when the file is missing or its header is not the expected one.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("not_found", f"{path}: no such TSV")
    lines = path.read_text(encoding="utf-8").split("\n")
    header = tuple(lines[0].split("\t"))
    if header[:4] != TSV_COLUMNS[:4]:
        raise DataError("bad_tsv", f"{path}: header {header} (expected {TSV_COLUMNS})")
    out = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        cells = [_unescape(c) for c in line.split("\t")]
        cells += [""] * (len(TSV_COLUMNS) - len(cells))
        try:
            score, h, w = float(cells[3] or 0), int(cells[4] or 0), int(cells[5] or 0)
        except ValueError as exc:
            raise DataError("bad_tsv", f"{path}:{number}: {exc}") from exc
        out.append(SampleResult(cells[0], cells[1], cells[2], score, h, w, cells[6]))
    return out
