"""PP-HGNet (small), the backbone of PaddleOCR's PP-OCRv4 server recognizer.

Each block runs a chain of 3x3 convolutions, concatenates the input with every intermediate
output, aggregates them with a 1x1 convolution and gates the channels (effective SE). Parameter
names follow PaddleOCR's ``PPHGNet_small`` (``stem.0.conv.weight``,
``stages.2.blocks.1.layers.5.bn._mean``, ``stages.0.blocks.0.att.conv.bias``, ...) so that
PaddleOCR checkpoints load unchanged.
"""

from __future__ import annotations

from typing import NamedTuple

import paddle
from paddle import ParamAttr, Tensor, nn
from paddle.nn import functional as F
from paddle.regularizer import L2Decay

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import BACKBONES

Stride = int | tuple[int, int]


class _ConvBNAct(nn.Layer):
    """``relu(bn(conv(x)))`` with "same" padding; the batch norm is exempt from weight decay.

    PaddleOCR trains this model with a global L2 regularizer; its batch-norm parameters carry
    their own zero decay, which overrides it, and so do these.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: Stride = 1,
        groups: int = 1,
        use_act: bool = True,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2D(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding=(kernel_size - 1) // 2,
            groups=groups,
            weight_attr=ParamAttr(initializer=nn.initializer.KaimingNormal()),
            bias_attr=False,
        )
        no_decay = ParamAttr(regularizer=L2Decay(0.0))
        self.bn = nn.BatchNorm2D(out_channels, weight_attr=no_decay, bias_attr=no_decay)
        self.act = nn.ReLU() if use_act else None

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / sh, W / sw)."""
        x = self.bn(self.conv(x))
        return self.act(x) if self.act is not None else x


class _EffectiveSE(nn.Layer):
    """``x * sigmoid(conv1x1(mean(x)))``: one full-width gate, no bottleneck."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        init = ParamAttr(initializer=nn.initializer.KaimingNormal())
        self.conv = nn.Conv2D(channels, channels, 1, weight_attr=init)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        return x * F.sigmoid(self.conv(x.mean((2, 3), keepdim=True)))


class _HGBlock(nn.Layer):
    """``layer_num`` chained 3x3 convs; all outputs and the input concatenated, 1x1, gated.

    Args:
        in_channels: Input channels.
        mid_channels: Width of the chained convolutions.
        out_channels: Output channels (of the 1x1 aggregation).
        layer_num: Number of chained convolutions.
        residual: Add the input to the output (widths must match).
    """

    def __init__(
        self, in_channels: int, mid_channels: int, out_channels: int, layer_num: int, residual: bool
    ) -> None:
        super().__init__()
        self.residual = residual
        widths = [in_channels] + [mid_channels] * layer_num
        self.layers = nn.LayerList(
            [_ConvBNAct(widths[i], widths[i + 1], 3) for i in range(layer_num)]
        )
        self.aggregation_conv = _ConvBNAct(sum(widths), out_channels, 1)
        self.att = _EffectiveSE(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H, W)."""
        outputs = [x]
        for layer in self.layers:
            outputs.append(layer(outputs[-1]))
        y = self.att(self.aggregation_conv(paddle.concat(outputs, axis=1)))
        return x + y if self.residual else y


class _StageSpec(NamedTuple):
    in_channels: int
    mid_channels: int
    out_channels: int
    blocks: int
    stride: Stride


class _HGStage(nn.Layer):
    """A strided depthwise conv (``downsample``), then ``_HGBlock``s."""

    def __init__(self, spec: _StageSpec, layer_num: int) -> None:
        super().__init__()
        c_in, mid, c_out = spec.in_channels, spec.mid_channels, spec.out_channels
        self.downsample = _ConvBNAct(c_in, c_in, 3, spec.stride, groups=c_in, use_act=False)
        blocks = [_HGBlock(c_in, mid, c_out, layer_num, residual=False)]
        blocks += [_HGBlock(c_out, mid, c_out, layer_num, True) for _ in range(spec.blocks - 1)]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / sh, W / sw)."""
        return self.blocks(self.downsample(x))


# PaddleOCR's recognition variant: strides shrink the height 16x but the width only 4x.
_SMALL_STEM = (64, 64, 128)
_SMALL_STAGES = (
    _StageSpec(128, 128, 256, 1, (2, 1)),
    _StageSpec(256, 160, 512, 1, (1, 2)),
    _StageSpec(512, 192, 768, 2, (2, 1)),
    _StageSpec(768, 224, 1024, 1, (2, 1)),
)


@BACKBONES.register()
class PPHGNet_small(nn.Layer):  # noqa: N801 (PaddleOCR's YAML name)
    """PP-HGNet small for text lines: a stem and four HG stages, pooled to one row.

    Args:
        in_channels: Image channels.
        det: PaddleOCR's switch to its detection variant; only recognition (``False``) exists
            here.

    Raises:
        ConfigError: if ``det`` is true.
    """

    def __init__(self, in_channels: int = 3, det: bool = False) -> None:
        super().__init__()
        if det:
            raise ConfigError("PPHGNet_small: only the recognition variant exists (det: false)")
        widths = (in_channels, *_SMALL_STEM)
        self.stem = nn.Sequential(
            *[
                _ConvBNAct(widths[i], widths[i + 1], 3, stride=2 if i == 0 else 1)
                for i in range(len(_SMALL_STEM))
            ]
        )
        self.stages = nn.LayerList([_HGStage(spec, layer_num=6) for spec in _SMALL_STAGES])
        self.out_channels = _SMALL_STAGES[-1].out_channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, 1024, 1, W / 8); H / 32 rows averaged (48x320 -> 1x40).

        PaddleOCR pools its eval pass with a (3, 2) window, written for 48-high inputs, and its
        training pass adaptively to 40 columns, written for 320-wide ones; both equal this pooling
        there, and this one also serves other sizes with the same width per time step.
        """
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return F.avg_pool2d(x, [x.shape[2], 2])
