"""Load a checkpoint (ppocr_lite's or any PaddleOCR 2.x layout) into a built model."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paddle import nn

from ppocr_lite.deploy.convert import Conversion, fit_to_model, to_layout
from ppocr_lite.deploy.layout import strip_suffix
from ppocr_lite.engine.checkpoint import check_head_size
from ppocr_lite.errors import ConfigError
from ppocr_lite.utils.safe_pickle import load_paddle_file

logger = logging.getLogger("ppocr_lite")


def _params_file(path: str | Path) -> Path:
    params = Path(f"{strip_suffix(path)}.pdparams")
    if not params.is_file():
        raise ConfigError(
            f"checkpoint {params} not found (give the prefix, e.g. output/rec/best_accuracy)"
        )
    return params


def read_weights(path: str | Path, multihead: bool = False) -> tuple[dict[str, Any], Conversion]:
    """``<prefix>.pdparams`` in the layout of the target model (see ``convert.to_layout``).

    Raises:
        ConfigError: if the file does not exist, or a Distillation file has no Student.
    """
    params = _params_file(path)
    state: Mapping[str, Any] = load_paddle_file(params)
    try:
        return to_layout(state, multihead)
    except KeyError as exc:
        raise ConfigError(f"{params}: {exc}") from None


def read_weights_for(path: str | Path, model: nn.Layer) -> tuple[dict[str, Any], Conversion]:
    """``<prefix>.pdparams`` converted to ``model``'s layout (one log line when converted).

    Raises:
        ConfigError: if the file does not exist, or a Distillation file has no Student.
    """
    params = _params_file(path)
    try:
        return fit_to_model(load_paddle_file(params), model.state_dict(), str(params))
    except KeyError as exc:
        raise ConfigError(f"{params}: {exc}") from None


def load_weights(model: nn.Layer, path: str | Path) -> Conversion:
    """Load every tensor of the checkpoint into ``model`` (strictly) and switch it to eval.

    PaddleOCR's MultiHead and Distillation files are converted to the model's layout. A
    CTC-only checkpoint loaded into a MultiHead model leaves the training-only guide head
    (SAR / NRTR) as initialised, which inference does not use.

    Raises:
        ConfigError: if the file is missing, or tensors are missing or shaped differently
            (e.g. another dictionary).
    """
    state, conversion = read_weights_for(path, model)
    check_head_size(state, model, str(path), strict_keys=True)
    model.set_state_dict(state)
    model.eval()
    if not conversion.changed:  # else fit_to_model has said what it did
        logger.info("loaded %s", path)
    return conversion
