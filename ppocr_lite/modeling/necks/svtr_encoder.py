"""SVTR sequence-encoder neck: global mixing blocks on a reduced feature map, fused back.

Used by ``SequenceEncoder(encoder_type="svtr")`` (the PP-OCRv3/v4 recognizers). Parameter names
(``conv1``, ``conv2``, ``svtr_block.N.*``, ``norm``, ``conv3``, ``conv4``, ``conv1x1``) follow
PaddleOCR's ``EncoderWithSVTR``.
"""

from __future__ import annotations

from collections.abc import Sequence

import paddle
from paddle import Tensor, nn

from ppocr_lite.modeling.layers import (
    AttentionConfig,
    Block,
    BlockConfig,
    ConvNormAct,
    init_transformer_weights,
)


class EncoderWithSVTR(nn.Layer):
    """Reduce channels, mix all positions with transformer blocks, fuse with the input.

    Args:
        in_channels: Channels C of the backbone feature map.
        dims: Output channels.
        depth: Number of global-attention blocks.
        hidden_dims: Token width inside the blocks.
        use_guide: Stop gradients into the backbone (the neck then trains on a fixed input;
            PP-OCRv3/v4 do this because a second, attention-based head guides the backbone).
        num_heads: Attention heads.
        qkv_bias: Bias in the ``qkv`` projections.
        mlp_ratio: MLP hidden width as a multiple of ``hidden_dims``.
        drop_rate: Dropout in the MLPs and after attention projections.
        attn_drop_rate: Dropout on attention weights.
        drop_path: Stochastic depth of every block.
        kernel_size: (kh, kw) of the two spatial convolutions (``conv1``, ``conv4``).
        qk_scale: Attention logit scale (default ``head_dim ** -0.5``).
    """

    def __init__(
        self,
        in_channels: int,
        dims: int = 64,
        depth: int = 2,
        hidden_dims: int = 120,
        use_guide: bool = False,
        num_heads: int = 8,
        qkv_bias: bool = True,
        mlp_ratio: float = 2.0,
        drop_rate: float = 0.1,
        attn_drop_rate: float = 0.1,
        drop_path: float = 0.0,
        kernel_size: Sequence[int] = (3, 3),
        qk_scale: float | None = None,
    ) -> None:
        super().__init__()
        kernel = (int(kernel_size[0]), int(kernel_size[1]))
        reduced = in_channels // 8
        self.use_guide = use_guide
        self.conv1 = ConvNormAct(in_channels, reduced, kernel, act=nn.Swish)
        self.conv2 = ConvNormAct(reduced, hidden_dims, 1, act=nn.Swish)
        attention = AttentionConfig(num_heads, qkv_bias, qk_scale, attn_drop_rate, drop_rate)
        cfg = BlockConfig(attention, mlp_ratio, drop_rate, nn.Swish, nn.LayerNorm, 1e-5, False)
        self.svtr_block = nn.LayerList(
            [Block(hidden_dims, cfg, "Global", drop_path=drop_path) for _ in range(depth)]
        )
        self.norm = nn.LayerNorm(hidden_dims, epsilon=1e-6)
        self.conv3 = ConvNormAct(hidden_dims, in_channels, 1, act=nn.Swish)
        # conv4 sees the input concatenated with conv3's output, hence 2 * in_channels.
        self.conv4 = ConvNormAct(2 * in_channels, reduced, kernel, act=nn.Swish)
        self.conv1x1 = ConvNormAct(reduced, dims, 1, act=nn.Swish)
        self.out_channels = dims
        self.apply(init_transformer_weights)

    def forward(self, x: Tensor) -> Tensor:
        """(N, in_channels, H, W) -> (N, dims, H, W)."""
        if self.use_guide:
            # The shortcut is detached as well, so no gradient reaches the backbone through here.
            x = x.detach()
        z = self.conv2(self.conv1(x))
        _, channels, h, w = z.shape
        z = z.flatten(2).transpose([0, 2, 1])
        for block in self.svtr_block:
            z = block(z)
        z = self.norm(z).reshape([0, h, w, channels]).transpose([0, 3, 1, 2])
        z = paddle.concat([x, self.conv3(z)], axis=1)
        return self.conv1x1(self.conv4(z))
