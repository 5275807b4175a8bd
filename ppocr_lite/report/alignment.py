"""Character alignment of a label and a prediction, and what kind of error each edit is.

An edit of a minimal (Levenshtein) alignment is a substitution, a deletion (a label character
the prediction lacks) or an insertion (a predicted character the label lacks). Each is then
classed from the characters' canonical decomposition (NFD): a *mark* error keeps the base
letter and gets a combining mark wrong (Vietnamese ``ơ → o`` loses the horn, ``ặ → ạ`` the
breve), a *base* error changes the letter itself (``b → d``, or a whole letter missing). The
rule only uses Unicode data, so it holds for every script whose letters decompose; a lone
combining character (Khmer vowel signs, stored separately) has an empty base, so losing one is a
mark error too. Hangul syllables decompose into jamo, which are letters, not marks: their errors
count as base errors.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

KINDS = ("base", "mark_missing", "mark_extra", "mark_wrong")
GAP = "∅"  # how an empty side of an insertion/deletion is shown


@dataclass(frozen=True)
class Edit:
    """One edit: ``op`` is ``replace``, ``delete`` or ``insert``; an absent side is ``""``."""

    op: str
    label: str
    pred: str


def normalize(text: str) -> str:
    """NFC, so that one user-perceived letter is one code point where Unicode allows it."""
    return unicodedata.normalize("NFC", text)


def align(label: str, pred: str) -> list[Edit]:
    """The edits turning ``label`` into ``pred`` (both compared as given; normalise first)."""
    edits = []
    for op in Levenshtein.editops(label, pred):
        a = label[op.src_pos] if op.tag != "insert" else ""
        b = pred[op.dest_pos] if op.tag != "delete" else ""
        edits.append(Edit(op.tag, a, b))
    return edits


def split_marks(char: str) -> tuple[str, tuple[str, ...]]:
    """``(base, marks)`` of a character's NFD: ``"ặ"`` -> ``("a", ("\\u0323", "\\u0306"))``."""
    parts = unicodedata.normalize("NFD", char)
    base = "".join(c for c in parts if not unicodedata.category(c).startswith("M"))
    marks = tuple(sorted(c for c in parts if unicodedata.category(c).startswith("M")))
    return base, marks


def error_kind(edit: Edit) -> str:
    """``base`` or ``mark_missing`` / ``mark_extra`` / ``mark_wrong`` (see the module doc)."""
    base_a, marks_a = split_marks(edit.label)
    base_b, marks_b = split_marks(edit.pred)
    if base_a != base_b:
        return "base"
    have, want = Counter(marks_b), Counter(marks_a)
    if have < want:  # every predicted mark is in the label: some are missing
        return "mark_missing"
    if want < have:
        return "mark_extra"
    return "mark_wrong"


def diff_spans(label: str, pred: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Label and prediction cut into ``(text, differs)`` runs, for highlighting."""
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for op in Levenshtein.opcodes(label, pred):
        differs = op.tag != "equal"
        if op.src_end > op.src_start:
            left.append((label[op.src_start : op.src_end], differs))
        if op.dest_end > op.dest_start:
            right.append((pred[op.dest_start : op.dest_end], differs))
    return left, right


def pair_name(edit: Edit) -> str:
    """``"ơ→o"``; an empty side is shown as ∅."""
    return f"{edit.label or GAP}→{edit.pred or GAP}"


@dataclass
class ErrorCounts:
    """Character-level counts over many lines (labels and predictions already normalised).

    Attributes:
        chars: Occurrences of each character in the labels.
        substituted: Label character -> times it was read as another one.
        deleted: Label character -> times the prediction lacked it.
        inserted: Predicted character -> times it appeared with no label character.
        pairs: ``"a→b"`` confusion (∅ for a missing side) -> count.
        kinds: ``base`` / ``mark_*`` -> count of edits.
    """

    chars: Counter[str] = field(default_factory=Counter)
    substituted: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    inserted: Counter[str] = field(default_factory=Counter)
    pairs: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, label: str, pred: str) -> list[Edit]:
        """Count one line; returns its edits."""
        self.chars.update(label)
        edits = align(label, pred)
        for edit in edits:
            if edit.op == "replace":
                self.substituted[edit.label] += 1
            elif edit.op == "delete":
                self.deleted[edit.label] += 1
            else:
                self.inserted[edit.pred] += 1
            self.pairs[pair_name(edit)] += 1
            self.kinds[error_kind(edit)] += 1
        return edits
