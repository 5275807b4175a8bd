"""Carry an optimizer state (``.pdopt``) over to a model whose parameters have other names.

Paddle keys an optimizer's state by each parameter's automatic name (``linear_3.w_0`` +
``_moment1_0``), which depends on the order layers were created in a process, not by the
structured name of the ``.pdparams`` (``head.fc.weight``). PaddleOCR's model code, a model
converted from its MultiHead or Distillation layout, or a second model built in the same
process all give other automatic names, and Paddle then refuses the state at the first step.

The two names are tied by order: an optimizer creates its accumulators parameter by parameter
in the model's parameter order, which is also the order of the trainable tensors in the
``.pdparams``. So the k-th parameter named in the ``.pdopt`` is the k-th trainable key of the
file; every pair must agree in shape, and every parameter of the model must be covered, or the
state is not used at all (a partly loaded optimizer would be wrong without saying so).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paddle import nn

from ppocr_lite.checkpoint.layouts import Conversion
from ppocr_lite.checkpoint.safe_pickle import load_paddle_file

logger = logging.getLogger("ppocr_lite")

# Paddle's accumulator names (Adam/AdamW/Lamb, Momentum, RMSProp, Adagrad, Adamax, Adadelta).
_ACCUMULATOR = re.compile(
    r"^(?P<param>.+)_(?P<acc>moment1|moment2_max|moment2|beta1_pow_acc|beta2_pow_acc|velocity|"
    r"moment|mean_square|mean_grad|momentum|inf_norm|avg_squared_grad|avg_squared_update)"
    r"_(?P<index>\d+)$"
)
_SCHEDULER, _MASTER = "LR_Scheduler", "master_weights"
# State-dict entries that get no optimizer state: BatchNorm statistics, fixed position tables,
# and the second name Paddle's RNN layers give each weight (``<rnn>.0.cell.weight_ih``).
_NOT_TRAINED = re.compile(r"(\._mean|\._variance|\.pe|\.\d+\.cell\.(weight|bias)_(ih|hh))$")


@dataclass
class OptimizerStateMatch:
    """The renamed state (None when it cannot be used) and a sentence for the log."""

    state: dict[str, Any] | None
    note: str


def _param_order(opt_state: Mapping[str, Any]) -> list[str] | None:
    """Parameter names in the order their first accumulator appears; None if a key is unknown."""
    order: dict[str, None] = {}
    for key in opt_state:
        if key in (_SCHEDULER, _MASTER):
            continue
        match = _ACCUMULATOR.match(key)
        if match is None:
            return None
        order.setdefault(match["param"], None)
    return list(order)


def _shapes_by_param(opt_state: Mapping[str, Any]) -> dict[str, list[int]]:
    """Shape of each parameter, read from an accumulator of its own shape (moments, velocity)."""
    shapes: dict[str, list[int]] = {}
    for key, value in opt_state.items():
        match = _ACCUMULATOR.match(key)
        if match and not match["acc"].endswith("pow_acc"):
            shapes.setdefault(match["param"], [int(d) for d in value.shape])
    return shapes


def _rename(opt_state: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in opt_state.items():
        if key == _MASTER:
            out[key] = {names[k]: v for k, v in value.items() if k in names}
        elif key != _SCHEDULER:  # the schedule is set from the step count on resume
            match = _ACCUMULATOR.match(key)
            if match and match["param"] in names:
                out[f"{names[match['param']]}_{match['acc']}_{match['index']}"] = value
    return out


def match_optimizer_state(
    opt_state: Mapping[str, Any],
    file_keys: Sequence[str],
    mapping: Mapping[str, str],
    model_params: Sequence[tuple[str, Any]],
) -> OptimizerStateMatch:
    """Rename a saved optimizer state to the parameters of a model.

    Args:
        opt_state: The loaded ``.pdopt`` dict.
        file_keys: Keys of the ``.pdparams`` saved with it, in the file's order.
        mapping: File key -> the model's structured name (``Conversion.mapping``); keys
            absent from it were dropped by the conversion.
        model_params: ``model.named_parameters()``.

    Returns:
        The state to give ``optimizer.set_state_dict`` (or None) and what was done.
    """
    trainable = {k: p for k, p in model_params if not p.stop_gradient}
    saved = _param_order(opt_state)
    if saved is None:
        return OptimizerStateMatch(None, "its keys are not those of a Paddle optimizer")
    shapes = _shapes_by_param(opt_state)
    names, reason = _match_by_order(saved, shapes, file_keys, mapping, trainable)
    if names is not None:
        same = all(old == new for old, new in names.items())
        note = (
            "loaded unchanged" if same else f"{len(names)} parameters matched by checkpoint order"
        )
        return OptimizerStateMatch(_rename(opt_state, names), note)
    if all(shapes.get(p.name) == list(p.shape) for p in trainable.values()):
        return OptimizerStateMatch(dict(opt_state), "loaded unchanged")  # same automatic names
    return OptimizerStateMatch(None, reason)


def _match_by_order(
    saved: Sequence[str],
    shapes: Mapping[str, list[int]],
    file_keys: Sequence[str],
    mapping: Mapping[str, str],
    trainable: Mapping[str, Any],
) -> tuple[dict[str, str] | None, str]:
    """Saved automatic name -> the model's automatic name, or None and the reason."""
    # The file's trainable tensors, in order: those the model trains, and (for tensors the
    # conversion dropped, e.g. a Teacher) every one that is no statistic or fixed table.
    order = [
        k
        for k in file_keys
        if (mapping.get(k) in trainable) or (k not in mapping and not _NOT_TRAINED.search(k))
    ]
    if len(order) != len(saved):
        return None, f"it holds {len(saved)} parameters, the checkpoint trains {len(order)}"
    names: dict[str, str] = {}
    for old_name, key in zip(saved, order, strict=True):
        if key not in mapping:
            continue  # dropped with the conversion
        param = trainable[mapping[key]]
        if shapes.get(old_name, list(param.shape)) != list(param.shape):
            return None, f"{old_name} {shapes[old_name]} does not fit {key} {list(param.shape)}"
        names[old_name] = param.name
    covered = set(names.values())
    missing = sorted(k for k, p in trainable.items() if p.name not in covered)
    if missing:
        return None, f"it has no state for {missing[:3]}"
    return names, ""


def load_optimizer_state(
    path: Path, file_keys: list[str], conversion: Conversion, model: nn.Layer, optimizer: Any
) -> None:
    """Load a ``.pdopt`` renamed to ``model``'s parameters, or start the optimizer fresh with a
    warning when it does not fit (e.g. PaddleOCR's guide head or Teacher trained with it)."""
    match = match_optimizer_state(
        load_paddle_file(path), file_keys, conversion.mapping, list(model.named_parameters())
    )
    if match.state is None:
        logger.warning(
            "%s does not fit this model's parameters (%s): the optimizer starts fresh "
            "(moments reset; weights, step count and schedule are resumed)",
            path,
            match.note,
        )
        return
    schedule = getattr(optimizer, "_learning_rate", None)
    if hasattr(schedule, "state_dict"):  # Paddle requires one; resume positions it by step
        match.state[_SCHEDULER] = schedule.state_dict()
    optimizer.set_state_dict(match.state)
    if match.note != "loaded unchanged":
        logger.info("%s: optimizer state %s", path, match.note)
