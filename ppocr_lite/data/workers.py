"""DataLoader worker processes that never outlive, or outshout, the trainer.

Stopping is the trainer's job. A scheduler's SIGTERM (Slurm, ``timeout``, ``kill -- -PGID``)
and a terminal's Ctrl-C go to the whole process group: a worker that dies of it first makes
Paddle's loader abort the trainer before it can save, and a worker that inherited the trainer's
Python handler logs the stop a second time. So workers ignore the stop signals and are shut down
by the trainer through the loader.

A worker must also never outlive the trainer: after a SIGKILL (the OOM killer) nobody sends it
the loader's "stop" message, and one blocked on a full pipe lives on. The kernel kills it when
its parent dies (``PR_SET_PDEATHSIG``). What such a death leaves behind in ``/dev/shm``
(Paddle's ``use_shared_memory`` segments, ``paddle_<creator pid>_*``) is removed by the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals that stop a run: the trainer saves ``latest`` and exits with 128 + the number."""

SHM_DIR = Path("/dev/shm")
_SEGMENT = re.compile(r"paddle_(\d+)_")
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@contextlib.contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """Hold back the stop signals while worker processes are forked.

    A worker forked while a signal is pending, or before its init has run, would handle it with
    the trainer's handler; blocked, the signal waits in the trainer and is discarded in the
    worker once :func:`init_worker` ignores it.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def init_worker(worker_id: int, parent: int) -> None:
    """``worker_init_fn`` of every loader: ignore stop signals, die with the parent.

    Args:
        worker_id: Paddle's worker index (unused).
        parent: PID of the trainer that built the loader.
    """
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(0)


def _die_with_parent() -> None:
    # The kernel sends the signal when the thread that forked us ends: Paddle forks workers
    # from the thread iterating the loader, the trainer's main thread.
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    # A killed worker stays a zombie until its new parent (often PID 1) reaps it.
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _mapped_segments(folder: Path) -> set[str]:
    """Names of the segments in ``folder`` that a process we can inspect has mapped."""
    prefix = f"{folder}/paddle_"
    names = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            text = maps.read_text(encoding="utf-8", errors="replace")
        except OSError:  # gone, or not ours
            continue
        for line in text.splitlines():
            at = line.find(prefix)
            if at >= 0:
                names.add(line[at + len(folder.as_posix()) + 1 :].split()[0])
    return names


def remove_dead_segments(folder: Path = SHM_DIR) -> tuple[int, int]:
    """Remove Paddle's shared-memory segments whose creating process is dead.

    A segment stays while its creator is alive or any process still maps it (a live trainer
    may hold a batch that a finished worker wrote), so concurrent runs keep theirs.

    Args:
        folder: Where the segments live (``/dev/shm`` on Linux).

    Returns:
        (segments removed, bytes freed).
    """
    if not folder.is_dir():
        return 0, 0
    candidates = []
    for path in folder.glob("paddle_*"):
        match = _SEGMENT.match(path.name)
        if match and not _alive(int(match.group(1))):
            candidates.append(path)
    if not candidates:
        return 0, 0
    mapped = _mapped_segments(folder)
    removed = freed = 0
    for path in candidates:
        if path.name in mapped:
            continue
        with contextlib.suppress(OSError):  # another user's, or removed meanwhile
            size = path.stat().st_size
            path.unlink()
            removed, freed = removed + 1, freed + size
    return removed, freed
