"""Silence PaddlePaddle's known-harmless notices, each matched by its own text, nothing else.

Each notice below was traced to its origin in Paddle 3.x and is harmless for this project:

- ``No ccache found`` (``paddle/utils/cpp_extension/extension_utils.py``, a ``UserWarning`` on
  every ``import paddle``): ccache only matters when compiling custom C++ operators.
- ``we now always track global mean and variance`` (``paddle/nn/layer/norm.py``, a
  ``UserWarning`` of every BatchNorm forward in training): it describes the only behaviour.
- ``If regularizer of a Parameter has been set by ...`` (``paddle/optimizer/optimizer.py``, a
  root-logger INFO): PaddleOCR's heads set their own L2 decay on purpose, and the optimizer's
  decay applies to the other parameters as the config intends.
- ``Paddle static graph(PIR) not support input out tensor`` (``eager_utils.cc``, a C++ glog
  WARNING on stderr): Paddle's own ``softmax`` passes ``out=None`` while a model is converted to
  a static graph; nothing is wrong with the graph.
- paddle2onnx's progress lines (``[Paddle2ONNX] Start parsing ...``, on stdout from C++) of
  every conversion: the callers log what was converted, and its warnings and errors still pass.

Our own warnings, and Paddle's other ones, pass through untouched.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

PYTHON_WARNINGS = (
    "No ccache found",
    "When training, we now always track global mean and variance",
)
LOG_NOTICES = ("If regularizer of a Parameter has been set by",)
NATIVE_NOTICES = ("Paddle static graph(PIR) not support input out tensor",)
PADDLE2ONNX_NOTICES = (
    "[Paddle2ONNX] Start parsing the Paddle model file",
    "[Paddle2ONNX] Use opset_version = ",
    "[Paddle2ONNX] PaddlePaddle model is exported as ONNX format now",
)


class _DropNotices(logging.Filter):
    """Drops log records whose message starts with one of ``prefixes``."""

    def __init__(self, prefixes: Sequence[str]) -> None:
        super().__init__()
        self.prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefixes)


def silence_paddle_notices() -> None:
    """Filter Paddle's harmless Python warnings and log notices for this process.

    Call it before ``import paddle`` (the ccache warning comes at import). Repeated calls add
    nothing twice. The tools call it in ``ppocr_lite.cli.run_tool``; importing this module
    changes nothing.
    """
    for text in PYTHON_WARNINGS:
        warnings.filterwarnings("ignore", message=re.escape(text), category=UserWarning)
    root = logging.getLogger()  # Paddle logs this notice with logging.info on the root logger
    if not any(isinstance(f, _DropNotices) for f in root.filters):
        root.addFilter(_DropNotices(LOG_NOTICES))


def _open_fd(fd: int) -> bool:
    """Whether file descriptor ``fd`` (where C++ code writes, whatever ``sys.stderr`` is) is open."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@contextmanager
def native_notices_dropped(notices: Sequence[str] = NATIVE_NOTICES, fd: int = 2) -> Iterator[None]:
    """Within the block, drop lines of file descriptor ``fd`` (2: stderr, 1: stdout) that
    contain one of ``notices``; keep all others.

    Paddle's C++ log writes to the descriptor directly, past Python's warnings and logging,
    so the block's output goes to a temporary file and is written back, in order and without
    those lines, when the block ends (also when it raises). Use it around short steps only
    (a static-graph conversion): other output of the block appears when it ends.
    """
    if not _open_fd(fd):
        yield
        return
    wanted = tuple(n.encode() for n in notices)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            lines = sink.read().splitlines(True)
            rest = b"".join(line for line in lines if not _has_any(line, wanted))
            while rest:  # os.write may take part of it
                rest = rest[os.write(fd, rest) :]


def _has_any(line: bytes, parts: tuple[bytes, ...]) -> bool:
    return any(part in line for part in parts)
