"""OpenVINO over ``inference.onnx``: the fastest CPU engine for the cached graphs we measured.

On 2 AMD EPYC (Zen 4) cores, SVTR-Tiny at batch 32 ran 4.6 ms per line with two OpenVINO
streams against 5.3-6.3 with onnxruntime. OpenVINO fuses each attention block into one
kernel, and with one batch per stream several batches are in flight at once: ``run_many``
keeps them there.

Optional (``pip install openvino``, part of ``ppocr_lite[onnx]``) and imported only when used.
Inference precision is pinned to fp32: on CPUs with bf16 support OpenVINO would otherwise
pick bf16 and change the results.

OpenVINO must not share a process with Paddle: in our test suite, a process that had run an
OpenVINO model and then Paddle's static graphs crashed (SIGSEGV in the Python eval loop; the
same tests pass without OpenVINO). So it runs only where Paddle is not imported: the cached
path of ``infer_rec.py``, and ``python -m ppocr_lite.deploy.openvino_backend FOLDER``, which the
Paddle side calls as a child process to check a new graph against ``probe.npy``/``want.npy``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ppocr_lite.deploy.layout import default_threads
from ppocr_lite.deploy.spec import ONNX_FILE
from ppocr_lite.errors import ConfigError

PROBE_FILE, WANT_FILE = "probe.npy", "want.npy"
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


# Kept in the compiled model's key: a change to ``_prefer_onednn`` must not reuse old blobs.
GRAPH_EDITS = "onednn-fc-clamp-1"


def _opset(ov: ModuleType) -> ModuleType:
    try:
        return importlib.import_module("openvino.opset13")
    except ImportError:  # OpenVINO 2024
        return importlib.import_module("openvino.runtime.opset13")


def _prefer_onednn(ov: ModuleType, model: Any) -> int:
    """Follow each projection that narrows by 2x or more (an MLP's second layer) with a clamp
    to the float32 range, which changes no finite value.

    OpenVINO's CPU plugin runs a fully connected layer with nothing fused after it on MLAS's
    sgemm, and one with a fused element-wise op on oneDNN. For SVTR's [1600 x 1024] x
    [1024 x 256] product, oneDNN took 10.2 ms against MLAS's 12.9 (one Zen 4 core), and
    SVTR-Tiny's fully connected layers 194 ms per batch of 32 against 208; the output was
    bit-identical. The conversion's check against Paddle still guards the result.

    Returns:
        How many projections were followed by a clamp.
    """
    clamp = _opset(ov).clamp
    top = float(np.finfo(np.float32).max)
    count = 0
    for node in model.get_ordered_ops():
        if not _narrows(node):
            continue
        out = _layer_output(node)
        users = list(out.get_target_inputs())
        if users:
            bounded = clamp(out, -top, top).output(0)
            for user in users:
                user.replace_source_output(bounded)
            count += 1
    return count


def _narrows(node: Any) -> bool:
    """A MatMul by constant 2-D weights whose input is at least twice as wide as its output."""
    if node.get_type_name() != "MatMul":
        return False
    weights = node.input_value(1).get_node()
    if weights.get_type_name() != "Constant":  # activations: their shape may be dynamic
        return False
    shape = list(weights.get_output_shape(0))
    if len(shape) != 2:
        return False
    k, n = shape[::-1] if node.get_attributes().get("transpose_b") else shape
    return k >= 2 * n


def _layer_output(node: Any) -> Any:
    """The output of a MatMul's layer: after its constant bias when one follows."""
    out = node.output(0)
    users = list(out.get_target_inputs())
    if len(users) == 1 and users[0].get_node().get_type_name() == "Add":
        add = users[0].get_node()
        if add.input_value(1 - users[0].get_index()).get_node().get_type_name() == "Constant":
            return add.output(0)
    return out


def _blob_name(ov: ModuleType, core: Any, onnx_file: Path, settings: dict[str, Any]) -> str:
    """A compiled model is kept per graph file (size and time), OpenVINO version, CPU and
    settings."""
    cpu = [
        core.get_property("CPU", key) for key in ("FULL_DEVICE_NAME", "OPTIMIZATION_CAPABILITIES")
    ]
    stat = onnx_file.stat()
    graph = [stat.st_size, stat.st_mtime_ns]
    text = json.dumps(
        [graph, ov.get_version(), cpu, settings, GRAPH_EDITS], sort_keys=True, default=str
    )
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
            model = core.read_model(str(onnx_file))
            _prefer_onednn(ov, model)
            self.compiled = core.compile_model(model, "CPU", settings)
            if blob is not None:
                _keep_blob(blob, self.compiled.export_model().getvalue())
        self.streams = int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        self._requests = [self.compiled.create_infer_request() for _ in range(self.streams)]
        self.device = "cpu"

    def run(self, batch: np.ndarray) -> np.ndarray:
        """(N, C, H, W) float32 -> (N, T, num_classes), one batch at a time."""
        x = np.ascontiguousarray(batch, dtype=np.float32)
        return self._requests[0].infer({0: x})[0].copy()

    def run_many(self, batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """The outputs of ``batches``, in order, with up to ``streams`` batches in flight.

        The batches are read lazily (``streams`` ahead of the outputs given back), so a long
        folder is never stacked in memory at once. Plain requests, waited for oldest first,
        keep the order without completion callbacks.
        """
        idle = list(self._requests)
        busy: deque[Any] = deque()
        try:
            for batch in batches:
                if not idle:
                    request = busy.popleft()
                    request.wait()
                    yield request.get_output_tensor(0).data.copy()
                    idle.append(request)
                request = idle.pop()
                # The input is copied into the request (share_inputs is off by default).
                request.start_async({0: np.ascontiguousarray(batch, dtype=np.float32)})
                busy.append(request)
            while busy:
                request = busy.popleft()
                request.wait()
                yield request.get_output_tensor(0).data.copy()
        finally:
            for request in busy:  # an error or an early stop: leave no request running
                request.wait()


def check_folder(folder: Path) -> float:
    """max |OpenVINO - expected| on the folder's probe batch; the compiled model is kept."""
    probe, want = np.load(folder / PROBE_FILE), np.load(folder / WANT_FILE)
    return float(np.abs(OpenVinoBackend(folder, keep_compiled=True).run(probe) - want).max())


def main(argv: list[str]) -> int:
    """``python -m ppocr_lite.deploy.openvino_backend FOLDER``: prints ``{"max_diff": x}``."""
    if len(argv) != 1:
        print("usage: python -m ppocr_lite.deploy.openvino_backend FOLDER", file=sys.stderr)
        return 2
    print(json.dumps({"max_diff": check_folder(Path(argv[0]))}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
