"""Build a Recognizer from the ``Architecture`` block of a config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paddle import nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.recognizer import Recognizer
from ppocr_lite.registry import BACKBONES, HEADS, NECKS, RECTIFIERS

ARCH_KEYS = ("model_type", "algorithm", "in_channels", "Transform", "Backbone", "Neck", "Head")


def check_architecture(arch: Mapping[str, Any]) -> None:
    """Validate names and keys of every part without building anything.

    Raises:
        ConfigError: naming the bad key and the closest valid one.
    """
    from ppocr_lite.registry import did_you_mean

    for key in arch:
        if key not in ARCH_KEYS:
            raise ConfigError(f"unknown key 'Architecture.{key}'{did_you_mean(key, ARCH_KEYS)}")
    if arch.get("model_type", "rec") != "rec":
        raise ConfigError(
            f"Architecture.model_type is {arch.get('model_type')!r}; ppocr_lite trains 'rec' only"
        )
    if arch.get("Transform"):
        RECTIFIERS.check(arch["Transform"], "Architecture.Transform", ("in_channels",))
    if not arch.get("Backbone") or not arch.get("Head"):
        raise ConfigError("Architecture needs a Backbone and a Head block")
    BACKBONES.check(arch["Backbone"], "Architecture.Backbone", ("in_channels",))
    if arch.get("Neck"):
        NECKS.check(arch["Neck"], "Architecture.Neck", ("in_channels",))
    HEADS.check(arch["Head"], "Architecture.Head", ("in_channels", "out_channels"))


def build_model(arch: Mapping[str, Any], num_classes: int) -> Recognizer:
    """Build the recognizer; each part's ``out_channels`` becomes the next ``in_channels``.

    Args:
        arch: The ``Architecture`` block (not modified).
        num_classes: Head outputs, derived from the charset (blank included for CTC).

    Returns:
        The model, in train mode.
    """
    check_architecture(arch)
    channels = arch.get("in_channels", 3)
    transform: nn.Layer | None = None
    if arch.get("Transform"):
        transform = RECTIFIERS.build(
            arch["Transform"], "Architecture.Transform", in_channels=channels
        )
        channels = transform.out_channels
    backbone = BACKBONES.build(arch["Backbone"], "Architecture.Backbone", in_channels=channels)
    channels = backbone.out_channels
    neck: nn.Layer | None = None
    if arch.get("Neck"):
        neck = NECKS.build(arch["Neck"], "Architecture.Neck", in_channels=channels)
        channels = neck.out_channels
    head = HEADS.build(
        arch["Head"], "Architecture.Head", in_channels=channels, out_channels=num_classes
    )
    return Recognizer(backbone=backbone, neck=neck, head=head, transform=transform)


def count_parameters(model: nn.Layer) -> int:
    """Number of trainable parameter values (those that take gradients)."""
    return int(sum(int(p.numel()) for p in model.parameters() if not p.stop_gradient))
