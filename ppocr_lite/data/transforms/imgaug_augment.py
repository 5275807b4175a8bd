"""PaddleOCR's ``IaaAugment``: a Sequential of imgaug augmenters described in YAML.

imgaug is optional (``pip install imgaug`` or the ``ppocr_lite[imgaug]`` extra) and is imported
only when an ``IaaAugment`` is built, so importing ppocr_lite never needs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS, did_you_mean

# PaddleOCR's default: flip, small rotation, rescale.
DEFAULT_AUGMENTERS: tuple[dict[str, Any], ...] = (
    {"type": "Fliplr", "args": {"p": 0.5}},
    {"type": "Affine", "args": {"rotate": [-10, 10]}},
    {"type": "Resize", "args": {"size": [0.5, 3]}},
)

INSTALL_HINT = (
    "IaaAugment needs imgaug: `pip install imgaug` (or `pip install ppocr_lite[imgaug]`). "
    "imgaug 0.4 does not work with NumPy 2, so it needs an environment with numpy<2."
)


def import_augmenters() -> ModuleType:
    """Import ``imgaug.augmenters``.

    Raises:
        ImportError: with installation advice when imgaug is missing or cannot load.
    """
    try:
        return importlib.import_module("imgaug.augmenters")
    # imgaug 0.4 fails on NumPy 2 with AttributeError (removed aliases such as np.sctypes).
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"{INSTALL_HINT} (import failed: {exc})") from exc


def _tuple_if_list(value: Any) -> Any:
    # imgaug reads a tuple as a range to sample from and a list as a set of choices; PaddleOCR's
    # YAML writes ranges as lists, so lists become tuples as in PaddleOCR.
    return tuple(value) if isinstance(value, list) else value


def augmenter_class(iaa: ModuleType, name: Any, where: str) -> type:
    """Look up a public augmenter class by name on the imgaug.augmenters module.

    Raises:
        ConfigError: if ``name`` is not an augmenter class of the module.
    """
    base = getattr(iaa, "Augmenter", None)
    choices = [
        n
        for n in dir(iaa)
        if not n.startswith("_")
        and isinstance(getattr(iaa, n), type)
        and (base is None or issubclass(getattr(iaa, n), base))
    ]
    if not isinstance(name, str) or name not in choices:
        hint = did_you_mean(name, choices) if isinstance(name, str) else ""
        raise ConfigError(f"unknown imgaug augmenter {name!r} at {where}{hint}")
    return getattr(iaa, name)


def build_augmenter(iaa: ModuleType, spec: Any, where: str) -> Any:
    """Build one augmenter from ``{type: Name, args: {...}}`` or ``[Name, arg, ...]``.

    Raises:
        ConfigError: on an unknown name or a malformed entry.
    """
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"type", "args"}
        args = spec.get("args") or {}
        if unknown or "type" not in spec or not isinstance(args, Mapping):
            raise ConfigError(f"{where} must be {{type: Name, args: {{...}}}}, got {spec!r}")
        cls = augmenter_class(iaa, spec["type"], f"{where}.type")
        return cls(**{k: _tuple_if_list(v) for k, v in args.items()})
    if isinstance(spec, list) and spec:
        cls = augmenter_class(iaa, spec[0], f"{where}[0]")
        return cls(*[_tuple_if_list(v) for v in spec[1:]])
    raise ConfigError(f"{where} must be {{type: Name, args: {{...}}}} or [Name, ...], got {spec!r}")


def _reseed(augmenter: Any, seed: int) -> None:
    # imgaug >= 0.4 names it seed_(); 0.2/0.3 had reseed().
    if hasattr(augmenter, "seed_"):
        augmenter.seed_(seed)
    else:
        augmenter.reseed(seed)


@TRANSFORMS.register()
class IaaAugment(Transform):
    """Apply an imgaug ``Sequential`` of augmenters to ``data["image"]``.

    imgaug's generator is reseeded from ``data["rng"]`` for every sample, so results are
    reproducible like the other transforms. Only the image is augmented (recognition samples
    have no polygons).

    Args:
        augmenter_args: List of ``{type: Name, args: {...}}`` (or ``[Name, *args]``) entries,
            e.g. ``[{type: Fliplr, args: {p: 0.5}}, {type: Affine, args: {rotate: [-10, 10]}}]``.
            None gives PaddleOCR's default (flip, rotate +-10 degrees, rescale 0.5..3); an empty
            list disables the op.

    Raises:
        ImportError: if imgaug is not installed (the message says how to install it).
        ConfigError: on an unknown augmenter name or a malformed entry.
    """

    def __init__(self, augmenter_args: Sequence[Any] | None = None) -> None:
        if augmenter_args is None:
            augmenter_args = [dict(spec) for spec in DEFAULT_AUGMENTERS]
        if not isinstance(augmenter_args, Sequence) or isinstance(augmenter_args, str):
            raise ConfigError(f"IaaAugment.augmenter_args must be a list, got {augmenter_args!r}")
        iaa = import_augmenters()
        where = "IaaAugment.augmenter_args"
        steps = [build_augmenter(iaa, s, f"{where}[{i}]") for i, s in enumerate(augmenter_args)]
        self.augmenter = iaa.Sequential(steps) if steps else None

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.augmenter is None:
            return data
        rng = data.get("rng")
        rng = rng if rng is not None else np.random.default_rng()
        _reseed(self.augmenter, int(rng.integers(2**31 - 1)))
        # Flips come back as negative-stride views, which some cv2 calls reject.
        data["image"] = np.ascontiguousarray(self.augmenter.augment_image(data["image"]))
        return data
