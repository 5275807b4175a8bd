"""One live run per output folder; locks of dead runs are taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.utils.run_lock import LOCK_NAME, acquire_run_lock


def write_lock(folder: Path, pid: int, host: str | None = None, **extra: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    owner = {"pid": pid, "host": host or socket.gethostname(), "started": time.time()}
    owner.update(command="tools/train.py -c other.yml", **extra)
    path = folder / LOCK_NAME
    path.write_text(json.dumps(owner), encoding="utf-8")
    return path


@pytest.fixture()
def sleeper() -> Iterator[subprocess.Popen]:
    """A live process that is not this one."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def test_acquire_writes_pid_and_host_and_release_removes(tmp_path: Path) -> None:
    lock = acquire_run_lock(tmp_path / "out")
    info = json.loads((tmp_path / "out" / LOCK_NAME).read_text("utf-8"))
    assert info["pid"] == os.getpid() and info["host"] == socket.gethostname()
    assert lock.took_over is None
    assert acquire_run_lock(tmp_path / "out").took_over is None  # same process: re-entrant
    lock.release()
    assert not (tmp_path / "out" / LOCK_NAME).exists()
    lock.release()  # idempotent
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no temp files left


def test_live_run_is_refused_with_what_to_do(tmp_path: Path, sleeper: subprocess.Popen) -> None:
    path = write_lock(tmp_path, sleeper.pid)
    with pytest.raises(ConfigError) as info:
        acquire_run_lock(tmp_path)
    message = str(info.value)
    assert f"PID {sleeper.pid}" in message and "other.yml" in message
    assert "Global.save_model_dir" in message and str(path) in message
    assert json.loads(path.read_text("utf-8"))["pid"] == sleeper.pid  # untouched


def test_dead_run_is_taken_over_with_a_warning(tmp_path: Path, caplog: Any) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    write_lock(tmp_path, gone.pid)
    lock = acquire_run_lock(tmp_path)
    assert lock.took_over is not None and lock.took_over.pid == gone.pid
    assert "taking over the lock of a run that is gone" in caplog.text
    assert json.loads((tmp_path / LOCK_NAME).read_text("utf-8"))["pid"] == os.getpid()
    lock.release()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_reused_pid_is_stale(tmp_path: Path, sleeper: subprocess.Popen) -> None:
    # The PID runs, but it is not the process that wrote the lock (its start time differs).
    write_lock(tmp_path, sleeper.pid, proc_start="1")
    assert acquire_run_lock(tmp_path).took_over.pid == sleeper.pid


def test_other_host_is_refused(tmp_path: Path) -> None:
    write_lock(tmp_path, 1, host="elsewhere.example")
    with pytest.raises(ConfigError, match="PID 1 on elsewhere.example"):
        acquire_run_lock(tmp_path)


def test_unreadable_lock_is_replaced(tmp_path: Path, caplog: Any) -> None:
    (tmp_path / LOCK_NAME).write_text("{not json", encoding="utf-8")
    acquire_run_lock(tmp_path).release()
    assert "unreadable lock file" in caplog.text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_worker_does_not_release(tmp_path: Path) -> None:
    lock = acquire_run_lock(tmp_path)
    pid = os.fork()
    if pid == 0:  # the child, like a data-loader worker running exit handlers
        lock.release()
        os._exit(0)
    os.waitpid(pid, 0)
    assert (tmp_path / LOCK_NAME).exists()
    lock.release()


def test_file_system_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: Any, dst: Any) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_link)
    lock = acquire_run_lock(tmp_path)
    assert json.loads((tmp_path / LOCK_NAME).read_text("utf-8"))["pid"] == os.getpid()
    lock.release()
    write_lock(tmp_path, 1, host="elsewhere.example")
    with pytest.raises(ConfigError, match="in use by another run"):
        acquire_run_lock(tmp_path)
