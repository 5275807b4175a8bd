"""Checkpoints in PaddleOCR's layout (<prefix>.pdparams / .pdopt / .states), written atomically.

A save writes all three files under temporary names, fsyncs them, then renames them into place
(.pdopt, .pdparams, .states last) and fsyncs the folder. The temporary ``.states`` records the
size and CRC of its two partners, so a crash in the middle of the renames is finished on the
next load (roll forward) and a stale or mixed set is detected instead of loaded.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import pickle
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paddle
from paddle import nn

from ppocr_lite.deploy.convert import Conversion, fit_to_model
from ppocr_lite.deploy.layout import strip_suffix
from ppocr_lite.engine.opt_state import load_optimizer_state
from ppocr_lite.engine.state import TrainState
from ppocr_lite.errors import CheckpointError, ConfigError
from ppocr_lite.utils.safe_pickle import STATES_GLOBALS, load_paddle_file, read_pickle_file

logger = logging.getLogger("ppocr_lite")

def read_states(path: Path) -> dict[str, Any]:
    """Load a ``.states`` file with the restricted unpickler (plain data only).

    Raises:
        CheckpointError: if it holds anything else, is damaged, or is not a dict.
    """
    data = read_pickle_file(path, STATES_GLOBALS)
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: not a states dict")
    return data


def _digest(data: bytes) -> list[int]:
    return [len(data), zlib.crc32(data)]


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


def _to_bytes(obj: Any) -> bytes:
    buf = io.BytesIO()
    paddle.save(obj, buf)
    return buf.getvalue()


def _file_digest(path: Path) -> list[int] | None:
    return _digest(path.read_bytes()) if path.is_file() else None


def _recover(prefix: Path) -> None:
    """Finish an interrupted save (roll forward) or discard its leftovers."""
    tmp_states = Path(f"{prefix}.states.tmp")
    if not tmp_states.exists():
        for ext in (".pdparams", ".pdopt"):
            Path(f"{prefix}{ext}.tmp").unlink(missing_ok=True)
        return
    try:
        digests = read_states(tmp_states).get("ppocr_lite_files", {})
    except Exception:  # noqa: BLE001 - a torn temporary file is simply discarded
        digests = None
    complete = bool(digests) and all(
        _file_digest(Path(f"{prefix}{ext}.tmp")) == want
        or _file_digest(Path(f"{prefix}{ext}")) == want
        for ext, want in digests.items()
    )
    for ext in (".pdopt", ".pdparams", ".states"):
        tmp = Path(f"{prefix}{ext}.tmp")
        if complete and tmp.exists():
            os.replace(tmp, f"{prefix}{ext}")
        else:
            tmp.unlink(missing_ok=True)
    _fsync_dir(prefix.parent)
    if complete:
        logger.warning("finished an interrupted checkpoint save: %s", prefix)


@dataclass
class LoadReport:
    """What ``load_pretrained`` did with each key."""

    loaded: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, list[int], list[int]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for the log."""
        lines = [f"loaded {len(self.loaded)} tensors"]
        for key, theirs, ours in self.mismatched:
            lines.append(f"  skipped (shape {theirs} in file, {ours} in model): {key}")
        if self.missing:
            lines.append(f"  not in file, kept initialised: {', '.join(self.missing)}")
        if self.unexpected:
            lines.append(f"  in file but not in model, ignored: {', '.join(self.unexpected)}")
        return "\n".join(lines)


class CheckpointManager:
    """Saves and loads checkpoints in ``save_dir``.

    Args:
        save_dir: Output folder (``Global.save_model_dir``).
        keep_last_n: Keep only the newest N ``iter_epoch_*`` checkpoints (0 keeps all).
    """

    def __init__(self, save_dir: str | Path, keep_last_n: int = 0) -> None:
        self.save_dir = Path(save_dir)
        self.keep_last_n = keep_last_n

    def save(self, prefix: str, model: nn.Layer, optimizer: Any, state: TrainState) -> Path:
        """Write ``<save_dir>/<prefix>.{pdparams,pdopt,states}`` atomically; returns the prefix path."""
        self.save_dir.mkdir(parents=True, exist_ok=True)
        path = self.save_dir / prefix
        blobs = {".pdparams": _to_bytes(model.state_dict())}
        if optimizer is not None:
            blobs[".pdopt"] = _to_bytes(optimizer.state_dict())
        states = state.to_states()
        states["ppocr_lite_files"] = {ext: _digest(b) for ext, b in blobs.items()}
        blobs[".states"] = pickle.dumps(states, protocol=2)
        _write_all(path, blobs)
        for ext in (".pdopt", ".pdparams", ".states"):
            if ext in blobs:
                os.replace(f"{path}{ext}.tmp", f"{path}{ext}")
        _fsync_dir(self.save_dir)
        if prefix.startswith("iter_epoch_"):
            self._prune()
        return path

    def _prune(self) -> None:
        if self.keep_last_n <= 0:
            return
        # Stems of any of the three files, so what a crash mid-prune left is removed next time.
        found = sorted(
            {
                (int(m.group(1)), strip_suffix(p))
                for p in self.save_dir.glob("iter_epoch_*")
                if (m := re.fullmatch(r"iter_epoch_(\d+)\.(pdparams|pdopt|states)", p.name))
            }
        )
        for _, stem in found[: -self.keep_last_n]:
            # .pdparams first: once it is gone the prefix is no checkpoint at all, never
            # weights without their .states (which would resume as a fresh run).
            for ext in (".pdparams", ".pdopt", ".states"):
                Path(f"{stem}{ext}").unlink(missing_ok=True)

    @staticmethod
    def exists(path: str | Path) -> bool:
        """Whether a checkpoint (its .pdparams) exists at ``path`` (with or without suffix)."""
        prefix = strip_suffix(path)
        _recover(prefix)
        return Path(f"{prefix}.pdparams").is_file()

    @staticmethod
    def read_state(path: str | Path, main_indicator: str = "acc") -> TrainState:
        """The TrainState stored beside a checkpoint (a fresh one if there is no .states)."""
        prefix = strip_suffix(path)
        _recover(prefix)
        states_path = Path(f"{prefix}.states")
        if not states_path.is_file():
            return TrainState()
        return TrainState.from_states(read_states(states_path), main_indicator)

    def resume(
        self, path: str | Path, model: nn.Layer, optimizer: Any, main_indicator: str = "acc"
    ) -> TrainState:
        """Load model, optimizer and state to continue a run.

        Raises:
            ConfigError: if the checkpoint is missing.
            CheckpointError: if its files are damaged, untrusted, or do not belong together.
        """
        prefix = strip_suffix(path)
        states = verified_states(prefix)
        params = Path(f"{prefix}.pdparams")
        saved = load_paddle_file(params)
        weights, conversion = _fit(saved, model, params)
        check_head_size(weights, model, str(params), strict_keys=True)
        model.set_state_dict(weights)
        opt_path = Path(f"{prefix}.pdopt")
        if optimizer is not None and opt_path.is_file():
            load_optimizer_state(opt_path, list(saved), conversion, model, optimizer)
        _warn_fresh(prefix, optimizer is not None and not opt_path.is_file(), not states)
        return TrainState.from_states(states, main_indicator)

    @staticmethod
    def load_pretrained(path: str | Path, model: nn.Layer) -> LoadReport:
        """Load weights only; keys whose shapes differ are skipped and reported."""
        prefix = strip_suffix(path)
        params = Path(f"{prefix}.pdparams")
        if not params.is_file():
            raise ConfigError(f"Global.pretrained_model: {params} not found")
        weights, _ = _fit(load_paddle_file(params), model, params)
        return load_matching(weights, model)


def verified_states(prefix: Path) -> dict[str, Any]:
    """The ``.states`` of a checkpoint ({} without one) after checking its partners' digests.

    Raises:
        ConfigError: if ``<prefix>.pdparams`` does not exist.
        CheckpointError: if the ``.states`` is damaged or a partner does not match it.
    """
    _recover(prefix)
    params = Path(f"{prefix}.pdparams")
    if not params.is_file():
        raise ConfigError(
            f"Global.checkpoints: {params} not found (give the prefix, e.g. output/rec/latest)"
        )
    states = read_states(Path(f"{prefix}.states")) if Path(f"{prefix}.states").is_file() else {}
    for ext, want in (states.get("ppocr_lite_files") or {}).items():
        if _file_digest(Path(f"{prefix}{ext}")) != want:
            raise CheckpointError(
                f"{prefix}{ext} does not match {prefix}.states (a mixed or damaged set)"
            )
    return states


def _warn_fresh(prefix: Path, no_optimizer: bool, no_states: bool) -> None:
    # PaddleOCR's released models hold weights only: say what a resume cannot continue.
    fresh = ["optimizer moments (no .pdopt)"] if no_optimizer else []
    if no_states:
        fresh += ["step counter and LR schedule position, best metric (no .states)"]
    if fresh:
        logger.warning("resuming %s: starting afresh: %s", prefix, "; ".join(fresh))


def _fit(saved: Mapping[str, Any], model: nn.Layer, params: Path) -> tuple[dict, Conversion]:
    try:
        return fit_to_model(saved, model.state_dict(), str(params))
    except KeyError as exc:  # a Distillation file without the sub-model
        raise ConfigError(f"{params}: {exc}") from None


def load_matching(weights: Mapping[str, Any], model: nn.Layer) -> LoadReport:
    """Copy every tensor whose name and shape match into ``model``; report the rest."""
    report = LoadReport()
    own = model.state_dict()
    usable = {}
    for key, value in weights.items():
        if key not in own:
            report.unexpected.append(key)
        elif list(value.shape) != list(own[key].shape):
            report.mismatched.append((key, list(value.shape), list(own[key].shape)))
        else:
            usable[key] = value
            report.loaded.append(key)
    report.missing = [k for k in own if k not in weights]
    model.set_state_dict({**own, **usable})  # a full dict: nothing is left half-loaded
    return report


# Classifier weights of heads whose last layer is not the last ``head.*fc*.weight`` (PaddleOCR's
# names; the output axis is the last one). A MultiHead's guide decoder comes after its CTC branch
# and has ``fc`` layers of its own, so its CTC classifier is named explicitly.
CLASSIFIER_KEYS = (
    "head.ctc_head.fc2.weight",  # MultiHead, CTC branch with mid_channels
    "head.ctc_head.fc.weight",  # MultiHead, CTC branch
    "head.head.weight",  # ParseQHead: EOS + characters
)


def head_classes(weights: Mapping[str, Any]) -> int | None:
    """Number of classes of a saved head: the first of ``CLASSIFIER_KEYS`` present, else the
    last dim of the last ``head.*fc*.weight`` (CTCHead)."""
    for key in CLASSIFIER_KEYS:
        if key in weights:
            return int(weights[key].shape[-1])
    keys = [k for k in weights if k.startswith("head.") and k.endswith(".weight") and "fc" in k]
    return int(weights[keys[-1]].shape[-1]) if keys else None


def check_head_size(
    weights: Mapping[str, Any], model: nn.Layer, source: str, strict_keys: bool = False
) -> None:
    """Refuse a checkpoint whose head does not match the dictionary.

    Raises:
        ConfigError: with both sizes, and (``strict_keys``) with any parameter that is missing
            or shaped differently.
    """
    saved, ours = head_classes(weights), head_classes(model.state_dict())
    if saved is not None and ours is not None and saved != ours:
        raise ConfigError(
            f"{source}: the head predicts {saved} classes but the dictionary gives {ours} "
            "(check Global.character_dict_path / use_space_char; to start from these weights "
            "with another dictionary use Global.pretrained_model)"
        )
    if strict_keys:
        own = model.state_dict()
        bad = [k for k in own if k not in weights or list(weights[k].shape) != list(own[k].shape)]
        if bad:
            raise ConfigError(
                f"{source} does not fit the configured Architecture ({len(bad)} tensors missing or "
                f"shaped differently, e.g. {bad[:3]}); use Global.pretrained_model to load what fits"
            )
