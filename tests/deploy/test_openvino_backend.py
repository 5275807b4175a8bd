"""OpenVINO backend: same outputs as onnxruntime, batches kept in order while several are in
flight, and the compiled model kept beside the graph (a damaged one is compiled again)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from ppocr_lite.deploy.spec import ONNX_FILE
from ppocr_lite.errors import ConfigError

from .conftest import Exported

pytest.importorskip("openvino")

from ppocr_lite.deploy.onnx_backend import OnnxBackend  # noqa: E402
from ppocr_lite.deploy.openvino_backend import OpenVinoBackend, _import_openvino  # noqa: E402


@pytest.fixture
def crnn_dir(export_cache: Callable[[str], Exported], tmp_path: Path) -> Path:
    """A copy of the tiny CRNN's ONNX graph (it takes any width)."""
    folder = tmp_path / "crnn"
    folder.mkdir()
    shutil.copy(export_cache("crnn_mv3").model_dir / ONNX_FILE, folder / ONNX_FILE)
    return folder


def _batches(widths: list[int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 3, 32, w)).astype(np.float32) for w in widths]


def test_run_many_gives_each_batch_its_own_output_in_order(crnn_dir: Path) -> None:
    backend, reference = OpenVinoBackend(crnn_dir), OnnxBackend(crnn_dir)
    assert backend.streams >= 1
    widths = [100, 160, 64, 320, 100, 48, 200, 96, 128]  # outputs of different lengths
    batches = _batches(widths)
    pulled: list[int] = []

    def source() -> Iterator[np.ndarray]:
        for i, batch in enumerate(batches):
            pulled.append(i)
            yield batch

    outputs = []
    for output in backend.run_many(source()):
        # Lazy: a bounded number of batches is read ahead of the consumer.
        assert len(pulled) <= len(outputs) + 2 * backend.streams + 1
        outputs.append(output)
    assert len(outputs) == len(batches)
    for batch, output in zip(batches, outputs, strict=True):
        want = reference.run(batch)
        assert output.shape == want.shape
        np.testing.assert_allclose(output, want, atol=1e-4)
        np.testing.assert_allclose(backend.run(batch), want, atol=1e-4)
    assert list(backend.run_many(iter([]))) == []


def test_an_error_in_the_batch_source_reaches_the_caller(crnn_dir: Path) -> None:
    backend = OpenVinoBackend(crnn_dir)

    def source() -> Iterator[np.ndarray]:
        yield from _batches([100, 100])
        raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        list(backend.run_many(source()))
    # The queue is left idle: the backend still works.
    assert len(list(backend.run_many(iter(_batches([64, 80]))))) == 2


def test_the_compiled_model_is_kept_and_a_damaged_one_compiled_again(crnn_dir: Path) -> None:
    x = _batches([100])[0]
    first = OpenVinoBackend(crnn_dir, keep_compiled=True)
    (blob,) = crnn_dir.glob("openvino_*.blob")
    size, stamp = blob.stat().st_size, blob.stat().st_mtime_ns
    assert size > 10_000 and not list(crnn_dir.glob("*.tmp"))
    second = OpenVinoBackend(crnn_dir, keep_compiled=True)  # loaded, not written again
    assert blob.stat().st_mtime_ns == stamp
    np.testing.assert_allclose(second.run(x), first.run(x), atol=1e-6)
    blob.write_bytes(b"damaged")
    third = OpenVinoBackend(crnn_dir, keep_compiled=True)
    assert blob.stat().st_size == size  # compiled from the graph and kept again
    np.testing.assert_allclose(third.run(x), first.run(x), atol=1e-6)
    # A rewritten graph gets its own blob; blobs of other graphs or versions are removed.
    (crnn_dir / "openvino_stale.blob").write_bytes(b"other version")
    os.utime(crnn_dir / ONNX_FILE, ns=(1, 1))
    OpenVinoBackend(crnn_dir, keep_compiled=True)
    (new_blob,) = crnn_dir.glob("openvino_*.blob")
    assert new_blob != blob
    # Without keep_compiled nothing is written beside the graph.
    other = crnn_dir.parent / "plain"
    other.mkdir()
    shutil.copy(crnn_dir / ONNX_FILE, other / ONNX_FILE)
    OpenVinoBackend(other)
    assert sorted(p.name for p in other.iterdir()) == [ONNX_FILE]


def test_a_missing_graph_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="export_onnx"):
        OpenVinoBackend(tmp_path)


def test_openvino_imports_without_its_converter_and_leaves_it_importable() -> None:
    ov = _import_openvino()
    assert hasattr(ov, "Core") and hasattr(ov, "AsyncInferQueue")
    assert sys.modules.get("openvino.tools.ovc", "absent") is not None
