"""What training and evaluation need of a metric."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Metric(Protocol):
    """A registered metric accumulating over batches of predicted and target texts."""

    def reset(self) -> None:
        """Forget everything accumulated."""
        ...

    def update(self, preds: Sequence[str], targets: Sequence[str]) -> dict[str, float]:
        """Add one batch; returns that batch's own figures (the training log shows them)."""
        ...

    def get_metric(self) -> dict[str, float]:
        """Figures over everything since the last reset (``Metric.main_indicator`` among them),
        then reset."""
        ...

    def describe(self) -> str:
        """The comparison options, for the log."""
        ...
