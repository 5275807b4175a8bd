"""Check what this machine offers for training: python tools/check_env.py [--json].

Prints the Python, ppocr_lite and Paddle versions, whether Paddle was built with CUDA, CUDA and
cuDNN versions, each GPU's name and memory, CPU cores and a Train.loader.num_workers to start
from; without a usable GPU, why not and how to train on the CPU. Same as python -m ppocr_lite.env.
"""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.env import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
