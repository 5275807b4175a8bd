"""OpenVINO backend: same outputs as onnxruntime, batches kept in order while several are in
flight, the compiled model kept beside the graph (a damaged one is compiled again), and the
check command the Paddle side calls. Each case runs in a spawned interpreter without Paddle
(``openvino_cases.py``): OpenVINO must not share a process with Paddle."""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ppocr_lite.deploy.spec import ONNX_FILE

from . import openvino_cases as cases
from .conftest import Exported

# Not importorskip: that would import OpenVINO into this process, which has Paddle.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("openvino") is None, reason="openvino is not installed"
)


def isolated(case: Callable[..., Any], *args: Any) -> Any:
    """``case(*args)`` in a fresh interpreter (spawn: no Paddle inherited)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(case, args)


@pytest.fixture
def crnn_dir(export_cache: Callable[[str], Exported], tmp_path: Path) -> Path:
    """A copy of the tiny CRNN's ONNX graph (it takes any width)."""
    folder = tmp_path / "crnn"
    folder.mkdir()
    shutil.copy(export_cache("crnn_mv3").model_dir / ONNX_FILE, folder / ONNX_FILE)
    return folder


def test_run_many_gives_each_batch_its_own_output_in_order(crnn_dir: Path) -> None:
    facts = isolated(cases.run_many_in_order, str(crnn_dir))
    assert facts["count"] == 9 and facts["shapes_ok"] and facts["empty"] == []
    assert facts["worst_gap"] < 1e-4 and facts["single_gap"] < 1e-4
    # Lazy: no more batches are read than the requests in flight (plus the one being sent).
    assert 1 <= facts["max_ahead"] <= facts["streams"] + 1


def test_an_error_in_the_batch_source_reaches_the_caller(crnn_dir: Path) -> None:
    facts = isolated(cases.source_error_reaches_caller, str(crnn_dir))
    assert facts == {"message": "bad batch", "after": 2}  # and the backend still works


def test_the_compiled_model_is_kept_and_a_damaged_one_compiled_again(crnn_dir: Path) -> None:
    facts = isolated(cases.compiled_model_kept, str(crnn_dir))
    assert facts["size"] > 10_000 and not facts["tmp_left"]
    assert facts["reloaded_unchanged"] and facts["reloaded_gap"] < 1e-6
    assert facts["rewritten_size"] > 10_000 and facts["recompiled_gap"] < 1e-6  # not "damaged"
    # A rewritten graph gets its own blob; blobs of other graphs or versions are removed.
    assert len(facts["blobs_after_rewrite"]) == 1
    assert facts["blobs_after_rewrite"][0] != facts["old_blob"]
    # Without keep_compiled nothing is written beside the graph.
    plain = crnn_dir.parent / "plain"
    plain.mkdir()
    shutil.copy(crnn_dir / ONNX_FILE, plain / ONNX_FILE)
    assert isolated(cases.construct, str(plain)) >= 1
    assert sorted(p.name for p in plain.iterdir()) == [ONNX_FILE]


def test_the_check_command_prints_the_gap(
    crnn_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    facts = isolated(cases.check_command, str(crnn_dir))
    assert facts == {"status": 0, "usage": 2}
    out, err = capfd.readouterr()
    assert json.loads(out.strip().splitlines()[-1])["max_diff"] < 1e-4 and "usage" in err


def test_a_missing_graph_is_a_config_error(tmp_path: Path) -> None:
    assert "export_onnx" in isolated(cases.missing_graph, str(tmp_path))


def test_openvino_imports_without_its_converter_or_paddle() -> None:
    assert isolated(cases.import_state) == {
        "core": True,
        "converter_blocked": False,
        "paddle": False,
    }


def test_narrowing_projections_get_a_clamp_that_changes_nothing() -> None:
    # The two projections that narrow by 2x or more (one with a bias, one with transposed
    # weights); the widening one keeps MLAS.
    facts = isolated(cases.clamp_edit)
    assert facts["count"] == facts["clamps"] == 2 and facts["gap"] < 1e-5
