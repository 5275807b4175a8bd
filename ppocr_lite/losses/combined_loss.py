"""A weighted sum of losses that all read the same head output (PaddleOCR's CombinedLoss)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.output import HeadOutput
from ppocr_lite.registry import LOSSES


@LOSSES.register()
class CombinedLoss(nn.Layer):
    """``sum_i weight_i * loss_i(preds, batch)``, e.g. CTC + 0.05 * center loss.

    Args:
        loss_config_list: PaddleOCR's list, each item ``{Name: {weight: w, ...args}}``; every
            name must be a registered loss.

    Raises:
        ConfigError: for an item that is not one ``{Name: {...}}`` or has no ``weight``.
    """

    def __init__(self, loss_config_list: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        self.parts: list[tuple[str, float, nn.Layer]] = []
        for i, item in enumerate(loss_config_list or ()):
            where = f"Loss.loss_config_list[{i}]"
            if not isinstance(item, Mapping) or len(item) != 1:
                raise ConfigError(f"{where} must be one {{Name: {{weight: w, ...}}}}")
            ((name, args),) = item.items()
            args = dict(args or {})
            if "weight" not in args:
                raise ConfigError(f"{where}.{name} has no weight (PaddleOCR requires one)")
            weight = float(args.pop("weight"))
            loss = LOSSES.build({"name": name, **args}, where)
            self.add_sublayer(f"{name}_{i}", loss)
            key = f"{name}_{i}" if name in {n for n, _, _ in self.parts} else name
            self.parts.append((key, weight, loss))

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, the head's training output, given to every part unchanged; batch.

        Returns:
            ``{"loss": weighted sum, "<LossName>": weighted part, ...}``.
        """
        out: dict[str, Tensor] = {}
        total: Any = 0.0
        for name, weight, loss in self.parts:
            out[name] = loss(preds, batch)["loss"] * weight
            total = total + out[name]
        out["loss"] = total
        return out
