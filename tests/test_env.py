"""tools/check_env.py (python -m ppocr_lite.env): runs anywhere, and says when there is no GPU."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import paddle

from ppocr_lite.env import physical_cores, suggested_num_workers

ROOT = Path(__file__).resolve().parents[1]


def test_check_env_runs_and_reports_the_gpus_paddle_sees() -> None:
    cmd = [sys.executable, str(ROOT / "tools" / "check_env.py"), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["paddle"] == paddle.__version__
    assert report["cpu_cores"] >= 1
    has_gpu = paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0
    if has_gpu:
        assert report["gpus"] and not report["no_gpu_reason"]
    else:
        assert report["gpus"] == [] and report["no_gpu_reason"]


def test_check_env_text_report_says_no_gpu_on_a_cpu_build() -> None:
    if paddle.device.is_compiled_with_cuda():
        return  # what a CUDA build prints depends on the machine's devices
    proc = subprocess.run(
        [sys.executable, "-m", "ppocr_lite.env"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert "no GPU" in proc.stdout
    assert "Global.use_gpu=false" in proc.stdout


def test_suggested_workers_share_the_cores_among_gpus_and_leave_cpu_training_room() -> None:
    assert suggested_num_workers(12, 1) == 11
    assert suggested_num_workers(12, 2) == 5
    assert suggested_num_workers(1, 1) == 1
    assert suggested_num_workers(2, 0) == 1
    assert suggested_num_workers(64, 0) == 2
    assert suggested_num_workers(1, 0) == 0


def test_physical_cores_counts_core_ids_per_package(tmp_path: Path) -> None:
    text = "".join(
        f"processor\t: {i}\nphysical id\t: {i // 4}\ncore id\t\t: {i % 2}\n\n" for i in range(8)
    )  # 2 packages x 2 cores x 2 threads
    (tmp_path / "cpuinfo").write_text(text)
    assert physical_cores(str(tmp_path / "cpuinfo")) == 4
    assert physical_cores(str(tmp_path / "absent")) is None
