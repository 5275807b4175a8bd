"""Every registered transform derives from the Transform base, which declares what the dataset
and inference read of an op."""

from __future__ import annotations

import pytest

from ppocr_lite.data.transforms import Transform
from ppocr_lite.registry import TRANSFORMS


@pytest.mark.parametrize("name", TRANSFORMS.names())
def test_registered_transforms_share_the_base(name: str) -> None:
    op = TRANSFORMS.get(name)
    assert isinstance(op, type) and issubclass(op, Transform)
    assert isinstance(op.ext_data_num, int) and isinstance(op.uses_label, bool)
