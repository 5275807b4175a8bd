"""Planted bad samples: training skips and counts exactly them; check_data reports the same."""

from __future__ import annotations

import copy
import json
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from ppocr_lite.charset import Charset
from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data.base import SampleKey
from ppocr_lite.data.check import check_data_at_start, clearly_over
from ppocr_lite.data.lmdb_dataset import LMDBDataSet
from ppocr_lite.data.lmdb_writer import write_lmdb
from ppocr_lite.data.transforms import build_transforms
from ppocr_lite.engine.meters import BadSamples
from ppocr_lite.errors import DataError

from ..conftest import VI_DICT, make_labels, render_line, small_config

ROOT = Path(__file__).resolve().parents[2]
SIZE = 200  # 5% / 2% / 1% / 1% of it are whole numbers
PLANTED = {"bad_image": 10, "unknown_char": 4, "label_too_long": 2, "empty_label": 2}
UNKNOWN_LABELS = ["日本", "xin ☺", "© 2024", "giá 日"]  # 日 in two labels, 本 ☺ © in one each
UNKNOWN_CHARS = {"日": 2, "本": 1, "☺": 1, "©": 1}


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_header(width: int, height: int) -> bytes:
    """Signature and IHDR of an 8-bit RGB PNG, without pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)


def corrupt_images(rng: np.random.Generator) -> list[bytes]:
    """Ten kinds of broken image bytes."""
    jpeg = render_line("xin chào")
    noise = [rng.integers(0, 256, int(n), dtype=np.uint8).tobytes() for n in (50, 500, 3000)]
    return [
        *noise,
        b"",
        b"not an image",
        jpeg[: len(jpeg) // 2],  # truncated JPEG
        jpeg[:-3],  # truncated just before the end marker
        png_header(64, 32),  # header only
        b"\xff\xd8\xff" + noise[1],  # JPEG signature, garbage after
        b"\x89PNG\r\n\x1a\n" + noise[0],
    ]


def make_planted_lmdb(path: Path, seed: int = 7) -> dict[str, Any]:
    """SIZE samples with PLANTED bad ones at random positions; returns their indices."""
    rng = np.random.default_rng(seed)
    labels = make_labels(SIZE, seed)
    images = [render_line(t) for t in labels]
    order = rng.permutation(SIZE)
    bad: dict[str, list[int]] = {}
    start = 0
    for reason, count in PLANTED.items():
        bad[reason] = sorted(int(i) for i in order[start : start + count])
        start += count
    for i, blob in zip(bad["bad_image"], corrupt_images(rng), strict=True):
        images[i] = blob
    for i, text in zip(bad["unknown_char"], UNKNOWN_LABELS, strict=True):
        labels[i] = text
    for i in bad["label_too_long"]:
        labels[i] = ("một hai ba " * 4)[:30]  # 30 dictionary characters > max_text_length 25
    for i in bad["empty_label"]:
        labels[i] = ""
    write_lmdb(path, zip(images, labels, strict=True))
    return {"path": path, "bad": bad}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return make_planted_lmdb(tmp_path_factory.mktemp("planted") / "train")


def planted_config(planted: dict[str, Any], tiny_lmdb: dict[str, Any], out: Path) -> dict:
    """One epoch over every planted sample: batch 16, no drop_last, evaluation only at the end."""
    cfg = small_config({"train": planted["path"], "val": tiny_lmdb["val"]}, out)
    cfg["Global"].update(eval_batch_step=[0, 10_000], print_batch_step=4)
    cfg["Train"]["loader"].update(batch_size_per_card=16, drop_last=False, shuffle=True)
    return cfg


def run_tool(tool: str, cfg: dict, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cfg_path = tmp_path / "cfg.yml"
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "tools" / tool), "-c", str(cfg_path), *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)


def key_index(key: str) -> int:
    """0-based sample index of an LMDB key ``<dir>:image-000000012``."""
    return int(key.rsplit("image-", 1)[1]) - 1


def planted_dataset(planted: dict[str, Any], bad_sample: str = "skip") -> LMDBDataSet:
    g = parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True})
    ops = build_transforms(
        [
            {"DecodeImage": {"img_mode": "BGR"}},
            {"CTCLabelEncode": None},
            {"RecResizeImg": {"image_shape": [3, 32, 100]}},
            {"KeepKeys": {"keep_keys": ["image", "label", "length"]}},
        ],
        "Train.dataset.transforms",
        charset=Charset.from_config(g.character_dict_path, True),
        max_text_length=g.max_text_length,
    )
    return LMDBDataSet(str(planted["path"]), transforms=ops, bad_sample=bad_sample)


def test_replacement_counts_each_bad_sample_once(planted: dict[str, Any]) -> None:
    ds = planted_dataset(planted)
    meter, records = BadSamples(), []
    for i in range(SIZE):
        item = ds[SampleKey(i, epoch=1)]
        assert len(item["fields"]) == 3  # always a good replacement
        records += item["skipped"]
    meter.add(records)
    assert meter.counts() == dict(sorted(PLANTED.items()))
    assert meter.total() == sum(PLANTED.values())
    by_reason = {r: sorted(key_index(k) for k in keys) for r, keys in meter.keys.items()}
    assert by_reason == planted["bad"]
    assert dict(meter.chars) == UNKNOWN_CHARS


def test_error_policy_names_the_sample(planted: dict[str, Any]) -> None:
    ds = planted_dataset(planted, bad_sample="error")
    index = planted["bad"]["unknown_char"][0]
    with pytest.raises(DataError, match=f"image-{index + 1:09d}.*unknown_char"):
        ds[SampleKey(index)]


def test_one_epoch_logs_exactly_the_planted_counts(
    planted: dict[str, Any], tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = run_tool("train.py", planted_config(planted, tiny_lmdb, out), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = [json.loads(x) for x in (out / "metrics.jsonl").read_text("utf-8").splitlines()]
    (bad,) = [e for e in events if e["event"] == "bad_samples"]
    assert {k: v for k, v in bad.items() if k in PLANTED} == PLANTED and bad["epoch"] == 1
    trains = [e for e in events if e["event"] == "train"]
    assert trains and all(
        e["skipped"][r] <= PLANTED[r] for e in trains for r in e["skipped"]
    )  # running counts of the epoch, never more than planted
    assert read_state(out / "latest").global_step == 13  # 200 / 16 -> 13
    log = (out / "train.log").read_text("utf-8")
    assert "epoch 1 skipped samples: bad_image=10, empty_label=2, label_too_long=2, " in log
    assert all(f"{c!r}x{n}" in log for c, n in UNKNOWN_CHARS.items())
    assert ", skipped: bad_image=" in log  # also on the periodic lines


def test_too_many_bad_stops_with_the_counts(
    planted: dict[str, Any], tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    cfg = planted_config(planted, tiny_lmdb, tmp_path / "out")
    cfg["Global"].update(max_bad_ratio=0.05, check_data_samples=0)
    proc = run_tool("train.py", cfg, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Global.max_bad_ratio=0.05" in proc.stderr and "bad_image=" in proc.stderr
    assert "check_data.py" in proc.stderr


def test_check_data_reports_the_planted_counts(
    planted: dict[str, Any], tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    cfg = planted_config(planted, tiny_lmdb, tmp_path / "out")
    bad_list, new_dict = tmp_path / "bad.txt", tmp_path / "dict.txt"
    proc = run_tool(
        "check_data.py", cfg, tmp_path, "--out", str(bad_list), "--fix-dict", str(new_dict)
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # bad samples found
    train = proc.stdout.split("== Eval")[0]
    assert "== Train: 200 samples scanned" in train
    assert (
        "bad samples: 18 - bad_image=10, empty_label=2, label_too_long=2, unknown_char=4" in train
    )
    for ch, n in UNKNOWN_CHARS.items():
        assert f"{ch!r} U+{ord(ch):04X}: {n}" in train
    assert "image height" in train and "aspect ratio" in train and "label length" in train
    assert "== Eval: 16 samples scanned\nbad samples: 0" in proc.stdout
    rows = [line.split("\t") for line in bad_list.read_text("utf-8").splitlines()]
    found: dict[str, list[int]] = {}
    for key, reason, _detail in rows:
        found.setdefault(reason, []).append(key_index(key))
    assert {r: sorted(v) for r, v in found.items()} == planted["bad"]
    # The fixed dictionary keeps the old one in order and covers the data.
    old = VI_DICT.read_text("utf-8").splitlines()
    new = new_dict.read_text("utf-8").splitlines()
    assert new[: len(old)] == old and set(new[len(old) :]) == set(UNKNOWN_CHARS)
    cfg["Global"]["character_dict_path"] = str(new_dict)
    proc = run_tool("check_data.py", cfg, tmp_path)
    assert "bad samples: 14 - bad_image=10, empty_label=2, label_too_long=2\n" in proc.stdout


def _gcfg(**values: Any) -> Any:
    return parse_global({"character_dict_path": str(VI_DICT), "use_space_char": True, **values})


def test_start_check_counts_and_refuses_clearly_bad_data(
    planted: dict[str, Any], tiny_lmdb: dict[str, Any], tmp_path: Path, caplog: Any
) -> None:
    cfg = planted_config(planted, tiny_lmdb, tmp_path)
    train, val = check_data_at_start(cfg, _gcfg())  # 200 samples: the whole set, exact
    assert train.counts() == dict(sorted(PLANTED.items())) and val.total_bad() == 0
    assert "data check Train: 200 of 200 samples scanned: bad_image=10" in caplog.text
    with pytest.raises(DataError, match=r"18 of 200 .*Global.max_bad_ratio=0.05.*check_data.py"):
        check_data_at_start(cfg, _gcfg(max_bad_ratio=0.05))
    # On a sample of 50 (9% bad in truth), 5% is not *clearly* exceeded: no false refusal.
    assert check_data_at_start(cfg, _gcfg(max_bad_ratio=0.05, check_data_samples=50))
    # A wrong dictionary makes nearly every label bad: refused from a small sample.
    latin_only = tmp_path / "abc.txt"
    latin_only.write_text("a\nb\nc\n", encoding="utf-8")
    bad_dict = parse_global({"character_dict_path": str(latin_only), "check_data_samples": 20})
    with pytest.raises(DataError, match="unknown_char"):
        check_data_at_start(cfg, bad_dict)
    assert check_data_at_start(cfg, _gcfg(check_data_samples=0)) == []


@pytest.mark.parametrize(
    ("bad", "scanned", "size", "ratio", "over"),
    [
        (0, 200, 10_000, 0.0, False),
        (21, 200, 200, 0.1, True),  # whole set: exact
        (20, 200, 200, 0.1, False),
        (30, 200, 10_000, 0.1, False),  # 15% in a sample of 200: could still be <= 10%
        (60, 200, 10_000, 0.1, True),
        (200, 200, 10**7, 0.5, True),
    ],
)
def test_clearly_over(bad: int, scanned: int, size: int, ratio: float, over: bool) -> None:
    assert clearly_over(bad, scanned, size, ratio) is over


def test_unknown_char_counts_are_per_label() -> None:
    records = [
        ("unknown_char", "k1", "日"),
        ("unknown_char", "k1", "日"),
        ("unknown_char", "k2", "日本"),
    ]
    meter = BadSamples()
    meter.add(copy.deepcopy(records))
    assert meter.counts() == {"unknown_char": 2} and meter.chars == Counter({"日": 2, "本": 1})


def test_evaluation_scores_each_good_line_once_and_counts_the_bad(
    planted: dict[str, Any], tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    """Eval never replaces a bad sample by another (that would score some lines twice)."""
    from ppocr_lite.data import build_dataloader
    from ppocr_lite.engine.evaluator import evaluate
    from ppocr_lite.metrics.rec_metric import RecMetric

    cfg = planted_config(planted, tiny_lmdb, tmp_path / "out")
    cfg["Eval"]["dataset"]["data_dir"] = str(planted["path"])
    cfg["Eval"]["loader"].update(batch_size_per_card=4)  # some batches are all bad
    g = parse_global(cfg["Global"])
    charset = Charset.from_config(g.character_dict_path, g.use_space_char)
    loader = build_dataloader(cfg["Eval"], "Eval", charset, g)
    texts: list[str] = []

    class Recorder(RecMetric):
        def update(self, preds: Any, targets: Any) -> dict[str, float]:
            texts.extend(targets)
            return super().update(preds, targets)

    class Blank:  # a Backend that predicts blanks only
        def run(self, image: Any) -> Any:
            return np.zeros([image.shape[0], 25, len(charset) + 1], "float32")

    from ppocr_lite.postprocess.ctc_decode import CTCLabelDecode

    figures = evaluate(Blank(), loader, CTCLabelDecode(charset), Recorder())
    bad = sum(PLANTED.values())
    assert figures["skipped"] == bad and figures["samples"] == SIZE - bad == len(texts)
