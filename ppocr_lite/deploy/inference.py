"""Evaluation of a checkpoint (``tools/eval.py``) and recognition of image files
(``tools/infer_rec.py``): the checkpoint's dygraph model on Paddle's device, batched."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.loader import build_dataloader
from ppocr_lite.deploy.backends import DygraphBackend
from ppocr_lite.deploy.files import Prediction, list_images, recognise_files
from ppocr_lite.deploy.layout import strip_suffix
from ppocr_lite.deploy.pipeline import per_batch
from ppocr_lite.deploy.weights import read_weights_for
from ppocr_lite.engine.checkpoint import check_head_size
from ppocr_lite.engine.components import Components, build_components, select_device
from ppocr_lite.engine.cpu_speed import tune_cpu_math
from ppocr_lite.engine.evaluator import evaluate
from ppocr_lite.engine.samples import SampleResult, with_sample_fields, write_tsv
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")


def load_weights(components: Components, path: str | None) -> None:
    """Load a checkpoint's weights for evaluation/inference; the head must fit the dictionary.

    Raises:
        ConfigError: if no checkpoint is given or found, or its head size differs.
    """
    if not path:
        raise ConfigError(
            "Global.checkpoints is not set: give the weights, e.g. -o Global.checkpoints=output/rec/best_accuracy"
        )
    params = Path(f"{strip_suffix(path)}.pdparams")
    if not params.is_file():
        raise ConfigError(f"Global.checkpoints: {params} not found")
    weights, _ = read_weights_for(params, components.model)  # PaddleOCR layouts converted
    check_head_size(weights, components.model, str(params), strict_keys=True)
    components.model.set_state_dict(weights)
    components.model.eval()
    logger.info("loaded %s", params)


def _prepare(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> Components:
    tune_cpu_math(select_device(gcfg.use_gpu))  # before the first matrix multiplication
    components = build_components(cfg, gcfg)
    load_weights(components, gcfg.checkpoints or gcfg.pretrained_model)
    return components


def evaluate_checkpoint(
    cfg: Mapping[str, Any], gcfg: GlobalConfig, samples: list[SampleResult] | None = None
) -> dict[str, float]:
    """acc, norm_edit_dis, cer (and fps) of ``Global.checkpoints`` over the Eval set.

    Args:
        cfg: The validated config.
        gcfg: Its ``Global``; with ``save_eval_tsv`` set, the per-sample results are written
            there as a TSV (``engine.samples.write_tsv``).
        samples: When given, each line's result is appended to it.
    """
    if samples is None and gcfg.save_eval_tsv:
        samples = []
    if samples is not None:
        cfg = with_sample_fields(cfg)
    components = _prepare(cfg, gcfg)
    loader = build_dataloader(cfg["Eval"], "Eval", components.charset, gcfg)
    logger.info(
        "eval: %d samples; metric options: %s", len(loader.dataset), components.metric.describe()
    )
    figures = evaluate(
        components.model, loader, components.postprocess, components.metric, samples
    )
    logger.info("metric eval: %s", ", ".join(f"{k}: {v:.4f}" for k, v in figures.items()))
    if gcfg.save_eval_tsv and samples is not None:
        logger.info("per-sample results: %s", write_tsv(gcfg.save_eval_tsv, samples))
    return figures


def infer_images(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> list[Prediction]:
    """Recognise ``Global.infer_img``; write ``Global.save_res_path`` and log a summary."""
    paths = list_images(gcfg.infer_img)
    components = _prepare(cfg, gcfg)
    run = per_batch(DygraphBackend(components.model).run)
    return recognise_files(cfg, gcfg, components.charset, components.postprocess, run, paths)
