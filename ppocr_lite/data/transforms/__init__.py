"""Data transforms: each registers itself in TRANSFORMS on import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ppocr_lite.data.transforms import (  # noqa: F401  (registration)
    augment,
    decode,
    imgaug_augment,
    keep_keys,
    label_encode,
    resize,
    svtr_augment,
)
from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS

__all__ = ["Transform", "apply_transforms", "build_transforms", "check_transforms", "op_block"]


def op_block(item: Any, where: str) -> dict[str, Any]:
    """Turn a YAML list item ``{OpName: {args}}`` into a registry block ``{name: OpName, ...}``."""
    if not isinstance(item, Mapping) or len(item) != 1:
        raise ConfigError(
            f"{where} must be a one-key mapping like {{DecodeImage: {{...}}}}, got {item!r}"
        )
    ((name, args),) = item.items()
    if args is not None and not isinstance(args, Mapping):
        raise ConfigError(f"{where}.{name} arguments must be a mapping or empty, got {args!r}")
    return {"name": name, **(args or {})}


def build_transforms(items: Sequence[Any], where: str, **injected: Any) -> list[Transform]:
    """Build the ordered transform list of a dataset block.

    Args:
        items: The YAML ``transforms`` list.
        where: Config path for messages, e.g. ``Train.dataset.transforms``.
        **injected: Shared values (``charset``, ``max_text_length``) for ops that declare them.
    """
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ConfigError(f"{where} must be a list of transforms")
    return [
        TRANSFORMS.build(op_block(item, f"{where}[{i}]"), f"{where}[{i}]", **injected)
        for i, item in enumerate(items)
    ]


def check_transforms(items: Sequence[Any], where: str, injected: tuple[str, ...]) -> None:
    """Validate names and keys of a transform list without building it."""
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ConfigError(f"{where} must be a list of transforms")
    for i, item in enumerate(items):
        TRANSFORMS.check(op_block(item, f"{where}[{i}]"), f"{where}[{i}]", injected)


def apply_transforms(data: dict[str, Any], ops: Sequence[Transform]) -> Any:
    """Run ``ops`` in order; returns None as soon as one drops the sample."""
    for op in ops:
        data = op(data)
        if data is None:
            return None
    return data


# Registration of the label encoders that use the names above.
from ppocr_lite.data.transforms import label_encode_attn, label_encode_cppd  # noqa: E402, F401
