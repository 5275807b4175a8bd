"""PaddleOCR's Distillation configs (PP-OCRv2/v3/v4 ``*_rec_distillation.yml``), trained as the Student.

Such a config holds several models under ``Architecture.Models`` (``Teacher``, ``Student``) and
losses between them. ppocr_lite has no distillation: it trains the Student alone with the
Student's own supervised losses (``DistillationCTCLoss`` / ``DistillationSARLoss`` /
``DistillationNRTRLoss`` for the Student become ``CTCLoss`` / ``SARLoss`` / ``NRTRLoss``),
which is exactly PaddleOCR's non-distillation config of the same model (e.g.
``en_PP-OCRv3_rec.yml``). The Teacher and the losses that compare models (DML, distance, DKD,
CTC logits) are left out, and one warning says so. A PaddleOCR Distillation checkpoint loads
into this config (its Student is picked), and the checkpoints written are the Student's.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")

# The Student's own losses in a CombinedLoss, and what they are without the Distillation wrapper.
OWN_LOSSES = {
    "DistillationCTCLoss": "CTCLoss",
    "DistillationSARLoss": "SARLoss",
    "DistillationNRTRLoss": "NRTRLoss",
}
# Keys of those blocks that only say which model / output they read.
_ROUTING_KEYS = ("weight", "model_name_list", "model_name_pairs", "key", "multi_head", "name")
# Keys of a sub-model block that are not part of the model itself.
_SUBMODEL_KEYS = ("pretrained", "freeze_params", "return_all_feats")


def is_distillation(cfg: Mapping[str, Any]) -> bool:
    """Whether ``Architecture`` holds several models (PaddleOCR's DistillationModel)."""
    arch = cfg.get("Architecture") or {}
    return isinstance(arch, Mapping) and "Models" in arch


def _student_name(cfg: Mapping[str, Any], models: Mapping[str, Any]) -> str:
    key = (cfg.get("Metric") or {}).get("key") or "Student"
    if key not in models:
        raise ConfigError(
            f"Architecture.Models has no {key!r} (it has {list(models)}): ppocr_lite trains the "
            "Student of a Distillation config; set Metric.key to the model to train"
        )
    return str(key)


def _own_losses(loss: Mapping[str, Any], student: str) -> list[tuple[str, dict[str, Any], float]]:
    """(loss name, its arguments, weight) of every loss that trains ``student`` on labels."""
    own = []
    for item in loss.get("loss_config_list") or []:
        ((name, args),) = dict(item).items()
        args = dict(args or {})
        if name in OWN_LOSSES and student in (args.get("model_name_list") or [student]):
            kept = {k: v for k, v in args.items() if k not in _ROUTING_KEYS}
            own.append((OWN_LOSSES[name], kept, float(args.get("weight", 1.0))))
    return own


def _student_loss(loss: Mapping[str, Any], student: str, multihead: bool) -> dict[str, Any]:
    own = _own_losses(loss, student)
    if not own or own[0][0] != "CTCLoss" or len(own) != (2 if multihead else 1):
        raise ConfigError(
            f"Loss: a Distillation config is trained as its {student} with the {student}'s own "
            f"losses ({', '.join(OWN_LOSSES)}; a CTC loss, plus the guide head's for a "
            f"MultiHead), found {[name for name, _, _ in own]}; write the {student}'s Loss section "
            "(e.g. MultiLoss with CTCLoss and SARLoss)"
        )
    if not multihead:
        return {"name": "CTCLoss", **own[0][1]}
    return {
        "name": "MultiLoss",
        "loss_config_list": [{name: args or None} for name, args, _ in own],
        "weight_1": own[0][2],
        "weight_2": own[1][2],
    }


def student_config(cfg: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The config that trains the Student of a Distillation config (a new dict).

    Args:
        cfg: A loaded config; returned unchanged (copied) unless it is a Distillation one.
        source: The config file, for messages.

    Raises:
        ConfigError: if the Student or its own losses cannot be found.
    """
    out = copy.deepcopy(dict(cfg))
    if not is_distillation(out):
        return out
    models = out["Architecture"]["Models"]
    student = _student_name(out, models)
    block = dict(models[student])
    pretrained = block.get("pretrained")
    arch = {k: v for k, v in block.items() if k not in _SUBMODEL_KEYS}
    multihead = (arch.get("Head") or {}).get("name") == "MultiHead"
    dropped = [
        next(iter(item))
        for item in (out.get("Loss") or {}).get("loss_config_list") or []
        if next(iter(item)) not in OWN_LOSSES
    ]
    out["Loss"] = _student_loss(out.get("Loss") or {}, student, multihead)
    out["Architecture"] = arch
    out["PostProcess"] = _single(out.get("PostProcess"), "CTCLabelDecode", ("model_name", "key"))
    metric = out.get("Metric") or {}
    base = metric.get("base_metric_name", "RecMetric")
    out["Metric"] = _single(metric, base, ("key", "base_metric_name"))
    if pretrained and not out["Global"].get("pretrained_model"):
        out["Global"]["pretrained_model"] = pretrained
    others = [m for m in models if m != student]
    logger.warning(
        "%s: Distillation of %s -> ppocr_lite trains the %s alone with its own losses (%s); "
        "the %s and the distillation losses %s are not implemented (PaddleOCR's non-distillation "
        "config of this model trains the same way)",
        source,
        list(models),
        student,
        " + ".join(n for n, _, _ in _own_losses(cfg.get("Loss") or {}, student)),
        ", ".join(others),
        ", ".join(sorted(set(dropped))),
    )
    return out


def _single(block: Any, name: str, routing: tuple[str, ...]) -> dict[str, Any]:
    """A Distillation post-process / metric block as the plain one of the Student."""
    kept = {k: v for k, v in dict(block or {}).items() if k not in routing + ("multi_head",)}
    return {**kept, "name": name}
