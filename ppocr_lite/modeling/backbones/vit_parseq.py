"""The plain ViT encoder of PARSeq (Bautista & Atienza, 2022): patches -> pre-norm blocks.

Sublayer names (``patch_embed.proj``, ``pos_embed``, ``cls_token``, ``blocks.N.attn.qkv``,
``norm``) follow PaddleOCR's ``ViTParseQ`` so its checkpoints load.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers import Attention, AttentionConfig, DropPath, Mlp
from ppocr_lite.modeling.layers.weight_init import init_transformer_weights, trunc_normal_
from ppocr_lite.registry import BACKBONES


def _pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    if len(value) != 2:
        raise ConfigError(f"Architecture.Backbone.{name} must be an int or [h, w], got {value}")
    return int(value[0]), int(value[1])


class _PatchEmbed(nn.Layer):
    """Non-overlapping patches -> tokens by one strided convolution (sublayer ``proj``)."""

    def __init__(
        self, img_size: tuple[int, int], patch: tuple[int, int], in_channels: int, dim: int
    ) -> None:
        super().__init__()
        self.img_size = img_size
        self.grid = (img_size[0] // patch[0], img_size[1] // patch[1])
        self.proj = nn.Conv2D(in_channels, dim, kernel_size=patch, stride=patch)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, H / ph * W / pw, dim)."""
        if tuple(x.shape[2:]) != self.img_size:
            raise ValueError(
                f"ViTParseQ was built for {self.img_size[0]}x{self.img_size[1]} images "
                f"(img_size), got {x.shape[2]}x{x.shape[3]}; resize the input to match"
            )
        return self.proj(x).flatten(2).transpose([0, 2, 1])


class _Block(nn.Layer):
    """Pre-norm transformer block: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``."""

    def __init__(
        self, dim: int, attention: AttentionConfig, mlp_ratio: float, drop: float, drop_path: float
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, epsilon=1e-5)
        self.attn = Attention(dim, attention)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, epsilon=1e-5)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self, x: Tensor) -> Tensor:
        """(N, L, C) -> (N, L, C)."""
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


@BACKBONES.register()
class ViTParseQ(nn.Layer):
    """ViT encoder producing the memory PARSeq's decoder reads.

    Args:
        in_channels: Image channels (injected; PaddleOCR configs also give it).
        img_size: Input (H, W); other sizes are rejected.
        patch_size: Patch (h, w).
        embed_dim: Token width, the ``out_channels``.
        depth: Number of blocks.
        num_heads: Attention heads.
        mlp_ratio: MLP width as a multiple of ``embed_dim``.
        qkv_bias: Bias on the fused qkv projection.
        drop_rate: Dropout after the position embedding, in the MLPs and attention outputs.
        attn_drop_rate: Dropout on attention weights.
        drop_path_rate: Stochastic depth, rising linearly to this value over the blocks.
    """

    def __init__(
        self,
        in_channels: int = 3,
        img_size: int | Sequence[int] = (32, 128),
        patch_size: int | Sequence[int] = (4, 8),
        embed_dim: int = 384,
        depth: int = 12,
        num_heads: int = 6,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        size, patch = _pair(img_size, "img_size"), _pair(patch_size, "patch_size")
        if size[0] % patch[0] or size[1] % patch[1]:
            raise ConfigError(
                f"ViTParseQ: img_size {list(size)} is not a multiple of {list(patch)}"
            )
        self.patch_embed = _PatchEmbed(size, patch, in_channels, embed_dim)
        num_patches = self.patch_embed.grid[0] * self.patch_embed.grid[1]
        self.pos_embed = self.create_parameter([1, num_patches, embed_dim])
        # PARSeq uses no class token; PaddleOCR's ViT still defines one, so it is kept (frozen,
        # never read) for its checkpoints to load key for key.
        self.cls_token = self.create_parameter(
            [1, 1, embed_dim], default_initializer=nn.initializer.Constant(0.0)
        )
        self.cls_token.stop_gradient = True
        self.pos_drop = nn.Dropout(drop_rate)
        attention = AttentionConfig(num_heads, qkv_bias, None, attn_drop_rate, drop_rate)
        rates = np.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.LayerList(
            [_Block(embed_dim, attention, mlp_ratio, drop_rate, rate) for rate in rates]
        )
        self.norm = nn.LayerNorm(embed_dim, epsilon=1e-5)
        self.out_channels = embed_dim
        self.apply(init_transformer_weights)
        trunc_normal_(self.pos_embed)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) images -> (N, L, embed_dim) tokens, L = (H / ph) * (W / pw)."""
        x = self.pos_drop(self.patch_embed(x) + self.pos_embed)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)
