"""Smaller ONNX graphs: post-training INT8 (onnxruntime's quantization tools) and FP16.

INT8 is static where it applies: Conv and MatMul get int8 weights and calibrated uint8
activations (QDQ format, which onnxruntime fuses into integer kernels). An LSTM (CRNN's
neck) cannot be calibrated this way, so its weights are quantized dynamically
(``DynamicQuantizeLSTM``). Which settings are best (per-channel weights, the calibration
method, leaving depthwise convolutions in float) depends on the model and the CPU: the caller
(``precision.py``) tries the candidates below and keeps the one that measures best.

FP16 keeps FP32 inputs and outputs (a Cast at each end), so callers feed the same arrays.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ppocr_lite.errors import ConfigError

STATIC_OPS = ("Conv", "MatMul", "Gemm")
DYNAMIC_OPS = ("LSTM",)


def require(module: str) -> ModuleType:
    """Import an optional package or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"{module} is needed for INT8/FP16 export ({exc}): pip install ppocr_lite[onnx]"
        ) from None


@dataclass(frozen=True)
class Candidate:
    """One set of INT8 settings.

    Attributes:
        name: Short label for the report.
        per_channel: One weight scale per output channel (else one per tensor).
        calibration: ``MinMax``, ``Percentile`` or ``Entropy`` (onnxruntime's methods).
        skip_depthwise: Leave grouped (depthwise) convolutions in float.
    """

    name: str
    per_channel: bool = True
    calibration: str = "MinMax"
    skip_depthwise: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


CANDIDATES = (
    Candidate("per_channel_minmax"),
    Candidate("per_channel_minmax_float_depthwise", skip_depthwise=True),
    Candidate("per_channel_percentile", calibration="Percentile"),
    Candidate("per_tensor_minmax", per_channel=False),
)


class _FromOnnxruntime(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """onnxruntime's quantization tools print progress, log through the root logger, and its
    sessions warn about every unused initializer paddle2onnx leaves: none of it is ours to
    show (failures still raise)."""
    require("onnxruntime").set_default_logger_severity(3)
    drop = _FromOnnxruntime()
    logging.getLogger().addFilter(drop)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logging.getLogger().removeFilter(drop)


def prepare(src: Path, dst: Path) -> Path:
    """onnxruntime's pre-quantization pass: constant folding into initializers (paddle2onnx
    writes weights as Constant nodes, which the quantizer would not see) and shape inference.
    """
    shape_inference = require("onnxruntime.quantization.shape_inference")
    # Symbolic shape inference needs sympy and adds nothing for these static-rank graphs.
    with _quiet():
        shape_inference.quant_pre_process(str(src), str(dst), skip_symbolic_shape=True)
    return dst


def _depthwise_nodes(model_file: Path) -> list[str]:
    onnx = require("onnx")
    model = onnx.load(str(model_file))
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "Conv" and any(a.name == "group" and a.i > 1 for a in node.attribute)
    ]


def _op_types(model_file: Path) -> set[str]:
    onnx = require("onnx")
    return {node.op_type for node in onnx.load(str(model_file)).graph.node}


class _Batches:
    """onnxruntime's CalibrationDataReader protocol over preprocessed batches."""

    def __init__(self, input_name: str, batches: Sequence[np.ndarray]) -> None:
        self.input_name = input_name
        self._batches = list(batches)
        self._it: Iterator[np.ndarray] = iter(self._batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._it, None)
        return None if batch is None else {self.input_name: batch}

    def rewind(self) -> None:
        self._it = iter(self._batches)


def quantize_int8(
    prepared: Path, dst: Path, calibration: Sequence[np.ndarray], candidate: Candidate
) -> Path:
    """Write an INT8 model of ``prepared`` (the output of ``prepare``).

    Args:
        prepared: FP32 model after ``prepare``.
        dst: Output file.
        calibration: Preprocessed batches (N, C, H, W) float32 for the activation ranges.
        candidate: The settings.

    Returns:
        ``dst``.
    """
    q = require("onnxruntime.quantization")
    ops = _op_types(prepared)
    dynamic_ops = [op for op in DYNAMIC_OPS if op in ops]
    static_out = dst.with_name(dst.stem + ".static.onnx") if dynamic_ops else dst
    input_name = require("onnx").load(str(prepared)).graph.input[0].name
    with _quiet():
        q.quantize_static(
            str(prepared),
            str(static_out),
            _Batches(input_name, calibration),
            quant_format=q.QuantFormat.QDQ,
            op_types_to_quantize=[op for op in STATIC_OPS if op in ops],
            per_channel=candidate.per_channel,
            weight_type=q.QuantType.QInt8,
            activation_type=q.QuantType.QUInt8,
            nodes_to_exclude=_depthwise_nodes(prepared) if candidate.skip_depthwise else [],
            calibrate_method=getattr(q.CalibrationMethod, candidate.calibration),
        )
        if dynamic_ops:
            q.quantize_dynamic(
                str(static_out),
                str(dst),
                op_types_to_quantize=dynamic_ops,
                weight_type=q.QuantType.QInt8,
            )
            static_out.unlink()
    return dst


def convert_fp16(src: Path, dst: Path) -> Path:
    """Write an FP16 copy of ``src`` whose inputs and outputs stay FP32."""
    onnx = require("onnx")
    float16 = require("onnxconverter_common.float16")
    with warnings.catch_warnings():
        # One warning per weight below FP16's smallest normal value, which becomes 1e-7.
        warnings.filterwarnings("ignore", message=".*will be truncated", category=UserWarning)
        model = float16.convert_float_to_float16(onnx.load(str(src)), keep_io_types=True)
    onnx.save(model, str(dst))
    return dst
