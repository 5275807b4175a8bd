"""MobileNetV3 (small / large) for text lines: strides shrink height faster than width."""

from __future__ import annotations

from collections.abc import Sequence

import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers import ConvBNAct, make_divisible
from ppocr_lite.registry import BACKBONES

_ACTS: dict[str, type[nn.Layer]] = {"relu": nn.ReLU, "hardswish": nn.Hardswish}

# (kernel, expansion, out, use_se, activation, stride index or 1).  A stride index i means
# "(stride[i], 1)": only the height is downsampled so a 100-px line keeps ~25 time steps.
_LARGE = (
    (3, 16, 16, False, "relu", 0),
    (3, 64, 24, False, "relu", 1),
    (3, 72, 24, False, "relu", None),
    (5, 72, 40, True, "relu", 2),
    (5, 120, 40, True, "relu", None),
    (5, 120, 40, True, "relu", None),
    (3, 240, 80, False, "hardswish", None),
    (3, 200, 80, False, "hardswish", None),
    (3, 184, 80, False, "hardswish", None),
    (3, 184, 80, False, "hardswish", None),
    (3, 480, 112, True, "hardswish", None),
    (3, 672, 112, True, "hardswish", None),
    (5, 672, 160, True, "hardswish", 3),
    (5, 960, 160, True, "hardswish", None),
    (5, 960, 160, True, "hardswish", None),
)
_SMALL = (
    (3, 16, 16, True, "relu", 0),
    (3, 72, 24, False, "relu", 1),
    (3, 88, 24, False, "relu", None),
    (5, 96, 40, True, "hardswish", 2),
    (5, 240, 40, True, "hardswish", None),
    (5, 240, 40, True, "hardswish", None),
    (5, 120, 48, True, "hardswish", None),
    (5, 144, 48, True, "hardswish", None),
    (5, 288, 96, True, "hardswish", 3),
    (5, 576, 96, True, "hardswish", None),
    (5, 576, 96, True, "hardswish", None),
)
_SPECS = {"large": (_LARGE, 960), "small": (_SMALL, 576)}
_SCALES = (0.35, 0.5, 0.75, 1.0, 1.25)


class _SqueezeExcite(nn.Layer):
    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2D(1)
        self.conv1 = nn.Conv2D(channels, channels // reduction, 1)
        self.conv2 = nn.Conv2D(channels // reduction, channels, 1)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        w = F.hardsigmoid(
            self.conv2(self.relu(self.conv1(self.avg_pool(x)))), slope=0.2, offset=0.5
        )
        return x * w


class _InvertedResidual(nn.Layer):
    def __init__(
        self,
        in_ch: int,
        mid_ch: int,
        out_ch: int,
        kernel: int,
        stride: int | tuple[int, int],
        use_se: bool,
        act: type[nn.Layer],
    ) -> None:
        super().__init__()
        self.use_shortcut = stride == 1 and in_ch == out_ch
        self.expand_conv = ConvBNAct(in_ch, mid_ch, 1, act=act)
        self.bottleneck_conv = ConvBNAct(mid_ch, mid_ch, kernel, stride, groups=mid_ch, act=act)
        self.mid_se = _SqueezeExcite(mid_ch) if use_se else None
        self.linear_conv = ConvBNAct(mid_ch, out_ch, 1, act=None)

    def forward(self, x: Tensor) -> Tensor:
        y = self.bottleneck_conv(self.expand_conv(x))
        if self.mid_se is not None:
            y = self.mid_se(y)
        y = self.linear_conv(y)
        return x + y if self.use_shortcut else y


@BACKBONES.register()
class MobileNetV3(nn.Layer):
    """MobileNetV3 for recognition; output height 1 for a 32-px input.

    Args:
        in_channels: Image channels.
        model_name: ``small`` or ``large``.
        scale: Width multiplier, one of 0.35, 0.5, 0.75, 1.0, 1.25.
        large_stride: Four height strides for the large model's downsampling blocks.
        small_stride: Four height strides for the small model's downsampling blocks.
        disable_se: Drop the squeeze-excite blocks.
    """

    def __init__(
        self,
        in_channels: int = 3,
        model_name: str = "small",
        scale: float = 0.5,
        large_stride: Sequence[int] = (1, 2, 2, 2),
        small_stride: Sequence[int] = (2, 2, 2, 2),
        disable_se: bool = False,
    ) -> None:
        super().__init__()
        if model_name not in _SPECS:
            raise ConfigError(
                f"MobileNetV3.model_name must be 'small' or 'large', got {model_name!r}"
            )
        if scale not in _SCALES:
            raise ConfigError(f"MobileNetV3.scale must be one of {_SCALES}, got {scale}")
        strides = list(large_stride if model_name == "large" else small_stride)
        if len(strides) != 4:
            raise ConfigError(f"MobileNetV3.{model_name}_stride needs 4 values, got {strides}")
        spec, last = _SPECS[model_name]
        ch = make_divisible(16 * scale)
        self.conv1 = ConvBNAct(in_channels, ch, 3, 2, act=nn.Hardswish)
        blocks = []
        for i, (k, exp, out, se, act, s_idx) in enumerate(spec):
            # The large model's first block keeps a plain int stride, as in the reference.
            stride: int | tuple[int, int] = 1
            if s_idx is not None:
                stride = strides[0] if (model_name == "large" and i == 0) else (strides[s_idx], 1)
            out_ch = make_divisible(scale * out)
            blocks.append(
                _InvertedResidual(
                    ch,
                    make_divisible(scale * exp),
                    out_ch,
                    k,
                    stride,
                    se and not disable_se,
                    _ACTS[act],
                )
            )
            ch = out_ch
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = make_divisible(scale * last)
        self.conv2 = ConvBNAct(ch, self.out_channels, 1, act=nn.Hardswish)
        self.pool = nn.MaxPool2D(kernel_size=2, stride=2, padding=0)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, 32, W) -> (N, out_channels, 1, W / 4)."""
        return self.pool(self.conv2(self.blocks(self.conv1(x))))
