"""Optimizer builders named as in PaddleOCR's YAML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import paddle

from ppocr_lite.registry import OPTIMIZERS


@OPTIMIZERS.register()
class Adam:
    """``paddle.optimizer.Adam`` with PaddleOCR's keys."""

    def __init__(
        self,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        lazy_mode: bool = False,
    ) -> None:
        self.kwargs = {"beta1": beta1, "beta2": beta2, "epsilon": epsilon, "lazy_mode": lazy_mode}

    def __call__(
        self, parameters: Sequence[Any], learning_rate: Any, weight_decay: Any, grad_clip: Any
    ) -> paddle.optimizer.Optimizer:
        return paddle.optimizer.Adam(
            learning_rate,
            parameters=parameters,
            weight_decay=weight_decay,
            grad_clip=grad_clip,
            **self.kwargs,
        )


@OPTIMIZERS.register()
class Momentum:
    """``paddle.optimizer.Momentum`` (SGD with momentum)."""

    def __init__(self, momentum: float = 0.9, use_nesterov: bool = False) -> None:
        self.kwargs = {"momentum": momentum, "use_nesterov": use_nesterov}

    def __call__(
        self, parameters: Sequence[Any], learning_rate: Any, weight_decay: Any, grad_clip: Any
    ) -> paddle.optimizer.Optimizer:
        return paddle.optimizer.Momentum(
            learning_rate,
            parameters=parameters,
            weight_decay=weight_decay,
            grad_clip=grad_clip,
            **self.kwargs,
        )
