"""Checkpoint layouts of PaddleOCR 2.x and ppocr_lite, and the conversion between them.

For CRNN (MobileNetV3, ResNet-vd), SVTR (all sizes), CTC-only SVTR-LCNet and the MultiHead
PP-OCRv3/v4 models the parameter names are PaddleOCR's own (``tests/deploy/test_paddleocr_names.py``
checks them against PaddleOCR's models), so those ``.pdparams`` load either way unchanged. What
differs is the model a file is loaded into:

* ``MultiHead`` (PP-OCRv3/v4 recognizers as PaddleOCR trains them): the SVTR neck and the CTC
  head live under ``head.ctc_encoder.*`` / ``head.ctc_head.*`` next to a guide head
  (``head.sar_head.*``, or ``head.gtc_head.*`` + ``head.before_gtc.*``) that only training uses.
  A CTC-only model keeps the neck as ``neck.*`` and the CTC head as ``head.*``.
* ``Distillation``: every sub-model under its name (``Student.``, ``Teacher.``, ...); ppocr_lite
  loads one of them (the ``Student`` unless told otherwise).

``fit_to_model`` detects the file's layout and converts it to the layout of the model at hand;
``load.load_weights`` (resume, pretrained weights, eval / infer / export, the Python API) calls
it for every file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("ppocr_lite")

MULTIHEAD_NECK = "head.ctc_encoder."
MULTIHEAD_CTC = "head.ctc_head."
LAYOUTS = ("ppocr_lite", "paddleocr_multihead", "paddleocr_distillation")
MODEL_PARTS = ("backbone", "neck", "head", "transform")


@dataclass
class Conversion:
    """What a conversion did.

    ``mapping`` takes every kept key of the file to its name in the target model (dropped keys
    are absent), so that an optimizer state saved beside the file can be renamed the same way.
    """

    layout: str
    renamed: int = 0
    dropped: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    submodel: str = ""

    @property
    def changed(self) -> bool:
        """Whether any tensor was renamed or dropped."""
        return bool(self.renamed or self.dropped)

    def summary(self) -> str:
        """One line for the log."""
        if not self.changed:
            return f"checkpoint layout: {self.layout} (loaded unchanged)"
        groups = sorted({_group(k) for k in self.dropped})
        picked = f"sub-model {self.submodel!r} picked; " if self.submodel else ""
        return (
            f"checkpoint layout: {self.layout}; {picked}{self.renamed} tensors renamed, "
            f"{len(self.dropped)} dropped (not used by this model: {', '.join(groups)})"
        )


def _group(key: str) -> str:
    parts = key.split(".")
    depth = 1 if parts[0] not in MODEL_PARTS and parts[0][:1].isupper() else 2
    return ".".join(parts[:depth])


def detect_layout(keys: Any) -> str:
    """``ppocr_lite`` (= PaddleOCR CTC-only), ``paddleocr_multihead`` or ``paddleocr_distillation``."""
    keys = list(keys)
    if any(k.startswith(MULTIHEAD_CTC) for k in keys):
        return "paddleocr_multihead"
    # Distillation: every key is ``<sub-model>.<backbone|neck|head|transform>.…``.
    parts = [k.split(".") for k in keys]
    if parts and all(len(p) > 2 and p[1] in MODEL_PARTS and p[0] not in MODEL_PARTS for p in parts):
        return "paddleocr_distillation"
    return "ppocr_lite"


def is_multihead(keys: Any) -> bool:
    """Whether a model (its state-dict keys) has PaddleOCR's MultiHead layout."""
    return any(k.startswith(MULTIHEAD_CTC) for k in keys)


def _from_multihead(state: Mapping[str, Any], report: Conversion) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith(MULTIHEAD_NECK):
            new = "neck." + key[len(MULTIHEAD_NECK) :]
        elif key.startswith(MULTIHEAD_CTC):
            new = "head." + key[len(MULTIHEAD_CTC) :]
        elif key.startswith("head."):
            report.dropped.append(key)
            continue
        else:
            out[key] = value
            continue
        out[new] = value
        report.renamed += 1
    return out


def _pick_submodel(state: Mapping[str, Any], submodel: str, report: Conversion) -> dict[str, Any]:
    prefix = f"{submodel}."
    picked = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    if not picked:
        found = sorted({k.split(".")[0] for k in state})
        raise KeyError(f"Distillation checkpoint has no sub-model {submodel!r}; it has {found}")
    report.dropped = [k for k in state if not k.startswith(prefix)]
    report.renamed = len(picked)
    report.submodel = submodel
    return picked


def to_layout(
    state: Mapping[str, Any], multihead: bool, submodel: str = "Student"
) -> tuple[dict[str, Any], Conversion]:
    """Convert a recognition checkpoint to the layout of the model that will load it.

    Args:
        state: The loaded ``.pdparams`` dict (any layout).
        multihead: The target model has a MultiHead (``head.ctc_encoder`` / ``head.ctc_head``);
            otherwise it is CTC-only (``neck`` / ``head``).
        submodel: Which model of a Distillation checkpoint to keep.

    Returns:
        The converted dict (the same tensors, renamed) and a report.

    Raises:
        KeyError: if a Distillation checkpoint has no ``submodel``.
    """
    report = Conversion(detect_layout(state))
    # Keys are tracked as (source key, current key) pairs to fill ``report.mapping``.
    names = {k: k for k in state}
    if report.layout == "paddleocr_distillation":
        state = _pick_submodel(state, submodel, report)
        names = {f"{submodel}.{k}": k for k in state}
    source_multihead = is_multihead(state)
    if source_multihead and not multihead:
        inner = Conversion(report.layout)
        state = _from_multihead(state, inner)
        names = {k: new for k, v in names.items() if (new := _ctc_name(v)) is not None}
        report.renamed += inner.renamed
        report.dropped += [f"{submodel}.{k}" if report.submodel else k for k in inner.dropped]
    elif multihead and not source_multihead:
        state = to_paddleocr_multihead(state)
        names = {k: _multihead_name(v) for k, v in names.items()}
        report.renamed += len(state)
        report.layout = "ppocr_lite (CTC-only) into MultiHead"
    report.mapping = names
    return dict(state), report


def _ctc_name(key: str) -> str | None:
    """A MultiHead key's name in the CTC-only model (None: the guide head, dropped)."""
    if key.startswith(MULTIHEAD_NECK):
        return "neck." + key[len(MULTIHEAD_NECK) :]
    if key.startswith(MULTIHEAD_CTC):
        return "head." + key[len(MULTIHEAD_CTC) :]
    return None if key.startswith("head.") else key


def _multihead_name(key: str) -> str:
    if key.startswith("neck."):
        return MULTIHEAD_NECK + key[len("neck.") :]
    if key.startswith("head."):
        return MULTIHEAD_CTC + key[len("head.") :]
    return key


def to_ppocr_lite(
    state: Mapping[str, Any], submodel: str = "Student"
) -> tuple[dict[str, Any], Conversion]:
    """Any PaddleOCR recognition checkpoint -> ppocr_lite's CTC-only layout (see ``to_layout``)."""
    return to_layout(state, multihead=False, submodel=submodel)


def to_paddleocr_multihead(state: Mapping[str, Any]) -> dict[str, Any]:
    """ppocr_lite's SVTR-LCNet (``neck.*`` + ``head.*``) -> PaddleOCR's MultiHead names.

    The guide head (SAR / NRTR) is absent: PaddleOCR keeps it initialised, which is what
    inference and fine-tuning from these weights need (only training uses that head).
    """
    return {_multihead_name(k): v for k, v in state.items()}


def fit_to_model(
    state: Mapping[str, Any], own: Mapping[str, Any], source: str, submodel: str = "Student"
) -> tuple[dict[str, Any], Conversion]:
    """Convert a checkpoint of any layout to the layout of a model, logging what was done.

    A CTC-only checkpoint loaded into a MultiHead model gets the model's own (initialised)
    guide-head tensors, which inference does not use and training learns anew.

    Args:
        state: The loaded ``.pdparams`` dict.
        own: The target model's ``state_dict()``.
        source: The file, for the log line.
        submodel: Which model of a Distillation checkpoint to keep.

    Returns:
        The converted dict and the report (``report.changed`` says whether anything moved).

    Raises:
        KeyError: if a Distillation checkpoint has no ``submodel``.
    """
    if all(k in state for k in own):  # the model's own layout (extra keys are left alone)
        return dict(state), Conversion("ppocr_lite", mapping={k: k for k in state})
    state, report = to_layout(state, is_multihead(own), submodel)
    if report.layout.endswith("into MultiHead"):
        guide = [k for k in own if k.startswith("head.") and k not in state]
        state.update({k: own[k] for k in guide})
        logger.info("%s: %d guide-head tensors stay initialised", source, len(guide))
    if report.changed:
        logger.info("%s converted to this model's layout: %s", source, report.summary())
    return state, report
