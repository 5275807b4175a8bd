"""Optimizer builders named as in PaddleOCR's YAML.

Each builder is called as ``builder(named_parameters, learning_rate, weight_decay, grad_clip)``
with ``(structured name, Parameter)`` pairs; ``weight_decay`` is the ``regularizer:`` block's
regularizer or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import paddle

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import OPTIMIZERS


class _PaddleOptimizer:
    """Builds ``paddle_class`` from the YAML keys kept in ``self.kwargs``."""

    paddle_class: Any = None
    kwargs: dict[str, Any]

    def __call__(
        self,
        named_parameters: Sequence[tuple[str, Any]],
        learning_rate: Any,
        weight_decay: Any,
        grad_clip: Any,
    ) -> paddle.optimizer.Optimizer:
        return self.paddle_class(
            learning_rate,
            parameters=[p for _, p in named_parameters],
            weight_decay=weight_decay,
            grad_clip=grad_clip,
            **self.kwargs,
        )


@OPTIMIZERS.register()
class Adam(_PaddleOptimizer):
    """``paddle.optimizer.Adam`` with PaddleOCR's keys."""

    paddle_class = paddle.optimizer.Adam

    def __init__(
        self,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        lazy_mode: bool = False,
    ) -> None:
        self.kwargs = {"beta1": beta1, "beta2": beta2, "epsilon": epsilon, "lazy_mode": lazy_mode}


@OPTIMIZERS.register()
class Momentum(_PaddleOptimizer):
    """``paddle.optimizer.Momentum`` (SGD with momentum)."""

    paddle_class = paddle.optimizer.Momentum

    def __init__(self, momentum: float = 0.9, use_nesterov: bool = False) -> None:
        self.kwargs = {"momentum": momentum, "use_nesterov": use_nesterov}


def _decay_exclusions(
    named_parameters: Sequence[tuple[str, Any]], substrings: Sequence[str], one_dim: bool
) -> set[str]:
    # paddle's apply_decay_param_fun receives the parameter's automatic name ('linear_3.b_0'),
    # while the YAML names structured ones ('blocks1.0.norm1.weight'): map one to the other.
    return {
        param.name
        for name, param in named_parameters
        if any(s in name for s in substrings) or (one_dim and len(param.shape) == 1)
    }


@OPTIMIZERS.register()
class AdamW:
    """``paddle.optimizer.AdamW`` (decoupled weight decay) with PaddleOCR's keys.

    Args:
        beta1: First-moment decay.
        beta2: Second-moment decay.
        epsilon: Denominator guard.
        weight_decay: Decoupled decay coefficient (``Optimizer.regularizer`` is not used).
        no_weight_decay_name: Space-separated substrings; parameters whose structured name
            (``blocks1.0.norm1.weight``) contains one are not decayed, e.g. ``norm pos_embed``.
        one_dim_param_no_weight_decay: Do not decay 1-D parameters (biases, norm scales).
        multi_precision: Keep fp32 master weights (AMP O2).
        lazy_mode: Update only the rows of sparse gradients.
    """

    def __init__(
        self,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
        no_weight_decay_name: str | None = None,
        one_dim_param_no_weight_decay: bool = False,
        multi_precision: bool = False,
        lazy_mode: bool = False,
    ) -> None:
        if not isinstance(weight_decay, int | float) or weight_decay < 0:
            raise ConfigError(f"AdamW.weight_decay must be a number >= 0, got {weight_decay!r}")
        if no_weight_decay_name is not None and not isinstance(no_weight_decay_name, str):
            raise ConfigError(
                "AdamW.no_weight_decay_name must be a space-separated string such as "
                f"'norm pos_embed', got {no_weight_decay_name!r}"
            )
        self.weight_decay = float(weight_decay)
        self.no_decay_names = tuple((no_weight_decay_name or "").split())
        self.one_dim_no_decay = bool(one_dim_param_no_weight_decay)
        self.kwargs = {
            "beta1": beta1,
            "beta2": beta2,
            "epsilon": epsilon,
            "multi_precision": multi_precision,
            "lazy_mode": lazy_mode,
        }

    def __call__(
        self,
        named_parameters: Sequence[tuple[str, Any]],
        learning_rate: Any,
        weight_decay: Any,
        grad_clip: Any,
    ) -> paddle.optimizer.Optimizer:
        if weight_decay is not None:
            raise ConfigError(
                "Optimizer AdamW decays through its own weight_decay key; remove "
                "Optimizer.regularizer (per-layer decays such as CTCHead.fc_decay still apply)"
            )
        excluded = _decay_exclusions(named_parameters, self.no_decay_names, self.one_dim_no_decay)
        return paddle.optimizer.AdamW(
            learning_rate,
            parameters=[p for _, p in named_parameters],
            weight_decay=self.weight_decay,
            apply_decay_param_fun=lambda name: name not in excluded,
            grad_clip=grad_clip,
            **self.kwargs,
        )
