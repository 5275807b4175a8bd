"""SVTR's patch embedding and patch merging (sublayer names follow PaddleOCR's SVTRNet)."""

from __future__ import annotations

from itertools import pairwise

from paddle import ParamAttr, Tensor, nn

from ppocr_lite.modeling.layers.conv_norm import ConvNormAct


class PatchEmbed(nn.Layer):
    """Embed an image as tokens with ``sub_num`` stride-2 conv layers (sublayer ``proj``).

    Widths double up to ``embed_dim`` (``embed_dim / 2**(sub_num - 1)``, ..., ``embed_dim``).

    Args:
        img_size: Expected input size (H, W); other sizes are rejected.
        in_channels: Image channels.
        embed_dim: Token width.
        sub_num: Number of stride-2 convolutions.
    """

    def __init__(
        self, img_size: tuple[int, int], in_channels: int, embed_dim: int, sub_num: int
    ) -> None:
        super().__init__()
        self.img_size = img_size
        widths = [in_channels] + [embed_dim // 2 ** (sub_num - 1 - i) for i in range(sub_num)]
        self.proj = nn.Sequential(
            *[
                ConvNormAct(c_in, c_out, 3, 2, bias=True, act=nn.GELU)
                for c_in, c_out in pairwise(widths)
            ]
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, H * W / 4**sub_num, embed_dim)."""
        if tuple(x.shape[2:]) != self.img_size:
            raise ValueError(
                f"SVTRNet was built for {self.img_size[0]}x{self.img_size[1]} images "
                f"(img_size), got {x.shape[2]}x{x.shape[3]}; resize the input to match"
            )
        return self.proj(x).flatten(2).transpose([0, 2, 1])


class SubSample(nn.Layer):
    """Patch merging that halves the grid height (SVTR's ``Conv`` or ``Pool`` merging).

    Args:
        in_ch: Input width C_in.
        out_ch: Output width C_out.
        kind: ``Conv`` (strided 3x3 conv) or ``Pool`` (mean of avg and max pooling + linear).
        norm: Normalization class applied to the output tokens.
    """

    def __init__(self, in_ch: int, out_ch: int, kind: str, norm: type[nn.Layer]) -> None:
        super().__init__()
        self.kind = kind
        if kind == "Pool":
            self.avgpool = nn.AvgPool2D([3, 5], stride=(2, 1), padding=(1, 2))
            self.maxpool = nn.MaxPool2D([3, 5], stride=(2, 1), padding=(1, 2))
            self.proj = nn.Linear(in_ch, out_ch)
        else:
            init = ParamAttr(initializer=nn.initializer.KaimingNormal())
            self.conv = nn.Conv2D(in_ch, out_ch, 3, (2, 1), 1, weight_attr=init)
        self.norm = norm(out_ch)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, H / 2 * W, C_out)."""
        if self.kind == "Pool":
            x = (self.avgpool(x) + self.maxpool(x)) * 0.5
            return self.norm(self.proj(x.flatten(2).transpose([0, 2, 1])))
        return self.norm(self.conv(x).flatten(2).transpose([0, 2, 1]))
