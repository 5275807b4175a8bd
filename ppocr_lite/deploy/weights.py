"""Load a checkpoint (ppocr_lite's or any PaddleOCR 2.x layout) into a built model."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import paddle
from paddle import nn

from ppocr_lite.deploy.convert import MULTIHEAD_CTC, Conversion, to_layout
from ppocr_lite.engine.checkpoint import check_head_size, strip_suffix
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")


def read_weights(path: str | Path, multihead: bool = False) -> tuple[dict[str, Any], Conversion]:
    """``<prefix>.pdparams`` in the layout of the target model (see ``convert.to_layout``).

    Raises:
        ConfigError: if the file does not exist.
    """
    params = Path(f"{strip_suffix(path)}.pdparams")
    if not params.is_file():
        raise ConfigError(
            f"checkpoint {params} not found (give the prefix, e.g. output/rec/best_accuracy)"
        )
    state: Mapping[str, Any] = paddle.load(str(params))
    try:
        return to_layout(state, multihead)
    except KeyError as exc:
        raise ConfigError(f"{params}: {exc}") from None


def load_weights(model: nn.Layer, path: str | Path) -> Conversion:
    """Load every tensor of the checkpoint into ``model`` (strictly) and switch it to eval.

    PaddleOCR's MultiHead and Distillation files are converted to the model's layout. A
    CTC-only checkpoint loaded into a MultiHead model leaves the training-only guide head
    (SAR / NRTR) as initialised, which inference does not use.

    Raises:
        ConfigError: if tensors are missing or shaped differently (e.g. another dictionary).
    """
    own = model.state_dict()
    multihead = any(key.startswith(MULTIHEAD_CTC) for key in own)
    state, conversion = read_weights(path, multihead)
    if multihead and conversion.layout.endswith("into MultiHead"):
        guide = [k for k in own if k.startswith("head.") and k not in state]
        state.update({k: own[k] for k in guide})
        logger.info("%d guide-head tensors are not in %s and stay initialised", len(guide), path)
    check_head_size(state, model, str(path), strict_keys=True)
    model.set_state_dict(state)
    model.eval()
    logger.info("loaded %s (%s)", path, conversion.summary())
    return conversion
