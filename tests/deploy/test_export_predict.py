"""Export -> Paddle Inference -> ONNX on CRNN-MV3 and SVTR-Tiny: files, settings and parity."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from ppocr_lite import TextRecognizer
from ppocr_lite.deploy.spec import DICT_FILE, INFERENCE_YML, ONNX_FILE, read_spec

from ..conftest import VI_DICT
from .conftest import Exported, backend_logit_gap

# Models whose input width follows the image (CNN + BiLSTM) and those fixed at export (SVTRNet:
# position embedding and local-attention masks are built for img_size).
DYNAMIC = {"crnn_mv3": True, "svtr_tiny": False}


def test_export_writes_a_complete_folder(exported: Exported) -> None:
    files = {p.name for p in exported.model_dir.iterdir()}
    assert {"inference.json", "inference.pdiparams", INFERENCE_YML, DICT_FILE, ONNX_FILE} <= files
    assert (exported.model_dir / DICT_FILE).read_bytes() == VI_DICT.read_bytes()
    spec = read_spec(exported.model_dir)
    assert spec.image_shape == (3, 32, 100)
    assert spec.dynamic_width is DYNAMIC[exported.name]
    # The predictors' preprocessing: the config's Eval transforms, label ops and all.
    assert list(spec.transforms) == [
        op for op in exported.cfg["Eval"]["dataset"]["transforms"] if "KeepKeys" not in op
    ]
    widen = TextRecognizer(exported.model_dir).pipeline.preprocess.widen
    assert widen is DYNAMIC[exported.name]  # by default, as PaddleOCR's predict_rec (CRNN)
    assert spec.use_space_char and spec.num_classes == 244 and spec.postprocess == "CTCLabelDecode"
    assert spec.algorithm == {"crnn_mv3": "CRNN", "svtr_tiny": "SVTR"}[exported.name]
    doc = yaml.safe_load((exported.model_dir / INFERENCE_YML).read_text(encoding="utf-8"))
    # PaddleOCR's own sections are there too, for its tooling.
    assert doc["PostProcess"]["character_dict"][:3] == VI_DICT.read_text("utf-8").split("\n")[:3]
    assert any("KeepKeys" in op for op in doc["PreProcess"]["transform_ops"])
    onnx = pytest.importorskip("onnx")
    dims = onnx.load(str(exported.model_dir / ONNX_FILE)).graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and dims[2].dim_value == 32
    assert bool(dims[3].dim_param) is DYNAMIC[exported.name]


def test_inference_folder_matches_the_checkpoint(exported: Exported, images: list[bytes]) -> None:
    from_dir = TextRecognizer(exported.model_dir, batch_size=8).predict(images)
    from_ckpt = TextRecognizer.from_checkpoint(exported.config_path, batch_size=8).predict(images)
    assert [r.text for r in from_dir] == [r.text for r in from_ckpt]
    np.testing.assert_allclose([r.score for r in from_dir], [r.score for r in from_ckpt], atol=1e-5)
    # The models are decisive: the strings depend on the image, so parity means something.
    assert len({r.text for r in from_dir}) >= 20 and all(r.text for r in from_dir)


def test_onnx_matches_paddle_inference(exported: Exported, images: list[bytes]) -> None:
    worst = backend_logit_gap(exported.model_dir, images, 16)
    assert worst <= 1e-3

    paddle_out = TextRecognizer(exported.model_dir, batch_size=16).predict(images)
    onnx_out = TextRecognizer(exported.model_dir, backend="onnx", batch_size=16).predict(images)
    same = sum(a.text == b.text for a, b in zip(paddle_out, onnx_out, strict=True))
    assert same / len(images) >= 0.995


def test_results_keep_the_input_order(exported: Exported, images: list[bytes]) -> None:
    rec = TextRecognizer(exported.model_dir, batch_size=5)
    forward = rec.predict(images)
    backward = rec.predict(images[::-1])
    assert [r.text for r in forward] == [r.text for r in backward][::-1]
    if not DYNAMIC[exported.name]:  # a fixed width: no padding, a batch of one is the same
        assert [r.text for r in rec.predict(images[:4])] == [
            rec.predict([b])[0].text for b in images[:4]
        ]


def test_any_input_kind_and_bad_images(
    export_cache: Callable[[str], Exported], images: list[bytes], tmp_path: Path
) -> None:
    exported = export_cache("crnn_mv3")
    path = tmp_path / "ảnh.jpg"
    path.write_bytes(images[0])
    bgr = cv2.imdecode(np.frombuffer(images[0], np.uint8), cv2.IMREAD_COLOR)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    rec = TextRecognizer(exported.model_dir)
    out = rec.predict([images[0], str(path), path, bgr, b"not an image", tmp_path / "missing.png"])
    assert out[0].text == out[1].text == out[2].text == out[3].text != ""
    assert out[4].error and out[5].error and out[4].text == "" and out[4].score == 0.0
    text, score = rec.predict([gray])[0]  # gray arrays are expanded to 3 channels
    assert isinstance(text, str) and 0.0 <= score <= 1.0
    with pytest.raises(TypeError):
        rec.predict(str(path))  # type: ignore[arg-type]


def test_a_paddleocr_export_folder_is_read(
    export_cache: Callable[[str], Exported], images: list[bytes], tmp_path: Path
) -> None:
    """A folder as PaddleOCR's export writes it: no Deploy section, no dictionary file."""
    exported = export_cache("svtr_tiny")  # fixed width: the same preprocessing either way
    folder = tmp_path / "paddleocr_export"
    shutil.copytree(exported.model_dir, folder)
    doc = yaml.safe_load((folder / INFERENCE_YML).read_text(encoding="utf-8"))
    del doc["Deploy"], doc["PostProcess"]["use_space_char"]
    (folder / INFERENCE_YML).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    (folder / DICT_FILE).unlink()
    ours = TextRecognizer(exported.model_dir).predict(images[:20])
    theirs = TextRecognizer(folder).predict(images[:20])
    assert [r.text for r in theirs] == [r.text for r in ours]
