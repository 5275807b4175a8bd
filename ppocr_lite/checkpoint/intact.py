"""Pick a checkpoint to resume: the one asked for when intact, else the newest intact epoch one.

A ``latest`` torn by a full disk or copied half-way must not end a run that has good
``iter_epoch_N`` checkpoints beside it: they lose less work than starting again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ppocr_lite.checkpoint.files import (
    MANIFEST,
    epoch_checkpoints,
    strip_suffix,
    verified_states,
)
from ppocr_lite.checkpoint.safe_pickle import load_paddle_file
from ppocr_lite.errors import CheckpointError

logger = logging.getLogger("ppocr_lite")


def damage(prefix: Path) -> str | None:
    """Why the checkpoint at ``prefix`` cannot be resumed, or None when it can.

    With a ``.states`` the partners are checked against its digests; without one (PaddleOCR's
    files) they are read.

    Raises:
        ConfigError: if ``<prefix>.pdparams`` does not exist.
    """
    try:
        if not verified_states(prefix).get(MANIFEST):
            for ext in (".pdparams", ".pdopt"):
                if Path(f"{prefix}{ext}").is_file():
                    load_paddle_file(f"{prefix}{ext}")
    except CheckpointError as exc:
        return str(exc)
    return None


def resumable(path: str) -> str:
    """``path`` when it is intact, else the newest intact ``iter_epoch_N`` beside it (warned).

    Raises:
        CheckpointError: when ``path`` is damaged and no epoch checkpoint is intact.
    """
    prefix = strip_suffix(path)
    problem = damage(prefix)
    if problem is None:
        return path
    for candidate in epoch_checkpoints(prefix.parent):
        if candidate != prefix and damage(candidate) is None:
            logger.warning(
                "skipped damaged checkpoint %s (%s); resuming from %s instead",
                prefix,
                problem,
                candidate,
            )
            return str(candidate)
    raise CheckpointError(
        f"cannot resume: {problem}; no intact iter_epoch_* checkpoint in {prefix.parent} to "
        "fall back to (start afresh with a new Global.save_model_dir, or restore the file)"
    )
