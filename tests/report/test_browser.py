"""The page in a real headless browser (skipped where none is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import pytest

from ppocr_lite.engine.samples import SampleResult
from ppocr_lite.report.figures import ReportOptions, build_figures
from ppocr_lite.report.html import render
from ppocr_lite.report.images import thumbnail

from ..conftest import render_line

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome-headless-shell")
BROWSER = next((b for b in map(shutil.which, BROWSERS) if b), None)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install chromium)")
def test_gallery_renders_with_images(tmp_path: Path) -> None:
    texts = [("người", "nguoi"), ("bạn", "dạn"), ("xin chào", "xin chao")]
    samples = [SampleResult(str(i), a, b, 0.5, 32, 100) for i, (a, b) in enumerate(texts)]
    figures, _ = build_figures(samples, {"acc": 0.0}, (), ReportOptions())
    figures = {"meta": {"checkpoint": "test"}, **figures}
    thumbs = {str(i): thumbnail(render_line(b)) for i, (_, b) in enumerate(texts)}
    page = tmp_path / "report.html"
    page.write_text(render(figures, thumbs), encoding="utf-8")
    shot = tmp_path / "shot.png"
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}"]
    subprocess.run([*cmd, "--window-size=1200,1600", page.as_uri()], timeout=120, check=False)
    img = cv2.imread(str(shot))
    assert img is not None and img.std() > 0  # something was drawn
