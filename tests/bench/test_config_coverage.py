"""bench/paddleocr_config_coverage.py: what counts as building, as a one-line refusal, and the
dictionary stand-in, on a tiny folder laid out as a PaddleOCR checkout."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.paddleocr_config_coverage import _refused, cause, dict_override, find_configs, run_one

ROOT = Path(__file__).resolve().parents[2]
DICT = ROOT / "ppocr_lite" / "utils" / "dict" / "en_dict.txt"


def _config(backbone: str, dict_path: str) -> dict:
    return {
        "Global": {"character_dict_path": dict_path, "cal_metric_during_train": True},
        "Architecture": {
            "model_type": "rec",
            "algorithm": "CRNN",
            "Backbone": {"name": backbone, "scale": 0.35, "model_name": "small"},
            "Neck": {"name": "SequenceEncoder", "encoder_type": "rnn", "hidden_size": 8},
            "Head": {"name": "CTCHead"},
        },
        "Loss": {"name": "CTCLoss"},
        "PostProcess": {"name": "CTCLabelDecode"},
        "Metric": {"name": "RecMetric"},
    }


def _checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "configs" / "rec" / "sub"
    folder.mkdir(parents=True)
    (tmp_path / "keys.txt").write_text("a\nb\n", encoding="utf-8")
    own = _config("MobileNetV3", "keys.txt")
    (folder / "good.yml").write_text(yaml.safe_dump(own), encoding="utf-8")
    missing = _config("MobileNetV3", "ppocr/utils/gone.txt")
    (folder / "no_dict.yaml").write_text(yaml.safe_dump(missing), encoding="utf-8")
    (folder / "bad.yml").write_text(yaml.safe_dump(_config("NoSuchNet", "keys.txt")), "utf-8")
    return tmp_path


def test_configs_are_found_and_a_missing_dictionary_is_substituted(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    names = [p.name for p in find_configs(root)]
    assert names == ["bad.yml", "good.yml", "no_dict.yaml"]
    sub = root / "configs" / "rec" / "sub"
    assert dict_override(sub / "good.yml", root, DICT) == []
    assert dict_override(sub / "no_dict.yaml", root, DICT) == [
        "-o",
        f"Global.character_dict_path={DICT}",
    ]


def test_builds_and_one_line_refusals(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    sub = root / "configs" / "rec" / "sub"
    good = run_one(sub / "no_dict.yaml", root, DICT, timeout=120)
    assert good.builds and good.dict_substituted and good.params and good.params > 0
    bad = run_one(sub / "bad.yml", root, DICT, timeout=120)
    assert not bad.builds and bad.one_line and "NoSuchNet" in cause(bad.refusal)
    assert not cause(bad.refusal).startswith("configs/")


def test_a_traceback_is_not_a_one_line_refusal() -> None:
    stderr = "[t] WARNING: x\nTraceback (most recent call last):\n  ...\nKeyError: 1\n"
    row = _refused("a.yml", False, stderr)
    assert not row.one_line and row.refusal == "KeyError: 1"
    assert _refused("a.yml", False, "[t] WARNING: w\nerror: a.yml: no\n").one_line
