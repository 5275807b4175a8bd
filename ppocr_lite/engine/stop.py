"""Stopping a run early: by a signal, by early stopping, by the NaN guard.

A stop signal (SIGINT, SIGTERM, SIGHUP) only sets a flag: the loop finishes the step it is in,
saves ``latest`` at that step and exits with 128 + the signal number, the convention shells and
schedulers read as "stopped by that signal" (130, 143, 129). Raising from the handler instead
could cut a step between the optimizer update and the step counter, or a save in half.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from typing import Any

from ppocr_lite.data.workers import STOP_SIGNALS

logger = logging.getLogger("ppocr_lite")


class StopTraining(Exception):
    """Raised inside the loop to end the run early (signal, early stop, NaN guard)."""


class SignalStop:
    """The stop signals of a training process, turned into a flag the loop checks.

    The first signal logs one line and asks for a stop; a second one exits at once (without
    saving: the last complete checkpoint stands). Signals the process was started with ignored
    (``nohup`` ignores SIGHUP) stay ignored.
    """

    def __init__(self) -> None:
        self.signum = 0
        self._previous: dict[int, Any] = {}

    @property
    def exit_code(self) -> int:
        """128 + the signal number once a signal came, else 0."""
        return 128 + self.signum if self.signum else 0

    def reason(self) -> str:
        """What stopped the run, for the log."""
        return f"signal {signal.Signals(self.signum).name}: saving latest and exiting"

    def check(self) -> None:
        """Raise :class:`StopTraining` if a stop signal has come."""
        if self.signum:
            raise StopTraining(self.reason())

    def check_all_ranks(self, max_over_ranks: Callable[[int], int] | None) -> None:
        """:meth:`check`, agreed between data-parallel ranks (``max_over_ranks``: a collective).

        A scheduler signals every rank, but not in the same step: a rank that stopped alone
        would leave the others waiting for its gradients. Called after each training step (all
        ranks are in step there), so every rank stops, and rank 0 saves, at the same step.
        """
        if max_over_ranks is not None:
            signum = max_over_ranks(self.signum)
            if signum and not self.signum:
                self.signum = signum
                logger.info("another rank received %s: stopping", signal.Signals(signum).name)
        self.check()

    def install(self) -> None:
        """Handle the stop signals (main thread only; elsewhere this does nothing).

        Called once Paddle is imported, so these handlers replace the crash handler its C++ core
        installs for SIGTERM. Paddle's own SIGCHLD handler stays: it reports loader workers that
        die, which ours no longer do on a stop signal.
        """
        for sig in STOP_SIGNALS:
            if signal.getsignal(sig) == signal.SIG_IGN:
                continue
            with contextlib.suppress(ValueError):  # not the main thread
                self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        """Put back the handlers found by :meth:`install`."""
        for sig, old in self._previous.items():
            signal.signal(sig, old)
        self._previous.clear()

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum:
            os._exit(128 + signum)  # a second signal: leave now, skipping atexit work
        self.signum = signum
        logger.warning("%s (send again to exit immediately)", self.reason())
