"""Shared sample pipeline of the recognition datasets: read, transform, replace bad samples."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from paddle.io import Dataset

from ppocr_lite.data.transforms import Transform, apply_transforms
from ppocr_lite.data.transforms.keep_keys import KeepKeys
from ppocr_lite.errors import ConfigError, DataError

logger = logging.getLogger("ppocr_lite")

# A bad sample is replaced by another one; give up (and report) after this many in a row.
MAX_REPLACEMENTS = 50
# Replacement steps through the data with a stride co-prime to most sizes, deterministically.
_REPLACE_STRIDE = 7919


@dataclass(frozen=True)
class SampleKey:
    """What the sampler hands the dataset: which sample, and which epoch (for the RNG).

    ``target_hw`` is the batch's (height, width) when a width-bucketing sampler chose one; the
    resize op reads it as ``data["target_hw"]``.
    """

    index: int
    epoch: int = 0
    target_hw: tuple[int, int] | None = None


@dataclass(frozen=True)
class RawSample:
    """One stored sample before decoding; ``found`` is false when its image does not exist
    (a missing file, an LMDB key past the real entries): counted as ``not_found``, not as
    an undecodable image."""

    key: str
    image: bytes
    label: str
    found: bool = True


class RecDataset(Dataset):
    """Base of LMDBDataSet / SimpleDataSet.

    Subclasses implement ``__len__`` and ``read(index) -> RawSample``. ``__getitem__`` returns
    ``{"fields": [...KeepKeys order], "skipped": [(reason, key, detail), ...]}``.

    Args:
        transforms: Built transform list (ends with KeepKeys).
        seed: Base seed; each sample's RNG is seeded with (seed, epoch, index).
        bad_sample: ``skip`` (replace and count) or ``error`` (raise).
        ratio_list: Per-source sampling ratio (one value per source).
        ext_data_num: Extra samples loaded for mixing transforms (RecConAug).

    Attributes:
        ds_width: Whether the samples carry their aspect ratio for width bucketing
            (``SimpleDataSet(ds_width=True)``); read by ``MultiScaleSampler``.
    """

    ds_width: bool = False

    def __init__(
        self,
        transforms: Sequence[Transform],
        seed: int = 1024,
        bad_sample: str = "skip",
        ratio_list: Sequence[float] | float = 1.0,
        ext_data_num: int = 0,
    ) -> None:
        self.ops = list(transforms)
        self.seed = int(seed)
        self.bad_sample = bad_sample
        # Training replaces a bad sample by another (the batch stays full); evaluation drops it
        # (``fields`` None), so every line is scored at most once. Set by the loader builder.
        self.replace_bad = True
        self.ratio_list = ratio_list
        self.ext_data_num = ext_data_num or max((op.ext_data_num for op in self.ops), default=0)
        keep = [op for op in self.ops if isinstance(op, KeepKeys)]
        self.keep_keys: tuple[str, ...] = keep[-1].keep_keys if keep else ()
        # Ops before the first mixing op prepare extra samples (decode only, usually).
        mix = [i for i, op in enumerate(self.ops) if op.ext_data_num]
        self._ext_ops = self.ops[: mix[0]] if mix else []

    # -- to implement ---------------------------------------------------------------------
    def __len__(self) -> int:
        raise NotImplementedError

    def read(self, index: int) -> RawSample:
        """Return the stored sample ``index`` (0-based)."""
        raise NotImplementedError

    def source_sizes(self) -> list[int]:
        """Samples per source (data_dir / label file), in index order."""
        return [len(self)]

    # -- shared -----------------------------------------------------------------------------
    def ratios(self) -> list[float]:
        """The per-source ratios, one per source."""
        sizes = self.source_sizes()
        ratios = self.ratio_list
        if isinstance(ratios, int | float):
            return [float(ratios)] * len(sizes)
        if len(ratios) != len(sizes):
            raise ConfigError(
                f"ratio_list has {len(ratios)} values but there are {len(sizes)} data sources"
            )
        return [float(r) for r in ratios]

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """Indices of one epoch: each source subsampled (ratio < 1) or repeated (ratio > 1)."""
        sizes, ratios = self.source_sizes(), self.ratios()
        if all(r == 1.0 for r in ratios):
            return np.arange(len(self), dtype=np.int64)
        rng = np.random.default_rng([self.seed, epoch, 7])
        parts, start = [], 0
        for size, ratio in zip(sizes, ratios, strict=True):
            count = round(size * ratio)
            if count:
                pick = rng.choice(size, count, replace=ratio > 1.0)
                parts.append(start + np.sort(pick))
            start += size
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def transform_one(self, index: int) -> Any:
        """Sample ``index`` through the whole pipeline, without replacement (raises DataError)."""
        return self._load(index, np.random.default_rng([self.seed, 0, index]))

    def _load(
        self, index: int, rng: np.random.Generator, target_hw: tuple[int, int] | None = None
    ) -> Any:
        raw = self.read(index)
        if not raw.found:
            raise DataError("not_found", f"{raw.key}: no such image")
        data: dict[str, Any] = {"image": raw.image, "label": raw.label, "key": raw.key, "rng": rng}
        if target_hw is not None:
            data["target_hw"] = target_hw
        if self.ext_data_num:
            data["ext_data"] = self._ext_data(rng)
        out = apply_transforms(data, self.ops)
        if out is None:
            raise DataError("dropped", "a transform dropped the sample")
        return out

    def _ext_data(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        extra: list[dict[str, Any]] = []
        for _ in range(self.ext_data_num * 3):
            if len(extra) >= self.ext_data_num:
                break
            raw = self.read(int(rng.integers(len(self))))
            if not raw.found:
                continue
            try:
                data = apply_transforms(
                    {"image": raw.image, "label": raw.label, "rng": rng}, self._ext_ops
                )
            except DataError:
                continue
            if data is not None:
                extra.append(data)
        return extra

    def __getitem__(self, key: SampleKey | int) -> dict[str, Any]:
        if not isinstance(key, SampleKey):
            key = SampleKey(int(key))
        skipped: list[tuple[str, str, str]] = []
        n = len(self)
        for attempt in range(MAX_REPLACEMENTS):
            index = (key.index + attempt * _REPLACE_STRIDE) % n
            rng = np.random.default_rng([self.seed, key.epoch, index])
            try:
                fields = self._load(index, rng, key.target_hw)
            except DataError as exc:
                sample = self.read_key(index)
                if self.bad_sample == "error":
                    raise DataError(
                        exc.reason, f"bad sample {sample}: {exc.reason}: {exc}"
                    ) from exc
                skipped.append((exc.reason, sample, str(exc)))
                if not self.replace_bad:
                    return {"fields": None, "skipped": skipped}
                continue
            return {"fields": fields, "skipped": skipped}
        raise DataError(
            "too_many_bad",
            f"{MAX_REPLACEMENTS} bad samples in a row starting at index {key.index}: {skipped[:3]}",
        )

    def read_key(self, index: int) -> str:
        """The sample's key (e.g. ``train_lmdb/image-000000012``) for reports."""
        try:
            return self.read(index).key
        except Exception:  # noqa: BLE001 - only for naming the sample in a report
            return f"index {index}"
