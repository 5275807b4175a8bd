"""Resize text lines to the model's input size and normalise them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS


def _check_shape(image_shape: Sequence[int], op: str) -> tuple[int, int, int]:
    if len(image_shape) != 3 or any(int(v) <= 0 for v in image_shape):
        raise ConfigError(
            f"{op}.image_shape must be [C, H, W] with positive values, got {image_shape}"
        )
    c, h, w = (int(v) for v in image_shape)
    return c, h, w


def resize_norm(
    img: np.ndarray, height: int, width: int, keep_ratio: bool = True
) -> tuple[np.ndarray, float]:
    """Resize to ``height``, keep the aspect ratio up to ``width``, scale to [-1, 1], pad right.

    Args:
        img: (H, W, 3) or (H, W) uint8 image.
        height: Target height.
        width: Target (maximum) width; narrower lines are zero-padded on the right.
        keep_ratio: If False, stretch to the full width.

    Returns:
        The (C, height, width) float32 image and the valid width ratio in (0, 1].
    """
    h, w = img.shape[:2]
    new_w = width if not keep_ratio else min(width, max(1, math.ceil(height * w / max(h, 1))))
    # Bilinear in both directions, as PaddleOCR: the same checkpoint must see the same pixels.
    resized = cv2.resize(img, (new_w, height), interpolation=cv2.INTER_LINEAR)
    if resized.ndim == 2:
        resized = resized[:, :, None]
    out = np.zeros((resized.shape[2], height, width), dtype=np.float32)
    # (x / 255 - 0.5) / 0.5 in one pass
    out[:, :, :new_w] = resized.transpose(2, 0, 1).astype(np.float32) * (2.0 / 255.0) - 1.0
    return out, new_w / width


@TRANSFORMS.register()
class RecResizeImg:
    """Keep-ratio resize with right padding to ``image_shape`` = [C, H, W].

    Args:
        image_shape: Model input [C, H, W].
        padding: Keep the aspect ratio and pad (True) or stretch to W (False).
        infer_mode: Accepted for PaddleOCR configs.
        eval_mode: Accepted for PaddleOCR configs.
    """

    def __init__(
        self,
        image_shape: Sequence[int] = (3, 32, 100),
        padding: bool = True,
        infer_mode: bool = False,
        eval_mode: bool = False,
    ) -> None:
        _, self.height, self.width = _check_shape(image_shape, type(self).__name__)
        self.padding = padding

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        # A width-bucketing sampler (MultiScaleSampler) chooses the size per batch.
        height, width = data.get("target_hw") or (self.height, self.width)
        data["image"], data["valid_ratio"] = resize_norm(data["image"], height, width, self.padding)
        return data


@TRANSFORMS.register()
class SVTRRecResizeImg(RecResizeImg):
    """SVTR's resize: the same keep-ratio resize and padding to a fixed [C, H, W]."""
