"""Checks of the OpenVINO backend, run in a spawned interpreter by test_openvino_backend.py:
OpenVINO must not share a process with Paddle, which the test session imports. Nothing here
imports Paddle."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ppocr_lite.deploy.onnx_backend import OnnxBackend
from ppocr_lite.deploy.openvino_backend import (
    PROBE_FILE,
    WANT_FILE,
    OpenVinoBackend,
    _import_openvino,
    _opset,
    _prefer_onednn,
    main,
)
from ppocr_lite.deploy.spec import ONNX_FILE
from ppocr_lite.errors import ConfigError


def batches(widths: list[int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 3, 32, w)).astype(np.float32) for w in widths]


def run_many_in_order(folder: str) -> dict:
    """Outputs of run_many against onnxruntime; how far the batch source was read ahead."""
    backend, reference = OpenVinoBackend(folder), OnnxBackend(folder)
    inputs = batches([100, 160, 64, 320, 100, 48, 200, 96, 128])  # outputs of other lengths
    pulled: list[int] = []

    def source() -> Iterator[np.ndarray]:
        for i, batch in enumerate(inputs):
            pulled.append(i)
            yield batch

    ahead, outputs = [], []
    for output in backend.run_many(source()):
        ahead.append(len(pulled) - len(outputs))
        outputs.append(output)
    gaps = [float(np.abs(o - reference.run(b)).max()) for o, b in zip(outputs, inputs, strict=True)]
    shapes_ok = all(o.shape == reference.run(b).shape for o, b in zip(outputs, inputs, strict=True))
    single = float(np.abs(backend.run(inputs[0]) - reference.run(inputs[0])).max())
    return {
        "streams": backend.streams,
        "count": len(outputs),
        "worst_gap": max(gaps),
        "shapes_ok": shapes_ok,
        "single_gap": single,
        "max_ahead": max(ahead),
        "empty": list(backend.run_many(iter([]))),
    }


def source_error_reaches_caller(folder: str) -> dict:
    backend = OpenVinoBackend(folder)

    def source() -> Iterator[np.ndarray]:
        yield from batches([100, 100])
        raise ValueError("bad batch")

    try:
        list(backend.run_many(source()))
        message = ""
    except ValueError as exc:
        message = str(exc)
    after = len(list(backend.run_many(iter(batches([64, 80])))))
    return {"message": message, "after": after}


def compiled_model_kept(folder: str) -> dict:
    path = Path(folder)
    x = batches([100])[0]
    first = OpenVinoBackend(path, keep_compiled=True)
    (blob,) = path.glob("openvino_*.blob")
    size, stamp = blob.stat().st_size, blob.stat().st_mtime_ns
    facts = {"size": size, "tmp_left": bool(list(path.glob("*.tmp")))}
    second = OpenVinoBackend(path, keep_compiled=True)
    facts["reloaded_unchanged"] = blob.stat().st_mtime_ns == stamp
    facts["reloaded_gap"] = float(np.abs(second.run(x) - first.run(x)).max())
    blob.write_bytes(b"damaged")
    third = OpenVinoBackend(path, keep_compiled=True)
    facts["rewritten_size"] = blob.stat().st_size
    facts["recompiled_gap"] = float(np.abs(third.run(x) - first.run(x)).max())
    (path / "openvino_stale.blob").write_bytes(b"other version")
    os.utime(path / ONNX_FILE, ns=(1, 1))  # another graph file: another blob
    OpenVinoBackend(path, keep_compiled=True)
    facts["blobs_after_rewrite"] = sorted(p.name for p in path.glob("openvino_*.blob"))
    facts["old_blob"] = blob.name
    return facts


def check_command(folder: str) -> dict:
    """``main`` on a folder with a probe and its expected output, and a bad call."""
    path = Path(folder)
    probe = batches([100])[0]
    np.save(path / PROBE_FILE, probe)
    np.save(path / WANT_FILE, OnnxBackend(path).run(probe))
    return {"status": main([str(path)]), "usage": main([])}


def construct(folder: str) -> int:
    """Build a backend without keeping the compiled model; its stream count."""
    return OpenVinoBackend(folder).streams


def missing_graph(folder: str) -> str:
    try:
        OpenVinoBackend(folder)
    except ConfigError as exc:
        return str(exc)
    return ""


def import_state() -> dict:
    ov = _import_openvino()
    return {
        "core": hasattr(ov, "Core"),
        "converter_blocked": sys.modules.get("openvino.tools.ovc", "absent") is None,
        "paddle": "paddle" in sys.modules,
    }


def clamp_edit() -> dict:
    """``_prefer_onednn`` on a small graph: which projections get a clamp, and the outputs."""
    ov = _import_openvino()
    ops = _opset(ov)

    def build() -> object:
        rng = np.random.default_rng(1)  # the same weights in both graphs

        def const(*shape: int) -> object:
            return ops.constant(rng.standard_normal(shape).astype(np.float32))

        x = ops.parameter([-1, 64], np.float32)  # dynamic rows, as in the exported graphs
        narrow = ops.add(ops.matmul(x, const(64, 16), False, False), const(16))  # 64 -> 16
        wide = ops.matmul(ops.relu(narrow), const(16, 64), False, False)  # 16 -> 64
        again = ops.matmul(wide, const(8, 64), False, True)  # 64 -> 8, weights transposed
        gram = ops.matmul(again, again, False, True)  # two activations: left alone
        return ov.Model([ops.relu(again), gram], [x])

    plain, edited = build(), build()
    count = _prefer_onednn(ov, edited)
    types = sorted(op.get_type_name() for op in edited.get_ordered_ops())
    x = np.random.default_rng(2).standard_normal((4, 64)).astype(np.float32)
    core = ov.Core()
    f32 = {"INFERENCE_PRECISION_HINT": "f32"}  # as the backend: not bf16 where the CPU has it
    requests = [core.compile_model(m, "CPU", f32).create_infer_request() for m in (plain, edited)]
    outs = [request.infer({0: x}) for request in requests]
    # Another kernel may sum in another order: equal up to float32 rounding.
    pairs = [(outs[0][i], outs[1][i]) for i in range(2)]
    gap = max(float(np.abs(a - b).max() / np.abs(a).max()) for a, b in pairs)
    return {"count": count, "clamps": types.count("Clamp"), "gap": gap}
