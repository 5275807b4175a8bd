"""Convolution + batch norm + activation as used by SVTR (sublayers ``conv`` and ``norm``)."""

from __future__ import annotations

from paddle import ParamAttr, Tensor, nn


class ConvNormAct(nn.Layer):
    """``act(norm(conv(x)))`` with "same" padding.

    It differs from :class:`ConvBNAct` only in its sublayer names: PaddleOCR's SVTR backbone and
    SVTR neck name the batch norm ``norm`` (``*.conv.weight``, ``*.norm._mean``), and those names
    are part of the checkpoint format.

    Args:
        in_channels: Input channels C_in.
        out_channels: Output channels C_out.
        kernel_size: Convolution kernel size (int or (kh, kw)); padding is ``k // 2`` per side.
        stride: Convolution stride (int or (sh, sw)).
        bias: Whether the convolution has a bias (the SVTR patch embedding has one).
        act: Activation class.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int] = 3,
        stride: int | tuple[int, int] = 1,
        bias: bool = False,
        act: type[nn.Layer] = nn.GELU,
    ) -> None:
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.conv = nn.Conv2D(
            in_channels,
            out_channels,
            (kh, kw),
            stride,
            (kh // 2, kw // 2),
            weight_attr=ParamAttr(initializer=nn.initializer.KaimingUniform()),
            bias_attr=None if bias else False,
        )
        self.norm = nn.BatchNorm2D(out_channels)
        self.act = act()

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        return self.act(self.norm(self.conv(x)))
