"""Gallery thumbnails: a sample's stored image, found by its key, as an embedded JPEG."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import cv2
import numpy as np

from ppocr_lite.data.lmdb_dataset import open_lmdb

_LMDB_KEY = re.compile(r"^(?P<path>.+):image-(?P<n>\d{9})$")
THUMB_HEIGHT = 32
THUMB_MAX_WIDTH = 480  # very long lines are shrunk further: the page stays small
JPEG_QUALITY = 80


def read_image(key: str) -> bytes | None:
    """The stored bytes of ``key`` (``<lmdb folder>:image-000000012`` or an image path), or
    None when it cannot be found (a TSV moved to another machine, a deleted set)."""
    match = _LMDB_KEY.match(key)
    try:
        if match and Path(match["path"], "data.mdb").is_file():
            with open_lmdb(Path(match["path"])).begin(write=False) as txn:
                raw = txn.get(b"image-" + match["n"].encode("ascii"))
            return bytes(raw) if raw is not None else None
        path = Path(key)
        return path.read_bytes() if key and path.is_file() else None
    except OSError:
        return None


def thumbnail(data: bytes, height: int = THUMB_HEIGHT, max_width: int = THUMB_MAX_WIDTH) -> str:
    """A ``data:image/jpeg;base64,...`` URI of the image scaled to ``height`` (empty if it does
    not decode)."""
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        return ""
    h, w = img.shape[:2]
    scale = min(height / h, max_width / w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii") if ok else ""


def thumbnails(keys: list[str]) -> dict[str, str]:
    """Key -> data URI for every key whose image is found and decodes."""
    out = {}
    for key in dict.fromkeys(keys):
        data = read_image(key)
        uri = thumbnail(data) if data else ""
        if uri:
            out[key] = uri
    return out
