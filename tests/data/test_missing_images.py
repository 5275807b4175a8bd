"""Images that do not exist are counted as not_found; Windows paths in label files still work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lmdb
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.data.base import SampleKey
from ppocr_lite.data.lmdb_dataset import LMDBDataSet
from ppocr_lite.data.lmdb_writer import write_lmdb
from ppocr_lite.data.simple_dataset import SimpleDataSet
from ppocr_lite.data.transforms import build_transforms

from ..conftest import VI_DICT, render_line


def _ops() -> list[Any]:
    return build_transforms(
        [
            {"DecodeImage": {"img_mode": "BGR"}},
            {"CTCLabelEncode": None},
            {"RecResizeImg": {"image_shape": [3, 32, 100]}},
            {"KeepKeys": {"keep_keys": ["image", "label", "length"]}},
        ],
        "Train.dataset.transforms",
        charset=Charset.from_config(str(VI_DICT), True),
        max_text_length=25,
    )


def _reasons(dataset: Any, index: int) -> list[str]:
    dataset.replace_bad = False  # as in evaluation: the bad sample itself, no replacement
    return [reason for reason, _, _ in dataset[SampleKey(index)]["skipped"]]


def _label_folder(tmp_path: Path, lines: list[str]) -> Path:
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.jpg").write_bytes(render_line("xin"))
    label = tmp_path / "labels.txt"
    label.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return label


def test_windows_separators_in_label_file(tmp_path: Path) -> None:
    label = _label_folder(tmp_path, ["imgs\\a.jpg\txin"])
    ds = SimpleDataSet(str(tmp_path), str(label), transforms=_ops())
    assert _reasons(ds, 0) == []
    assert ds[SampleKey(0)]["fields"] is not None


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    label = _label_folder(tmp_path, ["imgs/a.jpg\txin", "imgs/gone.jpg\txin"])
    ds = SimpleDataSet(str(tmp_path), str(label), transforms=_ops())
    assert _reasons(ds, 0) == [] and _reasons(ds, 1) == ["not_found"]


def test_lmdb_key_past_the_entries_is_not_found(tmp_path: Path) -> None:
    path = tmp_path / "db"
    write_lmdb(path, [(render_line("hai"), "hai"), (render_line("ba"), "ba")])
    with lmdb.open(str(path)) as env, env.begin(write=True) as txn:
        txn.put(b"num-samples", b"3")  # claims one sample more than it holds
    ds = LMDBDataSet(str(path), transforms=_ops())
    assert len(ds) == 3
    assert _reasons(ds, 1) == [] and _reasons(ds, 2) == ["not_found"]


@pytest.mark.parametrize("image", [b"", b"not an image"])
def test_stored_but_undecodable_is_still_bad_image(tmp_path: Path, image: bytes) -> None:
    path = tmp_path / "db"
    write_lmdb(path, [(image, "hai")])
    assert _reasons(LMDBDataSet(str(path), transforms=_ops()), 0) == ["bad_image"]
