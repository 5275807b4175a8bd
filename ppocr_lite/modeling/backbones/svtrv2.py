"""SVTRv2: SVTR's successor, a conv-then-attention encoder that accepts any input width.

Stages hold convolutional blocks (on the (N, C, H, W) grid) followed by global-attention blocks
(on the (N, H * W, C) tokens), so no block depends on a fixed image size. Parameter names follow
PaddleOCR's ``SVTRv2`` (``pope.patch_embed.0.conv.weight``, ``stages.1.blocks.3.mixer.qkv.weight``,
``stages.0.downsample.conv.weight``, ...) so that PaddleOCR checkpoints load unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from paddle import ParamAttr, Tensor, nn
from paddle.nn import functional as F

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers import (
    AttentionConfig,
    Block,
    BlockConfig,
    ConvNormAct,
    DropPath,
    Mlp,
    init_transformer_weights,
)
from ppocr_lite.modeling.layers.weight_init import trunc_normal_
from ppocr_lite.registry import BACKBONES

Grid = tuple[int, int]
_MIXERS = ("Conv", "Global")


def _to_tokens(x: Tensor) -> Tensor:
    """(N, C, H, W) -> (N, H * W, C)."""
    return x.flatten(2).transpose([0, 2, 1])


def _to_grid(x: Tensor, hw: Grid) -> Tensor:
    """(N, H * W, C) -> (N, C, H, W); a grid passes through unchanged."""
    if x.ndim == 4:
        return x
    return x.transpose([0, 2, 1]).reshape([0, x.shape[-1], hw[0], -1])


class _Flatten(nn.Layer):
    """Grid to tokens between a stage's conv blocks and its attention blocks.

    It holds no weights but occupies an index in ``blocks``, which shifts the names of the
    attention blocks after it exactly as in PaddleOCR's checkpoints.
    """

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, H * W, C)."""
        return _to_tokens(x)


class _ConvBlock(nn.Layer):
    """A 5x5 grouped convolution then an MLP, each residual, normalized after the sum.

    Args:
        dim: Channels C.
        num_heads: Convolution groups.
        cfg: MLP width, dropout, activation and normalization of the stage.
        drop_path: Stochastic-depth probability of both residual branches.
    """

    def __init__(self, dim: int, num_heads: int, cfg: BlockConfig, drop_path: float) -> None:
        super().__init__()
        norm: Callable[..., nn.Layer] = cfg.norm_layer
        self.norm1 = norm(dim, epsilon=cfg.epsilon)
        init = ParamAttr(initializer=nn.initializer.KaimingNormal())
        self.mixer = nn.Conv2D(dim, dim, 5, 1, 2, groups=num_heads, weight_attr=init)
        self.drop_path = DropPath(drop_path)
        self.norm2 = norm(dim, epsilon=cfg.epsilon)
        self.mlp = Mlp(dim, int(dim * cfg.mlp_ratio), act_layer=cfg.act_layer, drop=cfg.drop)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        height = x.shape[2]
        x = self.norm1(_to_tokens(x + self.drop_path(self.mixer(x))))
        x = self.norm2(x + self.drop_path(self.mlp(x)))
        return _to_grid(x, (height, -1))


class _SubSample(nn.Layer):
    """Strided 3x3 convolution and a LayerNorm between stages; keeps the input's layout.

    Args:
        in_channels: Input width C_in.
        out_channels: Output width C_out.
        stride: (sh, sw) of the convolution.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: Grid) -> None:
        super().__init__()
        init = ParamAttr(initializer=nn.initializer.KaimingNormal())
        self.conv = nn.Conv2D(in_channels, out_channels, 3, stride, 1, weight_attr=init)
        self.norm = nn.LayerNorm(out_channels)  # Paddle's default epsilon (1e-5), as PaddleOCR

    def forward(self, x: Tensor, hw: Grid) -> tuple[Tensor, Grid]:
        """(N, C_in, H, W) or (N, H * W, C_in) -> the same layout at (H / sh, W / sw)."""
        was_grid = x.ndim == 4
        x = self.conv(_to_grid(x, hw))
        hw = (x.shape[2], x.shape[3])
        x = self.norm(_to_tokens(x))
        return (_to_grid(x, hw) if was_grid else x), hw


class _Stage(nn.Layer):
    """Conv blocks, then attention blocks, then an optional ``_SubSample``.

    Args:
        dim: Width C of the stage.
        mixers: One ``Conv`` or ``Global`` per block, convolutions first.
        cfg: Block hyper-parameters (``cfg.attention.num_heads`` also groups the convolutions).
        drop_paths: Stochastic depth per block.
        out_dim: Width after the sub-sampling; 0 for the last stage (no sub-sampling).
        stride: Sub-sampling stride.
    """

    def __init__(
        self,
        dim: int,
        mixers: Sequence[str],
        cfg: BlockConfig,
        drop_paths: Sequence[float],
        out_dim: int = 0,
        stride: Grid = (2, 1),
    ) -> None:
        super().__init__()
        n_conv = sum(1 for m in mixers if m == "Conv")
        blocks: list[nn.Layer] = []
        for i, (kind, rate) in enumerate(zip(mixers, drop_paths, strict=True)):
            if kind == "Conv":
                blocks.append(_ConvBlock(dim, cfg.attention.num_heads, cfg, rate))
            else:
                blocks.append(Block(dim, cfg, "Global", None, rate))
            if i == n_conv - 1 and mixers[-1] != "Conv":
                blocks.append(_Flatten())
        self.blocks = nn.Sequential(*blocks)
        self.downsample = _SubSample(dim, out_dim, stride) if out_dim else None

    def forward(self, x: Tensor, hw: Grid) -> tuple[Tensor, Grid]:
        """(N, C, H, W) or (N, H * W, C) -> output layout of the last block, and its grid."""
        x = self.blocks(x)
        return (x, hw) if self.downsample is None else self.downsample(x, hw)


class _PosEmbed(nn.Layer):
    """A learned (1, C, H_max, W_max) position table, cropped to the input grid."""

    def __init__(self, max_hw: Grid, dim: int) -> None:
        super().__init__()
        self.pos_embed = self.create_parameter(
            [1, dim, max_hw[0], max_hw[1]], default_initializer=trunc_normal_
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W) with H <= H_max, W <= W_max."""
        return x + self.pos_embed[:, :, : x.shape[2], : x.shape[3]]


class _PatchEmbed(nn.Layer):
    """Two stride-2 conv-BN-GELU layers (sublayer ``patch_embed``): a 4x smaller grid."""

    def __init__(self, in_channels: int, dim: int, max_hw: Grid, pos: bool, flatten: bool) -> None:
        super().__init__()
        layers: list[nn.Layer] = [
            ConvNormAct(in_channels, dim // 2, 3, 2, bias=True, act=nn.GELU),
            ConvNormAct(dim // 2, dim, 3, 2, bias=True, act=nn.GELU),
        ]
        if pos:
            layers.append(_PosEmbed(max_hw, dim))
        if flatten:
            layers.append(_Flatten())
        self.patch_embed = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> tuple[Tensor, Grid]:
        """(N, C_in, H, W) -> (N, C, H / 4, W / 4) or its tokens, and the grid (H / 4, W / 4)."""
        hw = (x.shape[2] // 4, x.shape[3] // 4)
        return self.patch_embed(x), hw


class _LastStage(nn.Layer):
    """Mean over the height, then a bias-free projection: (N, W, C_out) features per column."""

    def __init__(self, in_channels: int, out_channels: int, last_drop: float) -> None:
        super().__init__()
        self.last_conv = nn.Linear(in_channels, out_channels, bias_attr=False)
        self.hardswish = nn.Hardswish()
        # Trained weights expect PaddleOCR's inference-time scaling of this dropout.
        self.dropout = nn.Dropout(p=last_drop, mode="downscale_in_infer")

    def forward(self, x: Tensor, hw: Grid) -> tuple[Tensor, Grid]:
        """(N, H * W, C) or (N, C, H, W) -> (N, W, C_out)."""
        x = _to_grid(x, hw).mean(2).transpose([0, 2, 1])
        return self.dropout(self.hardswish(self.last_conv(x))), (1, hw[1])


class _OutPool(nn.Layer):
    """Average over the full height and pairs of columns: (N, C, 1, W / 2)."""

    def forward(self, x: Tensor, hw: Grid) -> tuple[Tensor, Grid]:
        """(N, H * W, C) or (N, C, H, W) -> (N, C, 1, W / 2)."""
        x = F.avg_pool2d(_to_grid(x, hw), [hw[0], 2])
        return x, (1, hw[1] // 2)


class _Feat2D(nn.Layer):
    """The last stage's tokens as a (N, C, H, W) grid."""

    def forward(self, x: Tensor, hw: Grid) -> tuple[Tensor, Grid]:
        """(N, H * W, C) or (N, C, H, W) -> (N, C, H, W)."""
        return _to_grid(x, hw), hw


def _check_mixers(mixer: Sequence[Sequence[str]], depths: Sequence[int]) -> None:
    if len(mixer) != len(depths):
        raise ConfigError(f"SVTRv2.mixer needs one list per stage ({len(depths)}), got {mixer!r}")
    for i, (kinds, depth) in enumerate(zip(mixer, depths, strict=True)):
        if len(kinds) != depth or any(k not in _MIXERS for k in kinds):
            raise ConfigError(
                f"SVTRv2.mixer[{i}] must list {depth} of {'/'.join(_MIXERS)}, got {list(kinds)}"
            )
        if list(kinds) != sorted(kinds, key=lambda k: k != "Conv"):
            raise ConfigError(f"SVTRv2.mixer[{i}]: Conv blocks must precede Global ones")


@BACKBONES.register()
class SVTRv2(nn.Layer):
    """SVTRv2 backbone: a 4x patch embedding and stages of conv / global-attention blocks.

    The keys are PaddleOCR's. Exactly one of ``last_stage``, ``use_pool`` and ``feat2d`` picks
    the output, or none of them for the (N, H * W, C) tokens of the last stage.

    Args:
        max_sz: Largest input (H, W); sizes the position table of ``use_pos_embed``.
        in_channels: Image channels.
        out_channels: Projection width of ``last_stage``.
        out_char_num: Accepted for PaddleOCR configs; the output width follows the input.
        depths: Blocks per stage.
        dims: Width per stage.
        mixer: Per stage, one ``Conv`` or ``Global`` per block (convolutions first).
        use_pos_embed: Add a learned position table after the patch embedding.
        local_k: Accepted for PaddleOCR configs, which pass it; PaddleOCR's conv blocks are
            always 5x5, so it is not used (a different kernel would not load its weights).
        sub_k: Stride (sh, sw) of the sub-sampling after each stage but the last.
        num_heads: Attention heads (and convolution groups) per stage.
        mlp_ratio: MLP hidden width as a multiple of the block width.
        qkv_bias: Bias in the attention ``qkv`` projections.
        qk_scale: Attention logit scale (default ``head_dim ** -0.5``).
        drop_rate: Dropout in the MLPs and after attention projections.
        last_drop: Dropout of ``last_stage`` (scaled at inference, as in PaddleOCR).
        attn_drop_rate: Dropout on attention weights.
        drop_path_rate: Stochastic depth of the last block (linear from 0 over all blocks).
        norm_layer: Normalization class of the blocks.
        act: MLP activation class.
        last_stage: Average over the height and project: (N, W / 4, out_channels).
        eps: Epsilon of ``norm_layer``.
        use_pool: Average over the height and column pairs: (N, dims[-1], 1, W / 8).
        feat2d: Return the last stage as a grid (N, dims[-1], H', W / 4).
    """

    def __init__(
        self,
        max_sz: Sequence[int] = (32, 128),
        in_channels: int = 3,
        out_channels: int = 192,
        out_char_num: int = 25,
        depths: Sequence[int] = (3, 6, 3),
        dims: Sequence[int] = (64, 128, 256),
        mixer: Sequence[Sequence[str]] = (
            ("Conv",) * 3,
            ("Conv",) * 3 + ("Global",) * 3,
            ("Global",) * 3,
        ),
        use_pos_embed: bool = False,
        local_k: Sequence[Sequence[int]] | None = None,
        sub_k: Sequence[Sequence[int]] = ((1, 1), (2, 1), (1, 1)),
        num_heads: Sequence[int] = (2, 4, 8),
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_scale: float | None = None,
        drop_rate: float = 0.0,
        last_drop: float = 0.1,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.1,
        norm_layer: type[nn.Layer] = nn.LayerNorm,
        act: type[nn.Layer] = nn.GELU,
        last_stage: bool = False,
        eps: float = 1e-6,
        use_pool: bool = False,
        feat2d: bool = False,
    ) -> None:
        super().__init__()
        _check_mixers(mixer, depths)
        if last_stage + use_pool + feat2d > 1:
            raise ConfigError("SVTRv2: choose at most one of last_stage, use_pool and feat2d")
        dims = [int(d) for d in dims]
        max_hw = (int(max_sz[0]) // 4, int(max_sz[1]) // 4)
        self.pope = _PatchEmbed(
            in_channels, dims[0], max_hw, use_pos_embed, flatten=mixer[0][0] != "Conv"
        )
        total = sum(depths)
        rates = [drop_path_rate * i / (total - 1) if total > 1 else 0.0 for i in range(total)]
        self.stages = nn.LayerList()
        for i in range(len(depths)):
            heads = int(num_heads[i])
            attention = AttentionConfig(heads, qkv_bias, qk_scale, attn_drop_rate, drop_rate)
            cfg = BlockConfig(attention, mlp_ratio, drop_rate, act, norm_layer, eps, prenorm=True)
            out_dim = dims[i + 1] if i < len(depths) - 1 else 0
            stride = (int(sub_k[i][0]), int(sub_k[i][1]))
            drops = rates[sum(depths[:i]) : sum(depths[: i + 1])]
            self.stages.append(_Stage(dims[i], mixer[i], cfg, drops, out_dim, stride))
        self.out_channels = out_channels if last_stage else dims[-1]
        if last_stage:
            self.stages.append(_LastStage(dims[-1], out_channels, last_drop))
        if use_pool:
            self.stages.append(_OutPool())
        if feat2d:
            self.stages.append(_Feat2D())
        self.apply(init_transformer_weights)

    def forward(self, x: Tensor) -> Tensor:
        """Encode an image batch.

        Args:
            x: (N, in_channels, H, W) images, H and W multiples of 4 times the sub-sampling.

        Returns:
            (N, dims[-1], 1, W / 8) with ``use_pool`` (for 48x320: (N, 384, 1, 40) with the
            configs' strides), (N, W / 4, out_channels) with ``last_stage``, the grid with
            ``feat2d``, else the (N, H' * W', dims[-1]) tokens.
        """
        x, hw = self.pope(x)
        for stage in self.stages:
            x, hw = stage(x, hw)
        return x
