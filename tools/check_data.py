"""Check a config's Train/Eval data: python tools/check_data.py -c CONFIG [-o Key=value ...]
[--out BAD_KEYS.txt] [--fix-dict NEW_DICT.txt] [--limit N].

Prints per dataset: bad samples by reason, characters not in the dictionary, labels changed by
NFC, image size / aspect-ratio and label-length histograms. Exit code 0: all good, 1: bad
samples found, 2: config error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import Counter

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402

KEYS = (
    ("Train.dataset.data_dir", "training LMDB folder(s) to check"),
    ("Eval.dataset.data_dir", "evaluation LMDB folder(s) to check"),
    ("Global.character_dict_path", "dictionary the labels must fit"),
    ("Global.max_text_length", "longer labels count as bad"),
)
EXAMPLE = "python tools/check_data.py -c configs/rec/crnn_mv3_demo.yml --limit 1000"


def main() -> None:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--out", help="write 'key<TAB>reason<TAB>detail' per bad sample")
    extra.add_argument("--fix-dict", help="write a dictionary covering the data to this file")
    extra.add_argument("--limit", type=int, help="check a random sample of N per dataset")
    opts, rest = extra.parse_known_args()
    args = parse_args(__doc__, rest, keys=KEYS, example=EXAMPLE)
    from tqdm import tqdm

    from ppocr_lite.charset import DEFAULT_CHARS, read_dict
    from ppocr_lite.data.check import check_datasets  # imports Paddle: after --help
    from ppocr_lite.data.dict_builder import build_dict, write_dict

    cfg, gcfg = load(args, sections=(), optional=("Train", "Eval"))
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(opts.out, "w", encoding="utf-8")) if opts.out else None
        reports = check_datasets(
            cfg,
            gcfg,
            opts.limit,
            on_bad=(lambda reason, key, why: out.write(f"{key}\t{reason}\t{why}\n"))
            if out
            else None,
            wrap=lambda it, name: tqdm(it, desc=name, unit="img", file=sys.stderr),
        )
    for report in reports:
        print(report.summary())
    if opts.fix_dict:
        base = read_dict(gcfg.character_dict_path) if gcfg.character_dict_path else DEFAULT_CHARS
        counts = sum((r.chars for r in reports), Counter())
        chars = build_dict(counts, list(base))
        path = write_dict(chars, opts.fix_dict)
        print(f"dictionary with {len(chars)} characters ({len(chars) - len(base)} new): {path}")
        if " " in counts and not gcfg.use_space_char:
            print("labels contain spaces: also set Global.use_space_char: true")
    if any(r.total_bad() for r in reports):
        raise SystemExit(1)


if __name__ == "__main__":
    run_tool(main)
