"""CPPD's head: character and position nodes decoded in parallel over the visual tokens.

"Context Perception Parallel Decoder for Scene Text Recognition" (Du et al., 2023). While
training, character nodes learn how often each class occurs and position nodes whether each
slot holds a character; every position node then reads the character-aware visual tokens
(the "edge") and is classified. Inference needs no character nodes: one parallel pass.
Sublayer names (``char_node_decoder.0.mixer.kv``, ``edge_decoder.pv``, ...) follow PaddleOCR's
``CPPDHead`` so its checkpoints load.
"""

from __future__ import annotations

import math

import numpy as np
import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.modeling.heads.output import CPPDOutput
from ppocr_lite.modeling.layers.drop_path import DropPath
from ppocr_lite.modeling.layers.mlp import Mlp
from ppocr_lite.modeling.layers.weight_init import init_transformer_weights, trunc_normal_
from ppocr_lite.registry import HEADS


def _heads(x: Tensor, num_heads: int) -> Tensor:
    """(N, L, C) -> (N, heads, L, C / heads)."""
    n, length, width = x.shape
    return x.reshape([n, length, num_heads, width // num_heads]).transpose([0, 2, 1, 3])


def _merge(x: Tensor) -> Tensor:
    """(N, heads, L, d) -> (N, L, heads * d)."""
    n, h, length, d = x.shape
    return x.transpose([0, 2, 1, 3]).reshape([n, length, h * d])


class _ScaledEmbedding(nn.Layer):
    """Embedding scaled by sqrt(dim), drawn from N(0, dim^-1/2)."""

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        nn.initializer.Normal(0.0, dim**-0.5)(self.embedding.weight)
        self.scale = math.sqrt(dim)

    def forward(self, ids: Tensor) -> Tensor:
        return self.embedding(ids) * self.scale


class _CrossAttention(nn.Layer):
    """Queries attend over separate keys/values (``q`` and a joint ``kv`` projection)."""

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, dim * 2)
        self.proj = nn.Linear(dim, dim)

    def forward(self, q: Tensor, kv: Tensor) -> Tensor:
        """(N, Lq, C) queries, (N, Lk, C) memory -> (N, Lq, C)."""
        n, length, width = kv.shape
        k, v = self.kv(kv).reshape([n, length, 2, width]).unbind(axis=2)
        q, k, v = (_heads(t, self.num_heads) for t in (self.q(q), k, v))
        attn = F.softmax(paddle.matmul(q, k, transpose_y=True) * self.scale, axis=-1)
        return self.proj(_merge(paddle.matmul(attn, v)))


class _DecoderLayer(nn.Layer):
    """Post-norm block: cross-attention then MLP, each added to its input and normalised."""

    def __init__(self, dim: int, num_heads: int, drop_path: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, epsilon=1e-6)
        # PaddleOCR builds this norm and never applies it; kept so its checkpoints load.
        self.normkv = nn.LayerNorm(dim, epsilon=1e-6)
        self.mixer = _CrossAttention(dim, num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, epsilon=1e-6)
        self.mlp = Mlp(dim, dim * 4)

    def forward(self, q: Tensor, kv: Tensor) -> Tensor:
        x = self.norm1(q + self.drop_path(self.mixer(q, kv)))
        return self.norm2(x + self.drop_path(self.mlp(x)))


class _EdgeDecoderLayer(nn.Layer):
    """Position nodes gather character-aware visual tokens (unscaled dot-product weights)."""

    def __init__(self, dim: int, num_heads: int, drop_path: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.drop_path1 = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm1 = nn.LayerNorm(dim, epsilon=1e-6)
        self.norm2 = nn.LayerNorm(dim, epsilon=1e-6)
        self.p = nn.Linear(dim, dim)
        self.cv = nn.Linear(dim, dim)
        self.pv = nn.Linear(dim, dim)
        self.p_proj = nn.Linear(dim, dim)
        self.mlp = Mlp(dim, dim * 4)

    def forward(self, p: Tensor, cv: Tensor, pv: Tensor) -> Tensor:
        """(N, P, C) position nodes, (N, L, C) values and keys -> (N, P, C)."""
        pairs = ((self.p, p), (self.cv, cv), (self.pv, pv))
        q, v, k = (_heads(linear(t), self.num_heads) for linear, t in pairs)
        edge = F.softmax(paddle.matmul(q, k, transpose_y=True), axis=-1)
        x = self.norm1(p + self.drop_path1(self.p_proj(_merge(paddle.matmul(edge, v)))))
        return self.norm2(x + self.drop_path1(self.mlp(x)))


@HEADS.register()
class CPPDHead(nn.Layer):
    """Parallel decoder over (N, vis_seq, dim) tokens (SVTRNet with ``last_stage: false``).

    Args:
        in_channels: The backbone's reported width (unused: ``dim`` is the token width).
        out_channels: Classes: EOS (0) and the characters (``CPPDLabelDecode.num_classes``).
        dim: Token width.
        num_layer: Blocks of the character-node and of the position-node decoders.
        drop_path_rate: Stochastic depth, rising linearly to the edge decoder.
        max_len: Longest text; the head has ``max_len + 1`` position nodes (EOS included).
        vis_seq: Number of visual tokens.
        ch: Character nodes from the label (``batch.label_index``) instead of the whole
            vocabulary, for large dictionaries.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        dim: int,
        num_layer: int = 2,
        drop_path_rate: float = 0.1,
        max_len: int = 25,
        vis_seq: int = 50,
        ch: bool = False,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.ch = ch
        self.max_len = max_len + 1
        self.char_node_embed = _ScaledEmbedding(out_channels, dim)
        self.pos_node_embed = _ScaledEmbedding(self.max_len, dim)
        rates = np.linspace(0, drop_path_rate, num_layer + 1).tolist()
        heads = dim // 32
        self.char_node_decoder = nn.LayerList(
            [_DecoderLayer(dim, heads, rates[i]) for i in range(num_layer)]
        )
        self.pos_node_decoder = nn.LayerList(
            [_DecoderLayer(dim, heads, rates[i]) for i in range(num_layer)]
        )
        self.edge_decoder = _EdgeDecoderLayer(dim, heads, rates[num_layer])
        self.char_pos_embed = self.create_parameter([1, self.max_len, dim])
        self.vis_pos_embed = self.create_parameter([1, vis_seq, dim])
        self.char_node_fc1 = nn.Linear(dim, max_len)  # a class's count, 0 .. max_len - 1
        self.pos_node_fc1 = nn.Linear(dim, self.max_len)
        self.edge_fc = nn.Linear(dim, out_channels)
        trunc_normal_(self.char_pos_embed)
        trunc_normal_(self.vis_pos_embed)
        self.apply(init_transformer_weights)

    def _decode(self, char_q: Tensor, pos_q: Tensor, skip: int) -> tuple[Tensor, Tensor]:
        """Run both node decoders; the first ``skip`` / ``max_len`` queries are nodes."""
        # Both decoders have num_layer blocks (no strict=: the export trace cannot convert it).
        for char_layer, pos_layer in zip(self.char_node_decoder, self.pos_node_decoder):  # noqa: B905
            char_q = char_layer(char_q, char_q[:, skip:])
            pos_q = pos_layer(pos_q, pos_q[:, self.max_len :])
        return char_q, pos_q

    def forward(self, x: Tensor, targets: Batch | None = None) -> Tensor | CPPDOutput:
        """(N, vis_seq, dim) tokens -> (N, max_len + 1, out_channels).

        Returns:
            Eval: probabilities. Training: a ``CPPDOutput``: the edge logits as ``predict``,
            ``char_nodes`` (N, K, max_len) count logits of K character nodes and ``pos_nodes``
            (N, max_len + 1) slot logits.
        """
        n = paddle.shape(x)[0]  # a tensor: the batch stays free when the model is traced
        visual = x + self.vis_pos_embed
        pos = self.pos_node_embed(paddle.arange(self.max_len)).unsqueeze(0) + self.char_pos_embed
        pos_q = paddle.concat([pos.tile([n, 1, 1]), visual], axis=1)
        if not self.training:
            char_q, pos_q = self._decode(visual, pos_q, 0)
            edge = self.edge_decoder(pos_q[:, : self.max_len], char_q, char_q)
            return F.softmax(self.edge_fc(edge), axis=-1)
        if self.ch:
            if targets is None:
                raise ValueError("CPPDHead needs the batch in training: call model(image, batch)")
            chars = self.char_node_embed(targets.label_index.astype("int64"))
        else:
            chars = self.char_node_embed(paddle.arange(self.out_channels)).unsqueeze(0)
            chars = chars.tile([n, 1, 1])
        k = chars.shape[1]
        char_q, pos_q = self._decode(paddle.concat([chars, visual], axis=1), pos_q, k)
        pos_nodes = pos_q[:, : self.max_len]
        slots = paddle.diagonal(self.pos_node_fc1(pos_nodes), axis1=1, axis2=2)
        edge = self.edge_decoder(pos_nodes, char_q[:, k:], char_q[:, k:])
        return CPPDOutput(
            self.edge_fc(edge), char_nodes=self.char_node_fc1(char_q[:, :k]), pos_nodes=slots
        )
