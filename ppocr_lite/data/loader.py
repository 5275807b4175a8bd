"""Build the train / eval data loaders from a ``Train`` or ``Eval`` section."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import paddle
from paddle.io import DataLoader, Dataset

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.base import RecDataset
from ppocr_lite.data.batch import Batch, make_collate
from ppocr_lite.data.sampler import ResumableBatchSampler
from ppocr_lite.data.transforms import build_transforms
from ppocr_lite.data.width_sampler import MultiScaleSampler, SamplerContext
from ppocr_lite.data.workers import init_worker, stop_signals_blocked
from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.registry import DATASETS, SAMPLERS, did_you_mean

logger = logging.getLogger("ppocr_lite")

LOADER_KEYS = ("shuffle", "drop_last", "batch_size_per_card", "num_workers", "use_shared_memory")
PADDLEOCR_LOADER_KEYS = ("collate_fn", "max_ratio", "seed")


@dataclass(frozen=True)
class LoaderConfig:
    """The ``loader:`` block of Train / Eval."""

    batch_size_per_card: int = 64
    shuffle: bool = False
    drop_last: bool = False
    num_workers: int = 0
    use_shared_memory: bool = True


def parse_loader(block: Mapping[str, Any] | None, where: str) -> LoaderConfig:
    """Validate a ``loader`` block: known keys and types.

    Raises:
        ConfigError: on an unknown key (with the closest valid one) or a wrong type/value.
    """
    block = dict(block or {})
    ignored = [k for k in block if k in PADDLEOCR_LOADER_KEYS]
    for key in block:
        if key not in LOADER_KEYS and key not in PADDLEOCR_LOADER_KEYS:
            raise ConfigError(f"unknown key '{where}.{key}'{did_you_mean(key, LOADER_KEYS)}")
    if ignored:
        logger.warning("%s: ignoring PaddleOCR keys %s", where, ", ".join(ignored))
    values = {k: v for k, v in block.items() if k in LOADER_KEYS}
    for key in ("batch_size_per_card", "num_workers"):
        if key in values and (not isinstance(values[key], int) or isinstance(values[key], bool)):
            raise ConfigError(f"{where}.{key} must be an integer, got {values[key]!r}")
    for key in ("shuffle", "drop_last", "use_shared_memory"):
        if key in values and not isinstance(values[key], bool):
            raise ConfigError(f"{where}.{key} must be true or false, got {values[key]!r}")
    cfg = LoaderConfig(**values)
    if cfg.batch_size_per_card <= 0 or cfg.num_workers < 0:
        raise ConfigError(f"{where}: batch_size_per_card must be > 0 and num_workers >= 0")
    return cfg


def build_dataset(
    section: Mapping[str, Any], where: str, charset: Charset, gcfg: GlobalConfig
) -> RecDataset:
    """Build the dataset of a Train/Eval section with its transforms."""
    block = dict(section.get("dataset") or {})
    if "name" not in block:
        raise ConfigError(f"{where}.dataset needs a 'name:' (e.g. LMDBDataSet)")
    ops = build_transforms(
        block.pop("transforms", None) or [],
        f"{where}.dataset.transforms",
        charset=charset,
        max_text_length=gcfg.max_text_length,
        character_dict_path=gcfg.character_dict_path,
    )
    dataset = DATASETS.build(
        block, f"{where}.dataset", transforms=ops, seed=gcfg.seed, bad_sample=gcfg.bad_sample
    )
    dataset.replace_bad = where == "Train"
    return dataset


class _ErrorsAsData(Dataset):
    """The dataset as the loader reads it: a DataError comes back as data, not as an exception.

    Paddle re-raises a worker's exception in a reader thread of the main process, which then
    fails with a bare "Blocking queue is killed"; carried as data, the error reaches
    :class:`TextLineLoader`, which raises it in the training loop with its message and reason.
    """

    def __init__(self, dataset: RecDataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Any) -> dict[str, Any]:
        try:
            return self.dataset[key]
        except DataError as exc:
            return {"fields": None, "skipped": [], "error": [exc.reason, str(exc)]}


def _shut_down(items: Any, timeout: float = 10.0) -> None:
    """Stop the workers of an epoch's Paddle iterator, also one left mid-epoch (a stop, an error).

    Paddle shuts them down only when the iterator is garbage-collected, and its reader thread
    keeps it alive; left to interpreter exit, the workers (which ignore SIGTERM) would be joined
    forever. A worker that has not left within ``timeout`` seconds is killed; by then its PID
    is no longer registered with Paddle, whose SIGCHLD handler would otherwise call that death a
    loader failure and raise in the trainer.
    """
    items._try_shutdown_all(timeout)  # Paddle 3.x; a no-op after a finished epoch
    for worker in items._workers:
        if worker.is_alive():
            worker.kill()


def _collate_errors(collate: Any) -> Any:
    """Wrap ``collate`` so that a batch holding an error becomes that error alone."""

    def run(samples: list[dict[str, Any]]) -> dict[str, Any]:
        for sample in samples:
            if sample.get("error"):
                # An array rides along: Paddle drops a batch that holds no array at all.
                fields = {"error": np.zeros(1, dtype="int8")}
                return {"fields": fields, "skipped": [], "error": sample["error"]}
        return collate(samples)

    return run


class TextLineLoader:
    """Iterable of Batch over a dataset, resumable at an epoch and a batch offset."""

    def __init__(
        self,
        dataset: RecDataset,
        sampler: ResumableBatchSampler | MultiScaleSampler,
        cfg: LoaderConfig,
    ) -> None:
        self.dataset = dataset
        self.sampler = sampler
        self.cfg = cfg
        self._reader = _ErrorsAsData(dataset)
        self._collate = _collate_errors(make_collate(dataset.keep_keys))
        # Without workers, batches are read in the calling thread: Paddle's single-process
        # loader reads them in a helper thread that, on an exception, ends the epoch early
        # without a word (or hangs), so a DataError would be lost.
        self._loader = (
            None
            if cfg.num_workers == 0
            else DataLoader(
                self._reader,
                batch_sampler=sampler,
                num_workers=cfg.num_workers,
                use_shared_memory=cfg.use_shared_memory and cfg.num_workers > 0,
                collate_fn=self._collate,
                return_list=True,
                # Paddle 3.3 mixes up batch structures when a persistent iterator is abandoned
                # mid-epoch (a stop or a resume), so workers are started per epoch.
                persistent_workers=False,
                worker_init_fn=functools.partial(init_worker, parent=os.getpid()),
            )
        )

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        """Iterate ``epoch`` next, starting after ``skip_batches`` batches."""
        self.sampler.set_epoch(epoch, skip_batches)

    def __iter__(self) -> Iterator[Batch]:
        if self._loader is None:
            yield from self._batches(self._in_thread())
            return
        with stop_signals_blocked():  # the workers start here
            items = iter(self._loader)
        try:
            yield from self._batches(items)
        finally:
            _shut_down(items)

    @staticmethod
    def _batches(items: Iterator[dict[str, Any]]) -> Iterator[Batch]:
        for item in items:
            if item.get("error"):
                reason, message = item["error"]
                raise DataError(reason, message)
            yield Batch(item["fields"], item["skipped"])

    def _in_thread(self) -> Iterator[dict[str, Any]]:
        for indices in self.sampler:
            item = self._collate([self._reader[key] for key in indices])
            fields = item["fields"]
            for name, value in fields.items():  # as Paddle's loader: arrays become tensors
                if isinstance(value, np.ndarray):
                    fields[name] = paddle.to_tensor(value)
            yield item

    def __len__(self) -> int:
        return len(self.sampler)

    def batches_per_epoch(self) -> int:
        """Batches in a full epoch."""
        return self.sampler.batches_per_epoch()


def build_dataloader(
    section: Mapping[str, Any],
    where: str,
    charset: Charset,
    gcfg: GlobalConfig,
    rank: int = 0,
    world_size: int = 1,
) -> TextLineLoader:
    """Build dataset, sampler and loader of ``Train`` or ``Eval``.

    Args:
        section: The config section (``dataset`` and ``loader`` blocks).
        where: ``Train`` or ``Eval`` (for messages).
        charset: Shared charset for label encoding.
        gcfg: Global config (seed, max_text_length, bad_sample policy).
        rank: This process's rank.
        world_size: Number of processes; each gets ``batch_size_per_card`` samples.
    """
    cfg = parse_loader(section.get("loader"), f"{where}.loader")
    dataset = build_dataset(section, where, charset, gcfg)
    if len(dataset) == 0:
        raise ConfigError(f"{where}.dataset is empty (0 samples)")
    if not dataset.keep_keys:
        raise ConfigError(f"{where}.dataset.transforms must end with KeepKeys")
    args = (cfg.batch_size_per_card, cfg.shuffle, cfg.drop_last, gcfg.seed, rank, world_size)
    sampler: ResumableBatchSampler | MultiScaleSampler
    if section.get("sampler"):  # e.g. MultiScaleSampler: per-batch input sizes
        context = SamplerContext(dataset, *args)
        sampler = SAMPLERS.build(section["sampler"], f"{where}.sampler", context=context)
    else:
        sampler = ResumableBatchSampler(dataset, *args)
    return TextLineLoader(dataset, sampler, cfg)
