"""A run's report card: progress read back from ``metrics.jsonl`` or a PaddleOCR-format
``train.log``, printed as a table and drawn as a PNG (loss, accuracy, learning rate).

Both sources may hold several processes of one run: a resumed run appends to them, and after a
crash it redoes the steps since the last checkpoint. A step that comes again replaces what was
logged for it and for every later step, so the report shows the run as it finally went.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppocr_lite.engine.logging import format_eta

NAN = float("nan")
PLOT_HINT = "PNG skipped: matplotlib is not installed (pip install 'ppocr_lite[plot]')"
TABLE_ROWS = 20  # rows of the table when --every is not given

_TRAIN = re.compile(r"epoch: \[(\d+)/(\d+)\], global_step: (\d+)")
_NUMBER = r"([-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|nan|inf))"
_FIELD = re.compile(rf"\b(lr|loss|acc|norm_edit_dis|avg_batch_cost|ips): {_NUMBER}")
_PAIR = re.compile(rf"(\w+): {_NUMBER}")
_ETA = re.compile(r"eta: (?:(\d+) days?(?:\(s\))?, )?(\d+):(\d\d):(\d\d)")
_METRIC = re.compile(r"\b(cur|best) metric, (.*)$")
_STEPS_PER_EPOCH = re.compile(r"(\d+) batches/epoch")


@dataclass
class TrainPoint:
    """One logged training step (figures smoothed as the trainer logged them)."""

    step: int
    epoch: int = 0
    loss: float = NAN
    acc: float = NAN
    norm_edit_dis: float = NAN
    lr: float = NAN
    ips: float = NAN
    batch_cost: float = NAN  # seconds per step
    eta: float | None = None  # seconds left, when the log states it


@dataclass
class EvalPoint:
    """One evaluation on the Eval set."""

    step: int
    acc: float = NAN
    norm_edit_dis: float = NAN
    best: float = NAN  # best main-indicator value so far, as the trainer reported it


@dataclass
class RunRecord:
    """Everything the report shows about one run."""

    source: Path
    train: list[TrainPoint] = field(default_factory=list)
    evals: list[EvalPoint] = field(default_factory=list)
    epochs: int = 0  # planned Global.epoch_num (0: unknown)
    steps_per_epoch: int = 0  # 0: unknown
    rewinds: int = 0  # times a restarted process redid logged steps
    events: Counter[str] = field(default_factory=Counter)  # saves, non-finite losses, ...

    @property
    def planned_steps(self) -> int:
        """Global steps of the whole plan (0 when unknown)."""
        return self.epochs * self.steps_per_epoch

    def add_train(self, point: TrainPoint) -> None:
        """Append, dropping what a restarted process is logging again."""
        if self.train and point.step <= self.train[-1].step:
            self.rewinds += 1
            self.train = [p for p in self.train if p.step < point.step]
            self.evals = [e for e in self.evals if e.step < point.step]
        self.train.append(point)

    def add_eval(self, point: EvalPoint) -> None:
        """Append an evaluation (a repeated step replaces the older one)."""
        self.evals = [e for e in self.evals if e.step < point.step]
        self.evals.append(point)

    def best_until(self, step: int) -> float:
        """Best evaluation (main indicator) at or before ``step``; NaN before the first."""
        seen = [e for e in self.evals if e.step <= step]
        if not seen:
            return NAN
        reported = [e.best for e in seen if not math.isnan(e.best)]
        return reported[-1] if reported else max(e.acc for e in seen)

    def best_eval(self) -> EvalPoint | None:
        """The evaluation with the highest acc."""
        return max(self.evals, key=lambda e: -1.0 if math.isnan(e.acc) else e.acc, default=None)

    def eta(self, point: TrainPoint) -> float | None:
        """Seconds left after ``point``: as logged, else from the plan and the step time."""
        if point.eta is not None:
            return point.eta
        if not self.planned_steps or math.isnan(point.batch_cost):
            return None
        return max(0, self.planned_steps - point.step) * point.batch_cost


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


def _json_lines(path: Path, events: Counter[str]) -> Iterator[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        # A process killed mid-write leaves a torn line, which the next process continues.
        cut = line.rfind('{"event"')
        for start in (0, cut) if cut > 0 else (0,):
            try:
                yield json.loads(line[start:])
                break
            except json.JSONDecodeError:
                events["torn lines"] += start == 0


def read_metrics(path: Path) -> RunRecord:
    """Read a ppocr_lite ``metrics.jsonl`` (plus the plan from ``train.log`` beside it)."""
    record = RunRecord(path)
    for r in _json_lines(path, record.events):
        event, step = r.get("event"), r.get("global_step")
        if event == "train" and isinstance(step, int):
            figures = {k: _float(r.get(k)) for k in ("loss", "acc", "norm_edit_dis", "lr", "ips")}
            cost = _float(r.get("avg_batch_cost"))
            record.add_train(TrainPoint(step, int(r.get("epoch", 0)), batch_cost=cost, **figures))
        elif event == "eval" and isinstance(step, int):
            figures = {k: _float(r.get(k)) for k in ("acc", "norm_edit_dis", "best")}
            record.add_eval(EvalPoint(step, **figures))
        elif event == "bad_samples":
            record.events["bad samples"] += sum(
                v for k, v in r.items() if isinstance(v, int) and k not in ("epoch", "time")
            )
        elif event in ("save", "nan_loss"):
            record.events["saves" if event == "save" else "non-finite losses"] += 1
    log = path.with_name("train.log")
    if log.is_file():
        plan = read_log(log)
        record.epochs, record.steps_per_epoch = plan.epochs, plan.steps_per_epoch
    return record


def _eta_seconds(line: str) -> float | None:
    m = _ETA.search(line)
    if not m:
        return None
    days, h, mins, s = (int(g or 0) for g in m.groups())
    return float(((days * 24 + h) * 60 + mins) * 60 + s)


def _log_metric(record: RunRecord, kind: str, text: str) -> None:
    figures = {k: _float(v) for k, v in _PAIR.findall(text)}
    step = record.train[-1].step if record.train else 0  # eval lines carry no step
    if kind == "cur":
        keys = ("acc", "norm_edit_dis")
        record.add_eval(EvalPoint(step, **{k: figures.get(k, NAN) for k in keys}))
    elif record.evals and figures:
        record.evals[-1].best = next(iter(figures.values()))  # the main indicator comes first


def read_log(path: Path) -> RunRecord:
    """Read a PaddleOCR 2.x or ppocr_lite ``train.log``."""
    record = RunRecord(path)
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if m := _TRAIN.search(line):
            epoch, record.epochs, step = (int(g) for g in m.groups())
            figures = {k: _float(v) for k, v in _FIELD.findall(line[m.end() :])}
            cost = figures.pop("avg_batch_cost", NAN)
            point = TrainPoint(step, epoch, batch_cost=cost, eta=_eta_seconds(line), **figures)
            record.add_train(point)
        elif m := _METRIC.search(line):
            _log_metric(record, m.group(1), m.group(2))
        elif m := _STEPS_PER_EPOCH.search(line):
            record.steps_per_epoch = int(m.group(1))
    return record


def load_run(path: str | Path) -> RunRecord:
    """A run folder (its ``metrics.jsonl``, else its ``train.log``) or one of those files.

    Raises:
        FileNotFoundError: when there is nothing to read.
        ValueError: when the file holds no training records.
    """
    path = Path(path)
    if path.is_dir():
        found = [path / n for n in ("metrics.jsonl", "train.log") if (path / n).is_file()]
        if not found:
            raise FileNotFoundError(f"{path} has neither metrics.jsonl nor train.log")
        path = found[0]
    elif not path.is_file():
        raise FileNotFoundError(f"{path} not found (give a run folder or its train.log)")
    record = read_metrics(path) if path.suffix == ".jsonl" else read_log(path)
    if not record.train:
        raise ValueError(f"{path}: no training steps logged yet")
    return record


def _round_up(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= ``value``."""
    scale = 1
    while True:
        for mult in (1, 2, 5):
            if mult * scale >= value:
                return mult * scale
        scale *= 10


def pick_rows(points: list[TrainPoint], every: int) -> list[TrainPoint]:
    """The first point of every ``every`` global steps, and always the last point."""
    if not points:
        return []
    every = every or _round_up(points[-1].step / TABLE_ROWS)
    rows, mark = [], 0
    for p in points:
        if p.step >= mark:
            rows.append(p)
            mark = (p.step // every + 1) * every
    return rows if rows[-1] is points[-1] else [*rows, points[-1]]


def _cell(value: float | None, spec: str) -> str:
    return "-" if value is None or math.isnan(value) else format(value, spec)


def format_table(record: RunRecord, every: int = 0) -> str:
    """The progress table with a few summary lines under it."""
    head = f"{'step':>8} {'epoch':>5} {'loss':>10} {'acc':>7} {'ned':>7} {'lr':>9} "
    lines = [head + f"{'ips':>8} {'best':>7} {'eta':>9}"]
    for p in pick_rows(record.train, every):
        eta = record.eta(p)
        lines.append(
            f"{p.step:>8} {p.epoch:>5} {_cell(p.loss, '.4f'):>10} {_cell(p.acc, '.4f'):>7} "
            f"{_cell(p.norm_edit_dis, '.4f'):>7} {_cell(p.lr, '.2e'):>9} "
            f"{_cell(p.ips, '.1f'):>8} {_cell(record.best_until(p.step), '.4f'):>7} "
            f"{'-' if eta is None else format_eta(eta):>9}"
        )
    return "\n".join(lines + summary(record))


def summary(record: RunRecord) -> list[str]:
    """Where the run stands: progress, best evaluation, notable events."""
    last = record.train[-1]
    done = f"step {last.step}, epoch {last.epoch}"
    if record.planned_steps:
        done += f" of {record.planned_steps} steps ({100 * last.step / record.planned_steps:.0f}%)"
    elif record.epochs:
        done += f" of {record.epochs}"
    lines = ["", f"{record.source}: {done}"]
    if best := record.best_eval():
        lines.append(
            f"{len(record.evals)} evaluations; best acc {best.acc:.4f} "
            f"(norm_edit_dis {best.norm_edit_dis:.4f}) at step {best.step}; "
            f"last acc {record.evals[-1].acc:.4f} at step {record.evals[-1].step}"
        )
    notes = dict(record.events)
    if record.rewinds:
        notes["restarts that redid steps"] = record.rewinds
    if notes:
        lines.append(", ".join(f"{k}: {v}" for k, v in sorted(notes.items())))
    return lines


def _series(points: list[Any], name: str) -> tuple[list[int], list[float]]:
    return [p.step for p in points], [getattr(p, name) for p in points]


def write_png(record: RunRecord, path: str | Path) -> bool:
    """Draw loss, acc / norm_edit_dis (train and eval) and lr over the global step.

    Uses matplotlib's Agg canvas directly, so no global backend is set.

    Returns:
        False when matplotlib is not installed (nothing written).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    fig = Figure(figsize=(9, 9), layout="constrained")
    FigureCanvasAgg(fig)
    ax_loss, ax_acc, ax_lr = fig.subplots(3, 1, sharex=True)
    steps, loss = _series(record.train, "loss")
    ax_loss.plot(steps, loss, color="tab:red", label="train loss")
    finite = [v for v in loss if math.isfinite(v)]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 20:
        ax_loss.set_yscale("log")  # CTC loss falls by orders of magnitude
    ax_acc.plot(*_series(record.train, "acc"), color="tab:blue", label="train acc")
    ax_acc.plot(*_series(record.train, "norm_edit_dis"), "--", color="tab:cyan", label="train ned")
    if best := record.best_eval():
        ax_acc.plot(*_series(record.evals, "acc"), "o-", color="tab:green", label="eval acc")
        ax_acc.plot(
            *_series(record.evals, "norm_edit_dis"), "s--", color="tab:olive", label="eval ned"
        )
        ax_acc.plot([best.step], [best.acc], "*", ms=14, color="gold", mec="k", label="best")
    ax_acc.set_ylim(-0.02, 1.02)
    ax_lr.plot(*_series(record.train, "lr"), color="tab:purple", label="lr")
    ax_lr.set_xlabel("global step")
    for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy"), (ax_lr, "learning rate")):
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.suptitle("\n".join(summary(record)[1:3]), fontsize="medium")
    fig.savefig(str(path), dpi=100)
    return True
