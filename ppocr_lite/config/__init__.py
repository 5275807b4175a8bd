"""Config loading, overrides, the typed Global section and validation."""

from __future__ import annotations

from ppocr_lite.config.load import dump_config, load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.schema import GlobalConfig, parse_global

__all__ = ["GlobalConfig", "apply_overrides", "dump_config", "load_config", "parse_global"]
