"""Labelled text lines for calibration and checks: an LMDB, a label file, or an image folder."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ppocr_lite.data.lmdb_dataset import LMDBDataSet
from ppocr_lite.data.simple_dataset import SimpleDataSet
from ppocr_lite.deploy.files import list_images
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")


@dataclass(frozen=True)
class Line:
    """One encoded image and its text (None when the source has no labels)."""

    key: str
    image: bytes
    label: str | None


def _from_dataset(dataset: LMDBDataSet | SimpleDataSet, limit: int) -> list[Line]:
    lines, missing = [], []
    for index in range(min(limit, len(dataset))):
        raw = dataset.read(index)
        if raw.found and raw.image:
            lines.append(Line(raw.key, raw.image, raw.label))
        else:
            missing.append(raw.key)
    if missing:
        logger.warning(
            "%d lines skipped (image missing or empty), e.g. %s", len(missing), missing[0]
        )
    return lines


def read_lines(source: str | Path, limit: int, image_root: str | Path | None = None) -> list[Line]:
    """The first ``limit`` lines of ``source``.

    Args:
        source: A folder holding an LMDB (``data.mdb``, searched recursively), a label file of
            ``path<TAB>text`` lines (paths relative to its folder), or a folder of images
            (no labels).
        limit: At most this many lines.
        image_root: Folder the label file's paths are relative to (default: its own folder).

    Raises:
        ConfigError: if the source does not exist or holds no readable line.
    """
    path = Path(source)
    if path.is_file():
        lines = _from_dataset(SimpleDataSet(str(image_root or path.parent), str(path)), limit)
    elif path.is_dir() and any(path.rglob("data.mdb")):
        lines = _from_dataset(LMDBDataSet(str(path)), limit)
    else:
        files = list_images(path, "--calib", only_images=True)[:limit]
        lines = [Line(str(f), f.read_bytes(), None) for f in files]
    if not lines:
        raise ConfigError(f"{source}: no readable line (give an LMDB, a label file or images)")
    return lines


def eval_source(cfg: Mapping[str, Any]) -> tuple[str, str | None]:
    """The config's Eval data as ``read_lines`` arguments: (the first LMDB folder or label file,
    the label file's image root).

    Raises:
        ConfigError: if the Eval section names no data.
    """
    dataset = ((cfg.get("Eval") or {}).get("dataset")) or {}
    labels = dataset.get("label_file_list")
    data_dir = dataset.get("data_dir")
    if not data_dir:
        raise ConfigError("the config's Eval.dataset names no data: pass --calib DATA")
    first = str(data_dir[0] if isinstance(data_dir, list) else data_dir)
    if labels:
        return str(labels[0] if isinstance(labels, list) else labels), first
    return first, None
