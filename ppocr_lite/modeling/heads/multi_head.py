"""PP-OCRv3/v4's recognition head: a CTC branch plus an attention guide used only in training.

The guide (SAR in PP-OCRv3, NRTR "GTC" in PP-OCRv4) reads the same backbone features and its
loss shapes them, but inference and export run the CTC branch alone: in eval mode the head
returns the CTC probabilities and nothing else. Attribute names (``ctc_encoder``, ``ctc_head``,
``sar_head``, ``before_gtc``, ``gtc_head``) follow PaddleOCR's ``MultiHead`` so its checkpoints load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import paddle
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.nrtr_head import NRTRConfig, NRTRHead
from ppocr_lite.modeling.heads.output import MultiHeadOutput
from ppocr_lite.modeling.heads.sar_head import SARConfig, SARHead
from ppocr_lite.modeling.layers.weight_init import trunc_normal_
from ppocr_lite.registry import HEADS, NECKS, did_you_mean
from ppocr_lite.tokens import nrtr_tokens, sar_tokens

GUIDES = ("SARHead", "NRTRHead")
# PaddleOCR's NRTRHead keys -> NRTRConfig fields.
_NRTR_KEYS = {
    "nrtr_dim": "d_model",
    "num_decoder_layers": "num_decoder_layers",
    "attention_dropout_rate": "attention_dropout_rate",
    "residual_dropout_rate": "residual_dropout_rate",
    "max_text_length": None,  # the guide decodes the label's own length
}


class _FCTranspose(nn.Layer):
    """(N, C, L) -> (N, L, dim) by a bias-free linear map."""

    def __init__(self, in_channels: int, dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_channels, dim, bias_attr=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x.transpose([0, 2, 1]))


class _AddPos(nn.Layer):
    """Adds a learned position embedding for up to ``length`` tokens."""

    def __init__(self, dim: int, length: int) -> None:
        super().__init__()
        self.dec_pos_embed = self.create_parameter([1, length, dim])
        trunc_normal_(self.dec_pos_embed)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.dec_pos_embed[:, : x.shape[1], :]


def _config(cls: Any, args: Mapping[str, Any] | None, where: str) -> Any:
    """Build the dataclass ``cls`` from a YAML mapping, naming any unknown key."""
    args = dict(args or {})
    names = [f.name for f in dataclasses.fields(cls)]
    for key in args:
        if key not in names:
            raise ConfigError(f"unknown key '{where}.{key}'{did_you_mean(key, names)}")
    return cls(**args)


def _split_head_list(head_list: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``[{CTCHead: {...}}, {SARHead: {...}}]`` -> ``{"CTCHead": {...}, "SARHead": {...}}``."""
    parts: dict[str, Any] = {}
    for i, item in enumerate(head_list or ()):
        if not isinstance(item, Mapping) or len(item) != 1:
            raise ConfigError(f"Architecture.Head.head_list[{i}] must be one {{Name: {{...}}}}")
        ((name, args),) = item.items()
        if name not in ("CTCHead", *GUIDES):
            choices = ("CTCHead", *GUIDES)
            raise ConfigError(
                f"Architecture.Head.head_list[{i}]: unknown head '{name}'"
                f"{did_you_mean(name, choices)}; choices: {', '.join(choices)}"
            )
        parts[name] = dict(args or {})
    guides = [g for g in GUIDES if g in parts]
    if "CTCHead" not in parts or len(guides) != 1:
        raise ConfigError(
            "Architecture.Head.head_list needs one CTCHead and one guide (SARHead or NRTRHead), "
            f"got {list(parts)}"
        )
    return parts


def _tensor(value: Any) -> Tensor:
    return value if isinstance(value, paddle.Tensor) else paddle.to_tensor(value)


def _crop(label: Any, length: Any) -> Tensor:
    """Cut (N, L) guide labels after the longest label's EOS: the rest is padding."""
    return _tensor(label)[:, : int(_tensor(length).max()) + 2].astype("int64")


@HEADS.register()
class MultiHead(nn.Layer):
    """CTC head with an attention guide for training.

    Args:
        in_channels: Backbone channels C of the (N, C, H, W) features (injected).
        out_channels: CTC classes, blank included (injected from the dictionary); the guide's
            vocabulary is derived from the same dictionary size.
        head_list: PaddleOCR's list: ``{CTCHead: {Neck: {name: svtr, ...}, Head: {...}}}`` and
            ``{SARHead: {enc_dim: 512, ...}}`` or ``{NRTRHead: {nrtr_dim: 384, ...}}``.
        use_pos: Add a learned position embedding before the NRTR guide.
        use_pool: The input is SVTRNet's (N, 3 * W, C) tokens (``last_stage: false``, 3 rows):
            average 3 x 2 cells into (N, C, 1, W / 2) first (PaddleOCR's PP-OCRv4 SVTR-Large).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        head_list: Sequence[Mapping[str, Any]],
        use_pos: bool = False,
        use_pool: bool = False,
    ) -> None:
        super().__init__()
        parts = _split_head_list(head_list)
        self.out_channels = out_channels
        self.in_channels = in_channels
        self.pool = nn.AvgPool2D([3, 2], stride=[3, 2]) if use_pool else None
        self._build_ctc(in_channels, out_channels, parts["CTCHead"])
        num_chars = out_channels - 1  # the CTC classes are the characters plus the blank
        where = "Architecture.Head.head_list"
        if "SARHead" in parts:
            cfg = _config(SARConfig, parts["SARHead"], f"{where}.SARHead")
            self.sar_head = SARHead(in_channels, sar_tokens(num_chars), cfg)
        else:
            self._build_gtc(in_channels, num_chars, parts["NRTRHead"], use_pos)
        self.guide = "sar" if "SARHead" in parts else "gtc"

    def _build_gtc(
        self, in_channels: int, num_chars: int, args: Mapping[str, Any], use_pos: bool
    ) -> None:
        where = "Architecture.Head.head_list.NRTRHead"
        for key in args:
            if key not in _NRTR_KEYS:
                hint = did_you_mean(key, list(_NRTR_KEYS))
                raise ConfigError(f"unknown key '{where}.{key}'{hint}")
        cfg = NRTRConfig(**{_NRTR_KEYS[k]: v for k, v in args.items() if _NRTR_KEYS[k]})
        layers = [nn.Flatten(2), _FCTranspose(in_channels, cfg.d_model)]
        if use_pos:  # PaddleOCR's learned table covers 80 feature positions
            layers.append(_AddPos(cfg.d_model, 80))
        self.before_gtc = nn.Sequential(*layers)
        self.gtc_head = NRTRHead(nrtr_tokens(num_chars), cfg)

    def _build_ctc(self, in_channels: int, out_channels: int, args: Mapping[str, Any]) -> None:
        where = "Architecture.Head.head_list.CTCHead"
        neck = dict(args.get("Neck") or {})
        if "name" not in neck:
            raise ConfigError(f"{where}.Neck needs a 'name:' (the encoder type, e.g. svtr)")
        neck = {"name": "SequenceEncoder", "encoder_type": neck.pop("name"), **neck}
        self.ctc_encoder = NECKS.build(neck, f"{where}.Neck", in_channels=in_channels)
        head = {"name": "CTCHead", **(args.get("Head") or {})}
        self.ctc_head = HEADS.build(
            head,
            f"{where}.Head",
            in_channels=self.ctc_encoder.out_channels,
            out_channels=out_channels,
        )

    def forward(self, x: Tensor, targets: Batch | None = None) -> Tensor | MultiHeadOutput:
        """(N, C, H, W) features -> CTC output, plus the guide's logits while training.

        Args:
            x: Backbone features.
            targets: The Batch (training only): ``label_sar`` or ``label_gtc``, ``length`` and,
                if kept, ``valid_ratio``.

        Returns:
            Eval: (N, T, out_channels) CTC probabilities. Training: a ``MultiHeadOutput`` with
            the CTC logits as ``predict``, ``ctc_neck`` (N, T, D) and ``sar`` or ``gtc`` (N, L, V)
            logits.
        """
        if self.pool is not None:
            x = self.pool(x.reshape([0, 3, -1, self.in_channels]).transpose([0, 3, 1, 2]))
        neck = self.ctc_encoder(x)
        ctc = self.ctc_head(neck)
        if not self.training:
            return ctc
        if targets is None:
            raise ValueError("MultiHead needs the batch in training: call model(image, batch)")
        if self.guide == "sar":
            label = _crop(targets.label_sar, targets.length)
            ratio = targets.valid_ratio if "valid_ratio" in targets else None
            ratio = None if ratio is None else _tensor(ratio).astype("float32")
            return MultiHeadOutput(ctc, ctc_neck=neck, sar=self.sar_head(x, label, ratio))
        label = _crop(targets.label_gtc, targets.length)
        return MultiHeadOutput(ctc, ctc_neck=neck, gtc=self.gtc_head(self.before_gtc(x), label))
