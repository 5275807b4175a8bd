"""Running the recognizer on a batch: the ``Backend`` protocol that every engine implements
(this dygraph one, and Paddle Inference and onnxruntime in ``deploy``)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import paddle
from paddle import nn


class Backend(Protocol):
    """Runs the recognizer on one preprocessed batch."""

    def run(self, batch: np.ndarray) -> Any:
        """(N, C, H, W) float32 -> the model's output: (N, T, num_classes) probabilities for
        CTC (exported models), or what the head returns (dygraph), for the post-process."""
        ...


class DygraphBackend:
    """The recognizer itself, in eval mode, on Paddle's current device.

    Args:
        model: The recognizer, weights loaded.
    """

    def __init__(self, model: nn.Layer) -> None:
        model.eval()
        self.model = model

    def run(self, batch: np.ndarray | paddle.Tensor) -> Any:
        """(N, C, H, W) float32 -> the model's output (a Tensor becomes a NumPy array)."""
        x = batch if isinstance(batch, paddle.Tensor) else paddle.to_tensor(batch)
        with paddle.no_grad():
            out = self.model(x)
        return out.numpy() if isinstance(out, paddle.Tensor) else out
