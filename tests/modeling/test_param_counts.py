"""tools/model_summary.py reports PaddleOCR 2.9.1's exact parameter counts for the whole zoo.

The reference counts (/work/shared/reference/paddleocr_param_counts.md) were measured with a
218-class CTC head: 216 characters + space + blank. The shipped configs hold the same
Architecture blocks, so building each through the tool with a 216-character dictionary must
give PaddleOCR's number exactly.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import paddle
import pytest

from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.validate import check_config

ROOT = Path(__file__).resolve().parents[2]


def _load_tool(name: str) -> Any:
    """Import ``tools/<name>.py`` (the tools folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


model_summary = _load_tool("model_summary")
count_macs, summarize = model_summary.count_macs, model_summary.summarize

REF_CLASSES = 218
MV3_LARGE = {
    "model_type": "rec",
    "algorithm": "CRNN",
    "Transform": None,
    "Backbone": {"name": "MobileNetV3", "scale": 0.5, "model_name": "large"},
    "Neck": {"name": "SequenceEncoder", "encoder_type": "rnn", "hidden_size": 96},
    "Head": {"name": "CTCHead", "fc_decay": 1.0e-05},
}

# model: (config providing the block (and input size), replacement Architecture, params with
# 218 classes, CTC head input width)
REFERENCE: dict[str, tuple[str, dict[str, Any] | None, int, int]] = {
    "CRNN MobileNetV3 small x0.5 3x32x100": ("crnn_mv3_demo", None, 459_898, 96),
    "CRNN MobileNetV3 large x0.5 3x32x100": ("crnn_mv3_demo", MV3_LARGE, 1_486_720, 192),
    "CRNN ResNet34-vd 3x32x100": ("crnn_r34", None, 24_573_882, 512),
    "SVTR-Tiny 3x32x100": ("svtr_tiny", None, 4_202_778, 192),
    "SVTR-Small 3x32x100": ("svtr_small", None, 8_507_002, 192),
    "SVTR-Base 3x32x100": ("svtr_base", None, 22_741_850, 256),
    "SVTR-Large 3x32x100": ("svtr_large", None, 38_927_514, 384),
    "SVTR-LCNet (PP-OCRv3) 3x48x320": ("svtr_lcnet", None, 2_223_210, 64),
    "SVTR-LCNet v4 (PP-OCRv4) 3x48x320": ("svtr_lcnet_v4", None, 5_484_158, 120),
}


def write_dict(folder: Path, num_classes: int) -> Path:
    """A dictionary giving ``num_classes`` CTC classes with use_space_char (chars + space + blank)."""
    path = folder / f"dict_{num_classes}.txt"
    chars = [chr(0x4E00 + i) for i in range(num_classes - 2)]  # CJK: stable under NFC
    path.write_text("\n".join(chars) + "\n", encoding="utf-8")
    return path


def model_config(name: str, arch: dict[str, Any] | None, dict_path: Path) -> dict[str, Any]:
    cfg = load_config(ROOT / "configs" / "rec" / f"{name}.yml")
    if arch is not None:
        cfg["Architecture"] = arch
    return apply_overrides(cfg, [f"Global.character_dict_path={dict_path}"])


def params(name: str, arch: dict[str, Any] | None, dict_path: Path) -> int:
    cfg = model_config(name, arch, dict_path)
    summary = summarize(cfg, check_config(cfg, name, sections=(), optional=()))
    assert summary.num_classes == int(dict_path.stem.split("_")[1])
    assert summary.macs > 0 and summary.output_shape[-1] == summary.num_classes
    return summary.params


@pytest.mark.parametrize("model", list(REFERENCE))
def test_reference_parameter_counts(model: str, tmp_path: Path) -> None:
    name, arch, expected, _ = REFERENCE[model]
    assert params(name, arch, write_dict(tmp_path, REF_CLASSES)) == expected


@pytest.mark.parametrize("model", ["SVTR-Tiny 3x32x100", "CRNN MobileNetV3 small x0.5 3x32x100"])
def test_any_dictionary_size_only_changes_the_head(model: str, tmp_path: Path) -> None:
    name, arch, expected, head_in = REFERENCE[model]
    for classes in (97, 6625):
        got = params(name, arch, write_dict(tmp_path, classes))
        assert got == expected + (classes - REF_CLASSES) * (head_in + 1)


def test_cli_prints_the_params_line(tmp_path: Path) -> None:
    dict_path = write_dict(tmp_path, REF_CLASSES)
    cmd = [sys.executable, str(ROOT / "tools" / "model_summary.py"), "-c"]
    cmd += [str(ROOT / "configs" / "rec" / "svtr_tiny.yml")]
    cmd += ["-o", f"Global.character_dict_path={dict_path}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^params: (\d+)\b", done.stdout, re.M).group(1) == "4202778"
    assert re.search(r"^FLOPs per image \(= 2 x MACs\): \d+", done.stdout, re.M)
    assert "output (eval mode): (1, 25, 218)" in done.stdout


class _BiLSTM(paddle.nn.Layer):
    """(1, 1, T, C) -> (1, T, 40) through a 2-layer bidirectional LSTM of width 20."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = paddle.nn.LSTM(10, 20, num_layers=2, direction="bidirect")

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return self.lstm(x.squeeze(1))[0]


def test_mac_count_of_known_layers() -> None:
    conv = paddle.nn.Conv2D(4, 8, (3, 5), stride=(1, 2), padding=(1, 2), groups=2)
    macs, shape = count_macs(conv, (4, 6, 10))
    assert shape == (1, 8, 6, 5) and macs == 8 * 6 * 5 * (4 // 2) * 3 * 5
    macs, shape = count_macs(_BiLSTM(), (1, 7, 10))  # 7 steps of 10 features
    assert shape == (1, 7, 40) and macs == 7 * 2 * 4 * 20 * ((10 + 20) + (40 + 20))
