"""TextRecognizer.from_checkpoint decodes with the config's registered post-process, so a model
that is not CTC (PARSeq) is served too, giving what the model gives on the Eval transforms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import paddle

from ppocr_lite import TextRecognizer
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.data.transforms import apply_transforms
from ppocr_lite.deploy.files import inference_ops
from ppocr_lite.engine.components import build_components
from ppocr_lite.validate import check_config

from ..conftest import ROOT, VI_DICT, make_labels, render_line


def test_a_parseq_checkpoint_is_served(tmp_path: Path) -> None:
    cfg = apply_overrides(
        load_config(ROOT / "configs" / "rec" / "parseq.yml"),
        ["Global.use_gpu=false", f"Global.character_dict_path={VI_DICT}"],
    )
    gcfg = check_config(cfg, "parseq", sections=(), optional=())
    paddle.set_device("cpu")
    paddle.seed(0)
    parts = build_components(cfg, gcfg)
    CheckpointManager(tmp_path).save("latest", parts.model, None, TrainState())
    images = [render_line(text, height=32) for text in make_labels(6, seed=3)]

    got = TextRecognizer.from_checkpoint(cfg, tmp_path / "latest", batch_size=4).predict(images)

    parts.model.eval()
    ops = inference_ops(cfg, parts.charset, gcfg)
    want = []
    for data in images:
        image = apply_transforms({"image": data, "label": ""}, ops)["image"]
        with paddle.no_grad():
            want += parts.postprocess(parts.model(paddle.to_tensor(image[None])))
    assert [r.text for r in got] == [text for text, _ in want] and all(r.text for r in got)
    assert np.allclose([r.score for r in got], [float(s) for _, s in want], atol=1e-4)
