"""Lines wider than the trained ratio: eval (in process and eval.py's per-sample TSV), predict_rec
and TextRecognizer (from the export and from the checkpoint, widening off) and the model on the
Eval transforms' output, one image at a time, give the same text and score: each line is
squeezed to the configured width. infer_rec sets ``RecResizeImg.infer_mode`` as PaddleOCR's
tools/infer_rec.py does, so with a dictionary each long line keeps its ratio: it equals the model
on those transforms one image at a time (as PaddleOCR runs them), and eval with the same
``infer_mode``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import paddle
import pytest
import yaml

from ppocr_lite import TextRecognizer
from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.data.lmdb_writer import write_lmdb
from ppocr_lite.data.transforms import apply_transforms
from ppocr_lite.deploy import engine as engine_module
from ppocr_lite.deploy.files import inference_ops
from ppocr_lite.deploy.inference import evaluate_checkpoint, infer_images
from ppocr_lite.engine.components import build_components
from ppocr_lite.engine.samples import SampleResult, read_tsv
from ppocr_lite.validate import check_config

from ..conftest import ROOT, make_labels, render_line
from .conftest import Exported

RATIOS = (15.0, 15.0, 9.0, 6.0, 4.0, 2.5)  # the model was trained at 100 / 32 = 3.1


def widened(text: str, height: int, ratio: float) -> bytes:
    """``text`` drawn at ``height``, padded with white on the right to width = ratio * height."""
    img = cv2.imdecode(np.frombuffer(render_line(text, height), np.uint8), cv2.IMREAD_COLOR)
    width = max(img.shape[1], int(ratio * height))
    out = np.full((height, width, 3), 255, np.uint8)
    out[:, : img.shape[1]] = img[:, :width]
    return cv2.imencode(".png", out)[1].tobytes()


@pytest.fixture
def lines(tmp_path: Path) -> list[tuple[bytes, str]]:
    labels = make_labels(len(RATIOS) * 2, seed=5)
    return [
        (widened(text, 32 + 8 * (i % 3), RATIOS[i % len(RATIOS)]), text)
        for i, text in enumerate(labels)
    ]


def _config(exported: Exported, tmp_path: Path, lines: list[tuple[bytes, str]]) -> dict[str, Any]:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i, (data, _) in enumerate(lines):
        (folder / f"{i:03d}.png").write_bytes(data)
    write_lmdb(tmp_path / "lmdb", lines)
    return apply_overrides(
        exported.cfg,
        [
            f"Global.infer_img={folder}",
            f"Global.save_res_path={tmp_path / 'res.txt'}",
            "Global.infer_batch_size=4",
            f"Eval.dataset.data_dir={tmp_path / 'lmdb'}",
            "Eval.loader.batch_size_per_card=5",
            "Eval.loader.num_workers=0",
        ],
    )


def _one_at_a_time(
    cfg: dict[str, Any], lines: list[tuple[bytes, str]], infer_mode: bool = False
) -> list[tuple[str, float]]:
    gcfg = check_config(cfg, "long lines", sections=(), optional=())
    parts = build_components(cfg, gcfg)
    load_weights(parts.model, gcfg.checkpoints)
    ops = inference_ops(cfg, parts.charset, gcfg, infer_mode)
    out, widths = [], []
    for data, _ in lines:
        image = apply_transforms({"image": data, "label": ""}, ops)["image"]
        widths.append(image.shape[-1])
        with paddle.no_grad():
            probs = parts.model(paddle.to_tensor(image[None]))
        out += parts.postprocess(probs.numpy())
    # Squeezed to the configured width, or (infer_mode) as wide as each line's ratio asks.
    assert (max(widths) > 100) if infer_mode else (set(widths) == {100})
    return [(text, float(score)) for text, score in out]


def _eval_infer_mode(cfg: dict[str, Any]) -> dict[str, Any]:
    """``cfg`` with ``infer_mode: true`` on the Eval section's RecResizeImg, one line per
    batch (lines of different widths do not stack)."""
    cfg = apply_overrides(cfg, ["Eval.loader.batch_size_per_card=1"])
    ops = cfg["Eval"]["dataset"]["transforms"]
    for op in ops:
        if "RecResizeImg" in op:
            op["RecResizeImg"] = {**op["RecResizeImg"], "infer_mode": True}
    return cfg


def _agree(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> None:
    assert [t for t, _ in a] == [t for t, _ in b]
    assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-4), (a, b)


def test_eval_infer_rec_and_single_images_agree_on_long_lines(
    export_cache: Callable[[str], Exported],
    lines: list[tuple[bytes, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """eval and infer_rec through the onnxruntime engine they use for real runs (the few lines
    here would otherwise keep the dygraph model, which the other tool tests run)."""
    monkeypatch.setattr(engine_module, "MIN_LINES", 0)
    caplog.set_level(logging.INFO, logger="ppocr_lite")
    cfg = _config(export_cache("crnn_mv3"), tmp_path, lines)
    gcfg = check_config(cfg, "long lines", sections=("Eval",), optional=())
    reference = _one_at_a_time(cfg, lines)
    assert len({t for t, _ in reference}) > 1  # the model reads the lines differently

    samples: list[SampleResult] = []
    evaluate_checkpoint(cfg, gcfg, samples)
    assert not any(s.skipped for s in samples)
    _agree([(s.prediction, s.score) for s in samples], reference)

    # infer_rec widens each long line alone (batches hold lines of one width only).
    widened_reference = _one_at_a_time(cfg, lines, infer_mode=True)
    inferred = [(p.text, p.score) for p in infer_images(cfg, gcfg)]
    _agree(inferred, widened_reference)
    samples = []
    cfg = _eval_infer_mode(cfg)
    evaluate_checkpoint(cfg, check_config(cfg, "long lines", ("Eval",), ()), samples)
    _agree([(s.prediction, s.score) for s in samples], widened_reference)
    assert caplog.text.count("inference engine: onnxruntime") == 3


def _tool(tool: str, *args: object) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "tools" / tool), *(str(a) for a in args)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)


def test_eval_tool_predict_rec_and_text_recognizer_agree_on_long_lines(
    export_cache: Callable[[str], Exported],
    lines: list[tuple[bytes, str]],
    tmp_path: Path,
) -> None:
    exported = export_cache("crnn_mv3")
    cfg = _config(exported, tmp_path, lines)
    reference = _one_at_a_time(cfg, lines)
    assert len({t for t, _ in reference}) > 1
    config_path = tmp_path / "config.yml"
    config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")

    tsv = tmp_path / "eval.tsv"
    proc = _tool("eval.py", "-c", config_path, "-o", f"Global.save_eval_tsv={tsv}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _agree([(s.prediction, s.score) for s in read_tsv(tsv)], reference)

    folder, res = Path(cfg["Global"]["infer_img"]), tmp_path / "predict_rec.txt"
    proc = _tool(
        "infer/predict_rec.py",
        *("--model_dir", exported.model_dir, "--image_dir", folder, "--batch_size", 4),
        *("--widen_long_lines", "false", "--save_res_path", res),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [row.split("\t") for row in res.read_text(encoding="utf-8").splitlines()]
    _agree([(row[1], float(row[2])) for row in rows], reference)

    images = sorted(folder.iterdir())
    from_dir = TextRecognizer(exported.model_dir, batch_size=4, widen_long_lines=False)
    _agree([(r.text, r.score) for r in from_dir.predict(images)], reference)
    from_ckpt = TextRecognizer.from_checkpoint(cfg, batch_size=4, widen_long_lines=False)
    _agree([(r.text, r.score) for r in from_ckpt.predict(images)], reference)
    # Without the option, a dynamic-width export widens long lines as PaddleOCR's predict_rec.
    assert TextRecognizer(exported.model_dir).pipeline.preprocess.widen
