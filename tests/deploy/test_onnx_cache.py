"""tools/infer_rec.py: the second run with a checkpoint and config uses its cached ONNX graph,
imports no Paddle, and writes the same results as the Paddle path."""

from __future__ import annotations

import importlib.util
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.schema import parse_global
from ppocr_lite.deploy import onnx_cache
from ppocr_lite.engine.inference import infer_images
from ppocr_lite.errors import ConfigError
from ppocr_lite.validate import check_config

from ..conftest import ROOT
from .conftest import Exported

HAS_OPENVINO = importlib.util.find_spec("openvino") is not None


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PPOCR_LITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PPOCR_LITE_DYGRAPH", raising=False)
    # This process has Paddle: OpenVINO runs only in the tool's own processes (below).
    monkeypatch.setenv(onnx_cache.ENGINE_ENV, "onnxruntime")
    return tmp_path / "cache"


@pytest.fixture
def folder(tmp_path: Path, images: list[bytes]) -> Path:
    out = tmp_path / "imgs"
    out.mkdir()
    for i, data in enumerate(images[:40]):
        (out / f"line_{i:03d}.jpg").write_bytes(data)
    (out / "broken.jpg").write_bytes(b"not an image")
    return out


def _config(exported: Exported, folder: Path, result: Path) -> dict:
    return apply_overrides(
        exported.cfg,
        [
            f"Global.infer_img={folder}",
            f"Global.save_res_path={result}",
            "Global.infer_batch_size=8",
        ],
    )


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def _same_results(a: Path, b: Path) -> None:
    rows_a, rows_b = _rows(a), _rows(b)
    assert [r[:2] for r in rows_a] == [r[:2] for r in rows_b]  # files and texts
    for x, y in zip(rows_a, rows_b, strict=True):
        assert abs(float(x[2]) - float(y[2])) < 1e-4, (x, y)
    assert any(r[1] for r in rows_a)
    assert [r[3] for r in rows_a if r[0].endswith("broken.jpg")][0].startswith("error")


def test_second_run_reads_the_cached_graph_and_writes_the_same_file(
    exported: Exported,
    folder: Path,
    tmp_path: Path,
    cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cfg = _config(exported, folder, tmp_path / "paddle.txt")
    gcfg = check_config(cfg, exported.name, sections=(), optional=())
    assert onnx_cache.run_cached(cfg, gcfg) is None  # nothing cached yet
    first = infer_images(cfg, gcfg)
    entries = list((cache_dir / "onnx").iterdir())
    assert len(entries) == 1 and (entries[0] / onnx_cache.ENTRY_FILE).is_file()
    # OpenVINO checked the graph in a child process and left its compiled model, not the probe.
    meta = json.loads((entries[0] / onnx_cache.ENTRY_FILE).read_text(encoding="utf-8"))
    assert (meta["openvino_max_diff"] is not None) is HAS_OPENVINO
    assert bool(list(entries[0].glob("openvino_*.blob"))) is HAS_OPENVINO
    assert not list(entries[0].glob("*.npy")) and "openvino" not in sys.modules
    cfg2 = _config(exported, folder, tmp_path / "onnx.txt")
    with caplog.at_level(logging.INFO, logger="ppocr_lite"):
        second = onnx_cache.run_cached(cfg2, parse_global(cfg2["Global"]))
    assert "(onnxruntime)" in caplog.text
    assert second is not None and len(second) == len(first) == 41
    _same_results(tmp_path / "paddle.txt", tmp_path / "onnx.txt")


def test_an_unknown_engine_is_a_config_error_and_keeps_the_entry(
    export_cache: Callable[[str], Exported],
    folder: Path,
    tmp_path: Path,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exported = export_cache("crnn_mv3")
    cfg = _config(exported, folder, tmp_path / "paddle.txt")
    gcfg = check_config(cfg, exported.name, sections=(), optional=())
    infer_images(cfg, gcfg)
    monkeypatch.setenv(onnx_cache.ENGINE_ENV, "tensorrt")
    with pytest.raises(ConfigError, match="PPOCR_LITE_ONNX_ENGINE='tensorrt'"):
        onnx_cache.run_cached(cfg, gcfg)
    (entry,) = (cache_dir / "onnx").iterdir()
    assert (entry / onnx_cache.ENTRY_FILE).is_file()


def _tool(exported: Exported, folder: Path, result: Path) -> str:
    """tools/infer_rec.py in a fresh interpreter: its output, then which of Paddle and
    OpenVINO that process imported."""
    tool = str(ROOT / "tools" / "infer_rec.py")
    argv = [tool, "-c", str(exported.config_path), "-o", f"Global.infer_img={folder}"]
    argv += ["Global.infer_batch_size=8", f"Global.save_res_path={result}"]
    script = (
        "import runpy, sys\n"
        f"sys.argv = {argv!r}\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        "    print('PADDLE_IMPORTED' if 'paddle' in sys.modules else 'NO_PADDLE')\n"
        "    print('OPENVINO_IMPORTED' if 'openvino' in sys.modules else 'NO_OPENVINO')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return proc.stdout + proc.stderr


def test_the_cached_run_of_the_tool_imports_no_paddle(
    exported: Exported,
    folder: Path,
    tmp_path: Path,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(onnx_cache.ENGINE_ENV)  # the faster engine, in the tool's process
    first = _tool(exported, folder, tmp_path / "first.txt")
    assert "PADDLE_IMPORTED" in first and "cached the ONNX graph" in first
    second = _tool(exported, folder, tmp_path / "second.txt")
    assert "NO_PADDLE" in second and "cached ONNX graph" in second
    assert ("(openvino)" if HAS_OPENVINO else "(onnxruntime)") in second
    _same_results(tmp_path / "first.txt", tmp_path / "second.txt")
    monkeypatch.setenv(onnx_cache.ENGINE_ENV, "onnxruntime")
    third = _tool(exported, folder, tmp_path / "third.txt")
    assert "(onnxruntime)" in third
    _same_results(tmp_path / "first.txt", tmp_path / "third.txt")


@pytest.mark.skipif(not HAS_OPENVINO, reason="openvino is not installed")
def test_a_fallback_after_openvino_runs_paddle_in_a_fresh_process(
    export_cache: Callable[[str], Exported],
    folder: Path,
    tmp_path: Path,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exported = export_cache("crnn_mv3")
    monkeypatch.delenv(onnx_cache.ENGINE_ENV)
    _tool(exported, folder, tmp_path / "first.txt")
    (entry,) = (cache_dir / "onnx").iterdir()
    meta = json.loads((entry / onnx_cache.ENTRY_FILE).read_text(encoding="utf-8"))
    (entry / onnx_cache.ENTRY_FILE).write_text(json.dumps({**meta, "width": 7}), encoding="utf-8")
    (tmp_path / "second.txt").write_text("stale\n", encoding="utf-8")
    second = _tool(exported, folder, tmp_path / "second.txt")
    # OpenVINO was loaded here, so Paddle ran in a process of its own and wrote the file.
    assert "running the checkpoint with Paddle" in second
    assert "NO_PADDLE" in second and "OPENVINO_IMPORTED" in second
    _same_results(tmp_path / "first.txt", tmp_path / "second.txt")


def test_other_weights_a_wrong_width_or_a_damaged_entry_fall_back_to_paddle(
    export_cache: Callable[[str], Exported], folder: Path, tmp_path: Path, cache_dir: Path
) -> None:
    exported = export_cache("crnn_mv3")
    cfg = _config(exported, folder, tmp_path / "paddle.txt")
    gcfg = check_config(cfg, exported.name, sections=(), optional=())
    infer_images(cfg, gcfg)
    (entry,) = (cache_dir / "onnx").iterdir()
    assert onnx_cache.run_cached(cfg, gcfg) is not None
    # A graph that takes another width than the lines: the Paddle path runs instead.
    meta = json.loads((entry / onnx_cache.ENTRY_FILE).read_text(encoding="utf-8"))
    (entry / onnx_cache.ENTRY_FILE).write_text(json.dumps({**meta, "width": 7}), encoding="utf-8")
    assert onnx_cache.run_cached(cfg, gcfg) is None
    # A damaged entry is removed, and the next Paddle run caches the graph again.
    (entry / "inference.onnx").write_bytes(b"truncated")
    assert onnx_cache.run_cached(cfg, gcfg) is None and not entry.exists()
    infer_images(cfg, gcfg)
    assert onnx_cache.run_cached(cfg, gcfg) is not None
    # Other weights, or another dictionary size: another key.
    other = tmp_path / "other.pdparams"
    other.write_bytes(exported.checkpoint.with_suffix(".pdparams").read_bytes() + b"\0")
    moved = apply_overrides(cfg, [f"Global.checkpoints={tmp_path / 'other'}"])
    assert onnx_cache.run_cached(moved, parse_global(moved["Global"])) is None
    longer = tmp_path / "dict.txt"
    chars = Path(gcfg.character_dict_path).read_text(encoding="utf-8")
    longer.write_text(chars.rstrip("\n") + "\n\u4e00\n", encoding="utf-8")
    other_dict = apply_overrides(cfg, [f"Global.character_dict_path={longer}"])
    assert onnx_cache.run_cached(other_dict, parse_global(other_dict["Global"])) is None


def test_no_cached_path_on_gpu_dygraph_or_cache_off(
    export_cache: Callable[[str], Exported], monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    cfg = export_cache("crnn_mv3").cfg
    assert onnx_cache.cache_root(parse_global(cfg["Global"])) == cache_dir / "onnx"
    gpu = apply_overrides(cfg, ["Global.use_gpu=true"])
    assert onnx_cache.cache_root(parse_global(gpu["Global"])) is None
    monkeypatch.setenv("PPOCR_LITE_DYGRAPH", "1")
    assert onnx_cache.cache_root(parse_global(cfg["Global"])) is None
    monkeypatch.delenv("PPOCR_LITE_DYGRAPH")
    monkeypatch.setenv("PPOCR_LITE_CACHE_DIR", "0")
    assert onnx_cache.cache_root(parse_global(cfg["Global"])) is None
