#!/usr/bin/env bash
# Build ppocr_lite's wheel, install it (not editable) with the `cpu` extra into a fresh virtualenv
# and import ppocr_lite, ppocr_lite.engine and TextRecognizer there: what `pip install <wheel>`
# gives a user. An editable install hides a package left out of the wheel; this does not.
#
#   bash scripts/check_wheel.sh          # PYTHON=... picks the interpreter (default: python3)
#
# Prints one "wheel check OK" line and exits 0, or exits non-zero with the failing step's output.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build from a copy of the files a clone has (tracked or new, never ignored ones), so a stale
# build/ or egg-info folder in the checkout cannot add files the repository no longer holds.
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard -- setup.py pyproject.toml README.md ppocr_lite \
  | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$work/src"
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip wheel --quiet --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/ppocr_lite-*.whl)
"$work/venv/bin/python" -m pip install --quiet "${wheel}[cpu]"

# Run from an empty folder: the import must come from site-packages, not from this checkout.
cd "$work"
# (Paddle's harmless "No ccache found" on import is not what this checks.)
"$work/venv/bin/python" -W "ignore:No ccache found:UserWarning" - <<'EOF'
import ppocr_lite
import ppocr_lite.engine
from ppocr_lite import TextRecognizer

assert "site-packages" in ppocr_lite.__file__, ppocr_lite.__file__
print(f"wheel check OK: ppocr_lite {ppocr_lite.__version__}, ppocr_lite.engine and "
      f"{TextRecognizer.__name__} import from {ppocr_lite.__file__}")
EOF
