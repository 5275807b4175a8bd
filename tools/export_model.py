"""Export a checkpoint for deployment: python tools/export_model.py [-c CONFIG] -o Global.checkpoints=PATH Global.save_inference_dir=DIR.

Writes DIR/inference.json + inference.pdiparams (a static Paddle model, dynamic batch, and dynamic
width when the model allows it; multi-branch parts such as RepSVTR folded), inference.yml
(the Eval transforms, postprocess, architecture) and rec_dict.txt. Run tools/export_onnx.py --model_dir DIR afterwards for ONNX.
"""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402

KEYS = (
    ("Global.checkpoints", "weights to export (a checkpoint prefix)"),
    ("Global.save_inference_dir", "folder to write the inference model to"),
)
EXAMPLE = (
    "python tools/export_model.py -c configs/rec/crnn_mv3_demo.yml -o "
    "Global.checkpoints=output/crnn_mv3_demo/best_accuracy Global.save_inference_dir=output/infer"
)


def main() -> None:
    args = parse_args(__doc__, keys=KEYS, example=EXAMPLE, saved_config=True)
    from ppocr_lite.deploy.export import export_model  # imports Paddle: after --help

    cfg, gcfg = load(args, sections=())
    result = export_model(cfg, gcfg)
    spec = result.spec
    width = "dynamic" if spec.dynamic_width else f"fixed {spec.image_shape[2]}"
    print(
        f"exported to {result.model_dir} (input width: {width}; max |saved - dygraph| {result.max_abs_diff:.1e})"
    )


if __name__ == "__main__":
    run_tool(main)
