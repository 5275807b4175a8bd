"""PARSeq computes what PaddleOCR 2.9.1's PARSeq computes, on PaddleOCR's own weights.

``tests/data/paddleocr_parseq_reference.npz`` was written by
``bench/check_paddleocr_parseq.py --size tiny --dump`` from PaddleOCR's ``ViTParseQ`` +
``ParseQHead`` (two decoder layers, so the content stream's masks are exercised): the weights it
initialised, the inputs and permutations given to it, and what it computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.check_paddleocr_parseq import compare_with_reference, lite_outputs

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "paddleocr_parseq_reference.npz"


@pytest.fixture(scope="module")
def diffs() -> dict[str, float]:
    return compare_with_reference(REFERENCE)


def test_decoding_probabilities_equal_paddleocr(diffs: dict[str, float]) -> None:
    assert diffs["probabilities (AR + refinement)"] < 1e-5
    assert diffs["probabilities (non-autoregressive)"] < 1e-5


def test_training_logits_loss_and_gradients_equal_paddleocr(diffs: dict[str, float]) -> None:
    assert diffs["teacher-forced logits, all orders"] < 1e-4
    assert diffs["loss"] < 1e-5
    assert diffs["gradients (relative), all parameters"] < 1e-4


def test_reference_is_not_degenerate() -> None:
    """The comparison means something: the outputs vary with the image and over positions."""
    ref = np.load(REFERENCE)
    probs = ref["probs_ar"]
    assert probs.shape[1] == 26 and np.allclose(probs.sum(-1), 1.0, atol=1e-5)
    assert np.abs(probs[0] - probs[1]).max() > 1e-3  # two images, different outputs
    assert len([k for k in ref.files if k.startswith("logits_")]) == len(ref["perms"]) == 6
    mine = lite_outputs(ref)
    assert np.isfinite(float(mine["loss"])) and float(mine["loss"]) > 0
