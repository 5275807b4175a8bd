"""SVTR backbone and SVTR neck: PaddleOCR parameter counts, checkpoint key names, shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling import build_model, count_parameters
from ppocr_lite.modeling.backbones.svtrnet import SVTRNet
from ppocr_lite.modeling.layers import (
    Attention,
    AttentionConfig,
    DropPath,
    LocalWindow,
    local_attention_mask,
)
from ppocr_lite.modeling.necks.sequence_encoder import SequenceEncoder

NUM_CLASSES = 218  # 216 characters + space + blank, as in the reference counts


def svtr_arch(
    embed_dim: list[int], depth: list[int], num_heads: list[int], n_local: int, out_channels: int
) -> dict[str, Any]:
    """The SVTR Architecture blocks of /work/shared/reference/paddleocr_param_counts.md."""
    backbone = {
        "name": "SVTRNet",
        "img_size": [32, 100],
        "out_char_num": 25,
        "out_channels": out_channels,
        "patch_merging": "Conv",
        "embed_dim": embed_dim,
        "depth": depth,
        "num_heads": num_heads,
        "mixer": ["Local"] * n_local + ["Global"] * (sum(depth) - n_local),
        "local_mixer": [[7, 11], [7, 11], [7, 11]],
        "last_stage": True,
        "prenorm": False,
    }
    return {
        "model_type": "rec",
        "algorithm": "SVTR",
        "Transform": None,
        "Backbone": backbone,
        "Neck": {"name": "SequenceEncoder", "encoder_type": "reshape"},
        "Head": {"name": "CTCHead"},
    }


TINY = svtr_arch([64, 128, 256], [3, 6, 3], [2, 4, 8], 6, 192)

# Trainable parameters of PaddleOCR 2.9.1's models built from the same blocks.
PADDLEOCR_COUNTS = {
    "tiny": (TINY, 4_202_778),
    "small": (svtr_arch([96, 192, 256], [3, 6, 6], [3, 6, 8], 8, 192), 8_507_002),
    "base": (svtr_arch([128, 256, 384], [3, 6, 9], [4, 8, 12], 8, 256), 22_741_850),
    "large": (svtr_arch([192, 256, 512], [3, 9, 9], [6, 8, 16], 10, 384), 38_927_514),
}


@pytest.fixture(scope="module")
def tiny() -> paddle.nn.Layer:
    return build_model(TINY, num_classes=NUM_CLASSES)


@pytest.mark.parametrize("size", list(PADDLEOCR_COUNTS))
def test_parameter_count_matches_paddleocr(size: str) -> None:
    arch, expected = PADDLEOCR_COUNTS[size]
    assert count_parameters(build_model(arch, num_classes=NUM_CLASSES)) == expected


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_forward_shape_and_finite(tiny: paddle.nn.Layer, mode: str) -> None:
    getattr(tiny, mode)()
    with paddle.no_grad():
        out = tiny(paddle.rand([2, 3, 32, 100]))
    assert list(out.shape) == [2, 25, NUM_CLASSES]
    assert bool(paddle.isfinite(out).all())
    tiny.train()


def test_backbone_output_shape() -> None:
    backbone = SVTRNet(out_channels=192, out_char_num=25)
    assert backbone.out_channels == 192
    assert list(backbone(paddle.rand([2, 3, 32, 100])).shape) == [2, 192, 1, 25]


def test_state_dict_keys_follow_paddleocr(tiny: paddle.nn.Layer) -> None:
    shapes = {k: list(v.shape) for k, v in tiny.state_dict().items()}
    expected = {
        "backbone.pos_embed": [1, 200, 64],
        "backbone.patch_embed.proj.0.conv.weight": [32, 3, 3, 3],
        "backbone.patch_embed.proj.0.conv.bias": [32],
        "backbone.patch_embed.proj.0.norm._mean": [32],
        "backbone.patch_embed.proj.1.norm._variance": [64],
        "backbone.blocks1.0.norm1.weight": [64],
        "backbone.blocks1.0.mixer.qkv.weight": [64, 192],
        "backbone.blocks1.0.mixer.qkv.bias": [192],
        "backbone.blocks1.0.mixer.proj.weight": [64, 64],
        "backbone.blocks1.2.mlp.fc1.weight": [64, 256],
        "backbone.blocks1.2.mlp.fc2.bias": [64],
        "backbone.sub_sample1.conv.weight": [128, 64, 3, 3],
        "backbone.sub_sample1.norm.weight": [128],
        "backbone.blocks2.5.norm2.bias": [128],
        "backbone.sub_sample2.conv.bias": [256],
        "backbone.blocks3.2.mixer.qkv.weight": [256, 768],
        "backbone.norm.weight": [256],
        "backbone.last_conv.weight": [192, 256, 1, 1],
        "head.fc.weight": [192, NUM_CLASSES],
    }
    assert {k: shapes.get(k) for k in expected} == expected
    assert "backbone.last_conv.bias" not in shapes
    assert not [k for k in shapes if "mask" in k]  # local masks are rebuilt, never saved
    # PaddleOCR's SVTRNet state dict for this block has exactly 168 entries.
    assert sum(k.startswith("backbone.") for k in shapes) == 168


def _brute_force_mask(h: int, w: int, kh: int, kw: int) -> np.ndarray:
    # Definition: query (i, j) may see key (y, x) when the kh x kw window placed at the
    # padded position of (i, j) covers it.
    mask = np.full((h * w, h * w), -np.inf, dtype=np.float32)
    for i in range(h):
        for j in range(w):
            for y in range(max(0, i - kh // 2), min(h, i - kh // 2 + kh)):
                for x in range(max(0, j - kw // 2), min(w, j - kw // 2 + kw)):
                    mask[i * w + j, y * w + x] = 0.0
    return mask


@pytest.mark.parametrize("kernel", [(7, 11), (3, 3), (4, 6)])
def test_local_attention_mask(kernel: tuple[int, int]) -> None:
    mask = local_attention_mask(LocalWindow((4, 9), kernel)).numpy()
    assert mask.shape == (1, 1, 36, 36)
    np.testing.assert_array_equal(mask[0, 0], _brute_force_mask(4, 9, *kernel))


@pytest.mark.parametrize("merging", ["Conv", "Pool", None])
def test_patch_merging_variants(merging: str | None) -> None:
    dims = [32, 64, 96] if merging else [32, 32, 32]
    mixer = ["Local", "Conv", "Global"]
    backbone = SVTRNet(
        embed_dim=dims, depth=[1, 1, 1], num_heads=[2, 2, 2], mixer=mixer, patch_merging=merging
    )
    out = backbone(paddle.rand([1, 3, 32, 100]))
    assert list(out.shape) == [1, 192, 1, 25]


def test_yaml_layer_strings_map_to_classes() -> None:
    backbone = SVTRNet(depth=[1, 1, 1], mixer=["Global"] * 3, act="nn.Swish")
    assert isinstance(backbone.blocks1[0].mlp.act, paddle.nn.Swish)
    with pytest.raises(ConfigError, match="act"):
        SVTRNet(depth=[1, 1, 1], mixer=["Global"] * 3, act="__import__('os')")


def test_bad_config_and_input_size_raise() -> None:
    with pytest.raises(ConfigError, match="mixer"):
        SVTRNet(depth=[3, 6, 3], mixer=["Local"] * 5)
    with pytest.raises(ConfigError, match="mixer"):
        SVTRNet(depth=[1, 1, 1], mixer=["Local", "Global", "Diagonal"])
    backbone = SVTRNet(depth=[1, 1, 1], mixer=["Global"] * 3)
    with pytest.raises(ValueError, match="img_size"):
        backbone(paddle.rand([1, 3, 48, 320]))


def test_drop_path_only_in_training() -> None:
    layer = DropPath(0.5)
    x = paddle.ones([64, 4])
    layer.eval()
    assert bool((layer(x) == x).all())
    layer.train()
    rows = layer(x).numpy()[:, 0]
    assert set(rows.tolist()) <= {0.0, 2.0}  # dropped, or kept and rescaled by 1 / keep_prob


def _svtr_neck(**kwargs: Any) -> SequenceEncoder:
    return SequenceEncoder(512, "svtr", dims=64, depth=2, hidden_dims=120, use_guide=True, **kwargs)


def test_svtr_neck_parameter_names() -> None:
    shapes = {k: list(v.shape) for k, v in _svtr_neck().state_dict().items()}
    prefixes = {k.split(".")[1] for k in shapes}
    assert prefixes == {"conv1", "conv2", "svtr_block", "norm", "conv3", "conv4", "conv1x1"}
    expected = {
        "encoder.conv1.conv.weight": [64, 512, 3, 3],
        "encoder.conv1.norm._mean": [64],
        "encoder.conv2.conv.weight": [120, 64, 1, 1],
        "encoder.svtr_block.0.norm1.weight": [120],
        "encoder.svtr_block.0.mixer.qkv.weight": [120, 360],
        "encoder.svtr_block.0.mixer.qkv.bias": [360],
        "encoder.svtr_block.1.mixer.proj.weight": [120, 120],
        "encoder.svtr_block.1.mlp.fc1.weight": [120, 240],
        "encoder.svtr_block.1.mlp.fc2.weight": [240, 120],
        "encoder.norm.weight": [120],
        "encoder.conv3.conv.weight": [512, 120, 1, 1],
        "encoder.conv4.conv.weight": [64, 1024, 3, 3],
        "encoder.conv1x1.conv.weight": [64, 64, 1, 1],
        "encoder.conv1x1.norm._variance": [64],
    }
    assert {k: shapes.get(k) for k in expected} == expected
    assert not [k for k in shapes if k.endswith("conv.bias")]  # the neck's convs have no bias
    assert len(shapes) == 51


def test_svtr_neck_kernel_size_and_forward() -> None:
    neck = _svtr_neck(kernel_size=[1, 3])
    shapes = {k: list(v.shape) for k, v in neck.state_dict().items()}
    assert shapes["encoder.conv1.conv.weight"] == [64, 512, 1, 3]
    assert shapes["encoder.conv4.conv.weight"] == [64, 1024, 1, 3]
    x = paddle.rand([2, 512, 1, 40])
    x.stop_gradient = False
    out = neck(x)
    assert neck.out_channels == 64
    assert list(out.shape) == [2, 40, 64]
    out.mean().backward()
    assert x.grad is None  # use_guide: no gradient flows back into the backbone


@pytest.mark.parametrize("qkv_bias", [True, False])
@pytest.mark.parametrize("window", [None, LocalWindow((2, 5), (3, 3))])
def test_attention_gives_the_same_in_training_and_inference_form(
    qkv_bias: bool, window: LocalWindow | None
) -> None:
    """Inference projects q, k and v separately (no 5-D transpose in the exported graph);
    with the same weights the result equals the fused projection of training."""
    paddle.seed(3)
    layer = Attention(24, AttentionConfig(num_heads=3, qkv_bias=qkv_bias), window)
    if qkv_bias:
        layer.qkv.bias.set_value(paddle.rand([72]))
    x = paddle.rand([2, 10, 24])
    layer.train()  # no dropout configured: training differs only in the form
    fused = layer(x).numpy()
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), fused, rtol=1e-5, atol=1e-6)
