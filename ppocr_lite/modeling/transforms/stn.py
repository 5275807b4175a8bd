"""ASTER's rectifier, PaddleOCR's ``Transform: {name: STN_ON}`` (used by its ``rec_svtrnet.yml``).

A CNN (``stn_head``) looks at a small copy of the line and predicts K control points in [0, 1];
a thin-plate spline (``tps``) through them resamples the full image to ``tps_outputsize``. The
output size is fixed, so the recognizer behind it sees that size whatever the input. Parameter
names are PaddleOCR's (``transform.stn_head.stn_convnet.0.0.weight``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import paddle
from paddle import Tensor, nn
from paddle.nn import functional as F

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.transforms.grid import needs_grad
from ppocr_lite.registry import RECTIFIERS

_CONV_WIDTHS = (32, 64, 128, 256, 256, 256)  # five 2x poolings: 32 x 64 -> 1 x 2


def control_points(num: int, margin_x: float, margin_y: float) -> np.ndarray:
    """(num, 2) points (x, y) in [0, 1]: num/2 along the top edge, then along the bottom."""
    xs = np.linspace(margin_x, 1.0 - margin_x, num // 2)
    tops = np.stack([xs, np.full(num // 2, margin_y)], axis=1)
    bottoms = np.stack([xs, np.full(num // 2, 1.0 - margin_y)], axis=1)
    return np.concatenate([tops, bottoms], axis=0)


def _partial_repr(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """U(r) = r^2 log r written as 0.5 * r^2 * log(r^2), with U(0) = 0 (dtype of ``points``)."""
    diff = points[:, None, :] - centers[None, :, :]
    sq = diff[:, :, 0] ** 2 + diff[:, :, 1] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out = sq.dtype.type(0.5) * sq * np.log(sq)
    return np.nan_to_num(out, nan=0.0)


def spline_matrices(
    num: int, margins: tuple[float, float], height: int, width: int
) -> tuple[Tensor, Tensor]:
    """Inverse kernel (K+3, K+3) and output-coordinate representation (H*W, K+3).

    Computed in float32 with Paddle's inverse, like PaddleOCR: the kernel is ill-conditioned,
    and a float64 (or LAPACK float32) inverse moves the rectified pixels of the same checkpoint
    by ~1e-3 from PaddleOCR's, this one by ~1e-4.
    """
    target = control_points(num, *margins)
    kernel = np.zeros((num + 3, num + 3), np.float32)
    kernel[:num, :num] = _partial_repr(target, target)
    target = target.astype(np.float32)
    kernel[:num, -3] = 1.0
    kernel[-3, :num] = 1.0
    kernel[:num, -2:] = target
    kernel[-2:, :num] = target.T
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    coords = np.stack([xs.ravel() / (width - 1), ys.ravel() / (height - 1)], axis=1)
    coords = coords.astype(np.float32)
    ones = np.ones((len(coords), 1), np.float32)
    represent = np.concatenate([_partial_repr(coords, target), ones, coords], axis=1)
    return paddle.inverse(paddle.to_tensor(kernel)), paddle.to_tensor(represent)


def _identity_grid(height: int, width: int) -> Tensor:
    """(1, H, W, 2) grid_sample coordinates of an aligned-corners resize to (H, W)."""
    xs, ys = np.meshgrid(np.linspace(-1.0, 1.0, width), np.linspace(-1.0, 1.0, height))
    return paddle.to_tensor(np.stack([xs, ys], axis=2)[None].astype(np.float32))


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    std = math.sqrt(2.0 / (9 * out_channels))
    conv = nn.Conv2D(
        in_channels,
        out_channels,
        3,
        padding=1,
        weight_attr=nn.initializer.Normal(0.0, std),
        bias_attr=nn.initializer.Constant(0.0),
    )
    return nn.Sequential(conv, nn.BatchNorm2D(out_channels), nn.ReLU())


class _STNHead(nn.Layer):
    """(N, C, 32, 64) -> (N, K, 2) control points (``stn_convnet``, ``stn_fc1``, ``stn_fc2``)."""

    def __init__(self, in_channels: int, num_points: int, activation: str) -> None:
        super().__init__()
        layers: list[nn.Layer] = []
        for i, width in enumerate(_CONV_WIDTHS):
            if i:
                layers.append(nn.MaxPool2D(2, 2))
            layers.append(_conv_block(in_channels, width))
            in_channels = width
        # Sequential indices (0, 2, 4, ... for the blocks) are part of the checkpoint names.
        self.stn_convnet = nn.Sequential(*layers)
        self.stn_fc1 = nn.Sequential(
            nn.Linear(
                2 * 256,
                512,
                weight_attr=nn.initializer.Normal(0.0, 0.001),
                bias_attr=nn.initializer.Constant(0.0),
            ),
            nn.BatchNorm1D(512),
            nn.ReLU(),
        )
        start = control_points(num_points, 0.01, 0.01).astype(np.float32)
        if activation == "sigmoid":
            start = -np.log(1.0 / start - 1.0)
        self.stn_fc2 = nn.Linear(
            512,
            num_points * 2,
            weight_attr=nn.initializer.Constant(0.0),
            bias_attr=nn.initializer.Assign(start.reshape(-1)),
        )
        self.num_points = num_points
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, 32, 64) -> (N, K, 2) points in [0, 1] (x, y)."""
        feat = self.stn_fc1(self.stn_convnet(x).flatten(1))
        points = self.stn_fc2(0.1 * feat)
        if self.activation == "sigmoid":
            points = F.sigmoid(points)
        return points.reshape([-1, self.num_points, 2])


class _TPSSampler(nn.Layer):
    """Resample an image to a fixed size through the spline given by K source points."""

    def __init__(self, size: Sequence[int], num_points: int, margins: Sequence[float]) -> None:
        super().__init__()
        self.size = (int(size[0]), int(size[1]))
        inverse, represent = spline_matrices(
            num_points, (float(margins[0]), float(margins[1])), *self.size
        )
        # Fixed matrices: buffers that follow the model but stay out of checkpoints.
        self.register_buffer("inverse_kernel", inverse, persistable=False)
        self.register_buffer("target_repr", represent, persistable=False)

    def forward(self, image: Tensor, points: Tensor) -> Tensor:
        """(N, C, H, W), (N, K, 2) -> (N, C, out_h, out_w)."""
        padded = paddle.concat([points, paddle.zeros([points.shape[0], 3, 2], points.dtype)], 1)
        mapping = paddle.matmul(self.inverse_kernel, padded)
        source = paddle.matmul(self.target_repr, mapping)
        grid = source.reshape([-1, *self.size, 2]).clip(0.0, 1.0) * 2.0 - 1.0
        return F.grid_sample(image, grid)


@RECTIFIERS.register()
class STN_ON(nn.Layer):  # noqa: N801 - PaddleOCR's name
    """Control points from a 32 x 64 view, thin-plate-spline resampling to ``tps_outputsize``.

    Args:
        in_channels: Image channels C.
        tps_inputsize: [H, W] the point predictor sees (PaddleOCR's head needs [32, 64]).
        tps_outputsize: [H, W] of the rectified image (the backbone's ``img_size``).
        num_control_points: K (even).
        tps_margins: [x, y] margins of the output's control points.
        stn_activation: ``none`` or ``sigmoid`` on the predicted points.

    Raises:
        ConfigError: on sizes the point predictor cannot take or a bad activation.
    """

    def __init__(
        self,
        in_channels: int = 3,
        tps_inputsize: Sequence[int] = (32, 64),
        tps_outputsize: Sequence[int] = (32, 100),
        num_control_points: int = 20,
        tps_margins: Sequence[float] = (0.05, 0.05),
        stn_activation: str | None = "none",
    ) -> None:
        super().__init__()
        where = "Architecture.Transform"
        if [int(v) for v in tps_inputsize] != [32, 64]:
            raise ConfigError(f"{where}.tps_inputsize must be [32, 64], got {tps_inputsize}")
        if stn_activation not in ("none", "sigmoid", None):
            raise ConfigError(f"{where}.stn_activation must be none or sigmoid")
        if num_control_points < 4 or num_control_points % 2:
            raise ConfigError(f"{where}.num_control_points must be even and >= 4")
        self.tps = _TPSSampler(tps_outputsize, num_control_points, tps_margins)
        self.stn_head = _STNHead(in_channels, num_control_points, stn_activation or "none")
        self.tps_inputsize = [int(v) for v in tps_inputsize]
        # The point predictor's view: bilinear resizing with aligned corners (as PaddleOCR's
        # interpolate), written as grid_sample over a fixed grid, which Paddle Inference's
        # oneDNN runs (its bilinear interpolate op does not load from a saved model).
        self.register_buffer("view_grid", _identity_grid(*self.tps_inputsize), persistable=False)
        self.out_channels = in_channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, out_h, out_w)."""
        small = F.grid_sample(x, self.view_grid.tile([paddle.shape(x)[0], 1, 1, 1]))
        points = self.stn_head(small)
        x = needs_grad(x)
        if x.dtype != paddle.float32:  # grid_sample in fp32 under AMP
            return self.tps(x.astype("float32"), points.astype("float32")).astype(x.dtype)
        return self.tps(x, points)
