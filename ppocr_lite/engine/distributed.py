"""Thin wrappers over paddle.distributed (launched with ``python -m paddle.distributed.launch``)."""

from __future__ import annotations

import os

import paddle
from paddle import nn


def world() -> tuple[int, int]:
    """(rank, world_size) of this process; (0, 1) when not launched distributed."""
    size = int(os.environ.get("PADDLE_TRAINERS_NUM", "1"))
    rank = int(os.environ.get("PADDLE_TRAINER_ID", "0"))
    return rank, size


def init(world_size: int) -> None:
    """Initialise the process group when more than one process takes part."""
    if world_size > 1:
        paddle.distributed.init_parallel_env()


def wrap(model: nn.Layer, world_size: int) -> nn.Layer:
    """Data-parallel wrapper (gradients all-reduced) when distributed, else the model itself."""
    return paddle.DataParallel(model) if world_size > 1 else model


def max_over_ranks(value: int) -> int:
    """The largest ``value`` over all ranks (a collective: every rank must call it together)."""
    tensor = paddle.to_tensor([value], dtype="int32")
    paddle.distributed.all_reduce(tensor, op=paddle.distributed.ReduceOp.MAX)
    return int(tensor.item())
