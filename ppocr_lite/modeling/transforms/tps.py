"""Thin-plate-spline rectification (RARE / STAR-Net), PaddleOCR's ``Transform: {name: TPS}``.

A small CNN (``loc_net``) predicts F fiducial points on the input line; a thin-plate spline maps
the output grid through them and the image is resampled, so curved or slanted text comes out
straight. The parameter names are PaddleOCR's (``transform.loc_net.loc_conv0.conv.weight``, ...,
``transform.grid_generator.fc.*``), so its STAR-Net checkpoints load unchanged.

The spline is computed in float64 and cast to float32, as PaddleOCR does, so the same
checkpoint rectifies to the same pixels.
"""

from __future__ import annotations

import math

import numpy as np
import paddle
from paddle import ParamAttr, Tensor, nn
from paddle.nn import functional as F

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers.conv_bn import ConvBNAct
from ppocr_lite.modeling.transforms.grid import needs_grad
from ppocr_lite.registry import RECTIFIERS

_LOC_WIDTHS = {"large": ((64, 128, 256, 512), 256), "small": ((16, 32, 64, 128), 64)}


def _fiducials(num: int, top: float, bottom: float) -> np.ndarray:
    """(num, 2) points (x, y): num/2 along the top edge left to right, then along the bottom."""
    xs = np.linspace(-1.0, 1.0, num // 2)
    tops = np.stack([xs, np.full(num // 2, top)], axis=1)
    bottoms = np.stack([xs, np.full(num // 2, bottom)], axis=1)
    return np.concatenate([tops, bottoms], axis=0)


def initial_fiducials(num: int) -> np.ndarray:
    """Start of the predicted points (RARE, Fig. 6a): a band narrowing from the middle line."""
    half = num // 2
    xs = np.linspace(-1.0, 1.0, half)
    tops = np.stack([xs, np.linspace(0.0, -1.0, half)], axis=1)
    bottoms = np.stack([xs, np.linspace(1.0, 0.0, half)], axis=1)
    return np.concatenate([tops, bottoms], axis=0)


def inverse_delta(num: int) -> np.ndarray:
    """``inv_delta_C`` (F+3, F+3): solves the spline through the output's fiducials ``C``."""
    c = _fiducials(num, -1.0, 1.0)
    dist = np.linalg.norm(c[None, :, :] - c[:, None, :], axis=2) + np.eye(num)
    delta = np.zeros((num + 3, num + 3))
    delta[:num, 0] = 1.0
    delta[:num, 1:3] = c
    delta[:num, 3:] = dist**2 * np.log(dist)
    delta[num : num + 2, 3:] = c.T
    delta[num + 2, 3:] = 1.0
    return np.linalg.inv(delta)


def _pixel_centres(size: int | Tensor) -> Tensor:
    """(size,) float64 pixel centres in (-1, 1); ``size`` may be symbolic (exported width)."""
    if isinstance(size, int):
        return paddle.to_tensor((np.arange(-size, size, 2) + 1.0) / size)
    size = size.astype("float64")
    return (paddle.arange(-size, size, 2, dtype="float64") + 1.0) / size


def output_basis(fiducials: Tensor, height: int | Tensor, width: int | Tensor) -> Tensor:
    """``P_hat`` (H*W, F+3): [1, x, y, U(|p - c_f|)] for every output pixel p, row-major.

    Built from Paddle ops, so an exported model can keep a dynamic width.
    """
    xs, ys = _pixel_centres(width), _pixel_centres(height)
    grid_x = paddle.expand(xs.unsqueeze(0), [height, width])
    grid_y = paddle.expand(ys.unsqueeze(1), [height, width])
    p = paddle.stack([grid_x, grid_y], axis=2).reshape([-1, 2])
    rbf_norm = paddle.norm(p.unsqueeze(1) - fiducials.unsqueeze(0), p=2, axis=2)
    rbf = rbf_norm.square() * paddle.log(rbf_norm + 1e-6)
    return paddle.concat([paddle.ones_like(p[:, :1]), p, rbf], axis=1).astype("float32")


class _LocalizationNetwork(nn.Layer):
    """Image -> (N, F, 2) fiducial points in [-1, 1] (4 conv blocks, 2 linear layers)."""

    def __init__(self, in_channels: int, num_fiducial: int, loc_lr: float, model_name: str) -> None:
        super().__init__()
        widths, fc_dim = _LOC_WIDTHS[model_name]
        self.num_fiducial = num_fiducial
        self.convs: list[nn.Layer] = []
        for i, width in enumerate(widths):
            # Registered one by one: PaddleOCR's names are loc_net.loc_conv<i>.{conv,bn}.
            self.convs.append(self.add_sublayer(f"loc_conv{i}", ConvBNAct(in_channels, width, 3)))
            in_channels = width
        stdv = 1.0 / math.sqrt(widths[-1])
        self.fc1 = nn.Linear(
            in_channels,
            fc_dim,
            weight_attr=ParamAttr(
                learning_rate=loc_lr, initializer=nn.initializer.Uniform(-stdv, stdv)
            ),
        )
        # fc2 starts at zero weight and the initial points as bias: training starts from the
        # same rectification for every image.
        bias = initial_fiducials(num_fiducial).reshape(-1).astype(np.float32)
        self.fc2 = nn.Linear(
            fc_dim,
            num_fiducial * 2,
            weight_attr=ParamAttr(learning_rate=loc_lr, initializer=nn.initializer.Constant(0.0)),
            bias_attr=ParamAttr(learning_rate=loc_lr, initializer=nn.initializer.Assign(bias)),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, F, 2)."""
        for i, conv in enumerate(self.convs):
            x = conv(x)
            x = F.max_pool2d(x, 2, 2) if i < len(self.convs) - 1 else F.adaptive_avg_pool2d(x, 1)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x).reshape([-1, self.num_fiducial, 2])


class _GridGenerator(nn.Layer):
    """(N, F, 2) points -> (N, H, W, 2) sampling grid.

    ``fc`` (PaddleOCR's ``ex_fc``) predicts the spline's 3 affine rows from the points; PaddleOCR
    initialises it to zero and never trains it (learning rate 0, gradient cut), so it is frozen
    here too. It is kept because checkpoints carry it.
    """

    def __init__(self, num_fiducial: int) -> None:
        super().__init__()
        self.num_fiducial = num_fiducial
        zero = ParamAttr(learning_rate=0.0, initializer=nn.initializer.Constant(0.0))
        self.fc = nn.Linear(num_fiducial * 2, 6, weight_attr=zero, bias_attr=zero)
        for param in self.fc.parameters():
            param.stop_gradient = True
        # Fixed matrices: buffers that follow the model but stay out of checkpoints.
        inv_delta = paddle.to_tensor(inverse_delta(num_fiducial).astype(np.float32))
        fiducials = paddle.to_tensor(_fiducials(num_fiducial, -1.0, 1.0))  # float64
        self.register_buffer("inv_delta", inv_delta, persistable=False)
        self.register_buffer("fiducials", fiducials, persistable=False)

    def forward(self, points: Tensor, height: int | Tensor, width: int | Tensor) -> Tensor:
        """(N, F, 2) -> (N, H, W, 2) in grid_sample's [-1, 1] coordinates."""
        affine = self.fc(points.flatten(1).detach()).reshape([-1, 3, 2])
        targets = paddle.concat([points, affine], axis=1)  # (N, F+3, 2)
        transform = paddle.matmul(self.inv_delta, targets)
        grid = paddle.matmul(output_basis(self.fiducials, height, width), transform)
        return grid.reshape([-1, height, width, 2])


@RECTIFIERS.register()
class TPS(nn.Layer):
    """Learned thin-plate-spline rectifier; the output has the input's size and channels.

    Args:
        in_channels: Image channels C.
        num_fiducial: Number of fiducial points F (even; half on each long edge).
        loc_lr: Learning-rate factor of the localisation network's linear layers.
        model_name: ``small`` (16-128 channels) or ``large`` (64-512).

    Raises:
        ConfigError: on an unknown ``model_name`` or an odd / too small ``num_fiducial``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        num_fiducial: int = 20,
        loc_lr: float = 1.0,
        model_name: str = "small",
    ) -> None:
        super().__init__()
        if model_name not in _LOC_WIDTHS:
            raise ConfigError(
                f"Architecture.Transform.model_name must be one of {sorted(_LOC_WIDTHS)}, "
                f"got {model_name!r}"
            )
        if num_fiducial < 4 or num_fiducial % 2:
            raise ConfigError(
                f"Architecture.Transform.num_fiducial must be even and >= 4, got {num_fiducial}"
            )
        self.loc_net = _LocalizationNetwork(in_channels, num_fiducial, loc_lr, model_name)
        self.grid_generator = _GridGenerator(num_fiducial)
        self.out_channels = in_channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> rectified (N, C, H, W)."""
        # Python ints where the size is known (always in dygraph): the output keeps a static
        # height, which the sequence neck checks.
        height, width = (
            d if d > 0 else paddle.shape(x)[i] for i, d in ((2, x.shape[2]), (3, x.shape[3]))
        )
        grid = self.grid_generator(self.loc_net(x), height, width)
        x = needs_grad(x)
        if x.dtype != paddle.float32:  # grid_sample in fp32 under AMP
            return F.grid_sample(x.astype("float32"), grid.astype("float32")).astype(x.dtype)
        return F.grid_sample(x, grid.astype(x.dtype))
