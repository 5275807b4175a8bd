"""Evaluation of a checkpoint (``tools/eval.py``) and recognition of image files
(``tools/infer_rec.py``): the checkpoint's model, batched, run by ``engine.checkpoint_engine``
(on the CPU an onnxruntime graph traced from the weights for this run)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.loader import build_dataloader
from ppocr_lite.deploy.engine import checkpoint_engine
from ppocr_lite.deploy.files import Prediction, list_images, recognise_files
from ppocr_lite.deploy.pipeline import per_batch
from ppocr_lite.engine.components import Components, build_components, select_device
from ppocr_lite.engine.cpu_speed import tune_cpu_math
from ppocr_lite.engine.evaluator import evaluate
from ppocr_lite.engine.samples import SampleResult, with_sample_fields, write_tsv

logger = logging.getLogger("ppocr_lite")


def _prepare(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> tuple[Components, str]:
    device = select_device(gcfg.use_gpu)
    tune_cpu_math(device)  # before the first matrix multiplication
    components = build_components(cfg, gcfg)
    load_weights(components.model, gcfg.checkpoints or gcfg.pretrained_model)
    return components, device


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
    components, device = _prepare(cfg, gcfg)
    loader = build_dataloader(cfg["Eval"], "Eval", components.charset, gcfg)
    lines = len(loader.dataset)
    engine = checkpoint_engine(components.model, cfg, device, lines)
    logger.info("eval: %d samples; metric options: %s", lines, components.metric.describe())
    figures = evaluate(engine, loader, components.postprocess, components.metric, samples)
    logger.info("metric eval: %s", ", ".join(f"{k}: {v:.4f}" for k, v in figures.items()))
    if gcfg.save_eval_tsv and samples is not None:
        logger.info("per-sample results: %s", write_tsv(gcfg.save_eval_tsv, samples))
    return figures


def infer_images(cfg: Mapping[str, Any], gcfg: GlobalConfig) -> list[Prediction]:
    """Recognise ``Global.infer_img``; write ``Global.save_res_path`` and log a summary."""
    paths = list_images(gcfg.infer_img)
    components, device = _prepare(cfg, gcfg)
    run = per_batch(checkpoint_engine(components.model, cfg, device, len(paths)).run)
    return recognise_files(cfg, gcfg, components.charset, components.postprocess, run, paths)
