"""tools/export_onnx.py --precision fp16|int8: the model runs, the report holds its figures, and
the accuracy guard refuses a model beyond --max_acc_drop."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ppocr_lite.deploy.lines import read_lines
from ppocr_lite.deploy.precision import REPORT_FILE, PrecisionRequest, export_precision
from ppocr_lite.deploy.quantize import CANDIDATES
from ppocr_lite.deploy.spec import INFERENCE_YML, ONNX_FILE

from ..conftest import ROOT, make_lmdb
from .conftest import Exported, fixed_batch, line_images

pytest.importorskip("onnxruntime.quantization")
FIGURES = {"size_bytes", "acc", "norm_edit_dis", "agreement", "images_per_s"}


@pytest.fixture(scope="module")
def crnn(export_cache) -> Exported:  # noqa: ANN001 - session fixture of conftest
    return export_cache("crnn_mv3")


@pytest.fixture(scope="module")
def val_lmdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("precision") / "val_lmdb"
    make_lmdb(path, 40, seed=3)
    return path


def _check_report(report: dict, precision: str) -> None:
    assert report["precision"] == precision
    for side in ("fp32", "model"):
        assert set(report[side]) >= FIGURES
        assert report[side]["size_bytes"] > 0
        assert 0.0 <= report[side]["acc"] <= 1.0
        assert 0.0 <= report[side]["norm_edit_dis"] <= 1.0
        assert set(report[side]["images_per_s"]) == {"1", "32"}
        assert min(report[side]["images_per_s"].values()) > 0
    assert report["fp32"]["agreement"] == 1.0


def _run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "tools" / "export_onnx.py"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", check=False)


def test_int8_export_runs_and_reports(crnn: Exported, val_lmdb: Path, tmp_path: Path) -> None:
    from ppocr_lite import TextRecognizer

    out = tmp_path / "int8"
    args = ["--model_dir", str(crnn.model_dir), "--precision", "int8", "--calib", str(val_lmdb)]
    done = _run_tool(*args, "--save_dir", str(out), "--calib_lines", "16", "--max_acc_drop", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    _check_report(report, "int8")
    assert report["accepted"] and report["calibration_lines"] == 16 and report["lines"] == 40
    assert len(report["tried"]) >= 2  # the settings were chosen by measurement
    assert report["model"]["size_bytes"] < 0.5 * report["fp32"]["size_bytes"]
    doc = yaml.safe_load((out / INFERENCE_YML).read_text(encoding="utf-8"))
    assert doc["Precision"]["name"] == "int8" and "per_channel" in doc["Precision"]["settings"]
    rec = TextRecognizer(out, backend="onnx")
    assert rec.precision == "int8"
    lines = read_lines(val_lmdb, 40)
    texts = [r.text for r in rec.predict([ln.image for ln in lines])]
    fp32 = [
        r.text
        for r in TextRecognizer(crnn.model_dir, backend="onnx").predict([ln.image for ln in lines])
    ]
    same = sum(a == b for a, b in zip(texts, fp32, strict=True)) / len(texts)
    assert same == pytest.approx(report["model"]["agreement"])


def test_fp16_export_agrees_with_fp32(crnn: Exported, val_lmdb: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxconverter_common")
    req = PrecisionRequest(crnn.model_dir, "fp16", read_lines(val_lmdb, 40), tmp_path / "fp16")
    report = export_precision(req)
    assert report.accepted
    data = json.loads((tmp_path / "fp16" / REPORT_FILE).read_text(encoding="utf-8"))
    _check_report(data, "fp16")
    assert (tmp_path / "fp16" / ONNX_FILE).stat().st_size < 0.6 * data["fp32"]["size_bytes"]
    # The texts of a random model hang on tiny margins; its probabilities are what FP16 keeps.
    from ppocr_lite.deploy.onnx_backend import OnnxBackend

    batch = fixed_batch(line_images(8, seed=5), 8, (3, 32, 100))
    want = OnnxBackend(crnn.model_dir).run(batch)
    got = OnnxBackend(tmp_path / "fp16", precision="fp16").run(batch)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert float(abs(got - want).max()) < 0.02


def test_guard_refuses_a_model_beyond_the_bound(
    crnn: Exported, val_lmdb: Path, tmp_path: Path
) -> None:
    out = tmp_path / "refused"
    # A negative bound no model can meet: the guard must refuse and write no model.
    lines = read_lines(val_lmdb, 16)
    req = PrecisionRequest(crnn.model_dir, "int8", lines, out, -1.0, 8, CANDIDATES[:1])
    report = export_precision(req)
    assert not report.accepted and "max_acc_drop" in report.reason
    data = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert not data["accepted"] and data["reason"] == report.reason
    assert not (out / ONNX_FILE).exists()


def test_fp32_report_beside_the_model(crnn: Exported, val_lmdb: Path, tmp_path: Path) -> None:
    model_dir = shutil.copytree(crnn.model_dir, tmp_path / "fp32")
    done = _run_tool("--model_dir", str(model_dir), "--calib", str(val_lmdb))
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((model_dir / REPORT_FILE).read_text(encoding="utf-8"))
    _check_report(report, "fp32")


def test_save_dir_may_not_overwrite_the_fp32_folder(crnn: Exported, val_lmdb: Path) -> None:
    from ppocr_lite.errors import ConfigError

    lines = read_lines(val_lmdb, 8)
    for target in (crnn.model_dir, crnn.model_dir.parent):
        req = PrecisionRequest(crnn.model_dir, "int8", lines, target, 1.0, 8, CANDIDATES[:1])
        with pytest.raises(ConfigError, match="would overwrite the FP32 folder"):
            export_precision(req)
    assert (crnn.model_dir / ONNX_FILE).is_file()
