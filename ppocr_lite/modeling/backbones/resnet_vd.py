"""ResNet-vd for text recognition (the CRNN / PP-OCRv2-era server backbone).

The "vd" tweaks are a three-conv stem and shortcuts that average-pool before their 1x1 conv
instead of striding it. For text lines the stages downsample the height only ((2, 1) strides),
so a 32 x 100 line ends as a 1 x 25 feature map.
"""

from __future__ import annotations

import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers.legacy_conv_bn import LegacyConvBNAct
from ppocr_lite.registry import BACKBONES

_DEPTHS: dict[int, tuple[int, int, int, int]] = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
    200: (3, 12, 48, 3),
}
_STAGE_WIDTHS = (64, 128, 256, 512)


class _AvgDownConvBN(LegacyConvBNAct):
    """A vd shortcut: average-pool by ``stride`` (ceil mode), then a stride-1 1x1 conv + BN.

    Pooling first lets every input pixel reach the output, where a strided 1x1 conv would
    drop three in four of them.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: tuple[int, int]) -> None:
        super().__init__(in_channels, out_channels, 1)
        self._pool2d_avg = nn.AvgPool2D(kernel_size=stride, stride=stride, ceil_mode=True)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, ceil(H / sh), ceil(W / sw))."""
        return super().forward(self._pool2d_avg(x))


def _shortcut(
    in_channels: int, out_channels: int, stride: tuple[int, int], first: bool
) -> nn.Layer:
    # Downsampling projections average-pool first (the vd tweak); the only other projection is
    # the very first block's, which has stride 1 and stays a plain 1x1 conv.
    if not first and stride[0] != 1:
        return _AvgDownConvBN(in_channels, out_channels, stride)
    return LegacyConvBNAct(in_channels, out_channels, 1, stride)


class _BasicBlock(nn.Layer):
    """Two 3x3 convs plus a shortcut (ResNet-18/34); ``expansion`` is 1."""

    expansion = 1

    def __init__(
        self, in_channels: int, width: int, stride: tuple[int, int], project: bool, first: bool
    ) -> None:
        super().__init__()
        self.conv0 = LegacyConvBNAct(in_channels, width, 3, stride, act=nn.ReLU)
        self.conv1 = LegacyConvBNAct(width, width, 3)
        self.short = _shortcut(in_channels, width, stride, first) if project else None

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, width, H / sh, W / sw)."""
        short = self.short(x) if self.short is not None else x
        return F.relu(short + self.conv1(self.conv0(x)))


class _BottleneckBlock(nn.Layer):
    """1x1 reduce, strided 3x3, 1x1 expand to ``4 * width``, plus a shortcut (ResNet-50+)."""

    expansion = 4

    def __init__(
        self, in_channels: int, width: int, stride: tuple[int, int], project: bool, first: bool
    ) -> None:
        super().__init__()
        out_channels = width * self.expansion
        self.conv0 = LegacyConvBNAct(in_channels, width, 1, act=nn.ReLU)
        self.conv1 = LegacyConvBNAct(width, width, 3, stride, act=nn.ReLU)
        self.conv2 = LegacyConvBNAct(width, out_channels, 1)
        self.short = _shortcut(in_channels, out_channels, stride, first) if project else None

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, 4 * width, H / sh, W / sw)."""
        short = self.short(x) if self.short is not None else x
        return F.relu(short + self.conv2(self.conv1(self.conv0(x))))


@BACKBONES.register()
class ResNet(nn.Layer):
    """ResNet-vd for recognition: (N, C, 32, W) -> (N, out_channels, 1, W / 4).

    Blocks are registered as ``bb_{stage}_{index}`` (e.g. ``bb_2_5.conv1._conv.weight``), the
    names PaddleOCR checkpoints use. The first block of every stage has a projection shortcut
    ``short``, even where the channels already match, as in PaddleOCR.

    Args:
        in_channels: Image channels.
        layers: Depth, one of 18, 34, 50, 101, 152, 200. ``out_channels`` is 512 below 50
            and 2048 from 50 on.
    """

    def __init__(self, in_channels: int = 3, layers: int = 50) -> None:
        super().__init__()
        if layers not in _DEPTHS:
            raise ConfigError(f"ResNet.layers must be one of {sorted(_DEPTHS)}, got {layers!r}")
        block_cls = _BottleneckBlock if layers >= 50 else _BasicBlock
        self.conv1_1 = LegacyConvBNAct(in_channels, 32, 3, act=nn.ReLU)
        self.conv1_2 = LegacyConvBNAct(32, 32, 3, act=nn.ReLU)
        self.conv1_3 = LegacyConvBNAct(32, 64, 3, act=nn.ReLU)
        self.pool2d_max = nn.MaxPool2D(kernel_size=3, stride=2, padding=1)
        # A plain list: the blocks are registered under their checkpoint names just below.
        self.block_list: list[nn.Layer] = []
        channels = 64
        for stage, (depth, width) in enumerate(zip(_DEPTHS[layers], _STAGE_WIDTHS, strict=True)):
            for index in range(depth):
                stride = (2, 1) if index == 0 and stage != 0 else (1, 1)
                block = block_cls(channels, width, stride, index == 0, stage == index == 0)
                self.block_list.append(self.add_sublayer(f"bb_{stage}_{index}", block))
                channels = width * block_cls.expansion
        self.out_pool = nn.MaxPool2D(kernel_size=2, stride=2, padding=0)
        self.out_channels = channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, out_channels, H / 32, W / 4)."""
        x = self.pool2d_max(self.conv1_3(self.conv1_2(self.conv1_1(x))))
        for block in self.block_list:
            x = block(x)
        return self.out_pool(x)
