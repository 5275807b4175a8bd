"""Folder of images plus label files of ``path<TAB>label`` lines (and PaddleOCR's multi-scale variant)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ppocr_lite.data.base import RawSample, RecDataset
from ppocr_lite.data.transforms.keep_keys import KeepKeys
from ppocr_lite.data.transforms.resize import RecResizeImg
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import DATASETS


def read_label_file(path: Path, delimiter: str) -> list[tuple[str, str]]:
    """Parse one label file; the label is everything after the first delimiter.

    Raises:
        ConfigError: if the file is missing, or a line has no delimiter.
    """
    if not path.is_file():
        raise ConfigError(f"label file not found: {path} (check label_file_list)")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, label = line.partition(delimiter)
        if not sep:
            raise ConfigError(
                f"{path}:{n}: no {delimiter!r} between image path and label: {line[:80]!r}"
            )
        rows.append((name, label))
    return rows


@DATASETS.register()
class SimpleDataSet(RecDataset):
    """Images under ``data_dir`` listed by one or more label files.

    Args:
        data_dir: Folder the image paths in the label files are relative to.
        label_file_list: One label file or a list of them (one source each).
        delimiter: Separator between path and label.
        transforms, ratio_list, seed, bad_sample, ext_data_num: See RecDataset.
    """

    def __init__(
        self,
        data_dir: str,
        label_file_list: str | Sequence[str],
        transforms: Sequence[Any] = (),
        delimiter: str = "\t",
        ratio_list: Sequence[float] | float = 1.0,
        seed: int = 1024,
        bad_sample: str = "skip",
        ext_data_num: int = 0,
    ) -> None:
        self.data_dir = Path(data_dir)
        if not self.data_dir.is_dir():
            raise ConfigError(f"data_dir not found: {self.data_dir}")
        files = [label_file_list] if isinstance(label_file_list, str) else list(label_file_list)
        self.groups = [read_label_file(Path(f), delimiter) for f in files]
        self.rows = [row for group in self.groups for row in group]
        super().__init__(transforms, seed, bad_sample, ratio_list, ext_data_num)

    def __len__(self) -> int:
        return len(self.rows)

    def source_sizes(self) -> list[int]:
        return [len(g) for g in self.groups]

    def read(self, index: int) -> RawSample:
        name, label = self.rows[index]
        path = self.data_dir / name
        if "\\" in name and not path.exists():
            # A label file written on Windows (imgs\a.jpg): the path as a POSIX system reads it.
            path = self.data_dir / name.replace("\\", "/")
        try:
            return RawSample(str(path), path.read_bytes(), label)
        except FileNotFoundError:
            return RawSample(str(path), b"", label, found=False)
        except OSError:
            return RawSample(str(path), b"", label)


def _strip_size_columns(label: str, delimiter: str) -> str:
    """``label<TAB>w<TAB>h`` (PaddleOCR's ``ds_width`` label files) -> ``label``."""
    parts = label.rsplit(delimiter, 2)
    if len(parts) == 3 and parts[1].strip().isdigit() and parts[2].strip().isdigit():
        return parts[0]
    return label


@DATASETS.register()
class MultiScaleDataSet(SimpleDataSet):
    """PaddleOCR's ``MultiScaleDataSet``: a SimpleDataSet whose lines take their batch's size.

    PaddleOCR resizes each line (keep the ratio, pad right) to the size its ``MultiScaleSampler``
    chose, after every transform but the last (KeepKeys). Here a ``RecResizeImg`` is placed
    there; it reads the sampler's size from ``data["target_hw"]``.

    Args:
        ds_width: Batches grouped by aspect ratio (PaddleOCR's label lines then end with
            ``<TAB>width<TAB>height``, which are dropped here; ppocr_lite's sampler reads the
            sizes from the image headers). The sampler follows it unless its block sets it.
        image_shape: Size of the lines when no sampler sets one.
        Others: See SimpleDataSet.
    """

    def __init__(
        self,
        data_dir: str,
        label_file_list: str | Sequence[str],
        transforms: Sequence[Any] = (),
        delimiter: str = "\t",
        ratio_list: Sequence[float] | float = 1.0,
        seed: int = 1024,
        bad_sample: str = "skip",
        ext_data_num: int = 0,
        ds_width: bool = False,
        image_shape: Sequence[int] = (3, 48, 320),
    ) -> None:
        ops = list(transforms)
        if ops and not any(isinstance(op, RecResizeImg) for op in ops):
            ops.insert(
                len(ops) - 1 if isinstance(ops[-1], KeepKeys) else len(ops),
                RecResizeImg(image_shape),
            )
        super().__init__(
            data_dir, label_file_list, ops, delimiter, ratio_list, seed, bad_sample, ext_data_num
        )
        self.ds_width = ds_width
        if ds_width:
            self.rows = [(name, _strip_size_columns(label, delimiter)) for name, label in self.rows]
