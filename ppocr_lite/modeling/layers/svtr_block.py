"""The SVTR transformer block: a token mixer and an MLP, each in a residual branch."""

from __future__ import annotations

from dataclasses import dataclass, field

from paddle import Tensor, nn

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.layers.attention import (
    Attention,
    AttentionConfig,
    ConvMixer,
    LocalWindow,
)
from ppocr_lite.modeling.layers.drop_path import DropPath
from ppocr_lite.modeling.layers.mlp import Mlp

MIXERS = ("Global", "Local", "Conv")


@dataclass(frozen=True)
class BlockConfig:
    """Hyper-parameters shared by the blocks of one stage.

    Attributes:
        attention: Heads, biases, scale and dropouts of the attention mixers.
        mlp_ratio: MLP hidden width as a multiple of the token width.
        drop: Dropout inside the MLP.
        act_layer: MLP activation class.
        norm_layer: Normalization class, called as ``norm_layer(dim, epsilon=epsilon)``.
        epsilon: Normalization epsilon.
        prenorm: ``True``: normalize after each residual sum (post-norm, PaddleOCR's name);
            ``False``: normalize each branch input (pre-norm transformer).
    """

    attention: AttentionConfig = field(default_factory=AttentionConfig)
    mlp_ratio: float = 4.0
    drop: float = 0.0
    act_layer: type[nn.Layer] = nn.GELU
    norm_layer: type[nn.Layer] = nn.LayerNorm
    epsilon: float = 1e-6
    prenorm: bool = True


def build_mixer(
    kind: str, dim: int, attention: AttentionConfig, window: LocalWindow | None
) -> nn.Layer:
    """Create the token mixer named ``kind`` (``Global``, ``Local`` or ``Conv``).

    Raises:
        ConfigError: on an unknown kind, or a local kind without a token grid.
    """
    if kind not in MIXERS:
        raise ConfigError(f"unknown SVTR mixer {kind!r}; choices: {', '.join(MIXERS)}")
    if kind == "Global":
        return Attention(dim, attention)
    if window is None:
        raise ConfigError(f"the SVTR {kind!r} mixer needs a fixed token grid (img_size)")
    if kind == "Local":
        return Attention(dim, attention, window)
    return ConvMixer(dim, attention.num_heads, window)


class Block(nn.Layer):
    """``x + mixer(x)`` then ``x + mlp(x)``, with norms placed as ``cfg.prenorm`` says.

    Sublayer names (``norm1``, ``mixer``, ``norm2``, ``mlp``) are part of the checkpoint format.

    Args:
        dim: Token width C.
        cfg: Stage hyper-parameters.
        mixer: ``Global``, ``Local`` or ``Conv``.
        window: Token grid and local window (needed by ``Local`` and ``Conv``).
        drop_path: Stochastic-depth probability of both residual branches.
    """

    def __init__(
        self,
        dim: int,
        cfg: BlockConfig = BlockConfig(),
        mixer: str = "Global",
        window: LocalWindow | None = None,
        drop_path: float = 0.0,
    ) -> None:
        super().__init__()
        self.prenorm = cfg.prenorm
        self.norm1 = cfg.norm_layer(dim, epsilon=cfg.epsilon)
        self.mixer = build_mixer(mixer, dim, cfg.attention, window)
        self.drop_path = DropPath(drop_path)
        self.norm2 = cfg.norm_layer(dim, epsilon=cfg.epsilon)
        hidden = int(dim * cfg.mlp_ratio)
        self.mlp = Mlp(dim, hidden, act_layer=cfg.act_layer, drop=cfg.drop)

    def forward(self, x: Tensor) -> Tensor:
        """(N, L, C) -> (N, L, C)."""
        if self.prenorm:
            x = self.norm1(x + self.drop_path(self.mixer(x)))
            return self.norm2(x + self.drop_path(self.mlp(x)))
        x = x + self.drop_path(self.mixer(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))
