"""SAR's attention decoder, used by ``MultiHead`` as a training guide (PP-OCRv3).

"Show, Attend and Read" (Li et al., 2019): an LSTM summarises the feature map into one holistic
vector, and an LSTM decoder attends over the 2-D feature map at every step. Here it only guides
the shared backbone while training, so it runs teacher-forced and has no inference path.
Sublayer names (``encoder.rnn_encoder``, ``decoder.conv3x3_1``, ``decoder.prediction``, ...)
follow PaddleOCR's ``SARHead`` so its checkpoints load.
"""

from __future__ import annotations

from dataclasses import dataclass

import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.tokens import TokenLayout


@dataclass(frozen=True)
class SARConfig:
    """Hyper-parameters of the SAR guide (PaddleOCR's ``SARHead`` keys).

    Attributes:
        enc_dim: Width of the encoder LSTM.
        enc_bi_rnn: Bidirectional encoder LSTM.
        enc_drop_rnn: Dropout between the encoder LSTM layers.
        enc_gru: GRU instead of LSTM in the encoder.
        dec_bi_rnn: Bidirectional decoder LSTM.
        dec_drop_rnn: Dropout between the decoder LSTM layers.
        dec_gru: GRU instead of LSTM in the decoder.
        d_k: Width of the attention projections.
        pred_dropout: Dropout on the logits.
        pred_concat: Classify from [decoder state, glimpse, holistic] instead of the glimpse.
        max_text_length: Accepted for PaddleOCR configs (the guide decodes the label's length).
    """

    enc_dim: int = 512
    enc_bi_rnn: bool = False
    enc_drop_rnn: float = 0.1
    enc_gru: bool = False
    dec_bi_rnn: bool = False
    dec_drop_rnn: float = 0.0
    dec_gru: bool = False
    d_k: int = 512
    pred_dropout: float = 0.1
    pred_concat: bool = True
    max_text_length: int = 30


def _rnn(size_in: int, size: int, bidirectional: bool, dropout: float, gru: bool) -> nn.Layer:
    cls = nn.GRU if gru else nn.LSTM
    direction = "bidirectional" if bidirectional else "forward"
    return cls(size_in, size, num_layers=2, direction=direction, dropout=dropout)


def valid_width_mask(valid_ratio: Tensor | None, width: int) -> Tensor | None:
    """(N,) valid ratios -> (N, W) bool, True on columns that hold image (not right padding)."""
    if valid_ratio is None:
        return None
    valid = paddle.clip(paddle.ceil(valid_ratio.astype("float32") * width), 1, width)
    cols = paddle.arange(width, dtype="float32").unsqueeze(0)
    return cols < valid.unsqueeze(1)


class SAREncoder(nn.Layer):
    """Holistic feature: column max-pool, LSTM over the columns, state at the last valid column.

    Args:
        in_channels: Feature-map channels C.
        cfg: Hyper-parameters.
    """

    def __init__(self, in_channels: int, cfg: SARConfig) -> None:
        super().__init__()
        self.rnn_encoder = _rnn(in_channels, cfg.enc_dim, cfg.enc_bi_rnn, cfg.enc_drop_rnn,
                                cfg.enc_gru)  # fmt: skip
        self.out_channels = cfg.enc_dim * (2 if cfg.enc_bi_rnn else 1)
        self.linear = nn.Linear(self.out_channels, self.out_channels)

    def forward(self, feat: Tensor, valid: Tensor | None = None) -> Tensor:
        """(N, C, H, W) features and (N, W) valid columns -> (N, D) holistic feature."""
        columns = feat.max(axis=2).transpose([0, 2, 1])  # (N, W, C)
        states = self.rnn_encoder(columns)[0]  # (N, W, D)
        if valid is None:
            last = states[:, -1, :]
        else:
            idx = valid.astype("int64").sum(axis=1) - 1  # last valid column, >= 0
            last = paddle.take_along_axis(states, idx.reshape([-1, 1, 1]), axis=1).squeeze(1)
        return self.linear(last)


class ParallelSARDecoder(nn.Layer):
    """Teacher-forced LSTM decoder with 2-D attention over the feature map.

    Args:
        in_channels: Feature-map channels C.
        tokens: Vocabulary layout (embedding and classifier sizes, padding id).
        cfg: Hyper-parameters.
    """

    def __init__(self, in_channels: int, tokens: TokenLayout, cfg: SARConfig) -> None:
        super().__init__()
        enc = cfg.enc_dim * (2 if cfg.enc_bi_rnn else 1)
        dec = enc * (2 if cfg.dec_bi_rnn else 1)
        self.pred_concat = cfg.pred_concat
        self.conv1x1_1 = nn.Linear(dec, cfg.d_k)
        self.conv3x3_1 = nn.Conv2D(in_channels, cfg.d_k, 3, 1, 1)
        self.conv1x1_2 = nn.Linear(cfg.d_k, 1)
        self.rnn_decoder = _rnn(enc, enc, cfg.dec_bi_rnn, cfg.dec_drop_rnn, cfg.dec_gru)
        self.embedding = nn.Embedding(tokens.num_embeddings, enc, padding_idx=tokens.pad)
        self.pred_dropout = nn.Dropout(cfg.pred_dropout)
        fc_in = dec + in_channels + enc if cfg.pred_concat else in_channels
        self.prediction = nn.Linear(fc_in, tokens.num_outputs)

    def _glimpse(self, query: Tensor, feat: Tensor, valid: Tensor | None) -> Tensor:
        """(N, S, D) decoder states -> (N, S, C) attention-weighted features."""
        n, c, h, w = feat.shape
        q = self.conv1x1_1(query).unsqueeze([3, 4])  # (N, S, d_k, 1, 1)
        k = self.conv3x3_1(feat).unsqueeze(1)  # (N, 1, d_k, H, W)
        scores = self.conv1x1_2(paddle.tanh(q + k).transpose([0, 1, 3, 4, 2])).squeeze(-1)
        if valid is not None:  # no attention on the right padding
            keep = valid.reshape([n, 1, 1, w])
            scores = paddle.where(keep, scores, paddle.full_like(scores, float("-inf")))
        weights = F.softmax(scores.flatten(2), axis=-1)  # (N, S, H * W)
        return paddle.matmul(weights, feat.flatten(2).transpose([0, 2, 1]))

    def forward(
        self, feat: Tensor, holistic: Tensor, label: Tensor, valid: Tensor | None = None
    ) -> Tensor:
        """Teacher-forced logits.

        Args:
            feat: (N, C, H, W) feature map.
            holistic: (N, D) encoder summary, fed as the first decoder input.
            label: (N, L) SAR ids ``[bos, chars, eos, pad...]``.
            valid: (N, W) valid columns, or None.

        Returns:
            (N, L, num_outputs) logits; step t predicts ``label[:, t + 1]``.
        """
        inputs = paddle.concat([holistic.unsqueeze(1), self.embedding(label)], axis=1)
        states = self.rnn_decoder(inputs)[0]  # (N, L + 1, D)
        glimpse = self._glimpse(states, feat, valid)
        if self.pred_concat:
            whole = holistic.unsqueeze(1).expand([-1, states.shape[1], -1])
            logits = self.prediction(paddle.concat([states, glimpse, whole], axis=2))
        else:
            logits = self.prediction(glimpse)
        return self.pred_dropout(logits)[:, 1:, :]


class SARHead(nn.Layer):
    """SAR guide: encoder + teacher-forced decoder over a (N, C, H, W) feature map.

    Args:
        in_channels: Feature-map channels C.
        tokens: SAR vocabulary layout (from the dictionary size).
        cfg: Hyper-parameters.
    """

    def __init__(self, in_channels: int, tokens: TokenLayout, cfg: SARConfig = SARConfig()) -> None:
        super().__init__()
        self.tokens = tokens
        self.encoder = SAREncoder(in_channels, cfg)
        self.decoder = ParallelSARDecoder(in_channels, tokens, cfg)

    def forward(self, feat: Tensor, label: Tensor, valid_ratio: Tensor | None = None) -> Tensor:
        """(N, C, H, W) features, (N, L) SAR labels, (N,) valid ratios -> (N, L, classes) logits."""
        valid = valid_width_mask(valid_ratio, feat.shape[3])
        holistic = self.encoder(feat, valid)
        return self.decoder(feat, holistic, label, valid)
