"""Image decoding."""

from __future__ import annotations

import io
import struct
import warnings
from typing import Any

import cv2
import numpy as np

from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.registry import TRANSFORMS

# Lines wider than this are almost certainly not single text lines (or are decompression bombs).
MAX_PIXELS = 50_000_000
# Pillow modes that cv2's IMREAD_COLOR turns into correct 8-bit BGR; others (alpha, 16-bit) are
# decoded unchanged and converted here.
_PLAIN_MODES = frozenset({"1", "L", "P", "RGB", "CMYK", "YCbCr"})
_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (they hold the size); C4, C8 and CC are other segments.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

Header = tuple[int, int, bool]  # width, height, needs IMREAD_UNCHANGED (alpha, 16-bit)


def _png_header(raw: bytes) -> Header | None:
    # IHDR is always the first chunk: width, height, bit depth and colour type at fixed offsets.
    if len(raw) < 26 or raw[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", raw[16:24])
    alpha = raw[25] in (4, 6) or b"tRNS" in raw[33 : max(raw.find(b"IDAT"), 33)]
    return width, height, alpha


def _jpeg_header(raw: bytes) -> Header | None:
    # Walk the segments before the frame header; a JPEG never has alpha.
    i = 2
    while i + 9 <= len(raw) and raw[i] == 0xFF:
        marker = raw[i + 1]
        if marker in _SOF:
            height, width = struct.unpack(">HH", raw[i + 5 : i + 9])
            return width, height, False
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        i += 2 + struct.unpack(">H", raw[i + 2 : i + 4])[0]
    return None


def _pil_header(raw: bytes) -> Header | None:
    from PIL import Image  # only for formats other than PNG and JPEG: 20 ms of start-up

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as im:
                special = im.mode not in _PLAIN_MODES or "transparency" in im.info
                return im.width, im.height, special
    except Image.DecompressionBombError as exc:
        # Pillow's message names the pixel count; the rest of it is about DoS attacks.
        raise DataError("bad_image", f"image too large: {str(exc).split(',')[0]}") from None
    except Exception:  # noqa: BLE001 - Pillow only reads the header; cv2 decides alone
        return None


def image_header(raw: bytes) -> Header | None:
    """(width, height, needs IMREAD_UNCHANGED) from the header alone, or None if unknown.

    The size is read before decoding so that a small file claiming a huge image (a
    decompression bomb) is refused without allocating it. PNG and JPEG, the formats of
    nearly every dataset, are parsed here (Pillow costs as much as decoding a text line).

    Raises:
        DataError: ``bad_image`` when Pillow finds more pixels than its bomb limit.
    """
    if raw.startswith(_PNG):
        return _png_header(raw)
    if raw.startswith(b"\xff\xd8"):
        return _jpeg_header(raw)
    return _pil_header(raw)


def _to_bgr8(img: np.ndarray) -> np.ndarray:
    """An IMREAD_UNCHANGED result (gray, alpha, 16-bit or float) -> (H, W, 3) uint8 BGR."""
    if img.dtype != np.uint8:
        top = np.iinfo(img.dtype).max if np.issubdtype(img.dtype, np.integer) else 1.0
        img = np.clip(img.astype(np.float32) * (255.0 / top), 0, 255).round().astype(np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.shape[2] in (2, 4):
        # Transparent pixels often hold black; text lines are dark on light, so composite the
        # image onto white rather than dropping the alpha channel.
        alpha = img[:, :, -1:].astype(np.float32) / 255.0
        color = img[:, :, :-1].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        img = color.round().astype(np.uint8)
    if img.shape[2] == 1:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return img


def decode_image(buf: bytes | np.ndarray, img_mode: str = "BGR") -> np.ndarray:
    """Decode encoded image bytes to an (H, W, 3) uint8 array.

    Grayscale, RGBA (composited onto white) and 16-bit inputs are converted to 8-bit 3-channel.

    Raises:
        DataError: ``bad_image`` when the bytes are empty, truncated, not an image, or the
            image is larger than ``MAX_PIXELS`` (checked from the header, before decoding).
    """
    raw = bytes(buf) if isinstance(buf, bytes | bytearray) else np.ascontiguousarray(buf).tobytes()
    if not raw:
        raise DataError("bad_image", "empty image bytes")
    header = image_header(raw)
    if header and header[0] * header[1] > MAX_PIXELS:
        raise DataError("bad_image", f"image too large: {header[0]}x{header[1]} pixels")
    # Some OpenCV builds decode a JPEG cut short and paint the rest grey; its end-of-image
    # marker is then missing (0xFFD9 cannot occur inside the entropy-coded data).
    if raw[:2] == b"\xff\xd8" and raw.rfind(b"\xff\xd9") < 0:
        raise DataError("bad_image", "truncated JPEG (no end-of-image marker)")
    special = bool(header and header[2])
    flag = cv2.IMREAD_UNCHANGED if special else cv2.IMREAD_COLOR
    img = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), flag)
    if img is None or img.size == 0 or min(img.shape[:2]) < 1:
        raise DataError("bad_image", "not a decodable image")
    if special:
        img = _to_bgr8(img)
    if img.shape[0] * img.shape[1] > MAX_PIXELS:
        raise DataError("bad_image", f"image too large: {img.shape[1]}x{img.shape[0]}")
    if img_mode == "RGB":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif img_mode == "GRAY":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img


@TRANSFORMS.register()
class DecodeImage(Transform):
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
        # The stored size, before any resize: the error report's aspect-ratio figures read it.
        data["image_hw"] = np.asarray(img.shape[:2], dtype=np.int32)
        if self.channel_first and img.ndim == 3:
            img = img.transpose((2, 0, 1))
        data["image"] = img
        return data
