"""Build the error report of a checkpoint: evaluate (or read a TSV), compute, write HTML + JSON."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ppocr_lite.charset import Charset
from ppocr_lite.checkpoint.files import checkpoint_exists, read_state, strip_suffix
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.engine.report import load_run
from ppocr_lite.engine.samples import SampleResult, read_tsv
from ppocr_lite.errors import ConfigError
from ppocr_lite.report.compare import compare_figures
from ppocr_lite.report.figures import HEADLINE, ReportOptions, build_figures
from ppocr_lite.report.html import render
from ppocr_lite.report.images import thumbnails

logger = logging.getLogger("ppocr_lite")


@dataclass(frozen=True)
class ReportRequest:
    """What to report on and where to write it.

    Attributes:
        tsv: Per-sample results of ``tools/eval.py`` (``Global.save_eval_tsv``) to read instead
            of evaluating ``Global.checkpoints``.
        compare: Another checkpoint (or its TSV) to compare with, on the same lines.
        out: The HTML path (the JSON goes beside it); None: beside the checkpoint or the TSV.
        options: How much the report lists.
    """

    tsv: str | None = None
    compare: str | None = None
    out: str | None = None
    options: ReportOptions = ReportOptions()


def _results_from_tsv(cfg: Mapping[str, Any], path: str) -> tuple[list[SampleResult], dict]:
    from ppocr_lite import metrics as _  # noqa: F401 - registers RecMetric
    from ppocr_lite.registry import METRICS

    samples = read_tsv(path)
    scored = [s for s in samples if not s.skipped]
    metric = METRICS.build(cfg.get("Metric") or {"name": "RecMetric"}, "Metric")
    metric.update([s.prediction for s in scored], [s.label for s in scored])
    figures = metric.get_metric()
    figures.update(samples=float(len(scored)), skipped=float(len(samples) - len(scored)))
    return samples, figures


def collect(
    cfg: Mapping[str, Any], gcfg: GlobalConfig, source: str, is_tsv: bool = False
) -> tuple[list[SampleResult], dict[str, float]]:
    """Per-sample results and metric figures of a checkpoint over the Eval set, or of a TSV."""
    if is_tsv:
        return _results_from_tsv(cfg, source)
    from ppocr_lite.deploy.inference import evaluate_checkpoint  # the eval.py path

    samples: list[SampleResult] = []
    run_cfg = dataclasses.replace(gcfg, checkpoints=source, save_eval_tsv=None)
    return samples, evaluate_checkpoint(cfg, run_cfg, samples)


def training_curves(checkpoint: str | None) -> dict[str, list[list[float]]] | None:
    """Loss and accuracy by step from ``metrics.jsonl`` beside the checkpoint (None if absent)."""
    if not checkpoint:
        return None
    path = Path(checkpoint).parent / "metrics.jsonl"
    try:
        run = load_run(path)
    except (FileNotFoundError, ValueError):
        return None
    return {
        "loss": _finite([(p.step, p.loss) for p in run.train]),
        "train_acc": _finite([(p.step, p.acc) for p in run.train]),
        "eval_acc": _finite([(p.step, p.acc) for p in run.evals]),
    }


def _finite(points: list[tuple[int, float]]) -> list[list[float]]:
    # Steps logged without the figure hold NaN, which JSON cannot carry.
    return [[step, value] for step, value in points if math.isfinite(value)]


def _meta(gcfg: GlobalConfig, checkpoint: str | None, request: ReportRequest) -> dict[str, Any]:
    meta: dict[str, Any] = {"checkpoint": checkpoint or "", "step": ""}
    if checkpoint and checkpoint_exists(checkpoint):
        meta["step"] = read_state(checkpoint).global_step
    meta["source"] = f"TSV {request.tsv}" if request.tsv else "Eval set"
    meta["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    return meta


def output_paths(request: ReportRequest, checkpoint: str | None) -> tuple[Path, Path]:
    """The HTML and JSON paths: ``--out``, else ``error_report_<name>.html`` beside the
    checkpoint, else beside the TSV."""
    if request.out:
        html = Path(request.out)
    elif checkpoint:
        prefix = Path(strip_suffix(checkpoint))
        html = prefix.parent / f"error_report_{prefix.name}.html"
    elif request.tsv:
        html = Path(request.tsv).with_suffix(".html")
    else:
        raise ConfigError("nothing to report on: set Global.checkpoints or give --tsv")
    return html, html.with_suffix(".json")


def _compare(
    cfg: Mapping[str, Any], gcfg: GlobalConfig, request: ReportRequest, samples: list
) -> tuple[dict[str, Any], list]:
    other = str(request.compare)
    other_samples, other_metrics = collect(cfg, gcfg, other, other.endswith(".tsv"))
    figures, shown = compare_figures(samples, other_samples, request.options.worst // 2)
    figures["other"] = other
    figures["other_headline"] = {k: other_metrics[k] for k in HEADLINE[:4] if k in other_metrics}
    return figures, shown


def write_report(
    cfg: Mapping[str, Any], gcfg: GlobalConfig, request: ReportRequest
) -> tuple[Path, Path]:
    """Evaluate (or read ``request.tsv``), then write the HTML page and its JSON figures.

    Returns:
        The HTML and JSON paths.

    Raises:
        ConfigError: when there is neither a checkpoint nor a TSV.
    """
    checkpoint = gcfg.checkpoints
    html_path, json_path = output_paths(request, checkpoint)
    source = request.tsv or checkpoint
    if not source:
        raise ConfigError("nothing to report on: set Global.checkpoints or give --tsv")
    samples, metrics = collect(cfg, gcfg, source, bool(request.tsv))
    charset = Charset.from_config(gcfg.character_dict_path, gcfg.use_space_char)
    figures, shown = build_figures(samples, metrics, charset.chars, request.options)
    figures = {"meta": _meta(gcfg, checkpoint, request), **figures}
    figures["curves"] = training_curves(checkpoint)
    if request.compare:
        figures["compare"], more = _compare(cfg, gcfg, request, samples)
        shown = shown + more
    thumbs = thumbnails([x.sample.key for x in shown])
    html_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    html_path.write_text(render(figures, thumbs), encoding="utf-8")
    logger.info(
        "error report: %s (%.1f MB, %d thumbnails), figures: %s",
        html_path,
        html_path.stat().st_size / 1e6,
        len(thumbs),
        json_path,
    )
    return html_path, json_path
