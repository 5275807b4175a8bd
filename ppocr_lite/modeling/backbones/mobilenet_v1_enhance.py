"""MobileNetV1Enhance, the PP-OCRv3 (SVTR-LCNet) recognition backbone.

A MobileNetV1 stack of depthwise-separable blocks whose strides halve the height only, with 5x5
depthwise kernels and squeeze-excite in the last stage, so a 48 x 320 line ends as 1 x 40.
"""

from __future__ import annotations

from collections.abc import Sequence

import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers.legacy_conv_bn import LegacyConvBNAct
from ppocr_lite.registry import BACKBONES

Stride = int | tuple[int, int]

# (pointwise channels before scaling, stride, depthwise kernel, use_se) of each block; the
# depthwise conv keeps the channels of the block's input. The last block, (1024, 5, True), takes
# ``last_conv_stride`` and is appended by the constructor.
_BLOCKS: tuple[tuple[int, Stride, int, bool], ...] = (
    (64, 1, 3, False),
    (128, 1, 3, False),
    (128, 1, 3, False),
    (256, (2, 1), 3, False),
    (256, 1, 3, False),
    (512, (2, 1), 3, False),
    *((512, 1, 5, False),) * 5,
    (1024, (2, 1), 5, True),
)
_POOL_TYPES = ("max", "avg")


class _SEModule(nn.Layer):
    """Squeeze-excite with biased 1x1 convolutions and a hard-sigmoid gate."""

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2D(1)
        self.conv1 = nn.Conv2D(channels, channels // reduction, 1)
        self.conv2 = nn.Conv2D(channels // reduction, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W), each channel scaled by its gate."""
        gate = self.conv2(F.relu(self.conv1(self.avg_pool(x))))
        return x * F.hardsigmoid(gate)


class _DepthwiseSeparable(nn.Layer):
    """Depthwise k x k conv, optional squeeze-excite, pointwise 1x1 conv (hard-swish after each)."""

    def __init__(
        self, in_channels: int, out_channels: int, stride: Stride, kernel_size: int, use_se: bool
    ) -> None:
        super().__init__()
        self._depthwise_conv = _conv_bn(in_channels, in_channels, kernel_size, stride, in_channels)
        self._se = _SEModule(in_channels) if use_se else None
        self._pointwise_conv = _conv_bn(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / sh, W / sw)."""
        x = self._depthwise_conv(x)
        if self._se is not None:
            x = self._se(x)
        return self._pointwise_conv(x)


def _conv_bn(
    in_channels: int, out_channels: int, kernel_size: int, stride: Stride = 1, groups: int = 1
) -> LegacyConvBNAct:
    # PaddleOCR exempts this backbone's batch-norm parameters from weight decay.
    return LegacyConvBNAct(
        in_channels, out_channels, kernel_size, stride, groups, nn.Hardswish, bn_decay=0.0
    )


def _stride(value: int | Sequence[int], key: str) -> Stride:
    if isinstance(value, int):
        return value
    if len(value) != 2:
        raise ConfigError(f"MobileNetV1Enhance.{key} must be an int or [sh, sw], got {value}")
    return (int(value[0]), int(value[1]))


@BACKBONES.register()
class MobileNetV1Enhance(nn.Layer):
    """MobileNetV1Enhance: (N, 3, 48, 320) -> (N, 1024 * scale, 1, 40) with the PP-OCRv3 config.

    Args:
        in_channels: Image channels.
        scale: Width multiplier of every layer (PP-OCRv3 uses 0.5).
        last_conv_stride: Stride of the last depthwise conv; ``[1, 2]`` halves the width.
        last_pool_type: ``max`` (2 x 2 max pool) or ``avg`` (average pool of
            ``last_pool_kernel_size``, used with the same stride).
        last_pool_kernel_size: (kh, kw) of the ``avg`` pool.
    """

    def __init__(
        self,
        in_channels: int = 3,
        scale: float = 0.5,
        last_conv_stride: int | Sequence[int] = 1,
        last_pool_type: str = "max",
        last_pool_kernel_size: Sequence[int] = (3, 2),
    ) -> None:
        super().__init__()
        if last_pool_type not in _POOL_TYPES:
            raise ConfigError(
                f"MobileNetV1Enhance.last_pool_type must be one of {_POOL_TYPES}, "
                f"got {last_pool_type!r}"
            )
        specs = (*_BLOCKS, (1024, _stride(last_conv_stride, "last_conv_stride"), 5, True))
        channels = int(32 * scale)
        self.conv1 = _conv_bn(in_channels, channels, 3, 2)
        blocks = []
        for pw_channels, stride, kernel, use_se in specs:
            out = int(pw_channels * scale)  # truncation, not rounding, as in PaddleOCR
            blocks.append(_DepthwiseSeparable(channels, out, stride, kernel, use_se))
            channels = out
        self.block_list = nn.Sequential(*blocks)
        self.pool = _last_pool(last_pool_type, last_pool_kernel_size)
        self.out_channels = channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, out_channels, H / 32, W / 8) with the PP-OCRv3 settings."""
        return self.pool(self.block_list(self.conv1(x)))


def _last_pool(pool_type: str, kernel_size: Sequence[int]) -> nn.Layer:
    if pool_type == "avg":
        kernel = tuple(int(k) for k in kernel_size)
        return nn.AvgPool2D(kernel_size=kernel, stride=kernel, padding=0)
    return nn.MaxPool2D(kernel_size=2, stride=2, padding=0)
