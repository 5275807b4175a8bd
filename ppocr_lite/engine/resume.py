"""Resuming a run: config diff, refusal of model-changing edits, the position in the epoch."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import dump_config
from ppocr_lite.config.saved import SAVED_CONFIG, resume_config_name
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")


def config_diff(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Lines ``key: old -> new`` for every leaf that differs (dotted keys)."""
    lines = []
    for key in sorted(set(old) | set(new), key=str):
        path = f"{prefix}{key}"
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            lines += config_diff(a, b, path + ".")
        elif a != b:
            lines.append(f"{path}: {a!r} -> {b!r}")
    return lines


# Changing these changes the model's shape or meaning: a resume must refuse them.
FROZEN_SECTIONS = ("Architecture",)
# Keys inside those sections that only steer training (weight decay, learning-rate factors):
# the same weights fit, so changing them on resume is allowed (and shown in the diff).
TRAINING_ONLY_KEYS = frozenset({"fc_decay", "lr_mult_list"})


def _without_training_only(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _without_training_only(v) for k, v in value.items() if k not in TRAINING_ONLY_KEYS
        }
    if isinstance(value, list | tuple):
        return [_without_training_only(v) for v in value]
    return value


def check_resume_compatible(
    state: TrainState, cfg: Mapping[str, Any], charset: list[str]
) -> list[str]:
    """The config diff against the checkpoint's; raises when architecture or charset changed."""
    old = state.config or {}
    diff = config_diff(old, cfg) if old else []
    if state.charset and state.charset != charset:
        gone = [c for c in state.charset if c not in charset]
        new = [c for c in charset if c not in state.charset]
        raise ConfigError(
            f"the dictionary changed since the checkpoint ({len(state.charset)} -> {len(charset)} "
            f"characters; removed {gone[:20]}, added {new[:20]}"
            f"{', order changed' if not gone and not new else ''}). A resume must keep it: to "
            "start a new run from these weights use -o Global.pretrained_model=<checkpoint> instead"
        )
    shaped = config_diff(_without_training_only(old), _without_training_only(cfg)) if old else []
    frozen = [line for line in shaped if line.split(".")[0] in FROZEN_SECTIONS]
    if frozen:
        raise ConfigError(
            "the architecture changed since the checkpoint:\n  "
            + "\n  ".join(frozen)
            + "\nA resume must keep it; to start a new run from these weights use Global.pretrained_model"
        )
    return diff


def record_config(
    cfg: Mapping[str, Any], out: Path, state: TrainState, diff: list[str] | None
) -> None:
    """Save the resolved config: ``config.yml`` at the first launch (never overwritten), then
    ``config_resume_<step>.yml`` per resume, headed by the diff against the checkpoint's."""
    resumed = diff is not None
    out.mkdir(parents=True, exist_ok=True)
    name = resume_config_name(state.global_step) if resumed else SAVED_CONFIG
    target = out / name
    if not resumed and target.exists():
        target = out / f"config_{len(list(out.glob('config*.yml')))}.yml"
    header = "".join(f"# changed: {line}\n" for line in diff or [])
    target.write_text(header + dump_config(dict(cfg)), encoding="utf-8")
    logger.info("config written to %s", target)


def reposition(state: TrainState, samples_per_step: int, batches_per_epoch: int) -> None:
    """Keep the position in the epoch (in samples) when the batch size changed."""
    now = samples_per_step
    if state.samples_per_step and state.samples_per_step != now and state.epoch_step:
        done = state.epoch_step * state.samples_per_step
        state.epoch_step = done // now
        logger.info(
            "batch size %d -> %d: continuing after sample %d of epoch %d (batch %d)",
            state.samples_per_step,
            now,
            done,
            state.epoch,
            state.epoch_step,
        )
    state.samples_per_step = now
    if state.epoch_step >= batches_per_epoch:
        state.epoch, state.epoch_step = state.epoch + 1, 0
