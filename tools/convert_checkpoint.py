"""Convert recognition weights between PaddleOCR 2.x and ppocr_lite layouts.

    python tools/convert_checkpoint.py --from paddleocr IN_PREFIX OUT_PREFIX [--submodel Student]
    python tools/convert_checkpoint.py --from ppocr_lite IN_PREFIX OUT_PREFIX --multihead

CRNN, SVTR and CTC-only SVTR-LCNet weights need no conversion: the parameter names are the
same in both. ``--from paddleocr`` turns PP-OCRv3/v4 ``MultiHead`` files (and the ``Student``
of a Distillation file) into ppocr_lite's CTC-only SVTR-LCNet; ``--multihead`` keeps the
MultiHead layout (only the sub-model is picked). ``--from ppocr_lite --multihead`` renames a
CTC-only SVTR-LCNet for a PaddleOCR MultiHead config, whose guide head then starts fresh.
Only the weights (.pdparams) are written; an optimizer state does not carry over.

ppocr_lite itself needs no converted file: every loader (Global.checkpoints and
Global.pretrained_model of tools/train.py, tools/eval.py, tools/infer_rec.py,
tools/export_model.py, TextRecognizer) detects these layouts and converts them on load, and a
resume carries PaddleOCR's .pdopt over when its parameters map onto the model's.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.checkpoint.files import params_path, strip_suffix  # noqa: E402
from ppocr_lite.checkpoint.safe_pickle import load_paddle_file  # noqa: E402
from ppocr_lite.cli import run_tool  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--from", dest="source", choices=("paddleocr", "ppocr_lite"), required=True)
    p.add_argument("input", help="checkpoint prefix or .pdparams")
    p.add_argument("output", help="output prefix (writes OUTPUT.pdparams)")
    p.add_argument("--multihead", action="store_true", help="target: a MultiHead model")
    p.add_argument("--submodel", default="Student", help="sub-model of a Distillation file")
    args = p.parse_args()
    import paddle  # after --help

    from ppocr_lite.checkpoint.layouts import to_layout, to_paddleocr_multihead

    state = load_paddle_file(params_path(args.input, "input"))
    if args.source == "paddleocr":
        state, report = to_layout(state, args.multihead, args.submodel)
    else:
        state, report = to_layout(state, multihead=False)
        if args.multihead:
            state = to_paddleocr_multihead(state)
    out = Path(f"{strip_suffix(args.output)}.pdparams")
    out.parent.mkdir(parents=True, exist_ok=True)
    paddle.save(state, str(out))
    print(f"{report.summary()}\nwrote {out} ({len(state)} tensors)")


if __name__ == "__main__":
    run_tool(main)
