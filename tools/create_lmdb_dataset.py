"""Write a text-line LMDB: python tools/create_lmdb_dataset.py -i gt.txt [gt2.txt ...] -o OUT_DIR
[--data-dir IMAGE_ROOT] [--overwrite].

Label files hold ``path<TAB>label`` lines; paths are relative to --data-dir (default: each label
file's folder). Every image is decoded first: unreadable ones are left out and listed. Labels are
stored NFC-normalised. An existing LMDB is only replaced with --overwrite.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tqdm import tqdm  # noqa: E402

from ppocr_lite.cli import run_tool  # noqa: E402
from ppocr_lite.data.lmdb_writer import write_lmdb  # noqa: E402
from ppocr_lite.data.transforms.decode import decode_image  # noqa: E402
from ppocr_lite.errors import ConfigError, DataError  # noqa: E402


def verified(rows: list[tuple[Path, str]], skipped: Counter[str]) -> Iterator[tuple[bytes, str]]:
    for path, label in tqdm(rows, unit="img", file=sys.stderr):
        try:
            image = path.read_bytes()
            decode_image(image)
        except (OSError, DataError) as exc:
            skipped[str(exc) if isinstance(exc, DataError) else "unreadable file"] += 1
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        yield image, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-i", "--label-files", nargs="+", required=True)
    parser.add_argument("-o", "--out", required=True, help="output folder (holds data.mdb)")
    parser.add_argument("--data-dir", help="folder the image paths are relative to")
    parser.add_argument("--delimiter", default="\t")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing LMDB")
    args = parser.parse_args()
    if (Path(args.out) / "data.mdb").exists() and not args.overwrite:
        raise ConfigError(f"{args.out} already holds an LMDB: pass --overwrite to replace it")
    from ppocr_lite.data.simple_dataset import read_label_file  # imports Paddle: after --help

    rows = []
    for name in args.label_files:
        root = Path(args.data_dir) if args.data_dir else Path(name).parent
        rows += [(root / p, t) for p, t in read_label_file(Path(name), args.delimiter)]
    skipped: Counter[str] = Counter()
    count = write_lmdb(args.out, verified(rows, skipped), overwrite=args.overwrite)
    print(f"wrote {count} samples to {args.out}; skipped {sum(skipped.values())}", end="")
    print(": " + ", ".join(f"{k} x{n}" for k, n in skipped.items()) if skipped else "")


if __name__ == "__main__":
    run_tool(main)
