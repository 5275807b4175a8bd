"""Resumable, rank-aware batch sampling."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ppocr_lite.data.base import RecDataset, SampleKey


class ResumableBatchSampler:
    """Yields batches of SampleKey; the order is a pure function of (seed, epoch).

    Because the order does not depend on what ran before, a resumed run can start mid-epoch
    by skipping the batches it already trained on.

    Args:
        dataset: The dataset (supplies ``epoch_indices``).
        batch_size: Samples per batch on this rank.
        shuffle: Shuffle each epoch.
        drop_last: Drop a final partial batch.
        seed: Base seed of the shuffling.
        rank: This process's rank; ranks take interleaved batches.
        world_size: Number of ranks.
    """

    def __init__(
        self,
        dataset: RecDataset,
        batch_size: int,
        shuffle: bool,
        drop_last: bool,
        seed: int = 1024,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = 1
        self.skip_batches = 0

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        """Select the epoch to iterate and how many of its batches to skip (for resume)."""
        self.epoch = epoch
        self.skip_batches = skip_batches

    def _batches(self) -> list[np.ndarray]:
        indices = self.dataset.epoch_indices(self.epoch)
        if self.shuffle:
            indices = np.random.default_rng([self.seed, self.epoch]).permutation(indices)
        step = self.batch_size * self.world_size
        usable = len(indices) // step * step if self.drop_last else len(indices)
        batches = []
        for start in range(0, usable, step):
            chunk = indices[start : start + step]
            mine = chunk[self.rank * self.batch_size : (self.rank + 1) * self.batch_size]
            if len(mine):
                batches.append(mine)
        return batches

    def __iter__(self) -> Iterator[list[SampleKey]]:
        for batch in self._batches()[self.skip_batches :]:
            yield [SampleKey(int(i), self.epoch) for i in batch]

    def __len__(self) -> int:
        return max(0, len(self._batches()) - self.skip_batches)

    def batches_per_epoch(self) -> int:
        """Full number of batches in the current epoch (skips not subtracted)."""
        return len(self._batches())
