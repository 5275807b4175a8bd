"""Progress table and report-card PNG of a training run.

python tools/report_card.py OUTPUT_DIR [--png out.png] [--every N]

OUTPUT_DIR is a run folder (its metrics.jsonl, else its train.log) or a PaddleOCR-format
train.log. The PNG (loss, acc / norm_edit_dis, lr) needs matplotlib: pip install 'ppocr_lite[plot]'.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.engine.report import PLOT_HINT, format_table, load_run, write_png  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="run folder, metrics.jsonl or train.log")
    parser.add_argument("--png", help="PNG to write (default: report_card.png beside the log)")
    parser.add_argument(
        "--every", type=int, default=0, help="one row per N steps (default: ~20 rows)"
    )
    args = parser.parse_args(argv)
    try:
        record = load_run(args.run)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(record, max(0, args.every)))
    png = Path(args.png) if args.png else record.source.with_name("report_card.png")
    print(f"report card written to {png}" if write_png(record, png) else PLOT_HINT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
