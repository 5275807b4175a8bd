"""Resize text lines to the model's input size and normalise them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ppocr_lite.data.transforms.base import Transform
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


def widened_width(height: int, width: int, h: int, w: int) -> int:
    """PaddleOCR's inference width of an ``h`` x ``w`` line for a ``height`` x ``width`` input:
    the trained width, or that of the line's own aspect ratio when it is wider (truncated as
    PaddleOCR truncates it)."""
    return int(height * max(width / height, w / max(h, 1)))


@TRANSFORMS.register()
class RecResizeImg(Transform):
    """Keep-ratio resize with right padding to ``image_shape`` = [C, H, W].

    Lines wider than W / H are squeezed to W (PaddleOCR's training and evaluation resize), unless
    ``eval_mode``, or ``infer_mode`` with a dictionary, asks for PaddleOCR's inference resize:
    then such a line keeps its aspect ratio and the image is as wide as the line (so a batch of
    them has varied widths).

    Args:
        image_shape: Model input [C, H, W].
        padding: Keep the aspect ratio and pad (True) or stretch to W (False).
        infer_mode: Widen long lines when ``character_dict_path`` is set (PaddleOCR's rule:
            with its English default dictionary, null, lines are squeezed).
        eval_mode: Widen long lines.
        character_dict_path: ``Global.character_dict_path`` (injected when the transforms
            are built, as PaddleOCR passes its Global section to every transform).
    """

    def __init__(
        self,
        image_shape: Sequence[int] = (3, 32, 100),
        padding: bool = True,
        infer_mode: bool = False,
        eval_mode: bool = False,
        character_dict_path: str | None = None,
    ) -> None:
        _, self.height, self.width = _check_shape(image_shape, type(self).__name__)
        self.padding = padding
        self.widen = bool(eval_mode) or (bool(infer_mode) and character_dict_path is not None)

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        # A width-bucketing sampler (MultiScaleSampler) chooses the size per batch.
        height, width = data.get("target_hw") or (self.height, self.width)
        image, keep_ratio = data["image"], self.padding
        if self.widen:
            width = widened_width(height, width, *image.shape[:2])
            keep_ratio = True  # PaddleOCR's inference resize ignores ``padding``
        data["image"], data["valid_ratio"] = resize_norm(image, height, width, keep_ratio)
        return data


@TRANSFORMS.register()
class SVTRRecResizeImg(RecResizeImg):
    """SVTR's resize: the same keep-ratio resize and padding to a fixed [C, H, W], always (as
    in PaddleOCR, ``infer_mode`` and ``eval_mode`` are accepted and change nothing)."""

    def __init__(
        self,
        image_shape: Sequence[int] = (3, 32, 100),
        padding: bool = True,
        infer_mode: bool = False,
        eval_mode: bool = False,
    ) -> None:
        super().__init__(image_shape, padding)
