"""Batched recognition over any backend.

Images are decoded in a thread pool (OpenCV releases the GIL), sorted by aspect ratio and cut
into batches, so that each batch is about as wide as its lines.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.deploy.backends import Backend
from ppocr_lite.deploy.preprocess import (
    ImageInput,
    aspect_ratio,
    load_image,
    make_batch,
    plan_batches,
)
from ppocr_lite.deploy.spec import DeploySpec
from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.postprocess.ctc_decode import CTCLabelDecode

MAX_TIMINGS = 100_000


@dataclass(frozen=True)
class Recognition:
    """Text of one image and its confidence (mean probability of the kept CTC steps).

    ``text, score = recognition`` unpacks it. ``error`` says why an image could not be read
    (then ``text`` is empty and ``score`` 0).
    """

    text: str = ""
    score: float = 0.0
    error: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.text, self.score))

    def line(self, source: object) -> str:
        """``source<TAB>text<TAB>score`` (+ ``<TAB>error: ...``) and a newline."""
        error = f"\terror: {self.error}" if self.error else ""
        return f"{source}\t{self.text}\t{self.score:.6f}{error}\n"


@dataclass(frozen=True)
class BatchTiming:
    """Seconds spent on one batch (each stage measured on its own)."""

    size: int
    width: int
    preprocess: float
    inference: float
    decode: float


class RecPredictor:
    """Recognise lists of images with a backend.

    Args:
        backend: Anything with ``run((N, C, H, W)) -> (N, T, classes)``.
        spec: The deployment settings (preprocessing, space class).
        charset: Characters of the head's classes (after the blank).
        batch_size: Images per backend call.
        workers: Threads decoding the image files.
    """

    def __init__(
        self,
        backend: Backend,
        spec: DeploySpec,
        charset: Charset,
        batch_size: int = 16,
        workers: int = 2,
    ) -> None:
        if batch_size < 1 or workers < 1:
            raise ConfigError(f"batch_size and workers must be >= 1, got {batch_size}, {workers}")
        self.backend = backend
        self.spec = spec
        self.charset = charset
        self.batch_size = batch_size
        self.workers = workers
        # Bounded: a long-lived recognizer must not grow without end.
        self.timings: deque[BatchTiming] = deque(maxlen=MAX_TIMINGS)
        self._decoder: CTCLabelDecode | None = None

    def _decoder_for(self, num_classes: int) -> CTCLabelDecode:
        if self._decoder is None:
            charset = self.charset
            if len(charset) + 1 != num_classes and charset.chars[-1:] == (" ",):
                # A folder exported by PaddleOCR does not say whether the space was a class.
                charset = Charset(charset.chars[:-1], charset.lower, charset.source)
            if len(charset) + 1 != num_classes:
                raise ConfigError(
                    f"the model predicts {num_classes} classes but the dictionary "
                    f"({self.charset.source}) gives {len(self.charset) + 1} with the blank"
                )
            self._decoder = CTCLabelDecode(charset)
        return self._decoder

    def _load(self, item: ImageInput) -> np.ndarray | str:
        try:
            return load_image(item, self.spec.preprocess.img_mode)
        except DataError as exc:
            return str(exc)

    def predict(self, images: Sequence[ImageInput]) -> list[Recognition]:
        """Recognise ``images`` (paths, encoded bytes or BGR arrays), in input order.

        Unreadable images give a Recognition with ``error`` set; the rest are unaffected.
        Per-batch timings are appended to ``self.timings`` (the newest ``MAX_TIMINGS``).
        """
        results = [Recognition() for _ in images]
        with ThreadPoolExecutor(self.workers) as pool:
            loaded = list(pool.map(self._load, images))
        arrays = {i: img for i, img in enumerate(loaded) if isinstance(img, np.ndarray)}
        for i, img in enumerate(loaded):
            if isinstance(img, str):
                results[i] = Recognition(error=img)
        keys = list(arrays)
        for batch in plan_batches([aspect_ratio(arrays[k]) for k in keys], self.batch_size):
            index = [keys[j] for j in batch]
            for i, (text, score) in zip(index, self._run([arrays[i] for i in index]), strict=True):
                results[i] = Recognition(text, float(score))
        return results

    def _run(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
        # Resize and CTC decoding stay on this thread: for batches of a few lines a hand-off
        # to a pool costs more than the work (measured: x2 slower one line at a time).
        start = time.perf_counter()
        batch = make_batch(images, self.spec.preprocess)
        ran = time.perf_counter()
        probs = self.backend.run(batch)
        decoded = time.perf_counter()
        texts = self._decoder_for(int(probs.shape[-1]))(probs)
        end = time.perf_counter()
        timing = BatchTiming(
            len(images), int(batch.shape[-1]), ran - start, decoded - ran, end - decoded
        )
        self.timings.append(timing)
        return texts
