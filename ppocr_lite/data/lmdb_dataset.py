"""LMDB text-line datasets in the common layout (num-samples, image-%09d, label-%09d)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lmdb
import numpy as np

from ppocr_lite.data.base import RawSample, RecDataset
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import DATASETS


def find_lmdb_dirs(data_dir: str | Path) -> list[Path]:
    """Every folder under ``data_dir`` (itself included) that holds a ``data.mdb``, sorted."""
    root = Path(data_dir)
    if not root.exists():
        raise ConfigError(f"data_dir not found: {root} (check Train/Eval.dataset.data_dir)")
    found = sorted(
        {Path(d) for d, _, files in os.walk(root, followlinks=True) if "data.mdb" in files}
    )
    if not found:
        raise ConfigError(f"no LMDB (data.mdb) under {root}")
    return found


# py-lmdb refuses to open one environment twice in a process, and train/eval sets or tools may
# share a folder, so each process keeps one read-only handle per path (keyed by pid: a handle
# must never be used across a fork).
_OPEN_ENVS: dict[tuple[int, str], lmdb.Environment] = {}


def open_lmdb(path: Path) -> lmdb.Environment:
    """Read-only handle without a lock file (read-only media and many readers work), cached."""
    pid = os.getpid()
    for old in [k for k in _OPEN_ENVS if k[0] != pid]:
        # Inherited through fork: py-lmdb still counts it as open here, so release this
        # process's mapping of it (the parent's handle is unaffected) before opening anew.
        _OPEN_ENVS.pop(old).close()
    key = (pid, str(Path(path).resolve()))
    if key not in _OPEN_ENVS:
        _OPEN_ENVS[key] = lmdb.open(
            key[1], max_readers=64, readonly=True, lock=False, readahead=False, meminit=False
        )
    return _OPEN_ENVS[key]


def read_num_samples(path: Path) -> int:
    """The ``num-samples`` count of one LMDB."""
    with open_lmdb(path).begin(write=False) as txn:
        raw = txn.get(b"num-samples")
    if raw is None:
        raise ConfigError(f"{path}: no 'num-samples' key; not a text-recognition LMDB")
    return int(raw.decode("ascii"))


@DATASETS.register()
class LMDBDataSet(RecDataset):
    """All LMDBs found under one or more ``data_dir`` folders, concatenated.

    The environments are opened lazily in each worker process (LMDB handles must not cross a
    fork); indices are 1-based inside each LMDB.

    Args:
        data_dir: A folder or a list of folders, searched recursively for ``data.mdb``.
        transforms: Built transforms (injected by the loader).
        ratio_list: Sampling ratio per data_dir (1.0 = every sample once per epoch).
        seed, bad_sample, ext_data_num: See RecDataset.
    """

    def __init__(
        self,
        data_dir: str | Sequence[str],
        transforms: Sequence[Any] = (),
        ratio_list: Sequence[float] | float = 1.0,
        seed: int = 1024,
        bad_sample: str = "skip",
        ext_data_num: int = 0,
    ) -> None:
        dirs = [data_dir] if isinstance(data_dir, str | Path) else list(data_dir)
        self.sources = [find_lmdb_dirs(d) for d in dirs]
        self.paths = [p for group in self.sources for p in group]
        self.counts = [read_num_samples(p) for p in self.paths]
        self.offsets = np.cumsum([0, *self.counts])
        super().__init__(transforms, seed, bad_sample, ratio_list, ext_data_num)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def source_sizes(self) -> list[int]:
        sizes, i = [], 0
        for group in self.sources:
            sizes.append(sum(self.counts[i : i + len(group)]))
            i += len(group)
        return sizes

    def read(self, index: int) -> RawSample:
        db = int(np.searchsorted(self.offsets, index, side="right") - 1)
        n = index - int(self.offsets[db]) + 1
        with open_lmdb(self.paths[db]).begin(write=False) as txn:
            label = txn.get(b"label-%09d" % n)
            image = txn.get(b"image-%09d" % n)
        key = f"{self.paths[db]}:image-{n:09d}"
        label_text = label.decode("utf-8", errors="replace") if label is not None else ""
        found = image is not None
        return RawSample(key, bytes(image) if found else b"", label_text, found)
