"""The recognizer: optional Transform -> Backbone -> optional Neck -> Head."""

from __future__ import annotations

from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.modeling.heads.output import HeadOutput


class Recognizer(nn.Layer):
    """Chains the parts; attribute names (``backbone``, ``neck``, ``head``) prefix checkpoint keys.

    Args:
        backbone: Image encoder, (N, 3, H, W) -> (N, C, H', W').
        head: Sequence classifier producing (N, T, num_classes).
        neck: Optional sequence encoder between them.
        transform: Optional input rectifier (e.g. TPS), applied first.
    """

    def __init__(
        self,
        backbone: nn.Layer,
        head: nn.Layer,
        neck: nn.Layer | None = None,
        transform: nn.Layer | None = None,
    ) -> None:
        super().__init__()
        self.transform = transform
        self.backbone = backbone
        self.neck = neck
        self.head = head

    @property
    def num_classes(self) -> int:
        """Classes the head predicts (blank included for CTC)."""
        return int(self.head.out_channels)

    def forward(self, x: Tensor, targets: Batch | None = None) -> Tensor | HeadOutput:
        """(N, 3, H, W) image batch -> head output.

        In eval mode the (N, T, num_classes) probabilities; in training the logits, or a
        :class:`HeadOutput` holding them as ``predict`` when the loss needs more. ``targets`` is
        passed to heads that use labels while training (attention guides).
        """
        if self.transform is not None:
            x = self.transform(x)
        x = self.backbone(x)
        if self.neck is not None:
            x = self.neck(x)
        return self.head(x, targets)
