"""deploy/pipeline.py: batches of similar width, decoded while the model runs, results in input
order; arrays as well as files; widening long lines only when asked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from ppocr_lite.data.transforms.decode import DecodeImage
from ppocr_lite.data.transforms.resize import RecResizeImg, SVTRRecResizeImg
from ppocr_lite.deploy import pipeline
from ppocr_lite.deploy.files import predict_paths
from ppocr_lite.deploy.pipeline import Pipeline, plan_batches, recognise
from ppocr_lite.deploy.preprocess import Preprocess
from ppocr_lite.errors import ConfigError


def test_batches_are_as_even_as_possible() -> None:
    batches = plan_batches(list(range(1000)), 32)
    sizes = [len(b) for b in batches]
    assert len(batches) == 32 and sizes.count(32) == 8 and sizes.count(31) == 24
    assert [i for b in batches for i in b] == list(range(1000))  # order kept, nothing lost
    assert plan_batches([5, 3], 32) == [[5, 3]]
    assert [len(b) for b in plan_batches(list(range(65)), 32)] == [22, 22, 21]
    assert plan_batches([], 8) == []


def _to_chw(data: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for a keep-ratio resize: the line at its own width, as float (C, H, W)."""
    data["image"] = data["image"].transpose(2, 0, 1).astype(np.float32) / 255.0
    return data


def _drop_tiny(data: dict[str, Any]) -> dict[str, Any] | None:
    return None if data["image"].shape[-1] < 4 else data


@pytest.fixture
def folder(tmp_path: Path) -> tuple[list[Path], dict[str, int]]:
    """Lines 8 high and of mixed widths (in a mixed order), plus files that cannot be used."""
    rng = np.random.default_rng(0)
    widths = {}
    for i, width in enumerate([40, 9, 77, 23, 9, 60, 15, 31, 52, 12, 70, 5]):
        image = rng.integers(1, 255, (8, width, 3), dtype=np.uint8)
        name = f"line_{i:02d}.png" if i % 2 else f"line_{i:02d}.jpg"
        (tmp_path / name).write_bytes(cv2.imencode(Path(name).suffix, image)[1].tobytes())
        widths[name] = width
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "tiny.png").write_bytes(cv2.imencode(".png", np.ones((8, 2, 3), np.uint8))[1])
    return sorted(tmp_path.iterdir()), widths


def test_results_come_back_in_input_order_from_width_sorted_batches(
    folder: tuple[list[Path], dict[str, int]],
) -> None:
    paths, widths = folder
    seen: list[list[int]] = []

    def run(batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for batch in batches:
            # Each line's real width: its columns that are not padding.
            real = [int((row.sum(axis=(0, 1)) > 0).sum()) for row in batch]
            seen.append(real)
            yield np.array(real)

    def postprocess(output: np.ndarray) -> list[tuple[str, float]]:
        return [(str(width), 1.0) for width in output]

    ops = [DecodeImage(), _to_chw, _drop_tiny]
    results = list(predict_paths(paths, ops, run, postprocess, batch_size=4))
    assert [r.path for r in results] == paths
    by_name = {r.path.name: r for r in results}
    for name, width in widths.items():
        assert by_name[name].text == str(width) and not by_name[name].error
    assert by_name["broken.png"].error.startswith("bad_image")
    assert by_name["tiny.png"].error == "dropped by a transform"
    # 14 readable files -> batches of 4, 4, 3 and 3 in aspect order; the tiny line (first) and
    # the broken file (unknown size: last) are dropped at decoding. Lines of different widths
    # are never padded together: each model batch holds one width.
    flat = [w for b in seen for w in b]
    assert len(flat) == 12 and flat == sorted(flat)
    assert all(len(set(b)) == 1 for b in seen)
    assert len(seen) == len(set(flat))


def test_an_error_in_the_model_stops_the_run(
    folder: tuple[list[Path], dict[str, int]],
) -> None:
    paths, _ = folder

    def run(batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for _ in batches:
            raise RuntimeError("engine failed")
            yield

    with pytest.raises(RuntimeError, match="engine failed"):
        list(predict_paths(paths, [DecodeImage(), _to_chw], run, lambda out: [], 4))


def test_decoding_runs_a_bounded_number_of_batches_ahead(
    folder: tuple[list[Path], dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, _ = folder
    monkeypatch.setattr(pipeline, "AHEAD", 2)
    started: list[int] = []

    def counting(data: dict[str, Any]) -> dict[str, Any]:
        started.append(1)
        return data

    seen_ahead: list[int] = []

    def run(batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for handed, batch in enumerate(batches, 1):
            seen_ahead.append(len(started) - handed)  # lines decoded beyond those handed over
            yield np.zeros(len(batch))

    ops = [counting, DecodeImage(), _to_chw]
    list(predict_paths(paths, ops, run, lambda out: [("", 0.0)] * len(out), 1))
    # One line per batch, 2 batches ahead, plus the broken file (dropped at decoding).
    assert len(started) == 14 and len(seen_ahead) == 13 and max(seen_ahead) <= 2 + 1


def _widths(items: list[Any], pre: Preprocess, batch_size: int) -> list[list[int]]:
    """The batch widths a model sees for ``items``, and each line's real (unpadded) width."""
    seen: list[list[int]] = []

    def run(batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for batch in batches:
            real = [int((np.abs(row).sum(axis=(0, 1)) > 0).sum()) for row in batch]
            seen.append([batch.shape[-1], *real])
            yield batch

    list(recognise(items, Pipeline(pre, run, lambda out: [("", 0.0)] * len(out), batch_size)))
    return seen


def _line(width: int, height: int = 16) -> np.ndarray:
    """A BGR line without black columns (so its resized width can be read from the batch)."""
    return np.full((height, width, 3), 200, np.uint8)


def test_long_lines_are_squeezed_unless_widening_is_asked() -> None:
    resize = RecResizeImg(image_shape=(3, 16, 64))
    lines = [_line(32), _line(320), _line(48)]  # ratios 2, 20 and 3; the model's is 4
    squeezed = _widths(lines, Preprocess([DecodeImage(), resize]), 3)
    assert squeezed == [[64, 32, 48, 64]]
    widened = _widths(lines, Preprocess([DecodeImage(), resize], widen_long_lines=True), 3)
    assert widened == [[320, 32, 48, 320]]  # the widest line keeps its ratio: 16 x 320
    short = _widths(lines[::2], Preprocess([DecodeImage(), resize], widen_long_lines=True), 2)
    assert short == [[64, 32, 48]]  # nothing wider than the trained ratio: the trained width
    odd = _widths([_line(100)], Preprocess([DecodeImage(), resize], widen_long_lines=True), 1)
    assert odd == [[128, 100]]  # a widened batch is a multiple of WIDTH_STEP


def test_widening_needs_a_keep_ratio_resize() -> None:
    for resize in (RecResizeImg((3, 16, 64), padding=False), SVTRRecResizeImg((3, 16, 64))):
        with pytest.raises(ConfigError, match="widen_long_lines"):
            Preprocess([DecodeImage(), resize], widen_long_lines=True)


def test_arrays_bytes_and_paths_give_the_same_input(tmp_path: Path) -> None:
    bgr = np.random.default_rng(1).integers(1, 255, (16, 40, 3), dtype=np.uint8)
    encoded = cv2.imencode(".png", bgr)[1].tobytes()
    (tmp_path / "a.png").write_bytes(encoded)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    bgra = np.dstack([bgr, np.full(bgr.shape[:2], 255, np.uint8)])
    for mode in ("BGR", "RGB", "GRAY"):
        pre = Preprocess([DecodeImage(img_mode=mode), RecResizeImg((3, 16, 64))])
        got = pre.batch([bgr, encoded, bgra])
        assert np.array_equal(got[0], got[1]) and np.array_equal(got[0], got[2]), mode
    pre = Preprocess([DecodeImage(img_mode="GRAY"), RecResizeImg((1, 16, 64))])
    assert np.array_equal(pre.batch([gray])[0], pre.batch([encoded])[0])
    bad = pre.batch([np.zeros((4, 4), np.float32)])[0]
    assert isinstance(bad, str) and bad.startswith("bad_image")
