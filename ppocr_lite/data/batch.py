"""Name the positional fields that KeepKeys produced, once, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ppocr_lite.errors import ConfigError

EMPTY = "_empty"  # the only field of a batch whose samples were all dropped


class MissingFieldError(ConfigError, AttributeError):
    """A batch field the dataset's ``KeepKeys`` did not keep.

    A ``KeyError`` (``batch["name"]``) and an ``AttributeError`` (``batch.name``, so ``hasattr``
    stays False), printed without quotes like every ``ConfigError``.
    """


class BatchField:
    """A declared batch field: ``batch.label`` reads ``batch["label"]``.

    Args:
        doc: What the field holds, with its shape.
    """

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, batch: Batch | None, owner: type | None = None) -> Any:
        if batch is None:
            return self
        return batch[self.name]


@dataclass
class Batch:
    """A collated batch: ``batch.image`` (N, C, H, W), ``batch.label`` (N, L), ``batch.length``.

    The fields a config can keep are declared below; any other kept name is read as
    ``batch["name"]``. Reading a field that ``KeepKeys`` did not keep raises
    :class:`MissingFieldError` naming it and the fields there are.

    Attributes:
        fields: Field name -> stacked array/tensor, in KeepKeys order.
        skipped: (reason, key, detail) of every bad sample replaced while building the batch.
    """

    fields: dict[str, Any]
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    image = BatchField("(N, C, H, W) images.")
    label = BatchField("(N, L) label ids, in the layout of the config's label encoder.")
    length = BatchField("(N,) characters per label.")
    text = BatchField("N label texts, as the label encoder read them.")
    valid_ratio = BatchField("(N,) share of the resized width that is image, not padding.")
    label_ctc = BatchField("(N, L) CTC ids of a MultiLabelEncode batch (its ``label``).")
    label_sar = BatchField("(N, L) SAR guide ids of a MultiLabelEncode batch.")
    label_gtc = BatchField("(N, L) NRTR guide ids of a MultiLabelEncode batch.")
    label_node = BatchField("(N, K + P) CPPD character counts, then slot flags.")
    label_index = BatchField("(N, K) CPPD character-node ids.")
    key = BatchField("N sample names (LMDB key or image path).")
    image_hw = BatchField("(N, 2) decoded image (height, width) before resizing.")

    def __getitem__(self, name: str) -> Any:
        """The field ``name``.

        Raises:
            MissingFieldError: when the batch has no such field.
        """
        try:
            return self.fields[name]
        except KeyError:
            raise MissingFieldError(
                f"the batch has no field '{name}' (fields: {list(self.fields)}); add it to "
                "KeepKeys.keep_keys of the dataset's transforms"
            ) from None

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
