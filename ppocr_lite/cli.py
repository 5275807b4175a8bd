"""Shared command-line handling of the tools: ``-c CONFIG -o Key.sub=value ...``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.saved import checkpoint_override, find_saved_config
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.engine.logging import LOGGER_NAME, setup_logger
from ppocr_lite.env import NO_PADDLE
from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.utils.quiet import silence_paddle_notices


def safe_console() -> None:
    """Never crash on text the terminal cannot encode (e.g. PYTHONIOENCODING=ascii)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def parse_args(
    description: str,
    argv: Sequence[str] | None = None,
    keys: Sequence[tuple[str, str]] = (),
    example: str = "",
    saved_config: bool = False,
) -> argparse.Namespace:
    """``-c`` config path and ``-o`` overrides (repeatable, space-separated).

    Args:
        description: The tool's one-line summary (its docstring).
        argv: Arguments (default: ``sys.argv[1:]``).
        keys: ``(key, meaning)`` of the ``-o`` keys a user of this tool sets most, for ``--help``.
        example: A whole command line, shown at the end of ``--help``.
        saved_config: ``-c`` may be left out when ``-o Global.checkpoints=PATH`` is given: the
            config training saved beside the checkpoint is read (``config.saved``).

    Returns:
        ``config`` and ``opt`` (the list of ``Key.sub=value``).

    Raises:
        ConfigError: without ``-c``, when no saved config can stand in for it.
    """
    parser = argparse.ArgumentParser(
        description=description,
        epilog=_epilog(keys, example),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config_help = "YAML config (PaddleOCR format)"
    if saved_config:
        config_help += "; default: the config.yml training saved beside Global.checkpoints"
    parser.add_argument("-c", "--config", required=not saved_config, help=config_help)
    parser.add_argument(
        "-o", "--opt", nargs="+", action="extend", default=[], help="Key.sub=value overrides"
    )
    args = parser.parse_args(argv)
    if args.config is None:
        args.config = str(_saved_config(args.opt))
    return args


def _saved_config(opts: Sequence[str]) -> Path:
    """The config saved beside the ``-o Global.checkpoints`` checkpoint, for a missing ``-c``."""
    checkpoint = checkpoint_override(opts)
    if checkpoint is None:
        raise ConfigError(
            "no config: pass -c CONFIG, or -o Global.checkpoints=PATH to a checkpoint whose "
            "folder holds the config.yml its training saved"
        )
    found = find_saved_config(checkpoint)
    if found is None:
        folder = Path(checkpoint).parent
        raise ConfigError(
            f"no -c given and no saved config (config.yml) in {folder}, the folder of "
            f"Global.checkpoints={checkpoint}: pass the training config with -c CONFIG"
        )
    logging.getLogger(LOGGER_NAME).info("config: %s (saved beside the checkpoint)", found)
    return found


def _epilog(keys: Sequence[tuple[str, str]], example: str) -> str:
    width = max((len(key) for key, _ in keys), default=0)
    lines = ["main -o keys (any YAML key can be set; values are parsed as YAML):"] if keys else []
    lines += [f"  {key.ljust(width)}  {meaning}" for key, meaning in keys]
    if example:
        lines += ["", "example:", f"  {example}"]
    return "\n".join(lines)


def load(
    args: argparse.Namespace,
    sections: tuple[str, ...],
    optional: tuple[str, ...] = (),
    weights: bool = True,
) -> tuple[dict[str, Any], GlobalConfig]:
    """Load, override and validate the config (before any model or data is built).

    ``weights``: check that the weight files the config names exist (``check_config``).
    """
    from ppocr_lite.validate import check_config  # imports the components (and Paddle)

    cfg = apply_overrides(load_config(args.config), args.opt)
    try:
        return cfg, check_config(cfg, args.config, sections, optional, weights=weights)
    except ConfigError:
        raise
    except Exception as exc:  # a constructor's own check (e.g. bad value type)
        raise ConfigError(f"{args.config}: {exc}") from exc


def run_tool(main: Callable[[], Any]) -> None:
    """Run a tool's main: config and data errors, and a missing Paddle, end with one clear line
    on stderr and exit code 2.

    Paddle's known-harmless notices are silenced first (``ppocr_lite.utils.quiet``), so a tool
    imports Paddle inside ``main``, never at its top.
    """
    safe_console()
    silence_paddle_notices()
    setup_logger(None)
    start = time.time()
    try:
        main()
    except (ConfigError, DataError) as exc:
        _log_to_files(str(exc))  # train.log keeps it; the console gets the one line below
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except ModuleNotFoundError as exc:
        if exc.name != "paddle":
            raise
        print(f"error: {NO_PADDLE}", file=sys.stderr)
        raise SystemExit(2) from None
    logging.getLogger(LOGGER_NAME).debug("finished in %.1f s", time.time() - start)


def _log_to_files(message: str) -> None:
    """An ERROR record for the log's file handlers only (never the console)."""
    logger = logging.getLogger(LOGGER_NAME)
    record = logger.makeRecord(logger.name, logging.ERROR, __file__, 0, "%s", (message,), None)
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)
