"""Print a recognizer's size: python tools/model_summary.py -c CONFIG [-o Key.sub=value ...].

Prints the trainable parameter count (``params: N``, the number the training log shows), the
multiply-accumulates of one forward pass for ONE image at the configured input size, and the
output shape. MACs are counted here with forward hooks rather than with ``paddle.flops``, which
sees only ``nn.Layer`` calls and so misses SVTR's attention matmuls and the LSTM.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402
from ppocr_lite.config.schema import GlobalConfig  # noqa: E402

if TYPE_CHECKING:  # Paddle is imported where it is used: --help answers without it
    from paddle import nn

MAC_SCOPE = "conv, linear, attention matmuls and LSTM; norms, activations and pooling not counted"


def _layer_macs(layer: nn.Layer, inputs: tuple[Any, ...], output: Any) -> int:
    """Multiply-accumulates of one call of ``layer`` for the whole batch (0 if not counted)."""
    from paddle import nn

    from ppocr_lite.modeling.layers.attention import Attention

    if isinstance(layer, nn.Conv2D):
        k_h, k_w = layer._kernel_size
        return int(output.numel()) * (layer._in_channels // layer._groups) * k_h * k_w
    if isinstance(layer, nn.Linear):
        return int(output.numel()) * int(layer.weight.shape[0])
    if isinstance(layer, Attention):  # (N, L, C): q @ k^T and attn @ v, each N * L * L * C
        n, length, width = inputs[0].shape
        return 2 * n * length * length * width
    if isinstance(layer, nn.MultiHeadAttention):  # the same with queries and keys apart
        query = inputs[0]
        key = inputs[1] if len(inputs) > 1 and inputs[1] is not None else query
        return 2 * query.shape[0] * query.shape[1] * key.shape[1] * layer.embed_dim
    if isinstance(layer, nn.LSTM):  # 4 gates, each (input + hidden) x hidden per step
        n, steps = inputs[0].shape[:2]
        h, dirs = layer.hidden_size, layer.num_directions
        widths = [layer.input_size] + [h * dirs] * (layer.num_layers - 1)
        return sum(n * steps * dirs * 4 * (w + h) * h for w in widths)
    return 0


def count_macs(model: nn.Layer, shape: tuple[int, int, int]) -> tuple[int, tuple[int, ...]]:
    """MACs of one eval-mode forward pass of one (C, H, W) image, and the output shape.

    Args:
        model: The recognizer (left in eval mode on return only if it was in eval mode).
        shape: Input (C, H, W).

    Returns:
        (MACs for batch 1, output shape such as (1, T, num_classes)).
    """
    import paddle

    total = [0]
    hooks = [
        layer.register_forward_post_hook(
            lambda lay, inp, out: total.__setitem__(0, total[0] + _layer_macs(lay, inp, out))
        )
        for layer in model.sublayers(include_self=True)
    ]
    was_training = model.training
    model.eval()
    try:
        with paddle.no_grad():
            out = model(paddle.zeros([1, *shape], dtype="float32"))
        while isinstance(out, dict | list | tuple):  # multi-output heads: the first output
            out = next(iter(out.values())) if isinstance(out, dict) else out[0]
    finally:
        for hook in hooks:
            hook.remove()
        if was_training:
            model.train()
    return total[0], tuple(int(d) for d in out.shape)


@dataclass(frozen=True)
class Summary:
    """Size of one recognizer at its configured input size (counts are per image)."""

    algorithm: str
    params: int
    macs: int
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, ...]
    num_classes: int

    def lines(self) -> list[str]:
        """The report, one fact per line; ``params: N`` is the training log's number."""
        c, h, w = self.input_shape
        return [
            f"model: {self.algorithm}, {self.num_classes} classes",
            f"input: {c} x {h} x {w} (batch of 1 image)",
            f"params: {self.params}  ({self.params / 1e6:.2f} M trainable values)",
            f"MACs per image, one forward pass: {self.macs}  ({self.macs / 1e9:.3f} G; "
            f"{MAC_SCOPE})",
            f"FLOPs per image (= 2 x MACs): {2 * self.macs}  ({2 * self.macs / 1e9:.3f} G)",
            f"output (eval mode): {tuple(self.output_shape)}",
        ]


def summarize(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> Summary:
    """Build the model of ``cfg`` exactly as training does and measure it."""
    from ppocr_lite.config.resolve import input_shape
    from ppocr_lite.engine.components import build_components
    from ppocr_lite.modeling import count_parameters

    components = build_components(cfg, gcfg)
    shape = input_shape(cfg)
    macs, out_shape = count_macs(components.model, shape)
    return Summary(
        algorithm=str((cfg.get("Architecture") or {}).get("algorithm", "?")),
        params=count_parameters(components.model),
        macs=macs,
        input_shape=shape,
        output_shape=out_shape,
        num_classes=components.postprocess.num_classes,
    )


def main() -> None:
    example = "python tools/model_summary.py -c configs/rec/svtr_tiny.yml"
    args = parse_args(__doc__, example=example)
    import paddle  # after --help

    # No weights are loaded: a config naming checkpoints that are not here still has a size.
    cfg, gcfg = load(args, sections=(), optional=(), weights=False)
    paddle.set_device("cpu")
    print("\n".join(summarize(cfg, gcfg).lines()))


if __name__ == "__main__":
    run_tool(main)
