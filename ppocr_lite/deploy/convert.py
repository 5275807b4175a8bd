"""Checkpoint layouts of PaddleOCR 2.x and ppocr_lite, and the conversion between them.

For CRNN (MobileNetV3, ResNet-vd), SVTR (all sizes) and CTC-only SVTR-LCNet the parameter names
are PaddleOCR's own (``tests/deploy/test_paddleocr_names.py`` checks them against PaddleOCR's
models), so those ``.pdparams`` load either way unchanged. Two layouts differ:

* ``MultiHead`` (PP-OCRv3/v4 recognizers as PaddleOCR trains them): the SVTR neck and the CTC
  head live under ``head.ctc_encoder.*`` / ``head.ctc_head.*`` next to a guide head
  (``head.sar_head.*``, or ``head.gtc_head.*`` + ``head.before_gtc.*``) that only training uses.
  ppocr_lite's CTC-only model keeps the neck as ``neck.*`` and the CTC head as ``head.*``.
* ``Distillation``: every sub-model under its name (``Student.``, ``Teacher.``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MULTIHEAD_NECK = "head.ctc_encoder."
MULTIHEAD_CTC = "head.ctc_head."
LAYOUTS = ("ppocr_lite", "paddleocr_multihead", "paddleocr_distillation")


@dataclass
class Conversion:
    """What a conversion did."""

    layout: str
    renamed: int = 0
    dropped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the log."""
        if not self.renamed and not self.dropped:
            return f"checkpoint layout: {self.layout} (loaded unchanged)"
        groups = sorted({".".join(k.split(".")[:2]) for k in self.dropped})
        return (
            f"checkpoint layout: {self.layout}; {self.renamed} tensors renamed, "
            f"{len(self.dropped)} dropped (not used by a CTC recognizer: {', '.join(groups)})"
        )


def detect_layout(keys: Any) -> str:
    """``ppocr_lite`` (= PaddleOCR CTC-only), ``paddleocr_multihead`` or ``paddleocr_distillation``."""
    keys = list(keys)
    if any(k.startswith(MULTIHEAD_CTC) for k in keys):
        return "paddleocr_multihead"
    if keys and not any(k.split(".")[0] in ("backbone", "neck", "head", "transform") for k in keys):
        return "paddleocr_distillation"
    return "ppocr_lite"


def _from_multihead(state: Mapping[str, Any], report: Conversion) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith(MULTIHEAD_NECK):
            out["neck." + key[len(MULTIHEAD_NECK) :]] = value
        elif key.startswith(MULTIHEAD_CTC):
            out["head." + key[len(MULTIHEAD_CTC) :]] = value
        elif key.startswith("head."):
            report.dropped.append(key)
            continue
        else:
            out[key] = value
            continue
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
    if report.layout == "paddleocr_distillation":
        state = _pick_submodel(state, submodel, report)
    source_multihead = detect_layout(state) == "paddleocr_multihead"
    if source_multihead and not multihead:
        inner = Conversion(report.layout)
        state = _from_multihead(state, inner)
        report.renamed += inner.renamed
        report.dropped += inner.dropped
    elif multihead and not source_multihead:
        state = to_paddleocr_multihead(state)
        report.renamed += len(state)
        report.layout = "ppocr_lite (CTC-only) into MultiHead"
    return dict(state), report


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
    out: dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith("neck."):
            out[MULTIHEAD_NECK + key[len("neck.") :]] = value
        elif key.startswith("head."):
            out[MULTIHEAD_CTC + key[len("head.") :]] = value
        else:
            out[key] = value
    return out
