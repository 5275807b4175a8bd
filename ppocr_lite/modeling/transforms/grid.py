"""What the rectifiers share around ``grid_sample``."""

from __future__ import annotations

from paddle import Tensor


def needs_grad(image: Tensor) -> Tensor:
    """``image`` as a tensor that takes a gradient (a copy when the input does not).

    Paddle's ``grid_sample`` backward writes the input's gradient unconditionally; on the CPU
    it crashes (segmentation fault) when the input has none, as a data batch does. PaddleOCR
    avoids it by flagging the batch itself.
    """
    if not image.stop_gradient:
        return image
    image = image.clone()
    image.stop_gradient = False
    return image
