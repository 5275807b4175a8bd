"""ppocr_lite's checkpoints use PaddleOCR's parameter names, checked against PaddleOCR itself.

``tests/data/paddleocr_param_names/*.json`` hold the ``state_dict`` names and shapes of
PaddleOCR 2.9.1's models (built by PaddleOCR's own code from the stored ``architecture`` block
with a 218-class head; regenerate with ``bench/check_paddleocr_interchange.py --dump-names``;
``crnn_*_tps`` and ``svtr_tiny_stn`` (rectifiers) were dumped the same way, one model per
process, since PaddleOCR's TPS names its parameters explicitly and two cannot coexist).
CTC models must match name for name, shape for shape and in order; PP-OCRv3/v4 MultiHead
checkpoints must convert to ppocr_lite's CTC-only SVTR-LCNet and back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint.layouts import detect_layout, to_paddleocr_multihead, to_ppocr_lite
from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.modeling import build_model
from ppocr_lite.registry import HEADS

NAMES = Path(__file__).resolve().parents[1] / "data" / "paddleocr_param_names"
RECORDS = {p.stem: p for p in sorted(NAMES.glob("*.json"))}
CTC = sorted(k for k in RECORDS if "multihead" not in k)
MULTIHEAD = sorted(k for k in RECORDS if "multihead" in k)


def record(name: str) -> dict[str, Any]:
    return json.loads(RECORDS[name].read_text(encoding="utf-8"))


def shapes(model: paddle.nn.Layer) -> dict[str, list[int]]:
    return {k: [int(d) for d in v.shape] for k, v in model.state_dict().items()}


def ctc_architecture(multihead: dict[str, Any]) -> dict[str, Any]:
    """The CTC-only twin of a MultiHead architecture (what ppocr_lite trains)."""
    ctc = next(h["CTCHead"] for h in multihead["Head"]["head_list"] if "CTCHead" in h)
    neck = {k: v for k, v in ctc["Neck"].items() if k != "name"}
    return {
        **{k: v for k, v in multihead.items() if k != "Head"},
        "Neck": {"name": "SequenceEncoder", "encoder_type": ctc["Neck"]["name"], **neck},
        "Head": {"name": "CTCHead", **(ctc.get("Head") or {})},
    }


def test_the_reference_covers_the_zoo() -> None:
    zoo = {"crnn_mv3_small", "crnn_mv3_large", "crnn_r34", "svtr_lcnet", "svtr_lcnet_v4"}
    zoo |= {f"svtr_{size}" for size in ("tiny", "small", "base", "large")}
    zoo |= {"crnn_mv3_tps", "crnn_r34_tps", "svtr_tiny_stn"}  # Architecture.Transform
    zoo |= {"svtrv2", "repsvtr", "pphgnet_small"}  # issue 21: the current recognizers
    assert zoo <= set(CTC) and {"ppocrv3_multihead", "ppocrv4_multihead"} <= set(MULTIHEAD)


@pytest.mark.parametrize("name", CTC)
def test_names_and_shapes_equal_paddleocr(name: str) -> None:
    ref = record(name)
    ours = shapes(build_model(ref["architecture"], num_classes=ref["num_classes"]))
    assert list(ours.items()) == list(ref["params"].items())  # names, shapes and order
    assert detect_layout(ref["params"]) == "ppocr_lite"


@pytest.mark.parametrize("name", MULTIHEAD)
def test_multihead_checkpoints_convert_both_ways(name: str) -> None:
    ref = record(name)
    theirs = {k: np.zeros(v, dtype=np.float32) for k, v in ref["params"].items()}
    ours = shapes(build_model(ctc_architecture(ref["architecture"]), ref["num_classes"]))
    assert detect_layout(theirs) == "paddleocr_multihead"
    converted, report = to_ppocr_lite(theirs)
    assert {k: list(v.shape) for k, v in converted.items()} == ours
    assert report.dropped and all(
        k.split(".")[1] not in ("ctc_head", "ctc_encoder") for k in report.dropped
    )
    back = to_paddleocr_multihead({k: np.zeros(v) for k, v in ours.items()})
    assert {k: list(v.shape) for k, v in back.items()} == {
        k: v for k, v in ref["params"].items() if k not in report.dropped
    }


def test_a_multihead_or_distillation_file_loads_and_predicts_the_same(tmp_path: Path) -> None:
    arch = ctc_architecture(record("ppocrv3_multihead")["architecture"])
    paddle.seed(0)
    model = build_model(arch, num_classes=30)
    model.eval()
    x = paddle.uniform([2, 3, 48, 160], min=-1, max=1, seed=1)
    with paddle.no_grad():
        want = model(x).numpy()
    state = to_paddleocr_multihead(model.state_dict())
    state["head.sar_head.decoder.embedding.weight"] = paddle.zeros([32, 512])  # guide head
    paddle.save(state, str(tmp_path / "multihead.pdparams"))
    teacher = {f"Teacher.{k}": v for k, v in state.items()}
    paddle.save(
        {**{f"Student.{k}": v for k, v in state.items()}, **teacher},
        str(tmp_path / "distill.pdparams"),
    )
    for prefix, layout in (
        ("multihead", "paddleocr_multihead"),
        ("distill", "paddleocr_distillation"),
    ):
        paddle.seed(1)
        fresh = build_model(arch, num_classes=30)
        report = load_weights(fresh, tmp_path / prefix)
        assert report.conversion.layout == layout
        with paddle.no_grad():
            np.testing.assert_allclose(fresh(x).numpy(), want, rtol=1e-5, atol=1e-6)


needs_multihead = pytest.mark.skipif("MultiHead" not in HEADS, reason="no MultiHead head")
# PaddleOCR's NRTR keeps its sinusoidal position table as a persistable buffer; ppocr_lite
# recomputes the same table, so the key is ignored on load and missing on save (PaddleOCR then
# keeps its own identical table).
RECOMPUTED_BUFFERS = {"head.gtc_head.positional_encoding.pe"}


@needs_multihead
@pytest.mark.parametrize("name", MULTIHEAD)
def test_multihead_models_have_paddleocr_names(name: str) -> None:
    ref = record(name)
    ours = shapes(build_model(ref["architecture"], num_classes=ref["num_classes"]))
    theirs = {k: v for k, v in ref["params"].items() if k not in RECOMPUTED_BUFFERS}
    assert ours == theirs


@needs_multihead
def test_ctc_only_weights_load_into_a_multihead_model_and_back(tmp_path: Path) -> None:
    multi_arch = record("ppocrv3_multihead")["architecture"]
    paddle.seed(0)
    ctc = build_model(ctc_architecture(multi_arch), num_classes=30)
    ctc.eval()
    paddle.save(ctc.state_dict(), str(tmp_path / "ctc.pdparams"))
    multi = build_model(multi_arch, num_classes=30)
    assert load_weights(multi, tmp_path / "ctc").conversion.layout.endswith("into MultiHead")
    x = paddle.uniform([2, 3, 48, 160], min=-1, max=1, seed=1)
    with paddle.no_grad():
        np.testing.assert_allclose(multi(x).numpy(), ctc(x).numpy(), rtol=1e-5, atol=1e-6)
    paddle.save(multi.state_dict(), str(tmp_path / "multi.pdparams"))
    again = build_model(ctc_architecture(multi_arch), num_classes=30)
    assert load_weights(again, tmp_path / "multi").conversion.layout == "paddleocr_multihead"
    with paddle.no_grad():
        np.testing.assert_allclose(again(x).numpy(), ctc(x).numpy(), rtol=1e-5, atol=1e-6)
