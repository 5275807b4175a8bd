"""Building blocks shared by backbones, necks and heads."""

from __future__ import annotations

from ppocr_lite.modeling.layers.conv_bn import ConvBNAct, make_divisible

__all__ = ["ConvBNAct", "make_divisible"]
