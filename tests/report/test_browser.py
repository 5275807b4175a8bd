"""The page in a real headless browser (skipped where none is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from ppocr_lite.engine.samples import SampleResult
from ppocr_lite.report.figures import ReportOptions, build_figures
from ppocr_lite.report.html import render
from ppocr_lite.report.images import thumbnail

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome-headless-shell")
BROWSER = next((b for b in map(shutil.which, BROWSERS) if b), None)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install chromium)")
def test_gallery_renders_with_images(tmp_path: Path) -> None:
    texts = [("người", "nguoi"), ("bạn", "dạn"), ("xin chào", "xin chao")]
    samples = [SampleResult(str(i), a, b, 0.5, 32, 100) for i, (a, b) in enumerate(texts)]
    figures, _ = build_figures(samples, {"acc": 0.0}, (), ReportOptions())
    figures = {"meta": {"checkpoint": "test"}, **figures}
    # Thumbnails of pure green, a colour the page's own styles never use: green pixels in the
    # screenshot are the gallery's images, decoded and drawn by the browser.
    green = np.zeros((32, 100, 3), np.uint8)
    green[:, :, 1] = 255
    ok, jpeg = cv2.imencode(".jpg", green)
    assert ok
    thumbs = {str(i): thumbnail(jpeg.tobytes()) for i in range(len(texts))}
    page = tmp_path / "report.html"
    page.write_text(render(figures, thumbs), encoding="utf-8")
    shot = tmp_path / "shot.png"
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}"]
    subprocess.run([*cmd, "--window-size=1200,3000", page.as_uri()], timeout=120, check=False)
    img = cv2.imread(str(shot))
    assert img is not None and img.std() > 0  # something was drawn
    b, g, r = (img[:, :, c].astype(int) for c in range(3))
    drawn = int(((g > 200) & (r < 80) & (b < 80)).sum())
    # Each thumbnail is 32 px high and about 100 px wide; allow for scaling and borders.
    assert drawn >= len(texts) * 32 * 60, f"{drawn} green pixels: the gallery images did not render"
