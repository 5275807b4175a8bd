"""Shared command-line handling of the tools: ``-c CONFIG -o Key.sub=value ...``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.engine.logging import LOGGER_NAME, setup_logger
from ppocr_lite.errors import ConfigError, DataError
from ppocr_lite.env import NO_PADDLE
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
) -> argparse.Namespace:
    """``-c`` config path and ``-o`` overrides (repeatable, space-separated).

    Args:
        description: The tool's one-line summary (its docstring).
        argv: Arguments (default: ``sys.argv[1:]``).
        keys: ``(key, meaning)`` of the ``-o`` keys a user of this tool sets most, for ``--help``.
        example: A whole command line, shown at the end of ``--help``.

    Returns:
        ``config`` and ``opt`` (the list of ``Key.sub=value``).
    """
    parser = argparse.ArgumentParser(
        description=description,
        epilog=_epilog(keys, example),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-c", "--config", required=True, help="YAML config (PaddleOCR format)")
    parser.add_argument(
        "-o", "--opt", nargs="+", action="extend", default=[], help="Key.sub=value overrides"
    )
    return parser.parse_args(argv)


def _epilog(keys: Sequence[tuple[str, str]], example: str) -> str:
    width = max((len(key) for key, _ in keys), default=0)
    lines = ["main -o keys (any YAML key can be set; values are parsed as YAML):"] if keys else []
    lines += [f"  {key.ljust(width)}  {meaning}" for key, meaning in keys]
    if example:
        lines += ["", "example:", f"  {example}"]
    return "\n".join(lines)


def read_config(args: argparse.Namespace) -> dict[str, Any]:
    """The config with its ``-o`` overrides applied, not validated (no Paddle imported)."""
    return apply_overrides(load_config(args.config), args.opt)


def load(
    args: argparse.Namespace,
    sections: tuple[str, ...],
    optional: tuple[str, ...] = (),
    cfg: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], GlobalConfig]:
    """Load, override and validate the config (before any model or data is built).

    ``cfg``: the config as ``read_config`` gave it, when the tool has read it already.
    """
    from ppocr_lite.config.validate import check_config  # imports the components (and Paddle)

    cfg = read_config(args) if cfg is None else cfg
    try:
        return cfg, check_config(cfg, args.config, sections, optional)
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
