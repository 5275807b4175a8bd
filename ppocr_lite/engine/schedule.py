"""Pure predicates deciding when to log, evaluate and save."""

from __future__ import annotations


def should_log(step: int, every: int) -> bool:
    """Log on every ``every``-th global step (steps are 1-based after the increment)."""
    return every > 0 and step > 0 and step % every == 0


def should_eval(step: int, start: int, every: int) -> bool:
    """PaddleOCR's rule: evaluate when ``step > start`` and ``(step - start) % every == 0``."""
    return every > 0 and step > start and (step - start) % every == 0


def should_save_step(step: int, every: int) -> bool:
    """Save ``latest`` every ``every`` steps (0 turns it off)."""
    return every > 0 and step > 0 and step % every == 0


def should_save_epoch(epoch: int, every: int) -> bool:
    """Save ``iter_epoch_N`` every ``every`` epochs (0 turns it off)."""
    return every > 0 and epoch % every == 0


def first_eval_step(start: int, every: int) -> int:
    """The first global step at which ``should_eval`` is true."""
    return start + every


def is_better(new: dict[str, float], best: dict[str, float], main: str, second: str | None) -> bool:
    """Strictly better on ``main``; on a tie, better on ``second``."""
    if not best or main not in best:
        return True
    if new[main] != best[main]:
        return new[main] > best[main]
    return bool(second) and new.get(second, 0.0) > best.get(second, 0.0)
