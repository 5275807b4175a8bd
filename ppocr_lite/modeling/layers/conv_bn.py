"""Convolution + batch norm + activation, the block most CNN backbones repeat."""

from __future__ import annotations

from paddle import Tensor, nn


class ConvBNAct(nn.Layer):
    """``act(bn(conv(x)))`` with a bias-free convolution.

    Sublayer names ``conv`` and ``bn`` are part of the checkpoint format (``*.conv.weight``,
    ``*.bn._mean``) shared with PaddleOCR's CNN backbones.

    Args:
        in_channels: Input channels C_in.
        out_channels: Output channels C_out.
        kernel_size: Convolution kernel size (int or (kh, kw)).
        stride: Convolution stride (int or (sh, sw)).
        padding: Convolution padding; ``None`` means "same" for odd kernels.
        groups: Convolution groups (``in_channels`` for depthwise).
        act: Activation class (e.g. ``nn.ReLU``) or ``None``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int] = 3,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | None = None,
        groups: int = 1,
        act: type[nn.Layer] | None = nn.ReLU,
    ) -> None:
        super().__init__()
        if padding is None:
            k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            padding = (k[0] // 2, k[1] // 2)
        self.conv = nn.Conv2D(
            in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias_attr=False
        )
        self.bn = nn.BatchNorm2D(out_channels)
        self.act = act() if act is not None else None

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        x = self.bn(self.conv(x))
        return self.act(x) if self.act is not None else x


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a scaled channel count to a multiple of ``divisor`` without losing over 10%."""
    min_value = min_value or divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded
