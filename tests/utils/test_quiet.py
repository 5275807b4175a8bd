"""Paddle's known-harmless notices are dropped by their text; every other message stays."""

from __future__ import annotations

import logging
import os
import warnings

import pytest

from ppocr_lite.utils.quiet import (
    LOG_NOTICES,
    NATIVE_NOTICES,
    PYTHON_WARNINGS,
    native_notices_dropped,
    silence_paddle_notices,
)


def test_python_warnings_and_log_notices_are_dropped_others_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = logging.getLogger()
    filters = list(root.filters)
    # Another test may have run a tool in this process already: start from no notice filter.
    root.filters[:] = [f for f in filters if type(f).__name__ != "_DropNotices"]
    before = len(root.filters)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            silence_paddle_notices()
            silence_paddle_notices()  # a second call adds nothing twice
            for text in PYTHON_WARNINGS:
                warnings.warn(f"{text}. more words", UserWarning, stacklevel=1)
            warnings.warn("a warning of our own", UserWarning, stacklevel=1)
        assert [str(w.message) for w in seen] == ["a warning of our own"]
        assert len(root.filters) == before + 1
        with caplog.at_level(logging.INFO):
            logging.info("%s something. The weight_decay ...", LOG_NOTICES[0])
            logging.info("another notice")
        assert [r.getMessage() for r in caplog.records] == ["another notice"]
    finally:
        root.filters[:] = filters


def test_native_notice_lines_are_dropped_and_the_rest_written_back(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with native_notices_dropped():
        os.write(2, b"W1204 first line\n")
        os.write(2, f"W1204 eager_utils.cc:1] {NATIVE_NOTICES[0]} for now!!\n".encode())
        os.write(2, b"W1204 last line\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err.splitlines() == ["W1204 first line", "W1204 last line", "after"]


def test_native_notices_written_back_when_the_block_raises(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ValueError), native_notices_dropped():
        os.write(2, b"kept\n")
        raise ValueError("boom")
    assert capfd.readouterr().err.splitlines() == ["kept"]
