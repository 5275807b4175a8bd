"""ResNet-31, the backbone of SAR and RobustScanner (a 2-D feature map at 1/8 height, 1/4 width).

Sublayer names (``conv1_1``, ``block4.2.conv2``, ``block2.0.downsample.0``, ...) follow
PaddleOCR's ``ResNet31`` so its checkpoints load.
"""

from __future__ import annotations

from paddle import Tensor, nn

from ppocr_lite.registry import BACKBONES


def _conv3x3(in_channels: int, out_channels: int, bias: bool = False) -> nn.Conv2D:
    return nn.Conv2D(in_channels, out_channels, 3, padding=1, bias_attr=None if bias else False)


class _BasicBlock(nn.Layer):
    """Two 3x3 convolutions with a residual; a 1x1 projection when the width changes."""

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, channels)
        self.bn1 = nn.BatchNorm2D(channels)
        self.relu = nn.ReLU()
        self.conv2 = _conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2D(channels)
        self.downsample: nn.Layer | None = None
        if in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2D(in_channels, channels, 1, bias_attr=False), nn.BatchNorm2D(channels)
            )

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


@BACKBONES.register()
class ResNet31(nn.Layer):
    """Stem of two convolutions, then four stages of (pool, residual blocks, conv-BN-ReLU).

    Args:
        in_channels: Image channels.
        layers: Residual blocks of the four stages.
        channels: Widths: the two stem convolutions, then each stage's output.
        out_indices: Stages to return as a tuple instead of the last one (PaddleOCR's option).
        last_stage_pool: Max-pool (2, 2) before the last stage as well.
        init_type: ``KaimingNormal`` draws the convolutions from He-normal and the batch-norm
            scales from U(-1, 1), as PaddleOCR's option does; None keeps Paddle's defaults.

    Raises:
        ValueError: for another ``init_type``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        layers: tuple[int, ...] = (1, 2, 5, 3),
        channels: tuple[int, ...] = (64, 128, 256, 256, 512, 512, 512),
        out_indices: tuple[int, ...] | None = None,
        last_stage_pool: bool = False,
        init_type: str | None = None,
    ) -> None:
        super().__init__()
        if init_type not in (None, "KaimingNormal"):
            raise ValueError(f"ResNet31.init_type must be KaimingNormal or null, got {init_type!r}")
        self.out_indices = tuple(out_indices) if out_indices is not None else None
        self.conv1_1 = _conv3x3(in_channels, channels[0], bias=True)
        self.bn1_1 = nn.BatchNorm2D(channels[0])
        self.conv1_2 = _conv3x3(channels[0], channels[1], bias=True)
        self.bn1_2 = nn.BatchNorm2D(channels[1])
        self.relu = nn.ReLU()
        # Heights halve three times, widths twice: the sequence keeps its horizontal detail.
        pools = [(2, 2), (2, 2), (2, 1), (2, 2) if last_stage_pool else None]
        self.pools = [nn.MaxPool2D(p, p, ceil_mode=True) if p else None for p in pools]
        for i, blocks in enumerate(layers):
            width_in, width = channels[i + 1], channels[i + 2]
            stage = [_BasicBlock(width_in if j == 0 else width, width) for j in range(blocks)]
            setattr(self, f"block{i + 2}", nn.Sequential(*stage))
            setattr(self, f"conv{i + 2}", _conv3x3(width, width, bias=True))
            setattr(self, f"bn{i + 2}", nn.BatchNorm2D(width))
        self.out_channels = channels[-1]
        if init_type == "KaimingNormal":
            for layer in self.sublayers():
                if isinstance(layer, nn.Conv2D):
                    nn.initializer.KaimingNormal()(layer.weight)
                elif isinstance(layer, nn.BatchNorm2D):
                    nn.initializer.Uniform()(layer.weight)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, ...]:
        """(N, C, H, W) -> (N, channels[-1], H / 8, W / 4) (W / 8 with ``last_stage_pool``)."""
        x = self.relu(self.bn1_1(self.conv1_1(x)))
        x = self.relu(self.bn1_2(self.conv1_2(x)))
        outs = []
        for i, pool in enumerate(self.pools):
            if pool is not None:
                x = pool(x)
            x = getattr(self, f"block{i + 2}")(x)
            x = self.relu(getattr(self, f"bn{i + 2}")(getattr(self, f"conv{i + 2}")(x)))
            outs.append(x)
        if self.out_indices is not None:
            return tuple(outs[i] for i in self.out_indices)
        return x
