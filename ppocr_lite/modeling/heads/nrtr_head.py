"""NRTR's transformer decoder, used by ``MultiHead`` as a training guide (PP-OCRv4 "GTC").

A post-norm transformer decoder (Sheng et al., "NRTR", 2019) reads the label shifted right and
cross-attends to the flattened feature map. As a guide it only runs teacher-forced while
training. Sublayer names (``embedding.embedding``, ``decoder.N.self_attn.qkv``,
``decoder.N.cross_attn.kv``, ``tgt_word_prj``, ...) follow PaddleOCR's NRTR ``Transformer`` so its
checkpoints load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.modeling.layers import Mlp
from ppocr_lite.tokens import TokenLayout

_xavier = nn.initializer.XavierNormal()
_zeros = nn.initializer.Constant(0.0)


@dataclass(frozen=True)
class NRTRConfig:
    """Hyper-parameters of the NRTR guide.

    Attributes:
        d_model: Token width (PaddleOCR's ``nrtr_dim``).
        num_decoder_layers: Decoder blocks.
        nhead: Attention heads; ``None`` means ``d_model // 32`` as in PaddleOCR's MultiHead.
        dim_feedforward: MLP width; ``None`` means ``4 * d_model``.
        attention_dropout_rate: Dropout on attention weights.
        residual_dropout_rate: Dropout on every residual branch and the embeddings.
        max_len: Longest sequence the positional encoding covers.
    """

    d_model: int = 256
    num_decoder_layers: int = 4
    nhead: int | None = None
    dim_feedforward: int | None = None
    attention_dropout_rate: float = 0.0
    residual_dropout_rate: float = 0.1
    max_len: int = 1024


def causal_mask(size: int) -> Tensor:
    """(1, 1, size, size) additive mask: 0 on and below the diagonal, -inf above."""
    idx = paddle.arange(size, dtype="int64")
    future = idx.unsqueeze(0) > idx.unsqueeze(1)  # [query, key]: the key comes later
    zeros = paddle.zeros([size, size], dtype="float32")
    return paddle.where(future, paddle.full_like(zeros, float("-inf")), zeros).reshape(
        [1, 1, size, size]
    )


class _MultiheadAttention(nn.Layer):
    """Multi-head attention: fused ``qkv`` for self-attention, ``q`` + ``kv`` for cross-attention."""

    def __init__(self, dim: int, num_heads: int, dropout: float, self_attn: bool) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"NRTR width {dim} is not divisible by {num_heads} heads")
        self.num_heads, self.head_dim, self.self_attn = num_heads, dim // num_heads, self_attn
        if self_attn:
            self.qkv = nn.Linear(dim, dim * 3)
        else:
            self.q = nn.Linear(dim, dim)
            self.kv = nn.Linear(dim, dim * 2)
        self.attn_drop = nn.Dropout(dropout)
        self.out_proj = nn.Linear(dim, dim)

    def _split(self, x: Tensor, parts: int) -> list[Tensor]:
        x = x.reshape([0, 0, parts, self.num_heads, self.head_dim]).transpose([2, 0, 3, 1, 4])
        return list(x.unbind(0))  # each (N, heads, L, head_dim)

    def forward(
        self, query: Tensor, key: Tensor | None = None, mask: Tensor | None = None
    ) -> Tensor:
        """(N, Lq, C) queries, (N, Lk, C) keys (cross only) -> (N, Lq, C)."""
        if self.self_attn:
            q, k, v = self._split(self.qkv(query), 3)
        else:
            (q,) = self._split(self.q(query), 1)
            k, v = self._split(self.kv(key), 2)
        attn = paddle.matmul(q, k, transpose_y=True) * self.head_dim**-0.5
        if mask is not None:
            attn = attn + mask
        attn = self.attn_drop(F.softmax(attn, axis=-1))
        out = paddle.matmul(attn, v).transpose([0, 2, 1, 3]).flatten(2)
        return self.out_proj(out)


class _DecoderBlock(nn.Layer):
    """Post-norm block: causal self-attention, cross-attention, ReLU MLP."""

    def __init__(self, cfg: NRTRConfig, nhead: int, hidden: int) -> None:
        super().__init__()
        d, p = cfg.d_model, cfg.residual_dropout_rate
        self.self_attn = _MultiheadAttention(d, nhead, cfg.attention_dropout_rate, True)
        self.norm1 = nn.LayerNorm(d, epsilon=1e-5)
        self.dropout1 = nn.Dropout(p)
        self.cross_attn = _MultiheadAttention(d, nhead, cfg.attention_dropout_rate, False)
        self.norm2 = nn.LayerNorm(d, epsilon=1e-5)
        self.dropout2 = nn.Dropout(p)
        self.mlp = Mlp(d, hidden, act_layer=nn.ReLU, drop=p)
        self.norm3 = nn.LayerNorm(d, epsilon=1e-5)
        self.dropout3 = nn.Dropout(p)

    def forward(self, tgt: Tensor, memory: Tensor, mask: Tensor) -> Tensor:
        """(N, L, d) targets, (N, S, d) memory -> (N, L, d)."""
        tgt = self.norm1(tgt + self.dropout1(self.self_attn(tgt, mask=mask)))
        tgt = self.norm2(tgt + self.dropout2(self.cross_attn(tgt, memory)))
        return self.norm3(tgt + self.dropout3(self.mlp(tgt)))


class _Embeddings(nn.Layer):
    """Token embedding scaled by sqrt(d), with the padding id's row kept at zero."""

    def __init__(self, vocab: int, dim: int, padding_idx: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim, padding_idx=padding_idx)
        nn.initializer.Normal(0.0, dim**-0.5)(self.embedding.weight)
        self.scale = math.sqrt(dim)

    def forward(self, ids: Tensor) -> Tensor:
        """(N, L) ids -> (N, L, d)."""
        return self.embedding(ids) * self.scale


class _PositionalEncoding(nn.Layer):
    """Adds the sinusoidal encoding of "Attention Is All You Need", then dropout.

    The table is a non-persistable buffer: it is a function of the width, not a weight.
    """

    def __init__(self, dim: int, dropout: float, max_len: int) -> None:
        super().__init__()
        pos = paddle.arange(max_len, dtype="float32").unsqueeze(1)
        freq = paddle.exp(paddle.arange(0, dim, 2, dtype="float32") * (-math.log(10000.0) / dim))
        angles = pos * freq  # (max_len, dim / 2)
        table = paddle.stack([paddle.sin(angles), paddle.cos(angles)], axis=2).flatten(1)
        self.register_buffer("pe", table.unsqueeze(0), persistable=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """(N, L, d) -> (N, L, d)."""
        return self.dropout(x + self.pe[:, : x.shape[1]])


class NRTRHead(nn.Layer):
    """Teacher-forced NRTR decoder over a (N, S, d_model) memory.

    Args:
        tokens: NRTR vocabulary layout (from the dictionary size).
        cfg: Hyper-parameters.
    """

    def __init__(self, tokens: TokenLayout, cfg: NRTRConfig = NRTRConfig()) -> None:
        super().__init__()
        nhead = cfg.nhead or cfg.d_model // 32
        hidden = cfg.dim_feedforward or 4 * cfg.d_model
        self.tokens = tokens
        self.embedding = _Embeddings(tokens.num_embeddings, cfg.d_model, tokens.pad)
        self.positional_encoding = _PositionalEncoding(
            cfg.d_model, cfg.residual_dropout_rate, cfg.max_len
        )
        self.decoder = nn.LayerList(
            [_DecoderBlock(cfg, nhead, hidden) for _ in range(cfg.num_decoder_layers)]
        )
        self.tgt_word_prj = nn.Linear(cfg.d_model, tokens.num_outputs, bias_attr=False)
        for layer in self.sublayers():
            if isinstance(layer, nn.Linear):
                _xavier(layer.weight)
                if layer.bias is not None:
                    _zeros(layer.bias)

    def forward(self, memory: Tensor, label: Tensor) -> Tensor:
        """Teacher-forced logits.

        Args:
            memory: (N, S, d_model) flattened features.
            label: (N, L) NRTR ids ``[bos, chars, eos, pad...]``.

        Returns:
            (N, L - 1, num_outputs) logits; step t predicts ``label[:, t + 1]``.
        """
        tgt = self.positional_encoding(self.embedding(label[:, :-1]))
        mask = causal_mask(tgt.shape[1])
        for block in self.decoder:
            tgt = block(tgt, memory, mask)
        return self.tgt_word_prj(tgt)
