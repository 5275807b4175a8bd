"""Make a character dictionary from data: python tools/build_dict.py INPUT [INPUT ...] -o DICT.txt
[--base EXISTING_DICT.txt] [--min-count N].

Inputs are label files (``path<TAB>label``) or LMDB folders. With --base, the existing characters
keep their order (and class indices) and new ones are appended, most frequent first. The space is
never written: it comes from Global.use_space_char.
"""

from __future__ import annotations

import argparse
import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import run_tool  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("inputs", nargs="+", help="label files or LMDB folders")
    parser.add_argument("-o", "--out", required=True, help="dictionary file to write")
    parser.add_argument("--base", help="existing dictionary to extend")
    parser.add_argument("--min-count", type=int, default=1, help="drop rarer new characters")
    parser.add_argument("--delimiter", default="\t")
    args = parser.parse_args()
    from ppocr_lite.charset import read_dict
    from ppocr_lite.data.dict_builder import build_dict, count_chars, iter_labels, write_dict

    counts = count_chars(iter_labels(args.inputs, args.delimiter))
    base = read_dict(args.base) if args.base else []
    chars = build_dict(counts, base, args.min_count)
    write_dict(chars, args.out)
    print(f"{len(chars)} characters ({len(chars) - len(base)} new) written to {args.out}")
    if " " in counts:
        print("labels contain spaces: set Global.use_space_char: true")


if __name__ == "__main__":
    run_tool(main)
