"""Figures, their ratios against PaddleOCR and targets, the printed table and the CPU's fp32 peak."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    """What the ratio (or the difference, for accuracy) must reach.

    Attributes:
        kind: ``ratio_min`` (ratio >= value), ``ratio_max`` (ratio <= value) or ``diff_min``
            (ppocr_lite - PaddleOCR >= value).
        value: The bound.
    """

    kind: str
    value: float

    def text(self) -> str:
        return {
            "ratio_min": f">= {self.value:g}x",
            "ratio_max": f"<= {self.value:g}x",
            "diff_min": f"diff >= {self.value:+g}",
        }[self.kind]


@dataclass
class Figure:
    """One row of the table: a measured figure for both sides.

    Attributes:
        name: What is measured, with its unit.
        model: ``SVTR-Tiny`` or ``CRNN-MV3``.
        lite: ppocr_lite's value (None when it could not be measured).
        paddleocr: PaddleOCR's value (None without --vs-paddleocr or on failure).
        target: The target on the ratio, if there is one.
        runs: Every single measurement per side, for the JSON file.
        note: Why a value is missing, or how it was taken.
    """

    name: str
    model: str
    lite: float | None
    paddleocr: float | None = None
    target: Target | None = None
    runs: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """ppocr_lite / PaddleOCR (for accuracy: the difference)."""
        if self.lite is None or self.paddleocr is None:
            return None
        if self.target is not None and self.target.kind == "diff_min":
            return self.lite - self.paddleocr
        return self.lite / self.paddleocr if self.paddleocr else None

    @property
    def met(self) -> bool | None:
        """Whether the target is reached (None: no target or nothing to compare)."""
        ratio = self.ratio
        if self.target is None or ratio is None:
            return None
        if self.target.kind == "ratio_max":
            return ratio <= self.target.value
        return ratio >= self.target.value

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["target"] = self.target.text() if self.target else None
        out["ratio"], out["met"] = self.ratio, self.met
        return out


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_table(figures: Sequence[Figure]) -> str:
    """The figures as an aligned text table (figure, ppocr_lite, PaddleOCR, ratio, target, met?)."""
    head = ("figure", "ppocr_lite", "PaddleOCR", "ratio", "target", "met?")
    rows = [head]
    for f in figures:
        ratio = f.ratio
        shown = (
            "-"
            if ratio is None
            else (f"{ratio:+.4f}" if f.target and f.target.kind == "diff_min" else f"{ratio:.2f}x")
        )
        met = {None: "-", True: "yes", False: "NO"}[f.met]
        rows.append(
            (
                f"{f.model}: {f.name}",
                _num(f.lite),
                _num(f.paddleocr),
                shown,
                f.target.text() if f.target else "",
                met,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class CpuPeak:
    """fp32 peak of this CPU and the assumptions behind it."""

    cores: int
    ghz: float
    flops_per_cycle: int
    assumption: str

    @property
    def gflops(self) -> float:
        return self.cores * self.ghz * self.flops_per_cycle


def cpu_peak(fma_units: int = 2, cpuinfo: str = "/proc/cpuinfo") -> CpuPeak:
    """Peak fp32 FLOP/s = cores x GHz x FLOPs/cycle, read from /proc/cpuinfo.

    FLOPs/cycle per core = ``fma_units`` x SIMD fp32 lanes (16 with avx512f, 8 with avx2/fma,
    4 otherwise) x 2 (an FMA is a multiply and an add). Cores = logical CPUs the OS shows (on
    a VM these are usually what you get); GHz = the first ``cpu MHz`` line (the current clock,
    not the turbo peak).
    """
    flags: set[str] = set()
    mhz = 0.0
    try:
        with open(cpuinfo, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "flags" and not flags:
                    flags = set(value.split())
                elif key.strip() == "cpu MHz" and not mhz:
                    mhz = float(value)
    except OSError:
        pass
    lanes, isa = (
        (16, "AVX-512")
        if "avx512f" in flags
        else ((8, "AVX2+FMA") if {"avx2", "fma"} <= flags else (4, "SSE"))
    )
    cores = os.cpu_count() or 1
    per_cycle = fma_units * lanes * 2
    text = (
        f"{cores} cores x {mhz / 1000:.2f} GHz (cpu MHz in /proc/cpuinfo) x {per_cycle} fp32 "
        f"FLOPs/cycle ({isa}: {fma_units} FMA units x {lanes} lanes x 2; --fma-units to change)"
    )
    return CpuPeak(cores, mhz / 1000, per_cycle, text)
