"""Images -> model batches for the predictors (the training resize, batched by aspect ratio)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ppocr_lite.data.transforms.decode import decode_image
from ppocr_lite.data.transforms.resize import resize_norm
from ppocr_lite.deploy.files import IMAGE_SUFFIXES
from ppocr_lite.deploy.spec import PreprocessSpec
from ppocr_lite.errors import ConfigError, DataError

# A path, encoded file bytes, or a decoded array as OpenCV gives it: (H, W) gray, (H, W, 3) BGR
# or (H, W, 4) BGRA, uint8.
ImageInput = str | Path | bytes | np.ndarray


def _convert_array(img: np.ndarray, img_mode: str) -> np.ndarray:
    if img.dtype != np.uint8 or img.ndim not in (2, 3) or min(img.shape[:2]) < 1:
        raise DataError(
            "bad_image", f"expected a uint8 (H, W[, C]) image, got {img.dtype} {img.shape}"
        )
    if img_mode == "GRAY":
        return img if img.ndim == 2 else cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2GRAY)
    if img.ndim == 2 or img.shape[2] == 1:
        img = cv2.cvtColor(img.reshape(img.shape[:2]), cv2.COLOR_GRAY2BGR)
    img = img[:, :, :3]
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if img_mode == "RGB" else np.ascontiguousarray(img)


def load_image(item: ImageInput, img_mode: str = "BGR") -> np.ndarray:
    """Decode one input to an (H, W, 3) (or (H, W) for ``GRAY``) uint8 array.

    Raises:
        DataError: if the file cannot be read or decoded.
    """
    if isinstance(item, np.ndarray):
        return _convert_array(item, img_mode)
    if isinstance(item, bytes | bytearray):
        return decode_image(bytes(item), img_mode)
    try:
        raw = Path(item).read_bytes()
    except OSError as exc:
        raise DataError("unreadable", f"unreadable: {exc}") from None
    return decode_image(raw, img_mode)


def aspect_ratio(img: np.ndarray) -> float:
    """Width / height."""
    return img.shape[1] / max(img.shape[0], 1)


def batch_width(images: Sequence[np.ndarray], pre: PreprocessSpec) -> int:
    """Input width of a batch: the trained width, or (dynamic) that of its widest line rounded
    up to ``width_step``, within [trained width, ``max_width``]."""
    _, height, width = pre.image_shape
    if not pre.dynamic_width:
        return width
    widest = max(math.ceil(height * aspect_ratio(img)) for img in images)
    step = max(1, pre.width_step)
    return max(width, min(math.ceil(widest / step) * step, pre.max_width))


def make_batch(images: Sequence[np.ndarray], pre: PreprocessSpec) -> np.ndarray:
    """Resize (keeping the ratio, or stretching), scale to [-1, 1] and right-pad.

    Returns:
        (N, C, H, W) float32, W from ``batch_width``.
    """
    _, height, _ = pre.image_shape
    width = batch_width(images, pre)
    first, _ = resize_norm(images[0], height, width, pre.padding)
    out = np.empty((len(images), *first.shape), dtype=np.float32)
    out[0] = first
    for i, img in enumerate(images[1:], start=1):
        out[i] = resize_norm(img, height, width, pre.padding)[0]
    return out


def plan_batches(ratios: Sequence[float], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar aspect ratio (so little width is padding).

    The widest batch comes first: the engine then allocates its largest buffers once and
    reuses them, instead of growing them batch after batch (measured on CRNN-MV3, 1,000
    lines, batch 32: the first pass over ascending widths took 1.5x the second).
    """
    order = sorted(range(len(ratios)), key=lambda i: -ratios[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def list_image_files(path: str | Path) -> list[Path]:
    """One image, or every image file (by suffix) in a folder, recursively and sorted.

    Raises:
        ConfigError: if the path does not exist or holds no image.
    """
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ConfigError(f"{root} does not exist")
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not found:
        raise ConfigError(f"{root} holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return found
