"""The character set: one source of truth for label encoding, decoding and the head size."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")

# PaddleOCR's default when no dictionary is given: digits and lower-case letters, labels lowered.
DEFAULT_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


def normalize_text(text: str) -> str:
    """NFC form: a precomposed letter and its decomposed spelling must encode the same way."""
    return unicodedata.normalize("NFC", text)


def read_dict(path: str | Path) -> list[str]:
    """Read a dictionary file: one character (or token) per line, UTF-8.

    Only the line break is stripped, so a line holding a single space is the space character.

    Raises:
        ConfigError: if the file is missing or empty.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Global.character_dict_path: file not found: {path} "
            "(give a dictionary file, e.g. ppocr_lite/utils/dict/vi_dict.txt)"
        )
    chars = [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8-sig").splitlines()]
    chars = [normalize_text(c) for c in chars if c != ""]
    if not chars:
        raise ConfigError(f"Global.character_dict_path: {path} is empty")
    dups = sorted({c for c in chars if chars.count(c) > 1}) if len(set(chars)) < len(chars) else []
    if dups:
        # Kept, not removed: the head size of checkpoints trained on this file depends on them.
        logger.warning("%s: duplicated characters %r (the last occurrence encodes)", path, dups)
    return chars


@dataclass(frozen=True)
class Charset:
    """Ordered characters of the dictionary.

    Attributes:
        chars: The characters, in dictionary order (the space appended if enabled).
        lower: True when no dictionary was given: labels are lower-cased, as in PaddleOCR.
        source: Where the characters came from (for messages and checkpoints).
    """

    chars: tuple[str, ...]
    lower: bool = False
    source: str = ""
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {c: i for i, c in enumerate(self.chars)})

    @classmethod
    def from_config(cls, dict_path: str | None, use_space_char: bool = False) -> Charset:
        """Build the charset from ``Global.character_dict_path`` and ``use_space_char``."""
        if dict_path is None:
            chars, lower, source = list(DEFAULT_CHARS), True, "<default 0-9a-z>"
        else:
            chars, lower, source = read_dict(dict_path), False, str(dict_path)
        if use_space_char and " " not in chars:
            chars.append(" ")
        return cls(tuple(chars), lower, source)

    def __len__(self) -> int:
        return len(self.chars)

    def prepare(self, text: str) -> str:
        """Normalise a label the way it will be compared and encoded (NFC, lower if default)."""
        text = normalize_text(text)
        return text.lower() if self.lower else text

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` (already prepared) that are not in the dictionary."""
        return [c for c in text if c not in self.index]

    def encode(self, text: str, offset: int = 0) -> list[int]:
        """Map a prepared text to indices (+offset); every character must be in the dictionary.

        Raises:
            KeyError: for a character outside the dictionary (check with ``missing`` first).
        """
        return [self.index[c] + offset for c in text]

    def decode(self, ids: Iterable[int], offset: int = 0) -> str:
        """Map indices (-offset) back to text; out-of-range ids are ignored."""
        n = len(self.chars)
        return "".join(self.chars[i - offset] for i in ids if 0 <= i - offset < n)

    def fingerprint(self) -> Sequence[str]:
        """What must match between a checkpoint and a config: the characters in order."""
        return list(self.chars)
