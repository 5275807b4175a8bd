"""The static graph that eval.py and infer_rec.py run: same output as dygraph, cached, fallbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import paddle
import pytest
from paddle import nn

from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.deploy.static import ModelRunner, dygraph_runner, static_runner
from ppocr_lite.engine.components import Components, build_components
from ppocr_lite.validate import check_config

from .conftest import Exported, fixed_batch


def components_of(exported: Exported) -> Components:
    cfg = exported.cfg
    parts = build_components(cfg, check_config(cfg, exported.name, sections=(), optional=()))
    load_weights(parts.model, exported.checkpoint)
    parts.model.eval()
    return parts


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PPOCR_LITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PPOCR_LITE_DYGRAPH", raising=False)
    return tmp_path / "cache"


def test_static_graph_gives_the_dygraph_strings(
    exported: Exported, images: list[bytes], cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    parts = components_of(exported)
    batch = fixed_batch(images)
    want = dygraph_runner(parts.model)(batch)
    with caplog.at_level(logging.INFO, logger="ppocr_lite"):
        run = ModelRunner(parts.model)
        got = run(batch)
        assert run.static is not None and "static graph" in caplog.text
        np.testing.assert_allclose(got, want, atol=1e-4)
        assert [t for t, _ in parts.postprocess(got)] == [t for t, _ in parts.postprocess(want)]
        # The model itself is left a dygraph layer.
        assert isinstance(parts.model(paddle.to_tensor(batch[:1])), paddle.Tensor)
        assert "forward" not in parts.model.__dict__
        caplog.clear()
        again = ModelRunner(parts.model)
        np.testing.assert_allclose(again(batch), got, atol=1e-6)
    assert "from the cache" in caplog.text and len(list(cache_dir.iterdir())) == 1


def test_batches_of_another_width_run_in_dygraph(
    export_cache: Callable[[str], Exported], images: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = components_of(export_cache("svtr_tiny"))  # SVTRNet: the width is fixed
    run = ModelRunner(parts.model)
    run(fixed_batch(images, 2))
    assert run.static is not None and run.width == 100
    calls: list[int] = []
    dygraph = run.dygraph
    monkeypatch.setattr(run, "dygraph", lambda b: calls.append(b.shape[-1]) or dygraph(b))
    with pytest.raises(Exception):  # noqa: B017 - SVTRNet itself refuses another width
        run(np.zeros((1, 3, 32, 60), np.float32))
    assert calls == [60]


class DictModel(nn.Layer):
    """A model whose eval output is not one tensor (e.g. an attention head's dict)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(100, 5)

    def forward(self, x: paddle.Tensor) -> dict[str, paddle.Tensor]:
        return {"logits": self.fc(x.mean(axis=[1, 2]))}


def test_models_without_a_single_tensor_output_stay_in_dygraph() -> None:
    x = np.random.default_rng(0).random((2, 3, 32, 100)).astype("float32")
    model = DictModel()
    assert static_runner(model, x, dynamic_width=False) is None
    out = ModelRunner(model)(x)
    assert isinstance(out, dict) and tuple(out["logits"].shape) == (2, 5)


class TensorModel(DictModel):
    def forward(self, x: paddle.Tensor) -> paddle.Tensor:  # type: ignore[override]
        return nn.functional.softmax(self.fc(x.mean(axis=[1, 2])), axis=-1)


def test_no_cache_when_asked(cache_dir: Path) -> None:
    x = np.random.default_rng(0).random((2, 3, 32, 100)).astype("float32")
    model = TensorModel()
    model.eval()
    run = static_runner(model, x, dynamic_width=False, cache=False)
    assert run is not None and not cache_dir.exists()
    np.testing.assert_allclose(run(x), dygraph_runner(model)(x), atol=1e-6)


def test_dygraph_can_be_forced(
    export_cache: Callable[[str], Exported], images: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPOCR_LITE_DYGRAPH", "1")
    run = ModelRunner(components_of(export_cache("crnn_mv3")).model)
    run(fixed_batch(images, 2))
    assert run.static is None


def test_infer_images_static_matches_dygraph(
    export_cache: Callable[[str], Exported],
    images: list[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ppocr_lite.engine.inference import infer_images

    exported = export_cache("crnn_mv3")
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i, data in enumerate(images[:20]):
        (folder / f"{i:02d}.jpg").write_bytes(data)
    (folder / "broken.jpg").write_bytes(b"not an image")
    cfg = dict(exported.cfg)
    results = {}
    for mode in ("0", "1"):
        monkeypatch.setenv("PPOCR_LITE_DYGRAPH", mode)
        out = tmp_path / f"res_{mode}.txt"
        cfg["Global"] = {
            **exported.cfg["Global"],
            "checkpoints": str(exported.checkpoint),
            "infer_img": str(folder),
            "save_res_path": str(out),
            "infer_batch_size": 8,
        }
        preds = infer_images(cfg, check_config(cfg, "infer", sections=(), optional=()))
        results[mode] = out.read_text(encoding="utf-8").splitlines()
        assert [p.path.name for p in preds] == sorted(p.name for p in folder.iterdir())
        assert preds[-1].error and all(not p.error for p in preds[:-1])
    static, dygraph = ([row.split("\t") for row in rows] for rows in results.values())
    assert [r[:2] for r in static] == [r[:2] for r in dygraph]  # paths and strings
    assert max(abs(float(a[2]) - float(b[2])) for a, b in zip(static, dygraph, strict=True)) < 1e-5


def test_evaluate_with_the_static_runner_gives_the_same_figures(
    export_cache: Callable[[str], Exported], images: list[bytes]
) -> None:
    from ppocr_lite.data.batch import Batch
    from ppocr_lite.engine.evaluator import evaluate

    parts = components_of(export_cache("crnn_mv3"))
    batch = fixed_batch(images, 16)
    texts = [t for t, _ in parts.postprocess(dygraph_runner(parts.model)(batch))]
    texts[:4] = ["x"] * 4  # some wrong: the figures are not trivial
    loader = [
        Batch({"image": paddle.to_tensor(batch[i : i + 8]), "text": texts[i : i + 8]})
        for i in (0, 8)
    ]
    plain = evaluate(parts.model, loader, parts.postprocess, parts.metric)
    fast = evaluate(parts.model, loader, parts.postprocess, parts.metric, ModelRunner(parts.model))
    assert fast["samples"] == plain["samples"] == 16 and plain["acc"] == pytest.approx(0.75)
    for key in ("acc", "norm_edit_dis"):
        assert fast[key] == pytest.approx(plain[key])
