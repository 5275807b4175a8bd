"""Which of PaddleOCR's recognition configs ppocr_lite builds, as users bring them.

Runs ``tools/model_summary.py -c CONFIG`` (unchanged, one subprocess per config, from ROOT so
the configs' relative paths resolve as they do in a PaddleOCR checkout) on every ``*.yml`` /
``*.yaml`` under ``ROOT/configs/rec`` and prints one row per config: whether it builds, its
parameter count, or the refusal (the ``error:`` line). A refusal must be ONE line naming what
is unsupported; anything else (a traceback, several lines, a timeout) is counted apart.

Dictionaries: a config whose ``Global.character_dict_path`` exists under ROOT keeps it. One
whose dictionary is missing (PaddleOCR's ``ppocr/utils/*.txt`` are not part of ppocr_lite) is
given ``--dict`` with ``-o Global.character_dict_path=...``, as a user would for a missing
file; the row says so. The model's class count then differs; whether it builds does not.

    python bench/paddleocr_config_coverage.py /path/to/PaddleOCR            # a checkout
    python bench/paddleocr_config_coverage.py /tmp/pp_configs --json out.json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = ROOT / "tools" / "model_summary.py"
DEFAULT_DICT = ROOT / "ppocr_lite" / "utils" / "dict" / "vi_dict.txt"


@dataclass(frozen=True)
class Row:
    """The outcome of one config."""

    config: str
    builds: bool
    params: int | None
    dict_substituted: bool
    refusal: str  # the error: line without its prefix ("" when it builds)
    one_line: bool  # refused in exactly one line (no traceback, nothing else on stderr)


def find_configs(root: Path) -> list[Path]:
    """Every recognition config under ``root/configs/rec`` (or ``root`` itself), sorted."""
    folder = root / "configs" / "rec"
    folder = folder if folder.is_dir() else root
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml"))


def dict_override(config: Path, root: Path, fallback: Path) -> list[str]:
    """``-o`` arguments for a config whose dictionary is missing under ``root``."""
    try:
        cfg = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return []  # model_summary reports the YAML error itself
    path = (cfg.get("Global") or {}).get("character_dict_path")
    if not path or (root / str(path)).is_file():
        return []
    return ["-o", f"Global.character_dict_path={fallback}"]


def run_one(config: Path, root: Path, fallback: Path, timeout: float) -> Row:
    """``model_summary.py`` on one config, from ``root``."""
    extra = dict_override(config, root, fallback)
    name = str(config.relative_to(root))
    command = [sys.executable, str(SUMMARY), "-c", name, *extra]
    try:
        done = subprocess.run(
            command, cwd=root, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Row(name, False, None, bool(extra), f"timeout after {timeout:.0f} s", False)
    params = re.search(r"^params: (\d+)", done.stdout, re.MULTILINE)
    if done.returncode == 0 and params:
        return Row(name, True, int(params.group(1)), bool(extra), "", True)
    return _refused(name, bool(extra), done.stderr)


def _refused(name: str, substituted: bool, stderr: str) -> Row:
    """A refused config: its ``error:`` line, and whether that was all that went wrong."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    # Logged warnings (a "[date] WARNING: ..." line each) may precede the refusal.
    noise = [line for line in lines if not line.startswith(("error: ", "["))]
    if len(errors) == 1 and not noise:
        return Row(name, False, None, substituted, errors[0][len("error: ") :], True)
    last = lines[-1] if lines else "(no output)"
    return Row(name, False, None, substituted, last, False)


def cause(refusal: str) -> str:
    """The refusal without the config path it starts with, for grouping."""
    return re.sub(r"^(\S+\.ya?ml: )+", "", refusal)


def print_table(rows: list[Row]) -> None:
    """One line per config, then the totals and the refusals grouped by cause."""
    width = max(len(row.config) for row in rows)
    print(f"{'config'.ljust(width)}  builds  {'params':>11}  dict  refusal")
    for row in rows:
        params = f"{row.params:,}" if row.params is not None else "-"
        builds = "yes" if row.builds else ("no" if row.one_line else "NO*")
        substituted = "subst" if row.dict_substituted else "own"
        print(
            f"{row.config.ljust(width)}  {builds:<6}  {params:>11}  {substituted:<4}  "
            f"{cause(row.refusal)}"
        )
    built = sum(row.builds for row in rows)
    clean = sum(not row.builds and row.one_line for row in rows)
    print(
        f"\nbuild: {built} of {len(rows)}; refused in one line: {clean}; "
        f"other failures (NO*: traceback, several lines or timeout): {len(rows) - built - clean}"
    )
    causes = Counter(cause(row.refusal) for row in rows if not row.builds)
    for text, count in causes.most_common():
        print(f"{count:3d}  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a PaddleOCR checkout (holds configs/rec)")
    parser.add_argument(
        "--dict",
        type=Path,
        default=DEFAULT_DICT,
        help="dictionary for configs whose own is missing (default: vi_dict)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per config")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    root = args.root.resolve()
    rows = []
    for config in find_configs(root):
        rows.append(run_one(config, root, args.dict.resolve(), args.timeout))
        print(
            f"{rows[-1].config}: {'builds' if rows[-1].builds else 'refused'}",
            file=sys.stderr,
            flush=True,
        )
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
