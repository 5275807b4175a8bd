"""PaddleOCR 2.x recognition configs run unchanged in ``tools/train.py``'s code path.

``tests/data/paddleocr_configs/`` holds configs written by this project with the keys and values of
PaddleOCR 2.9.1's recognition configs (CRNN-MV3 / CRNN-R34 with
and without TPS, SVTR with its STN rectifier and SVTRRecAug, PP-OCRv3 / v4 with MultiHead,
MultiScaleDataSet and Distillation, SVTR-Large, PARSeq with ParseQRecAug and OneCycle). Only
what a user changes for their machine is overridden: data paths (a tiny LMDB or image folder), the dictionary, the output folder, CPU,
batch size 2. Each config then goes through ``prepare_training`` (as ``tools/train.py``) and
takes one training step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.engine.run import prepare_training
from ppocr_lite.errors import ConfigError
from ppocr_lite.validate import check_config

from ..conftest import VI_DICT, make_labels, render_line

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "paddleocr_configs"
# PaddleOCR's own file has no resize op in Train (and a Global.checkpoints of its authors'
# machine): its lines cannot be batched, in PaddleOCR either. ppocr_lite must say so by name.
BROKEN_UPSTREAM = {"ch_PP-OCRv4_rec_distillation.yml": "Train.dataset.transforms has no resize op"}
PATHS = sorted(p.name for p in CONFIGS.glob("*.yml"))


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SimpleDataSet folder: 8 rendered lines and ``labels.txt``."""
    root = tmp_path_factory.mktemp("simple")
    lines = []
    for i, text in enumerate(make_labels(8, seed=3)):
        (root / f"{i}.jpg").write_bytes(render_line(text))
        lines.append(f"{i}.jpg\t{text}")
    (root / "labels.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def machine_overrides(cfg: dict[str, Any], data: dict[str, Path], out: Path) -> list[str]:
    """What a user sets for their own machine and data: paths, dictionary, CPU, batch size."""
    opts = [
        "Global.use_gpu=false",
        f"Global.character_dict_path={VI_DICT}",
        f"Global.save_model_dir={out}",
        f"Global.save_res_path={out / 'pred.txt'}",
        "Global.checkpoints=null",
        "Global.pretrained_model=null",
        "Global.epoch_num=1",
        "Global.eval_batch_step=[1000, 1000]",
        "Global.check_data_samples=8",
    ]
    for section in ("Train", "Eval"):
        if cfg[section]["dataset"]["name"] == "LMDBDataSet":
            opts.append(f"{section}.dataset.data_dir={data['lmdb']}")
        else:
            folder = data["folder"]
            opts.append(f"{section}.dataset.data_dir={folder}")
            opts.append(f"{section}.dataset.label_file_list=[{folder / 'labels.txt'}]")
        opts += [f"{section}.loader.batch_size_per_card=2", f"{section}.loader.num_workers=0"]
        if cfg[section].get("sampler"):
            opts.append(f"{section}.sampler.first_bs=2")
    return opts


def test_the_configs_hold_data_not_copied_text() -> None:
    # Keys and values are facts that make configs interchangeable; PaddleOCR's prose (comments)
    # is not ours to copy. Each file starts with our two-line header and holds no other comment.
    assert len(PATHS) >= 15
    for name in PATHS:
        lines = (CONFIGS / name).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# Test data written by ppocr_lite"), name
        comments = [line for line in lines[2:] if line.lstrip().startswith("#")]
        assert comments == [], f"{name}: {comments[:3]}"


@pytest.mark.parametrize("name", PATHS)
def test_paddleocr_config_trains_a_step(
    name: str,
    tiny_lmdb: dict[str, Any],
    image_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # PaddleOCR's relative paths must not matter
    paddle.set_device("cpu")
    raw = load_config(CONFIGS / name)
    data = {"lmdb": tiny_lmdb["train"], "folder": image_folder}
    cfg = apply_overrides(raw, machine_overrides(raw, data, tmp_path / "out"))
    if name in BROKEN_UPSTREAM:
        with pytest.raises(ConfigError, match=BROKEN_UPSTREAM[name]):
            check_config(cfg, name, ("Train",), ("Eval",))
        return
    gcfg = check_config(cfg, name, ("Train",), ("Eval",))
    trainer = prepare_training(cfg, gcfg)
    trainer.p.train_loader.set_epoch(1)
    batch = next(iter(trainer.p.train_loader))
    out = trainer.train_step(batch)
    assert not out.skipped and np.isfinite(float(out.loss))
