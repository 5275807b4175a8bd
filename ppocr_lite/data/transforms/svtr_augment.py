"""SVTR's augmentation (PaddleOCR's ``SVTRRecAug``, after ABINet): geometry, deterioration, colour.

Three stages, each applied with its own probability to the (H, W, 3) uint8 line before resizing:

* geometry: one of rotation (up to +-45 degrees), affine (rotation, scale 0.5-2, shear up to
  45 / 15 degrees) or perspective (corners pulled in by up to half the side); with
  ``aug_type: 1`` one to three of them in random order. The canvas grows to hold the result.
* deterioration: Gaussian noise, motion blur and down-and-up rescaling, in random order
  (``ParseQRecAug``: also Poisson noise and a Gaussian blur).
* colour jitter: brightness, contrast, saturation (factors 0.5-1.5) and hue (+-0.1 turn).

Magnitudes follow PaddleOCR's (symmetric Beta(4, 4) angles, asymmetric Beta(1, 4) offsets), but
PaddleOCR draws the noise level, blur length and rescale depth once per process, which fixes them
for a whole training run; here they are drawn per sample. Randomness comes from ``data["rng"]``.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from ppocr_lite.data.transforms.augment import _probability, get_rng
from ppocr_lite.data.transforms.base import Transform
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS

Rng = np.random.Generator
_INTERPOLATIONS = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA)


def _sym(rng: Rng, magnitude: float) -> float:
    """In [-magnitude, magnitude], concentrated near 0 (Beta(4, 4))."""
    return float((rng.beta(4, 4) - 0.5) * 2 * magnitude)


def _asym(rng: Rng, magnitude: float, size: int | None = None) -> Any:
    """In [0, magnitude], mostly small (Beta(1, 4))."""
    return rng.beta(1, 4, size) * magnitude


def _warp_affine(img: np.ndarray, matrix: np.ndarray, rng: Rng) -> np.ndarray:
    """Apply a 2 x 3 map, shifted so that the whole transformed line fits the new canvas."""
    h, w = img.shape[:2]
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [w - 1, h - 1, 1], [0, h - 1, 1]], float)
    moved = corners @ matrix.T
    low, high = moved.min(axis=0), moved.max(axis=0)
    matrix = matrix.copy()
    matrix[:, 2] -= low
    out_w, out_h = (max(2, int(math.ceil(v))) for v in high - low + 1)
    flags = _INTERPOLATIONS[int(rng.integers(len(_INTERPOLATIONS)))]
    return cv2.warpAffine(img, matrix, (out_w, out_h), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def rotate(img: np.ndarray, rng: Rng, degrees: float = 45.0) -> np.ndarray:
    """Rotation about the centre by up to ``degrees``."""
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), _sym(rng, degrees), 1.0)
    return _warp_affine(img, matrix, rng)


def affine(img: np.ndarray, rng: Rng, degrees: float = 45.0) -> np.ndarray:
    """Rotation, scale in [0.5, 2] and shear (x up to 45, y up to 15 degrees) about the centre."""
    h, w = img.shape[:2]
    angle = math.radians(_sym(rng, degrees))
    shear_x, shear_y = math.radians(_sym(rng, 45.0)), math.radians(_sym(rng, 15.0))
    scale = float(rng.uniform(0.5, 2.0))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    shear = np.array([[1.0, math.tan(shear_x)], [math.tan(shear_y), 1.0]])
    linear = scale * rot @ shear
    center = np.array([w / 2, h / 2])
    matrix = np.hstack([linear, (center - linear @ center)[:, None]])
    return _warp_affine(img, matrix, rng)


def perspective(img: np.ndarray, rng: Rng, distortion: float = 0.5) -> np.ndarray:
    """Pull each corner inward by up to ``distortion`` of half the side, then crop to it."""
    h, w = img.shape[:2]
    dx = _asym(rng, distortion * w / 2, 4).astype(int)
    dy = _asym(rng, distortion * h / 2, 4).astype(int)
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    dst = np.float32(
        [
            [dx[0], dy[0]],
            [w - 1 - dx[1], dy[1]],
            [w - 1 - dx[2], h - 1 - dy[2]],
            [dx[3], h - 1 - dy[3]],
        ]
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    x0, y0 = (max(0, int(v)) for v in dst.min(axis=0))
    x1, y1 = (int(v) + 1 for v in dst.max(axis=0))
    flags = _INTERPOLATIONS[int(rng.integers(len(_INTERPOLATIONS)))]
    out = cv2.warpPerspective(img, matrix, (x1, y1), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return out[y0:, x0:]


def noise(img: np.ndarray, rng: Rng) -> np.ndarray:
    """Gaussian noise with a variance of 1..20 grey levels squared."""
    var = max(int(_asym(rng, 20.0)), 1)
    return np.clip(img + rng.normal(0.0, var**0.5, img.shape), 0, 255).astype(np.uint8)


def motion_blur(img: np.ndarray, rng: Rng) -> np.ndarray:
    """A 1..6 px blur along a random direction."""
    length = max(int(_asym(rng, 6.0)), 1)
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D((length // 2, length // 2), float(rng.uniform(-90, 90)), 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length)) / length
    return np.clip(cv2.filter2D(img, -1, kernel), 0, 255).astype(np.uint8)


def poisson_noise(img: np.ndarray, rng: Rng) -> np.ndarray:
    """Add Poisson counts of mean 1..20 (brightens as it roughens, as PaddleOCR's)."""
    lam = max(int(_asym(rng, 20.0)), 1)
    return np.clip(img + rng.poisson(lam, img.shape), 0, 255).astype(np.uint8)


def gaussian_blur(img: np.ndarray, rng: Rng) -> np.ndarray:
    """Separable Gaussian blur (sigma 1) with a kernel of 1..2 px."""
    size = max(int(_asym(rng, 2.0)), 1)
    kernel = cv2.getGaussianKernel(size, 1.0, ktype=cv2.CV_32F)
    return cv2.sepFilter2D(img, -1, kernel, kernel)


def rescale(img: np.ndarray, rng: Rng) -> np.ndarray:
    """Lose detail: resize to 128 x 512, halve 0..4 times, and resize back."""
    times = round(float(rng.uniform(0, 4)))
    if times == 0:
        return img
    h, w = img.shape[:2]
    pick = _INTERPOLATIONS[int(rng.integers(len(_INTERPOLATIONS)))]
    small = cv2.resize(img, (512, 128), interpolation=pick)
    for _ in range(times):
        small = cv2.pyrDown(small)
    pick = _INTERPOLATIONS[int(rng.integers(len(_INTERPOLATIONS)))]
    return cv2.resize(small, (w, h), interpolation=pick)


def color_jitter(img: np.ndarray, rng: Rng) -> np.ndarray:
    """Brightness, contrast and saturation x [0.5, 1.5], hue +-0.1 turn, in random order."""
    if img.ndim != 3 or img.shape[2] != 3:
        return img
    out = img.astype(np.float32)
    for step in rng.permutation(4):
        if step == 3:
            hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_BGR2HSV)
            hsv[..., 0] = (hsv[..., 0].astype(int) + int(rng.uniform(-0.1, 0.1) * 180)) % 180
            out = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR).astype(np.float32)
            continue
        factor = float(rng.uniform(0.5, 1.5))
        gray = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY)
        base = {0: 0.0, 1: float(gray.mean()), 2: gray[..., None].astype(np.float32)}[int(step)]
        out = base + (out - base) * factor
    return np.clip(out, 0, 255).astype(np.uint8)


GEOMETRY = (rotate, affine, perspective)
DETERIORATION = (noise, motion_blur, rescale)
PARSEQ_DETERIORATION = (noise, motion_blur, poisson_noise, gaussian_blur, rescale)


@TRANSFORMS.register()
class SVTRRecAug(Transform):
    """PaddleOCR's SVTRRecAug on ``data["image"]`` (H, W, 3) uint8, before resizing.

    Args:
        aug_type: 0 applies one geometric op; 1 applies one to three in random order.
        geometry_p: Probability of the geometric stage.
        deterioration_p: Probability of the noise / blur / rescale stage.
        colorjitter_p: Probability of the colour stage.

    Raises:
        ConfigError: on a probability outside [0, 1] or another ``aug_type``.
    """

    deterioration: tuple = DETERIORATION

    def __init__(
        self,
        aug_type: int = 0,
        geometry_p: float = 0.5,
        deterioration_p: float = 0.25,
        colorjitter_p: float = 0.25,
    ) -> None:
        name = type(self).__name__
        if aug_type not in (0, 1):
            raise ConfigError(f"{name}.aug_type must be 0 or 1, got {aug_type!r}")
        self.aug_type = aug_type
        self.geometry_p = _probability(f"{name}.geometry_p", geometry_p)
        self.deterioration_p = _probability(f"{name}.deterioration_p", deterioration_p)
        self.colorjitter_p = _probability(f"{name}.colorjitter_p", colorjitter_p)

    def _geometry(self, img: np.ndarray, rng: Rng) -> np.ndarray:
        if self.aug_type == 0:
            return GEOMETRY[int(rng.integers(3))](img, rng)
        for i in rng.permutation(3)[: int(rng.integers(1, 4))]:
            img = GEOMETRY[int(i)](img, rng)
        return img

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        rng = get_rng(data)
        img = data["image"]
        if min(img.shape[:2]) < 2:
            return data  # nothing to warp; the resize op deals with it
        if rng.random() < self.geometry_p:
            img = self._geometry(img, rng)
        if rng.random() < self.deterioration_p:
            for i in rng.permutation(len(self.deterioration)):
                img = self.deterioration[int(i)](img, rng)
        if rng.random() < self.colorjitter_p:
            img = color_jitter(img, rng)
        data["image"] = img
        return data


@TRANSFORMS.register()
class ParseQRecAug(SVTRRecAug):
    """PaddleOCR's ParseQRecAug (its PARSeq config): SVTRRecAug whose deterioration stage also
    adds Poisson noise and a Gaussian blur. Same arguments as ``SVTRRecAug``."""

    deterioration = PARSEQ_DETERIORATION
