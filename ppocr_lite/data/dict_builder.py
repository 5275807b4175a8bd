"""Character dictionaries from data: count the characters of label files or LMDBs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from ppocr_lite.charset import normalize_text
from ppocr_lite.data.lmdb_dataset import find_lmdb_dirs, open_lmdb, read_num_samples
from ppocr_lite.data.simple_dataset import read_label_file

# The space comes from Global.use_space_char, and a line break cannot be a dictionary line.
NOT_IN_DICT = frozenset({" ", "\n", "\r"})


def iter_labels(sources: Iterable[str | Path], delimiter: str = "\t") -> Iterator[str]:
    """NFC labels of label files (``path<TAB>label`` lines) and of LMDB folders (searched
    recursively, like ``LMDBDataSet``).

    Raises:
        ConfigError: for a missing source, a folder without LMDB or a line without delimiter.
    """
    for source in sources:
        path = Path(source)
        if path.is_dir():
            for db in find_lmdb_dirs(path):
                with open_lmdb(db).begin(write=False) as txn:
                    for i in range(1, read_num_samples(db) + 1):
                        raw = txn.get(b"label-%09d" % i)
                        yield normalize_text(raw.decode("utf-8", errors="replace") if raw else "")
        else:
            for _, label in read_label_file(path, delimiter):
                yield normalize_text(label)


def count_chars(labels: Iterable[str]) -> Counter[str]:
    """How often each character occurs."""
    counts: Counter[str] = Counter()
    for label in labels:
        counts.update(label)
    return counts


def build_dict(
    counts: Mapping[str, int], base: Sequence[str] = (), min_count: int = 1
) -> list[str]:
    """``base`` in its order, then the characters of ``counts`` it lacks, most frequent first.

    Keeping the base order keeps every existing character's class index, so weights trained
    with the old dictionary still mean the same characters.

    Args:
        counts: Character -> occurrences in the data.
        base: An existing dictionary to extend (may be empty).
        min_count: Leave out new characters seen fewer times (likely label noise).

    Returns:
        The dictionary, one character per entry (no space: see ``Global.use_space_char``).
    """
    have = set(base)
    new = [c for c, n in counts.items() if n >= min_count and c not in have | NOT_IN_DICT]
    return [*base, *sorted(new, key=lambda c: (-counts[c], c))]


def write_dict(chars: Sequence[str], path: str | Path) -> Path:
    """Write one character per line (UTF-8), creating the folder."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{c}\n" for c in chars), encoding="utf-8")
    return out
