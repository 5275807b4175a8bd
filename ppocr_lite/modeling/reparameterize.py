"""Inference form of a trained model: multi-branch blocks folded into single convolutions.

Structural re-parameterisation (RepSVTR's blocks) trains several parallel branches and batch
norms and serves one convolution that computes the same thing. Export and inference call
:func:`reparameterize` on every model, so no caller needs to know which backbones fold.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from paddle import nn


@runtime_checkable
class Reparameterizable(Protocol):
    """A layer that can replace its training branches by an equivalent inference form."""

    def reparameterize(self) -> nn.Layer:
        """Fold in place (idempotent) and return the layer, whose eval outputs are unchanged."""
        ...


def reparameterize(model: nn.Layer) -> nn.Layer:
    """Fold every :class:`Reparameterizable` part of ``model`` in place, in eval mode.

    The folded model cannot be trained further (batch-norm statistics are merged into the
    weights), so call this only on a copy meant for export or inference. Models without such
    parts are returned unchanged (apart from eval mode).

    Args:
        model: A built recognizer (or any layer).

    Returns:
        ``model``, folded and in eval mode.
    """
    for layer in [model, *model.sublayers()]:
        if isinstance(layer, Reparameterizable):
            layer.reparameterize()
    model.eval()
    return model
