"""Read checkpoint pickles without running code from them (``.pdparams``, ``.pdopt``, ``.states``).

A pickle can name any importable callable, and loading it calls that callable: a ``.pdparams``
from a stranger could run anything. Paddle's ``paddle.save`` of a layer or optimizer state dict
only needs numpy arrays (rebuilt through ``numpy.ndarray`` / ``_reconstruct`` / ``dtype``), numpy
scalars and plain containers, so these unpicklers accept exactly those globals and refuse the
rest before it is called. Paddle 2.1 files store a tensor as a ``(name, ndarray)`` tuple; both
forms come back as ``paddle.Tensor`` as ``paddle.load`` returns them.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ppocr_lite.errors import CheckpointError

# Python 2 era pickles (protocol 2) name the builtins module ``__builtin__``; numpy 2 moved
# ``numpy.core`` to ``numpy._core``: both spellings are accepted.
_PLAIN = {
    (mod, name)
    for mod in ("builtins", "__builtin__")
    for name in ("set", "frozenset", "complex", "bytearray", "tuple", "list", "dict")
} | {("collections", "OrderedDict")}
_NUMPY = {
    (mod, name)
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray")
    for name in ("_reconstruct", "scalar")
} | {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}
# ``_codecs.encode`` turns the latin-1 text a protocol-2 pickle stores bytes as back into bytes.

STATES_GLOBALS = frozenset(_PLAIN | {("numpy", "dtype")} | {g for g in _NUMPY if g[1] == "scalar"})
WEIGHTS_GLOBALS = frozenset(_PLAIN | _NUMPY)

# paddle.save splits tensors over 4 GB into slices listed under this key; the name table maps
# structured names to Paddle's variable names.
_BIG_PARAMS = "UnpackBigParamInfor@@"  # Paddle's spelling
_NAME_TABLE = "StructuredToParameterName@@"


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, allowed: frozenset[tuple[str, str]], source: str) -> None:
        super().__init__(file, encoding="latin1")
        self.allowed = allowed
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allowed:
            return super().find_class(module, name)
        raise CheckpointError(
            f"{self.source}: refused to load: it holds {module}.{name}, which no checkpoint "
            "needs (only arrays, numbers, names and containers are read; a file from an "
            "untrusted source?)"
        )


def restricted_load(data: bytes, source: str, allowed: frozenset[tuple[str, str]]) -> Any:
    """Unpickle ``data`` allowing only the globals in ``allowed``.

    Raises:
        CheckpointError: naming ``source`` and the refused global, or saying the data is
            damaged (truncated or not a pickle).
    """
    try:
        return _RestrictedUnpickler(io.BytesIO(data), allowed, source).load()
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a torn pickle is "damaged"
        raise CheckpointError(
            f"{source}: damaged or not a checkpoint file ({type(exc).__name__}: {exc})"
        ) from None


def read_pickle_file(path: str | Path, allowed: frozenset[tuple[str, str]]) -> Any:
    """``restricted_load`` of a file; an unreadable file is a CheckpointError too."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return restricted_load(data, str(path), allowed)


def _join_big_params(state: dict[str, Any]) -> dict[str, Any]:
    info = state.pop(_BIG_PARAMS, None)
    if not isinstance(info, dict):
        return state
    for key, entry in info.items():
        state[key] = np.concatenate([state.pop(part) for part in entry["slices"]]).reshape(
            entry["OriginShape"]
        )
    return state


def _to_tensors(obj: Any) -> Any:
    import paddle  # here: importing this module must not import Paddle (cached ONNX path)

    if isinstance(obj, np.ndarray):
        return paddle.to_tensor(obj)
    if (
        isinstance(obj, tuple)
        and len(obj) == 2
        and isinstance(obj[0], str)
        and isinstance(obj[1], np.ndarray)
    ):
        tensor = paddle.to_tensor(obj[1])
        tensor.name = obj[0]
        return tensor
    if isinstance(obj, dict):
        return type(obj)((k, _to_tensors(v)) for k, v in obj.items())
    if isinstance(obj, list):
        return [_to_tensors(v) for v in obj]
    return obj


def load_paddle_file(path: str | Path) -> Any:
    """A ``.pdparams`` / ``.pdopt`` as ``paddle.load`` returns it, without running its code.

    Raises:
        CheckpointError: if the file holds anything but arrays, numbers, names and containers,
            or is damaged.
    """
    obj = read_pickle_file(path, WEIGHTS_GLOBALS)
    if not isinstance(obj, dict):
        return _to_tensors(obj)
    names = obj.pop(_NAME_TABLE, None)
    out = _to_tensors(_join_big_params(obj))
    for key, name in (names if isinstance(names, dict) else {}).items():
        if hasattr(out.get(key), "name"):
            out[key].name = name  # Paddle's variable name, as paddle.load sets it
    return out
