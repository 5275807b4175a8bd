"""Turn a (N, C, 1, W) feature map into a (N, T=W, D) sequence, optionally encoding it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import paddle
from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import NECKS, did_you_mean


class Im2Seq(nn.Layer):
    """(N, C, 1, W) -> (N, W, C). Height must already be 1 (the backbone pools it away)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.out_channels = in_channels

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[2] != 1:
            raise ValueError(f"Im2Seq needs a feature map of height 1, got shape {list(x.shape)}")
        return x.squeeze(axis=2).transpose([0, 2, 1])


class _EncoderWithRNN(nn.Layer):
    """Two-layer bidirectional LSTM: (N, T, C) -> (N, T, 2 * hidden_size)."""

    def __init__(self, in_channels: int, hidden_size: int) -> None:
        super().__init__()
        self.out_channels = hidden_size * 2
        self.lstm = nn.LSTM(in_channels, hidden_size, direction="bidirectional", num_layers=2)

    def forward(self, x: Tensor) -> Tensor:
        return self.lstm(x)[0]


class _EncoderWithFC(nn.Layer):
    """A linear projection: (N, T, C) -> (N, T, hidden_size)."""

    def __init__(self, in_channels: int, hidden_size: int) -> None:
        super().__init__()
        self.out_channels = hidden_size
        bound = 1.0 / math.sqrt(in_channels)
        init = nn.initializer.Uniform(-bound, bound)
        l2 = paddle.regularizer.L2Decay(1e-5)
        self.fc = nn.Linear(
            in_channels,
            hidden_size,
            weight_attr=paddle.ParamAttr(initializer=init, regularizer=l2),
            bias_attr=paddle.ParamAttr(initializer=init, regularizer=l2),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x)


def _svtr_encoder(in_channels: int, **kwargs: Any) -> nn.Layer:
    # Imported lazily: the SVTR mixing blocks live with the SVTR backbone.
    from ppocr_lite.modeling.necks.svtr_encoder import EncoderWithSVTR

    return EncoderWithSVTR(in_channels, **kwargs)


_SEQUENCE_ENCODERS: dict[str, Callable[..., nn.Layer]] = {
    "rnn": lambda c, hidden_size=48: _EncoderWithRNN(c, hidden_size),
    "fc": lambda c, hidden_size=48: _EncoderWithFC(c, hidden_size),
    "svtr": _svtr_encoder,
}
_ENCODERS_BEFORE_RESHAPE = ("svtr",)


# Keys of the ``svtr`` encoder (PaddleOCR's EncoderWithSVTR); listed so typos are caught.
SVTR_KEYS = (
    "dims",
    "depth",
    "hidden_dims",
    "use_guide",
    "num_heads",
    "qkv_bias",
    "mlp_ratio",
    "drop_rate",
    "attn_drop_rate",
    "drop_path",
    "kernel_size",
    "qk_scale",
)


@NECKS.register()
class SequenceEncoder(nn.Layer):
    """Reshape to a sequence, then encode it with ``encoder_type``.

    Args:
        in_channels: Channels of the backbone output.
        encoder_type: ``reshape``, ``rnn`` (BiLSTM), ``fc`` or ``svtr``.
        hidden_size: LSTM / FC width for ``rnn`` and ``fc``.
        dims, depth, hidden_dims, use_guide, num_heads, qkv_bias, mlp_ratio, drop_rate,
        attn_drop_rate, drop_path, kernel_size, qk_scale: Options of the ``svtr`` encoder
            (None keeps its default); rejected for other encoder types.
    """

    def __init__(
        self,
        in_channels: int,
        encoder_type: str,
        hidden_size: int = 48,
        dims: int | None = None,
        depth: int | None = None,
        hidden_dims: int | None = None,
        use_guide: bool | None = None,
        num_heads: int | None = None,
        qkv_bias: bool | None = None,
        mlp_ratio: float | None = None,
        drop_rate: float | None = None,
        attn_drop_rate: float | None = None,
        drop_path: float | None = None,
        kernel_size: Any = None,
        qk_scale: float | None = None,
    ) -> None:
        super().__init__()
        given = {k: v for k, v in locals().items() if k in SVTR_KEYS and v is not None}
        self.encoder_type = encoder_type
        self.encoder_reshape = Im2Seq(in_channels)
        self.encoder: nn.Layer | None = None
        self.out_channels = in_channels
        if encoder_type == "reshape":
            return
        if encoder_type not in _SEQUENCE_ENCODERS:
            choices = ["reshape", *_SEQUENCE_ENCODERS]
            raise ConfigError(
                f"unknown SequenceEncoder.encoder_type '{encoder_type}'"
                f"{did_you_mean(encoder_type, choices)}; choices: {', '.join(choices)}"
            )
        if encoder_type in _ENCODERS_BEFORE_RESHAPE:
            self.encoder = _SEQUENCE_ENCODERS[encoder_type](in_channels, **given)
        else:
            if given:
                raise ConfigError(
                    f"SequenceEncoder with encoder_type '{encoder_type}' does not accept "
                    f"{sorted(given)}; only hidden_size"
                )
            self.encoder = _SEQUENCE_ENCODERS[encoder_type](in_channels, hidden_size)
        self.out_channels = self.encoder.out_channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, T, out_channels); H must be 1 unless the encoder is ``svtr``."""
        if self.encoder is None:
            return self.encoder_reshape(x)
        if self.encoder_type in _ENCODERS_BEFORE_RESHAPE:
            return self.encoder_reshape(self.encoder(x))
        return self.encoder(self.encoder_reshape(x))
