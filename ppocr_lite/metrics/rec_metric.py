"""Recognition accuracy: exact match, normalised edit distance and character error rate."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from ppocr_lite.registry import METRICS

_EPS = 1e-5  # PaddleOCR divides by (count + 1e-5); kept so figures are comparable


def char_acc(edits: int, target_chars: int) -> float:
    """``1 - CER``, floored at 0: CER exceeds 1 when predictions are much longer than targets."""
    return max(0.0, 1.0 - edits / max(target_chars, 1))


@METRICS.register()
class RecMetric:
    """Accumulates over batches; ``get_metric`` returns the figures and resets.

    ``acc`` and ``norm_edit_dis`` are computed as in PaddleOCR (``norm_edit_dis`` = 1 - mean of
    edit distance / max length); ``cer`` is total edits / total target characters and
    ``char_acc`` is ``1 - cer`` (floored at 0). Every character counts, whatever its script:
    nothing is stripped unless asked.

    Args:
        main_indicator: Metric that decides ``best_accuracy``.
        ignore_space: Remove spaces before comparing.
        ignore_case: Compare case-insensitively.
        is_filter: Accepted for PaddleOCR configs; ppocr_lite never filters characters (PaddleOCR
            would keep ASCII letters and digits only, which erases Vietnamese letters).
        ignore_punctuation: Remove Unicode punctuation (categories P*, e.g. ``.,:;!?"'()[]-/%…``)
            before comparing; symbols such as ``+ = ₫ €`` and letters with their tone marks
            still count.
    """

    def __init__(
        self,
        main_indicator: str = "acc",
        ignore_space: bool = False,
        ignore_case: bool = False,
        is_filter: bool = False,
        ignore_punctuation: bool = False,
    ) -> None:
        self.main_indicator = main_indicator
        self.ignore_space = ignore_space
        self.ignore_case = ignore_case
        self.ignore_punctuation = ignore_punctuation
        self.reset()

    def describe(self) -> str:
        """The comparison options, for the log."""
        return (
            f"ignore_space={self.ignore_space}, ignore_case={self.ignore_case}, "
            f"ignore_punctuation={self.ignore_punctuation}"
        )

    def reset(self) -> None:
        """Forget accumulated counts."""
        self.correct = 0
        self.total = 0
        self.norm_dist = 0.0
        self.edits = 0
        self.target_chars = 0

    def _clean(self, text: str) -> str:
        if self.ignore_space:
            text = text.replace(" ", "")
        if self.ignore_punctuation:
            text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
        return text.lower() if self.ignore_case else text

    def update(self, preds: Sequence[str], targets: Sequence[str]) -> dict[str, float]:
        """Add a batch of predicted and target texts; returns the batch's own figures."""
        correct, norm_dist, edits, chars = 0, 0.0, 0, 0
        for pred, target in zip(preds, targets, strict=True):
            pred, target = self._clean(pred), self._clean(target)
            dist = Levenshtein.distance(pred, target)
            norm_dist += dist / max(len(pred), len(target), 1)
            correct += pred == target
            edits += dist
            chars += len(target)
        self.correct += correct
        self.total += len(preds)
        self.norm_dist += norm_dist
        self.edits += edits
        self.target_chars += chars
        n = len(preds) + _EPS
        return {
            "acc": correct / n,
            "norm_edit_dis": 1 - norm_dist / n,
            "char_acc": char_acc(edits, chars),
        }

    def get_metric(self) -> dict[str, float]:
        """Figures over everything since the last reset, then reset."""
        n = self.total + _EPS
        out = {
            "acc": self.correct / n,
            "norm_edit_dis": 1 - self.norm_dist / n,
            "cer": self.edits / max(self.target_chars, 1),
            "char_acc": char_acc(self.edits, self.target_chars),
        }
        self.reset()
        return out
