from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ppocr_lite.config.load import load_config
from ppocr_lite.errors import ConfigError
from ppocr_lite.validate import check_config

from ..timing import run_timed

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "rec" / "crnn_mv3_demo.yml"


def _cfg() -> dict:
    cfg = load_config(DEMO)
    for section in ("Train", "Eval"):
        cfg[section]["dataset"]["data_dir"] = str(ROOT / cfg[section]["dataset"]["data_dir"])
    cfg["Global"]["character_dict_path"] = str(ROOT / cfg["Global"]["character_dict_path"])
    return cfg


def test_demo_config_is_valid() -> None:
    assert check_config(_cfg(), "demo").epoch_num > 0


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (
            lambda c: c["Optimizer"]["lr"].update(learnig_rate=0.1),
            "Optimizer.lr.learnig_rate.*did you mean 'learning_rate'",
        ),
        (
            lambda c: c["Architecture"]["Backbone"].update(name="MobileNetV4"),
            "unknown Backbone 'MobileNetV4'.*did you mean 'MobileNetV3'",
        ),
        (
            lambda c: c["Train"]["dataset"]["transforms"][2].update(
                RecResizeImg={"image_shap": [3, 32, 100]}
            ),
            "image_shap.*image_shape",
        ),
        (
            lambda c: c["Train"]["loader"].update(batch_size_per_card="64"),
            "batch_size_per_card must be an integer",
        ),
        (lambda c: c["Train"]["dataset"].update(data_dir="/nonexistent/lmdb"), "does not exist"),
        (lambda c: c["Global"].update(character_dict_path="/nope/dict.txt"), "not found"),
        (lambda c: c["Global"].update(checkpoints="/nope/latest"), "latest.pdparams not found"),
        (lambda c: c["Optimizer"]["lr"].update(learning_rate=-1.0), "positive"),
        (lambda c: c["Global"].update(eval_batch_step=[0, 0]), "interval"),
        (
            lambda c: c["Architecture"].update(
                Neck={"name": "SequenceEncoder", "encoder_type": "rnn", "hiden_size": 3}
            ),
            "hiden_size",
        ),
    ],
)
def test_bad_configs_name_the_key(mutate, pattern: str) -> None:
    cfg = copy.deepcopy(_cfg())
    mutate(cfg)
    with pytest.raises(ConfigError, match=pattern):
        check_config(cfg, "my.yml")


def test_typo_fails_fast_from_the_command_line(tmp_path: Path) -> None:
    cfg = _cfg()
    cfg["Optimizer"]["lr"]["learnig_rate"] = cfg["Optimizer"]["lr"].pop("learning_rate")
    path = tmp_path / "typo.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    proc, elapsed = run_timed(
        lambda: subprocess.run(
            [sys.executable, str(ROOT / "tools" / "train.py"), "-c", str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
    )
    assert proc.returncode == 2
    assert (
        "typo.yml" in proc.stderr
        and "learnig_rate" in proc.stderr
        and "learning_rate" in proc.stderr
    )
    assert elapsed < 5.0, f"took {elapsed:.1f} CPU seconds"


def test_a_guided_neck_without_a_second_head_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    """use_guide stops gradients into the backbone: with a lone CTC head it would never train."""
    import logging

    cfg = load_config(ROOT / "configs" / "rec" / "svtr_lcnet.yml")
    cfg["Global"]["character_dict_path"] = str(ROOT / cfg["Global"]["character_dict_path"])
    for section in ("Train", "Eval"):
        cfg[section]["dataset"]["data_dir"] = str(ROOT / cfg[section]["dataset"]["data_dir"])

    def warnings() -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="ppocr_lite"):
            check_config(cfg, "svtr_lcnet.yml")
        return [r.getMessage() for r in caplog.records if "use_guide" in r.getMessage()]

    assert cfg["Architecture"]["Neck"]["use_guide"] is False and warnings() == []
    cfg["Architecture"]["Neck"]["use_guide"] = True
    (line,) = warnings()
    assert "svtr_lcnet.yml" in line and "CTCHead" in line and "backbone" in line
    multihead = load_config(ROOT / "configs" / "rec" / "svtr_lcnet_multihead.yml")["Architecture"]
    cfg["Architecture"] = multihead  # PP-OCRv3's guided CTC branch, trained by the SAR head
    assert warnings() == []


def test_unknown_global_key_names_the_file_once() -> None:
    cfg = copy.deepcopy(_cfg())
    cfg["Global"]["epoch_nmu"] = 3
    with pytest.raises(ConfigError) as info:
        check_config(cfg, "my.yml")
    assert str(info.value).count("my.yml") == 1


def test_weight_files_checked_only_when_the_tool_loads_weights() -> None:
    cfg = copy.deepcopy(_cfg())
    cfg["Global"].update(checkpoints="/nope/latest", pretrained_model="/nope/best_accuracy")
    with pytest.raises(ConfigError, match="not found"):
        check_config(cfg, "my.yml")
    assert check_config(cfg, "my.yml", weights=False).checkpoints == "/nope/latest"
