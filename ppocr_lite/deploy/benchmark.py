"""Throughput and per-batch latency of a predictor run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ppocr_lite.deploy.pipeline import BatchTiming, ImageInput, Pipeline, Recognition, recognise

PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class BenchmarkSummary:
    """Figures of one run.

    Attributes:
        images: Images recognised.
        batches: Backend calls.
        seconds: Wall-clock time of the whole run (reading files to text).
        images_per_s: ``images / seconds``.
        inference_ms: Backend time per batch, {50: p50, 90: p90, 99: p99}.
        batch_ms: Preprocessing + backend + decoding per batch (stages overlap across batches,
            so this is a latency, not a share of the wall time).
        preprocess_ms: Mean preprocessing time per batch (image decoding and the Eval
            transforms, on the pool threads while the model runs earlier batches).
        mean_batch_size: Images per batch.
    """

    images: int
    batches: int
    seconds: float
    images_per_s: float
    inference_ms: dict[int, float]
    batch_ms: dict[int, float]
    preprocess_ms: float
    mean_batch_size: float

    def format(self) -> str:
        """A few lines for the console."""

        def pct(values: dict[int, float]) -> str:
            return ", ".join(f"p{p} {v:.2f}" for p, v in values.items())

        return "\n".join(
            [
                f"images: {self.images} in {self.seconds:.2f} s = {self.images_per_s:.1f} images/s "
                f"({self.batches} batches, {self.mean_batch_size:.1f} images per batch)",
                f"inference per batch (ms): {pct(self.inference_ms)}",
                f"preprocess + inference + decode per batch (ms): {pct(self.batch_ms)}; "
                f"preprocess mean {self.preprocess_ms:.2f}",
            ]
        )


def _percentiles(values: Sequence[float]) -> dict[int, float]:
    if not values:
        return {p: 0.0 for p in PERCENTILES}
    arr = np.asarray(values, dtype=np.float64) * 1000.0
    return {p: float(np.percentile(arr, p)) for p in PERCENTILES}


def summarize(timings: Sequence[BatchTiming], seconds: float) -> BenchmarkSummary:
    """Summarise the batch timings of a run that took ``seconds`` of wall time."""
    images = sum(t.size for t in timings)
    return BenchmarkSummary(
        images=images,
        batches=len(timings),
        seconds=seconds,
        images_per_s=images / seconds if seconds > 0 else 0.0,
        inference_ms=_percentiles([t.inference for t in timings]),
        batch_ms=_percentiles([t.preprocess + t.inference + t.decode for t in timings]),
        preprocess_ms=1000.0 * float(np.mean([t.preprocess for t in timings])) if timings else 0.0,
        mean_batch_size=images / len(timings) if timings else 0.0,
    )


def timed_run(
    pipeline: Pipeline, items: Sequence[ImageInput], warmup: int = 1
) -> tuple[list[Recognition], BenchmarkSummary]:
    """Recognise ``items`` (in chunks, each sorted by aspect ratio on its own) and time it.

    Args:
        pipeline: A recognizer's pipeline (``TextRecognizer.pipeline``), with ``timings``.
        items: Paths, bytes or arrays.
        warmup: Untimed batches run first (kernel selection and caches).

    Returns:
        The results in order and the summary of the timed part.
    """
    if pipeline.timings is None:
        raise ValueError("timed_run needs a pipeline that records timings")
    for _ in range(warmup):
        list(recognise(items[: pipeline.batch_size], pipeline))
    pipeline.timings.clear()
    start = time.perf_counter()
    results = list(recognise(items, pipeline))
    return results, summarize(pipeline.timings, time.perf_counter() - start)
