"""Token cross-entropy with optional label smoothing, shared by the attention losses."""

from __future__ import annotations

import paddle
import paddle.nn.functional as F
from paddle import Tensor

from ppocr_lite.errors import ConfigError


def check_smoothing(epsilon: float, owner: str) -> float:
    """Return ``epsilon`` as a float in [0, 1).

    Raises:
        ConfigError: naming ``owner`` (e.g. ``Loss.label_smoothing``) when it is out of range.
    """
    value = float(epsilon)
    if not 0.0 <= value < 1.0:
        raise ConfigError(
            f"{owner}: {epsilon!r} is not in [0, 1); 0.1 is the usual value, 0 turns it off"
        )
    return value


def token_cross_entropy(
    logits: Tensor, target: Tensor, ignore_index: int, epsilon: float = 0.0
) -> tuple[Tensor, Tensor]:
    """Summed cross-entropy over the tokens whose target is not ``ignore_index``.

    With ``epsilon > 0`` the target distribution is ``1 - epsilon`` on the true class and
    ``epsilon`` spread evenly over the other classes (NRTR's and PP-OCR's convention).

    Args:
        logits: (M, V) unnormalised scores.
        target: (M,) int64 class ids.
        ignore_index: id whose tokens do not count (padding).
        epsilon: label-smoothing mass.

    Returns:
        (sum of the per-token losses, number of counted tokens), both scalar tensors, so callers
        can average over several groups of tokens without a host sync.
    """
    keep = (target != ignore_index).astype(logits.dtype)
    safe = paddle.where(target == ignore_index, paddle.zeros_like(target), target)
    log_p = F.log_softmax(logits, axis=-1)
    if epsilon > 0.0:
        classes = logits.shape[-1]
        one_hot = F.one_hot(safe, classes).astype(log_p.dtype)
        soft = one_hot * (1.0 - epsilon) + (1.0 - one_hot) * (epsilon / (classes - 1))
        per_token = -(soft * log_p).sum(axis=-1)
    else:
        per_token = -paddle.take_along_axis(log_p, safe.unsqueeze(-1), axis=-1).squeeze(-1)
    return (per_token * keep).sum(), keep.sum()


def mean_token_cross_entropy(
    logits: Tensor, target: Tensor, ignore_index: int, epsilon: float = 0.0
) -> Tensor:
    """Mean of :func:`token_cross_entropy` over the counted tokens (0 when there are none)."""
    total, count = token_cross_entropy(logits, target, ignore_index, epsilon)
    return total / paddle.clip(count, min=1.0)
