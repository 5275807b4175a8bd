from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data import build_dataloader
from ppocr_lite.data.lmdb_dataset import LMDBDataSet
from ppocr_lite.data.sampler import ResumableBatchSampler
from ppocr_lite.data.simple_dataset import SimpleDataSet
from ppocr_lite.data.transforms import Transform
from ppocr_lite.errors import DataError

from ..conftest import VI_DICT, render_line

TRANSFORMS = [
    {"DecodeImage": {"img_mode": "BGR"}},
    {"CTCLabelEncode": None},
    {"RecResizeImg": {"image_shape": [3, 32, 100]}},
    {"KeepKeys": {"keep_keys": ["image", "label", "length"]}},
]


def _section(dataset: dict[str, Any], batch: int = 4) -> dict[str, Any]:
    return {
        "dataset": {**dataset, "transforms": TRANSFORMS},
        "loader": {"batch_size_per_card": batch, "shuffle": False},
    }


def _env() -> tuple[Charset, Any]:
    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True})
    return Charset.from_config(g.character_dict_path, True), g


def test_lmdb_loader_batches(tiny_lmdb: dict[str, Any]) -> None:
    cs, g = _env()
    loader = build_dataloader(
        _section({"name": "LMDBDataSet", "data_dir": str(tiny_lmdb["train"])}), "Train", cs, g
    )
    batch = next(iter(loader))
    assert list(batch.image.shape) == [4, 3, 32, 100]
    assert list(batch.label.shape) == [4, 25]
    texts = [
        cs.decode(r[:n].tolist(), 1)
        for r, n in zip(batch.label.numpy(), batch.length.numpy(), strict=True)
    ]
    assert texts == tiny_lmdb["train_labels"][:4]
    assert float(batch.image.numpy().max()) <= 1.0 and float(batch.image.numpy().min()) >= -1.0


def test_multiple_dirs_and_ratio(tiny_lmdb: dict[str, Any]) -> None:
    ds = LMDBDataSet([str(tiny_lmdb["train"]), str(tiny_lmdb["val"])], ratio_list=[0.5, 1.0])
    assert len(ds) == 48 + 16
    idx = ds.epoch_indices(1)
    assert len(idx) == 24 + 16 and (idx[-16:] >= 48).all()


def test_simple_dataset_matches_lmdb(tmp_path: Path) -> None:
    labels = ["xin chào", "Việt Nam", "giá 12.000đ"]
    lines = []
    for i, text in enumerate(labels):
        (tmp_path / f"{i}.jpg").write_bytes(render_line(text))
        lines.append(f"{i}.jpg\t{text}")
    (tmp_path / "gt.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cs, g = _env()
    section = _section(
        {
            "name": "SimpleDataSet",
            "data_dir": str(tmp_path),
            "label_file_list": [str(tmp_path / "gt.txt")],
        },
        3,
    )
    batch = next(iter(build_dataloader(section, "Train", cs, g)))
    assert [
        cs.decode(r[:n].tolist(), 1)
        for r, n in zip(batch.label.numpy(), batch.length.numpy(), strict=True)
    ] == labels
    assert isinstance(SimpleDataSet(str(tmp_path), str(tmp_path / "gt.txt")).read(0).image, bytes)


def test_sampler_is_pure_function_of_epoch_and_resumable(tiny_lmdb: dict[str, Any]) -> None:
    ds = LMDBDataSet(str(tiny_lmdb["train"]))
    s = ResumableBatchSampler(ds, 5, shuffle=True, drop_last=True, seed=3)
    s.set_epoch(2)
    full = [[k.index for k in b] for b in s]
    s.set_epoch(2, skip_batches=3)
    assert [[k.index for k in b] for b in s] == full[3:]
    s.set_epoch(3)
    assert [[k.index for k in b] for b in s] != full
    assert len(full) == 48 // 5


def test_ranks_split_batches(tiny_lmdb: dict[str, Any]) -> None:
    ds = LMDBDataSet(str(tiny_lmdb["train"]))
    seen = []
    for rank in (0, 1):
        s = ResumableBatchSampler(
            ds, 4, shuffle=True, drop_last=True, seed=0, rank=rank, world_size=2
        )
        seen += [k.index for b in s for k in b]
    assert sorted(seen) == list(range(48))


def test_rng_is_a_function_of_seed_epoch_index(tiny_lmdb: dict[str, Any]) -> None:
    from ppocr_lite.data.base import SampleKey

    draws = []

    class Probe(Transform):
        def __call__(self, data: dict) -> list:
            return [np.array(data["rng"].random())]

    ds = LMDBDataSet(str(tiny_lmdb["train"]), transforms=[Probe()])
    for _ in range(2):
        draws.append(ds[SampleKey(5, 2)]["fields"][0])
    assert draws[0] == draws[1] != ds[SampleKey(5, 3)]["fields"][0]


def ctc_section(tiny_lmdb: dict[str, Any], keep_keys: list[str], workers: int = 0) -> dict:
    """A Train section over the tiny LMDB: decode, CTC labels, 3x32x100, ``keep_keys``."""
    return {
        "dataset": {
            "name": "LMDBDataSet",
            "data_dir": str(tiny_lmdb["train"]),
            "transforms": [
                {"DecodeImage": None},
                {"CTCLabelEncode": None},
                {"RecResizeImg": {"image_shape": [3, 32, 100]}},
                {"KeepKeys": {"keep_keys": keep_keys}},
            ],
        },
        "loader": {"batch_size_per_card": 4, "num_workers": workers},
    }


@pytest.mark.parametrize("workers", [0, 1])
def test_a_data_error_reaches_the_caller_whatever_the_workers(
    tiny_lmdb: dict[str, Any], workers: int
) -> None:
    """Paddle's single-process loader swallows exceptions of its reader thread (the epoch just
    ends, or hangs); ppocr_lite reads in the caller's thread instead, so the error surfaces."""
    g = parse_global(
        {"character_dict_path": str(VI_DICT), "use_space_char": True, "bad_sample": "error"}
    )
    cs = Charset.from_config(g.character_dict_path, True)
    section = ctc_section(tiny_lmdb, ["image", "label", "length"], workers)
    loader = build_dataloader(section, "Train", cs, g)
    first = next(iter(loader))
    assert isinstance(first.image, paddle.Tensor) and first.image.shape[0] == 4
    broken = loader.dataset.read

    def read(index: int) -> Any:
        if index == 6:
            raise DataError("corrupt_image", "planted")
        return broken(index)

    loader.dataset.read = read  # type: ignore[method-assign]
    with pytest.raises(DataError, match="planted") as caught:
        for _ in loader:
            pass
    assert caught.value.reason == "corrupt_image"


def test_keep_keys_without_a_producer_is_a_config_error_at_start(tiny_lmdb: dict[str, Any]) -> None:
    from ppocr_lite.data.check import check_data_at_start
    from ppocr_lite.errors import ConfigError

    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True})
    section = ctc_section(tiny_lmdb, ["image", "label_sar", "length"])
    with pytest.raises(ConfigError, match=r"Train\.dataset\.transforms: .*label_sar"):
        check_data_at_start({"Train": section}, g)
    section["dataset"]["transforms"][3]["KeepKeys"]["keep_keys"] = ["image", "label", "length"]
    assert check_data_at_start({"Train": section}, g)[0].scanned > 0


def test_shared_memory_workers_give_the_batches_of_the_main_process(
    tiny_lmdb: dict[str, Any],
) -> None:
    # The GPU recipes read with workers through shared memory; the batches must be the ones
    # the main process reads itself (same order, same pixels, same labels).
    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True, "seed": 3})
    cs = Charset.from_config(g.character_dict_path, True)
    epochs = []
    for workers in (0, 2):
        section = ctc_section(tiny_lmdb, ["image", "label", "length"], workers)
        section["loader"].update(shuffle=True, use_shared_memory=True)
        loader = build_dataloader(section, "Train", cs, g)
        loader.set_epoch(2, 0)
        epochs.append([(b.image.numpy(), b.label.numpy()) for b in loader])
    assert len(epochs[0]) == len(epochs[1]) > 1
    for (image, label), (image_w, label_w) in zip(*epochs, strict=True):
        np.testing.assert_array_equal(image, image_w)
        np.testing.assert_array_equal(label, label_w)
