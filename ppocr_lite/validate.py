"""Check a whole config before any work: names, keys, types and paths."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppocr_lite.config.schema import GlobalConfig, parse_global
from ppocr_lite.data.loader import parse_loader
from ppocr_lite.data.simple_dataset import MultiScaleDataSet
from ppocr_lite.data.transforms import check_transforms
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.build import check_architecture
from ppocr_lite.optim.build import build_lr_fn
from ppocr_lite.registry import DATASETS, LOSSES, METRICS, POSTPROCESSES, SAMPLERS, TRANSFORMS

DATA_INJECTED = ("charset", "max_text_length", "character_dict_path")

logger = logging.getLogger("ppocr_lite")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_paths(block: Mapping[str, Any], where: str) -> None:
    for key in ("data_dir", "label_file_list"):
        if key not in block:
            continue
        for item in _as_list(block[key]):
            if not isinstance(item, str):
                raise ConfigError(f"{where}.{key} must be a path or a list of paths, got {item!r}")
            if not Path(item).exists():
                raise ConfigError(
                    f"{where}.{key}: {item} does not exist (fix the path or -o {where}.{key}=...)"
                )


def check_data_section(cfg: Mapping[str, Any], where: str) -> None:
    """Validate ``Train`` or ``Eval``: dataset, transforms, loader, sampler, paths."""
    section = cfg.get(where)
    if not isinstance(section, Mapping) or "dataset" not in section:
        raise ConfigError(f"the config needs a {where} section with a dataset block")
    block = dict(section["dataset"] or {})
    transforms = block.pop("transforms", None)
    if not transforms:
        raise ConfigError(f"{where}.dataset.transforms is empty; it must end with KeepKeys")
    DATASETS.check(block, f"{where}.dataset", ("transforms", "seed", "bad_sample"))
    check_transforms(transforms, f"{where}.dataset.transforms", DATA_INJECTED)
    _check_resize(transforms, str(block.get("name")), where)
    parse_loader(section.get("loader"), f"{where}.loader")
    if section.get("sampler"):  # the loader injects the dataset and its own settings
        SAMPLERS.check(section["sampler"], f"{where}.sampler", ("context",))
    _check_paths(block, f"{where}.dataset")
    _check_not_empty(block, f"{where}.dataset")


def _check_resize(transforms: list[Any], dataset: str, where: str) -> None:
    """Lines are batched at one size, so an op must resize (and normalise) them."""
    if issubclass(DATASETS.get(dataset, f"{where}.dataset"), MultiScaleDataSet):
        return  # it resizes each line to its batch's size itself
    ops = [TRANSFORMS.get(str(next(iter(op))), where) for op in transforms]
    if not any(isinstance(op, type) and issubclass(op, RecResizeImg) for op in ops):
        raise ConfigError(
            f"{where}.dataset.transforms has no resize op: add RecResizeImg (or "
            "SVTRRecResizeImg) with the model's image_shape before KeepKeys; without it lines of "
            "different sizes cannot be batched and no valid_ratio is computed"
        )


def _check_not_empty(block: Mapping[str, Any], where: str) -> None:
    # Opening the dataset (no transforms, nothing decoded) is cheap and finds a folder without
    # an LMDB, a malformed label file or an empty set now instead of after the model is built.
    try:
        dataset = DATASETS.build(block, where)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if len(dataset) == 0:
        source = block.get("label_file_list") or block.get("data_dir")
        raise ConfigError(
            f"{where} has no samples ({source}): point {where}.data_dir"
            f"{' / label_file_list' if 'label_file_list' in block else ''} at non-empty data"
            f"{' or remove the Eval section' if where.startswith('Eval') else ''}"
        )


def _check_file(path: str | None, key: str, suffix: str = ".pdparams") -> None:
    if path is None:
        return
    stem = path[: -len(suffix)] if path.endswith(suffix) else path
    if not Path(stem + suffix).is_file():
        raise ConfigError(
            f"Global.{key}: {stem + suffix} not found (give the prefix, e.g. output/rec/best_accuracy)"
        )


def _warn_guided_neck(arch: Mapping[str, Any], source: str) -> None:
    """Warn when ``Neck.use_guide`` freezes the backbone of a model that has no other head.

    The guided SVTR neck stops gradients into the backbone; in PP-OCRv3/v4 the second head of a
    MultiHead trains it. With a single head the backbone stays at its initial weights.
    """
    neck, head = arch.get("Neck") or {}, arch.get("Head") or {}
    if neck.get("use_guide") and head.get("name") != "MultiHead":
        logger.warning(
            "%s: Architecture.Neck.use_guide is true but the head is %s, not MultiHead: no "
            "gradient reaches the backbone, which keeps its initial (or pretrained) weights. "
            "Set use_guide: false unless the frozen backbone is intended.",
            source,
            head.get("name"),
        )


def check_config(
    cfg: Mapping[str, Any],
    source: str,
    sections: tuple[str, ...] = ("Train",),
    optional: tuple[str, ...] = ("Eval",),
    weights: bool = True,
) -> GlobalConfig:
    """Validate everything that can be checked without building a model or reading data.

    Args:
        cfg: The loaded config with overrides applied.
        source: Config file name, for messages.
        sections: Data sections this tool needs.
        optional: Data sections checked only when present.
        weights: Check that ``Global.checkpoints`` / ``pretrained_model`` exist (off for a tool
            that never loads them, such as ``model_summary.py``).

    Returns:
        The typed Global section.

    Raises:
        ConfigError: naming the file, the key or path, and the closest valid choice.
    """
    try:
        gcfg = parse_global(cfg.get("Global"), source)
        if gcfg.character_dict_path is not None and not Path(gcfg.character_dict_path).is_file():
            raise ConfigError(
                f"Global.character_dict_path: {gcfg.character_dict_path} not found (fix the path "
                "or -o Global.character_dict_path=ppocr_lite/utils/dict/...)"
            )
        check_architecture(cfg.get("Architecture") or {})
        LOSSES.check(cfg.get("Loss") or {}, "Loss")
        if "Train" in sections:
            # Schedules are pure and cheap: building one checks its values (e.g. a negative LR).
            build_lr_fn(cfg.get("Optimizer") or {}, step_each_epoch=1, epochs=gcfg.epoch_num)
            _warn_guided_neck(cfg.get("Architecture") or {}, source)
        POSTPROCESSES.check(cfg.get("PostProcess") or {}, "PostProcess", ("charset",))
        METRICS.check(cfg.get("Metric") or {"name": "RecMetric"}, "Metric")
        for name in (*sections, *(o for o in optional if cfg.get(o))):
            check_data_section(cfg, name)
        if weights:
            _check_file(gcfg.checkpoints if not gcfg.auto_resume else None, "checkpoints")
            _check_file(gcfg.pretrained_model, "pretrained_model")
    except ConfigError as exc:
        message = str(exc)  # parse_global names the file itself: never name it twice
        if not message.startswith(f"{source}: "):
            message = f"{source}: {message}"
        raise ConfigError(message) from None
    return gcfg
