"""MultiScaleSampler: per-batch sizes that fit the lines, resumable and rank-aware."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data import build_dataloader
from ppocr_lite.data.base import RawSample, RecDataset
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.data.width_sampler import (
    MultiScaleSampler,
    PlannedBatch,
    SamplerContext,
    aspect_ratios,
    image_size,
)
from ppocr_lite.errors import ConfigError
from ppocr_lite.validate import check_config

from ..conftest import VI_DICT, small_config


class _Lines(RecDataset):
    """In-memory JPEG lines 32 px tall with the given widths."""

    def __init__(self, widths: list[int], resize: bool = True) -> None:
        rng = np.random.default_rng(0)
        self.images = [
            cv2.imencode(".jpg", rng.integers(0, 255, (32, w, 3), dtype=np.uint8))[1].tobytes()
            for w in widths
        ]
        super().__init__([RecResizeImg((3, 32, 320))] if resize else [])

    def __len__(self) -> int:
        return len(self.images)

    def read(self, index: int) -> RawSample:
        return RawSample(str(index), self.images[index], "x")


WIDTHS = [int(w) for w in np.random.default_rng(1).integers(16, 700, 203)]


def sampler(
    dataset: RecDataset | None = None,
    *,
    batch_size: int = 8,
    shuffle: bool = True,
    drop_last: bool = False,
    rank: int = 0,
    world_size: int = 1,
    **keys: Any,
) -> MultiScaleSampler:
    ctx = SamplerContext(
        dataset or _Lines(WIDTHS), batch_size, shuffle, drop_last, 7, rank, world_size
    )
    return MultiScaleSampler(ctx, **keys)


def flat(plan: list[PlannedBatch]) -> list[int]:
    return [int(i) for b in plan for i in b.indices]


def test_image_size_reads_jpeg_and_png_headers() -> None:
    img = np.zeros((37, 211, 3), np.uint8)
    for ext in (".jpg", ".png"):
        assert image_size(cv2.imencode(ext, img)[1].tobytes()) == (37, 211)
    progressive = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    assert image_size(progressive) == (37, 211)
    assert image_size(b"not an image") is None


def test_aspect_ratios_decode_other_formats_and_default_unreadable() -> None:
    ds = _Lines([64, 96])
    ds.images.append(cv2.imencode(".bmp", np.zeros((10, 50, 3), np.uint8))[1].tobytes())
    ds.images.append(b"")
    np.testing.assert_allclose(aspect_ratios(ds, default=9.0), [2.0, 3.0, 5.0, 9.0])


def test_ds_width_batches_fit_their_widest_line() -> None:
    s = sampler(scales=[[320, 32]], ds_width=True, max_w=480)
    ratios = s.ratios()
    plan = s.plan()
    assert sorted(flat(plan)) == list(range(len(WIDTHS)))  # every line once
    for batch in plan:
        assert batch.height == 32 and batch.width % 8 == 0 and 32 <= batch.width <= 480
        needed = np.ceil(32 * ratios[batch.indices])
        assert (needed <= batch.width).all() or batch.width == 480
    # Sorting within pools keeps the padding small: most batches are far narrower than max_w.
    assert np.median([b.width for b in plan]) < 480


def test_area_budget_when_batch_size_is_not_fixed() -> None:
    s = sampler(
        batch_size=16, scales=[[160, 32]], ds_width=True, fix_bs=False, max_w=640, drop_last=True
    )
    for batch in s.plan():
        assert len(batch.indices) * batch.width <= 16 * 160
    assert {len(b.indices) for b in s.plan()} != {16}  # wide batches are smaller


def test_fixed_scales_cycle_with_their_batch_sizes() -> None:
    s = sampler(batch_size=8, scales=[[320, 32], [320, 48], [320, 64]], fix_bs=False)
    sizes = {(b.height, b.width): len(b.indices) for b in s.plan()[:-1]}
    assert sizes == {(32, 320): 8, (48, 320): 5, (64, 320): 4}  # 8 * 32 // 48 = 5, ...
    assert sorted(flat(s.plan())) == list(range(len(WIDTHS)))


def test_order_is_a_pure_function_of_seed_and_epoch_and_resumes() -> None:
    a, b = sampler(ds_width=True), sampler(ds_width=True)
    a.set_epoch(3)
    b.set_epoch(3)
    full = [list(x) for x in a]
    assert full == [list(x) for x in b]
    b.set_epoch(2)
    assert [list(x) for x in b] != full  # another epoch, another order
    b.set_epoch(3, skip_batches=5)
    assert len(b) == len(full) - 5 and [list(x) for x in b] == full[5:]
    assert b.batches_per_epoch() == len(full)
    assert all(k.epoch == 3 and k.target_hw is not None for k in full[0])


def test_evaluation_mode_uses_one_scale_in_width_order() -> None:
    s = sampler(shuffle=False, scales=[[320, 48], [320, 32]], ds_width=True, is_training=False)
    plan = s.plan()
    assert {b.height for b in plan} == {48}
    ratios = s.ratios()[flat(plan)]
    assert (np.diff(ratios) >= 0).all()


def test_ranks_split_batches_evenly_without_overlap() -> None:
    plans = [sampler(rank=r, world_size=2, ds_width=True, drop_last=True).plan() for r in range(2)]
    assert len(plans[0]) == len(plans[1])
    assert not set(flat(plans[0])) & set(flat(plans[1]))


def test_needs_a_resize_op_and_sane_scales() -> None:
    with pytest.raises(ConfigError, match="RecResizeImg"):
        sampler(_Lines([40], resize=False))
    with pytest.raises(ConfigError, match="rounds to zero"):
        sampler(scales=[[4, 32]])


def _sampled_config(tiny_lmdb: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    cfg = copy.deepcopy(small_config(tiny_lmdb, tmp_path / "out"))
    cfg["Train"]["sampler"] = {
        "name": "MultiScaleSampler",
        "scales": [[320, 32]],
        "first_bs": 8,
        "ds_width": True,
        "max_w": 320,
        "divided_factor": [8, 16],
        "is_training": True,
    }
    return cfg


def test_loader_batches_take_the_planned_width(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    cfg = _sampled_config(tiny_lmdb, tmp_path)
    check_config(cfg, "test.yml")
    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True})
    loader = build_dataloader(cfg["Train"], "Train", Charset.from_config(str(VI_DICT), True), g)
    loader.set_epoch(1)
    widths = [b.width for b in loader.sampler.plan()]
    got = [tuple(batch.image.shape) for batch in loader]
    assert [s[3] for s in got] == widths and {s[2] for s in got} == {32}
    assert len(set(widths)) > 1


def test_config_check_names_bad_sampler_keys(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    cfg = _sampled_config(tiny_lmdb, tmp_path)
    cfg["Train"]["sampler"]["max_width"] = 640
    with pytest.raises(ConfigError, match="max_width.*max_w"):
        check_config(cfg, "test.yml")
    cfg["Train"]["sampler"] = {"name": "WidthSampler"}
    with pytest.raises(ConfigError, match="MultiScaleSampler"):
        check_config(cfg, "test.yml")
