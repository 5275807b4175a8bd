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
from ppocr_lite.engine.logging import setup_logger
from ppocr_lite.errors import ConfigError, DataError


def safe_console() -> None:
    """Never crash on text the terminal cannot encode (e.g. PYTHONIOENCODING=ascii)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``-c`` config path and ``-o`` overrides (repeatable, space-separated)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--config", required=True, help="YAML config (PaddleOCR format)")
    parser.add_argument(
        "-o", "--opt", nargs="+", action="extend", default=[], help="Key.sub=value overrides"
    )
    return parser.parse_args(argv)


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
    """Run a tool's main: config and data errors end with one clear line and exit code 2."""
    safe_console()
    setup_logger(None)
    start = time.time()
    try:
        main()
    except (ConfigError, DataError) as exc:
        logging.getLogger("ppocr_lite").error("%s", exc)
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logging.getLogger("ppocr_lite").debug("finished in %.1f s", time.time() - start)
