"""One run per output folder: ``<save_model_dir>/.lock`` holds the owner's PID and host.

Two runs writing ``latest`` and ``train.log`` in the same folder silently ruin each other, so a
second run refuses to start while the first is alive. A lock left by a crashed run (dead PID,
or a PID since reused by an unrelated process) is taken over with a warning.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")

LOCK_NAME = ".lock"


@dataclass(frozen=True)
class LockOwner:
    """Who holds a lock: enough to tell whether it is still running, and to name it."""

    pid: int
    host: str
    started: float
    command: str
    proc_start: str = ""  # the process's start time in /proc (Linux), to detect PID reuse

    @classmethod
    def me(cls) -> LockOwner:
        return cls(
            os.getpid(), socket.gethostname(), time.time(), " ".join(sys.argv), _proc_start()
        )

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"PID {self.pid} on {self.host}, started {when}: {self.command}"


def _proc_start(pid: int | str = "self") -> str:
    # Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces).
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _alive(owner: LockOwner) -> bool:
    """Whether the owner (on this host) still runs; unknown counts as alive."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    now = _proc_start(owner.pid)
    return not (owner.proc_start and now and now != owner.proc_start)


def _same(a: LockOwner, b: LockOwner) -> bool:
    return (a.pid, a.host) == (b.pid, b.host)


def _read(path: Path) -> LockOwner | None:
    try:
        return LockOwner(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise
    except (OSError, ValueError, TypeError):
        return None  # unreadable or from another version: treat as stale


@dataclass
class RunLock:
    """A held lock; ``release()`` (also run at exit) removes it if it is still ours."""

    path: Path
    owner: LockOwner
    took_over: LockOwner | None = None

    def release(self) -> None:
        # A forked child (a data worker) inherits this object but must not free the lock.
        if os.getpid() != self.owner.pid:
            return
        with contextlib.suppress(FileNotFoundError):
            current = _read(self.path)
            if current is not None and _same(current, self.owner):
                self.path.unlink()

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _refuse(path: Path, other: LockOwner) -> ConfigError:
    return ConfigError(
        f"Global.save_model_dir {path.parent} is in use by another run ({other.describe()}). "
        "Wait for it or stop it, or give this run its own folder with "
        f"-o Global.save_model_dir=...; if that run is gone, delete {path}"
    )


def acquire_run_lock(save_dir: str | Path) -> RunLock:
    """Lock ``save_dir`` for this process (creating the folder); released at exit.

    Args:
        save_dir: The run's output folder (``Global.save_model_dir``).

    Returns:
        The held RunLock; ``took_over`` names a stale owner that was replaced.

    Raises:
        ConfigError: if a live run (same host, PID running) or a run on another host holds it,
            naming that run and what to do.
    """
    path = Path(save_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    me = LockOwner.me()
    tmp = path.with_name(f"{LOCK_NAME}.{me.pid}.tmp")
    tmp.write_text(json.dumps(asdict(me)), encoding="utf-8")
    try:
        previous = None if _create(path, tmp) else _take_over(path, tmp, me)
    finally:
        tmp.unlink(missing_ok=True)
    lock = RunLock(path, me, previous)
    atexit.register(lock.release)
    return lock


def _create(path: Path, tmp: Path) -> bool:
    """Create the lock from ``tmp`` atomically; False if it exists already."""
    try:
        os.link(tmp, path)  # never leaves a half-written lock for another starter to misread
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system (some network or FAT mounts)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(tmp.read_text(encoding="utf-8"))
    return True


def _take_over(path: Path, tmp: Path, me: LockOwner) -> LockOwner | None:
    try:
        other = _read(path)
    except FileNotFoundError:  # released in between
        os.replace(tmp, path)
        return None
    if other is None:
        logger.warning("replacing the unreadable lock file %s", path)
    elif not _same(other, me):
        if other.host != me.host or _alive(other):
            # Another host's PIDs cannot be checked: refuse rather than risk two writers.
            raise _refuse(path, other)
        logger.warning("taking over the lock of a run that is gone: %s", other.describe())
    os.replace(tmp, path)
    return other if other is not None and not _same(other, me) else None
