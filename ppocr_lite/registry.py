"""Flat registries that build components from PaddleOCR-style YAML blocks.

A YAML block such as ``{name: CTCHead, fc_decay: 1e-5}`` names a registered class; the other keys
become constructor arguments. Values shared across components (``in_channels``, ``charset``) are
injected by the caller as keyword arguments.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ppocr_lite.errors import ConfigError, DataError

logger = logging.getLogger("ppocr_lite")

# Keys that PaddleOCR's own configs put into component blocks but that ppocr_lite has no use for.
# They are accepted (with one warning) so that users' PaddleOCR YAML files load unchanged.
PADDLEOCR_IGNORED_KEYS: frozenset[str] = frozenset(
    {
        "return_attn",
        "use_linear",
        "character_dict_path",
        "use_space_char",
        "max_text_length",
        "use_shared_memory",
        "model_name_list",
        "key",
        "multi_head",
        "dis_head",
        "ignore_index",
        "head_list",
        "return_feats",
        "ext_op_transform_idx",
    }
)


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """Return the choice closest to ``word`` (for "did you mean" hints), or None."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in choices}
    return lowered.get(word.lower())


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """Format a " (did you mean 'x'?)" suffix, or an empty string when nothing is close."""
    best = closest(word, choices)
    return f" (did you mean '{best}'?)" if best else ""


def accepted_keys(cls: Callable[..., Any]) -> tuple[set[str], bool]:
    """Return the keyword names ``cls`` accepts and whether it takes ``**kwargs``."""
    params = inspect.signature(cls).parameters
    names = {
        n
        for n, p in params.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return names, var_kw


class Registry:
    """A name -> class table with a ``build`` that validates YAML blocks.

    The table fills itself: the first lookup imports ``modules``, whose classes register on
    import. So ``import ppocr_lite`` stays cheap, and a tool that needs no model (the cached
    ONNX path of ``infer_rec.py``) never imports Paddle.

    Args:
        kind: What the registry holds ("Backbone", "Transform", ...); used in error messages.
        modules: The modules that register this kind, imported at the first lookup.
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self._table: dict[str, Callable[..., Any]] = {}
        self._modules = modules
        self._loaded = not modules

    def _load(self) -> dict[str, Callable[..., Any]]:
        if not self._loaded:
            self._loaded = True  # first: a module that looks itself up while importing
            for module in self._modules:
                importlib.import_module(module)
        return self._table

    def register(self, name: str | None = None) -> Callable[[Any], Any]:
        """Class decorator registering the class under ``name`` (default: its own name).

        Raises:
            ValueError: if the name is already registered.
        """

        def wrap(cls: Any) -> Any:
            key = name or cls.__name__
            if key in self._table:
                raise ValueError(f"{self.kind} '{key}' is registered twice")
            self._table[key] = cls
            return cls

        return wrap

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._load())

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def get(self, name: str, where: str = "") -> Callable[..., Any]:
        """Return the class registered as ``name``.

        Raises:
            ConfigError: (a KeyError) naming the unknown name, the closest match and all choices.
        """
        if name not in self._load():
            at = f" at {where}.name" if where else ""
            raise ConfigError(
                f"unknown {self.kind} '{name}'{at}{did_you_mean(name, self.names())}; "
                f"registered: {', '.join(self.names())}"
            )
        return self._table[name]

    def check(self, block: Mapping[str, Any], where: str, injected: tuple[str, ...] = ()) -> dict:
        """Validate a YAML block without building it; return the kwargs ``build`` would pass.

        Unknown keys that PaddleOCR configs commonly carry are dropped with one warning; any
        other unknown key is an error naming it and the closest accepted key.

        Raises:
            ConfigError: on a missing/unknown ``name`` or an unknown key.
        """
        if not isinstance(block, Mapping) or "name" not in block:
            raise ConfigError(f"{where} must be a mapping with a 'name:' key, got {block!r}")
        cls = self.get(str(block["name"]), where)
        kwargs = {k: v for k, v in block.items() if k != "name"}
        names, var_kw = accepted_keys(cls)
        unknown = sorted(k for k in kwargs if k not in names and k not in injected)
        if var_kw or not unknown:
            return kwargs
        ignored = [k for k in unknown if k in PADDLEOCR_IGNORED_KEYS]
        wrong = [k for k in unknown if k not in PADDLEOCR_IGNORED_KEYS]
        if wrong:
            key = wrong[0]
            choices = sorted(names - {"self"})
            raise ConfigError(
                f"unknown key '{where}.{key}' for {self.kind} '{block['name']}'"
                f"{did_you_mean(key, choices)}; accepted keys: {', '.join(choices)}"
            )
        logger.warning(
            "%s (%s): ignoring PaddleOCR keys not used by ppocr_lite: %s",
            where,
            block["name"],
            ", ".join(ignored),
        )
        return {k: v for k, v in kwargs.items() if k not in ignored}

    def build(self, block: Mapping[str, Any], where: str = "", **injected: Any) -> Any:
        """Build the class named by ``block['name']`` with the block's other keys.

        Args:
            block: YAML mapping with ``name`` plus constructor keys; it is not modified.
            where: dotted config path of the block, used in error messages.
            **injected: values from the caller (``in_channels=...``); only those the
                constructor declares are passed.

        Returns:
            The constructed component.

        Raises:
            ConfigError: for an unknown name or key, or a value the constructor refuses.
        """
        kwargs = self.check(block, where or self.kind, tuple(injected))
        cls = self._table[str(block["name"])]
        names, var_kw = accepted_keys(cls)
        for key, value in injected.items():
            if var_kw or key in names:
                kwargs.setdefault(key, value)
        try:
            return cls(**kwargs)
        except (ConfigError, DataError):
            raise
        except (ValueError, TypeError, AssertionError) as exc:
            # A value the constructor refuses (e.g. a width not divisible by the heads) is a
            # config mistake like an unknown key: one line naming the block, no traceback.
            raise ConfigError(f"{where or self.kind} ({block['name']}): {exc}") from exc


_MODELING = ("ppocr_lite.modeling",)
RECTIFIERS = Registry("Transform (rectifier)", _MODELING)  # Architecture.Transform: TPS, STN_ON
BACKBONES = Registry("Backbone", _MODELING)
NECKS = Registry("Neck", _MODELING)
HEADS = Registry("Head", _MODELING)
TRANSFORMS = Registry("Transform", ("ppocr_lite.data.transforms",))
DATASETS = Registry("Dataset", ("ppocr_lite.data.lmdb_dataset", "ppocr_lite.data.simple_dataset"))
SAMPLERS = Registry("Sampler", ("ppocr_lite.data.width_sampler",))
LOSSES = Registry("Loss", ("ppocr_lite.losses",))
POSTPROCESSES = Registry("PostProcess", ("ppocr_lite.postprocess",))
METRICS = Registry("Metric", ("ppocr_lite.metrics",))
OPTIMIZERS = Registry("Optimizer", ("ppocr_lite.optim",))
LR_SCHEDULERS = Registry("LRScheduler", ("ppocr_lite.optim",))
