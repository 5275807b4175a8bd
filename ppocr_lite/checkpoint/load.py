"""The one way weights get into a model: resume, pretrained / fine-tune, and inference
(evaluation, recognition, export and serving) all call ``load_weights``.

Every purpose reads the ``.pdparams`` with the restricted unpickler and converts PaddleOCR's
MultiHead and Distillation layouts to the model's (``layouts.fit_to_model``). What differs is
what may be left out: a resume or an inference needs every tensor of the model, shaped as the
model has it (a head for another dictionary is refused by name); pretrained weights load what
fits, after re-indexing the head by character when the file's dictionary is known.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from paddle import nn

from ppocr_lite.checkpoint.files import params_path, read_state
from ppocr_lite.checkpoint.head_transfer import HeadTransfer, head_classes, remap_head
from ppocr_lite.checkpoint.layouts import Conversion, fit_to_model
from ppocr_lite.checkpoint.safe_pickle import load_paddle_file
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")

# ``inference`` is evaluation, recognition, export and serving: the model is switched to eval.
Purpose = Literal["resume", "pretrained", "inference"]
# The setting each purpose's path comes from, for messages.
_SETTING: dict[str, str] = {
    "resume": "Global.checkpoints",
    "pretrained": "Global.pretrained_model",
    "inference": "Global.checkpoints",
}


@dataclass
class LoadReport:
    """What ``load_weights`` did with the file.

    Attributes:
        conversion: The layout conversion (``conversion.mapping`` renames a saved optimizer
            state the same way).
        file_keys: The keys of the ``.pdparams``, in the file's order.
        loaded: Model keys that got a tensor from the file.
        mismatched: ``(key, shape in file, shape in model)`` of tensors skipped (pretrained only).
        missing: Model keys the file has no tensor for (kept initialised; pretrained only).
        unexpected: Keys of the converted file that the model does not have (ignored).
        head: What moved when the head was re-indexed for a new dictionary, if it was.
    """

    conversion: Conversion
    file_keys: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, list[int], list[int]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    head: HeadTransfer | None = None

    def summary(self) -> str:
        """One paragraph for the log."""
        lines = [f"loaded {len(self.loaded)} tensors"]
        for key, theirs, ours in self.mismatched:
            lines.append(f"  skipped (shape {theirs} in file, {ours} in model): {key}")
        if self.missing:
            lines.append(f"  not in file, kept initialised: {', '.join(self.missing)}")
        if self.unexpected:
            lines.append(f"  in file but not in model, ignored: {', '.join(self.unexpected)}")
        return "\n".join(lines)


def load_weights(
    model: nn.Layer,
    path: str | Path | None,
    *,
    purpose: Purpose = "inference",
    charset: Sequence[str] | None = None,
) -> LoadReport:
    """Load a checkpoint of any supported layout (ppocr_lite's, PaddleOCR 2.x's) into ``model``.

    Args:
        model: The built model.
        path: The checkpoint prefix (``output/rec/best_accuracy``), with or without ``.pdparams``.
        purpose: ``resume`` and ``inference`` load strictly (``inference`` also switches the
            model to eval); ``pretrained`` loads what fits and skips the rest, with the report.
        charset: The model's characters (``pretrained``): with the file's dictionary known
            from its ``.states`` and different, the head is re-indexed by character.

    Returns:
        What was loaded, converted and skipped.

    Raises:
        ConfigError: if ``path`` is empty or not found, a Distillation file has no Student, or
            (strict purposes) a tensor of the model is missing or shaped differently.
        CheckpointError: if the file is damaged or holds more than plain data.
    """
    setting = _SETTING[purpose]
    if not path:
        raise ConfigError(
            f"{setting} is not set: give the weights, e.g. -o {setting}=output/rec/best_accuracy"
        )
    params = params_path(path, setting)
    saved = load_paddle_file(params)
    try:
        weights, conversion = fit_to_model(saved, model.state_dict(), str(params))
    except KeyError as exc:  # a Distillation file without the sub-model
        raise ConfigError(f"{setting}: {params}: {exc}") from None
    head = None
    if purpose == "pretrained":
        weights, head = _fit_head(weights, model, params, charset)
    else:
        check_head_size(weights, model, str(params), strict_keys=True)
    report = load_matching(weights, model, LoadReport(conversion, list(saved), head=head))
    if purpose == "inference":
        model.eval()
        if not conversion.changed:  # else fit_to_model has said what it did
            logger.info("loaded %s", params)
    elif purpose == "pretrained":
        logger.info("pretrained weights from %s: %s", path, report.summary())
    return report


def _fit_head(
    weights: dict[str, Any], model: nn.Layer, params: Path, charset: Sequence[str] | None
) -> tuple[dict[str, Any], HeadTransfer | None]:
    """Re-index the head for another dictionary (known from the file's .states) if need be."""
    own = model.state_dict()
    old_chars = read_state(params).charset
    if old_chars and charset is not None and list(old_chars) != list(charset):
        weights, moved = remap_head(weights, own, old_chars, charset)
        logger.info("pretrained %s: %s", params, moved.summary())
        return weights, moved
    if not old_chars and head_classes(weights) != head_classes(own):
        logger.warning(
            "pretrained %s has no dictionary record (.states): its head cannot be matched by "
            "character and is skipped",
            params,
        )
    return weights, None


def load_matching(
    weights: Mapping[str, Any], model: nn.Layer, report: LoadReport | None = None
) -> LoadReport:
    """Copy every tensor whose name and shape match into ``model``; report the rest.

    Args:
        weights: A state dict in the model's layout.
        model: The model to load into.
        report: The report to fill (a new one, with an unchanged conversion, if None).
    """
    if report is None:
        report = LoadReport(Conversion("ppocr_lite"), list(weights))
    own = model.state_dict()
    usable = {}
    for key, value in weights.items():
        if key not in own:
            report.unexpected.append(key)
        elif list(value.shape) != list(own[key].shape):
            report.mismatched.append((key, list(value.shape), list(own[key].shape)))
        else:
            usable[key] = value
            report.loaded.append(key)
    report.missing = [k for k in own if k not in weights]
    model.set_state_dict({**own, **usable})  # a full dict: nothing is left half-loaded
    return report


def check_head_size(
    weights: Mapping[str, Any], model: nn.Layer, source: str, strict_keys: bool = False
) -> None:
    """Refuse a checkpoint whose head does not match the dictionary.

    Raises:
        ConfigError: with both sizes, and (``strict_keys``) with any parameter that is missing
            or shaped differently.
    """
    saved, ours = head_classes(weights), head_classes(model.state_dict())
    if saved is not None and ours is not None and saved != ours:
        raise ConfigError(
            f"{source}: the head predicts {saved} classes but the dictionary gives {ours} "
            "(check Global.character_dict_path / use_space_char; to start from these weights "
            "with another dictionary use Global.pretrained_model)"
        )
    if strict_keys:
        own = model.state_dict()
        bad = [k for k in own if k not in weights or list(weights[k].shape) != list(own[k].shape)]
        if bad:
            raise ConfigError(
                f"{source} does not fit the configured Architecture ({len(bad)} tensors missing or "
                f"shaped differently, e.g. {bad[:3]}); use Global.pretrained_model to load what fits"
            )
