"""Scan datasets for bad samples before training: the library behind tools/check_data.py.

The reasons are the ones training counts (``not_found``, ``bad_image``, ``empty_label``,
``label_too_long``, ``unknown_char``), found in the same order (image first, then the label), so a
report and a training epoch over the same data give the same numbers.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ppocr_lite.charset import Charset, normalize_text
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.base import RecDataset
from ppocr_lite.data.loader import build_dataset
from ppocr_lite.data.transforms.decode import decode_image
from ppocr_lite.data.transforms.label_encode import check_label
from ppocr_lite.errors import ConfigError, DataError

logger = logging.getLogger("ppocr_lite")

REASONS = ("not_found", "bad_image", "empty_label", "label_too_long", "unknown_char")
MAX_EXAMPLES = 5
HEIGHT_EDGES = (0, 16, 24, 32, 48, 64, 128, 256)
WIDTH_EDGES = (0, 32, 64, 128, 256, 512, 1024, 2048)
RATIO_EDGES = (0, 1, 2, 4, 6, 8, 12, 16, 24, 32)
# z of a one-sided 99.9% bound: a sample refuses a run only when its bad share is clearly too high.
_Z = 3.09

OnBad = Callable[[str, str, str], None]


@dataclass
class Histogram:
    """Counts over ``[edges[i], edges[i + 1])``; the last bucket is open-ended."""

    edges: tuple[float, ...]
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = self.counts or [0] * len(self.edges)

    def add(self, value: float) -> None:
        self.counts[int(np.searchsorted(self.edges, value, side="right")) - 1] += 1

    def lines(self, fmt: str = "{:g}") -> list[str]:
        """One ``[lo, hi): count  ####`` line per non-empty bucket."""
        top, total, out = max(self.counts, default=0), sum(self.counts), []
        for i, n in enumerate(self.counts):
            if n:
                hi = fmt.format(self.edges[i + 1]) if i + 1 < len(self.edges) else "inf"
                span = f"[{fmt.format(self.edges[i])}, {hi})"
                bar = "#" * max(1, round(30 * n / top))
                out.append(f"  {span:<14}{n:>9} {100 * n / total:5.1f}%  {bar}")
        return out


def length_edges(max_text_length: int) -> tuple[int, ...]:
    """Label-length buckets; one starts right after ``max_text_length`` (too long from there)."""
    return tuple(sorted({1, 2, 5, 10, 15, 20, 30, 50, 100, max_text_length + 1}))


@dataclass
class CharStat:
    """A character outside the dictionary: labels holding it and the first such sample."""

    count: int
    example: str


@dataclass
class DataReport:
    """What a scan of one dataset found.

    Attributes:
        name: The section (``Train``/``Eval``) or path scanned.
        size: Samples in the dataset.
        scanned: Samples looked at (all, or a sample of them).
        bad: Reason -> number of bad samples (the reason training would skip each for).
        examples: Reason -> up to ``MAX_EXAMPLES`` keys.
        unknown_chars: Character -> CharStat, over every scanned label.
        nfc_changed: Labels whose NFC form differs from the stored text (fine, but worth
            knowing: the stored text is not what is trained on).
        chars: Every character of the (prepared) labels with its count, for a dictionary.
    """

    name: str
    size: int
    max_text_length: int
    scanned: int = 0
    bad: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    unknown_chars: dict[str, CharStat] = field(default_factory=dict)
    nfc_changed: int = 0
    nfc_examples: list[str] = field(default_factory=list)
    chars: Counter[str] = field(default_factory=Counter)
    heights: Histogram = field(default_factory=lambda: Histogram(HEIGHT_EDGES))
    widths: Histogram = field(default_factory=lambda: Histogram(WIDTH_EDGES))
    ratios: Histogram = field(default_factory=lambda: Histogram(RATIO_EDGES))
    lengths: Histogram = field(init=False)

    def __post_init__(self) -> None:
        self.lengths = Histogram(length_edges(self.max_text_length))

    def counts(self) -> dict[str, int]:
        """Bad samples per reason, in the fixed reason order, zeros left out."""
        return {r: self.bad[r] for r in REASONS if self.bad[r]}

    def total_bad(self) -> int:
        return sum(self.bad.values())

    def describe(self) -> str:
        """One line: counts per reason and the characters missing from the dictionary."""
        text = ", ".join(f"{k}={v}" for k, v in self.counts().items()) or "no bad samples"
        if self.unknown_chars:
            top = sorted(self.unknown_chars.items(), key=lambda kv: -kv[1].count)[:10]
            text += " (chars not in dict: " + " ".join(f"{c!r}x{s.count}" for c, s in top) + ")"
        return text

    def summary(self) -> str:
        """The full multi-line report."""
        share = f" (a sample of {self.size})" if self.scanned < self.size else ""
        lines = [f"== {self.name}: {self.scanned} samples scanned{share}"]
        lines.append(f"bad samples: {self.total_bad()} - {self.describe()}")
        for reason in self.counts():
            lines.append(f"  {reason}: e.g. {', '.join(self.examples[reason])}")
        if self.unknown_chars:
            lines.append("characters not in the dictionary (labels, example):")
            for ch, stat in sorted(self.unknown_chars.items(), key=lambda kv: -kv[1].count):
                lines.append(f"  {ch!r} U+{ord(ch):04X}: {stat.count}  {stat.example}")
        if self.nfc_changed:
            lines.append(f"labels changed by NFC normalization: {self.nfc_changed}")
            lines.append(f"  e.g. {', '.join(self.nfc_examples)}")
        for title, hist, fmt in (
            ("image height (px)", self.heights, "{:g}"),
            ("image width (px)", self.widths, "{:g}"),
            ("aspect ratio (width / height)", self.ratios, "{:g}"),
            (f"label length (max_text_length {self.max_text_length})", self.lengths, "{:g}"),
        ):
            lines += [f"{title}:", *hist.lines(fmt)]
        return "\n".join(lines)

    # -- filled by scan_dataset -------------------------------------------------------------
    def _bad(self, reason: str, key: str) -> None:
        self.bad[reason] += 1
        keep = self.examples.setdefault(reason, [])
        if len(keep) < MAX_EXAMPLES:
            keep.append(key)

    def _label(self, key: str, raw: str, charset: Charset) -> None:
        text = charset.prepare(raw)
        if normalize_text(raw) != raw:
            self.nfc_changed += 1
            if len(self.nfc_examples) < MAX_EXAMPLES:
                self.nfc_examples.append(key)
        self.chars.update(text)
        for ch in set(charset.missing(text)):
            stat = self.unknown_chars.setdefault(ch, CharStat(0, key))
            stat.count += 1
        if text:
            self.lengths.add(len(text))


def _image(report: DataReport, image: bytes) -> None:
    img = decode_image(image)
    h, w = img.shape[:2]
    report.heights.add(h)
    report.widths.add(w)
    report.ratios.add(w / h)


def scan_dataset(
    dataset: RecDataset,
    charset: Charset,
    report: DataReport,
    indices: Iterable[int] | None = None,
    on_bad: OnBad | None = None,
) -> DataReport:
    """Read, decode and label-check samples of ``dataset`` into ``report``.

    Args:
        dataset: A built dataset (its transforms are not used).
        charset: The dictionary labels must be covered by.
        report: Where to count (``report.max_text_length`` is the length limit).
        indices: Which samples (0-based); all of them by default.
        on_bad: Called with ``(reason, key, detail)`` for every bad sample.

    Returns:
        ``report``, filled in.
    """
    for index in range(len(dataset)) if indices is None else indices:
        raw = dataset.read(int(index))
        report.scanned += 1
        report._label(raw.key, raw.label, charset)
        try:
            if not raw.found:
                raise DataError("not_found", f"{raw.key}: no such image")
            _image(report, raw.image)
            check_label(raw.label, charset, report.max_text_length)
        except DataError as exc:
            report._bad(exc.reason, raw.key)
            if on_bad is not None:
                on_bad(exc.reason, raw.key, str(exc))
    return report


def sample_indices(size: int, limit: int | None, seed: int) -> np.ndarray:
    """All indices, or ``limit`` of them drawn without replacement (sorted, for LMDB locality)."""
    if limit is None or limit >= size:
        return np.arange(size)
    return np.sort(np.random.default_rng(seed).choice(size, limit, replace=False))


def check_datasets(
    cfg: Mapping[str, Any],
    gcfg: GlobalConfig,
    limit: int | None = None,
    on_bad: OnBad | None = None,
    wrap: Callable[[Iterable[int], str], Iterable[int]] | None = None,
) -> list[DataReport]:
    """Scan the Train and Eval datasets of a (validated) config.

    Args:
        cfg: The config.
        gcfg: Its Global section (dictionary, max_text_length, seed).
        limit: Scan at most this many samples per dataset (a random sample); all if None.
        on_bad: See ``scan_dataset``.
        wrap: Wraps each index iterable (e.g. a progress bar), given the section name.

    Returns:
        One report per present section.

    Raises:
        ConfigError: when there is neither a Train nor an Eval section.
    """
    if not (cfg.get("Train") or cfg.get("Eval")):
        raise ConfigError("the config has no Train or Eval section to check")
    charset = Charset.from_config(gcfg.character_dict_path, gcfg.use_space_char)
    reports = []
    for where in ("Train", "Eval"):
        if not cfg.get(where):
            continue
        dataset = build_dataset(cfg[where], where, charset, gcfg)
        indices: Iterable[int] = sample_indices(len(dataset), limit, gcfg.seed)
        if wrap is not None:
            indices = wrap(indices, where)
        report = DataReport(where, len(dataset), gcfg.max_text_length)
        reports.append(scan_dataset(dataset, charset, report, indices, on_bad))
        check_pipeline(dataset, where)
    return reports


def check_pipeline(dataset: RecDataset, where: str, tries: int = 8) -> None:
    """Run a few samples through the transforms; a config fault (KeepKeys asking for a field
    no transform makes) fails every sample alike and is raised now, not hours into the run.

    Raises:
        ConfigError: naming ``{where}.dataset.transforms`` and the missing field.
    """
    for index in range(min(tries, len(dataset))):
        try:
            dataset.transform_one(index)
            return
        except DataError as exc:
            if exc.reason != "missing_key":
                continue  # a bad sample: the scan above counts those
            raise ConfigError(
                f"{where}.dataset.transforms: {exc}; add the transform that makes it (e.g. "
                "MultiLabelEncode for label_ctc/label_sar, RecResizeImg for valid_ratio) or "
                "remove it from KeepKeys.keep_keys"
            ) from exc


def clearly_over(bad: int, scanned: int, size: int, ratio: float) -> bool:
    """Whether ``bad`` of ``scanned`` shows the dataset's bad share exceeds ``ratio``.

    Exact when the whole dataset was scanned; otherwise the Wilson lower bound must exceed it,
    so a random sample never refuses a run that is in fact within the limit (99.9%).
    """
    if scanned == 0:
        return False
    p = bad / scanned
    if scanned >= size:
        return p > ratio
    z2 = _Z * _Z
    centre = p + z2 / (2 * scanned)
    spread = _Z * math.sqrt(p * (1 - p) / scanned + z2 / (4 * scanned * scanned))
    return (centre - spread) / (1 + z2 / scanned) > ratio


def check_data_at_start(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> list[DataReport]:
    """Training start: scan ``Global.check_data_samples`` samples of Train and Eval.

    Logs one line per dataset. Cheap (no model, no transforms beyond decoding), so it runs
    before anything is built; ``check_data_samples: 0`` turns it off.

    Raises:
        DataError: ``too_many_bad`` when a sample shows more bad samples than
            ``Global.max_bad_ratio`` allows, with the counts and what to run.
    """
    if gcfg.check_data_samples <= 0:
        return []
    reports = check_datasets(cfg, gcfg, limit=gcfg.check_data_samples)
    for report in reports:
        level = logging.WARNING if report.total_bad() else logging.INFO
        logger.log(
            level,
            "data check %s: %d of %d samples scanned: %s",
            report.name,
            report.scanned,
            report.size,
            report.describe(),
        )
        if clearly_over(report.total_bad(), report.scanned, report.size, gcfg.max_bad_ratio):
            raise DataError(
                "too_many_bad",
                f"{report.name}: {report.total_bad()} of {report.scanned} checked samples are bad "
                f"({report.describe()}), more than Global.max_bad_ratio={gcfg.max_bad_ratio}; "
                "run tools/check_data.py -c CONFIG for the full list (--out, --fix-dict), fix "
                "the data or the dictionary, or raise Global.max_bad_ratio",
            )
    return reports
