"""TIA-style geometric warps of text lines: distort, stretch and perspective.

PaddleOCR's TIA moves control points along the top and bottom edges of a line and warps with
moving least squares evaluated for every pixel. Here each warp is a *backward* map (output pixel
-> source pixel): a thin-plate spline through the control points (distort, stretch) or a
vertical trapezoid (perspective). The maps are evaluated and composed on a coarse grid only,
upsampled bilinearly with ``cv2.resize`` and applied with a single ``cv2.remap``, so the cost is
one resampling pass whatever the number of warps.
"""

from __future__ import annotations

import cv2
import numpy as np

# PaddleOCR bounds the vertical moves of "distort" by a third of a segment's *width*, which on a
# long line (w / h ~ 10) is more than half the height and folds the text; cap them at this
# fraction of the height instead (short words, where the width bound is smaller, are unchanged).
MAX_VERTICAL_MOVE = 0.25

# Corner order: top-left, top-right, bottom-right, bottom-left.
_CORNER_SIGNS = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)


def _corners(h: int, w: int) -> np.ndarray:
    """The four image corners as (4, 2) x, y."""
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)


def _edge_points(h: int, w: int, segment: int) -> np.ndarray:
    """Cut points on the top and bottom edges, (2 * (segment - 1), 2): tops first."""
    k = segment - 1
    pts = np.empty((2 * k, 2))
    pts[:k, 0] = pts[k:, 0] = (w // segment) * np.arange(1, segment)
    pts[:k, 1], pts[k:, 1] = 0.0, h
    return pts


def distort_points(
    h: int, w: int, segment: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Control points of a random local distortion (TIA "distort").

    Corners move inwards and the cut points on both edges move by up to a third of a segment's
    width (vertically at most ``MAX_VERTICAL_MOVE`` of the height).

    Returns:
        ``(src, dst)``, both (N, 2) x, y: the forward warp moves ``src[i]`` to ``dst[i]``.
    """
    thresh = np.array([max(1, (w // segment) // 3), max(1, int(h * MAX_VERTICAL_MOVE))])
    thresh[1] = min(thresh[1], thresh[0])
    edges = _edge_points(h, w, segment)
    src = np.concatenate([_corners(h, w), edges])
    corner_move = rng.integers(0, thresh, size=(4, 2)) * _CORNER_SIGNS
    edge_move = rng.integers(0, thresh, size=edges.shape) - thresh / 2
    return src, src + np.concatenate([corner_move, edge_move])


def stretch_points(
    h: int, w: int, segment: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Control points of a random horizontal stretch (TIA "stretch").

    Each cut moves left or right by up to 40% of a segment, the same on both edges, so glyphs
    get wider or narrower while corners stay put.

    Returns:
        ``(src, dst)``, both (N, 2) x, y.
    """
    thresh = max(1, (w // segment) * 4 // 5)
    edges = _edge_points(h, w, segment)
    move = rng.integers(0, thresh, size=segment - 1) - thresh / 2
    src = np.concatenate([_corners(h, w), edges])
    dst = src.copy()
    dst[4:, 0] += np.tile(move, 2)
    return src, dst


def perspective_corners(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Random vertical perspective (TIA "perspective"): where the corners' rows go.

    Each corner moves vertically towards the middle by up to half the height, as if the line
    were tilted away from the camera; columns stay in place.

    Returns:
        (4,) float64 y of the top-left, top-right, bottom-right and bottom-left corners.
    """
    move = rng.integers(0, max(1, h // 2), size=4)
    return np.array([move[0], move[1], h - move[2], h - move[3]], dtype=np.float64)


def perspective_map(points: np.ndarray, corners_y: np.ndarray, h: int, w: int) -> np.ndarray:
    """Backward map of :func:`perspective_corners`: output (P, 2) points -> source points.

    The output line lies between the straight top and bottom edges through the moved corners;
    each column is stretched back linearly to the full height. PaddleOCR's moving-least-squares
    warp of the same four points also keeps columns in place, whereas a true homography would
    foreshorten the squeezed end horizontally and crush its glyphs.
    """
    # Clipped so that grid nodes outside the image never see a vanishing or negative height.
    t = np.clip(points[:, 0] / w, 0.0, 1.0)
    top = corners_y[0] + (corners_y[1] - corners_y[0]) * t
    bottom = corners_y[3] + (corners_y[2] - corners_y[3]) * t
    out = points.copy()
    out[:, 1] = (points[:, 1] - top) * (h / np.maximum(bottom - top, 1.0))
    return out


def _tps_kernel(sq_dist: np.ndarray) -> np.ndarray:
    # U(r) = r^2 log r^2; the epsilon makes U(0) = 0 without a warning.
    return sq_dist * np.log(sq_dist + 1e-20)


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Explicit dx, dy: NumPy's sum over a length-2 last axis is several times slower.
    dx = a[:, 0, None] - b[None, :, 0]
    dy = a[:, 1, None] - b[None, :, 1]
    return dx * dx + dy * dy


def tps_map(points: np.ndarray, centers: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Evaluate at ``points`` the thin-plate spline sending ``centers[i]`` to ``values[i]``.

    Args:
        points: (P, 2) query coordinates.
        centers: (N, 2) control points, N >= 3 and not all collinear.
        values: (N, 2) images of the control points.

    Returns:
        (P, 2) mapped coordinates; ``points`` unchanged when the system is singular.
    """
    # Normalised coordinates keep the (N + 3)^2 system well conditioned for any image size.
    scale = float(np.abs(centers).max()) or 1.0
    c, p = centers / scale, points / scale
    n = len(c)
    system = np.zeros((n + 3, n + 3))
    system[:n, :n] = _tps_kernel(_sq_dist(c, c))
    system[:n, n] = system[n, :n] = 1.0
    system[:n, n + 1 :] = c
    system[n + 1 :, :n] = c.T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = values
    try:
        coef = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        return points
    return _tps_kernel(_sq_dist(p, c)) @ coef[:n] + coef[n] + p @ coef[n + 1 :]


def _grid_step(h: int, w: int) -> int:
    # TIA warps vary on the scale of the height and of a segment (>= w / 6); nodes every eighth
    # of the short side (2..8 px) keep the remapped image within ~0.4 grey levels (mean) of
    # evaluating the maps at every pixel, at a fraction of the cost.
    return max(2, min(8, min(h, w) // 8))


def coarse_grid(h: int, w: int, step: int) -> np.ndarray:
    """Output coordinates of the coarse map's nodes, (GH, GW, 2) float64 x, y.

    Node ``j`` sits where ``cv2.resize`` by the integer factor ``step`` puts the centre of
    coarse pixel ``j``, shifted by one node, so that the upsampled map cropped by ``step`` on
    the top/left is exact bilinear interpolation with no clamped border cells.
    """
    gh, gw = (h - 1) // step + 3, (w - 1) // step + 3
    ys = (np.arange(gh) - 0.5) * step - 0.5
    xs = (np.arange(gw) - 0.5) * step - 0.5
    grid = np.empty((gh, gw, 2))
    grid[..., 0], grid[..., 1] = xs[None, :], ys[:, None]
    return grid


def upsample_map(coarse: np.ndarray, h: int, w: int, step: int) -> np.ndarray:
    """Bilinearly upsample a :func:`coarse_grid`-aligned map to (h, w, 2) float32 (a view)."""
    gh, gw = coarse.shape[:2]
    full = cv2.resize(
        coarse.astype(np.float32), (gw * step, gh * step), interpolation=cv2.INTER_LINEAR
    )
    return full[step : step + h, step : step + w]


def tia_warp(
    img: np.ndarray,
    rng: np.random.Generator,
    distort_segment: int | None = None,
    stretch_segment: int | None = None,
    perspective: bool = True,
) -> np.ndarray:
    """Apply distort, then stretch, then perspective (each optional) in one remap.

    Args:
        img: (H, W, C) or (H, W) uint8 image.
        rng: Source of all randomness.
        distort_segment: Number of segments for :func:`distort_points`, or None to skip.
        stretch_segment: Number of segments for :func:`stretch_points`, or None to skip.
        perspective: Whether to add a random vertical perspective.

    Returns:
        The warped image, same shape and dtype; borders are replicated like PaddleOCR's
        clipped sampling.
    """
    h, w = img.shape[:2]
    # Parameters are drawn in forward order; the backward maps compose in reverse.
    warps = []
    if distort_segment and w >= distort_segment:
        warps.append(distort_points(h, w, distort_segment, rng))
    if stretch_segment and w >= stretch_segment:
        warps.append(stretch_points(h, w, stretch_segment, rng))
    corners_y = perspective_corners(h, w, rng) if perspective and h >= 2 else None
    if not warps and corners_y is None:
        return img
    step = _grid_step(h, w)
    grid = coarse_grid(h, w, step)
    pts = grid.reshape(-1, 2)
    if corners_y is not None:
        pts = perspective_map(pts, corners_y, h, w)
    for src, dst in reversed(warps):
        pts = tps_map(pts, dst, src)
    mapping = upsample_map(pts.reshape(grid.shape), h, w, step)
    return cv2.remap(img, mapping, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def tia_distort(img: np.ndarray, segment: int, rng: np.random.Generator) -> np.ndarray:
    """Random local distortion of a (H, W, C) uint8 line with ``segment`` segments."""
    return tia_warp(img, rng, distort_segment=segment, perspective=False)


def tia_stretch(img: np.ndarray, segment: int, rng: np.random.Generator) -> np.ndarray:
    """Random horizontal stretch of a (H, W, C) uint8 line with ``segment`` segments."""
    return tia_warp(img, rng, stretch_segment=segment, perspective=False)


def tia_perspective(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random vertical perspective of a (H, W, C) uint8 line."""
    return tia_warp(img, rng, perspective=True)
