"""``-o Key.sub=value`` command-line overrides."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from ppocr_lite.config.load import parse_yaml
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import did_you_mean


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split ``"A.b.c=value"`` at the first ``=`` and parse the value as YAML.

    Returns:
        The dotted key as a list and the typed value (numbers, booleans, lists, null, text).

    Raises:
        ConfigError: if there is no ``=`` or the key is empty.
    """
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"bad override '{item}': expected Section.key=value")
    try:
        value = parse_yaml(raw, f"override {key}") if raw.strip() else raw
    except ConfigError:
        value = raw  # not YAML (e.g. "a: b: c"): keep the text as given
    return key.split("."), value


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, list):
        if not part.isdigit() or int(part) >= len(node):
            raise ConfigError(f"override path '{path}': '{part}' is not an index of a list")
        return node[int(part)]
    if not isinstance(node, dict) or part not in node:
        choices = [str(k) for k in node] if isinstance(node, dict) else []
        raise ConfigError(f"override path '{path}': no key '{part}'{did_you_mean(part, choices)}")
    return node[part]


def apply_overrides(cfg: dict[str, Any], items: Iterable[str]) -> dict[str, Any]:
    """Return a copy of ``cfg`` with each ``Key.sub=value`` applied in order.

    Intermediate keys must exist (a typo there is an error naming the closest key); the last key
    may be new, as with PaddleOCR (``-o Global.checkpoints=...``).

    Raises:
        ConfigError: naming the bad path.
    """
    out = copy.deepcopy(cfg)
    for item in items:
        keys, value = parse_override(item)
        path = ".".join(keys)
        if keys[0] not in out:
            out[keys[0]] = {}  # a section absent from the file, e.g. Global
        node = out
        for part in keys[:-1]:
            node = _child(node, part, path)
        last = keys[-1]
        if isinstance(node, list):
            _child(node, last, path)
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ConfigError(f"override path '{path}': '{keys[-2]}' is not a mapping")
    return out
