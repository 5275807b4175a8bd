"""SVTR: a three-stage vision transformer that reads a text line as a sequence of patches.

Parameter names follow PaddleOCR's ``SVTRNet`` (``patch_embed.proj.0.conv.weight``,
``blocks1.0.mixer.qkv.weight``, ``sub_sample1.conv.weight``, ``last_conv.weight``, ...) so that
PaddleOCR checkpoints load unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers import (
    AttentionConfig,
    Block,
    BlockConfig,
    LocalWindow,
    PatchEmbed,
    SubSample,
    init_transformer_weights,
)
from ppocr_lite.modeling.layers.weight_init import trunc_normal_
from ppocr_lite.registry import BACKBONES

# PaddleOCR configs name layers by Python expression; these tables map the spellings they use to
# classes, so that no config string is ever evaluated.
_NORM_LAYERS: dict[str, type[nn.Layer]] = {"nn.LayerNorm": nn.LayerNorm}
_ACT_LAYERS: dict[str, type[nn.Layer]] = {
    "nn.GELU": nn.GELU,
    "nn.Swish": nn.Swish,
    "nn.ReLU": nn.ReLU,
    "nn.Hardswish": nn.Hardswish,
}
_MERGINGS = ("Conv", "Pool")
Grid = tuple[int, int]


def _layer_class(
    value: str | type[nn.Layer], table: Mapping[str, type[nn.Layer]], key: str
) -> type[nn.Layer]:
    if isinstance(value, type):
        return value
    if value not in table:
        raise ConfigError(f"SVTRNet.{key} must be one of {sorted(table)}, got {value!r}")
    return table[value]


def _check_stages(
    embed_dim: Sequence[int],
    depth: Sequence[int],
    num_heads: Sequence[int],
    mixer: Sequence[str],
    local_mixer: Sequence[Sequence[int]],
    merging: str | None,
) -> None:
    lists = {
        "embed_dim": embed_dim,
        "depth": depth,
        "num_heads": num_heads,
        "local_mixer": local_mixer,
    }
    for key, values in lists.items():
        if len(values) != 3:
            raise ConfigError(f"SVTRNet.{key} needs one value per stage (3), got {values!r}")
    if len(mixer) < sum(depth):
        raise ConfigError(
            f"SVTRNet.mixer names {len(mixer)} mixers but depth {list(depth)} has {sum(depth)} blocks"
        )
    if merging is None and len(set(embed_dim)) != 1:
        raise ConfigError(
            f"SVTRNet without patch_merging keeps one width, but embed_dim is {list(embed_dim)}"
        )


def _drop_path_rates(rate: float, n: int) -> list[float]:
    """Stochastic depth growing linearly from 0 (first block) to ``rate`` (last block)."""
    return [rate * i / (n - 1) if n > 1 else 0.0 for i in range(n)]


def _tokens_to_grid(x: Tensor, channels: int, hw: Grid) -> Tensor:
    """(N, H * W, C) -> (N, C, H, W)."""
    return x.transpose([0, 2, 1]).reshape([0, channels, hw[0], hw[1]])


class _StageSpec(NamedTuple):
    num_heads: int
    mixers: tuple[str, ...]
    kernel: Grid
    drop_paths: tuple[float, ...]


def _stage_specs(
    depth: Sequence[int],
    num_heads: Sequence[int],
    mixer: Sequence[str],
    local_mixer: Sequence[Sequence[int]],
    drop_path_rate: float,
) -> list[_StageSpec]:
    """Split the per-block lists (``mixer``, stochastic depth) into the three stages."""
    rates = _drop_path_rates(drop_path_rate, sum(depth))
    specs, start = [], 0
    for i, n in enumerate(depth):
        part = slice(start, start + n)
        kernel = (int(local_mixer[i][0]), int(local_mixer[i][1]))
        specs.append(_StageSpec(int(num_heads[i]), tuple(mixer[part]), kernel, tuple(rates[part])))
        start += n
    return specs


@BACKBONES.register()
class SVTRNet(nn.Layer):
    """SVTR backbone: patch embedding, three stages of mixing blocks, then a pooled projection.

    The keys are PaddleOCR's. Layer names may be given as PaddleOCR's strings (``"nn.GELU"``)
    or as classes.

    Args:
        img_size: Input size (H, W); fixed, because the position embedding and local masks are.
        in_channels: Image channels.
        embed_dim: Token width of each stage.
        depth: Blocks per stage.
        num_heads: Attention heads per stage.
        mixer: One mixer per block: ``Local`` (windowed attention), ``Global`` or ``Conv``.
        local_mixer: Local window (kh, kw) per stage.
        patch_merging: ``Conv`` or ``Pool`` halves the grid height between stages; any other
            value (e.g. ``None``) keeps the grid.
        mlp_ratio: MLP hidden width as a multiple of the token width.
        qkv_bias: Bias in the attention ``qkv`` projections.
        qk_scale: Attention logit scale (default ``head_dim ** -0.5``).
        drop_rate: Dropout after the position embedding, in MLPs and after attention projections.
        last_drop: Dropout of the final features (scaled at inference, as in PaddleOCR).
        attn_drop_rate: Dropout on attention weights.
        drop_path_rate: Stochastic depth of the last block (linear from 0 over all blocks).
        norm_layer: Normalization of the blocks (and the final norm when ``prenorm`` is false).
        sub_norm: Normalization after patch merging.
        epsilon: Epsilon of ``norm_layer``.
        out_channels: Channels of the final 1x1 convolution.
        out_char_num: Output width T (time steps) of the final pooling.
        block_unit: Block type; only ``Block`` exists.
        act: MLP activation.
        last_stage: Pool to (1, T) and project; otherwise return the token sequence.
        sub_num: Stride-2 convolutions in the patch embedding (grid = img_size / 2**sub_num).
        prenorm: PaddleOCR's name for post-norm blocks (norm after the residual sum); when false,
            blocks are pre-norm and a final norm follows the last stage.
        use_lenhead: Also return a length feature (N, out_channels) from the mean token.
    """

    def __init__(
        self,
        img_size: Sequence[int] = (32, 100),
        in_channels: int = 3,
        embed_dim: Sequence[int] = (64, 128, 256),
        depth: Sequence[int] = (3, 6, 3),
        num_heads: Sequence[int] = (2, 4, 8),
        mixer: Sequence[str] = ("Local",) * 6 + ("Global",) * 6,
        local_mixer: Sequence[Sequence[int]] = ((7, 11), (7, 11), (7, 11)),
        patch_merging: str | None = "Conv",
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_scale: float | None = None,
        drop_rate: float = 0.0,
        last_drop: float = 0.1,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.1,
        norm_layer: str | type[nn.Layer] = "nn.LayerNorm",
        sub_norm: str | type[nn.Layer] = "nn.LayerNorm",
        epsilon: float = 1e-6,
        out_channels: int = 192,
        out_char_num: int = 25,
        block_unit: str = "Block",
        act: str | type[nn.Layer] = "nn.GELU",
        last_stage: bool = True,
        sub_num: int = 2,
        prenorm: bool = True,
        use_lenhead: bool = False,
    ) -> None:
        super().__init__()
        self.patch_merging = patch_merging if patch_merging in _MERGINGS else None
        _check_stages(embed_dim, depth, num_heads, mixer, local_mixer, self.patch_merging)
        if block_unit != "Block":
            raise ConfigError(f"SVTRNet.block_unit must be 'Block', got {block_unit!r}")
        norm = _layer_class(norm_layer, _NORM_LAYERS, "norm_layer")
        self.embed_dim = [int(d) for d in embed_dim]
        # PaddleOCR reports ``out_channels`` even when ``last_stage`` is false; kept for parity.
        self.out_channels = out_channels
        self.prenorm = prenorm
        self.last_stage = last_stage
        self.use_lenhead = use_lenhead
        self.img_size = (int(img_size[0]), int(img_size[1]))
        grid = (self.img_size[0] // 2**sub_num, self.img_size[1] // 2**sub_num)
        self.stage_hw = [
            (grid[0] // 2**i, grid[1]) if self.patch_merging else grid for i in range(3)
        ]
        self.patch_embed = PatchEmbed(self.img_size, in_channels, self.embed_dim[0], sub_num)
        self.pos_embed = self.create_parameter(
            [1, grid[0] * grid[1], self.embed_dim[0]], default_initializer=trunc_normal_
        )
        self.pos_drop = nn.Dropout(p=drop_rate)
        attention = AttentionConfig(
            qkv_bias=qkv_bias, qk_scale=qk_scale, attn_drop=attn_drop_rate, proj_drop=drop_rate
        )
        act_layer = _layer_class(act, _ACT_LAYERS, "act")
        cfg = BlockConfig(attention, mlp_ratio, drop_rate, act_layer, norm, epsilon, prenorm)
        specs = _stage_specs(depth, num_heads, mixer, local_mixer, drop_path_rate)
        self._build_stages(cfg, specs, _layer_class(sub_norm, _NORM_LAYERS, "sub_norm"))
        self._build_outputs(out_char_num, last_drop, norm, epsilon)
        self.apply(init_transformer_weights)

    def _build_stages(
        self, cfg: BlockConfig, specs: list[_StageSpec], sub_norm: type[nn.Layer]
    ) -> None:
        # Created in PaddleOCR's order (blocks1, sub_sample1, blocks2, ...): Paddle's automatic
        # parameter names, which key optimizer states, depend on creation order.
        for i, spec in enumerate(specs):
            stage_cfg = replace(cfg, attention=replace(cfg.attention, num_heads=spec.num_heads))
            window = LocalWindow(self.stage_hw[i], spec.kernel)
            blocks = [
                Block(self.embed_dim[i], stage_cfg, kind, window, rate)
                for kind, rate in zip(spec.mixers, spec.drop_paths, strict=True)
            ]
            setattr(self, f"blocks{i + 1}", nn.LayerList(blocks))
            if self.patch_merging is not None and i < 2:
                dims = (self.embed_dim[i], self.embed_dim[i + 1])
                merge = SubSample(*dims, self.patch_merging, sub_norm)
                setattr(self, f"sub_sample{i + 1}", merge)

    def _build_outputs(
        self, out_char_num: int, last_drop: float, norm: type[nn.Layer], epsilon: float
    ) -> None:
        # In PaddleOCR's order (state-dict order). Its "downscale_in_infer" dropout is kept:
        # trained weights expect that scaling at inference.
        width = self.embed_dim[2]
        if self.last_stage:
            self.avg_pool = nn.AdaptiveAvgPool2D([1, out_char_num])
            self.last_conv = nn.Conv2D(width, self.out_channels, 1, bias_attr=False)
            self.hardswish = nn.Hardswish()
            self.dropout = nn.Dropout(p=last_drop, mode="downscale_in_infer")
        if not self.prenorm:
            self.norm = norm(width, epsilon=epsilon)
        if self.use_lenhead:
            self.len_conv = nn.Linear(width, self.out_channels)
            self.hardswish_len = nn.Hardswish()
            self.dropout_len = nn.Dropout(p=last_drop, mode="downscale_in_infer")

    def forward_features(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, L, embed_dim[2]): tokens of the last stage."""
        x = self.pos_drop(self.patch_embed(x) + self.pos_embed)
        for i, blocks in enumerate((self.blocks1, self.blocks2, self.blocks3)):
            if i > 0 and self.patch_merging is not None:
                merge = self.sub_sample1 if i == 1 else self.sub_sample2
                x = merge(_tokens_to_grid(x, self.embed_dim[i - 1], self.stage_hw[i - 1]))
            for block in blocks:
                x = block(x)
        return x if self.prenorm else self.norm(x)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Encode an image batch.

        Args:
            x: (N, in_channels, H, W) images with (H, W) == ``img_size``.

        Returns:
            (N, out_channels, 1, out_char_num) with ``last_stage``, else the (N, L, embed_dim[2])
            tokens; with ``use_lenhead``, a pair whose second item is (N, out_channels).
        """
        x = self.forward_features(x)
        len_x = None
        if self.use_lenhead:
            len_x = self.dropout_len(self.hardswish_len(self.len_conv(x.mean(1))))
        if self.last_stage:
            x = self.avg_pool(_tokens_to_grid(x, self.embed_dim[2], self.stage_hw[2]))
            x = self.dropout(self.hardswish(self.last_conv(x)))
        return x if len_x is None else (x, len_x)
