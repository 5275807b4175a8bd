"""Per-print-window timing and bad-sample accounting."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ppocr_lite.engine.logging import SmoothedValue


@dataclass
class StepTimer:
    """Reader and batch costs since the last print, plus smoothed loss/metrics."""

    window: int
    reader_cost: float = 0.0
    batch_cost: float = 0.0
    samples: int = 0
    steps: int = 0
    smoothed: dict[str, SmoothedValue] = field(default_factory=dict)

    def add(self, reader: float, batch: float, samples: int) -> None:
        self.reader_cost += reader
        self.batch_cost += batch
        self.samples += samples
        self.steps += 1

    def smooth(self, name: str, value: float) -> float:
        meter = self.smoothed.setdefault(name, SmoothedValue(self.window))
        meter.update(value)
        return meter.avg

    def window_figures(self) -> dict[str, float]:
        """avg_reader_cost, avg_batch_cost (s/step) and ips (samples/s); then reset the window."""
        steps = max(self.steps, 1)
        out = {
            "avg_reader_cost": self.reader_cost / steps,
            "avg_batch_cost": self.batch_cost / steps,
            "ips": self.samples / max(self.batch_cost, 1e-9),
        }
        self.reader_cost = self.batch_cost = 0.0
        self.samples = self.steps = 0
        return out


@dataclass
class BadSamples:
    """Unique bad samples of the current epoch, by reason (a key counts once per epoch)."""

    keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    chars: Counter[str] = field(default_factory=Counter)

    def add(self, skipped: list[tuple[str, str, str]]) -> None:
        for reason, key, detail in skipped:
            if key not in self.keys[reason] and reason == "unknown_char":
                self.chars.update(set(detail))
            self.keys[reason].add(key)

    def counts(self) -> dict[str, int]:
        return {reason: len(keys) for reason, keys in sorted(self.keys.items()) if keys}

    def total(self) -> int:
        return len(set().union(*self.keys.values())) if self.keys else 0

    def describe(self) -> str:
        counts = self.counts()
        if not counts:
            return ""
        text = ", ".join(f"{k}={v}" for k, v in counts.items())
        if self.chars:
            text += (
                " (chars not in dict: "
                + " ".join(f"{c!r}x{n}" for c, n in self.chars.most_common(10))
                + ")"
            )
        return text

    def reset(self) -> None:
        self.keys = defaultdict(set)
        self.chars = Counter()

    def to_state(self) -> tuple[dict[str, list[str]], dict[str, int]]:
        """Keys by reason and missing characters, as plain data for ``TrainState``."""
        keys = {reason: sorted(found) for reason, found in sorted(self.keys.items()) if found}
        return keys, dict(self.chars)

    @classmethod
    def from_state(cls, keys: dict[str, list[str]], chars: dict[str, int]) -> BadSamples:
        """The counts ``to_state`` gave (a resumed epoch goes on counting from them)."""
        found: dict[str, set[str]] = defaultdict(set)
        for reason, names in keys.items():
            found[reason].update(names)
        return cls(found, Counter(chars))
