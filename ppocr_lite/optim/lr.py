"""Learning-rate schedules as pure functions of the global step.

A schedule built from the config is a pure ``step -> lr`` function, so a resumed (or
hot-swapped) run gets its learning rate from the global step alone: no warmup is repeated.
The shapes follow PaddleOCR's: linear warmup from 0 over ``warmup_epoch`` epochs, after which
the decay runs on ``step - warmup_steps``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from paddle.optimizer.lr import LRScheduler

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import LR_SCHEDULERS

LRFunction = Callable[[int], float]


def with_warmup(decay: LRFunction, warmup_steps: int, peak: float) -> LRFunction:
    """Linear warmup 0 -> ``peak`` over ``warmup_steps``, then ``decay(step - warmup_steps)``."""

    def lr(step: int) -> float:
        if step < warmup_steps:
            return peak * step / warmup_steps
        return decay(step - warmup_steps)

    return lr


def cosine(base: float, total_steps: int) -> LRFunction:
    """Half-cosine from ``base`` towards 0 over ``total_steps`` (then back up, as the reference)."""
    total = max(1, total_steps)
    return lambda t: 0.5 * base * (1.0 + math.cos(math.pi * t / total))


def piecewise(boundaries: Sequence[int], values: Sequence[float]) -> LRFunction:
    """``values[i]`` while ``step < boundaries[i]``; the last value after the last boundary."""
    return lambda t: next(
        (v for b, v in zip(boundaries, values, strict=False) if t < b), values[-1]
    )


def linear(base: float, total_steps: int, end_lr: float = 0.0, power: float = 1.0) -> LRFunction:
    """Polynomial decay from ``base`` to ``end_lr`` over ``total_steps``."""
    total = max(1, total_steps)
    return lambda t: (base - end_lr) * (1 - min(t, total) / total) ** power + end_lr


def _anneal(start: float, end: float, frac: float, strategy: str) -> float:
    if strategy == "linear":
        return start + (end - start) * frac
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * frac))


def one_cycle(
    peak: float,
    total_steps: int,
    pct_start: float = 0.3,
    strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> LRFunction:
    """The one-cycle policy: up from ``peak / div_factor`` to ``peak`` over ``pct_start`` of the
    run, then down to ``peak / div_factor / final_div_factor`` (with ``three_phase``, first back
    to the start value, then down). Phase ends are at ``pct_start * total - 1`` (and
    ``2 * pct_start * total - 2``) and ``total - 1``; past the end the rate stays at its minimum.
    """
    low, floor = peak / div_factor, peak / div_factor / final_div_factor
    up_end = pct_start * total_steps - 1
    if three_phase:
        phases = [(up_end, low, peak), (2 * pct_start * total_steps - 2, peak, low)]
    else:
        phases = [(up_end, low, peak)]
    phases.append((total_steps - 1, phases[-1][2], floor))

    def lr(step: int) -> float:
        start = 0.0
        for i, (end, a, b) in enumerate(phases):
            if step <= end or i == len(phases) - 1:
                frac = min(1.0, max(0.0, (step - start) / max(end - start, 1e-9)))
                return _anneal(a, b, frac, strategy)
            start = end
        raise AssertionError("unreachable")

    return lr


class StepLR(LRScheduler):
    """Paddle scheduler whose value at ``last_epoch`` (= global step) is ``fn(step)``."""

    def __init__(self, fn: LRFunction, start_step: int = 0) -> None:
        self.fn = fn
        super().__init__(learning_rate=fn(0), last_epoch=start_step - 1)

    def get_lr(self) -> float:
        return float(self.fn(max(0, self.last_epoch)))

    def jump_to(self, step: int) -> None:
        """Set the schedule to global step ``step`` (used on resume)."""
        self.last_epoch = step
        self.last_lr = self.get_lr()


def _warmup_steps(warmup_epoch: float, step_each_epoch: int) -> int:
    if warmup_epoch < 0:
        raise ConfigError(f"Optimizer.lr.warmup_epoch must be >= 0, got {warmup_epoch}")
    return round(warmup_epoch * step_each_epoch)


def _positive_lr(value: float, where: str = "Optimizer.lr.learning_rate") -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{where} must be a positive number, got {value!r}")
    return float(value)


@LR_SCHEDULERS.register()
class Cosine:
    """Cosine decay over the whole run with linear warmup (PaddleOCR ``Cosine``)."""

    def __init__(self, learning_rate: float, warmup_epoch: float = 0, last_epoch: int = -1) -> None:
        self.learning_rate = _positive_lr(learning_rate)
        self.warmup_epoch = warmup_epoch

    def __call__(self, step_each_epoch: int, epochs: int) -> LRFunction:
        warm = _warmup_steps(self.warmup_epoch, step_each_epoch)
        return with_warmup(
            cosine(self.learning_rate, epochs * step_each_epoch), warm, self.learning_rate
        )


@LR_SCHEDULERS.register()
class Piecewise:
    """Step decay at ``decay_epochs`` through ``values`` (PaddleOCR ``Piecewise``)."""

    def __init__(
        self,
        decay_epochs: Sequence[int],
        values: Sequence[float],
        warmup_epoch: float = 0,
        last_epoch: int = -1,
    ) -> None:
        if len(values) != len(decay_epochs) + 1:
            raise ConfigError(
                "Optimizer.lr: Piecewise needs one more value than decay_epochs, got "
                f"{len(values)} values for {len(decay_epochs)} boundaries"
            )
        self.decay_epochs = list(decay_epochs)
        self.values = [_positive_lr(v, "Optimizer.lr.values") for v in values]
        self.warmup_epoch = warmup_epoch

    def __call__(self, step_each_epoch: int, epochs: int) -> LRFunction:
        bounds = [e * step_each_epoch for e in self.decay_epochs]
        warm = _warmup_steps(self.warmup_epoch, step_each_epoch)
        return with_warmup(piecewise(bounds, self.values), warm, self.values[0])


@LR_SCHEDULERS.register()
class Const:
    """A constant rate after an optional warmup."""

    def __init__(self, learning_rate: float, warmup_epoch: float = 0, last_epoch: int = -1) -> None:
        self.learning_rate = _positive_lr(learning_rate)
        self.warmup_epoch = warmup_epoch

    def __call__(self, step_each_epoch: int, epochs: int) -> LRFunction:
        warm = _warmup_steps(self.warmup_epoch, step_each_epoch)
        return with_warmup(lambda t: self.learning_rate, warm, self.learning_rate)


@LR_SCHEDULERS.register()
class Linear:
    """Polynomial (linear by default) decay to ``end_lr`` with warmup."""

    def __init__(
        self,
        learning_rate: float,
        end_lr: float = 0.0,
        power: float = 1.0,
        warmup_epoch: float = 0,
        last_epoch: int = -1,
    ) -> None:
        self.learning_rate = _positive_lr(learning_rate)
        self.end_lr, self.power, self.warmup_epoch = end_lr, power, warmup_epoch

    def __call__(self, step_each_epoch: int, epochs: int) -> LRFunction:
        warm = _warmup_steps(self.warmup_epoch, step_each_epoch)
        decay = linear(self.learning_rate, epochs * step_each_epoch, self.end_lr, self.power)
        return with_warmup(decay, warm, self.learning_rate)


@LR_SCHEDULERS.register()
class OneCycle:
    """One-cycle policy over the whole run (PaddleOCR ``OneCycle``, e.g. its PARSeq config):
    ``max_lr`` at ``pct_start`` of the steps, cosine (or linear) annealing on both sides, after
    an optional linear warmup from 0."""

    def __init__(
        self,
        max_lr: float,
        anneal_strategy: str = "cos",
        three_phase: bool = False,
        pct_start: float = 0.3,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        warmup_epoch: float = 0,
        last_epoch: int = -1,
    ) -> None:
        self.max_lr = _positive_lr(max_lr, "Optimizer.lr.max_lr")
        if anneal_strategy not in ("cos", "linear"):
            raise ConfigError(
                f"Optimizer.lr.anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        if not 0.0 < float(pct_start) < 1.0:
            raise ConfigError(f"Optimizer.lr.pct_start must be in (0, 1), got {pct_start!r}")
        self.shape = (float(pct_start), anneal_strategy, float(div_factor),
                      float(final_div_factor), bool(three_phase))  # fmt: skip
        self.warmup_epoch = warmup_epoch

    def __call__(self, step_each_epoch: int, epochs: int) -> LRFunction:
        warm = _warmup_steps(self.warmup_epoch, step_each_epoch)
        decay = one_cycle(self.max_lr, epochs * step_each_epoch, *self.shape)
        return with_warmup(decay, warm, self.max_lr)
