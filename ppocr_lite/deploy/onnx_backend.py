"""ONNX: conversion of an exported Paddle model with paddle2onnx, and an onnxruntime backend.

Both packages are optional (``pip install ppocr_lite[onnx]``) and imported only when used.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from types import ModuleType

import numpy as np

from ppocr_lite.deploy.layout import default_threads, model_files
from ppocr_lite.deploy.spec import ONNX_FILE
from ppocr_lite.errors import ConfigError
from ppocr_lite.utils.quiet import PADDLE2ONNX_NOTICES, native_notices_dropped

logger = logging.getLogger("ppocr_lite")
DEFAULT_OPSET = 14


def _require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"{module} is not installed: pip install paddle2onnx onnxruntime (or ppocr_lite[onnx])"
        ) from None


def convert(model_file: Path, params_file: Path, opset: int = DEFAULT_OPSET) -> bytes:
    """The ONNX model (serialized) of an exported Paddle program and its parameters.

    Raises:
        ConfigError: if paddle2onnx is missing or fails.
    """
    paddle2onnx = _require("paddle2onnx")
    # save_file=None returns the model: paddle2onnx's own post-pass ("polygraphy") would
    # otherwise pip-install packages at run time. Its failures are logged, not raised, and
    # then surface as a missing result.
    try:
        with native_notices_dropped(PADDLE2ONNX_NOTICES, fd=1):
            data = paddle2onnx.export(
                str(model_file),
                str(params_file),
                save_file=None,
                opset_version=opset,
                auto_upgrade_opset=True,
                enable_onnx_checker=True,
                enable_optimize=True,
            )
    except Exception as exc:  # noqa: BLE001 - paddle2onnx signals failure in many ways
        raise ConfigError(f"paddle2onnx could not convert {model_file}: {exc!r}") from None
    if not data:
        raise ConfigError(f"paddle2onnx could not convert {model_file} (see its log above)")
    return bytes(data)


def export_onnx(
    model_dir: str | Path, save_file: str | Path | None = None, opset: int = DEFAULT_OPSET
) -> Path:
    """Convert the exported Paddle model of ``model_dir`` to ONNX (dynamic axes are kept).

    Args:
        model_dir: Folder written by ``tools/export_model.py``.
        save_file: Output file (default ``<model_dir>/inference.onnx``, where the ONNX
            backend looks for it).
        opset: ONNX opset (paddle2onnx raises it when an operator needs a newer one).

    Returns:
        The written file.

    Raises:
        ConfigError: if the packages are missing or the conversion fails.
    """
    model_file, params_file = model_files(model_dir)
    onnx = _require("onnx")
    data = convert(model_file, params_file, opset)
    model = onnx.load_model_from_string(data)
    onnx.checker.check_model(model)
    target = Path(save_file) if save_file else Path(model_dir) / ONNX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    opset_used = max(op.version for op in model.opset_import if op.domain in ("", "ai.onnx"))
    logger.info("wrote %s (opset %d, %.1f MB)", target, opset_used, len(data) / 1e6)
    return target


def _onnx_file(model_dir: str | Path) -> str:
    path = Path(model_dir)
    path = path / ONNX_FILE if path.is_dir() else path
    if not path.is_file():
        raise ConfigError(f"{path} not found: convert the model with tools/export_onnx.py")
    return str(path)


class OnnxBackend:
    """onnxruntime session over ``inference.onnx``.

    Args:
        model_dir: Inference folder holding ``inference.onnx``, the .onnx file itself, or the
            serialized model (bytes, as ``convert`` returns it).
        use_gpu: Use the CUDA execution provider when onnxruntime has one.
        precision: Of the graph (``Precision`` of ``inference.yml``): fp32, fp16 or int8.
        cpu_threads: Intra-op threads on the CPU (default: ``default_threads()``).
    """

    def __init__(
        self,
        model_dir: str | Path | bytes,
        use_gpu: bool = False,
        precision: str = "fp32",
        cpu_threads: int | None = None,
    ) -> None:
        ort = _require("onnxruntime")
        source = model_dir if isinstance(model_dir, bytes) else _onnx_file(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_threads or default_threads()
        options.log_severity_level = 3  # paddle2onnx leaves unused initializers: not errors
        if precision == "fp16" and not use_gpu:
            # onnxruntime's CPU layout pass (NCHWc, in ORT_ENABLE_ALL) crashes the process on
            # FP16 convolution graphs; the CPU runs them only to check them.
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        providers = ["CPUExecutionProvider"]
        if use_gpu and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        elif use_gpu:
            logger.warning("use_gpu: onnxruntime has no CUDA provider; running on the CPU")
        self.session = ort.InferenceSession(source, options, providers=providers)
        self.device = "gpu" if providers[0].startswith("CUDA") else "cpu"
        self._input = self.session.get_inputs()[0].name
        self._output = self.session.get_outputs()[0].name

    def run(self, batch: np.ndarray) -> np.ndarray:
        """(N, C, H, W) float32 (or anything NumPy converts, e.g. a Paddle tensor) ->
        (N, T, num_classes)."""
        x = np.ascontiguousarray(batch, dtype=np.float32)
        return self.session.run([self._output], {self._input: x})[0]
