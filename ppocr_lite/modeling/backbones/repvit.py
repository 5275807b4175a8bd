"""RepSVTR: SVTRv2's mobile form, a RepViT-style CNN trained multi-branch and exported fused.

Every conv + batch-norm pair, and every depthwise block of three parallel branches (3x3 conv +
BN, 1x1 conv, identity, then BN), folds into one convolution after training
(:meth:`RepSVTR.reparameterize`), with the same outputs in eval mode. Training-form parameter
names follow PaddleOCR's ``RepSVTR`` (``features.0.0.c.weight``,
``features.1.token_mixer.0.conv.bn._mean``, ``features.1.channel_mixer.m.0.c.weight``, ...);
fused layers take the name of the module they replace, as PaddleOCR's ``rep()`` does.
"""

from __future__ import annotations

from typing import cast

import paddle
from paddle import ParamAttr, Tensor, nn
from paddle.nn import functional as F

from ppocr_lite.modeling.layers import make_divisible
from ppocr_lite.registry import BACKBONES

Stride = int | tuple[int, int]


def _bn_scale_shift(bn: nn.BatchNorm2D) -> tuple[Tensor, Tensor]:
    """The per-channel (scale, shift) that an eval-mode batch norm applies."""
    weight, bias = cast(Tensor, bn.weight), cast(Tensor, bn.bias)
    scale = weight / paddle.sqrt(bn._variance + bn._epsilon)
    return scale, bias - bn._mean * scale


def _conv_like(conv: nn.Conv2D, weight: Tensor, bias: Tensor) -> nn.Conv2D:
    """A biased convolution with ``conv``'s geometry holding the given weights."""
    out_ch, in_per_group = weight.shape[0], weight.shape[1]
    fused = nn.Conv2D(
        in_per_group * conv._groups,
        out_ch,
        weight.shape[2:],
        stride=conv._stride,
        padding=conv._padding,
        dilation=conv._dilation,
        groups=conv._groups,
    )
    fused.weight.set_value(weight)
    fused.bias.set_value(bias)
    return fused


class _ConvBN(nn.Layer):
    """A bias-free convolution ``c`` and a batch norm ``bn`` (PaddleOCR's sublayer names).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Square kernel size; padding keeps "same" size.
        stride: Convolution stride.
        groups: Convolution groups.
        zero_init: Start the BN scale at 0, so a residual branch starts as the identity.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 1,
        stride: Stride = 1,
        groups: int = 1,
        zero_init: bool = False,
    ) -> None:
        super().__init__()
        pad = (kernel_size - 1) // 2
        self.c = nn.Conv2D(
            in_channels, out_channels, kernel_size, stride, pad, groups=groups, bias_attr=False
        )
        scale = nn.initializer.Constant(0.0 if zero_init else 1.0)
        self.bn = nn.BatchNorm2D(out_channels, weight_attr=ParamAttr(initializer=scale))

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / s, W / s)."""
        return self.bn(self.c(x))

    @paddle.no_grad()
    def fuse(self) -> nn.Conv2D:
        """One biased convolution equal to this layer in eval mode."""
        scale, shift = _bn_scale_shift(self.bn)
        return _conv_like(self.c, self.c.weight * scale.reshape([-1, 1, 1, 1]), shift)


class _RepDWConv(nn.Layer):
    """``bn(dw3x3_bn(x) + dw1x1(x) + x)``: three depthwise branches, one conv after fusing."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = _ConvBN(channels, channels, 3, groups=channels)
        self.conv1 = nn.Conv2D(channels, channels, 1, groups=channels)
        self.bn = nn.BatchNorm2D(channels)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        return self.bn(self.conv(x) + self.conv1(x) + x)

    @paddle.no_grad()
    def fuse(self) -> nn.Conv2D:
        """One biased depthwise 3x3 convolution equal to this block in eval mode."""
        conv = self.conv.fuse()
        # The 1x1 branch and the identity are 3x3 kernels that are zero except at the centre.
        centre = F.pad(self.conv1.weight + 1.0, [1, 1, 1, 1])
        weight, bias = conv.weight + centre, conv.bias + self.conv1.bias
        scale, shift = _bn_scale_shift(self.bn)
        return _conv_like(conv, weight * scale.reshape([-1, 1, 1, 1]), bias * scale + shift)


class _SqueezeExcite(nn.Layer):
    """Channel gates from the global mean: ``x * sigmoid(fc2(relu(fc1(mean(x)))))``."""

    def __init__(self, channels: int, ratio: float = 0.25) -> None:
        super().__init__()
        hidden = make_divisible(channels * ratio, 8)
        self.fc1 = nn.Conv2D(channels, hidden, 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2D(hidden, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        gate = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * F.sigmoid(gate)


class _Residual(nn.Layer):
    """``x + m(x)``."""

    def __init__(self, m: nn.Layer) -> None:
        super().__init__()
        self.m = m

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        return x + self.m(x)


class _RepViTBlock(nn.Layer):
    """A token mixer (depthwise, optionally strided, with SE) and a residual 2x channel MLP.

    Args:
        in_channels: Input channels.
        out_channels: Output channels; must equal ``in_channels`` unless ``stride`` is not 1.
        stride: Depthwise stride; not 1 also projects to ``out_channels``.
        use_se: Gate channels with squeeze-and-excitation after the depthwise conv.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: Stride, use_se: bool) -> None:
        super().__init__()
        se = _SqueezeExcite(in_channels) if use_se else nn.Identity()
        if stride == 1:
            if in_channels != out_channels:
                raise ValueError(
                    f"a stride-1 block keeps its width, got {in_channels}->{out_channels}"
                )
            self.token_mixer = nn.Sequential(_RepDWConv(in_channels), se)
        else:
            depthwise = _ConvBN(in_channels, in_channels, 3, stride, groups=in_channels)
            project = _ConvBN(in_channels, out_channels)
            self.token_mixer = nn.Sequential(depthwise, se, project)
        hidden = 2 * out_channels
        self.channel_mixer = _Residual(
            nn.Sequential(
                _ConvBN(out_channels, hidden),
                nn.GELU(),
                _ConvBN(hidden, out_channels, zero_init=True),
            )
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / s, W / s)."""
        return self.channel_mixer(self.token_mixer(x))


# PaddleOCR's RepSVTR: (out_channels, use_se, stride) per block; kernel 3 and expansion 2 always.
_REPSVTR_BLOCKS: tuple[tuple[int, bool, Stride], ...] = (
    (96, True, 1),
    (96, False, 1),
    (96, False, 1),
    (192, False, (2, 1)),
    (192, True, 1),
    (192, False, 1),
    (192, True, 1),
    (192, False, 1),
    (192, True, 1),
    (192, False, 1),
    (384, False, (2, 1)),
    (384, True, 1),
    (384, False, 1),
)


@BACKBONES.register()
class RepSVTR(nn.Layer):
    """RepSVTR backbone: a 4x conv stem and 13 RepViT blocks, pooled to one row.

    Train it as built; call :meth:`reparameterize` before export to fold every branch and
    batch norm into single convolutions (eval-mode outputs unchanged).

    Args:
        in_channels: Image channels.
    """

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        width = _REPSVTR_BLOCKS[0][0]
        stem = nn.Sequential(
            _ConvBN(in_channels, width // 2, 3, 2), nn.GELU(), _ConvBN(width // 2, width, 3, 2)
        )
        layers: list[nn.Layer] = [stem]
        for out_channels, use_se, stride in _REPSVTR_BLOCKS:
            layers.append(_RepViTBlock(width, out_channels, stride, use_se))
            width = out_channels
        self.features = nn.LayerList(layers)
        self.out_channels = width
        self.is_fused = False

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, 384, 1, W / 8); H / 16 rows are averaged (48x320 -> 1x40)."""
        for layer in self.features:
            x = layer(x)
        return F.avg_pool2d(x, [x.shape[2], 2])

    @paddle.no_grad()
    def reparameterize(self) -> RepSVTR:
        """Fold the multi-branch blocks and batch norms into convolutions, in place.

        The result computes what the eval-mode training form computes; it cannot be trained
        back (the batch-norm statistics are gone). Calling it twice is harmless.

        Returns:
            ``self``, fused.
        """
        if not self.is_fused:
            self._fuse_children(self)
            self.is_fused = True
        self.eval()
        return self

    def _fuse_children(self, parent: nn.Layer) -> None:
        for name, child in parent.named_children():
            if isinstance(child, _ConvBN | _RepDWConv):
                setattr(parent, name, child.fuse())
            else:
                self._fuse_children(child)
