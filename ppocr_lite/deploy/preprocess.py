"""Images -> model inputs through the registry transforms of the config's Eval section (or of
an export's ``inference.yml``), optionally widening long lines as PaddleOCR's predictor does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.data.transforms import Transform, apply_transforms, build_transforms
from ppocr_lite.data.transforms.decode import DecodeImage
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.errors import ConfigError, DataError

# A widened batch is rounded up to a multiple of this: oneDNN builds kernels per input shape
# (~0.1 s each), so a few shapes, reused by the ratio-sorted batches, beat one per batch.
WIDTH_STEP = 32
# Wider batches than this are squeezed: a guard against pathological lines, not a model limit.
MAX_WIDTH = 3200


def build_ops(
    transforms: Sequence[Any],
    charset: Charset,
    max_text_length: int = 25,
    character_dict_path: str | None = None,
) -> list[Transform]:
    """The transforms of an Eval section (or an exported ``PreProcess.transform_ops``) without
    ``KeepKeys`` and label ops, built as ``eval.py``'s loader builds them (same injected
    values), so that both see the same pixels."""
    items = [op for op in transforms if "KeepKeys" not in op]
    ops = build_transforms(
        items,
        "Eval.dataset.transforms",
        charset=charset,
        max_text_length=max_text_length,
        character_dict_path=character_dict_path,
    )
    return [op for op in ops if not getattr(op, "uses_label", False)]


def _array_to_mode(img: np.ndarray, img_mode: str) -> np.ndarray:
    """An OpenCV-style uint8 array in ``DecodeImage``'s ``img_mode`` (BGR, RGB or GRAY)."""
    if img.dtype != np.uint8 or img.ndim not in (2, 3) or min(img.shape[:2]) < 1:
        raise DataError(
            "bad_image", f"expected a uint8 (H, W[, C]) image, got {img.dtype} {img.shape}"
        )
    if img_mode == "GRAY":
        return img if img.ndim == 2 else cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2GRAY)
    if img.ndim == 2 or img.shape[2] == 1:
        img = cv2.cvtColor(img.reshape(img.shape[:2]), cv2.COLOR_GRAY2BGR)
    img = np.ascontiguousarray(img[:, :, :3])
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if img_mode == "RGB" else img


class Preprocess:
    """Encoded images or arrays -> model inputs, through the config's transforms.

    Args:
        ops: From ``build_ops`` (or ``files.inference_ops``).
        widen_long_lines: PaddleOCR's ``predict_rec`` rule: a batch is as wide as its widest
            line at the trained height (rounded up to ``WIDTH_STEP``, at most ``MAX_WIDTH``),
            and every line keeps its aspect ratio in it, instead of being squeezed to the
            configured width as ``eval.py`` does. Only for a keep-ratio ``RecResizeImg``
            (``padding: true``) and a model that reads any width.

    Raises:
        ConfigError: if widening is asked for transforms that cannot widen.
    """

    def __init__(self, ops: Sequence[Transform], widen_long_lines: bool = False) -> None:
        if widen_long_lines and not can_widen(ops):
            raise ConfigError(
                "widen_long_lines needs a keep-ratio RecResizeImg (padding: true) in the transforms"
            )
        self.ops, self.widen = list(ops), widen_long_lines
        # A decoded array skips DecodeImage; it is converted to the op's channel order instead.
        self.decode = next((op for op in self.ops if isinstance(op, DecodeImage)), None)
        resize = [op for op in self.ops if isinstance(op, RecResizeImg)]
        # Widening: the ops before the resize run first, then the batch width is known.
        self.split = self.ops.index(resize[0]) if widen_long_lines else len(self.ops)
        self.trained_hw = (resize[0].height, resize[0].width) if resize else (0, 0)

    def _run(self, data: dict[str, Any] | str, ops: Sequence[Transform]) -> dict[str, Any] | str:
        """``data`` through ``ops``, or the reason it cannot be used."""
        if isinstance(data, str):
            return data
        try:
            out = apply_transforms(data, ops)
        except DataError as exc:
            return f"{exc.reason}: {exc}"
        return "dropped by a transform" if out is None else out

    def _start(self, item: bytes | np.ndarray) -> dict[str, Any] | str:
        """The first ops (all of them without widening) on one image."""
        if not isinstance(item, np.ndarray):
            return self._run({"image": item, "label": ""}, self.ops[: self.split])
        mode = self.decode.img_mode if self.decode is not None else "BGR"
        try:
            data = {"image": _array_to_mode(item, mode), "label": ""}
        except DataError as exc:
            return f"{exc.reason}: {exc}"
        return self._run(data, [op for op in self.ops[: self.split] if op is not self.decode])

    def batch(self, items: Sequence[bytes | np.ndarray]) -> list[np.ndarray | str]:
        """Each item preprocessed (C, H, W), or the reason it cannot be used."""
        started = [self._start(item) for item in items]
        good = [d for d in started if not isinstance(d, str)]
        if self.widen and good:
            height, width = self.trained_hw
            width = widened_batch_width([d["image"].shape[:2] for d in good], height, width)
            for data in good:
                data["target_hw"] = (height, width)
        done = [self._run(d, self.ops[self.split :]) for d in started]
        return [d if isinstance(d, str) else d["image"] for d in done]


def can_widen(ops: Sequence[Transform]) -> bool:
    """Whether the resize is a keep-ratio ``RecResizeImg``: a stretched line is as wide as the
    trained input whatever the batch, and SVTR's resize never widens (as in PaddleOCR)."""
    resize = [op for op in ops if isinstance(op, RecResizeImg)]
    return bool(resize) and type(resize[0]) is RecResizeImg and bool(resize[0].padding)


def widened_batch_width(sizes: Sequence[tuple[int, int]], height: int, width: int) -> int:
    """The trained ``width``, or, for a batch with a line wider than the trained ratio, that
    line's width at ``height`` rounded up to ``WIDTH_STEP`` (at most ``MAX_WIDTH``)."""
    widest = max(math.ceil(height * w / max(h, 1)) for h, w in sizes)
    if widest <= width:
        return width
    return max(width, min(math.ceil(widest / WIDTH_STEP) * WIDTH_STEP, MAX_WIDTH))
