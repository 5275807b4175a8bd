"""ppocr_lite: a PaddleOCR-style, YAML-driven trainer for text-line recognizers."""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent

CORE = [
    "pyyaml>=6",
    "numpy>=1.23",
    "opencv-python-headless>=4.8",
    "lmdb>=1.4",
    "tqdm>=4.60",
    "rapidfuzz>=3",
    "pillow>=9",
]

setup(
    name="ppocr_lite",
    version="0.1.0",
    description="PaddleOCR-compatible training toolkit for text-line recognition",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["ppocr_lite", "ppocr_lite.*"]),
    package_data={"ppocr_lite": ["utils/dict/*.txt"]},
    install_requires=CORE,
    extras_require={
        # Paddle comes as an extra so GPU machines do not get the CPU wheel beside the GPU one.
        # There is no `gpu` extra: PyPI carries no paddlepaddle-gpu 3.x. Its wheels are on
        # PaddlePaddle's own index, one per CUDA version (README "Install", scripts/setup_env.sh).
        "cpu": ["paddlepaddle>=3.0,<4"],
        # imgaug is unmaintained and needs NumPy < 2; only IaaAugment uses it.
        "imgaug": ["imgaug>=0.4", "numpy<2"],
        "plot": ["matplotlib>=3.7"],
        # ONNX export and runtime; INT8 uses onnxruntime's quantization tools (which import
        # ml_dtypes), FP16 onnxconverter-common.
        "onnx": [
            "paddle2onnx>=2.1,<3",
            "onnxruntime>=1.16",
            "onnx>=1.14",
            "ml_dtypes>=0.4",
            "onnxconverter-common>=1.14",
        ],
        "test": ["pytest>=7", "pytest-xdist>=3", "hypothesis>=6", "matplotlib>=3.7"],
        "dev": ["ruff>=0.5", "mypy>=1.8"],
    },
)
