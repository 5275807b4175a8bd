"""Tiny architectures (Backbone + Head blocks) of the decoders that train alone, shared by the
training-step tests and the export tests."""

from __future__ import annotations

from typing import Any

TINY_CPPD: dict[str, Any] = {
    "Backbone": {
        "name": "SVTRNet",
        "img_size": [32, 100],
        "embed_dim": [32, 32, 32],
        "depth": [1, 1, 1],
        "num_heads": [1, 1, 1],
        "mixer": ["Global"] * 3,
        "last_stage": False,
        "prenorm": True,
    },
    "Head": {"name": "CPPDHead", "dim": 32, "num_layer": 1, "vis_seq": 50},
}
TINY_SAR: dict[str, Any] = {
    "Backbone": {
        "name": "ResNet31",
        "layers": [1, 1, 1, 1],
        "channels": [8, 8, 16, 16, 16, 16, 16],
    },
    "Head": {"name": "SARHead", "enc_dim": 16, "d_k": 8},
}
