"""The weighted sum of the CTC loss and the guide decoder's loss of ``MultiHead``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.output import HeadOutput, MultiHeadOutput, expect_output
from ppocr_lite.registry import LOSSES, did_you_mean


class Branch(NamedTuple):
    """The ``MultiHead`` output a loss scores and the batch field holding its labels."""

    logits: Callable[[MultiHeadOutput], Tensor | None]
    label: Callable[[Batch], Any]


# Loss name -> its branch.
BRANCHES: dict[str, Branch] = {
    "CTCLoss": Branch(lambda out: out.predict, lambda batch: batch.label_ctc),
    "SARLoss": Branch(lambda out: out.sar, lambda batch: batch.label_sar),
    "NRTRLoss": Branch(lambda out: out.gtc, lambda batch: batch.label_gtc),
}


@LOSSES.register()
class MultiLoss(nn.Layer):
    """``weight_1 * CTC loss + weight_2 * guide loss``.

    Each part reads its own head output and sees its own labels as ``batch.label``, so the
    single-head losses are reused unchanged.

    Args:
        loss_config_list: PaddleOCR's list, e.g. ``[{CTCLoss: null}, {SARLoss: null}]``.
        weight_1: Weight of the CTC loss.
        weight_2: Weight of the guide (SAR / NRTR) loss.

    Raises:
        ConfigError: for a loss that has no MultiHead branch.
    """

    def __init__(
        self,
        loss_config_list: Sequence[Mapping[str, Any]],
        weight_1: float = 1.0,
        weight_2: float = 1.0,
    ) -> None:
        super().__init__()
        self.parts: list[tuple[str, float, nn.Layer]] = []
        for i, item in enumerate(loss_config_list):
            where = f"Loss.loss_config_list[{i}]"
            if not isinstance(item, Mapping) or len(item) != 1:
                raise ConfigError(f"{where} must be one {{Name: {{...}}}}, got {item!r}")
            ((name, args),) = item.items()
            if name not in BRANCHES:
                raise ConfigError(
                    f"{where}: '{name}' has no MultiHead branch{did_you_mean(name, list(BRANCHES))}"
                    f"; choices: {', '.join(BRANCHES)}"
                )
            loss = LOSSES.build({"name": name, **(args or {})}, where)
            self.add_sublayer(name, loss)
            self.parts.append((name, weight_1 if name == "CTCLoss" else weight_2, loss))

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, the ``MultiHeadOutput`` of ``MultiHead``; batch with ``label_ctc``,
        ``label_sar`` / ``label_gtc`` and ``length``.

        Returns:
            ``{"loss": weighted sum, "<LossName>": weighted part, ...}``.

        Raises:
            ValueError: for a guide loss whose guide the head does not have.
        """
        heads = expect_output(preds, MultiHeadOutput, "MultiLoss")
        out: dict[str, Tensor] = {}
        total: Any = 0.0
        for name, weight, loss in self.parts:
            branch = BRANCHES[name]
            logits = branch.logits(heads)
            if logits is None:
                raise ValueError(
                    f"MultiLoss: {name} has no output to score: Loss.loss_config_list and "
                    "Architecture.Head.head_list name different guides"
                )
            view = Batch({**batch.fields, "label": branch.label(batch)}, batch.skipped)
            out[name] = loss(logits, view)["loss"] * weight
            total = total + out[name]
        out["loss"] = total
        return out
