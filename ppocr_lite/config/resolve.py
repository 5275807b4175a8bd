"""Values derived from the config, as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ppocr_lite.config.schema import GlobalConfig


def main_indicator(cfg: Mapping[str, Any]) -> str:
    """The metric that decides ``best_accuracy`` (``Metric.main_indicator``, default acc)."""
    return str((cfg.get("Metric") or {}).get("main_indicator", "acc"))


def second_indicator(main: str) -> str:
    """Tie-breaker for the best checkpoint."""
    return "norm_edit_dis" if main == "acc" else "acc"


def input_shape(cfg: Mapping[str, Any], section: str = "Eval") -> tuple[int, int, int]:
    """[C, H, W] of the resize op in ``section`` (Eval, else Train), default (3, 32, 100)."""
    for name in (section, "Train", "Eval"):
        ops = ((cfg.get(name) or {}).get("dataset") or {}).get("transforms") or []
        for op in ops:
            if isinstance(op, Mapping):
                for args in op.values():
                    if isinstance(args, Mapping) and "image_shape" in args:
                        return _chw(args["image_shape"])
    return 3, 32, 100


def _chw(shape: Any) -> tuple[int, int, int]:
    """A resize op's ``image_shape`` as (C, H, W) in PaddleOCR's three spellings.

    ``[C, H, W]`` (RecResizeImg and most ops), ``[C, H, min_W, max_W]`` (SARRecResizeImg: the
    widest image is the size to report) and ``[W, H]`` (GrayRecResizeImg: one channel).
    """
    values = [int(v) for v in shape]
    if len(values) == 4:
        return values[0], values[1], values[3]
    if len(values) == 2:
        return 1, values[1], values[0]
    c, h, w = values[-3:]
    return c, h, w


def save_dir(gcfg: GlobalConfig) -> str:
    """Output folder without a trailing slash."""
    return gcfg.save_model_dir.rstrip("/") or "."
