"""Image decoding."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.registry import TRANSFORMS

# Lines wider than this are almost certainly not single text lines (or are decompression bombs).
MAX_PIXELS = 50_000_000


def decode_image(buf: bytes | np.ndarray, img_mode: str = "BGR") -> np.ndarray:
    """Decode encoded image bytes to an (H, W, 3) uint8 array.

    Grayscale, RGBA and 16-bit inputs are converted to 8-bit 3-channel.

    Raises:
        DataError: ``bad_image`` when the bytes are empty, truncated or not an image.
    """
    arr = np.frombuffer(buf, dtype=np.uint8) if isinstance(buf, bytes | bytearray) else buf
    if arr.size == 0:
        raise DataError("bad_image", "empty image bytes")
    img = cv2.imdecode(arr, cv2.IMREAD_COLOR)
    if img is None or img.size == 0 or min(img.shape[:2]) < 1:
        raise DataError("bad_image", "not a decodable image")
    if img.shape[0] * img.shape[1] > MAX_PIXELS:
        raise DataError("bad_image", f"image too large: {img.shape[1]}x{img.shape[0]}")
    if img_mode == "RGB":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif img_mode == "GRAY":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img


@TRANSFORMS.register()
class DecodeImage:
    """``data["image"]`` bytes -> (H, W, 3) uint8 array (BGR unless ``img_mode: RGB``).

    Args:
        img_mode: ``BGR``, ``RGB`` or ``GRAY``.
        channel_first: Return (C, H, W) instead of (H, W, C).
        ignore_orientation: Accepted for PaddleOCR configs; EXIF orientation is never applied
            to text lines.
    """

    def __init__(
        self, img_mode: str = "BGR", channel_first: bool = False, ignore_orientation: bool = False
    ) -> None:
        if img_mode not in ("BGR", "RGB", "GRAY"):
            raise ConfigError(f"DecodeImage.img_mode must be BGR, RGB or GRAY, got {img_mode!r}")
        self.img_mode = img_mode
        self.channel_first = channel_first

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        img = decode_image(data["image"], self.img_mode)
        if self.channel_first and img.ndim == 3:
            img = img.transpose((2, 0, 1))
        data["image"] = img
        return data
