"""Timing of child processes that is robust on shared, noisy machines."""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Callable
from typing import Any


def run_timed(run: Callable[[], subprocess.CompletedProcess]) -> tuple[Any, float]:
    """Run ``run`` (which starts and waits for a child) and return its result and the CPU seconds
    (user + system) the child used: unlike wall time, this does not grow when other jobs share
    the cores, so "fails in under 5 s" can be checked without flaking."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, cpu
