"""One logger, one line per event: console + UTF-8 train.log + metrics.jsonl."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any, TextIO

LOGGER_NAME = "ppocr_lite"
_FORMAT = "[%(asctime)s] %(levelname)s: %(message)s"


class _SafeStreamHandler(logging.StreamHandler):
    """Writes text the console cannot encode as escapes instead of raising."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record) + self.terminator
            stream: TextIO = self.stream
            encoding = getattr(stream, "encoding", None) or "utf-8"
            stream.write(msg.encode(encoding, "backslashreplace").decode(encoding, "replace"))
            self.flush()
        except Exception:  # noqa: BLE001 - logging must never kill training
            self.handleError(record)


def setup_logger(log_file: str | Path | None = None, rank: int = 0) -> logging.Logger:
    """Configure the ``ppocr_lite`` logger exactly once per process (idempotent).

    Repeated calls replace the handlers instead of adding more, so no line is printed twice.
    Non-zero ranks only print warnings and errors, and never write files.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.INFO if rank == 0 else logging.WARNING)
    logger.propagate = False
    console = _SafeStreamHandler(sys.stdout)
    console.setFormatter(logging.Formatter(_FORMAT, "%Y/%m/%d %H:%M:%S"))
    logger.addHandler(console)
    if log_file is not None and rank == 0:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(_FORMAT, "%Y/%m/%d %H:%M:%S"))
        logger.addHandler(file_handler)
    return logger


class SmoothedValue:
    """Mean over the last ``window`` values."""

    def __init__(self, window: int) -> None:
        self.values: deque[float] = deque(maxlen=window)

    def update(self, value: float) -> None:
        self.values.append(float(value))

    @property
    def avg(self) -> float:
        return sum(self.values) / len(self.values) if self.values else 0.0


def open_visualdl(logdir: Path) -> Any:
    """A VisualDL LogWriter, or None (with a hint) when visualdl is not installed."""
    try:
        from visualdl import LogWriter  # type: ignore[import-not-found]
    except ImportError:
        logging.getLogger(LOGGER_NAME).warning(
            "Global.use_visualdl is on but visualdl is not installed (pip install visualdl)"
        )
        return None
    return LogWriter(logdir=str(logdir))


class MetricsWriter:
    """Appends one JSON object per event to ``metrics.jsonl`` (rank 0 only).

    Args:
        path: The JSON-lines file, or None to write nothing (other ranks).
        visualdl: Also send numeric figures to VisualDL (``<folder>/vdl``) when installed.
    """

    def __init__(self, path: str | Path | None, visualdl: bool = False) -> None:
        self.path = Path(path) if path else None
        self.vdl = None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._end_torn_line()
            if visualdl:
                self.vdl = open_visualdl(self.path.parent / "vdl")

    def _end_torn_line(self) -> None:
        # A run killed mid-write leaves a partial last line: start ours on a fresh one.
        if self.path is None or not self.path.is_file() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb+") as f:
            f.seek(-1, 2)
            if f.read(1) != b"\n":
                f.write(b"\n")

    def write(self, event: str, **fields: Any) -> None:
        if self.path is None:
            return
        record = {"event": event, "time": round(time.time(), 3), **fields}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        step = fields.get("global_step")
        if self.vdl is not None and isinstance(step, int):
            for key, value in fields.items():
                if isinstance(value, int | float) and key not in ("global_step", "epoch"):
                    self.vdl.add_scalar(tag=f"{event}/{key}", step=step, value=float(value))


def format_eta(seconds: float) -> str:
    """Seconds -> ``H:MM:SS`` (days shown when over 24 h)."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    core = f"{h}:{m:02d}:{s:02d}"
    return f"{days} day(s), {core}" if days else core
