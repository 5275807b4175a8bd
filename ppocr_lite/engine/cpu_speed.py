"""CPU settings that make Paddle's training step faster without changing what it computes."""

from __future__ import annotations

import logging
import os

import paddle

logger = logging.getLogger("ppocr_lite")

MKL_CPU_TYPE_VAR = "MKL_DEBUG_CPU_TYPE"
STRIDE_FLAG = "FLAGS_use_stride_kernel"


def _cpu_vendor_and_flags() -> tuple[str, set[str]]:
    """(vendor_id, flags) of the first CPU in /proc/cpuinfo; ("", set()) where unreadable."""
    vendor, flags = "", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "vendor_id" and not vendor:
                    vendor = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    return vendor, flags


def tune_cpu_math(device: str) -> list[str]:
    """Apply the CPU-only speed settings; call before the first matrix multiplication.

    * Paddle's MKL picks its slow generic GEMM kernels on AMD CPUs; ``MKL_DEBUG_CPU_TYPE=5``
      selects the AVX2 kernels instead (about 2x faster matmuls on AVX2 AMD CPUs). Only set on
      AMD CPUs with AVX2, and never over a value the user exported.
    * Paddle 3's strided views make every reshape/transpose of SVTR's attention a lazy view
      that later ops and their gradients copy element by element; plain contiguous kernels
      (``FLAGS_use_stride_kernel=0``) cut the SVTR-Tiny step by about a quarter on the CPU.
      Not applied when the user exported the flag.

    Both leave the numbers computed the same (up to float rounding of the GEMM kernel).

    Args:
        device: The Paddle device in use; nothing is changed unless it is the CPU.

    Returns:
        A description of each setting applied (empty when none was).
    """
    if not device.startswith("cpu"):
        return []
    applied = []
    vendor, flags = _cpu_vendor_and_flags()
    if vendor == "AuthenticAMD" and "avx2" in flags and MKL_CPU_TYPE_VAR not in os.environ:
        os.environ[MKL_CPU_TYPE_VAR] = "5"  # read by MKL at its first call, not at import
        applied.append(f"{MKL_CPU_TYPE_VAR}=5 (AVX2 GEMM kernels on an AMD CPU)")
    if STRIDE_FLAG not in os.environ and paddle.get_flags([STRIDE_FLAG])[STRIDE_FLAG]:
        paddle.set_flags({STRIDE_FLAG: False})
        applied.append("FLAGS_use_stride_kernel=0 (contiguous reshape/transpose)")
    if applied:
        logger.info("CPU speed settings: %s", "; ".join(applied))
    return applied
