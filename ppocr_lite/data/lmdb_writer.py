"""Write text-line LMDBs in the standard layout (num-samples, image-%09d, label-%09d; 1-based)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import lmdb

from ppocr_lite.charset import normalize_text

_COMMIT_EVERY = 1000


def write_lmdb(
    out_dir: str | Path, samples: Iterable[tuple[bytes, str]], overwrite: bool = False
) -> int:
    """Write (image bytes, label) pairs; labels are stored NFC-normalised as UTF-8.

    Args:
        out_dir: Target folder (created).
        samples: Encoded image bytes and label text.
        overwrite: Replace an existing LMDB in ``out_dir``.

    Returns:
        The number of samples written.

    Raises:
        FileExistsError: if ``out_dir`` already holds an LMDB and ``overwrite`` is False.
    """
    out = Path(out_dir)
    if (out / "data.mdb").exists():
        if not overwrite:
            raise FileExistsError(
                f"{out} already holds an LMDB; pass overwrite (--overwrite) to replace it"
            )
        for name in ("data.mdb", "lock.mdb"):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(str(out), map_size=1 << 40, subdir=True, lock=True, writemap=False)
    count = 0
    try:
        txn = env.begin(write=True)
        for image, label in samples:
            count += 1
            txn.put(b"image-%09d" % count, image)
            txn.put(b"label-%09d" % count, normalize_text(label).encode("utf-8"))
            if count % _COMMIT_EVERY == 0:
                txn.commit()
                txn = env.begin(write=True)
        txn.put(b"num-samples", str(count).encode("ascii"))
        txn.commit()
        env.sync()
    finally:
        env.close()
    (out / "lock.mdb").unlink(missing_ok=True)
    return count
