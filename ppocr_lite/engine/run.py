"""Turn a validated config into a ready Trainer: build, resume or load weights, record config."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import paddle

from ppocr_lite.checkpoint.files import checkpoint_exists, read_state
from ppocr_lite.checkpoint.intact import resumable
from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.resolve import main_indicator, save_dir, second_indicator
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.check import check_data_at_start
from ppocr_lite.data.loader import build_dataloader
from ppocr_lite.data.workers import remove_dead_segments
from ppocr_lite.engine import distributed, schedule
from ppocr_lite.engine.amp import Amp
from ppocr_lite.engine.components import (
    Components,
    build_components,
    require_role,
    select_device,
)
from ppocr_lite.engine.logging import MetricsWriter, setup_logger
from ppocr_lite.engine.resume import (
    check_resume_compatible,
    record_config,
    reposition,
)
from ppocr_lite.engine.trainer import Trainer, TrainParts
from ppocr_lite.losses.base import Loss
from ppocr_lite.optim import build_optimizer
from ppocr_lite.registry import LOSSES
from ppocr_lite.utils.run_lock import acquire_run_lock

logger = logging.getLogger("ppocr_lite")


def _resume_path(gcfg: GlobalConfig) -> str | None:
    # A damaged checkpoint falls back to the newest intact iter_epoch_N beside it.
    if gcfg.checkpoints:
        return resumable(gcfg.checkpoints)
    latest = Path(save_dir(gcfg)) / "latest"
    if gcfg.auto_resume and checkpoint_exists(latest):
        logger.info("auto_resume: found %s", latest)
        return resumable(str(latest))
    return None


def _restore(
    parts: TrainParts, cfg: Mapping[str, Any], gcfg: GlobalConfig
) -> tuple[TrainState, list[str] | None]:
    """Resume (returns the config diff) or start fresh (diff None), optionally from weights."""
    charset = list(parts.components.charset.chars)
    path, model, diff = _resume_path(gcfg), parts.components.model, None
    if path:
        # Refuse a changed dictionary or architecture by name before touching any weights.
        check_resume_compatible(read_state(path), cfg, charset)
        state = parts.ckpt.resume(path, model, parts.bundle.optimizer, parts.main_indicator)
        diff = check_resume_compatible(state, cfg, charset)
        for line in diff:
            logger.info("config change: %s", line)
        old_lr = state.lr
        parts.bundle.scheduler.jump_to(state.global_step)
        logger.info(
            "resumed from %s: epoch %d, batch %d of it, global_step %d, best %s %.4f; "
            "lr %.6g -> %.6g",
            path,
            state.epoch,
            state.epoch_step,
            state.global_step,
            parts.main_indicator,
            state.best_metric,
            old_lr,
            parts.bundle.scheduler.get_lr(),
        )
    else:
        state = TrainState()
        if gcfg.pretrained_model:
            load_weights(model, gcfg.pretrained_model, purpose="pretrained", charset=charset)
    _, world_size = distributed.world()
    loader = parts.train_loader
    reposition(state, loader.cfg.batch_size_per_card * world_size, loader.batches_per_epoch())
    state.config, state.charset = dict(cfg), charset
    return state, diff


def _remove_dead_segments() -> None:
    removed, freed = remove_dead_segments()
    if removed:
        logger.info(
            "removed %d shared-memory segments (%.1f MB) left by dead loader processes",
            removed,
            freed / 2**20,
        )


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


def _build_model_side(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> tuple[Components, Loss]:
    """Model, post-process, metric and loss, built before any data is read: a value a
    constructor refuses ends the run at once, as a ConfigError naming its block."""
    # Global.seed fixes the initial weights: the same config trains the same model.
    paddle.seed(gcfg.seed)
    components = build_components(cfg, gcfg)
    return components, require_role(LOSSES.build(cfg["Loss"], "Loss"), Loss, "Loss")


def _build_parts(
    cfg: Mapping[str, Any],
    gcfg: GlobalConfig,
    out: Path,
    device: str,
    model_side: tuple[Components, Loss],
) -> TrainParts:
    rank, world_size = distributed.world()
    components, loss = model_side
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
        loss=loss,
        bundle=bundle,
        train_loader=train_loader,
        eval_loader=eval_loader,
        ckpt=CheckpointManager(out, gcfg.keep_last_n),
        writer=MetricsWriter(out / "metrics.jsonl" if rank == 0 else None, gcfg.use_visualdl),
        main_indicator=main,
        second_indicator=second_indicator(main),
        amp=amp,
        rank=rank,
    )


def prepare_training(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> Trainer:
    """Build everything for ``tools/train.py`` and return a Trainer positioned to start/resume."""
    rank, world_size = distributed.world()
    out = Path(save_dir(gcfg))
    if rank == 0:
        # Before the logger: a refused run must not append to the live run's train.log.
        acquire_run_lock(out)
    setup_logger(out / "train.log", rank)
    device = select_device(gcfg.use_gpu)
    if rank == 0:
        _remove_dead_segments()
    distributed.init(world_size)
    model_side = _build_model_side(cfg, gcfg)
    check_data_at_start(cfg, gcfg)  # a sample of Train/Eval, before the loaders start
    parts = _build_parts(cfg, gcfg, out, device, model_side)
    state, diff = _restore(parts, cfg, gcfg)
    if rank == 0:
        record_config(cfg, out, state, diff)
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
