"""What training, evaluation and inference need of a post-process."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ppocr_lite.data.batch import Batch


@runtime_checkable
class PostProcess(Protocol):
    """A registered decoder: head probabilities -> texts and scores, labels -> target texts.

    Built with the Global dictionary's ``charset`` injected; the model's head is sized by
    ``num_classes``.
    """

    @property
    def num_classes(self) -> int:
        """Classes the head must predict for this decoder's vocabulary."""
        ...

    def __call__(self, preds: np.ndarray) -> list[tuple[str, float]]:
        """(N, T, C) probabilities (a head's eval output) -> N (text, confidence) pairs."""
        ...

    def target_texts(self, batch: Batch) -> list[str]:
        """The N ground-truth texts of a batch, decoded from its label ids (layout of the
        label encoder this decoder pairs with)."""
        ...
