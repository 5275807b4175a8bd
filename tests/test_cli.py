"""The tools from the command line before any work: --help, a missing Paddle, a bad config.

Each case runs a tool in a child process whose ``import paddle`` fails as it does where Paddle
is not installed (a stand-in ``paddle`` package first on PYTHONPATH), so a tool that imports
Paddle for ``--help`` fails the help test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "configs" / "rec" / "crnn_mv3_demo.yml")

# Every tool, with arguments that get it past its own argument parsing to where it needs Paddle.
TOOLS = {
    "train.py": ["-c", CONFIG],
    "eval.py": ["-c", CONFIG, "-o", "Global.checkpoints=missing/best_accuracy"],
    "infer_rec.py": ["-c", CONFIG, "-o", "Global.checkpoints=missing/latest"],
    "export_model.py": ["-c", CONFIG, "-o", "Global.checkpoints=missing/latest"],
    "model_summary.py": ["-c", CONFIG],
    "check_data.py": ["-c", CONFIG],
    "build_dict.py": ["{tmp}/gt.txt", "-o", "{tmp}/dict.txt"],
    "create_lmdb_dataset.py": ["-i", "{tmp}/gt.txt", "-o", "{tmp}/lmdb"],
    "convert_checkpoint.py": ["--from", "paddleocr", "{tmp}/in", "{tmp}/out"],
    "infer/predict_rec.py": ["--model_dir", "{tmp}", "--image_dir", "{tmp}"],
}
HELP_ONLY = ["export_onnx.py", "report_card.py", "check_env.py"]


@pytest.fixture(scope="module")
def no_paddle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a ``paddle`` package whose import fails like an absent one."""
    root = tmp_path_factory.mktemp("no_paddle")
    (root / "paddle").mkdir()
    (root / "paddle" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'paddle'\", name='paddle')\n"
    )
    return root


def run(tool: str, args: list[str], no_paddle: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if no_paddle is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(no_paddle), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, str(ROOT / "tools" / tool), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize("tool", [*TOOLS, *HELP_ONLY])
def test_help_answers_without_importing_paddle(tool: str, no_paddle: Path) -> None:
    proc = run(tool, ["--help"], no_paddle)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage:"), proc.stdout


@pytest.mark.parametrize("tool", ["train.py", "eval.py", "infer_rec.py"])
def test_help_lists_override_keys_with_an_example(tool: str, no_paddle: Path) -> None:
    out = run(tool, ["--help"], no_paddle).stdout
    assert "Global.checkpoints" in out
    assert f"python tools/{tool} -c " in out


@pytest.mark.parametrize("tool", list(TOOLS))
def test_missing_paddle_is_one_line_and_exit_2(tool: str, no_paddle: Path, tmp_path: Path) -> None:
    (tmp_path / "gt.txt").write_text("a.png\tabc\n", encoding="utf-8")
    args = [a.format(tmp=tmp_path) for a in TOOLS[tool]]
    proc = run(tool, args, no_paddle)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_config_error_is_one_line_on_the_console(tmp_path: Path) -> None:
    proc = run("train.py", ["-c", str(tmp_path / "missing.yml")])
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stdout == ""
