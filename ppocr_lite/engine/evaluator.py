"""Evaluation over a loader."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable

from ppocr_lite.data.batch import Batch
from ppocr_lite.engine.backend import Backend
from ppocr_lite.engine.samples import SampleResult, batch_samples
from ppocr_lite.metrics.base import Metric
from ppocr_lite.postprocess.base import PostProcess

logger = logging.getLogger("ppocr_lite")


def target_texts(batch: Batch, postprocess: PostProcess) -> list[str]:
    """Ground-truth texts of a batch: its ``text`` field if kept, else the labels decoded by
    the post-process (which knows its label encoder's layout)."""
    if "text" in batch:
        return list(batch.text)
    return postprocess.target_texts(batch)


def evaluate(
    engine: Backend,
    loader: Iterable[Batch],
    postprocess: PostProcess,
    metric: Metric,
    samples: list[SampleResult] | None = None,
) -> dict[str, float]:
    """Run the model over ``loader`` and return the metric's figures plus ``fps``.

    Args:
        engine: Runs the recognizer on a batch's images (``DygraphBackend`` of the model in
            training, ``deploy.engine.checkpoint_engine`` in ``eval.py``).
        loader: Batches with ``image`` (N, C, H, W) and the targets.
        postprocess: Model output -> [(text, score), ...]; also decodes the targets.
        metric: Accumulates predicted against target texts.
        samples: When given, each line's result (and each skipped sample) is appended to it.

    Returns:
        The metric's figures, ``fps`` (images per second of wall time, loading included) and
        ``samples``.
    """
    metric.reset()
    count, start = 0, time.perf_counter()
    skipped: Counter[str] = Counter()
    for batch in loader:
        skipped.update(reason for reason, _, _ in batch.skipped)
        if batch.size == 0:
            if samples is not None:
                samples.extend(batch_samples(batch, [], []))
            continue
        preds = postprocess(engine.run(batch.image))
        targets = target_texts(batch, postprocess)
        metric.update([p[0] for p in preds], targets)
        if samples is not None:
            samples.extend(batch_samples(batch, preds, targets))
        count += batch.size
    figures = metric.get_metric()
    figures["fps"] = count / max(time.perf_counter() - start, 1e-9)
    figures["samples"] = float(count)
    figures["skipped"] = float(sum(skipped.values()))
    if skipped:
        logger.warning(
            "evaluation: %d bad samples left out (%s); run tools/check_data.py on the Eval set",
            sum(skipped.values()),
            ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items())),
        )
    return figures
