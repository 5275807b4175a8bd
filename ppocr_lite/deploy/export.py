"""Export a checkpoint to a static Paddle inference model with its deployment settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import paddle
from paddle import nn
from paddle.static import InputSpec

from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.deploy.backends import PaddleInferenceBackend
from ppocr_lite.deploy.spec import (
    DICT_FILE,
    ONNX_FILE,
    DeploySpec,
    eval_transforms,
    input_shape,
    write_dict,
    write_spec,
)
from ppocr_lite.engine.backend import Backend
from ppocr_lite.engine.components import Components, build_components
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling import reparameterize
from ppocr_lite.utils.quiet import native_notices_dropped

logger = logging.getLogger("ppocr_lite")
MODEL_PREFIX = "inference"
# Post-processes whose model output the exported graph gives: CTC probabilities (CRNN, SVTR,
# SVTR-LCNet, the CTC branch of MultiHead), PARSeq's (N, max_text_length + 1, C) and the
# attention decoders' (RARE, SAR: N, steps, C) and CPPD's (N, max_len + 1, C).
SUPPORTED_DECODERS = (
    "CTCLabelDecode",
    "ParseQLabelDecode",
    "AttnLabelDecode",
    "CPPDLabelDecode",
    "SARLabelDecode",
)


@dataclass(frozen=True)
class ExportResult:
    """Where an export went and what it found."""

    model_dir: Path
    spec: DeploySpec
    max_abs_diff: float


def probe_dynamic_width(model: nn.Layer, image_shape: tuple[int, int, int]) -> bool:
    """Whether the eval model reads lines wider than it was trained on.

    It must accept a double-width input and emit more time steps for it: SVTRNet (fixed
    position embedding) rejects it; a model that pooled to a fixed length would squeeze the
    line into the same steps, which CTC cannot use.
    """
    c, h, w = image_shape
    model.eval()
    with paddle.no_grad():
        try:
            base = model(paddle.zeros([1, c, h, w]))
            wide = model(paddle.zeros([1, c, h, 2 * w]))
        except Exception:  # noqa: BLE001 - any failure at another width means "fixed width"
            return False
    return int(wide.shape[1]) > int(base.shape[1])


def deploy_spec(
    cfg: Mapping[str, Any], components: Components, dynamic_width: bool | None = None
) -> DeploySpec:
    """The settings of a recognizer built from ``cfg`` (probing the width if not given).

    Raises:
        ConfigError: for a decoder the exported graph does not serve (attention decoders
            other than PARSeq).
    """
    decoder = str((cfg.get("PostProcess") or {}).get("name"))
    if decoder not in SUPPORTED_DECODERS:
        raise ConfigError(
            f"deployment supports PostProcess {SUPPORTED_DECODERS}, the config uses {decoder}"
        )
    transforms = eval_transforms(cfg)
    shape = input_shape(transforms)
    if dynamic_width is None:
        dynamic_width = probe_dynamic_width(components.model, shape)
    arch = cfg.get("Architecture") or {}
    parts = {k: str(arch[k]["name"]) for k in ("Backbone", "Neck", "Head") if arch.get(k)}
    return DeploySpec(
        algorithm=str(arch.get("algorithm", "unknown")),
        parts=parts,
        image_shape=shape,
        dynamic_width=bool(dynamic_width),
        postprocess=decoder,
        dict_file=DICT_FILE,
        use_space_char=components.gcfg.use_space_char,
        num_classes=int(components.postprocess.num_classes),
        custom_dict=components.gcfg.character_dict_path is not None,
        transforms=tuple(item for item in transforms if "KeepKeys" not in item),
    )


def save_static(
    model: nn.Layer, image_shape: tuple[int, int, int], dynamic_width: bool, prefix: Path
) -> None:
    """Trace the eval model (batch and, if ``dynamic_width``, width left free) and write
    ``<prefix>.json`` / ``.pdiparams``: the one trace behind export and the ONNX engine.

    ``model`` stays a dygraph layer (``to_static`` replaces its ``forward``; it is put back).
    """
    c, h, w = image_shape
    spec = InputSpec([None, c, h, None if dynamic_width else w], "float32", name="x")
    model.eval()
    had_own_forward = "forward" in vars(model)
    try:
        with native_notices_dropped():
            static = paddle.jit.to_static(model, input_spec=[spec], full_graph=True)
            paddle.jit.save(static, str(prefix))
    finally:
        if not had_own_forward and "forward" in vars(model):
            del model.forward


def largest_diff(
    model: nn.Layer, backend: Backend, image_shape: tuple[int, int, int], dynamic_width: bool
) -> float:
    """Largest |backend - dygraph model| output on random batches: at the trained width, and
    at twice that width when the graph reads any width."""
    c, h, w = image_shape
    rng = np.random.default_rng(0)
    worst = 0.0
    for width in (w, 2 * w) if dynamic_width else (w,):
        x = rng.uniform(-1, 1, (2, c, h, width)).astype("float32")
        with paddle.no_grad():
            want = model(paddle.to_tensor(x)).numpy()
        worst = max(worst, float(np.abs(backend.run(x) - want).max()))
    return worst


def export_model(
    cfg: Mapping[str, Any],
    gcfg: GlobalConfig,
    out_dir: str | Path | None = None,
    dynamic_width: bool | None = None,
) -> ExportResult:
    """Write ``inference.json/.pdiparams``, ``inference.yml`` and ``rec_dict.txt``; the model
    is traced after ``modeling.reparameterize`` (RepSVTR's branches folded, same outputs).

    Args:
        cfg: The training config (Architecture, PostProcess and Eval transforms are used).
        gcfg: Its Global section; ``checkpoints`` (else ``pretrained_model``) gives the weights,
            ``save_inference_dir`` the folder unless ``out_dir`` is given.
        out_dir: Output folder.
        dynamic_width: Force (True/False) a width-dynamic input; None probes the model.

    Returns:
        The folder, the written settings and the saved-vs-dygraph check.

    Raises:
        ConfigError: without weights or output folder, or if the weights do not fit.
    """
    target = out_dir or gcfg.save_inference_dir
    if not target:
        raise ConfigError("set Global.save_inference_dir (the folder of the exported model)")
    weights = gcfg.checkpoints or gcfg.pretrained_model
    if not weights:
        raise ConfigError(
            "set Global.checkpoints to the weights to export (e.g. output/rec/best_accuracy)"
        )
    paddle.set_device("cpu")
    components = build_components(cfg, gcfg)
    load_weights(components.model, weights)
    # Multi-branch training forms (RepSVTR) are traced folded: fewer, plain convolutions.
    reparameterize(components.model)
    spec = deploy_spec(cfg, components, dynamic_width)
    model_dir = Path(target)
    model_dir.mkdir(parents=True, exist_ok=True)
    stale = model_dir / ONNX_FILE
    if stale.exists():
        stale.unlink()  # an ONNX file of an earlier export would no longer match
        logger.info("removed the stale %s (run tools/export_onnx.py again)", stale)
    save_static(components.model, spec.image_shape, spec.dynamic_width, model_dir / MODEL_PREFIX)
    write_dict(gcfg.character_dict_path, model_dir / DICT_FILE)
    write_spec(spec, cfg, model_dir)
    saved = PaddleInferenceBackend(model_dir)
    diff = largest_diff(components.model, saved, spec.image_shape, spec.dynamic_width)
    c, h, w = spec.image_shape
    shape = f"[N, {c}, {h}, {'W' if spec.dynamic_width else w}]"
    logger.info(
        "exported %s to %s: input %s, max |saved - dygraph| = %.2e",
        spec.algorithm,
        model_dir,
        shape,
        diff,
    )
    return ExportResult(model_dir, spec, diff)
