"""Greedy CTC decoding to text and confidence."""

from __future__ import annotations

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.data.batch import Batch
from ppocr_lite.registry import POSTPROCESSES


def ctc_greedy(ids: np.ndarray, probs: np.ndarray) -> tuple[list[int], list[float]]:
    """Collapse repeats, then drop blanks (index 0).

    Args:
        ids: (T,) arg-max class per time step.
        probs: (T,) probability of that class.

    Returns:
        The kept class ids and their probabilities.
    """
    keep = np.ones(len(ids), dtype=bool)
    keep[1:] = ids[1:] != ids[:-1]
    keep &= ids != 0
    return ids[keep].tolist(), probs[keep].tolist()


@POSTPROCESSES.register()
class CTCLabelDecode:
    """(N, T, C) probabilities -> [(text, confidence)]; confidence is the mean kept probability.

    Args:
        charset: Injected from the Global dictionary settings.
    """

    def __init__(self, charset: Charset) -> None:
        self.charset = charset

    @property
    def num_classes(self) -> int:
        """Head outputs: the characters plus the CTC blank at index 0."""
        return len(self.charset) + 1

    def __call__(self, preds: np.ndarray) -> list[tuple[str, float]]:
        preds = np.asarray(preds)
        ids, probs = preds.argmax(axis=2), preds.max(axis=2)
        out = []
        for row_ids, row_probs in zip(ids, probs, strict=True):
            kept, conf = ctc_greedy(row_ids, row_probs)
            text = self.charset.decode(kept, offset=1)
            out.append((text, float(np.mean(conf)) if conf else 0.0))
        return out

    def target_texts(self, batch: Batch) -> list[str]:
        """Ground truth decoded from the CTC ids of ``batch.label`` (``batch.label_ctc`` in a
        ``MultiLabelEncode`` batch, which keeps the CTC ids under that name) and ``length``."""
        label = batch.label_ctc if "label_ctc" in batch else batch.label
        labels, lengths = np.asarray(label), np.asarray(batch.length)  # tensors too
        return [
            self.charset.decode(row[:n].tolist(), offset=1)
            for row, n in zip(labels, lengths, strict=True)
        ]
