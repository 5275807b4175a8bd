"""What this machine offers for training: ``python -m ppocr_lite.env`` (or tools/check_env.py).

Prints the Python, ppocr_lite and Paddle versions, whether Paddle was built with CUDA, the CUDA
and cuDNN versions, each GPU's name and memory, the CPU cores and a ``Train.loader.num_workers``
to start from. Without a usable GPU it says why, and how to train on the CPU. ``--json`` prints
the same facts as one JSON object. Exit code 0, or 2 when Paddle is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from types import ModuleType

from ppocr_lite import __version__
from ppocr_lite.utils.quiet import silence_paddle_notices

NO_PADDLE = (
    'PaddlePaddle is not installed: pip install -e ".[cpu]" (CPU) or, for CUDA, '
    'PPOCR_GPU=cu126 bash scripts/setup_env.sh (README "Install")'
)
CPU_BUILD_REASON = (
    "this Paddle is the CPU-only build (paddlepaddle); for a GPU install paddlepaddle-gpu "
    'from PaddlePaddle\'s index for your CUDA version (README "Install")'
)


@dataclass(frozen=True)
class GpuInfo:
    """One CUDA device as Paddle sees it."""

    index: int
    name: str
    memory_gb: float
    compute_capability: str


@dataclass(frozen=True)
class EnvReport:
    """The facts ``python -m ppocr_lite.env`` prints (``paddle`` is None when not installed)."""

    python: str
    ppocr_lite: str
    paddle: str | None
    compiled_with_cuda: bool
    cuda: str | None
    cudnn: str | None
    cpu_cores: int
    physical_cores: int | None
    gpus: list[GpuInfo] = field(default_factory=list)
    no_gpu_reason: str = ""
    suggested_num_workers: int = 0


def suggested_num_workers(cores: int, gpus: int) -> int:
    """Reader processes per training process to start from.

    With GPUs the card waits for the CPU: one worker per core, less one for the training
    process, shared among the cards (one training process each). On the CPU the training step
    itself uses the cores, so at most two workers, and none on a single core.
    """
    if gpus > 0:
        return max(1, (cores - 1) // gpus)
    return max(0, min(2, cores - 1))


def usable_cores() -> int:
    """Logical cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def physical_cores(cpuinfo: str = "/proc/cpuinfo") -> int | None:
    """Distinct (package, core) pairs of ``/proc/cpuinfo``; None where it cannot be read."""
    try:
        with open(cpuinfo, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    pairs, package = set(), ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "physical id":
            package = value.strip()
        elif key.strip() == "core id":
            pairs.add((package, value.strip()))
    return len(pairs) or None


def _gpus(paddle: ModuleType) -> tuple[list[GpuInfo], str]:
    """The visible GPUs, or none and the reason."""
    device = paddle.device
    if not device.is_compiled_with_cuda():
        return [], CPU_BUILD_REASON
    try:
        count = device.cuda.device_count()
    except Exception as exc:  # noqa: BLE001 - whatever a broken driver raises is the answer
        return [], f"Paddle is built with CUDA but cannot query the devices: {exc}"
    if count == 0:
        return [], (
            "Paddle is built with CUDA but sees no device "
            "(no NVIDIA driver, or CUDA_VISIBLE_DEVICES hides them)"
        )
    gpus = []
    for index in range(count):
        props = device.cuda.get_device_properties(index)
        memory = round(props.total_memory / 1024**3, 1)
        gpus.append(GpuInfo(index, props.name, memory, f"{props.major}.{props.minor}"))
    return gpus, ""


def collect() -> EnvReport:
    """Look at this machine (imports Paddle when it is installed)."""
    cores = usable_cores()
    common = {
        "python": platform.python_version(),
        "ppocr_lite": __version__,
        "cpu_cores": cores,
        "physical_cores": physical_cores(),
    }
    try:
        import paddle
    except ModuleNotFoundError as exc:
        if exc.name != "paddle":
            raise
        return EnvReport(
            paddle=None,
            compiled_with_cuda=False,
            cuda=None,
            cudnn=None,
            no_gpu_reason=NO_PADDLE,
            suggested_num_workers=suggested_num_workers(cores, 0),
            **common,
        )
    built_with_cuda = bool(paddle.device.is_compiled_with_cuda())
    gpus, reason = _gpus(paddle)
    return EnvReport(
        paddle=paddle.__version__,
        compiled_with_cuda=built_with_cuda,
        cuda=str(paddle.version.cuda()) if built_with_cuda else None,
        cudnn=str(paddle.version.cudnn()) if built_with_cuda else None,
        gpus=gpus,
        no_gpu_reason=reason,
        suggested_num_workers=suggested_num_workers(cores, len(gpus)),
        **common,
    )


def format_report(report: EnvReport) -> list[str]:
    """The report as lines for a person."""
    physical = f" ({report.physical_cores} physical)" if report.physical_cores else ""
    lines = [
        f"python: {report.python}",
        f"ppocr_lite: {report.ppocr_lite}",
        f"paddle: {report.paddle or 'not installed'}",
        f"compiled with CUDA: {'yes' if report.compiled_with_cuda else 'no'}",
    ]
    if report.compiled_with_cuda:
        lines.append(f"CUDA: {report.cuda}, cuDNN: {report.cudnn}")
    lines += [
        f"GPU {g.index}: {g.name}, {g.memory_gb} GB, compute capability {g.compute_capability}"
        for g in report.gpus
    ]
    lines.append(f"CPU cores usable: {report.cpu_cores}{physical}")
    if report.no_gpu_reason:
        lines.append(f"no GPU found: {report.no_gpu_reason}")
    if report.paddle and not report.gpus:
        lines.append("to train on the CPU: python tools/train.py -c CONFIG -o Global.use_gpu=false")
    per = "per GPU process" if report.gpus else "on the CPU"
    lines.append(f"Train.loader.num_workers to start from ({per}): {report.suggested_num_workers}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; 0, or 2 when Paddle is not installed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    silence_paddle_notices()
    report = collect()
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print("\n".join(format_report(report)))
    return 0 if report.paddle else 2


if __name__ == "__main__":
    sys.exit(main())
