"""The one inference pipeline: images -> the config's Eval transforms (``preprocess.py``) ->
width-sorted batches -> any runner -> the registered post-process. No Paddle needed.

``tools/infer_rec.py``, ``tools/infer/predict_rec.py`` and ``TextRecognizer`` all recognise
through ``recognise``, so the same image, weights and settings give the same text and score as
``tools/eval.py`` (whose loader builds the same transforms).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from ppocr_lite.data.transforms.decode import image_header
from ppocr_lite.deploy.preprocess import Preprocess
from ppocr_lite.errors import DataError

# Images read (their bytes held in memory) at once; each chunk is sorted on its own.
CHUNK = 4096
DECODE_THREADS = 2
# Batches decoded ahead of the model: enough to cover the engine's start-up, few enough that a
# chunk of long lines is never held in memory at once.
AHEAD = 16

# A path, encoded file bytes, or a decoded array as OpenCV gives it: (H, W) gray, (H, W, 3) BGR
# or (H, W, 4) BGRA, uint8.
ImageInput = str | Path | bytes | np.ndarray
# One batch (N, C, H, W) float32 -> the model's output.
RunBatch = Callable[[np.ndarray], Any]
# Batches in, the model's outputs out, in the same order (lazily: one may be in flight while
# the next is stacked). ``per_batch`` makes one from a function of a single batch.
Runner = Callable[[Iterable[np.ndarray]], Iterable[Any]]
# The model's output of a batch -> one (text, score) per line.
Decode = Callable[[Any], Sequence[tuple[str, float]]]


def per_batch(run: RunBatch) -> Runner:
    """A Runner that calls ``run`` on each batch in turn."""
    return lambda batches: (run(batch) for batch in batches)


@dataclass(frozen=True)
class Recognition:
    """Text of one image and its score, or why the image could not be used (``error``; then
    ``text`` is empty and ``score`` 0). ``text, score = recognition`` unpacks it."""

    text: str = ""
    score: float = 0.0
    error: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.text, self.score))

    def line(self, source: object) -> str:
        """``source<TAB>text<TAB>score`` (or ``source<TAB><TAB>0<TAB>error: ...``), newline."""
        if self.error:
            return f"{source}\t\t0\terror: {self.error}\n"
        return f"{source}\t{self.text}\t{self.score:.6f}\n"


@dataclass(frozen=True)
class BatchTiming:
    """Seconds spent on one batch (each stage measured on its own)."""

    size: int
    width: int
    preprocess: float
    inference: float
    decode: float


def _read(item: ImageInput) -> bytes | np.ndarray | str:
    """The encoded bytes or the array, or why the item cannot be read."""
    if isinstance(item, np.ndarray):
        return item
    if isinstance(item, bytes | bytearray):
        return bytes(item)
    try:
        return Path(item).read_bytes()
    except OSError as exc:
        return f"unreadable: {exc}"


def _aspect(raw: bytes | np.ndarray) -> float:
    """Width / height (from the header of encoded bytes), which orders lines as a keep-ratio
    resize's widths do (unknown: last)."""
    if isinstance(raw, np.ndarray):
        return raw.shape[1] / max(raw.shape[0], 1) if raw.ndim >= 2 else float("inf")
    try:
        header = image_header(raw)
    except DataError:
        header = None
    return header[0] / max(header[1], 1) if header else float("inf")


def plan_batches(order: list[int], size: int) -> list[list[int]]:
    """``order`` cut into consecutive batches of at most ``size``, as even as possible (1,000
    lines at 32 give 8 x 32 + 24 x 31, not 31 x 32 + 8: no engine stream idles at the end)."""
    if not order:
        return []
    count = -(-len(order) // max(size, 1))
    base, extra = divmod(len(order), count)
    batches, start = [], 0
    for k in range(count):
        end = start + base + (k < extra)
        batches.append(order[start:end])
        start = end
    return batches


def _same_shape(good: list[tuple[int, np.ndarray]]) -> list[list[tuple[int, np.ndarray]]]:
    """The lines grouped by input shape. A line is never padded beside a wider one: the model
    would read the padding (a BiLSTM's output depends on it), and each line must give what it
    gives alone, as in PaddleOCR's infer_rec, which runs one image at a time. Only per-line
    widening (``RecResizeImg.infer_mode`` with a dictionary) makes shapes differ."""
    groups: dict[tuple[int, ...], list[tuple[int, np.ndarray]]] = {}
    for i, image in good:
        groups.setdefault(image.shape, []).append((i, image))
    return list(groups.values())


Loaded = tuple[list[np.ndarray | str], float]  # preprocessed lines and the seconds it took


def _decoded(
    pool: ThreadPoolExecutor, batches: list[list[int]], load: Callable[[list[int]], Loaded]
) -> Iterator[tuple[list[int], Loaded]]:
    """Each batch with ``load(batch)``, in order, computed by ``pool`` up to ``AHEAD`` batches
    before it is asked for."""
    jobs: deque[tuple[list[int], Future[Loaded]]] = deque()
    waiting = iter(batches)
    try:
        for index in islice(waiting, AHEAD):
            jobs.append((index, pool.submit(load, index)))
        while jobs:
            index, job = jobs.popleft()
            following = next(waiting, None)
            if following is not None:
                jobs.append((following, pool.submit(load, following)))
            yield index, job.result()
    finally:
        for _, job in jobs:  # an error or an early stop: decode no more
            job.cancel()


@dataclass
class Pipeline:
    """How to recognise: preprocessing, the model runner, decoding, batch size.

    Attributes:
        preprocess: The Eval transforms (``Preprocess``).
        run: Batches (N, C, H, W) float32 -> the model's outputs, in order.
        decode: One output -> (text, score) per line (the registered post-process).
        batch_size: Lines per model call.
        timings: When set, one ``BatchTiming`` is appended per batch.
    """

    preprocess: Preprocess
    run: Runner
    decode: Decode
    batch_size: int = 16
    timings: deque[BatchTiming] | None = None


def _timed(outputs: Iterable[Any], waits: list[float]) -> Iterator[tuple[Any, float]]:
    """Each output with the seconds the runner spent on it (less the wait for its batch)."""
    it = iter(outputs)
    while True:
        start = time.perf_counter()
        try:
            output = next(it)
        except StopIteration:
            return
        yield output, time.perf_counter() - start - (waits.pop(0) if waits else 0.0)


def _recognise_chunk(items: Sequence[ImageInput], pipe: Pipeline) -> list[Recognition]:
    results = [Recognition() for _ in items]
    raws = [_read(item) for item in items]
    readable = {i: raw for i, raw in enumerate(raws) if not isinstance(raw, str)}
    for i, raw in enumerate(raws):
        if isinstance(raw, str):
            results[i] = Recognition(error=raw)
    # Sorted by aspect ratio, so that lines widened to their own width meet lines of the same
    # width, and decoded by the pool while the model runs the batches before it.
    batches = plan_batches(sorted(readable, key=lambda i: _aspect(readable[i])), pipe.batch_size)

    def load(index: list[int]) -> Loaded:
        start = time.perf_counter()
        return pipe.preprocess.batch([readable[i] for i in index]), time.perf_counter() - start

    given: list[tuple[list[int], float, int]] = []  # each batch: its lines, seconds, width
    waits: list[float] = []  # each batch: seconds the runner waited for it

    def stacked(pool: ThreadPoolExecutor) -> Iterator[np.ndarray]:
        start = time.perf_counter()
        for index, (loaded, seconds) in _decoded(pool, batches, load):
            good = []
            for i, item in zip(index, loaded, strict=True):
                if isinstance(item, str):
                    results[i] = Recognition(error=item)
                else:
                    good.append((i, item))
            groups = _same_shape(good)
            for group in groups:
                batch = np.stack([im for _, im in group]).astype(np.float32, copy=False)
                share = seconds / len(groups)
                given.append(([i for i, _ in group], share, int(batch.shape[-1])))
                waits.append(time.perf_counter() - start)
                yield batch
                start = time.perf_counter()

    with ThreadPoolExecutor(DECODE_THREADS) as pool:
        for k, (output, seconds) in enumerate(_timed(pipe.run(stacked(pool)), waits)):
            start = time.perf_counter()
            index, prep, width = given[k]
            for i, (text, score) in zip(index, pipe.decode(output), strict=True):
                results[i] = Recognition(text, float(score))
            if pipe.timings is not None:
                spent = time.perf_counter() - start
                pipe.timings.append(BatchTiming(len(index), width, prep, seconds, spent))
    return results


def recognise(items: Sequence[ImageInput], pipe: Pipeline) -> Iterator[Recognition]:
    """Recognise paths, encoded bytes or BGR arrays, yielding results in input order; an
    unusable image gives a Recognition with ``error`` set.

    Images are read ``CHUNK`` at a time and cut into batches of similar aspect ratio; a thread
    pool decodes and preprocesses them (OpenCV releases the GIL) while ``pipe.run`` works on
    the batches before.
    """
    for first in range(0, len(items), CHUNK):
        yield from _recognise_chunk(items[first : first + CHUNK], pipe)
