"""Batches with their own input size (PaddleOCR's ``MultiScaleSampler``), resumable.

A fixed 3 x 48 x 320 input squashes every line wider than 320 / 48 = 6.7 : 1. With
``ds_width: true`` lines are grouped by aspect ratio and each batch is resized to the width its
widest line needs (up to ``max_w``), so long lines keep their shape and short ones carry little
padding; the aspect ratios come from the image headers, read once on first use (1,500 lines in
0.1 s from LMDB). Without it, batches cycle through the fixed ``scales`` as in PaddleOCR.

The sampler hands every sample its batch's (height, width) in ``SampleKey.target_hw``; the resize
op (``RecResizeImg`` / ``SVTRRecResizeImg``) reads it from ``data["target_hw"]``, so collate
stacks equal sizes. Only models that accept any input width can use it (CRNN, PP-OCRv3/v4
LCNet); SVTRNet's position embedding fixes its input size.
"""

from __future__ import annotations

import logging
import math
import struct
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ppocr_lite.data.base import RecDataset, SampleKey
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import SAMPLERS

logger = logging.getLogger("ppocr_lite")

# Shuffled samples are sorted by aspect ratio within pools of this many batches: batches get
# similar widths, yet their make-up still changes every epoch (a global sort would freeze it).
POOL_BATCHES = 32
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class SamplerContext:
    """What the loader hands a batch sampler besides its own YAML block."""

    dataset: RecDataset
    batch_size: int
    shuffle: bool
    drop_last: bool
    seed: int
    rank: int = 0
    world_size: int = 1


@dataclass(frozen=True)
class PlannedBatch:
    """Dataset indices of one batch and the (height, width) they are resized to."""

    indices: np.ndarray
    height: int
    width: int


def image_size(buf: bytes) -> tuple[int, int] | None:
    """(height, width) read from a PNG or baseline/progressive JPEG header, else None.

    EXIF orientation is not applied (text-line images rarely carry it).
    """
    if buf[:8] == b"\x89PNG\r\n\x1a\n" and len(buf) >= 24:
        width, height = struct.unpack(">II", buf[16:24])
        return int(height), int(width)
    if buf[:2] != b"\xff\xd8":
        return None
    pos = 2
    while pos + 9 <= len(buf):
        if buf[pos] != 0xFF:
            return None
        marker = buf[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
        elif marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", buf[pos + 5 : pos + 9])
            return int(height), int(width)
        else:
            pos += 2 + struct.unpack(">H", buf[pos + 2 : pos + 4])[0]
    return None


def aspect_ratios(dataset: RecDataset, default: float) -> np.ndarray:
    """Width / height of every stored image, from headers (other formats are decoded).

    Unreadable images get ``default``; the dataset reports them when they are loaded.
    """
    ratios = np.full(len(dataset), default, dtype=np.float32)
    for index in range(len(dataset)):
        buf = dataset.read(index).image
        size = image_size(buf)
        if size is None and buf:
            img = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_UNCHANGED)
            size = img.shape[:2] if img is not None else None
        if size is not None and min(size) > 0:
            ratios[index] = size[1] / size[0]
    return ratios


def _scale_pairs(scales: Sequence[Any], factor: tuple[int, int]) -> list[tuple[int, int]]:
    """PaddleOCR's ``scales`` ([w, h] pairs or square ints) as (h, w) rounded down to ``factor``."""
    pairs = []
    for item in scales:
        w, h = (item, item) if isinstance(item, int) else item
        h, w = int(h) // factor[1] * factor[1], int(w) // factor[0] * factor[0]
        if h <= 0 or w <= 0:
            raise ConfigError(f"MultiScaleSampler.scales: {item} rounds to zero by {factor}")
        pairs.append((h, w))
    return pairs


@SAMPLERS.register()
class MultiScaleSampler:
    """Batch sampler with per-batch input sizes; the order is a pure function of (seed, epoch).

    YAML (``Train.sampler``), PaddleOCR's keys; ``batch_size_per_card``, ``shuffle`` and
    ``drop_last`` come from ``Train.loader``::

        sampler: {name: MultiScaleSampler, scales: [[320, 48]], ds_width: true, max_w: 640}

    Args:
        context: Dataset, loader settings and rank (injected by the loader).
        scales: [w, h] sizes; each batch takes one (ratio-aware width when ``ds_width``).
        first_bs: Batch size of the first scale (default ``batch_size_per_card``).
        fix_bs: Same batch size at every size; else it shrinks with the image area.
        divided_factor: [w, h] multiples the sizes are rounded to (the model's strides).
        is_training: False uses the first scale only, in order (evaluation).
        ds_width: Width from the lines' aspect ratios; by default the dataset's ``ds_width``
            (where PaddleOCR sets it: ``MultiScaleDataSet``), else False.
        max_w: Widest batch with ``ds_width``.
        ratio_wh: Accepted for PaddleOCR configs; unused (as in PaddleOCR).
        seed: Shuffling seed (default ``Global.seed``).

    Raises:
        ConfigError: on bad sizes or when no resize op would apply the sizes.
    """

    def __init__(
        self,
        context: SamplerContext,
        scales: Sequence[Any] = ((320, 48),),
        first_bs: int | None = None,
        fix_bs: bool = True,
        divided_factor: Sequence[int] = (8, 16),
        is_training: bool = True,
        ds_width: bool | None = None,
        max_w: float = 480.0,
        ratio_wh: float | None = None,
        seed: int | None = None,
    ) -> None:
        del ratio_wh
        if ds_width is None:
            ds_width = context.dataset.ds_width
        if not any(isinstance(op, RecResizeImg) for op in context.dataset.ops):
            raise ConfigError(
                "MultiScaleSampler sets each batch's size through the resize op: add "
                "RecResizeImg (or SVTRRecResizeImg) to the dataset transforms"
            )
        if ds_width and any(op.ext_data_num for op in context.dataset.ops):
            logger.warning(
                "MultiScaleSampler(ds_width): RecConAug widens lines after the batch width is "
                "chosen, so the widened lines are squashed to it; consider dropping RecConAug"
            )
        self.factor = (int(divided_factor[0]), int(divided_factor[1]))
        self.pairs = _scale_pairs(scales, self.factor)[: None if is_training else 1]
        self.first_bs = int(first_bs or context.batch_size)
        self.fix_bs = fix_bs
        self.ds_width = ds_width
        self.max_w = max(self.factor[0], int(max_w) // self.factor[0] * self.factor[0])
        self.ctx = context
        self.shuffle = context.shuffle and is_training
        self.seed = context.seed if seed is None else int(seed)
        self.epoch, self.skip_batches = 1, 0
        self._ratios: np.ndarray | None = None
        self._cache: tuple[int, list[PlannedBatch]] | None = None

    # -- the plan: pure functions of (seed, epoch) ------------------------------------------
    def _batch_size(self, height: int, width: int) -> int:
        if self.fix_bs:
            return self.first_bs
        h0, w0 = self.pairs[0]
        return max(1, self.first_bs * h0 * w0 // (height * width))

    def _ratio_width(self, ratios: np.ndarray, height: int) -> int:
        # The widest line of the batch decides: nothing narrower than max_w is squashed.
        width = math.ceil(height * float(ratios.max()) / self.factor[0]) * self.factor[0]
        return int(min(self.max_w, max(width, height)))

    def _order(self, rng: np.random.Generator) -> np.ndarray:
        indices = self.ctx.dataset.epoch_indices(self.epoch)
        if self.shuffle:
            indices = rng.permutation(indices)
        if not self.ds_width:
            return indices
        ratios = self.ratios()[indices]
        pool = POOL_BATCHES * self.first_bs if self.shuffle else len(indices)
        parts = [
            indices[s : s + pool][np.argsort(ratios[s : s + pool], kind="stable")]
            for s in range(0, len(indices), pool)
        ]
        return np.concatenate(parts) if parts else indices

    def _plan(self) -> list[PlannedBatch]:
        rng = np.random.default_rng([self.seed, self.epoch, 11])
        order = self._order(rng)
        pairs = list(self.pairs)
        if self.shuffle:
            pairs = [pairs[i] for i in rng.permutation(len(pairs))]
        batches, pos = [], 0
        while pos < len(order):
            height, width = pairs[len(batches) % len(pairs)]
            size = self._batch_size(height, width)
            if self.ds_width:
                width = self._ratio_width(self.ratios()[order[pos : pos + size]], height)
                size = min(size, self._batch_size(height, width))
                width = self._ratio_width(self.ratios()[order[pos : pos + size]], height)
            chunk = order[pos : pos + size]
            pos += size
            if len(chunk) == size or not self.ctx.drop_last:
                batches.append(PlannedBatch(chunk, height, width))
        if self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        # Every rank takes the same number of steps (gradients are synchronised per step).
        ranks = self.ctx.world_size
        return batches[self.ctx.rank : len(batches) // ranks * ranks : ranks]

    def plan(self) -> list[PlannedBatch]:
        """All batches of the current epoch on this rank (skips not applied)."""
        if self._cache is None or self._cache[0] != self.epoch:
            self._cache = (self.epoch, self._plan())
        return self._cache[1]

    def ratios(self) -> np.ndarray:
        """Aspect ratios of the stored images, read once (headers only) and kept."""
        if self._ratios is None:
            start = time.perf_counter()
            h0, w0 = self.pairs[0]
            self._ratios = aspect_ratios(self.ctx.dataset, w0 / h0)
            logger.info(
                "MultiScaleSampler: read the sizes of %d images in %.1f s",
                len(self._ratios),
                time.perf_counter() - start,
            )
        return self._ratios

    # -- the batch-sampler interface of ResumableBatchSampler --------------------------------
    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        """Select the epoch to iterate and how many of its batches to skip (for resume)."""
        self.epoch, self.skip_batches = epoch, skip_batches

    def __iter__(self) -> Iterator[list[SampleKey]]:
        for batch in self.plan()[self.skip_batches :]:
            size = (batch.height, batch.width)
            yield [SampleKey(int(i), self.epoch, size) for i in batch.indices]

    def __len__(self) -> int:
        return max(0, len(self.plan()) - self.skip_batches)

    def batches_per_epoch(self) -> int:
        """Full number of batches in the current epoch (skips not subtracted)."""
        return len(self.plan())
