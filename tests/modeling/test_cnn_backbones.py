"""MobileNetV1Enhance, PPLCNetV3 and ResNet-vd: PaddleOCR parameter counts, names and shapes.

The full-model counts are PaddleOCR 2.9.1's (``shared/reference/paddleocr_param_counts.md``,
218 classes). The backbone-only counts are those totals minus the neck and head, worked out by
hand from PaddleOCR's layer definitions (e.g. CRNN: 24,573,882 - 3,153,920 BiLSTM - 111,834 FC).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling import build_model, count_parameters
from ppocr_lite.registry import BACKBONES

NUM_CLASSES = 218
HAS_SVTR_NECK = importlib.util.find_spec("ppocr_lite.modeling.necks.svtr_encoder") is not None

RESNET34 = {"name": "ResNet", "layers": 34}
MV1_ENHANCE = {
    "name": "MobileNetV1Enhance",
    "scale": 0.5,
    "last_conv_stride": [1, 2],
    "last_pool_type": "avg",
}
LCNET_V3 = {"name": "PPLCNetV3", "scale": 0.95}

CRNN_RESNET34 = {
    "model_type": "rec",
    "algorithm": "CRNN",
    "Transform": None,
    "Backbone": RESNET34,
    "Neck": {"name": "SequenceEncoder", "encoder_type": "rnn", "hidden_size": 256},
    "Head": {"name": "CTCHead", "fc_decay": 4.0e-05},
}
SVTR_LCNET_V3 = {
    "model_type": "rec",
    "algorithm": "SVTR_LCNet",
    "Transform": None,
    "Backbone": MV1_ENHANCE,
    "Neck": {
        "name": "SequenceEncoder",
        "encoder_type": "svtr",
        "dims": 64,
        "depth": 2,
        "hidden_dims": 120,
        "use_guide": True,
    },
    "Head": {"name": "CTCHead", "fc_decay": 1.0e-05},
}
SVTR_LCNET_V4 = {
    "model_type": "rec",
    "algorithm": "SVTR_LCNet",
    "Transform": None,
    "Backbone": LCNET_V3,
    "Neck": {
        "name": "SequenceEncoder",
        "encoder_type": "svtr",
        "dims": 120,
        "depth": 2,
        "hidden_dims": 120,
        "kernel_size": [1, 3],
        "use_guide": True,
    },
    "Head": {"name": "CTCHead", "fc_decay": 1.0e-05},
}
needs_svtr_neck = pytest.mark.skipif(not HAS_SVTR_NECK, reason="svtr neck not written yet")


def _image(shape: tuple[int, ...]) -> paddle.Tensor:
    return paddle.to_tensor(np.random.default_rng(0).standard_normal(shape).astype("float32"))


@pytest.fixture(scope="module")
def resnet34() -> Any:
    return BACKBONES.build(RESNET34, in_channels=3)


@pytest.fixture(scope="module")
def mv1_enhance() -> Any:
    return BACKBONES.build(MV1_ENHANCE, in_channels=3)


@pytest.fixture(scope="module")
def lcnet_v3() -> Any:
    return BACKBONES.build(LCNET_V3, in_channels=3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("resnet34", 21_308_128), ("mv1_enhance", 1_016_160), ("lcnet_v3", 4_891_620)],
)
def test_backbone_parameter_count(name: str, expected: int, request: Any) -> None:
    assert count_parameters(request.getfixturevalue(name)) == expected


@pytest.mark.parametrize(
    ("name", "shape", "expected"),
    [
        ("resnet34", (2, 3, 32, 100), [2, 512, 1, 25]),
        ("mv1_enhance", (2, 3, 48, 320), [2, 512, 1, 40]),
        ("lcnet_v3", (2, 3, 48, 320), [2, 480, 1, 40]),
    ],
)
@pytest.mark.parametrize("training", [True, False])
def test_backbone_forward_shape(
    name: str, shape: tuple[int, ...], expected: list[int], training: bool, request: Any
) -> None:
    backbone = request.getfixturevalue(name)
    if not training:
        backbone.eval()
    with paddle.no_grad():
        y = backbone(_image(shape))
    backbone.train()
    assert list(y.shape) == expected
    assert expected[1] == backbone.out_channels


# Keys and shapes read off PaddleOCR's rec_resnet_vd.py, rec_mv1_enhance.py and rec_lcnetv3.py.
KEYS: dict[str, dict[str, list[int]]] = {
    "resnet34": {
        "conv1_1._conv.weight": [32, 3, 3, 3],
        "conv1_3._batch_norm._variance": [64],
        "bb_0_0.short._conv.weight": [64, 64, 1, 1],
        "bb_1_0.short._conv.weight": [128, 64, 1, 1],
        "bb_2_5.conv1._batch_norm.weight": [256],
        "bb_3_2.conv0._conv.weight": [512, 512, 3, 3],
    },
    "mv1_enhance": {
        "conv1._conv.weight": [16, 3, 3, 3],
        "conv1._batch_norm._mean": [16],
        "block_list.0._depthwise_conv._conv.weight": [16, 1, 3, 3],
        "block_list.0._pointwise_conv._batch_norm.bias": [32],
        "block_list.6._depthwise_conv._conv.weight": [256, 1, 5, 5],
        "block_list.11._se.conv1.weight": [64, 256, 1, 1],
        "block_list.12._se.conv2.bias": [512],
        "block_list.12._pointwise_conv._conv.weight": [512, 512, 1, 1],
    },
    "lcnet_v3": {
        "conv1.conv.weight": [16, 3, 3, 3],
        "conv1.bn._mean": [16],
        "blocks2.0.dw_conv.identity._variance": [16],
        "blocks2.0.dw_conv.conv_kxk.3.conv.weight": [16, 1, 3, 3],
        "blocks2.0.dw_conv.conv_1x1.bn.weight": [16],
        "blocks2.0.dw_conv.lab.scale": [1],
        "blocks2.0.dw_conv.act.lab.bias": [1],
        "blocks2.0.pw_conv.conv_kxk.0.conv.weight": [32, 16, 1, 1],
        "blocks6.0.se.conv1.weight": [60, 240, 1, 1],
        "blocks6.3.pw_conv.identity.weight": [480],
    },
}
ABSENT = {
    "resnet34": ["bb_0_1.short._conv.weight", "bb_1_0.conv2._conv.weight"],
    "mv1_enhance": ["block_list.10._se.conv1.weight"],
    "lcnet_v3": [
        "blocks2.0.pw_conv.conv_1x1.conv.weight",  # 1x1 layers have no extra 1x1 branch
        "blocks2.0.pw_conv.identity.weight",  # 16 -> 32 channels
        "blocks4.0.dw_conv.identity.weight",  # stride (2, 1)
    ],
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_state_dict_names_and_shapes(name: str, request: Any) -> None:
    state = request.getfixturevalue(name).state_dict()
    shapes = {key: list(state[key].shape) for key in KEYS[name] if key in state}
    assert shapes == KEYS[name]
    assert not [key for key in ABSENT[name] if key in state]


def test_resnet50_uses_bottlenecks() -> None:
    backbone = BACKBONES.build({"name": "ResNet", "layers": 50}, in_channels=3)
    state = backbone.state_dict()
    assert backbone.out_channels == 2048
    assert list(state["bb_0_0.conv2._conv.weight"].shape) == [256, 64, 1, 1]
    assert list(state["bb_3_0.short._conv.weight"].shape) == [2048, 1024, 1, 1]


def test_lcnet_v3_net_config_from_yaml_lists_matches_default() -> None:
    rows = [[3, 16, 32, 1, False]]
    table = {
        "blocks2": rows,
        "blocks3": [[3, 32, 64, 1, False], [3, 64, 64, 1, False]],
        "blocks4": [[3, 64, 128, [2, 1], False], [3, 128, 128, 1, False]],
        "blocks5": [[3, 128, 256, [1, 2], False]] + [[5, 256, 256, 1, False]] * 4,
        "blocks6": [
            [5, 256, 512, [2, 1], True],
            [5, 512, 512, 1, True],
            [5, 512, 512, [2, 1], False],
            [5, 512, 512, 1, False],
        ],
    }
    small = {"name": "PPLCNetV3", "scale": 0.5}
    default = BACKBONES.build(small, in_channels=3)
    custom = BACKBONES.build({**small, "net_config": table}, in_channels=3)
    assert count_parameters(custom) == count_parameters(default)
    assert custom.state_dict().keys() == default.state_dict().keys()


@pytest.mark.parametrize(
    "block",
    [
        {"name": "ResNet", "layers": 42},
        {"name": "MobileNetV1Enhance", "last_pool_type": "mean"},
        {"name": "PPLCNetV3", "det": True},
        {"name": "PPLCNetV3", "lr_mult_list": [1.0, 1.0]},
        {"name": "PPLCNetV3", "net_config": {"blocks2": [[3, 16, 32, 1, False]]}},
    ],
)
def test_bad_options_raise_config_error(block: dict) -> None:
    with pytest.raises(ConfigError):
        BACKBONES.build(block, in_channels=3)


@pytest.mark.parametrize(
    ("arch", "shape", "expected", "steps"),
    [
        pytest.param(CRNN_RESNET34, (2, 3, 32, 100), 24_573_882, 25, id="crnn-resnet34"),
        pytest.param(
            SVTR_LCNET_V3, (2, 3, 48, 320), 2_223_210, 40, id="svtr-lcnet-v3", marks=needs_svtr_neck
        ),
        pytest.param(
            SVTR_LCNET_V4, (2, 3, 48, 320), 5_484_158, 40, id="svtr-lcnet-v4", marks=needs_svtr_neck
        ),
    ],
)
def test_full_model_matches_paddleocr(
    arch: dict, shape: tuple[int, ...], expected: int, steps: int
) -> None:
    model = build_model(arch, num_classes=NUM_CLASSES)
    assert count_parameters(model) == expected
    backbone_keys = {f"backbone.{key}" for key in model.backbone.state_dict()}
    assert backbone_keys <= model.state_dict().keys()
    y = model(_image(shape))
    assert list(y.shape) == [2, steps, NUM_CLASSES]
    assert bool(paddle.isfinite(y).all())
