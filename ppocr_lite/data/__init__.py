"""Datasets, transforms, sampling and loading."""

from __future__ import annotations

from ppocr_lite.data import lmdb_dataset, simple_dataset  # noqa: F401  (registration)
from ppocr_lite.data.batch import Batch
from ppocr_lite.data.loader import build_dataloader, build_dataset

__all__ = ["Batch", "build_dataloader", "build_dataset"]
