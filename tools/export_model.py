"""Export a checkpoint for deployment: python tools/export_model.py -c CONFIG -o Global.checkpoints=PATH Global.save_inference_dir=DIR.

Writes DIR/inference.json + inference.pdiparams (a static Paddle model, dynamic batch, and dynamic
width when the model allows it), inference.yml (preprocessing, postprocess, architecture) and
rec_dict.txt. Run tools/export_onnx.py --model_dir DIR afterwards for ONNX.
"""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402
from ppocr_lite.deploy.export import export_model  # noqa: E402


def main() -> None:
    cfg, gcfg = load(parse_args(__doc__), sections=())
    result = export_model(cfg, gcfg)
    pre = result.spec.preprocess
    width = "dynamic" if pre.dynamic_width else f"fixed {pre.image_shape[2]}"
    print(
        f"exported to {result.model_dir} (input width: {width}; max |saved - dygraph| {result.max_abs_diff:.1e})"
    )


if __name__ == "__main__":
    run_tool(main)
