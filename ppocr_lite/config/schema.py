"""The ``Global`` section as one frozen, typed object."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import did_you_mean

logger = logging.getLogger("ppocr_lite")

# Global keys found in PaddleOCR's rec configs that ppocr_lite does not use: accepted, warned once.
PADDLEOCR_GLOBAL_KEYS = frozenset(
    {
        "cal_metric_during_train",
        "infer_mode",
        "character_type",
        "distributed",
        "d2s_train_image_shape",
        "use_wandb",
        "use_tensorboard",
        "uniform_output_enabled",
        "export_with_pir",
        "use_sync_bn",
        "pdx_model_name",
        "model_name",
        "amp_custom_black_list",
        "amp_custom_white_list",
        "use_xpu",
        "use_npu",
        "use_mlu",
        "use_gcu",
        "scale_loss",
        "use_dynamic_loss_scaling",
        "profiler_options",
        "calc_epoch_interval",
        "ignore_space",
        "debug",
        "num_heads",  # read by PaddleOCR's SRN only
        "rm_symbol",  # SAR / SATRN / RobustScanner decoding (PaddleOCR's SARLabelDecode)
        "max_seq_len",  # LaTeX-OCR's token limit
        "rec_char_dict_path",  # LaTeX-OCR's tokenizer file
        "training_step",  # VisionLAN's training stage (LF_1, LF_2, LA)
    }
)


@dataclass(frozen=True)
class GlobalConfig:
    """Typed view of ``Global``; field names are PaddleOCR's keys."""

    use_gpu: bool = False
    epoch_num: int = 100
    log_smooth_window: int = 20
    print_batch_step: int = 10
    save_model_dir: str = "./output/rec/"
    save_epoch_step: int = 0
    save_batch_step: int = 0
    eval_batch_step: tuple[int, int] = (0, 2000)
    pretrained_model: str | None = None
    checkpoints: str | None = None
    auto_resume: bool = False
    use_visualdl: bool = False
    infer_img: str | None = None
    character_dict_path: str | None = None
    max_text_length: int = 25
    use_space_char: bool = False
    save_res_path: str = "./output/rec/predicts_rec.txt"
    seed: int = 1024
    use_amp: bool = False
    amp_level: str = "O1"
    amp_dtype: str = "float16"
    keep_last_n: int = 0
    early_stop_patience: int = 0
    max_nan_steps: int = 20
    bad_sample: str = "skip"
    max_bad_ratio: float = 0.1
    check_data_samples: int = 200
    infer_batch_size: int = 32
    print_results: bool = False  # infer_rec.py: log every result, not only the summary
    save_inference_dir: str | None = None
    save_eval_tsv: str | None = None  # eval.py: per-sample results (key, label, prediction, ...)


_OPTIONAL_STR = {
    "pretrained_model",
    "checkpoints",
    "infer_img",
    "character_dict_path",
    "save_inference_dir",
    "save_eval_tsv",
}
_CHOICES = {
    "amp_level": ("O1", "O2"),
    "amp_dtype": ("float16", "bfloat16"),
    "bad_sample": ("skip", "error"),
}
_POSITIVE = {
    "epoch_num",
    "log_smooth_window",
    "print_batch_step",
    "max_text_length",
    "infer_batch_size",
}


def _type_error(key: str, want: str, value: Any) -> ConfigError:
    return ConfigError(f"Global.{key} must be {want}, got {value!r} ({type(value).__name__})")


def _eval_step(value: Any) -> tuple[int, int]:
    # PaddleOCR accepts an int (every N steps) or [start, every].
    if isinstance(value, int) and not isinstance(value, bool):
        pair = [0, value]
    elif isinstance(value, list | tuple) and len(value) == 2:
        pair = list(value)
    else:
        raise _type_error("eval_batch_step", "an int or [start, every]", value)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise _type_error("eval_batch_step", "integers", value)
    if pair[1] <= 0 or pair[0] < 0:
        raise ConfigError(
            f"Global.eval_batch_step {value!r}: the interval must be > 0 and the start >= 0"
        )
    return int(pair[0]), int(pair[1])


def _coerce(key: str, value: Any, default: Any) -> Any:
    if key == "eval_batch_step":
        return _eval_step(value)
    if key in _OPTIONAL_STR:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise _type_error(key, "a path string or null", value)
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _type_error(key, "true or false", value)
        return value
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool):
            raise _type_error(key, "an integer", value)
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _type_error(key, "a number", value)
        return float(value)
    if not isinstance(value, str):
        raise _type_error(key, "a string", value)
    return value


def _check_values(cfg: GlobalConfig) -> None:
    for key, choices in _CHOICES.items():
        if getattr(cfg, key) not in choices:
            raise ConfigError(f"Global.{key} must be one of {choices}, got {getattr(cfg, key)!r}")
    for key in _POSITIVE:
        if getattr(cfg, key) <= 0:
            raise ConfigError(f"Global.{key} must be > 0, got {getattr(cfg, key)}")
    for key in ("save_epoch_step", "save_batch_step", "keep_last_n", "early_stop_patience"):
        if getattr(cfg, key) < 0:
            raise ConfigError(
                f"Global.{key} must be >= 0 (0 turns it off), got {getattr(cfg, key)}"
            )
    if not 0.0 <= cfg.max_bad_ratio <= 1.0:
        raise ConfigError(f"Global.max_bad_ratio must be within [0, 1], got {cfg.max_bad_ratio}")


def parse_global(
    section: Mapping[str, Any] | None, source: str = "config", warn: bool = True
) -> GlobalConfig:
    """Validate and type the ``Global`` section.

    Args:
        section: The raw ``Global`` mapping (may be None).
        source: Config file name, for messages.
        warn: Log the PaddleOCR keys that are ignored (off for a look before the full check,
            which warns).

    Returns:
        A frozen GlobalConfig.

    Raises:
        ConfigError: on an unknown key (with the closest valid one), a wrong type or an
            impossible value.
    """
    section = dict(section or {})
    known = {f.name: f for f in fields(GlobalConfig)}
    ignored = sorted(k for k in section if k not in known and k in PADDLEOCR_GLOBAL_KEYS)
    for key in section:
        if key not in known and key not in PADDLEOCR_GLOBAL_KEYS:
            raise ConfigError(
                f"{source}: unknown key 'Global.{key}'{did_you_mean(key, list(known))}"
            )
    if ignored and warn:
        logger.warning(
            "Global: ignoring PaddleOCR keys not used by ppocr_lite: %s", ", ".join(ignored)
        )
    values = {}
    for key, value in section.items():
        if key in known:
            default = known[key].default
            values[key] = _coerce(key, value, default)
    cfg = GlobalConfig(**values)
    _check_values(cfg)
    return cfg


def global_to_dict(cfg: GlobalConfig) -> dict[str, Any]:
    """Plain-dict form (lists instead of tuples) for YAML dumps."""
    out = dataclasses.asdict(cfg)
    out["eval_batch_step"] = list(cfg.eval_batch_step)
    return out
