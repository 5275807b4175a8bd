"""Automatic mixed precision as one small object the training step calls."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import paddle
from paddle import nn

logger = logging.getLogger("ppocr_lite")


class Amp:
    """Autocast + loss scaling when enabled on a GPU; plain fp32 otherwise.

    Args:
        enabled: ``Global.use_amp``.
        level: ``O1`` (per-op casting) or ``O2`` (fp16/bf16 weights with fp32 master copies).
        dtype: ``float16`` or ``bfloat16`` (bfloat16 needs no loss scaling).
        device: The Paddle device in use; AMP on the CPU is turned off with a warning.
    """

    def __init__(
        self, enabled: bool, level: str = "O1", dtype: str = "float16", device: str = "cpu"
    ) -> None:
        self.enabled = enabled and device.startswith("gpu")
        if enabled and not self.enabled:
            logger.warning(
                "Global.use_amp is on but training runs on %s: AMP is off (fp32)", device
            )
        self.level, self.dtype = level, dtype
        use_scaler = self.enabled and dtype == "float16"
        self.scaler = paddle.amp.GradScaler(init_loss_scaling=2.0**15) if use_scaler else None

    def decorate(self, model: nn.Layer, optimizer: Any) -> tuple[nn.Layer, Any]:
        """O2 keeps low-precision weights: let Paddle convert model and optimizer once."""
        if self.enabled and self.level == "O2":
            return paddle.amp.decorate(
                models=model, optimizers=optimizer, level="O2", dtype=self.dtype
            )
        return model, optimizer

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        """Forward and loss under autocast (a no-op when disabled)."""
        if not self.enabled:
            yield
            return
        with paddle.amp.auto_cast(level=self.level, dtype=self.dtype):
            yield

    def backward_and_step(self, loss: paddle.Tensor, optimizer: Any) -> None:
        """Backward (scaled for fp16), optimizer step, zero the gradients."""
        if self.scaler is None:
            loss.backward()
            optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.step(optimizer)
            self.scaler.update()
        optimizer.clear_grad()
