"""Select and order the fields a batch carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.errors import DataError
from ppocr_lite.registry import TRANSFORMS


@TRANSFORMS.register()
class KeepKeys(Transform):
    """Return ``[data[k] for k in keep_keys]``; the loader names them back by ``keep_keys``.

    Args:
        keep_keys: Field names in batch order, e.g. ``[image, label, length]``.
    """

    def __init__(self, keep_keys: Sequence[str]) -> None:
        self.keep_keys = tuple(keep_keys)

    def __call__(self, data: dict[str, Any]) -> list[Any]:
        missing = [k for k in self.keep_keys if k not in data]
        if missing:
            raise DataError(
                "missing_key", f"KeepKeys: no {missing} in sample (have {sorted(data)})"
            )
        return [data[k] for k in self.keep_keys]
