"""Exception types shared across ppocr_lite."""

from __future__ import annotations


class ConfigError(KeyError):
    """A config problem found before any work starts (bad key, name, value or path).

    It subclasses ``KeyError`` so callers catching registry lookups keep working, but prints its
    message without the quotes ``KeyError`` adds.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DataError(ValueError):
    """A sample or dataset that cannot be used (decode failure, label outside the dictionary)."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        # One argument: a message without a reason. Paddle's DataLoader re-raises a worker's
        # exception in the main process as ``type(exc)(text_with_traceback)``; without this the
        # re-raise fails and the user sees only "Blocking queue is killed".
        if message is None:
            reason, message = "data_error", reason
        super().__init__(message)
        self.reason = reason


class CheckpointError(ConfigError):
    """A checkpoint that cannot be read (damaged, untrusted content) or written (full disk).

    It subclasses ``ConfigError`` so the tools end with the same one ``error:`` line.
    """
