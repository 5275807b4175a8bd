"""Turn a validated config into a ready Trainer: build, resume or load weights, record config."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppocr_lite.config.load import dump_config
from ppocr_lite.config.resolve import main_indicator, save_dir, second_indicator
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.loader import build_dataloader
from ppocr_lite.engine import distributed, schedule
from ppocr_lite.engine.amp import Amp
from ppocr_lite.engine.checkpoint import CheckpointManager
from ppocr_lite.engine.components import build_components, select_device
from ppocr_lite.engine.logging import MetricsWriter, setup_logger
from ppocr_lite.engine.state import TrainState
from ppocr_lite.engine.trainer import Trainer, TrainParts
from ppocr_lite.errors import ConfigError
from ppocr_lite.optim import build_optimizer
from ppocr_lite.registry import LOSSES

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
FROZEN_GLOBAL = ("character_dict_path", "use_space_char")


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
    frozen = [d for d in diff if d.split(".")[0] in FROZEN_SECTIONS]
    if old and frozen:
        raise ConfigError(
            "the architecture changed since the checkpoint:\n  "
            + "\n  ".join(frozen)
            + "\nA resume must keep it; to start a new run from these weights use Global.pretrained_model"
        )
    return diff


def _resume_path(gcfg: GlobalConfig) -> str | None:
    if gcfg.checkpoints:
        return gcfg.checkpoints
    latest = Path(save_dir(gcfg)) / "latest"
    if gcfg.auto_resume and CheckpointManager.exists(latest):
        logger.info("auto_resume: found %s", latest)
        return str(latest)
    return None


def _record_config(cfg: Mapping[str, Any], out: Path, state: TrainState, resumed: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    name = f"config_resume_{state.global_step}.yml" if resumed else "config.yml"
    target = out / name
    if not resumed and target.exists():
        target = out / f"config_{len(list(out.glob('config*.yml')))}.yml"
    target.write_text(dump_config(dict(cfg)), encoding="utf-8")
    logger.info("config written to %s", target)


def _restore(
    parts: TrainParts, cfg: Mapping[str, Any], gcfg: GlobalConfig
) -> tuple[TrainState, bool]:
    charset = list(parts.components.charset.chars)
    path = _resume_path(gcfg)
    model = parts.components.model
    if path:
        state = parts.ckpt.resume(path, model, parts.bundle.optimizer, parts.main_indicator)
        for line in check_resume_compatible(state, cfg, charset):
            logger.info("config change: %s", line)
        old_lr = state.lr
        parts.bundle.scheduler.jump_to(state.global_step)
        logger.info(
            "resumed from %s: epoch %d, step %d in epoch, global_step %d, best %s %.4f; lr %.6g -> %.6g",
            path,
            state.epoch,
            state.epoch_step,
            state.global_step,
            parts.main_indicator,
            state.best_metric,
            old_lr,
            parts.bundle.scheduler.get_lr(),
        )
        if state.epoch_step >= parts.train_loader.batches_per_epoch():
            state.epoch, state.epoch_step = (
                state.epoch + 1,
                0,
            )  # the batch size grew past the old position
        return _finish_state(state, cfg, charset), True
    if gcfg.pretrained_model:
        report = parts.ckpt.load_pretrained(gcfg.pretrained_model, model)
        logger.info("pretrained weights from %s: %s", gcfg.pretrained_model, report.summary())
    state = TrainState()
    _reposition(state, parts)
    return _finish_state(state, cfg, charset), False


def _reposition(state: TrainState, parts: TrainParts) -> None:
    """Keep the position in the epoch (in samples) when the batch size changed."""
    rank, world_size = distributed.world()
    now = parts.train_loader.cfg.batch_size_per_card * world_size
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
    if state.epoch_step >= parts.train_loader.batches_per_epoch():
        state.epoch, state.epoch_step = state.epoch + 1, 0


def _finish_state(state: TrainState, cfg: Mapping[str, Any], charset: list[str]) -> TrainState:
    state.config, state.charset = dict(cfg), charset
    return state


def _warn_schedule(gcfg: GlobalConfig, steps_per_epoch: int) -> None:
    total = steps_per_epoch * gcfg.epoch_num
    first = schedule.first_eval_step(*gcfg.eval_batch_step)
    if first > total:
        logger.warning(
            "Global.eval_batch_step %s: the first evaluation (step %d) comes after the end of the run "
            "(%d steps); best_accuracy will only be written by the final evaluation",
            list(gcfg.eval_batch_step),
            first,
            total,
        )
    if gcfg.save_batch_step > total:
        logger.warning(
            "Global.save_batch_step %d is longer than the run (%d steps)",
            gcfg.save_batch_step,
            total,
        )


def _build_parts(cfg: Mapping[str, Any], gcfg: GlobalConfig, out: Path, device: str) -> TrainParts:
    rank, world_size = distributed.world()
    components = build_components(cfg, gcfg)
    charset = components.charset
    train_loader = build_dataloader(cfg["Train"], "Train", charset, gcfg, rank, world_size)
    eval_loader = build_dataloader(cfg["Eval"], "Eval", charset, gcfg) if cfg.get("Eval") else None
    steps = train_loader.batches_per_epoch()
    bundle = build_optimizer(
        cfg["Optimizer"], components.model.named_parameters(), steps, gcfg.epoch_num
    )
    amp = Amp(gcfg.use_amp, gcfg.amp_level, gcfg.amp_dtype, device)
    components.model, bundle.optimizer = amp.decorate(components.model, bundle.optimizer)
    main = main_indicator(cfg)
    return TrainParts(
        cfg=dict(cfg),
        gcfg=gcfg,
        components=components,
        model=distributed.wrap(components.model, world_size),
        loss=LOSSES.build(cfg["Loss"], "Loss"),
        bundle=bundle,
        train_loader=train_loader,
        eval_loader=eval_loader,
        ckpt=CheckpointManager(out, gcfg.keep_last_n),
        writer=MetricsWriter(out / "metrics.jsonl" if rank == 0 else None),
        main_indicator=main,
        second_indicator=second_indicator(main),
        amp=amp,
        rank=rank,
    )


def prepare_training(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> Trainer:
    """Build everything for ``tools/train.py`` and return a Trainer positioned to start/resume."""
    rank, world_size = distributed.world()
    out = Path(save_dir(gcfg))
    setup_logger(out / "train.log", rank)
    device = select_device(gcfg.use_gpu)
    distributed.init(world_size)
    parts = _build_parts(cfg, gcfg, out, device)
    state, resumed = _restore(parts, cfg, gcfg)
    if rank == 0:
        _record_config(cfg, out, state, resumed)
    steps = parts.train_loader.batches_per_epoch()
    logger.info(
        "train: %d samples, %d batches/epoch, %d per step; metric options: %s",
        len(parts.train_loader.dataset),
        steps,
        parts.train_loader.cfg.batch_size_per_card * world_size,
        parts.components.metric.describe(),
    )
    _warn_schedule(gcfg, steps)
    return Trainer(parts, state)
