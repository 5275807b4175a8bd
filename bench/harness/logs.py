"""Figures read from the log lines that ppocr_lite's and PaddleOCR's tools print.

Both training loops print one line per ``print_batch_step`` window in the same shape::

    ... global_step: 20, ..., avg_reader_cost: 0.00120 s, avg_batch_cost: 5.41230 s,
    avg_samples: 64.0, ips: 11.82514 samples/s, eta: ...

and one ``cur metric, acc: ..., norm_edit_dis: ...`` line per evaluation.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)"
_TRAIN = re.compile(
    r"global_step: (\d+),.*?avg_reader_cost: "
    + _NUMBER
    + r" s, avg_batch_cost: "
    + _NUMBER
    + r" s,.*?ips: "
    + _NUMBER
    + r" samples/s"
)
_METRIC = re.compile(r"cur metric, (.*)$")
_PAIR = re.compile(r"(\w+): " + _NUMBER)


@dataclass(frozen=True)
class TrainWindow:
    """One printed training window."""

    step: int
    reader_cost: float
    batch_cost: float
    ips: float


def train_windows(lines: Iterable[str]) -> list[TrainWindow]:
    """Every training log window found in ``lines``, in order."""
    out = []
    for line in lines:
        m = _TRAIN.search(line)
        if m:
            step, reader, batch, ips = m.groups()
            out.append(TrainWindow(int(step), float(reader), float(batch), float(ips)))
    return out


def last_step(lines: Sequence[str]) -> int:
    """The global_step of the last training window printed so far (0 if none)."""
    for line in reversed(lines):
        m = _TRAIN.search(line)
        if m:
            return int(m.group(1))
    return 0


def eval_metrics(lines: Iterable[str]) -> list[dict[str, float]]:
    """The figures of each ``cur metric`` line (acc, norm_edit_dis, ...)."""
    out = []
    for line in lines:
        m = _METRIC.search(line)
        if m:
            out.append({k: float(v) for k, v in _PAIR.findall(m.group(1))})
    return out


def steady_state(windows: Sequence[TrainWindow], skip: int) -> dict[str, float]:
    """Median ips / avg_reader_cost / avg_batch_cost over the windows after the first ``skip``.

    Raises:
        ValueError: when no window is left after the warm-up ones.
    """
    kept = list(windows[skip:])
    if not kept:
        raise ValueError(
            f"no training log window after the {skip} warm-up window(s) ({len(windows)} printed)"
        )
    return {
        "ips": statistics.median(w.ips for w in kept),
        "avg_reader_cost": statistics.median(w.reader_cost for w in kept),
        "avg_batch_cost": statistics.median(w.batch_cost for w in kept),
        "windows": float(len(kept)),
    }
