"""OpenVINO over ``inference.onnx``: the fastest CPU engine for the cached graphs we measured.

On 2 AMD EPYC (Zen 4) cores, SVTR-Tiny at batch 32 ran 4.6 ms per line with two OpenVINO
streams against 5.3-6.3 with onnxruntime. OpenVINO fuses each attention block into one
kernel, and with one batch per stream several batches are in flight at once: ``run_many``
keeps them there.

Optional (``pip install openvino``, part of ``ppocr_lite[onnx]``) and imported only when used.
Inference precision is pinned to fp32: on CPUs with bf16 support OpenVINO would otherwise
pick bf16 and change the results.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ppocr_lite.deploy.layout import default_threads
from ppocr_lite.deploy.spec import ONNX_FILE
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")

# ``import openvino`` also imports its model converter (openvino.tools.ovc) and telemetry:
# 0.15 s of a 0.25 s import, for a function that reading ONNX does not use.
_CONVERTER = "openvino.tools.ovc"


def _import_openvino() -> ModuleType:
    if "openvino" in sys.modules:
        return sys.modules["openvino"]
    blocked = _CONVERTER not in sys.modules
    if blocked:
        sys.modules[_CONVERTER] = None  # type: ignore[assignment] - openvino catches the ImportError
    try:
        return importlib.import_module("openvino")
    finally:
        if blocked:
            del sys.modules[_CONVERTER]  # importable again by whoever wants it


def openvino_installed() -> bool:
    """True when the ``openvino`` package can be imported."""
    return importlib.util.find_spec("openvino") is not None


def _onnx_path(model: str | Path) -> Path:
    path = Path(model)
    path = path / ONNX_FILE if path.is_dir() else path
    if not path.is_file():
        raise ConfigError(f"{path} not found: convert the model with tools/export_onnx.py")
    return path


def _blob_name(ov: ModuleType, core: Any, onnx_file: Path, settings: dict[str, Any]) -> str:
    """A compiled model is kept per graph file (size and time), OpenVINO version, CPU and
    settings."""
    cpu = [
        core.get_property("CPU", key) for key in ("FULL_DEVICE_NAME", "OPTIMIZATION_CAPABILITIES")
    ]
    stat = onnx_file.stat()
    graph = [stat.st_size, stat.st_mtime_ns]
    text = json.dumps([graph, ov.get_version(), cpu, settings], sort_keys=True, default=str)
    return f"openvino_{hashlib.sha256(text.encode()).hexdigest()[:16]}.blob"


def _keep_blob(path: Path, data: bytes) -> None:
    """Write ``path`` atomically and remove the blobs of other versions or CPUs beside it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
        for old in path.parent.glob("openvino_*.blob"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only cache: compile again next time
        logger.debug("compiled model not kept in %s (%s)", path, exc)
        tmp.unlink(missing_ok=True)


class OpenVinoBackend:
    """An OpenVINO CPU model compiled from ``inference.onnx`` for throughput.

    Args:
        model: Inference folder holding ``inference.onnx`` (or the .onnx file itself).
        cpu_threads: CPU threads for all streams together (default: ``default_threads()``).
        keep_compiled: Keep the compiled model next to the .onnx file (written atomically,
            one per OpenVINO version, CPU and thread count) and load it on later runs:
            0.15 s instead of 0.3-0.4 s for SVTR-Tiny.

    Raises:
        ConfigError: if openvino is not installed or the file is missing.
    """

    def __init__(
        self, model: str | Path, cpu_threads: int | None = None, keep_compiled: bool = False
    ) -> None:
        try:
            ov = _import_openvino()
        except ImportError:
            raise ConfigError("openvino is not installed: pip install openvino") from None
        onnx_file = _onnx_path(model)
        core = ov.Core()
        settings = {
            "INFERENCE_PRECISION_HINT": "f32",
            "PERFORMANCE_HINT": "THROUGHPUT",
            "INFERENCE_NUM_THREADS": cpu_threads or default_threads(),
        }
        blob = (
            onnx_file.with_name(_blob_name(ov, core, onnx_file, settings))
            if keep_compiled
            else None
        )
        self.compiled = None
        if blob is not None and blob.is_file():
            try:
                self.compiled = core.import_model(blob.read_bytes(), "CPU", settings)
            except Exception as exc:  # noqa: BLE001 - a damaged or foreign blob: compile
                logger.debug("compiled model %s not loaded (%s)", blob, exc)
        if self.compiled is None:
            self.compiled = core.compile_model(str(onnx_file), "CPU", settings)
            if blob is not None:
                _keep_blob(blob, self.compiled.export_model().getvalue())
        self.streams = int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        self._queue = ov.AsyncInferQueue(self.compiled, self.streams)
        self._request = self.compiled.create_infer_request()
        self.device = "cpu"

    def run(self, batch: np.ndarray) -> np.ndarray:
        """(N, C, H, W) float32 -> (N, T, num_classes), one batch at a time."""
        x = np.ascontiguousarray(batch, dtype=np.float32)
        return self._request.infer({0: x})[0].copy()

    def run_many(self, batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """The outputs of ``batches``, in order, with up to ``streams`` batches in flight.

        The batches are read lazily: at most ``2 * streams`` are read ahead of the outputs
        given back, so a long folder is never stacked in memory at once.
        """
        done: dict[int, np.ndarray] = {}
        ready = sent = 0

        def finished(request: Any, index: int) -> None:
            done[index] = request.get_output_tensor(0).data.copy()

        def in_order() -> Iterator[np.ndarray]:
            nonlocal ready
            while ready in done:
                yield done.pop(ready)
                ready += 1

        self._queue.set_callback(finished)
        try:
            for batch in batches:
                if sent - ready >= 2 * self.streams:  # later batches finished before an earlier
                    self._queue.wait_all()
                yield from in_order()
                # Blocks until a request is idle; the input is copied into the request.
                self._queue.start_async({0: np.ascontiguousarray(batch, dtype=np.float32)}, sent)
                sent += 1
                yield from in_order()
        finally:
            self._queue.wait_all()
        yield from in_order()
        if ready != sent:
            raise RuntimeError(f"OpenVINO returned {ready} of {sent} batches")
