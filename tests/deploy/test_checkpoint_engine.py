"""deploy.engine.checkpoint_engine: what runs a checkpoint in eval.py / infer_rec.py /
TextRecognizer.from_checkpoint, and that it computes what the dygraph model computes."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.deploy import engine as engine_module
from ppocr_lite.deploy.engine import checkpoint_engine
from ppocr_lite.engine.backend import DygraphBackend
from ppocr_lite.engine.components import build_components
from ppocr_lite.errors import ConfigError
from ppocr_lite.validate import check_config

from .conftest import Exported, fixed_batch, line_images, make_decisive


def _model(cfg: dict[str, Any]) -> Any:
    gcfg = check_config(cfg, "engine test", sections=(), optional=())
    paddle.set_device("cpu")
    paddle.seed(0)
    parts = build_components(cfg, gcfg)
    make_decisive(parts.model, (3, 32, 100))
    return parts.model


@pytest.fixture()
def built(
    export_cache: Callable[[str], Exported], request: pytest.FixtureRequest
) -> tuple[dict, Any]:
    exported = export_cache(getattr(request, "param", "crnn_mv3"))
    cfg = copy.deepcopy(exported.cfg)
    return cfg, _model(cfg)


@pytest.mark.parametrize("built", ["crnn_mv3", "svtr_tiny"], indirect=True)
def test_cpu_engine_is_onnx_and_equals_the_dygraph_model(built: tuple[dict, Any]) -> None:
    cfg, model = built
    images = line_images(12, seed=3)
    batches = [fixed_batch(images, 12, (3, 32, 100))]
    if cfg["Architecture"]["algorithm"] == "CRNN":  # reads any width: a wide batch too
        batches.append(fixed_batch(images, 5, (3, 32, 260)))
    want = [DygraphBackend(model).run(b) for b in batches]
    engine = checkpoint_engine(model, cfg, "cpu", lines=engine_module.MIN_LINES)
    assert type(engine).__name__ == "OnnxBackend"
    for batch, expected in zip(batches, want, strict=True):
        got = engine.run(batch)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 1e-4
        assert (got.argmax(-1) == expected.argmax(-1)).all()
    # The trace leaves the layer a dygraph one (to_static's forward is taken back).
    assert "forward" not in vars(model)
    assert isinstance(model(paddle.to_tensor(batches[0])), paddle.Tensor)


def _fallback_message(
    model: Any, cfg: dict, device: str, caplog: pytest.LogCaptureFixture, lines: int | None = None
) -> str:
    """The engine's log line when it must keep the dygraph model (asserted to)."""
    with caplog.at_level(logging.INFO, logger="ppocr_lite"):
        engine = checkpoint_engine(model, cfg, device, lines)
    assert isinstance(engine, DygraphBackend)
    return caplog.text


def test_gpu_device_keeps_the_dygraph_model(
    built: tuple[dict, Any], caplog: pytest.LogCaptureFixture
) -> None:
    cfg, model = built
    assert "dygraph model (on gpu:0" in _fallback_message(model, cfg, "gpu:0", caplog)


def test_few_lines_keep_the_dygraph_model(
    built: tuple[dict, Any], caplog: pytest.LogCaptureFixture
) -> None:
    cfg, model = built
    text = _fallback_message(model, cfg, "cpu", caplog, lines=engine_module.MIN_LINES - 1)
    assert f"{engine_module.MIN_LINES - 1} lines: below {engine_module.MIN_LINES}" in text


def test_attention_decoder_keeps_the_dygraph_model(
    built: tuple[dict, Any], caplog: pytest.LogCaptureFixture
) -> None:
    cfg, model = built
    cfg = apply_overrides(cfg, ["PostProcess.name=ParseQLabelDecode"])
    text = _fallback_message(model, cfg, "cpu", caplog)
    assert "runs CTCLabelDecode models, not ParseQLabelDecode" in text


def test_missing_onnx_packages_say_what_to_install(
    built: tuple[dict, Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, model = built
    real = engine_module.importlib.util.find_spec
    monkeypatch.setattr(
        engine_module.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "onnxruntime" else real(name, *a),
    )
    text = _fallback_message(model, cfg, "cpu", caplog)
    assert "onnxruntime not installed; pip install 'ppocr_lite[onnx]'" in text


def test_failed_conversion_or_check_falls_back_with_a_warning(
    built: tuple[dict, Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, model = built

    def fail(*args: Any) -> Any:
        raise ConfigError("paddle2onnx could not convert x.json: boom")

    monkeypatch.setattr(engine_module, "onnx_engine", fail)
    with caplog.at_level(logging.WARNING, logger="ppocr_lite"):
        assert isinstance(checkpoint_engine(model, cfg, "cpu"), DygraphBackend)
    assert "the ONNX conversion failed: paddle2onnx could not convert x.json: boom" in caplog.text
    monkeypatch.undo()

    caplog.clear()  # a full disk under the temporary folder

    def no_space(*args: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine_module, "save_static", no_space)
    with caplog.at_level(logging.WARNING, logger="ppocr_lite"):
        engine = checkpoint_engine(model, cfg, "cpu")
    assert isinstance(engine, DygraphBackend) and not model.training
    assert "conversion failed: [Errno 28] No space left on device" in caplog.text
    monkeypatch.undo()

    caplog.clear()
    monkeypatch.setattr(engine_module, "largest_diff", lambda *a: 0.5)
    with caplog.at_level(logging.WARNING, logger="ppocr_lite"):
        assert isinstance(checkpoint_engine(model, cfg, "cpu"), DygraphBackend)
    assert "differs from it by 5.00e-01" in caplog.text


def test_no_graph_file_is_left_behind(
    built: tuple[dict, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, model = built
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(engine_module.tempfile, "tempdir", None)  # re-read TMPDIR
    checkpoint_engine(model, cfg, "cpu")
    assert list(tmp_path.iterdir()) == []
