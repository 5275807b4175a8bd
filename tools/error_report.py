"""What does the model get wrong? One self-contained HTML page (and a JSON of its figures) from
an evaluation: python tools/error_report.py [-c CONFIG] -o Global.checkpoints=PATH.

report options (before or after -c/-o):
  --tsv PATH        read tools/eval.py's per-sample TSV (Global.save_eval_tsv) instead of evaluating
  --compare OTHER   another checkpoint (or its TSV) on the same lines: fixed, broken, moved pairs
  --out PATH.html   where to write (default: error_report_<name>.html beside the checkpoint)
  --worst N         lines in the gallery, worst first (default 100)
"""

from __future__ import annotations

import argparse
import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402

KEYS = (
    ("Global.checkpoints", "weights to report on (a checkpoint prefix)"),
    ("Eval.dataset.data_dir", "evaluation LMDB folder(s)"),
    ("Global.use_gpu", "false: evaluate on the CPU"),
)
EXAMPLE = (
    "python tools/error_report.py -c configs/rec/crnn_mv3_demo.yml "
    "-o Global.checkpoints=output/crnn_mv3_demo/best_accuracy --compare output/old/best_accuracy"
)


def report_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The report's own options, and the rest for ``ppocr_lite.cli.parse_args``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--tsv")
    parser.add_argument("--compare")
    parser.add_argument("--out")
    parser.add_argument("--worst", type=int, default=100)
    return parser.parse_known_args(argv)


def main() -> None:
    own, rest = report_args(sys.argv[1:])
    args = parse_args(__doc__, argv=rest, keys=KEYS, example=EXAMPLE, saved_config=True)
    from ppocr_lite.report.build import ReportOptions, ReportRequest, write_report  # Paddle

    cfg, gcfg = load(args, sections=("Eval",))
    options = ReportOptions(worst=max(own.worst, 1))
    request = ReportRequest(tsv=own.tsv, compare=own.compare, out=own.out, options=options)
    html, figures = write_report(cfg, gcfg, request)
    print(f"report: {html}\nfigures: {figures}")


if __name__ == "__main__":
    run_tool(main)
