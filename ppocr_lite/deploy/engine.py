"""What runs a checkpoint in ``eval.py``, ``infer_rec.py`` and ``TextRecognizer.from_checkpoint``.

On the CPU, Paddle's dygraph kernels are slow for these small models (its depthwise
convolution alone is about 60% of a CRNN-MV3 forward pass). So the checkpoint's model is traced
once per run (the same trace as ``tools/export_model.py``), converted in memory with paddle2onnx
and run by onnxruntime: about 1.5-3 s of conversion against a model that then runs 2.5-10x
faster (measured on 2 cores: CRNN-MV3 9.7 -> 1.0 ms per line, SVTR-Tiny 19.9 -> 7.6 ms, in
batches of 64; ``bench/run.py`` compares the whole tools with PaddleOCR's). Nothing is cached on disk: the graph is built from the weights
just loaded, so it cannot be stale. The graph is checked against the dygraph model on a random
batch before it is used.

The dygraph model runs instead on a GPU, for decoders other than CTC (``ENGINE_DECODERS``),
for fewer than ``MIN_LINES`` lines, without the ``onnx`` extra, or when the conversion or its check fails
(the log says why).
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paddle import nn

from ppocr_lite.deploy.export import largest_diff, probe_dynamic_width, save_static
from ppocr_lite.deploy.layout import model_files
from ppocr_lite.deploy.spec import eval_transforms, input_shape
from ppocr_lite.engine.backend import Backend, DygraphBackend
from ppocr_lite.modeling import reparameterize

logger = logging.getLogger("ppocr_lite")

ONNX_PACKAGES = ("onnxruntime", "paddle2onnx")
# The ONNX engine runs CTC models, where the gain is (small convolutional models). PARSeq
# exports too, but its trace unrolls every decoding step (~15 s for a tiny model), more than
# its dygraph run costs for a few thousand lines.
ENGINE_DECODERS = ("CTCLabelDecode",)
# Below this many lines the trace (1.5-3 s) costs more than it saves: measured break-even near
# 120 lines for CRNN-MV3 (14 -> 2 ms per line) and 250 for SVTR-Tiny (20 -> 7.6 ms).
MIN_LINES = 200
# Largest |onnxruntime - dygraph| on the check batches (probabilities) that is still float
# rounding; measured differences are ~1e-6.
MAX_DIFF = 1e-4


def _dygraph_reason(cfg: Mapping[str, Any], device: str, lines: int | None) -> str:
    """Why the dygraph model must or should run (empty when the ONNX engine may)."""
    if not device.startswith("cpu"):
        return f"on {device} Paddle's own kernels are fast"
    if lines is not None and lines < MIN_LINES:
        return f"{lines} lines: below {MIN_LINES}, tracing a graph costs more than it saves"
    decoder = str((cfg.get("PostProcess") or {}).get("name"))
    if decoder not in ENGINE_DECODERS:
        return f"the ONNX engine runs {', '.join(ENGINE_DECODERS)} models, not {decoder}"
    missing = [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"{' and '.join(missing)} not installed; pip install 'ppocr_lite[onnx]' "
            "runs it several times faster on the CPU"
        )
    return ""


def onnx_engine(model: nn.Layer, shape: tuple[int, int, int], dynamic_width: bool) -> Backend:
    """The model as an onnxruntime session, built in a temporary folder that is then removed.

    Raises:
        ConfigError: if paddle2onnx cannot convert the traced graph (OSError for a full disk,
            Paddle's own errors for a layer it cannot trace).
    """
    from ppocr_lite.deploy.onnx_backend import OnnxBackend, convert

    with tempfile.TemporaryDirectory(prefix="ppocr_lite_graph_") as tmp:
        save_static(model, shape, dynamic_width, Path(tmp) / "inference")
        data = convert(*model_files(tmp))
    return OnnxBackend(data)


def checkpoint_engine(
    model: nn.Layer, cfg: Mapping[str, Any], device: str, lines: int | None = None
) -> Backend:
    """The fastest faithful way to run ``model`` (weights loaded) on ``device``; logs which.

    Args:
        model: The recognizer of ``cfg``; put in eval mode (and RepSVTR's branches folded).
        cfg: Its config (PostProcess and the Eval transforms' input shape are read).
        device: Paddle's device in use (``select_device``).
        lines: How many lines the run will read, when known (None: many, e.g. a long-lived
            ``TextRecognizer``); fewer than ``MIN_LINES`` keep the dygraph model.
    """
    model.eval()
    reason = _dygraph_reason(cfg, device, lines)
    if reason:
        logger.info("inference engine: the dygraph model (%s)", reason)
        return DygraphBackend(model)
    start = time.perf_counter()
    shape = input_shape(eval_transforms(cfg))
    reparameterize(model)  # the trace export makes: the same outputs, fewer convolutions
    try:
        dynamic = probe_dynamic_width(model, shape)
        engine = onnx_engine(model, shape, dynamic)
        diff = largest_diff(model, engine, shape, dynamic)
    except Exception as exc:  # noqa: BLE001 - the fast path is optional: a full temporary disk,
        # a layer the trace cannot convert or paddle2onnx refusing an operator all leave the
        # dygraph model, which computes the same results more slowly.
        logger.warning("inference engine: the dygraph model (the ONNX conversion failed: %s)", exc)
        model.eval()
        return DygraphBackend(model)
    if not diff <= MAX_DIFF:
        logger.warning(
            "inference engine: the dygraph model (the ONNX graph differs from it by %.2e)", diff
        )
        return DygraphBackend(model)
    logger.info(
        "inference engine: onnxruntime, graph traced from the weights in %.1f s "
        "(max |onnx - dygraph| = %.1e)",
        time.perf_counter() - start,
        diff,
    )
    return engine
