"""infer_rec.py on a folder of good and broken files: results for the good, a reason for each bad."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import paddle
import pytest
import yaml

from ppocr_lite.data.transforms.decode import decode_image, image_header
from ppocr_lite.engine.components import build_components
from ppocr_lite.errors import DataError
from ppocr_lite.validate import check_config

from ..conftest import render_line, small_config

ROOT = Path(__file__).resolve().parents[2]


def chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def bomb_png(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels: ~50 kB on disk, 1.2 GB once decoded to BGR."""
    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but holds a few bytes of pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 16))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def line_image() -> np.ndarray:
    return cv2.imdecode(np.frombuffer(render_line("xin chào"), np.uint8), cv2.IMREAD_COLOR)


def rgba_png() -> bytes:
    """Black text on a transparent background whose colour channels are black too."""
    img = line_image()
    alpha = (255 - cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)).astype(np.uint8)
    rgba = np.dstack([np.zeros_like(img), alpha])
    return cv2.imencode(".png", rgba)[1].tobytes()


GOOD = {
    "line.jpg": lambda: render_line("Việt Nam"),
    "line.png": lambda: cv2.imencode(".png", line_image())[1].tobytes(),
    "gray.png": lambda: cv2.imencode(".png", cv2.cvtColor(line_image(), cv2.COLOR_BGR2GRAY))[
        1
    ].tobytes(),
    "rgba.png": rgba_png,
    "deep16.png": lambda: cv2.imencode(".png", line_image().astype(np.uint16) * 257)[1].tobytes(),
    "gray16.png": lambda: cv2.imencode(
        ".png", cv2.cvtColor(line_image(), cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257
    )[1].tobytes(),
}
BAD = {
    "notes.txt": (lambda: b"not an image at all", "not a decodable image"),
    "zero.jpg": (lambda: b"", "empty image bytes"),
    "truncated.jpg": (lambda: render_line("đường phố")[:-40], "truncated JPEG"),
    "huge.png": (bomb_png, "image too large"),
    "wide.png": (lambda: png_claiming(60_000, 1000), "image too large: 60000x1000"),
    "header_only.png": (lambda: bomb_png()[:33], "image too large: 20000x20000"),
    "fake.png": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a decodable image"),
}


def test_decode_converts_gray_alpha_and_16_bit() -> None:
    ref = line_image()
    for name in ("gray.png", "rgba.png", "deep16.png", "gray16.png"):
        img = decode_image(GOOD[name]())
        assert img.shape == ref.shape and img.dtype == np.uint8, name
        # Same picture as the plain 8-bit image: background white, text dark.
        assert abs(float(img.mean()) - float(ref.mean())) < 3.0, name


def test_header_sizes_match_the_decoded_images() -> None:
    img = line_image()
    progressive = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    for name, data in [*((n, make()) for n, make in GOOD.items()), ("prog.jpg", progressive)]:
        width, height, _ = image_header(data)
        assert (height, width) == decode_image(data).shape[:2], name
    assert image_header(GOOD["rgba.png"]())[2] and not image_header(GOOD["gray16.png"]())[2]


def test_decompression_bomb_is_refused_from_the_header() -> None:
    data = bomb_png()
    start = time.perf_counter()
    with pytest.raises(DataError, match="too large") as info:
        decode_image(data)
    assert info.value.reason == "bad_image" and time.perf_counter() - start < 0.5
    with pytest.raises(DataError, match="image too large: 60000x1000 pixels"):
        decode_image(png_claiming(60_000, 1000))


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory, tiny_lmdb: dict[str, Any]) -> Path:
    """Random weights of the demo model: enough to produce a result per image."""
    out = tmp_path_factory.mktemp("weights")
    cfg = small_config(tiny_lmdb, out)
    components = build_components(cfg, check_config(cfg, "tiny.yml"))
    paddle.save(components.model.state_dict(), str(out / "random.pdparams"))
    return out / "random"


def test_infer_on_a_folder_of_bad_files(
    tiny_config: dict[str, Any], weights: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "imgs"
    (folder / "sub").mkdir(parents=True)
    for name, make in GOOD.items():
        (folder / name).write_bytes(make())
    for name, (make, _) in BAD.items():
        (folder / "sub" / name).write_bytes(make())
    res = tmp_path / "res.txt"
    cfg_path = tmp_path / "c.yml"
    cfg_path.write_text(yaml.safe_dump(tiny_config, allow_unicode=True), encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "tools" / "infer_rec.py"), "-c", str(cfg_path), "-o"]
    cmd += [f"Global.checkpoints={weights}", f"Global.infer_img={folder}"]
    cmd += [f"Global.save_res_path={res}", "Global.infer_batch_size=4", "Global.print_results=true"]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {Path(r.split("\t")[0]).name: r for r in res.read_text("utf-8").splitlines()}
    assert set(rows) == set(GOOD) | set(BAD)
    for name in GOOD:
        path, _text, score = rows[name].split("\t")
        assert 0.0 <= float(score) <= 1.0, rows[name]
    for name, (_, reason) in BAD.items():
        assert "\terror: bad_image: " in rows[name] and reason in rows[name], rows[name]
        assert f"{name}: skipped (bad_image: {reason}" in proc.stdout
    assert f"recognised {len(GOOD)} of {len(GOOD) + len(BAD)} files" in proc.stdout
