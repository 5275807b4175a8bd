"""The two tool sets under test and the command lines that run one recipe through each."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class Side:
    """One tool set: its interpreter and the folder holding tools/train.py, eval.py, infer_rec.py.

    Attributes:
        name: ``ppocr_lite`` or ``PaddleOCR``.
        python: Interpreter that runs the tools.
        root: Folder with ``tools/``; also the working directory of every run (PaddleOCR's
            tools put their own folder and its parent on sys.path, so any cwd would do; this
            one keeps its relative default paths valid).
    """

    name: str
    python: str
    root: str

    def tool(self, name: str, config: str, overrides: Sequence[str]) -> list[str]:
        """Command line of ``tools/<name>.py -c config -o overrides``."""
        script = os.path.join(self.root, "tools", f"{name}.py")
        return [self.python, script, "-c", config, "-o", *overrides]

    def pipeline(
        self, config: str, overrides: Sequence[str], workers: int, batches: int, repeat: int
    ) -> list[str]:
        """Command line of this side's data-pipeline probe (one JSON line on stdout)."""
        common = [
            "--config",
            config,
            "--workers",
            str(workers),
            "--batches",
            str(batches),
            "--repeat",
            str(repeat),
            "-o",
            *overrides,
        ]
        if self.name == LITE:
            return [self.python, "-m", "bench.bench_pipeline", "--json", *common]
        probe = os.path.join(HARNESS, "paddleocr_pipeline.py")
        return [self.python, probe, "--pkg", self.root, *common]

    @property
    def cwd(self) -> str:
        return self.root


LITE = "ppocr_lite"
PADDLEOCR = "PaddleOCR"


def lite_side() -> Side:
    """ppocr_lite from this checkout, run by the interpreter running the benchmark."""
    return Side(LITE, sys.executable, REPO)


def paddleocr_side(python: str) -> Side:
    """PaddleOCR 2.9 from the ``paddleocr`` package that ``python`` imports.

    Raises:
        ValueError: when ``python`` cannot import paddleocr or its tools/train.py is missing.
    """
    code = "import os, paddleocr; print(os.path.dirname(paddleocr.__file__))"
    try:
        out = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, timeout=300, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ValueError(f"--vs-paddleocr {python}: cannot import paddleocr ({exc})") from exc
    root = out.stdout.strip().splitlines()[-1]
    for tool in ("train", "eval", "infer_rec"):
        if not os.path.isfile(os.path.join(root, "tools", f"{tool}.py")):
            raise ValueError(f"--vs-paddleocr {python}: {root}/tools/{tool}.py not found")
    return Side(PADDLEOCR, python, root)
