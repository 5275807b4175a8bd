"""The two-layer feed-forward network of transformer blocks."""

from __future__ import annotations

from paddle import Tensor, nn


class Mlp(nn.Layer):
    """``drop(fc2(drop(act(fc1(x)))))``.

    Sublayer names ``fc1`` and ``fc2`` are part of the checkpoint format.

    Args:
        in_features: Input width C.
        hidden_features: Hidden width (default: ``in_features``).
        out_features: Output width (default: ``in_features``).
        act_layer: Activation class.
        drop: Dropout probability after the activation and after ``fc2``.
    """

    def __init__(
        self,
        in_features: int,
        hidden_features: int | None = None,
        out_features: int | None = None,
        act_layer: type[nn.Layer] = nn.GELU,
        drop: float = 0.0,
    ) -> None:
        super().__init__()
        hidden_features = hidden_features or in_features
        out_features = out_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        """(N, L, in_features) -> (N, L, out_features)."""
        x = self.drop(self.act(self.fc1(x)))
        return self.drop(self.fc2(x))
