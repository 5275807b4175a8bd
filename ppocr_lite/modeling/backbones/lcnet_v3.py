"""PP-LCNetV3, the PP-OCRv4 (SVTR-LCNet v4) recognition backbone, in its training-time form.

Every convolution is a "learnable rep layer": a sum of several parallel k x k conv+BN branches,
a 1x1 conv+BN branch and (when shapes allow) a BN identity, followed by learnable affine blocks
(a scalar scale and bias) around the activation. The branches could be fused into one conv for
inference; ppocr_lite keeps them, which is what training and PaddleOCR checkpoints need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import paddle.nn.functional as F
from paddle import ParamAttr, Tensor, nn
from paddle.regularizer import L2Decay

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers import make_divisible
from ppocr_lite.registry import BACKBONES

Stride = int | tuple[int, int]
BlockSpec = tuple[int, int, int, Stride, bool]  # kernel, in channels, out channels, stride, use_se

_STAGES = ("blocks2", "blocks3", "blocks4", "blocks5", "blocks6")
# Channels before scaling. Strides (2, 1) halve the height only; blocks5 halves the width once,
# so a 48 x 320 line becomes 3 x 80 before the final pooling.
_REC_BLOCKS: dict[str, tuple[BlockSpec, ...]] = {
    "blocks2": ((3, 16, 32, 1, False),),
    "blocks3": ((3, 32, 64, 1, False), (3, 64, 64, 1, False)),
    "blocks4": ((3, 64, 128, (2, 1), False), (3, 128, 128, 1, False)),
    "blocks5": ((3, 128, 256, (1, 2), False), *((5, 256, 256, 1, False),) * 4),
    "blocks6": (
        (5, 256, 512, (2, 1), True),
        (5, 512, 512, 1, True),
        (5, 512, 512, (2, 1), False),
        (5, 512, 512, 1, False),
    ),
}
# Output time steps while training; 320 / 8 for the standard 48 x 320 input.
_TRAIN_OUT_WIDTH = 40


@dataclass(frozen=True)
class _RepOptions:
    """Options every rep layer of a stage shares."""

    num_branches: int
    lr_mult: float
    lab_lr: float


def _channels(value: float) -> int:
    return make_divisible(value, 16)


class _LearnableAffine(nn.Layer):
    """``scale * x + bias`` with scalar parameters learned at ``lr`` (``lr_mult * lab_lr``)."""

    def __init__(self, lr: float, scale_value: float = 1.0, bias_value: float = 0.0) -> None:
        super().__init__()
        self.scale = self._scalar(lr, scale_value)
        self.bias = self._scalar(lr, bias_value)

    def _scalar(self, lr: float, value: float) -> Tensor:
        init = nn.initializer.Constant(value)
        return self.create_parameter(
            [1], attr=ParamAttr(learning_rate=lr), default_initializer=init
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        return self.scale * x + self.bias


class _ConvBN(nn.Layer):
    """Bias-free Kaiming conv + BN (no weight decay on BN), both at ``lr_mult``; no activation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: Stride,
        groups: int,
        lr_mult: float,
    ) -> None:
        super().__init__()
        weight = ParamAttr(initializer=nn.initializer.KaimingNormal(), learning_rate=lr_mult)
        self.conv = nn.Conv2D(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            (kernel_size - 1) // 2,
            groups=groups,
            weight_attr=weight,
            bias_attr=False,
        )
        bn_attr = ParamAttr(regularizer=L2Decay(0.0), learning_rate=lr_mult)
        self.bn = nn.BatchNorm2D(out_channels, weight_attr=bn_attr, bias_attr=bn_attr)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        return self.bn(self.conv(x))


class _Act(nn.Layer):
    """Hard-swish followed by a learnable affine block (sublayer ``lab``) learned at ``lr``."""

    def __init__(self, lr: float) -> None:
        super().__init__()
        self.act = nn.Hardswish()
        self.lab = _LearnableAffine(lr)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        return self.lab(self.act(x))


class _LearnableRepLayer(nn.Layer):
    """Sum of ``num_branches`` k x k conv+BN, a 1x1 conv+BN and a BN identity, then affine + act.

    The identity exists only for an int stride of 1 with equal channels, and the 1x1 branch only
    for k > 1, exactly as in PaddleOCR (a tuple stride (1, 1) has no identity there either).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: Stride,
        groups: int,
        opts: _RepOptions,
    ) -> None:
        super().__init__()
        self.stride = stride
        # The affine blocks learn slowly: lab_lr (0.1) times the stage's rate.
        lr, lab_lr = opts.lr_mult, opts.lr_mult * opts.lab_lr
        self.identity: nn.Layer | None = None
        if in_channels == out_channels and stride == 1:
            attr = ParamAttr(learning_rate=lr)
            self.identity = nn.BatchNorm2D(in_channels, weight_attr=attr, bias_attr=attr)
        branch = (in_channels, out_channels, kernel_size, stride, groups, lr)
        self.conv_kxk = nn.LayerList([_ConvBN(*branch) for _ in range(opts.num_branches)])
        self.conv_1x1 = (
            _ConvBN(in_channels, out_channels, 1, stride, groups, lr) if kernel_size > 1 else None
        )
        self.lab = _LearnableAffine(lab_lr)
        self.act = _Act(lab_lr)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / sh, W / sw)."""
        out = sum(conv(x) for conv in self.conv_kxk)
        if self.conv_1x1 is not None:
            out = out + self.conv_1x1(x)
        if self.identity is not None:
            out = out + self.identity(x)
        out = self.lab(out)
        # PaddleOCR leaves int stride-2 layers (detection variant) without activation.
        return out if self.stride == 2 else self.act(out)


class _SELayer(nn.Layer):
    """Squeeze-excite with biased 1x1 convolutions and a hard-sigmoid gate, at ``lr_mult``."""

    def __init__(self, channels: int, lr_mult: float, reduction: int = 4) -> None:
        super().__init__()
        attr = ParamAttr(learning_rate=lr_mult)
        self.avg_pool = nn.AdaptiveAvgPool2D(1)
        self.conv1 = nn.Conv2D(channels, channels // reduction, 1, weight_attr=attr, bias_attr=attr)
        self.conv2 = nn.Conv2D(channels // reduction, channels, 1, weight_attr=attr, bias_attr=attr)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W), each channel scaled by its gate."""
        gate = self.conv2(F.relu(self.conv1(self.avg_pool(x))))
        return x * F.hardsigmoid(gate)


class _LCNetV3Block(nn.Layer):
    """Depthwise rep layer, optional squeeze-excite, pointwise rep layer."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: Stride,
        use_se: bool,
        opts: _RepOptions,
    ) -> None:
        super().__init__()
        self.dw_conv = _LearnableRepLayer(
            in_channels, in_channels, kernel_size, stride, in_channels, opts
        )
        self.se = _SELayer(in_channels, opts.lr_mult) if use_se else None
        self.pw_conv = _LearnableRepLayer(in_channels, out_channels, 1, 1, 1, opts)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H / sh, W / sw)."""
        x = self.dw_conv(x)
        if self.se is not None:
            x = self.se(x)
        return self.pw_conv(x)


def _parse_net_config(
    net_config: Mapping[str, Sequence[Sequence[Any]]] | None,
) -> dict[str, tuple[BlockSpec, ...]]:
    """Return the stage table, validating a user-supplied ``net_config`` override."""
    if net_config is None:
        return dict(_REC_BLOCKS)
    missing = [stage for stage in _STAGES if stage not in net_config]
    if missing:
        raise ConfigError(f"PPLCNetV3.net_config is missing {missing}; it needs {list(_STAGES)}")
    table: dict[str, tuple[BlockSpec, ...]] = {}
    for stage in _STAGES:
        rows = []
        for row in net_config[stage]:
            if len(row) != 5:
                raise ConfigError(
                    f"PPLCNetV3.net_config.{stage} rows are [kernel, in_c, out_c, stride, use_se], "
                    f"got {row}"
                )
            k, c_in, c_out, s, se = row
            # YAML gives [2, 1]; tuples keep PaddleOCR's "stride == 1" / "stride == 2" tests.
            stride = int(s) if isinstance(s, int) else (int(s[0]), int(s[1]))
            rows.append((int(k), int(c_in), int(c_out), stride, bool(se)))
        table[stage] = tuple(rows)
    return table


@BACKBONES.register()
class PPLCNetV3(nn.Layer):
    """PP-LCNetV3 for recognition: (N, C, 48, 320) -> (N, out_channels, 1, 40).

    Parameter names follow PaddleOCR: ``conv1.conv.weight``,
    ``blocks5.1.dw_conv.conv_kxk.3.bn._mean``, ``blocks6.0.se.conv1.bias``,
    ``blocks2.0.pw_conv.act.lab.scale``, ...

    Args:
        in_channels: Image channels.
        scale: Width multiplier; channels are rounded to multiples of 16 (0.95 gives 480 out).
        conv_kxk_num: Parallel k x k conv branches in every rep layer.
        lr_mult_list: Six learning-rate multipliers: the stem conv, then blocks2 ... blocks6.
        lab_lr: Extra learning-rate factor of the learnable affine blocks.
        det: Must be false; the detection variant is not supported.
        net_config: Optional override of the stage table, ``{blocks2: [[k, in_c, out_c,
            stride, use_se], ...], ..., blocks6: [...]}``, channels before scaling.

    Raises:
        ConfigError: for ``det: true``, a bad ``lr_mult_list`` or a malformed ``net_config``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        scale: float = 1.0,
        conv_kxk_num: int = 4,
        lr_mult_list: Sequence[float] = (1.0,) * 6,
        lab_lr: float = 0.1,
        det: bool = False,
        net_config: Mapping[str, Sequence[Sequence[Any]]] | None = None,
    ) -> None:
        super().__init__()
        if det:
            raise ConfigError("PPLCNetV3.det: true builds a detection backbone; use det: false")
        if len(lr_mult_list) != 6:
            raise ConfigError(f"PPLCNetV3.lr_mult_list needs 6 values, got {list(lr_mult_list)}")
        table = _parse_net_config(net_config)
        self.conv1 = _ConvBN(in_channels, _channels(16 * scale), 3, 2, 1, lr_mult_list[0])
        for stage, lr_mult in zip(_STAGES, lr_mult_list[1:], strict=True):
            opts = _RepOptions(conv_kxk_num, lr_mult, lab_lr)
            setattr(self, stage, _build_stage(table[stage], scale, opts))
        self.out_channels = _channels(table["blocks6"][-1][2] * scale)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, out_channels, 1, 40); in eval mode (N, out_channels, H / 48, W / 8).

        The two agree for the standard 48 x 320 input.
        """
        x = self.conv1(x)
        for stage in _STAGES:
            x = getattr(self, stage)(x)
        # As in PaddleOCR: training always yields 40 time steps, so batches of any width match
        # the CTC targets' budget; eval pools 3 x 2 so the width follows the image.
        if self.training:
            return F.adaptive_avg_pool2d(x, [1, _TRAIN_OUT_WIDTH])
        return F.avg_pool2d(x, [3, 2])


def _build_stage(rows: Sequence[BlockSpec], scale: float, opts: _RepOptions) -> nn.Sequential:
    return nn.Sequential(
        *[
            _LCNetV3Block(_channels(c_in * scale), _channels(c_out * scale), k, s, se, opts)
            for k, c_in, c_out, s, se in rows
        ]
    )
