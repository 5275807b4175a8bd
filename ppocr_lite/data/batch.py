"""Name the positional fields that KeepKeys produced, once, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EMPTY = "_empty"  # the only field of a batch whose samples were all dropped


@dataclass
class Batch:
    """A collated batch: ``batch.image`` (N, C, H, W), ``batch.label`` (N, L), ``batch.length`` (N,).

    Attributes:
        fields: Field name -> stacked array/tensor, in KeepKeys order.
        skipped: (reason, key, detail) of every bad sample replaced while building the batch.
    """

    fields: dict[str, Any]
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(f"batch has no field '{name}'; fields: {list(fields)}")

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    @property
    def size(self) -> int:
        """Number of samples (0 when all of them were dropped)."""
        if EMPTY in self.fields:
            return 0
        first = next(iter(self.fields.values()))
        return len(first)


def _stack(values: list[Any]) -> Any:
    if isinstance(values[0], np.ndarray | np.generic | int | float):
        return np.stack([np.asarray(v) for v in values])
    return list(values)  # texts and other Python objects stay lists


def make_collate(keep_keys: Sequence[str]) -> Any:
    """Collate function turning dataset samples into ``{"fields": {...}, "skipped": [...]}``."""
    names = tuple(keep_keys)

    def collate(samples: list[dict[str, Any]]) -> dict[str, Any]:
        skipped = [tuple(x) for s in samples for x in s["skipped"]]
        kept = [s["fields"] for s in samples if s["fields"] is not None]  # None: dropped (eval)
        if not kept:
            # Every sample was bad. An array rides along: Paddle drops a batch without one.
            return {"fields": {EMPTY: np.zeros(1, dtype="int8")}, "skipped": skipped}
        columns = list(zip(*kept, strict=True))
        fields = {name: _stack(list(col)) for name, col in zip(names, columns, strict=True)}
        return {"fields": fields, "skipped": skipped}

    return collate
