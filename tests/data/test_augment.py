"""Tests of text-line augmentation: RecAug, the TIA warps, RecConAug and IaaAugment."""

from __future__ import annotations

import sys
import types
from typing import Any

import cv2
import numpy as np
import pytest

from ppocr_lite.data.transforms import augment, imgaug_augment, warp
from ppocr_lite.data.transforms.augment import OPS, RecAug, RecConAug
from ppocr_lite.data.transforms.imgaug_augment import IaaAugment
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import TRANSFORMS

SIZES = [(32, 100), (48, 320), (20, 400), (64, 64), (8, 8), (40, 475), (1, 30), (30, 1)]
OP_KEYS = [key for key, _, _ in OPS]


def text_line(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A (h, w, 3) uint8 BGR image with dark text on a light random background."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = rng.integers(140, 256, 3)
    img[:] = np.clip(img + rng.normal(0, 5, img.shape), 0, 255).astype(np.uint8)
    colour = [int(c) for c in rng.integers(0, 90, 3)]
    cv2.putText(img, "Tieng Viet 123", (1, int(h * 0.75)), 0, h / 40, colour, max(1, h // 16))
    return img


def run(op: Any, img: np.ndarray, seed: int, **extra: Any) -> dict[str, Any]:
    return op({"image": img, "label": "abc", "rng": np.random.default_rng(seed), **extra})


def only(key: str) -> RecAug:
    """A RecAug whose op ``key`` always fires and all others never do."""
    return RecAug(**{k: float(k == key) for k in OP_KEYS})


# -- RecAug -----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("prob", [0.4, 1.0])
def test_rec_aug_keeps_dtype_channels_and_size(size: tuple[int, int], prob: float) -> None:
    op = RecAug(**{k: prob for k in OP_KEYS})
    h, w = size
    for seed in range(25):
        img = text_line(h, w, seed)
        before = img.copy()
        out = run(op, img, seed)["image"]
        assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
        # Only crop changes the size: at most 8 rows and a quarter of the height.
        assert out.shape[1] == w
        assert h - min(8, h // 4) <= out.shape[0] <= h and out.size > 0
        np.testing.assert_array_equal(img, before)  # the input is never modified


def test_rec_aug_is_deterministic_given_the_rng_seed() -> None:
    op = RecAug(**{k: 0.7 for k in OP_KEYS})
    img = text_line(48, 320)
    for seed in range(10):
        a, b = run(op, img, seed)["image"], run(op, img, seed)["image"]
        np.testing.assert_array_equal(a, b)
    outs = [run(op, img, seed)["image"] for seed in range(6)]
    assert len({o.tobytes() for o in outs}) == 6


def test_rec_aug_without_rng_still_works() -> None:
    out = RecAug(tia_prob=1.0)({"image": text_line(32, 100), "label": "x"})
    assert out["image"].shape[1] == 100 and out["image"].dtype == np.uint8


@pytest.mark.parametrize("key", OP_KEYS)
def test_each_op_alone_at_probability_one_changes_the_image(key: str) -> None:
    img = text_line(48, 320, 1)
    for seed in range(5):
        out = run(only(key), img, seed)["image"]
        assert out.dtype == np.uint8 and out.shape[1:] == (320, 3)
        if key == "crop_prob":
            assert 48 - 8 <= out.shape[0] < 48
            continue
        assert out.shape == img.shape
        assert np.abs(out.astype(int) - img).mean() > 0.5, key


@pytest.mark.parametrize("key", OP_KEYS)
def test_each_op_on_tiny_and_grey_images(key: str) -> None:
    for img in (text_line(8, 8), text_line(3, 200), cv2.cvtColor(text_line(32, 100), 6)):
        out = run(only(key), img, 0)["image"]
        assert out.dtype == np.uint8 and out.ndim == img.ndim and out.size > 0
        assert out.shape[1:] == img.shape[1:]


def test_zero_probabilities_return_the_image_itself() -> None:
    img = text_line(32, 100)
    assert run(RecAug(**{k: 0.0 for k in OP_KEYS}), img, 0)["image"] is img


def test_reverse_inverts_and_noise_is_zero_mean_luminance() -> None:
    img = text_line(32, 100)
    np.testing.assert_array_equal(augment.reverse(img, np.random.default_rng(0)), 255 - img)
    flat = np.full((200, 200, 3), 128, dtype=np.uint8)
    noise = augment.gaussian_noise(flat, np.random.default_rng(0)).astype(float) - 128
    assert abs(noise.mean()) < 0.2 and 2.0 < noise.std() < 13.0
    assert (noise[..., 0] == noise[..., 2]).all()


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0])
def test_line_kernel_is_normalised(angle: float) -> None:
    kernel = augment.line_kernel(5, angle)
    assert kernel.shape == (5, 5) and kernel.dtype == np.float32
    assert kernel.sum() == pytest.approx(1.0) and kernel[2, 2] > 0


def test_rec_aug_builds_from_paddleocr_yaml_keys() -> None:
    block = {"name": "RecAug", "tia_prob": 0.4, "crop_prob": 0.4, "reverse_prob": 0.4}
    block |= {"noise_prob": 0.4, "jitter_prob": 0.4, "blur_prob": 0.4, "hsv_aug_prob": 0.4}
    op = TRANSFORMS.build(block, "Train.dataset.transforms[1]")
    assert op.probs["tia_prob"] == 0.4 and op.probs["motion_blur_prob"] == 0.0
    assert isinstance(TRANSFORMS.build({"name": "RecAug"}), RecAug)
    with pytest.raises(ConfigError, match="tia_porb"):
        TRANSFORMS.build({"name": "RecAug", "tia_porb": 0.4})
    with pytest.raises(ConfigError, match="probability"):
        RecAug(crop_prob=1.5)


# -- warps ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_upsampled_identity_grid_is_exact(size: tuple[int, int]) -> None:
    h, w = size
    step = warp._grid_step(h, w)
    mapping = warp.upsample_map(warp.coarse_grid(h, w, step), h, w, step)
    ys, xs = np.mgrid[0:h, 0:w]
    np.testing.assert_allclose(mapping[..., 0], xs, atol=1e-3)
    np.testing.assert_allclose(mapping[..., 1], ys, atol=1e-3)


def test_tps_interpolates_its_control_points() -> None:
    src, dst = warp.distort_points(48, 320, 4, np.random.default_rng(0))
    np.testing.assert_allclose(warp.tps_map(dst, dst, src), src, atol=1e-6)
    assert not np.allclose(src, dst)


def test_perspective_maps_the_moved_corners_back_to_the_image_corners() -> None:
    h, w = 48, 320
    corners_y = warp.perspective_corners(h, w, np.random.default_rng(3))
    assert np.all(corners_y[:2] < h / 2) and np.all(corners_y[2:] > h / 2)
    moved = np.array([[0, corners_y[0]], [w, corners_y[1]], [w, corners_y[2]], [0, corners_y[3]]])
    expected = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
    np.testing.assert_allclose(warp.perspective_map(moved, corners_y, h, w), expected)


def test_coarse_map_is_close_to_the_dense_map() -> None:
    h, w = 40, 300
    rng = np.random.default_rng(5)
    src, dst = warp.stretch_points(h, w, 4, rng)
    corners_y = warp.perspective_corners(h, w, rng)

    def backward(p: np.ndarray) -> np.ndarray:
        return warp.tps_map(warp.perspective_map(p, corners_y, h, w), dst, src)

    ys, xs = np.mgrid[0:h, 0:w]
    dense = backward(np.stack([xs.ravel(), ys.ravel()], 1).astype(float)).reshape(h, w, 2)
    step = warp._grid_step(h, w)
    grid = warp.coarse_grid(h, w, step)
    coarse = warp.upsample_map(backward(grid.reshape(-1, 2)).reshape(grid.shape), h, w, step)
    assert np.abs(coarse - dense).mean() < 0.3


@pytest.mark.parametrize(
    "fn",
    [
        lambda img, rng: warp.tia_distort(img, 4, rng),
        lambda img, rng: warp.tia_stretch(img, 5, rng),
        warp.tia_perspective,
    ],
)
def test_single_warps_keep_shape_and_constant_images(fn: Any) -> None:
    rng = np.random.default_rng(0)
    img = text_line(48, 320)
    out = fn(img, rng)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - img).mean() > 0.5
    flat = np.full((32, 100, 3), 77, dtype=np.uint8)
    np.testing.assert_array_equal(fn(flat, rng), flat)


def test_tia_warp_without_warps_is_the_identity() -> None:
    img = text_line(32, 100)
    rng = np.random.default_rng(0)
    assert warp.tia_warp(img, rng, None, None, perspective=False) is img


# -- RecConAug --------------------------------------------------------------------------------
def sample(h: int, w: int, label: str, seed: int = 0) -> dict[str, Any]:
    return {"image": text_line(h, w, seed), "label": label}


def concat(op: RecConAug, main: dict[str, Any], extra: list[dict[str, Any]], seed: int = 0) -> dict:
    return op({**main, "ext_data": extra, "rng": np.random.default_rng(seed)})


def test_rec_con_aug_concatenates_images_and_labels() -> None:
    op = RecConAug(prob=1.0, image_shape=[32, 320, 3], max_text_length=25, ext_data_num=2)
    out = concat(op, sample(32, 64, "ab"), [sample(16, 48, "cd", 1), sample(64, 64, "e", 2)])
    assert out["label"] == "abcde" and "ext_data" not in out
    assert out["image"].shape == (32, 64 + 96 + 32, 3) and out["image"].dtype == np.uint8
    np.testing.assert_array_equal(out["image"][:, :64], text_line(32, 64))


def test_rec_con_aug_resizes_the_main_image_to_the_target_height() -> None:
    op = RecConAug(prob=1.0, image_shape=[48, 320, 3])
    out = concat(op, sample(24, 48, "a"), [sample(48, 48, "b")])
    assert out["image"].shape == (48, 96 + 48, 3) and out["label"] == "ab"


def test_rec_con_aug_stops_at_the_text_length_limit() -> None:
    op = RecConAug(prob=1.0, image_shape=[32, 320, 3], max_text_length=6)
    extra = [sample(32, 32, "cde"), sample(32, 32, "fgh"), sample(32, 32, "i")]
    out = concat(op, sample(32, 32, "ab"), extra)
    # Like PaddleOCR it stops at the first sample that does not fit, not skipping it.
    assert out["label"] == "abcde" and out["image"].shape == (32, 64, 3)


def test_rec_con_aug_stops_at_the_aspect_ratio_limit() -> None:
    op = RecConAug(prob=1.0, image_shape=[32, 160, 3], max_text_length=100)
    extra = [sample(32, 64, "b"), sample(32, 64, "c"), sample(32, 8, "d")]
    out = concat(op, sample(32, 64, "a"), extra)
    assert out["label"] == "ab" and out["image"].shape == (32, 128, 3)
    too_wide = concat(op, sample(32, 150, "a"), [sample(32, 64, "b")])
    assert too_wide["label"] == "a" and too_wide["image"].shape == (32, 150, 3)


def test_rec_con_aug_probability_zero_and_missing_ext_data() -> None:
    main = sample(20, 40, "ab")
    out = concat(RecConAug(prob=0.0), dict(main), [sample(32, 32, "c")])
    assert out["label"] == "ab" and out["image"] is main["image"] and "ext_data" not in out
    alone = RecConAug(prob=1.0)({**main, "rng": np.random.default_rng(0)})
    assert alone["label"] == "ab" and alone["image"] is main["image"]


def test_rec_con_aug_respects_its_probability_and_seed() -> None:
    op = RecConAug(prob=0.5, image_shape=[32, 320, 3])
    joined = [
        concat(op, sample(32, 32, "a"), [sample(32, 32, "b")], s)["label"] for s in range(200)
    ]
    assert 70 < joined.count("ab") < 130
    again = [concat(op, sample(32, 32, "a"), [sample(32, 32, "b")], s)["label"] for s in range(200)]
    assert joined == again


def test_rec_con_aug_grey_extra_sample_matches_channels() -> None:
    grey = {"image": cv2.cvtColor(text_line(32, 32), cv2.COLOR_BGR2GRAY), "label": "b"}
    out = concat(RecConAug(prob=1.0), sample(32, 32, "a"), [grey])
    assert out["image"].shape == (32, 64, 3)


def test_rec_con_aug_config_errors_and_registry() -> None:
    with pytest.raises(ConfigError, match=r"\[H, W, C\]"):
        RecConAug(image_shape=[3, 48, 320])
    with pytest.raises(ConfigError, match="image_shape"):
        RecConAug(image_shape=[48])
    with pytest.raises(ConfigError, match="probability"):
        RecConAug(prob=2)
    block = {"name": "RecConAug", "prob": 0.5, "ext_data_num": 2, "image_shape": [48, 320, 3]}
    op = TRANSFORMS.build(block, "Train.dataset.transforms[1]", max_text_length=40)
    assert op.ext_data_num == 2 and op.max_text_length == 40 and op.max_wh_ratio == 320 / 48
    block["max_text_length"] = 25
    assert TRANSFORMS.build(block, max_text_length=40).max_text_length == 25


# -- IaaAugment -------------------------------------------------------------------------------
def test_iaa_augment_without_imgaug_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail, whether or not imgaug is installed.
    monkeypatch.setitem(sys.modules, "imgaug", None)
    monkeypatch.setitem(sys.modules, "imgaug.augmenters", None)
    with pytest.raises(ImportError, match=r"pip install imgaug") as err:
        IaaAugment(augmenter_args=[{"type": "Fliplr", "args": {"p": 0.5}}])
    assert "ppocr_lite[imgaug]" in str(err.value) and "numpy<2" in str(err.value)


def fake_imgaug() -> types.ModuleType:
    """A stand-in for imgaug.augmenters that records how augmenters are built and used."""
    iaa = types.ModuleType("imgaug.augmenters")

    class Augmenter:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.args, self.kwargs, self.seeds = args, kwargs, []

        def seed_(self, seed: int) -> None:
            self.seeds.append(seed)

        def augment_image(self, image: np.ndarray) -> np.ndarray:
            return image[:, ::-1]

    class Sequential(Augmenter):
        pass

    iaa.Augmenter, iaa.Sequential = Augmenter, Sequential
    for name in ("Fliplr", "Affine", "Resize"):
        setattr(iaa, name, type(name, (Augmenter,), {}))
    iaa.Batch = type("Batch", (), {})  # a class that is not an augmenter
    iaa.imresize = lambda *a: None
    return iaa


@pytest.fixture
def iaa(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = fake_imgaug()
    parent = types.ModuleType("imgaug")
    parent.augmenters = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "imgaug", parent)
    monkeypatch.setitem(sys.modules, "imgaug.augmenters", module)
    return module


def test_iaa_augment_builds_augmenters_from_yaml(iaa: types.ModuleType) -> None:
    args = [
        {"type": "Fliplr", "args": {"p": 0.5}},
        {"type": "Affine", "args": {"rotate": [-10, 10]}},
    ]
    op = TRANSFORMS.build({"name": "IaaAugment", "augmenter_args": args})
    flip, affine = op.augmenter.args[0]
    assert isinstance(op.augmenter, iaa.Sequential)
    assert isinstance(flip, iaa.Fliplr) and flip.kwargs == {"p": 0.5}
    assert isinstance(affine, iaa.Affine) and affine.kwargs == {"rotate": (-10, 10)}
    listed = IaaAugment(augmenter_args=[["Affine", [0.5, 2]]]).augmenter.args[0][0]
    assert listed.args == ((0.5, 2),)
    default = IaaAugment().augmenter.args[0]
    assert [type(a).__name__ for a in default] == ["Fliplr", "Affine", "Resize"]


def test_iaa_augment_applies_and_reseeds_from_the_sample_rng(iaa: types.ModuleType) -> None:
    op = IaaAugment(augmenter_args=[{"type": "Fliplr", "args": {"p": 1.0}}])
    img = text_line(32, 100)
    out = run(op, img, 7)
    np.testing.assert_array_equal(out["image"], img[:, ::-1])
    run(op, img, 7)
    run(op, img, 8)
    seeds = op.augmenter.seeds
    assert seeds[0] == seeds[1] != seeds[2]
    assert IaaAugment(augmenter_args=[])({"image": img})["image"] is img


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "Flipl", "args": {}}, "did you mean 'Fliplr'"),
        ({"type": "Batch"}, "unknown imgaug augmenter"),
        ({"type": "imresize"}, "unknown imgaug augmenter"),
        ({"type": "__import__('os')"}, "unknown imgaug augmenter"),
        ({"type": "_private"}, "unknown imgaug augmenter"),
        ({"args": {"p": 1}}, "must be"),
        ({"type": "Fliplr", "arg": {"p": 1}}, "must be"),
        ("Fliplr", "must be"),
        ([], "must be"),
    ],
)
def test_iaa_augment_rejects_bad_entries(iaa: types.ModuleType, spec: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        IaaAugment(augmenter_args=[spec])


def test_iaa_augment_rejects_a_non_list(iaa: types.ModuleType) -> None:
    with pytest.raises(ConfigError, match="must be a list"):
        IaaAugment(augmenter_args="Fliplr")  # type: ignore[arg-type]
    assert imgaug_augment.import_augmenters() is iaa
