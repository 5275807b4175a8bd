"""Optimizers and learning-rate schedules."""

from __future__ import annotations

from ppocr_lite.optim import lr, optimizers  # noqa: F401  (registration)
from ppocr_lite.optim.build import OptimizerBundle, build_optimizer, split_section

__all__ = ["OptimizerBundle", "build_optimizer", "split_section"]
