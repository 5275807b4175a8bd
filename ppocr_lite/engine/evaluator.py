"""Evaluation over a loader."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import paddle
from paddle import nn

from ppocr_lite.data.batch import Batch


def target_texts(batch: Batch, charset: Any) -> list[str]:
    """Ground-truth texts of a batch: the ``text`` field if kept, else decoded labels."""
    if "text" in batch:
        return list(batch.text)
    labels, lengths = batch.label.numpy(), batch.length.numpy()
    return [
        charset.decode(row[:n].tolist(), offset=1) for row, n in zip(labels, lengths, strict=True)
    ]


def evaluate(
    model: nn.Layer, loader: Iterable[Batch], postprocess: Any, metric: Any
) -> dict[str, float]:
    """Run the model over ``loader`` and return the metric's figures plus ``fps``.

    Runs under ``paddle.no_grad`` in eval mode and restores the previous mode.
    """
    was_training = model.training
    model.eval()
    metric.reset()
    count, start = 0, time.perf_counter()
    try:
        with paddle.no_grad():
            for batch in loader:
                preds = postprocess(model(batch.image).numpy())
                metric.update([p[0] for p in preds], target_texts(batch, postprocess.charset))
                count += batch.size
    finally:
        if was_training:
            model.train()
    figures = metric.get_metric()
    figures["fps"] = count / max(time.perf_counter() - start, 1e-9)
    figures["samples"] = float(count)
    return figures
