"""The deployment tools as a user runs them: export, ONNX conversion, batched prediction."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ppocr_lite import TextRecognizer
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.deploy.export import export_model
from ppocr_lite.deploy.spec import ONNX_FILE, read_spec
from ppocr_lite.errors import ConfigError
from ppocr_lite.validate import check_config

from .conftest import Exported, line_images

ROOT = Path(__file__).resolve().parents[2]


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, str(ROOT / "tools" / tool), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", timeout=600, env=env, check=False
    )


def test_export_onnx_and_predict_rec(
    export_cache: Callable[[str], Exported], tmp_path: Path
) -> None:
    model = export_cache("crnn_mv3")
    out = tmp_path / "inference"
    proc = run(
        "export_model.py",
        "-c",
        str(model.config_path),
        "-o",
        f"Global.checkpoints={model.checkpoint}",
        f"Global.save_inference_dir={out}",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "input width: dynamic" in proc.stdout and read_spec(out).dynamic_width
    proc = run("export_onnx.py", "--model_dir", str(out))
    assert proc.returncode == 0 and (out / ONNX_FILE).is_file(), proc.stdout + proc.stderr

    images = tmp_path / "ảnh"
    images.mkdir()
    for i, data in enumerate(line_images(24, seed=11)):
        (images / f"dòng_{i:02d}.jpg").write_bytes(data)
    (images / "notes.txt").write_text("not an image", encoding="utf-8")
    texts = {}
    for backend in ("paddle", "onnx"):
        res = tmp_path / f"{backend}.txt"
        proc = run(
            "infer/predict_rec.py",
            *("--model_dir", str(out), "--image_dir", str(images), "--backend", backend),
            *("--batch_size", "8", "--save_res_path", str(res)),
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "images/s" in proc.stdout and "p50" in proc.stdout and "p99" in proc.stdout
        rows = res.read_text(encoding="utf-8").splitlines()
        assert len(rows) == 24 and rows[0].split("\t")[0].endswith("dòng_00.jpg")
        texts[backend] = [row.split("\t")[1] for row in rows]
    assert texts["paddle"] == texts["onnx"]


def test_clear_errors_without_weights_folder_or_export(
    export_cache: Callable[[str], Exported], tmp_path: Path
) -> None:
    model = export_cache("crnn_mv3")
    no_weights = apply_overrides(model.cfg, ["Global.checkpoints=null"])
    with pytest.raises(ConfigError, match="Global.checkpoints"):
        export_model(no_weights, check_config(no_weights, "x", sections=(), optional=()))
    no_dir = apply_overrides(model.cfg, ["Global.save_inference_dir=null"])
    with pytest.raises(ConfigError, match="save_inference_dir"):
        export_model(no_dir, check_config(no_dir, "x", sections=(), optional=()))
    with pytest.raises(ConfigError, match="export_model.py"):
        TextRecognizer(tmp_path)
    with pytest.raises(ConfigError, match="backend"):
        TextRecognizer(model.model_dir, backend="tensorrt")
    with pytest.raises(ConfigError, match="ONNX model is fp32: write an fp16 one"):
        TextRecognizer(model.model_dir, backend="onnx", precision="fp16")


def test_convert_checkpoint_from_a_paddleocr_multihead_file(tmp_path: Path) -> None:
    import numpy as np
    import paddle

    from ppocr_lite.checkpoint.layouts import to_paddleocr_multihead
    from ppocr_lite.modeling import build_model

    arch = {
        "model_type": "rec",
        "algorithm": "SVTR_LCNet",
        "Backbone": {"name": "MobileNetV1Enhance", "scale": 0.5, "last_conv_stride": [1, 2]},
        "Neck": {"name": "SequenceEncoder", "encoder_type": "svtr", "dims": 64, "depth": 1},
        "Head": {"name": "CTCHead"},
    }
    paddle.seed(0)
    model = build_model(arch, num_classes=20)
    state = to_paddleocr_multihead(model.state_dict())
    state["head.sar_head.decoder.embedding.weight"] = paddle.zeros([22, 512])
    distill = {f"{m}.{k}": v for m in ("Student", "Teacher") for k, v in state.items()}
    paddle.save(distill, str(tmp_path / "paddleocr.pdparams"))
    proc = run(
        "convert_checkpoint.py",
        "--from",
        "paddleocr",
        str(tmp_path / "paddleocr"),
        str(tmp_path / "lite"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "paddleocr_distillation" in proc.stdout
    converted = paddle.load(str(tmp_path / "lite.pdparams"))
    assert converted.keys() == model.state_dict().keys()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(converted[key]), value.numpy())
