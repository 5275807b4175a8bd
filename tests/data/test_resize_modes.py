"""RecResizeImg's infer_mode / eval_mode mean what they mean in PaddleOCR: lines wider than the
trained ratio keep their ratio (eval_mode, or infer_mode with a dictionary); otherwise they are
squeezed to the configured width."""

from __future__ import annotations

import numpy as np
import pytest

from ppocr_lite.data.transforms import build_transforms

LONG = np.full((32, 480), 128, np.uint8)  # w/h = 15
SHORT = np.full((32, 50), 128, np.uint8)


def resized(op: dict, image: np.ndarray, dictionary: str | None = "dict.txt") -> tuple:
    (built,) = build_transforms([op], "Eval.dataset.transforms", character_dict_path=dictionary)
    data = built({"image": np.dstack([image] * 3)})
    return data["image"].shape, data["valid_ratio"]


@pytest.mark.parametrize(
    ("params", "dictionary", "width"),
    [
        ({}, "dict.txt", 100),
        ({"infer_mode": True}, "dict.txt", 480),
        ({"infer_mode": True}, None, 100),  # PaddleOCR: no dictionary, no widening
        ({"eval_mode": True}, None, 480),
        ({"infer_mode": True, "padding": False}, "dict.txt", 480),
    ],
)
def test_long_lines(params: dict, dictionary: str | None, width: int) -> None:
    op = {"RecResizeImg": {"image_shape": [3, 32, 100], **params}}
    assert resized(op, LONG, dictionary) == ((3, 32, width), 1.0)


def test_short_lines_are_padded_to_the_trained_width_in_every_mode() -> None:
    for params in ({}, {"infer_mode": True}, {"eval_mode": True}):
        op = {"RecResizeImg": {"image_shape": [3, 32, 100], **params}}
        assert resized(op, SHORT) == ((3, 32, 100), 0.5)


def test_the_width_follows_the_line_at_the_model_height() -> None:
    op = {"RecResizeImg": {"image_shape": [3, 48, 320], "eval_mode": True}}
    assert resized(op, np.full((40, 250), 128, np.uint8))[0] == (3, 48, 320)
    assert resized(op, np.full((40, 600), 128, np.uint8))[0] == (3, 48, 720)


def test_svtr_resize_never_widens() -> None:
    op = {"SVTRRecResizeImg": {"image_shape": [3, 32, 100], "infer_mode": True, "eval_mode": True}}
    assert resized(op, LONG)[0] == (3, 32, 100)
