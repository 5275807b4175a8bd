"""Run a tool as a child process: wall time, peak memory of its process tree, stop on a condition."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class RunResult:
    """What one child run produced.

    Attributes:
        lines: Its combined stdout/stderr lines.
        wall: Seconds from start to exit.
        peak_rss_mb: Peak of the summed RSS of the process and all its descendants (polled).
        returncode: Exit status (negative: killed by that signal).
        stopped: True when the harness stopped it because ``stop_when`` matched.
    """

    lines: list[str] = field(default_factory=list)
    wall: float = 0.0
    peak_rss_mb: float = 0.0
    returncode: int = 0
    stopped: bool = False


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Summed resident set size (MB) of ``pid`` and its descendants (shared pages count per process)."""
    tree, todo, total = _children(), [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/statm", encoding="utf-8") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
    return total / 2**20


def _poll_memory(proc: subprocess.Popen, result: RunResult, every: float) -> None:
    while proc.poll() is None:
        result.peak_rss_mb = max(result.peak_rss_mb, tree_rss_mb(proc.pid))
        time.sleep(every)


def run_tool(
    cmd: Sequence[str],
    cwd: str,
    stop_when: Callable[[list[str]], bool] | None = None,
    timeout: float = 3600.0,
    env: dict[str, str] | None = None,
) -> RunResult:
    """Run ``cmd`` in its own session; SIGTERM its group once ``stop_when(lines)`` holds.

    Args:
        cmd: The command line.
        cwd: Working directory of the child.
        stop_when: Checked after every output line; True ends the run: SIGTERM to the tool's
            main process only (so it can stop its own data workers and save), then SIGKILL to
            its whole process group after 60 s.
        timeout: Seconds after which the child is killed.
        env: Extra environment variables.

    Returns:
        A RunResult; memory is polled every 0.2 s from /proc (the whole process tree).
    """
    result = RunResult()
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    poller = threading.Thread(target=_poll_memory, args=(proc, result, 0.2), daemon=True)
    poller.start()
    killer = _timer(timeout, proc)
    assert proc.stdout is not None
    for line in proc.stdout:
        result.lines.append(line.rstrip("\n"))
        if stop_when is not None and not result.stopped and stop_when(result.lines):
            result.stopped = True
            proc.send_signal(signal.SIGTERM)
            _timer(60.0, proc)
    result.returncode = proc.wait()
    result.wall = time.perf_counter() - start
    killer.cancel()
    _signal_group(proc, signal.SIGKILL, even_if_exited=True)  # no straggling data worker
    poller.join()
    return result


def _timer(seconds: float, proc: subprocess.Popen) -> threading.Timer:
    timer = threading.Timer(seconds, _signal_group, args=(proc, signal.SIGKILL))
    timer.daemon = True  # never keeps the harness alive
    timer.start()
    return timer


def _signal_group(proc: subprocess.Popen, sig: int, even_if_exited: bool = False) -> None:
    # Our child leads its own session: this reaches its data workers and nothing else.
    if even_if_exited or proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
