"""tools/train.py in a child process, as the stop/kill/resume tests drive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

TRAIN = Path(__file__).resolve().parents[2] / "tools" / "train.py"
# The trainer keeps a stop signal that it finds ignored (nohup, or a background job of a
# non-interactive shell, which starts with SIGINT ignored): so that these tests do not depend on
# how pytest itself was started, the child starts with the default disposition, as from a
# terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def _default_stop_signals() -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)


def write_config(cfg: dict[str, Any], path: Path) -> Path:
    """Write ``cfg`` as UTF-8 YAML to ``path`` and return the path."""
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def launch(cfg: dict[str, Any] | None, path: Path, new_session: bool = False) -> subprocess.Popen:
    """Start ``tools/train.py -c path`` (writing ``cfg`` there first unless it is None).

    Output (stdout and stderr together) is a UTF-8 text pipe, unbuffered, read line by line.
    ``new_session``: the trainer leads a process group of its own (its PID is the group's ID),
    as under a scheduler, so the test can signal the whole group.
    """
    if cfg is not None:
        write_config(cfg, path)
    return subprocess.Popen(
        [sys.executable, str(TRAIN), "-c", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=new_session,
        preexec_fn=_default_stop_signals,
    )


def group_pids(pgid: int) -> list[int]:
    """PIDs of the live (not zombie) processes in process group ``pgid`` (Linux /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, pgrp, ...
        state, _, pgrp = text.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            pids.append(int(stat.parent.name))
    return sorted(pids)
