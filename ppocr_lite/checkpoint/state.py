"""Everything a run needs to continue, as one object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TrainState:
    """Progress of a training run.

    Attributes:
        epoch: Epoch in progress or next to run (1-based, like PaddleOCR).
        epoch_step: Batches of ``epoch`` already trained (a mid-epoch resume skips them).
        global_step: Optimizer steps done since the start of the run.
        best_metric: Best value of ``Metric.main_indicator`` so far.
        best_epoch: Epoch of the best evaluation.
        best_step: Global step of the best evaluation.
        best_metrics: All figures of the best evaluation.
        evals_since_best: Evaluations without improvement (early stopping).
        lr: Learning rate of the last step (to report changes on resume).
        samples_per_step: Global batch size in use (maps ``epoch_step`` to samples when a
            resume changes the batch size).
        config: The config the run was using (for the diff on resume).
        charset: The characters of the dictionary (a change is refused on resume).
        skipped: Bad samples of ``epoch`` so far, keys by reason (a mid-epoch resume keeps
            counting them, so the epoch summary is complete).
        skipped_chars: Characters outside the dictionary met in ``epoch``, with counts.
    """

    epoch: int = 1
    epoch_step: int = 0
    global_step: int = 0
    best_metric: float = 0.0
    best_epoch: int = 0
    best_step: int = 0
    best_metrics: dict[str, float] = field(default_factory=dict)
    evals_since_best: int = 0
    lr: float = 0.0
    samples_per_step: int = 0
    config: dict[str, Any] = field(default_factory=dict)
    charset: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    skipped_chars: dict[str, int] = field(default_factory=dict)

    def to_states(self) -> dict[str, Any]:
        """The ``.states`` payload: PaddleOCR's keys plus ours under ``ppocr_lite``.

        PaddleOCR resumes at ``epoch + 1``, so a mid-epoch state reports the previous epoch.
        """
        best = dict(self.best_metrics)
        best["best_epoch"] = self.best_epoch
        return {
            "epoch": self.epoch - 1,
            "global_step": self.global_step,
            "best_model_dict": best,
            "ppocr_lite": asdict(self),
        }

    @classmethod
    def from_states(cls, states: Mapping[str, Any], main_indicator: str = "acc") -> TrainState:
        """Read a ``.states`` payload written by ppocr_lite or by PaddleOCR."""
        ours = states.get("ppocr_lite")
        if isinstance(ours, Mapping):
            known = {k: v for k, v in ours.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        best = dict(states.get("best_model_dict") or {})
        metrics = {
            k: float(v)
            for k, v in best.items()
            if isinstance(v, int | float) and k not in ("best_epoch", "start_epoch")
        }
        return cls(
            epoch=int(states.get("epoch", 0)) + 1,
            global_step=int(states.get("global_step", 0)),
            best_metric=float(metrics.get(main_indicator, 0.0)),
            best_epoch=int(best.get("best_epoch", 0)),
            best_metrics=metrics,
        )
