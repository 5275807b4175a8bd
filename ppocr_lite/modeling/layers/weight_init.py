"""Weight initialization of transformer layers (ViT / SVTR convention)."""

from __future__ import annotations

from paddle import nn

# PaddleOCR's SVTR draws linear weights and the position embedding from N(0, 0.02) truncated.
trunc_normal_ = nn.initializer.TruncatedNormal(std=0.02)
zeros_ = nn.initializer.Constant(0.0)
ones_ = nn.initializer.Constant(1.0)


def init_transformer_weights(layer: nn.Layer) -> None:
    """Initialize one sublayer; use as ``model.apply(init_transformer_weights)``.

    Linear weights get a truncated N(0, 0.02) and zero bias; LayerNorms get weight 1, bias 0.
    Other layers keep their own initializers.
    """
    if isinstance(layer, nn.Linear):
        trunc_normal_(layer.weight)
        if layer.bias is not None:
            zeros_(layer.bias)
    elif isinstance(layer, nn.LayerNorm):
        ones_(layer.weight)
        zeros_(layer.bias)
