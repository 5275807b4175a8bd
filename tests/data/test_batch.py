"""Batch fields are declared; a missing one is named."""

from __future__ import annotations

import numpy as np
import pytest

from ppocr_lite.data.batch import Batch, MissingFieldError
from ppocr_lite.errors import ConfigError


def test_declared_and_other_kept_fields_read_by_name() -> None:
    batch = Batch({"image": np.zeros((2, 3, 4, 8)), "label": np.ones((2, 5)), "extra": [1, 2]})
    assert batch.image.shape == (2, 3, 4, 8) and batch.label.shape == (2, 5)
    assert batch["extra"] == [1, 2] and "extra" in batch and batch.size == 2


def test_a_missing_field_names_itself_and_the_kept_ones() -> None:
    batch = Batch({"image": np.zeros((1, 3, 4, 8)), "label": np.ones((1, 5))})
    kept = r"\(fields: \['image', 'label'\]\)"
    with pytest.raises(MissingFieldError, match=f"no field 'label_sar' {kept}"):
        _ = batch.label_sar
    with pytest.raises(KeyError, match="'nope'.*KeepKeys"):
        _ = batch["nope"]
    with pytest.raises(ConfigError):
        _ = batch.length
    assert not hasattr(batch, "valid_ratio")  # an AttributeError too
    with pytest.raises(AttributeError):
        _ = batch.no_such_attribute  # not a declared field: no dynamic lookup
