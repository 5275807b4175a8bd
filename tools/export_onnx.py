"""Convert an exported model to ONNX, at FP32, FP16 or INT8: python tools/export_onnx.py --model_dir DIR [--precision int8 --calib DATA].

fp32 writes DIR/inference.onnx (where predict_rec.py --backend onnx finds it). fp16 and int8 write
their own folder (--save_dir, default DIR_fp16 / DIR_int8: inference.onnx, inference.yml with a
Precision section, the dictionary), which predict_rec.py --backend onnx and TextRecognizer run
as any folder. INT8 is post-training quantization calibrated on the first --calib_lines lines of
--calib (an LMDB folder, a label file, or an image folder), or of the Eval data of -c CONFIG.
Every export ends with a report (size, text agreement with FP32, acc and norm_edit_dis of both,
CPU throughput at batch 1 and 32), printed and written beside the model as export_report.json;
an INT8 model that loses more than --max_acc_drop acc is not written (exit status 1).
Needs paddle2onnx, onnxruntime, onnx (and onnxconverter-common for fp16): pip install ppocr_lite[onnx].
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import run_tool  # noqa: E402

PRECISIONS = ("fp32", "fp16", "int8")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model_dir", required=True, help="folder from tools/export_model.py")
    p.add_argument("--precision", choices=PRECISIONS, default="fp32")
    p.add_argument("--save_dir", default=None, help="fp16/int8 output (default MODEL_DIR_<p>)")
    p.add_argument("--save_file", default=None, help="fp32 only: default MODEL_DIR/inference.onnx")
    p.add_argument("--calib", default=None, help="LMDB folder, label file or image folder")
    p.add_argument("-c", "--config", default=None, help="training config: its Eval data")
    p.add_argument("--calib_lines", type=int, default=300, help="lines for INT8 calibration")
    p.add_argument("--val_lines", type=int, default=1000, help="lines for the report")
    p.add_argument("--max_acc_drop", type=float, default=0.01, help="INT8 guard (absolute)")
    p.add_argument("--opset", type=int, default=None)
    return p.parse_args()


def _lines(a: argparse.Namespace) -> list:
    from ppocr_lite.config.load import load_config
    from ppocr_lite.deploy.lines import eval_source, read_lines
    from ppocr_lite.errors import ConfigError

    if a.calib:
        return read_lines(a.calib, max(a.val_lines, a.calib_lines))
    if a.config:
        source, root = eval_source(load_config(a.config))
        return read_lines(source, max(a.val_lines, a.calib_lines), root)
    raise ConfigError("give --calib DATA (or -c CONFIG for its Eval data) to measure the export")


def main() -> None:
    a = parse()
    from ppocr_lite.deploy.onnx_backend import DEFAULT_OPSET, export_onnx
    from ppocr_lite.deploy.precision import PrecisionRequest, export_precision
    from ppocr_lite.deploy.spec import ONNX_FILE

    model_dir = Path(a.model_dir)
    opset = a.opset or DEFAULT_OPSET
    if a.precision == "fp32" or not (model_dir / ONNX_FILE).is_file():
        print(
            f"wrote {export_onnx(model_dir, a.save_file if a.precision == 'fp32' else None, opset)}"
        )
    if a.precision == "fp32" and not (a.calib or a.config):
        return  # nothing to measure it on
    save_dir = Path(a.save_dir or f"{str(model_dir).rstrip('/')}_{a.precision}")
    req = PrecisionRequest(
        model_dir, a.precision, _lines(a), save_dir, a.max_acc_drop, a.calib_lines
    )
    report = export_precision(req)
    print(report.format())
    where = model_dir if a.precision == "fp32" else save_dir
    print(f"report: {where / 'export_report.json'}")
    if not report.accepted:
        sys.exit(1)


if __name__ == "__main__":
    run_tool(main)
