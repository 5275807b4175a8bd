"""The resolved configs a training run saves beside its checkpoints, and finding the right one.

Training writes ``config.yml`` at the first launch into ``Global.save_model_dir`` (a later fresh
launch into the same folder writes ``config_<n>.yml``), and ``config_resume_<step>.yml`` at
each resume. ``eval.py``, ``infer_rec.py`` and ``export_model.py`` read one of them when they
are given a checkpoint but no ``-c``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ppocr_lite.config.overrides import parse_override

SAVED_CONFIG = "config.yml"
SAVED_PATTERN = "config*.yml"  # config.yml, config_<n>.yml, config_resume_<step>.yml
CHECKPOINT_KEYS = ("checkpoints", "pretrained_model")  # the weights eval and inference load


def resume_config_name(step: int) -> str:
    """The name of the config saved by a resume at ``step``."""
    return f"config_resume_{step}.yml"


def checkpoint_override(opts: Sequence[str]) -> str | None:
    """The last ``Global.checkpoints`` (else ``Global.pretrained_model``) among ``-o`` items."""
    found: dict[str, str] = {}
    for item in opts:
        keys, value = parse_override(item)
        if len(keys) == 2 and keys[0] == "Global" and keys[1] in CHECKPOINT_KEYS and value:
            found[keys[1]] = str(value)
    return next((found[key] for key in CHECKPOINT_KEYS if key in found), None)


def _prefix(checkpoint: str) -> Path:
    text = checkpoint
    for ext in (".pdparams", ".pdopt", ".states"):
        if text.endswith(ext):
            text = text[: -len(ext)]
    return Path(text)


def find_saved_config(checkpoint: str) -> Path | None:
    """The resolved config that produced ``checkpoint`` (a prefix such as ``out/best_accuracy``).

    Among the configs saved in the checkpoint's folder, the newest one written no later than
    the checkpoint's weights: that is the config of the launch or resume that wrote them (a
    ``best_accuracy`` kept from before a resume pairs with the config before it, a ``latest``
    written after it with the resume's). When every config is newer than the weights (files
    copied without their times), the newest one.

    Returns:
        The config's path, or None when the folder holds none.
    """
    prefix = _prefix(checkpoint)
    configs = sorted(prefix.parent.glob(SAVED_PATTERN), key=lambda p: p.stat().st_mtime_ns)
    if not configs:
        return None
    weights = prefix.with_name(prefix.name + ".pdparams")
    if not weights.is_file():
        return configs[-1]
    written = weights.stat().st_mtime_ns
    before = [p for p in configs if p.stat().st_mtime_ns <= written]
    return (before or configs)[-1]
