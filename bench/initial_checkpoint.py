"""Save a ppocr_lite checkpoint of a config's model with its initial weights (seed 0).

Speed figures do not depend on the weights' values, so the benchmarks use this when they do
not train first.

    python bench/initial_checkpoint.py CONFIG SAVE_DIR [Key.sub=value ...]   # prints the prefix
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def initial_checkpoint(config: str | Path, save_dir: str | Path, overrides: Sequence[str]) -> Path:
    """Build the model of ``config`` (with ``overrides``) and save it as ``save_dir/latest``."""
    import paddle

    from ppocr_lite.checkpoint.manager import CheckpointManager
    from ppocr_lite.checkpoint.state import TrainState
    from ppocr_lite.config.load import load_config
    from ppocr_lite.config.overrides import apply_overrides
    from ppocr_lite.engine.components import build_components
    from ppocr_lite.validate import check_config

    cfg = apply_overrides(load_config(config), list(overrides))
    paddle.seed(0)
    parts = build_components(cfg, check_config(cfg, str(config), sections=(), optional=()))
    return CheckpointManager(save_dir).save("latest", parts.model, None, TrainState())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    print(initial_checkpoint(sys.argv[1], sys.argv[2], sys.argv[3:]))
