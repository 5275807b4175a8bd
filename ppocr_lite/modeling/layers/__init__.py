"""Building blocks shared by backbones, necks and heads."""

from __future__ import annotations

from ppocr_lite.modeling.layers.attention import (
    Attention,
    AttentionConfig,
    ConvMixer,
    LocalWindow,
    local_attention_mask,
)
from ppocr_lite.modeling.layers.conv_bn import ConvBNAct, make_divisible
from ppocr_lite.modeling.layers.conv_norm import ConvNormAct
from ppocr_lite.modeling.layers.drop_path import DropPath
from ppocr_lite.modeling.layers.mlp import Mlp
from ppocr_lite.modeling.layers.patch_embed import PatchEmbed, SubSample
from ppocr_lite.modeling.layers.svtr_block import Block, BlockConfig, build_mixer
from ppocr_lite.modeling.layers.weight_init import init_transformer_weights

__all__ = [
    "Attention",
    "AttentionConfig",
    "Block",
    "BlockConfig",
    "ConvBNAct",
    "ConvMixer",
    "ConvNormAct",
    "DropPath",
    "LocalWindow",
    "Mlp",
    "PatchEmbed",
    "SubSample",
    "build_mixer",
    "init_transformer_weights",
    "local_attention_mask",
    "make_divisible",
]
