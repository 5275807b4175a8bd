"""Text-line augmentation for recognizer training: ``RecAug`` and ``RecConAug``.

Every op takes an (H, W, 3) (or (H, W)) uint8 image and a ``numpy.random.Generator`` and returns
a new uint8 image with the same channels; none modifies its input. All randomness comes from
``data["rng"]``, which the dataset seeds from (seed, epoch, index), so workers are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.data.transforms.warp import tia_warp
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS

Op = Callable[[np.ndarray, np.random.Generator], np.ndarray]

# Magnitudes. PaddleOCR's hsv_aug (V * (1 +- 0.001)), jitter (a shift of min(h, w) / 100 px) and
# noise (sd 0.16 grey levels) are no-ops on text lines, so these are mild but visible instead.
HUE_SHIFT = 8.0  # of OpenCV's 180 hue steps
SAT_SCALE = 0.3  # saturation * (1 +- 0.3)
VAL_SCALE = 0.2  # value * (1 +- 0.2)
CONTRAST = 0.3  # contrast around the mean * (1 +- 0.3)
BRIGHTNESS = 30.0  # +- grey levels
NOISE_STD = (3.0, 12.0)  # grey levels
MAX_CROP_ROWS = 8  # as PaddleOCR, but never more than a quarter of the height


def get_rng(data: dict[str, Any]) -> np.random.Generator:
    """The sample's generator, or a fresh unseeded one when the dataset gave none."""
    rng = data.get("rng")
    return rng if rng is not None else np.random.default_rng()


def tia(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """TIA distort + stretch (lines of at least 20 x 20) and perspective, in one remap."""
    h, w = img.shape[:2]
    seg = rng.integers(3, 7, size=2)
    # As PaddleOCR: smaller lines cannot hold 3..6 segments, so they only get perspective.
    big = h >= 20 and w >= 20
    return tia_warp(img, rng, int(seg[0]) if big else None, int(seg[1]) if big else None)


def crop(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cut 1..8 rows (at most a quarter of the height) off the top or the bottom (a view)."""
    h = img.shape[0]
    rows = int(rng.integers(1, max(1, min(MAX_CROP_ROWS, h // 4)) + 1))
    return img[rows:] if rng.random() < 0.5 else img[: h - rows]


def gaussian_blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """5 x 5 Gaussian blur with sigma in [0.5, 1.5] (PaddleOCR: sigma 1)."""
    return cv2.GaussianBlur(img, (5, 5), float(rng.uniform(0.5, 1.5)))


def line_kernel(length: int, angle_deg: float) -> np.ndarray:
    """A normalised (length, length) float32 kernel: a line through the centre at an angle."""
    c = (length - 1) / 2
    t = np.linspace(-c, c, 4 * length)
    rad = np.deg2rad(angle_deg)
    xs = np.rint(c + t * np.cos(rad)).astype(np.intp)
    ys = np.rint(c + t * np.sin(rad)).astype(np.intp)
    kernel = np.bincount(ys * length + xs, minlength=length * length).astype(np.float32)
    return (kernel / kernel.sum()).reshape(length, length)


def motion_blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Linear motion blur, 3..max(3, short side / 8) px long, in a random direction."""
    length = int(rng.integers(3, max(3, min(img.shape[:2]) // 8) + 1))
    kernel = line_kernel(length, float(rng.uniform(0.0, 180.0)))
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def hsv_aug(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shift hue, scale saturation and value; grey (H, W) images are returned unchanged."""
    if img.ndim != 3 or img.shape[2] != 3:
        return img
    hue, sat, val = rng.uniform(-1.0, 1.0, 3) * (HUE_SHIFT, SAT_SCALE, VAL_SCALE)
    x = np.arange(256, dtype=np.float32)
    # One 3-channel LUT does all three channel edits in a single pass.
    lut = np.empty((256, 1, 3), dtype=np.uint8)
    lut[:, 0, 0] = np.rint(x + hue) % 180  # 8-bit OpenCV hue lives in [0, 180)
    lut[:, 0, 1] = np.clip(np.rint(x * (1.0 + sat)), 0, 255)
    lut[:, 0, 2] = np.clip(np.rint(x * (1.0 + val)), 0, 255)
    hsv = cv2.LUT(cv2.cvtColor(img, cv2.COLOR_BGR2HSV), lut)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def brightness_contrast(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scale contrast around the image mean and shift brightness, through one LUT."""
    alpha = 1.0 + rng.uniform(-CONTRAST, CONTRAST)
    beta = rng.uniform(-BRIGHTNESS, BRIGHTNESS)
    channels = 1 if img.ndim == 2 else img.shape[2]
    mean = float(np.mean(cv2.mean(img)[:channels]))
    lut = np.clip(np.rint((np.arange(256) - mean) * alpha + mean + beta), 0, 255)
    return cv2.LUT(img, lut.astype(np.uint8))


def gaussian_noise(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add zero-mean noise with sd in ``NOISE_STD``, the same on all channels (luminance)."""
    h, w = img.shape[:2]
    sigma = rng.uniform(*NOISE_STD)
    # The sum of 4 uniform bytes (Irwin-Hall, mean 510, sd 147.8) is near-normal and about 3x
    # cheaper to draw than rng.standard_normal.
    u = np.frombuffer(rng.bytes(4 * h * w), dtype=np.uint8).reshape(4, h, w)
    total = cv2.add(cv2.add(u[0], u[1], dtype=cv2.CV_32F), cv2.add(u[2], u[3], dtype=cv2.CV_32F))
    if img.ndim == 3:
        total = cv2.merge([total] * img.shape[2])
    scale = sigma / 147.8
    return cv2.addWeighted(img, 1.0, total, scale, -510.0 * scale, dtype=cv2.CV_8U)


def reverse(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Invert the colours (PaddleOCR's "reverse": 255 - img)."""
    return cv2.bitwise_not(img)


# (YAML key, op, smallest side it applies to), in PaddleOCR's order. The side limits are
# PaddleOCR's: crops need >= 20 px, 5 x 5 blurs > 10 px.
OPS: tuple[tuple[str, Op, int], ...] = (
    ("tia_prob", tia, 1),
    ("crop_prob", crop, 20),
    ("blur_prob", gaussian_blur, 11),
    ("motion_blur_prob", motion_blur, 11),
    ("hsv_aug_prob", hsv_aug, 1),
    ("jitter_prob", brightness_contrast, 1),
    ("noise_prob", gaussian_noise, 1),
    ("reverse_prob", reverse, 1),
)


def _probability(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{where} must be a probability in [0, 1], got {value!r}")
    return float(value)


@TRANSFORMS.register()
class RecAug(Transform):
    """PaddleOCR's RecAug: TIA warps and photometric ops, each with its own probability.

    Takes ``data["image"]`` (H, W, 3) uint8 BGR before resizing and returns (H', W, 3) uint8
    with H' <= H (only crop changes the size). Ops run in this order: tia, crop, blur, motion
    blur, hsv, jitter, noise, reverse.

    Args:
        tia_prob: TIA distort + stretch + perspective.
        crop_prob: Cut a few rows off the top or bottom.
        reverse_prob: Invert colours.
        noise_prob: Gaussian-like luminance noise.
        jitter_prob: Brightness/contrast jitter (PaddleOCR's pixel-shift "jitter" moved lines
            under 100 px by 0 px, so the key now drives a useful op).
        blur_prob: Gaussian blur.
        hsv_aug_prob: Hue/saturation/value jitter.
        motion_blur_prob: Linear motion blur (not in PaddleOCR; off unless set).
    """

    # The YAML surface is flat (PaddleOCR's keys), hence one parameter per op probability.
    def __init__(
        self,
        tia_prob: float = 0.4,
        crop_prob: float = 0.4,
        reverse_prob: float = 0.4,
        noise_prob: float = 0.4,
        jitter_prob: float = 0.4,
        blur_prob: float = 0.4,
        hsv_aug_prob: float = 0.4,
        motion_blur_prob: float = 0.0,
    ) -> None:
        given = {
            "tia_prob": tia_prob,
            "crop_prob": crop_prob,
            "reverse_prob": reverse_prob,
            "noise_prob": noise_prob,
            "jitter_prob": jitter_prob,
            "blur_prob": blur_prob,
            "hsv_aug_prob": hsv_aug_prob,
            "motion_blur_prob": motion_blur_prob,
        }
        self.probs = {key: _probability(f"RecAug.{key}", given[key]) for key, _, _ in OPS}
        self._thresholds = np.array([self.probs[key] for key, _, _ in OPS])

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        rng = get_rng(data)
        img = data["image"]
        # One draw for all coin flips; a probability of 1 always fires, 0 never does.
        fire = rng.random(len(OPS)) < self._thresholds
        for (_, op, min_side), on in zip(OPS, fire, strict=True):
            if on and min(img.shape[:2]) >= min_side:
                img = op(img, rng)
        data["image"] = img
        return data


def _hw_shape(image_shape: Sequence[int]) -> tuple[int, int]:
    """Height and width of PaddleOCR's RecConAug ``image_shape`` = [H, W, C]."""
    if not isinstance(image_shape, Sequence) or len(image_shape) not in (2, 3):
        raise ConfigError(f"RecConAug.image_shape must be [H, W, C], got {image_shape!r}")
    h, w = (int(v) for v in image_shape[:2])
    if h <= 0 or w <= 0:
        raise ConfigError(f"RecConAug.image_shape must be positive, got {image_shape!r}")
    if len(image_shape) == 3 and h in (1, 3) and int(image_shape[2]) > 4:
        # RecResizeImg takes [C, H, W]; RecConAug (like PaddleOCR's) takes [H, W, C].
        raise ConfigError(
            f"RecConAug.image_shape is [H, W, C] (e.g. [48, 320, 3]); {list(image_shape)} "
            "looks like [C, H, W]"
        )
    return h, w


def _to_height(img: np.ndarray, height: int, channels: int) -> np.ndarray:
    h, w = img.shape[:2]
    if img.ndim == 2 and channels == 3:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.ndim == 3 and channels == 1:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if h == height:
        return img
    return cv2.resize(img, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_LINEAR)


@TRANSFORMS.register()
class RecConAug(Transform):
    """PaddleOCR's RecConAug: append extra samples to the right of the line.

    With probability ``prob``, takes ``data["ext_data"]`` (sample dicts with a decoded
    ``image`` and a raw ``label``, filled by the dataset) in order and appends each while the
    joined label stays within ``max_text_length`` characters and the joined width/height ratio
    within ``W / H`` of ``image_shape``; stops at the first that does not fit. Images are
    resized to height H and concatenated; labels are concatenated with no separator (as
    PaddleOCR). ``ext_data`` is always removed from the sample.

    Args:
        prob: Probability of concatenating at all.
        image_shape: [H, W, C] as in PaddleOCR (e.g. [48, 320, 3]); W / H is the ratio limit.
        max_text_length: Label length limit of the joined sample.
        ext_data_num: Extra samples the dataset should load per sample.
    """

    def __init__(
        self,
        prob: float = 0.5,
        image_shape: Sequence[int] = (32, 320, 3),
        max_text_length: int = 25,
        ext_data_num: int = 1,
    ) -> None:
        self.prob = _probability("RecConAug.prob", prob)
        self.height, width = _hw_shape(image_shape)
        self.max_wh_ratio = width / self.height
        self.max_text_length = int(max_text_length)
        self.ext_data_num = int(ext_data_num)

    def _fitting(self, data: dict[str, Any], extra: Sequence[dict[str, Any]]) -> list[dict]:
        length = len(data["label"])
        ratio = data["image"].shape[1] / data["image"].shape[0]
        picked = []
        for ext in extra:
            h, w = ext["image"].shape[:2]
            length += len(ext["label"])
            ratio += w / h
            if length > self.max_text_length or ratio > self.max_wh_ratio:
                break
            picked.append(ext)
        return picked

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        extra = data.pop("ext_data", None) or []
        if get_rng(data).random() >= self.prob or not extra:
            return data
        picked = self._fitting(data, extra)
        if not picked:
            return data
        channels = 1 if data["image"].ndim == 2 else data["image"].shape[2]
        parts = [_to_height(d["image"], self.height, channels) for d in (data, *picked)]
        data["image"] = np.concatenate(parts, axis=1)
        data["label"] = data["label"] + "".join(ext["label"] for ext in picked)
        return data
