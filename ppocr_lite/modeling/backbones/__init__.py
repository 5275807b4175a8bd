"""Backbones register themselves on import."""

from __future__ import annotations

from ppocr_lite.modeling.backbones import (
    hgnet,  # noqa: F401
    lcnet_v3,  # noqa: F401
    mobilenet_v1_enhance,  # noqa: F401
    mobilenet_v3,  # noqa: F401
    repvit,  # noqa: F401
    resnet31,  # noqa: F401
    resnet_vd,  # noqa: F401
    svtrnet,  # noqa: F401
    svtrv2,  # noqa: F401
    vit_parseq,  # noqa: F401
)
