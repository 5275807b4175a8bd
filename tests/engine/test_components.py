"""Built components are checked against the protocol of their role."""

from __future__ import annotations

import pytest

from ppocr_lite.engine.components import require_role
from ppocr_lite.errors import ConfigError
from ppocr_lite.metrics.base import Metric
from ppocr_lite.metrics.rec_metric import RecMetric


def test_a_component_without_its_role_is_named() -> None:
    metric = RecMetric()
    assert require_role(metric, Metric, "Metric") is metric

    class NotAMetric:
        def update(self, preds: list[str], targets: list[str]) -> dict[str, float]:
            return {}

    with pytest.raises(ConfigError, match="Metric: NotAMetric does not implement Metric"):
        require_role(NotAMetric(), Metric, "Metric")
