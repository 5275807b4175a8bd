"""Read a PaddleOCR-format YAML config safely."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import yaml

from ppocr_lite.config.distillation import student_config
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import did_you_mean

SECTIONS = (
    "Global",
    "Architecture",
    "Loss",
    "Optimizer",
    "PostProcess",
    "Metric",
    "Train",
    "Eval",
)


# Top-level entries of some PaddleOCR configs that ppocr_lite does not use.
PADDLEOCR_IGNORED_SECTIONS = ("profiler_options",)

logger = logging.getLogger("ppocr_lite")


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, first: int, again: int) -> None:
        super().__init__(f"line {again}: duplicate key '{key}' (first on line {first})")
        self.key, self.first, self.again = key, first, again


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` as a float (YAML 1.1 wants ``1.0e-3``) and refuses
    duplicate keys (plain YAML keeps the last one silently, so an edit near the top of a long
    section would be undone by a forgotten copy further down)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in lines:
                raise _DuplicateKey(key_node.value, lines[key_node.value], line)
            lines[key_node.value] = line
        return super().construct_mapping(node, deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML text with the safe loader.

    Raises:
        ConfigError: naming ``source`` and the line of the syntax error or duplicate key.
    """
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _DuplicateKey as exc:
        raise ConfigError(
            f"{source}:{exc.again}: duplicate key '{exc.key}' (first on line {exc.first}); "
            "keep one of them"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from exc


def load_config(path: str | Path) -> dict[str, Any]:
    """Load a config file into a new dict.

    Args:
        path: YAML file in PaddleOCR's layout (Global, Architecture, Loss, ...).

    Returns:
        The parsed config; sections missing from the file are absent. A PaddleOCR
        Distillation config comes back as the config of its Student (see
        ``config/distillation.py``).

    Raises:
        ConfigError: if the file is missing, is not valid YAML, or has an unknown section.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path} (pass an existing YAML with -c)")
    cfg = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {cfg!r}")
    for key in [k for k in cfg if k in PADDLEOCR_IGNORED_SECTIONS]:
        logger.warning("%s: ignoring PaddleOCR section '%s' (not used by ppocr_lite)", path, key)
        cfg.pop(key)
    for key in cfg:
        if key not in SECTIONS:
            raise ConfigError(
                f"{path}: unknown section '{key}'{did_you_mean(str(key), SECTIONS)}; "
                f"sections: {', '.join(SECTIONS)}"
            )
    return student_config(cfg, str(path))  # a Distillation config trains its Student


def dump_config(cfg: dict[str, Any]) -> str:
    """Serialise a config back to YAML, keeping non-ASCII text readable."""
    return yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False, default_flow_style=None)
