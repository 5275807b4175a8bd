"""Convert an exported model to ONNX: python tools/export_onnx.py --model_dir DIR [--save_file F] [--opset 14].

Needs paddle2onnx (and onnxruntime to run it): pip install paddle2onnx onnxruntime.
Writes DIR/inference.onnx by default, where tools/infer/predict_rec.py --backend onnx finds it.
"""

from __future__ import annotations

import argparse
import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import run_tool  # noqa: E402
from ppocr_lite.deploy.onnx_backend import DEFAULT_OPSET, export_onnx  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model_dir", required=True, help="folder from tools/export_model.py")
    parser.add_argument("--save_file", default=None, help="default: MODEL_DIR/inference.onnx")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    args = parser.parse_args()
    print(f"wrote {export_onnx(args.model_dir, args.save_file, args.opset)}")


if __name__ == "__main__":
    run_tool(main)
