"""Build optimizer + LR schedule from the ``Optimizer`` section."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import paddle

from ppocr_lite.errors import ConfigError
from ppocr_lite.optim.lr import LRFunction, StepLR
from ppocr_lite.registry import LR_SCHEDULERS, OPTIMIZERS

# Keys of the Optimizer section handled here rather than by the optimizer class.
SHARED_KEYS = ("lr", "regularizer", "clip_norm", "clip_norm_global", "grad_clip")


@dataclass
class OptimizerBundle:
    """The optimizer and its schedule (the schedule is a pure function of the step)."""

    optimizer: paddle.optimizer.Optimizer
    scheduler: StepLR
    lr_fn: LRFunction


def _regularizer(block: Mapping[str, Any] | None) -> Any:
    if not block:
        return None
    name, factor = block.get("name"), block.get("factor", 0.0)
    if name not in ("L2", "L1"):
        raise ConfigError(f"Optimizer.regularizer.name must be L2 or L1, got {name!r}")
    if not isinstance(factor, int | float) or factor < 0:
        raise ConfigError(f"Optimizer.regularizer.factor must be a number >= 0, got {factor!r}")
    cls = paddle.regularizer.L2Decay if name == "L2" else paddle.regularizer.L1Decay
    return cls(float(factor))


def _grad_clip(section: Mapping[str, Any]) -> Any:
    norm = section.get("clip_norm_global") or section.get("clip_norm")
    if norm is None:
        return None
    if not isinstance(norm, int | float) or norm <= 0:
        raise ConfigError(f"Optimizer.clip_norm must be a positive number, got {norm!r}")
    return paddle.nn.ClipGradByGlobalNorm(float(norm))


def split_section(section: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split Optimizer into (optimizer block, LR block), checking both against the registry."""
    if not section or "name" not in section:
        raise ConfigError("Optimizer needs a 'name:' (Adam, AdamW, Momentum)")
    opt_block = {k: v for k, v in section.items() if k not in SHARED_KEYS}
    lr_block = dict(section.get("lr") or {"name": "Const", "learning_rate": 0.001})
    if "name" not in lr_block:
        lr_block["name"] = "Const"
    OPTIMIZERS.check(opt_block, "Optimizer")
    LR_SCHEDULERS.check(lr_block, "Optimizer.lr")
    return opt_block, lr_block


def build_lr_fn(section: Mapping[str, Any], step_each_epoch: int, epochs: int) -> LRFunction:
    """The ``step -> lr`` function of the Optimizer section."""
    _, lr_block = split_section(section)
    return LR_SCHEDULERS.build(lr_block, "Optimizer.lr")(step_each_epoch, epochs)


def _named(parameters: Iterable[Any]) -> list[tuple[str, Any]]:
    # Plain Parameters (e.g. ``layer.parameters()``) fall back to their automatic names.
    return [item if isinstance(item, tuple) else (item.name, item) for item in parameters]


def build_optimizer(
    section: Mapping[str, Any],
    named_parameters: Iterable[tuple[str, Any]] | Iterable[Any],
    step_each_epoch: int,
    epochs: int,
    start_step: int = 0,
) -> OptimizerBundle:
    """Build the optimizer for the model's parameters.

    Args:
        section: The ``Optimizer`` block (not modified).
        named_parameters: ``model.named_parameters()``: (structured name, Parameter) pairs, the
            names that ``AdamW.no_weight_decay_name`` matches. Plain Parameters are accepted
            too (their automatic names, e.g. ``linear_0.w_0``, are then matched).
        step_each_epoch: Batches per epoch (sets warmup and decay lengths).
        epochs: ``Global.epoch_num``.
        start_step: Global step to start the schedule at (resume).
    """
    opt_block, _ = split_section(section)
    lr_fn = build_lr_fn(section, step_each_epoch, epochs)
    scheduler = StepLR(lr_fn, start_step)
    factory = OPTIMIZERS.build(opt_block, "Optimizer")
    optimizer = factory(
        _named(named_parameters),
        scheduler,
        _regularizer(section.get("regularizer")),
        _grad_clip(section),
    )
    return OptimizerBundle(optimizer, scheduler, lr_fn)
