"""Every registered metric implements the Metric protocol the engine relies on."""

from __future__ import annotations

import pytest

from ppocr_lite.metrics.base import Metric
from ppocr_lite.registry import METRICS


@pytest.mark.parametrize("name", METRICS.names())
def test_registered_metric_implements_the_protocol(name: str) -> None:
    metric = METRICS.build({"name": name}, "Metric")
    assert isinstance(metric, Metric)
    metric.reset()
    assert metric.update(["ab"], ["ab"])["acc"] == pytest.approx(1.0, abs=1e-4)
    assert metric.get_metric()["acc"] == pytest.approx(1.0, abs=1e-4)
