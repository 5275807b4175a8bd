"""``CheckpointManager``: saves a run's checkpoints in PaddleOCR's layout and resumes from them.

PaddleOCR's names: ``best_accuracy``, ``latest`` and ``iter_epoch_N``, each a
``<prefix>.pdparams / .pdopt / .states`` set written atomically by ``files.write_checkpoint``.
"""

from __future__ import annotations

import io
import logging
import pickle
from pathlib import Path
from typing import Any

import paddle
from paddle import nn

from ppocr_lite.checkpoint.files import (
    MANIFEST,
    SUFFIXES,
    digest,
    epoch_checkpoints,
    strip_suffix,
    verified_states,
    write_checkpoint,
)
from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.checkpoint.optimizer import load_optimizer_state
from ppocr_lite.checkpoint.state import TrainState

logger = logging.getLogger("ppocr_lite")


def _to_bytes(obj: Any) -> bytes:
    buf = io.BytesIO()
    paddle.save(obj, buf)
    return buf.getvalue()


class CheckpointManager:
    """Saves checkpoints in ``save_dir`` and resumes from one.

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
        states[MANIFEST] = {ext: digest(b) for ext, b in blobs.items()}
        blobs[".states"] = pickle.dumps(states, protocol=2)
        write_checkpoint(path, blobs)
        if prefix.startswith("iter_epoch_"):
            self._prune()
        return path

    def _prune(self) -> None:
        if self.keep_last_n <= 0:
            return
        # Prefixes with any of the three files, so what a crash mid-prune left is removed next time.
        for stem in epoch_checkpoints(self.save_dir, SUFFIXES)[self.keep_last_n :]:
            # .pdparams first: once it is gone the prefix is no checkpoint at all, never
            # weights without their .states (which would resume as a fresh run).
            for ext in (".pdparams", ".pdopt", ".states"):
                Path(f"{stem}{ext}").unlink(missing_ok=True)

    def resume(
        self, path: str | Path, model: nn.Layer, optimizer: Any, main_indicator: str = "acc"
    ) -> TrainState:
        """Load model, optimizer and state to continue a run.

        Raises:
            ConfigError: if the checkpoint is missing or does not fit the model.
            CheckpointError: if its files are damaged, untrusted, or do not belong together.
        """
        prefix = strip_suffix(path)
        states = verified_states(prefix)
        report = load_weights(model, prefix, purpose="resume")
        opt_path = Path(f"{prefix}.pdopt")
        if optimizer is not None and opt_path.is_file():
            load_optimizer_state(opt_path, report.file_keys, report.conversion, model, optimizer)
        _warn_fresh(prefix, optimizer is not None and not opt_path.is_file(), not states)
        return TrainState.from_states(states, main_indicator)


def _warn_fresh(prefix: Path, no_optimizer: bool, no_states: bool) -> None:
    # PaddleOCR's released models hold weights only: say what a resume cannot continue.
    fresh = ["optimizer moments (no .pdopt)"] if no_optimizer else []
    if no_states:
        fresh += ["step counter and LR schedule position, best metric (no .states)"]
    if fresh:
        logger.warning("resuming %s: starting afresh: %s", prefix, "; ".join(fresh))
