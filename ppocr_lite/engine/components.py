"""Build the model-side parts shared by training, evaluation and inference."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import paddle
from paddle import nn

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.errors import ConfigError
from ppocr_lite.metrics.base import Metric
from ppocr_lite.modeling import build_model, count_parameters
from ppocr_lite.postprocess.base import PostProcess
from ppocr_lite.registry import METRICS, POSTPROCESSES

logger = logging.getLogger("ppocr_lite")


@dataclass
class Components:
    """Charset, model, post-process and metric built from one config."""

    gcfg: GlobalConfig
    charset: Charset
    model: nn.Layer
    postprocess: PostProcess
    metric: Metric


def _no_gpu_reason() -> str:
    """Why there is no usable GPU ("" when there is one)."""
    if not paddle.device.is_compiled_with_cuda():
        return "this Paddle build has no CUDA support (paddle.is_compiled_with_cuda() is false)"
    if paddle.device.cuda.device_count() == 0:
        return "Paddle sees no CUDA device (paddle.device.cuda.device_count() is 0)"
    return ""


def select_device(use_gpu: bool) -> str:
    """Set Paddle's device: the GPU when asked for, else the CPU.

    Raises:
        ConfigError: ``use_gpu`` is true and there is no usable GPU. A GPU recipe run on the CPU
            by accident takes minutes a step, so it is refused rather than warned about.
    """
    if use_gpu:
        reason = _no_gpu_reason()
        if reason:
            raise ConfigError(
                f"Global.use_gpu is true but {reason}; to run on the CPU on purpose, "
                "pass -o Global.use_gpu=false"
            )
        rank = paddle.distributed.get_rank() if paddle.distributed.get_world_size() > 1 else 0
        device = f"gpu:{paddle.distributed.ParallelEnv().device_id if rank else 0}"
    else:
        device = "cpu"
    paddle.set_device(device)
    return device


def require_role(component: Any, role: type, where: str) -> Any:
    """``component`` if it implements the protocol ``role``, else a ConfigError naming it."""
    if not isinstance(component, role):
        raise ConfigError(
            f"{where}: {type(component).__name__} does not implement {role.__name__} "
            f"({role.__module__})"
        )
    return component


def build_components(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> Components:
    """Build charset -> post-process -> model (head sized by the post-process) -> metric.

    Raises:
        ConfigError: for a bad block, or a class that does not implement its role's protocol.
    """
    charset = Charset.from_config(gcfg.character_dict_path, gcfg.use_space_char)
    postprocess: PostProcess = require_role(
        POSTPROCESSES.build(cfg["PostProcess"], "PostProcess", charset=charset),
        PostProcess,
        "PostProcess",
    )
    model = build_model(cfg["Architecture"], num_classes=postprocess.num_classes)
    metric_block = cfg.get("Metric") or {"name": "RecMetric"}
    metric: Metric = require_role(METRICS.build(metric_block, "Metric"), Metric, "Metric")
    logger.info(
        "model: %s, params: %d, classes: %d (%d characters from %s)",
        (cfg["Architecture"] or {}).get("algorithm", "?"),
        count_parameters(model),
        postprocess.num_classes,
        len(charset),
        charset.source,
    )
    return Components(gcfg, charset, model, postprocess, metric)
