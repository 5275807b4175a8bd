"""A head's classes: how many a saved head predicts, and carrying a trained head over to a new
dictionary, character by character."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class HeadTransfer:
    """What moved when the head was re-indexed for a new dictionary."""

    carried: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    tensors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for the log."""

        def show(chars: list[str]) -> str:
            text = "".join(chars[:60])
            return repr(text) + (f" (+{len(chars) - 60} more)" if len(chars) > 60 else "")

        return (
            f"head re-indexed by character ({', '.join(self.tensors)}): {len(self.carried)} carried, "
            f"{len(self.new)} new (initialised) {show(self.new)}, "
            f"{len(self.dropped)} dropped {show(self.dropped)}"
        )


def class_index(chars: Sequence[str]) -> dict[str, int]:
    """Character -> CTC class (blank is 0, so characters start at 1); the last duplicate wins."""
    return {c: i + 1 for i, c in enumerate(chars)}


def remap_head(
    weights: Mapping[str, Any],
    own: Mapping[str, Any],
    old_chars: Sequence[str],
    new_chars: Sequence[str],
) -> tuple[dict[str, Any], HeadTransfer]:
    """Re-index every ``head.*`` tensor whose last axis is the class axis.

    Args:
        weights: The pretrained state dict (old dictionary).
        own: The model's state dict (new dictionary), supplying initial values for new classes.
        old_chars: Characters of the pretrained model, in order.
        new_chars: Characters of the new dictionary, in order.

    Returns:
        A new state dict with the head tensors rewritten, and the report.
    """
    old_n, new_n = len(old_chars) + 1, len(new_chars) + 1
    old_index = class_index(old_chars)
    rows = [0] + [old_index.get(c, -1) for c in new_chars]  # blank maps to blank
    out, report = dict(weights), HeadTransfer()
    report.carried = [c for c in new_chars if c in old_index]
    report.new = [c for c in new_chars if c not in old_index]
    report.dropped = [c for c in old_chars if c not in set(new_chars)]
    for key, value in weights.items():
        if not key.startswith("head.") or key not in own:
            continue
        src, dst = np.asarray(value), np.array(own[key])
        if src.shape[-1] != old_n or dst.shape[-1] != new_n or src.shape[:-1] != dst.shape[:-1]:
            continue
        for j, i in enumerate(rows):
            if i >= 0:
                dst[..., j] = src[..., i]
        out[key] = dst
        report.tensors.append(key)
    return out, report


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
