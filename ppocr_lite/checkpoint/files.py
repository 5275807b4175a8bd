"""The files of a checkpoint (``<prefix>.pdparams / .pdopt / .states``): names, atomic writes,
the manifest of digests, and the roll-forward of an interrupted save. No Paddle is imported.

A save writes all three files under temporary names, fsyncs them, then renames them into place
(.pdopt, .pdparams, .states last) and fsyncs the folder. The temporary ``.states`` records the
size and CRC of its two partners, so a crash in the middle of the renames is finished on the
next load (roll forward) and a stale or mixed set is detected instead of loaded.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ppocr_lite.checkpoint.safe_pickle import STATES_GLOBALS, read_pickle_file
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.errors import CheckpointError, ConfigError

logger = logging.getLogger("ppocr_lite")

SUFFIXES = (".pdparams", ".pdopt", ".states")
# The order of the renames: a .states in place vouches for the two files before it.
RENAME_ORDER = (".pdopt", ".pdparams", ".states")
# The manifest inside .states: suffix -> [size, crc32] of each partner.
MANIFEST = "ppocr_lite_files"


def strip_suffix(path: str | Path) -> Path:
    """``out/latest.pdparams`` or ``out/latest`` -> ``out/latest``."""
    text = str(path)
    for ext in SUFFIXES:
        if text.endswith(ext):
            return Path(text[: -len(ext)])
    return Path(text)


def params_path(path: str | Path, setting: str) -> Path:
    """``<prefix>.pdparams`` of a checkpoint given with or without its suffix.

    Args:
        path: The checkpoint, e.g. ``output/rec/latest`` or ``output/rec/latest.pdparams``.
        setting: What the user set, for the message (``Global.checkpoints``).

    Raises:
        ConfigError: if the file does not exist.
    """
    params = Path(f"{strip_suffix(path)}.pdparams")
    if not params.is_file():
        raise ConfigError(
            f"{setting}: {params} not found (give the prefix, e.g. output/rec/best_accuracy)"
        )
    return params


def epoch_checkpoints(folder: Path, suffixes: Sequence[str] = (".pdparams",)) -> list[Path]:
    """The ``iter_epoch_N`` prefixes in ``folder`` with a file of any of ``suffixes``, newest
    first."""
    pattern = re.compile(r"iter_epoch_(\d+)(" + "|".join(re.escape(s) for s in suffixes) + ")")
    found = {
        (int(m.group(1)), folder / f"iter_epoch_{m.group(1)}")
        for p in folder.glob("iter_epoch_*")
        if (m := pattern.fullmatch(p.name))
    }
    return [prefix for _, prefix in sorted(found, reverse=True)]


def digest(data: bytes) -> list[int]:
    """``[size, crc32]`` of a file's bytes, as the manifest stores it."""
    return [len(data), zlib.crc32(data)]


def _file_digest(path: Path) -> list[int] | None:
    return digest(path.read_bytes()) if path.is_file() else None


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _write_all(path: Path, blobs: Mapping[str, bytes]) -> None:
    """Write every blob to ``<path><ext>.tmp``; on a write error remove them all.

    The renames only start once all are written, so a failure here leaves the previous
    checkpoint as it was.

    Raises:
        CheckpointError: naming the file and the cause (e.g. no space left on the device).
    """
    current = path
    try:
        for ext, data in blobs.items():
            current = Path(f"{path}{ext}.tmp")
            _write_synced(current, data)
    except OSError as exc:
        for ext in blobs:
            with contextlib.suppress(OSError):
                Path(f"{path}{ext}.tmp").unlink(missing_ok=True)
        hint = " (free space on the device or point Global.save_model_dir elsewhere)"
        raise CheckpointError(
            f"cannot save checkpoint {path}: writing {current.name} failed: "
            f"{exc.strerror or exc}{hint if exc.errno == errno.ENOSPC else ''}; "
            "the previous checkpoint is unchanged"
        ) from None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(path: Path, blobs: Mapping[str, bytes]) -> None:
    """Write a checkpoint's files atomically: temporary names, then renames, then the folder.

    Args:
        path: The prefix (``out/latest``).
        blobs: Suffix -> bytes; ``.states`` must already hold the manifest of the others.

    Raises:
        CheckpointError: if a file cannot be written (the previous checkpoint is unchanged).
    """
    _write_all(path, blobs)
    for ext in RENAME_ORDER:
        if ext in blobs:
            os.replace(f"{path}{ext}.tmp", f"{path}{ext}")
    _fsync_dir(path.parent)


def read_states(path: Path) -> dict[str, Any]:
    """Load a ``.states`` file with the restricted unpickler (plain data only).

    Raises:
        CheckpointError: if it holds anything else, is damaged, or is not a dict.
    """
    data = read_pickle_file(path, STATES_GLOBALS)
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: not a states dict")
    return data


def recover(prefix: Path) -> None:
    """Finish an interrupted save (roll forward) or discard its leftovers."""
    tmp_states = Path(f"{prefix}.states.tmp")
    if not tmp_states.exists():
        for ext in (".pdparams", ".pdopt"):
            Path(f"{prefix}{ext}.tmp").unlink(missing_ok=True)
        return
    try:
        digests = read_states(tmp_states).get(MANIFEST, {})
    except Exception:  # noqa: BLE001 - a torn temporary file is simply discarded
        digests = None
    complete = bool(digests) and all(
        _file_digest(Path(f"{prefix}{ext}.tmp")) == want
        or _file_digest(Path(f"{prefix}{ext}")) == want
        for ext, want in digests.items()
    )
    for ext in RENAME_ORDER:
        tmp = Path(f"{prefix}{ext}.tmp")
        if complete and tmp.exists():
            os.replace(tmp, f"{prefix}{ext}")
        else:
            tmp.unlink(missing_ok=True)
    _fsync_dir(prefix.parent)
    if complete:
        logger.warning("finished an interrupted checkpoint save: %s", prefix)


def verified_states(prefix: Path) -> dict[str, Any]:
    """The ``.states`` of a checkpoint ({} without one) after checking its partners' digests.

    Raises:
        ConfigError: if ``<prefix>.pdparams`` does not exist.
        CheckpointError: if the ``.states`` is damaged or a partner does not match it.
    """
    recover(prefix)
    params_path(prefix, "Global.checkpoints")
    states_file = Path(f"{prefix}.states")
    states = read_states(states_file) if states_file.is_file() else {}
    for ext, want in (states.get(MANIFEST) or {}).items():
        if _file_digest(Path(f"{prefix}{ext}")) != want:
            raise CheckpointError(
                f"{prefix}{ext} does not match {prefix}.states (a mixed or damaged set)"
            )
    return states


def checkpoint_exists(path: str | Path) -> bool:
    """Whether a checkpoint (its .pdparams) exists at ``path`` (with or without suffix)."""
    prefix = strip_suffix(path)
    recover(prefix)
    return Path(f"{prefix}.pdparams").is_file()


def read_state(path: str | Path, main_indicator: str = "acc") -> TrainState:
    """The TrainState stored beside a checkpoint (a fresh one if there is no .states)."""
    prefix = strip_suffix(path)
    recover(prefix)
    states_path = Path(f"{prefix}.states")
    if not states_path.is_file():
        return TrainState()
    return TrainState.from_states(read_states(states_path), main_indicator)
