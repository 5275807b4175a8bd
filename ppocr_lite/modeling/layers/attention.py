"""Token mixers of SVTR blocks: global / local (masked) self-attention and a grouped conv."""

from __future__ import annotations

from dataclasses import dataclass

import paddle
import paddle.nn.functional as F
from paddle import ParamAttr, Tensor, nn


@dataclass(frozen=True)
class AttentionConfig:
    """Hyper-parameters of multi-head self-attention.

    Attributes:
        num_heads: Number of heads; must divide the width.
        qkv_bias: Whether the fused ``qkv`` projection has a bias.
        qk_scale: Logit scale; ``None`` means ``head_dim ** -0.5``.
        attn_drop: Dropout on the attention weights.
        proj_drop: Dropout after the output projection.
    """

    num_heads: int = 8
    qkv_bias: bool = False
    qk_scale: float | None = None
    attn_drop: float = 0.0
    proj_drop: float = 0.0


@dataclass(frozen=True)
class LocalWindow:
    """A token grid and the window around each token that local mixing may look at.

    Attributes:
        hw: Grid size (H, W); a sequence of L = H * W tokens in row-major order.
        kernel: Window size (kh, kw) centred on the query token.
    """

    hw: tuple[int, int]
    kernel: tuple[int, int] = (7, 11)


def local_attention_mask(window: LocalWindow) -> Tensor:
    """Additive mask limiting each query token to the keys inside its window.

    For an even kernel size the window reaches one token further back than forward (offsets
    ``-k // 2 ... k - 1 - k // 2``), which is where PaddleOCR's padded-window construction puts it.

    Returns:
        (1, 1, L, L) float32 tensor, 0 inside the window and -inf outside (rows: queries).
    """
    (h, w), (kh, kw) = window.hw, window.kernel
    rows = paddle.arange(h, dtype="int64").repeat_interleave(w)
    cols = paddle.arange(w, dtype="int64").tile([h])
    d_row = rows.unsqueeze(0) - rows.unsqueeze(1)  # [query, key] = key row - query row
    d_col = cols.unsqueeze(0) - cols.unsqueeze(1)
    inside = (
        (d_row >= -(kh // 2))
        & (d_row <= kh - 1 - kh // 2)
        & (d_col >= -(kw // 2))
        & (d_col <= kw - 1 - kw // 2)
    )
    zeros = paddle.zeros([h * w, h * w], dtype="float32")
    mask = paddle.where(inside, zeros, paddle.full_like(zeros, float("-inf")))
    return mask.reshape([1, 1, h * w, h * w])


class Attention(nn.Layer):
    """Multi-head self-attention over all tokens, or over a local window when ``window`` is set.

    Sublayer names ``qkv`` and ``proj`` are part of the checkpoint format; the local mask is a
    non-persistable buffer, so it never appears in a state dict.

    Args:
        dim: Token width C.
        cfg: Heads, biases, scale and dropouts.
        window: Token grid and window for local attention; ``None`` for global attention.
    """

    def __init__(
        self, dim: int, cfg: AttentionConfig = AttentionConfig(), window: LocalWindow | None = None
    ) -> None:
        super().__init__()
        if dim % cfg.num_heads:
            raise ValueError(f"Attention width {dim} is not divisible by {cfg.num_heads} heads")
        self.dim = dim
        self.num_heads = cfg.num_heads
        self.head_dim = dim // cfg.num_heads
        self.scale = cfg.qk_scale or self.head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias_attr=None if cfg.qkv_bias else False)
        self.attn_drop = nn.Dropout(cfg.attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(cfg.proj_drop)
        if window is not None:
            self.register_buffer("mask", local_attention_mask(window), persistable=False)
        else:
            self.mask: Tensor | None = None

    def _split_heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q, k, v, each (N, heads, L, head_dim), from one fused projection."""
        qkv = self.qkv(x).reshape([0, -1, 3, self.num_heads, self.head_dim])
        return qkv.transpose([2, 0, 3, 1, 4]).unbind(0)

    def forward(self, x: Tensor) -> Tensor:
        """(N, L, C) -> (N, L, C); with a window, L must equal H * W of the window grid."""
        q, k, v = self._split_heads(x)
        attn = paddle.matmul(q * self.scale, k, transpose_y=True)
        if self.mask is not None:
            attn = attn + self.mask
        attn = self.attn_drop(F.softmax(attn, axis=-1))
        x = paddle.matmul(attn, v).transpose([0, 2, 1, 3]).reshape([0, -1, self.dim])
        return self.proj_drop(self.proj(x))


class ConvMixer(nn.Layer):
    """Local mixing by a grouped convolution over the token grid (SVTR's ``Conv`` mixer).

    Args:
        dim: Token width C.
        num_heads: Convolution groups.
        window: Token grid (H, W) and kernel size.
    """

    def __init__(self, dim: int, num_heads: int, window: LocalWindow) -> None:
        super().__init__()
        self.dim = dim
        self.hw = window.hw
        kh, kw = window.kernel
        self.local_mixer = nn.Conv2D(
            dim,
            dim,
            (kh, kw),
            1,
            (kh // 2, kw // 2),
            groups=num_heads,
            weight_attr=ParamAttr(initializer=nn.initializer.KaimingNormal()),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, L, C) -> (N, L, C) with L = H * W."""
        h, w = self.hw
        x = x.transpose([0, 2, 1]).reshape([0, self.dim, h, w])
        return self.local_mixer(x).flatten(2).transpose([0, 2, 1])
