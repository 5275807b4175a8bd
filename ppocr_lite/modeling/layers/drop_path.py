"""Stochastic depth: drop a residual branch for whole samples while training."""

from __future__ import annotations

import paddle
from paddle import Tensor, nn


class DropPath(nn.Layer):
    """Zero the branch output of a random subset of samples and rescale the others.

    Dropping whole samples (not single values) is what makes deep residual stacks behave like
    an ensemble of shallower networks. Identity in eval mode or when ``drop_prob`` is 0.

    Args:
        drop_prob: Probability of dropping the branch for a sample.
    """

    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"DropPath.drop_prob must be in [0, 1), got {drop_prob}")
        self.drop_prob = float(drop_prob)

    def forward(self, x: Tensor) -> Tensor:
        """(N, ...) -> (N, ...), same shape."""
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep_prob = 1.0 - self.drop_prob
        shape = [x.shape[0]] + [1] * (x.ndim - 1)
        keep = paddle.floor(keep_prob + paddle.rand(shape, dtype=x.dtype))
        return x / keep_prob * keep
