"""PP-OCRv3-style MultiHead: export keeps the CTC branch only, and ONNX agrees with Paddle."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import paddle
import pytest

from ppocr_lite import TextRecognizer
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.deploy.export import export_model
from ppocr_lite.deploy.spec import read_spec
from ppocr_lite.engine.components import build_components
from ppocr_lite.validate import check_config

from ..conftest import ROOT, VI_DICT
from .conftest import backend_logit_gap, line_images, make_decisive

SHAPE = (3, 48, 320)


class _CtcBranch(paddle.nn.Layer):
    """The inference path of a MultiHead model, callable in train mode (for BN calibration)."""

    def __init__(self, model: paddle.nn.Layer) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        head = self.model.head
        return head.ctc_head(head.ctc_encoder(self.model.backbone(x)))


@pytest.fixture(scope="module")
def multihead(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, paddle.nn.Layer]:
    """A decisive SVTR-LCNet MultiHead (CTC + SAR guide) checkpoint and its export folder."""
    pytest.importorskip("paddle2onnx")
    pytest.importorskip("onnxruntime")
    out = tmp_path_factory.mktemp("multihead")
    cfg = copy.deepcopy(load_config(ROOT / "configs" / "rec" / "svtr_lcnet_multihead.yml"))
    cfg = apply_overrides(
        cfg,
        [
            "Global.use_gpu=false",
            f"Global.character_dict_path={VI_DICT}",
            f"Global.save_model_dir={out}",
            f"Global.save_inference_dir={out / 'inference'}",
            "Architecture.Head.head_list.1.SARHead.enc_dim=64",
        ],
    )
    gcfg = check_config(cfg, "multihead", sections=(), optional=())
    paddle.set_device("cpu")
    paddle.seed(0)
    parts = build_components(cfg, gcfg)
    make_decisive(_CtcBranch(parts.model), SHAPE)
    parts.model.eval()
    CheckpointManager(out).save("latest", parts.model, None, TrainState())
    cfg = apply_overrides(cfg, [f"Global.checkpoints={out / 'latest'}"])
    result = export_model(cfg, check_config(cfg, "multihead", sections=(), optional=()))
    assert result.max_abs_diff < 1e-4
    from ppocr_lite.deploy.onnx_backend import export_onnx

    export_onnx(result.model_dir)
    return cfg, result.model_dir, parts.model


def test_export_keeps_only_the_ctc_branch(multihead: tuple[dict, Path, paddle.nn.Layer]) -> None:
    _, model_dir, model = multihead
    sizes = {name: int(np.prod(p.shape)) for name, p in model.named_parameters()}
    sar = sum(n for name, n in sizes.items() if ".sar_head." in name)
    ctc = sum(sizes.values()) - sar
    assert sar > 0
    spec = read_spec(model_dir)
    assert spec.postprocess == "CTCLabelDecode" and spec.num_classes == 244
    loaded = paddle.jit.load(str(model_dir / "inference"))
    exported = sum(int(np.prod(p.shape)) for p in loaded.parameters())
    assert exported == ctc, f"exported {exported} values, CTC branch {ctc}, SAR guide {sar}"


def test_multihead_onnx_and_paddle_agree(multihead: tuple[dict, Path, paddle.nn.Layer]) -> None:
    _, model_dir, _ = multihead
    images = line_images(40, seed=11)
    worst = backend_logit_gap(model_dir, images, 8)
    assert worst <= 1e-3
    paddle_out = TextRecognizer(model_dir, batch_size=8).predict(images)
    onnx_out = TextRecognizer(model_dir, backend="onnx", batch_size=8).predict(images)
    same = sum(a.text == b.text for a, b in zip(paddle_out, onnx_out, strict=True))
    assert same / len(images) >= 0.995
    assert (
        len({r.text for r in paddle_out}) >= 10
    )  # input-dependent strings: parity means something


def test_multihead_checkpoint_and_export_predict_the_same(
    multihead: tuple[dict, Path, paddle.nn.Layer], tmp_path: Path
) -> None:
    import yaml

    cfg, model_dir, _ = multihead
    config_path = tmp_path / "multihead.yml"
    config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    images = line_images(24, seed=5)
    from_dir = TextRecognizer(model_dir, batch_size=8).predict(images)
    from_ckpt = TextRecognizer.from_checkpoint(config_path, batch_size=8).predict(images)
    assert [r.text for r in from_dir] == [r.text for r in from_ckpt]
