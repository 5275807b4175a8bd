"""Convolution + batch norm + activation with the sublayer names of PaddleOCR's older backbones."""

from __future__ import annotations

from paddle import ParamAttr, Tensor, nn
from paddle.regularizer import L2Decay


class LegacyConvBNAct(nn.Layer):
    """``act(bn(conv(x)))`` with a bias-free, Kaiming-initialised convolution.

    It differs from :class:`ConvBNAct` in its sublayer names: PaddleOCR's MobileNetV1Enhance and
    ResNet-vd name them ``_conv`` and ``_batch_norm`` (``*._conv.weight``,
    ``*._batch_norm._mean``), and those names are part of the checkpoint format.

    Args:
        in_channels: Input channels C_in.
        out_channels: Output channels C_out.
        kernel_size: Odd convolution kernel size; padding is ``kernel_size // 2``.
        stride: Convolution stride (int or (sh, sw)).
        groups: Convolution groups (``in_channels`` for depthwise).
        act: Activation class (e.g. ``nn.ReLU``) or ``None``.
        bn_decay: L2 factor of the batch-norm scale and shift; ``None`` leaves them to the
            optimizer's global regularizer (PaddleOCR's MobileNetV1Enhance exempts them with 0).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int | tuple[int, int] = 1,
        groups: int = 1,
        act: type[nn.Layer] | None = None,
        *,
        bn_decay: float | None = None,
    ) -> None:
        super().__init__()
        self._conv = nn.Conv2D(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            kernel_size // 2,
            groups=groups,
            weight_attr=ParamAttr(initializer=nn.initializer.KaimingNormal()),
            bias_attr=False,
        )
        reg = None if bn_decay is None else L2Decay(bn_decay)
        self._batch_norm = nn.BatchNorm2D(
            out_channels,
            weight_attr=ParamAttr(regularizer=reg),
            bias_attr=ParamAttr(regularizer=reg),
        )
        self.act = act() if act is not None else None

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        x = self._batch_norm(self._conv(x))
        return self.act(x) if self.act is not None else x
