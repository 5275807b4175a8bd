"""Every way a checkpoint enters converts PaddleOCR's MultiHead and Distillation files by itself.

The PaddleOCR-style files are made here the way PaddleOCR makes them: its DistillationModel is a
layer holding the sub-models by name (keys ``Teacher.*`` / ``Student.*``), and its optimizer is
built over ``model.parameters()`` in another process, so the automatic parameter names in the
``.pdopt`` differ from the ones the loading process gives its model (here: other layers are built
first). Entry points: ``Global.checkpoints`` and ``Global.pretrained_model`` of
``tools/train.py``, ``tools/eval.py`` / ``tools/infer_rec.py`` and ``tools/export_model.py``.
"""

from __future__ import annotations

import copy
import logging
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest
from paddle import nn

from ppocr_lite.config.load import load_config
from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.run import prepare_training
from ppocr_lite.modeling import build_model
from ppocr_lite.validate import check_config

from ..conftest import ROOT, VI_DICT

NUM_CLASSES = len(VI_DICT.read_text(encoding="utf-8").splitlines()) + 2  # + space, blank
SHAPE = [3, 32, 96]


def tiny_config(tiny: dict[str, Any], out: Path, multihead: bool) -> dict[str, Any]:
    """A small PP-OCRv3-style recognizer (MultiHead or its CTC-only twin) on the tiny LMDB."""
    name = "svtr_lcnet_multihead.yml" if multihead else "svtr_lcnet.yml"
    cfg = copy.deepcopy(load_config(ROOT / "configs" / "rec" / name))
    cfg["Global"].update(
        use_gpu=False,
        epoch_num=1,
        eval_batch_step=[1000, 1000],
        save_model_dir=str(out),
        character_dict_path=str(VI_DICT),
        save_res_path=str(out / "pred.txt"),
        save_inference_dir=str(out / "inference"),
        check_data_samples=8,
    )
    arch = cfg["Architecture"]
    arch["Backbone"]["scale"] = 0.25
    if multihead:
        arch["Head"]["head_list"][1]["SARHead"]["enc_dim"] = 32
    label = "MultiLabelEncode" if multihead else "CTCLabelEncode"
    keys = ["image", "label_ctc", "label_sar", "length", "valid_ratio"]
    for section, split in (("Train", "train"), ("Eval", "val")):
        cfg[section]["dataset"].update(data_dir=str(tiny[split]))
        cfg[section]["dataset"]["transforms"] = [
            {"DecodeImage": {"img_mode": "BGR", "channel_first": False}},
            {label: None},
            {"RecResizeImg": {"image_shape": SHAPE}},
            {"KeepKeys": {"keep_keys": keys if multihead else ["image", "label", "length"]}},
        ]
        cfg[section]["loader"].update(batch_size_per_card=4, num_workers=0)
    return cfg


class DistillationModel(nn.Layer):
    """PaddleOCR's layout: the sub-models as named sublayers, in the config's order."""

    def __init__(self, arch: dict[str, Any]) -> None:
        super().__init__()
        self.Teacher = build_model(arch, NUM_CLASSES)
        self.Student = build_model(arch, NUM_CLASSES)


def save_like_paddleocr(model: nn.Layer, prefix: Path, optimizer_params: Any = None) -> None:
    """One Adam step over ``model.parameters()``, then .pdparams / .pdopt / .states."""
    params = list(model.parameters()) if optimizer_params is None else optimizer_params
    opt = paddle.optimizer.Adam(learning_rate=0.01, parameters=params)
    loss = paddle.add_n([(p * p).sum() for p in params if not p.stop_gradient])
    loss.backward()
    opt.step()
    paddle.save(model.state_dict(), f"{prefix}.pdparams")
    paddle.save(opt.state_dict(), f"{prefix}.pdopt")
    states = {"epoch": 1, "global_step": 3, "best_model_dict": {"acc": 0.25, "best_epoch": 1}}
    Path(f"{prefix}.states").write_bytes(pickle.dumps(states, protocol=2))


@pytest.fixture()
def multihead_arch(tiny_lmdb: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return tiny_config(tiny_lmdb, tmp_path, multihead=True)["Architecture"]


def paddleocr_file(kind: str, arch: dict[str, Any], folder: Path) -> tuple[Path, nn.Layer]:
    """A PaddleOCR ``multihead`` or ``distillation`` checkpoint and its (Student) model."""
    paddle.seed(7)
    nn.Linear(3, 3)  # PaddleOCR's process numbers its layers differently
    model = DistillationModel(arch) if kind == "distillation" else build_model(arch, NUM_CLASSES)
    prefix = folder / f"paddleocr_{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    save_like_paddleocr(model, prefix)
    return prefix, model.Student if kind == "distillation" else model


def train_log(cfg: dict[str, Any]) -> str:
    return (Path(cfg["Global"]["save_model_dir"]) / "train.log").read_text(encoding="utf-8")


def assert_same_weights(model: nn.Layer, ref: dict[str, Any]) -> None:
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), np.asarray(ref[key]), err_msg=key)


def moments(optimizer: Any, model: nn.Layer) -> dict[str, np.ndarray]:
    """The loaded (not yet used) first moments, by structured parameter name."""
    holder = optimizer._accumulators_holder  # what set_state_dict stores until the next step
    params = [(k, p) for k, p in model.named_parameters() if not p.stop_gradient]
    return {k: holder[f"{p.name}_moment1_0"].numpy() for k, p in params}


def assert_trains(trainer: Any) -> None:
    """One more training step from the resumed state gives a finite loss."""
    trainer.p.train_loader.set_epoch(1)
    assert np.isfinite(float(trainer.train_step(next(iter(trainer.p.train_loader))).loss))


def ctc_only_key(key: str) -> str:
    """A MultiHead parameter name as the CTC-only model calls it."""
    return key.replace("head.ctc_encoder.", "neck.").replace("head.ctc_head.", "head.")


def test_resume_from_a_paddleocr_distillation_checkpoint_with_its_optimizer(
    tiny_lmdb: dict[str, Any], tmp_path: Path, multihead_arch: dict[str, Any]
) -> None:
    prefix, student = paddleocr_file("distillation", multihead_arch, tmp_path / "ref")
    saved_opt = paddle.load(f"{prefix}.pdopt")
    cfg = tiny_config(tiny_lmdb, tmp_path / "out", multihead=True)
    cfg["Global"]["checkpoints"] = str(prefix)
    trainer = prepare_training(cfg, parse_global(cfg["Global"]))
    model = trainer.p.components.model
    assert_same_weights(model, student.state_dict())
    assert trainer.state.global_step == 3 and trainer.state.best_metric == 0.25
    got = moments(trainer.p.bundle.optimizer, model)
    for key, param in student.named_parameters():
        if not param.stop_gradient:
            want = saved_opt[f"{param.name}_moment1_0"].numpy()
            np.testing.assert_array_equal(got[key], want, err_msg=key)
    log = train_log(cfg)
    assert "paddleocr_distillation; sub-model 'Student' picked" in log
    assert "parameters matched by checkpoint order" in log
    assert_trains(trainer)


def test_resume_a_multihead_checkpoint_in_a_ctc_only_config(
    tiny_lmdb: dict[str, Any], tmp_path: Path, multihead_arch: dict[str, Any]
) -> None:
    prefix, multi = paddleocr_file("multihead", multihead_arch, tmp_path / "ref")
    cfg = tiny_config(tiny_lmdb, tmp_path / "out", multihead=False)
    cfg["Global"]["checkpoints"] = str(prefix)
    trainer = prepare_training(cfg, parse_global(cfg["Global"]))
    model = trainer.p.components.model
    ref = multi.state_dict()
    converted = {ctc_only_key(k): v for k, v in ref.items()}
    assert_same_weights(model, converted)
    # The guide head's moments are dropped with it; the CTC branch keeps its own.
    assert "parameters matched by checkpoint order" in train_log(cfg)
    assert "head.sar_head" in train_log(cfg)
    assert_trains(trainer)


def test_an_optimizer_state_that_does_not_fit_starts_fresh_with_a_warning(
    tiny_lmdb: dict[str, Any], tmp_path: Path, multihead_arch: dict[str, Any]
) -> None:
    paddle.seed(7)
    model = build_model(multihead_arch, NUM_CLASSES)
    prefix = tmp_path / "partial"
    # An optimizer that trained only part of the model (e.g. a frozen backbone).
    save_like_paddleocr(model, prefix, [p for k, p in model.named_parameters() if "head." in k])
    cfg = tiny_config(tiny_lmdb, tmp_path / "out", multihead=True)
    cfg["Global"]["checkpoints"] = str(prefix)
    trainer = prepare_training(cfg, parse_global(cfg["Global"]))
    assert_same_weights(trainer.p.components.model, model.state_dict())
    assert "the optimizer starts fresh" in train_log(cfg)
    assert not trainer.p.bundle.optimizer._accumulators_holder
    assert_trains(trainer)


def test_pretrained_model_from_a_paddleocr_multihead_file(
    tiny_lmdb: dict[str, Any], tmp_path: Path, multihead_arch: dict[str, Any]
) -> None:
    prefix, multi = paddleocr_file("multihead", multihead_arch, tmp_path / "ref")
    cfg = tiny_config(tiny_lmdb, tmp_path / "out", multihead=False)
    cfg["Global"]["pretrained_model"] = str(prefix)
    trainer = prepare_training(cfg, parse_global(cfg["Global"]))
    assert trainer.state.global_step == 0
    want = trainer.p.components.model.state_dict()
    for key, value in multi.state_dict().items():
        ours = ctc_only_key(key)
        if ours in want:
            np.testing.assert_array_equal(want[ours].numpy(), value.numpy(), err_msg=key)
    assert "paddleocr_multihead" in train_log(cfg) and "loaded 0 tensors" not in train_log(cfg)


def test_eval_and_infer_convert_a_distillation_file(
    tiny_lmdb: dict[str, Any],
    tmp_path: Path,
    multihead_arch: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ppocr_lite.deploy.inference import evaluate_checkpoint, infer_images

    prefix, _ = paddleocr_file("distillation", multihead_arch, tmp_path / "ref")
    cfg = tiny_config(tiny_lmdb, tmp_path / "out", multihead=False)
    image = tmp_path / "line.jpg"
    from ..conftest import render_line

    image.write_bytes(render_line("xin chào"))
    cfg["Global"].update(checkpoints=str(prefix), infer_img=str(image))
    gcfg = check_config(cfg, "test", sections=("Eval",))
    with caplog.at_level(logging.INFO, logger="ppocr_lite"):
        figures = evaluate_checkpoint(cfg, gcfg)
        (pred,) = infer_images(cfg, gcfg)
    assert figures["samples"] == len(tiny_lmdb["val_labels"]) and not pred.error
    lines = [r.getMessage() for r in caplog.records if "converted to this model" in r.getMessage()]
    assert len(lines) == 2 and "'Student' picked" in lines[0] and "Teacher" in lines[0]


def test_export_converts_a_multihead_file(
    tiny_lmdb: dict[str, Any], tmp_path: Path, multihead_arch: dict[str, Any]
) -> None:
    from ppocr_lite.deploy.export import export_model

    prefix, _ = paddleocr_file("multihead", multihead_arch, tmp_path / "ref")
    cfg = tiny_config(tiny_lmdb, tmp_path / "out", multihead=False)
    cfg["Global"]["checkpoints"] = str(prefix)
    result = export_model(cfg, check_config(cfg, "test", sections=(), optional=()))
    assert result.max_abs_diff < 1e-4 and (result.model_dir / "inference.pdiparams").is_file()


def test_own_checkpoint_resumes_its_optimizer_in_a_process_that_numbered_layers_anew(
    tmp_path: Path, multihead_arch: dict[str, Any]
) -> None:
    from ppocr_lite.checkpoint.manager import CheckpointManager
    from ppocr_lite.checkpoint.state import TrainState

    paddle.seed(3)
    model = build_model(multihead_arch, NUM_CLASSES)
    opt = paddle.optimizer.Adam(learning_rate=0.01, parameters=model.parameters())
    paddle.add_n([(p * p).sum() for p in model.parameters() if not p.stop_gradient]).backward()
    opt.step()
    CheckpointManager(tmp_path).save("latest", model, opt, TrainState(global_step=1))
    again = build_model(multihead_arch, NUM_CLASSES)  # other automatic parameter names
    assert {p.name for p in again.parameters()} != {p.name for p in model.parameters()}
    opt2 = paddle.optimizer.Adam(learning_rate=0.01, parameters=again.parameters())
    CheckpointManager(tmp_path).resume(tmp_path / "latest", again, opt2)
    want = {
        k: opt.state_dict()[f"{p.name}_moment1_0"].numpy()
        for k, p in model.named_parameters()
        if not p.stop_gradient
    }
    got = moments(opt2, again)
    assert got.keys() == want.keys()
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    paddle.add_n([(p * p).sum() for p in again.parameters() if not p.stop_gradient]).backward()
    opt2.step()  # Paddle refuses a state without every parameter's name: it must have them
