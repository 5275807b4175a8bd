"""PARSeq's permuted autoregressive decoder (Bautista & Atienza, ECCV 2022).

One decoder is trained on several factorisations (permutations) of each label at once, so the
same weights decode left-to-right (autoregressive), all at once (non-autoregressive), and refine
a draft with every other character visible (cloze). Position queries attend to a "content"
stream of the label embeddings (two-stream attention), masked per permutation.
Parameter names (``decoder.layers.N.self_attn.q_proj``, ``text_embed.embedding``,
``pos_queries``, ``head``) follow PaddleOCR's ``ParseQHead`` so its checkpoints load.
"""

from __future__ import annotations

import math
from itertools import permutations
from typing import Any

import numpy as np
import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.output import ParseQOutput
from ppocr_lite.modeling.layers.weight_init import init_transformer_weights, trunc_normal_
from ppocr_lite.registry import HEADS
from ppocr_lite.tokens import parseq_tokens

# For 4 characters with mirroring, 12 of the 24 orders whose mirror images are the other 12.
_MIRROR_POOL_4 = [0, 3, 4, 6, 9, 10, 12, 16, 17, 18, 19, 21]


def generate_perms(num_chars: int, perm_num: int, forward: bool, mirrored: bool) -> np.ndarray:
    """Orders in which the decoder learns to predict a label of ``num_chars`` characters.

    Position 0 is BOS and ``num_chars + 1`` is EOS. The first order is left-to-right (when
    ``forward``); with ``mirrored`` each order is followed by its reverse, and the second order
    becomes right-to-left with EOS first, i.e. EOS learned from an empty context (needed to
    decode non-autoregressively). Random choices use Paddle's RNG, so ``paddle.seed`` fixes them.

    Returns:
        (K, num_chars + 2) int64 positions, K <= ``perm_num``.
    """
    n = num_chars
    if n == 1:
        return np.array([[0, 1, 2]], dtype=np.int64)
    max_gen = perm_num // 2 if mirrored else perm_num
    total = math.factorial(n) // (2 if mirrored else 1)
    wanted = min(max_gen, total)
    perms = [np.arange(n)] if forward else []
    if n < 5:  # few orders: sample them without repetition
        pool = np.array(list(permutations(range(n))), dtype=np.int64)
        pool = pool[_MIRROR_POOL_4] if n == 4 and mirrored else pool[:total]
        pool = pool[1:] if forward else pool
        picks = paddle.randperm(len(pool)).numpy()[: max(wanted - len(perms), 0)]
        perms += list(pool[picks])
    else:
        perms += [paddle.randperm(n).numpy() for _ in range(wanted - len(perms))]
    body = np.stack(perms).astype(np.int64)
    if mirrored:
        body = np.stack([body, body[:, ::-1]], axis=1).reshape([-1, n])
    k = len(body)
    out = np.concatenate([np.zeros((k, 1)), body + 1, np.full((k, 1), n + 1)], axis=1)
    out = out.astype(np.int64)
    if k > 1:
        out[1, 1:] = n + 1 - np.arange(n + 1)
    return out


def perm_masks(perm: np.ndarray) -> tuple[Tensor, Tensor]:
    """Additive attention masks of one order (positions 0 = BOS ... S - 1 = EOS).

    A position may see the positions that come before it in ``perm``; the content stream
    also sees itself, a query never does.

    Returns:
        Content mask (S - 1, S - 1) and query mask (S - 1, S - 1), 0 or -inf.
    """
    size = len(perm)
    rank = np.empty(size, dtype=np.int64)
    rank[perm] = np.arange(size)
    later = rank[None, :] > rank[:, None]  # [position, key]: the key comes later in the order
    content = np.where(later, -np.inf, 0.0)[:-1, :-1]
    query = np.where(later | np.eye(size, dtype=bool), -np.inf, 0.0)[1:, :-1]
    return paddle.to_tensor(content, "float32"), paddle.to_tensor(query, "float32")


def _with_padding(mask: Tensor | None, padding: Tensor | None) -> Tensor | None:
    """Combine an (Lq, Lk) mask with (N, Lk) key padding into an (N, 1, Lq, Lk) additive mask."""
    if padding is None:
        return mask
    zeros = paddle.zeros(padding.shape, dtype="float32")
    pad = paddle.where(padding, paddle.full_like(zeros, float("-inf")), zeros).unsqueeze([1, 2])
    return pad if mask is None else pad + mask


class _DecoderLayer(nn.Layer):
    """Pre-norm two-stream decoder layer: self-attention, cross-attention to the image, MLP."""

    def __init__(self, dim: int, num_heads: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = nn.MultiHeadAttention(dim, num_heads, dropout=dropout)
        self.cross_attn = nn.MultiHeadAttention(dim, num_heads, dropout=dropout)
        self.linear1 = nn.Linear(dim, hidden)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(hidden, dim)
        self.norm1 = nn.LayerNorm(dim, epsilon=1e-5)
        self.norm2 = nn.LayerNorm(dim, epsilon=1e-5)
        self.norm_q = nn.LayerNorm(dim, epsilon=1e-5)
        self.norm_c = nn.LayerNorm(dim, epsilon=1e-5)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = nn.GELU()

    def _stream(self, x: Tensor, x_norm: Tensor, kv: Tensor, memory: Tensor, mask: Any) -> Tensor:
        x = x + self.dropout1(self.self_attn(x_norm, kv, kv, attn_mask=mask))
        x = x + self.dropout2(self.cross_attn(self.norm1(x), memory, memory))
        hidden = self.dropout(self.activation(self.linear1(self.norm2(x))))
        return x + self.dropout3(self.linear2(hidden))

    def forward(
        self, query: Tensor, content: Tensor, memory: Tensor, masks: tuple[Any, Any], last: bool
    ) -> tuple[Tensor, Tensor]:
        """(N, Lq, C) queries, (N, Lc, C) content, (N, S, C) memory -> updated streams."""
        query_mask, content_mask = masks
        content_norm = self.norm_c(content)
        query = self._stream(query, self.norm_q(query), content_norm, memory, query_mask)
        if not last:  # the last layer's content stream would never be read
            content = self._stream(content, content_norm, content_norm, memory, content_mask)
        return query, content


class _Decoder(nn.Layer):
    def __init__(self, layers: list[_DecoderLayer], dim: int) -> None:
        super().__init__()
        self.layers = nn.LayerList(layers)
        self.norm = nn.LayerNorm(dim, epsilon=1e-5)

    def forward(self, query: Tensor, content: Tensor, memory: Tensor, masks: tuple) -> Tensor:
        for i, layer in enumerate(self.layers):
            query, content = layer(query, content, memory, masks, i == len(self.layers) - 1)
        return self.norm(query)


class _TokenEmbedding(nn.Layer):
    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.scale = math.sqrt(dim)

    def forward(self, ids: Tensor) -> Tensor:
        return self.embedding(ids.astype("int64")) * self.scale


@HEADS.register()
class ParseQHead(nn.Layer):
    """PARSeq decoder over the (N, S, C) tokens of a ViT encoder.

    Args:
        in_channels: Memory width C (injected); must equal ``embed_dim`` when that is given.
        out_channels: Classes predicted, EOS + the characters (injected from the dictionary);
            BOS and padding are input-only ids, so they can never be decoded.
        max_text_length: Longest label; the decoder has ``max_text_length + 1`` positions.
        embed_dim: Accepted for PaddleOCR configs (defaults to ``in_channels``).
        dec_num_heads, dec_mlp_ratio, dec_depth: Decoder attention heads, MLP ratio, layers.
        perm_num, perm_forward, perm_mirrored: Orders trained per batch (see ``generate_perms``).
        decode_ar: Decode left-to-right (True) or all positions at once (False).
        refine_iters: Cloze refinement passes after decoding.
        dropout: Dropout of the decoder.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        max_text_length: int = 25,
        embed_dim: int | None = None,
        dec_num_heads: int = 12,
        dec_mlp_ratio: int = 4,
        dec_depth: int = 1,
        perm_num: int = 6,
        perm_forward: bool = True,
        perm_mirrored: bool = True,
        decode_ar: bool = True,
        refine_iters: int = 1,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if embed_dim is not None and embed_dim != in_channels:
            raise ConfigError(
                f"ParseQHead.embed_dim {embed_dim} differs from the backbone width {in_channels}"
            )
        self.tokens = parseq_tokens(out_channels - 1)
        self.out_channels = out_channels
        self.max_text_length = max_text_length
        self.perm = (perm_num, perm_forward, perm_mirrored)
        self.decode_ar, self.refine_iters = decode_ar, refine_iters
        dim = in_channels
        layers = [
            _DecoderLayer(dim, dec_num_heads, dim * dec_mlp_ratio, dropout)
            for _ in range(dec_depth)
        ]
        self.decoder = _Decoder(layers, dim)
        self.head = nn.Linear(dim, self.tokens.num_outputs)
        self.text_embed = _TokenEmbedding(self.tokens.num_embeddings, dim)
        self.pos_queries = self.create_parameter([1, max_text_length + 1, dim])
        self.dropout = nn.Dropout(dropout)
        self.apply(init_transformer_weights)
        trunc_normal_(self.pos_queries)
        trunc_normal_(self.text_embed.embedding.weight)

    def decode(
        self,
        tgt: Tensor,
        memory: Tensor,
        content_mask: Tensor | None = None,
        padding: Tensor | None = None,
        query: Tensor | None = None,
        query_mask: Tensor | None = None,
    ) -> Tensor:
        """(N, L) input ids (BOS first) -> (N, Lq, C) query features (Lq = L unless ``query``)."""
        n, length = tgt.shape
        content = self.text_embed(tgt[:, :1])  # BOS: the null context, without a position
        if length > 1:
            chars = self.pos_queries[:, : length - 1] + self.text_embed(tgt[:, 1:])
            content = paddle.concat([content, chars], axis=1)
        if query is None:
            query = self.pos_queries[:, :length].expand([n, -1, -1])
        masks = (_with_padding(query_mask, padding), _with_padding(content_mask, padding))
        return self.decoder(self.dropout(query), self.dropout(content), memory, masks)

    def forward_train(self, memory: Tensor, label: Tensor, length: Tensor) -> ParseQOutput:
        """Teacher-forced logits of every sampled order (see ``forward``)."""
        tgt = label[:, : int(length.max()) + 2].astype("int64")
        tgt_in = tgt[:, :-1]
        padding = (tgt_in == self.tokens.pad) | (tgt_in == self.tokens.eos)
        logits_list = []
        for perm in generate_perms(tgt.shape[1] - 2, *self.perm):
            content_mask, query_mask = perm_masks(perm)
            out = self.decode(tgt_in, memory, content_mask, padding, query_mask=query_mask)
            logits_list.append(self.head(out))
        return ParseQOutput(
            logits_list[0], logits_list=logits_list, pad_id=self.tokens.pad, eos_id=self.tokens.eos
        )

    def _stops_early(self) -> bool:
        """Whether decoding may stop once every row has ended: in dygraph (a speed-up), not
        while the model is traced for export (a data-dependent loop exit)."""
        return paddle.in_dynamic_mode()

    def _decode_ar(self, memory: Tensor, queries: Tensor, causal: Tensor) -> Tensor:
        """Left-to-right greedy decoding. The dygraph model stops once every row has predicted
        EOS; a traced (exported) graph runs every step, which gives the same text and score:
        the refinement masks the tokens after the first EOS as padding."""
        n, steps = memory.shape[0], queries.shape[1]
        tgt = paddle.full([n, 1], self.tokens.bos, dtype="int64")
        logits = []
        for i in range(steps):
            out = self.decode(tgt, memory, causal[: i + 1, : i + 1], None, queries[:, i : i + 1],
                              causal[i : i + 1, : i + 1])  # fmt: skip
            logits.append(self.head(out))
            if i + 1 < steps:
                tgt = paddle.concat([tgt, logits[-1].argmax(-1)], axis=1)
                if self._stops_early() and bool((tgt == self.tokens.eos).any(axis=1).all()):
                    break
        return paddle.concat(logits, axis=1)

    def forward_test(self, memory: Tensor) -> Tensor:
        """(N, S, C) memory -> (N, max_text_length + 1, out_channels) probabilities."""
        n, steps = memory.shape[0], self.max_text_length + 1
        queries = self.pos_queries[:, :steps].expand([n, -1, -1])
        idx = paddle.arange(steps, dtype="int64")
        zeros = paddle.zeros([steps, steps], dtype="float32")
        inf = paddle.full_like(zeros, float("-inf"))
        causal = paddle.where(idx.unsqueeze(0) > idx.unsqueeze(1), inf, zeros)
        if self.decode_ar:
            logits = self._decode_ar(memory, queries, causal)
        else:
            bos = paddle.full([n, 1], self.tokens.bos, dtype="int64")
            logits = self.head(self.decode(bos, memory, query=queries))
        # Cloze refinement: position i sees every other decoded character but not its own. The
        # content stream gets the same mask (as in PARSeq's reference code, where the two masks
        # are one tensor); it matters from two decoder layers on, and keeps our outputs equal to
        # PaddleOCR's on its checkpoints.
        cloze = paddle.where(idx.unsqueeze(0) == idx.unsqueeze(1) + 1, inf, zeros)
        for _ in range(self.refine_iters):
            bos = paddle.full([n, 1], self.tokens.bos, dtype="int64")
            tgt = paddle.concat([bos, logits[:, :-1].argmax(-1)], axis=1)
            padding = paddle.cumsum((tgt == self.tokens.eos).astype("int32"), axis=1) > 0
            size = tgt.shape[1]
            logits = self.head(self.decode(tgt, memory, cloze[:size, :size], padding, queries,
                                           cloze[:, :size]))  # fmt: skip
        probs = F.softmax(logits, axis=-1)
        if probs.shape[1] < steps:  # stopped early: the rest is certainly EOS
            fill = F.one_hot(paddle.full([n, steps - probs.shape[1]], self.tokens.eos, "int64"),
                             self.out_channels)  # fmt: skip
            probs = paddle.concat([probs, fill.astype(probs.dtype)], axis=1)
        return probs

    def forward(self, x: Tensor, targets: Batch | None = None) -> Tensor | ParseQOutput:
        """Decode the encoder tokens.

        Args:
            x: (N, S, C) encoder tokens.
            targets: The Batch (training only), with ``label`` (N, L) PARSeq ids and ``length``.

        Returns:
            Eval: (N, max_text_length + 1, out_channels) probabilities. Training: a
            ``ParseQOutput``: ``logits_list`` (one (N, T, out_channels) logits per order; the
            first, left-to-right, also as ``predict``), ``pad_id`` and ``eos_id`` for the loss.
        """
        if not self.training:
            return self.forward_test(x)
        if targets is None:
            raise ValueError("ParseQHead needs the batch in training: call model(image, batch)")
        label, length = targets.label, targets.length
        if not isinstance(label, paddle.Tensor):
            label, length = paddle.to_tensor(label), paddle.to_tensor(length)
        return self.forward_train(x, label, length)
