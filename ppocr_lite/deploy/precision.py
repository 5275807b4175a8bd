"""Export at a precision (fp32, fp16, int8) and report what it costs in accuracy and gains in size
and speed, measured on the user's own lines.

The FP32 ONNX model of an inference folder is the reference. An FP16 or INT8 model goes to its
own folder (``inference.onnx`` + ``inference.yml`` saying the precision + the dictionary), so
``predict_rec.py --backend onnx`` and ``TextRecognizer`` run it as any other folder. Both
models are measured through that same recognizer (the folder's Eval transforms, the registered
decoder), on the same lines, side by side.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ppocr_lite.deploy.lines import Line
from ppocr_lite.deploy.quantize import CANDIDATES, Candidate, convert_fp16, prepare, quantize_int8
from ppocr_lite.deploy.spec import DICT_FILE, INFERENCE_YML, ONNX_FILE, read_spec
from ppocr_lite.errors import ConfigError
from ppocr_lite.metrics.rec_metric import RecMetric

logger = logging.getLogger("ppocr_lite")
REPORT_FILE = "export_report.json"
SPEED_BATCHES = (1, 32)
SPEED_ROUNDS = 5


@dataclass
class Figures:
    """What one model measures on the lines.

    Attributes:
        size_bytes: The .onnx file size.
        acc: Exact-line accuracy (None without labels).
        norm_edit_dis: 1 - normalised edit distance (None without labels).
        agreement: Share of lines whose greedy text equals the FP32 model's.
        images_per_s: Model-call throughput on the CPU by batch size (median of rounds).
    """

    size_bytes: int
    acc: float | None
    norm_edit_dis: float | None
    agreement: float
    images_per_s: dict[int, float] = field(default_factory=dict)


@dataclass
class ExportReport:
    """Printed and written as ``export_report.json`` beside the model."""

    precision: str
    lines: int
    calibration_lines: int
    fp32: Figures
    model: Figures
    settings: dict[str, Any]
    tried: list[dict[str, Any]]
    accepted: bool
    reason: str = ""

    def format(self) -> str:
        """A small table: size, accuracy, agreement, throughput of FP32 and the new model."""
        rows = [f"export report: {self.precision} vs fp32 on {self.lines} lines"]
        for name, fig in (("fp32", self.fp32), (self.precision, self.model)):
            speed = ", ".join(f"b{b} {v:.1f} img/s" for b, v in fig.images_per_s.items())
            acc = "n/a" if fig.acc is None else f"{fig.acc:.4f}"
            ned = "n/a" if fig.norm_edit_dis is None else f"{fig.norm_edit_dis:.4f}"
            rows.append(
                f"  {name:5s} size {fig.size_bytes / 1e6:.2f} MB, acc {acc}, "
                f"norm_edit_dis {ned}, same text as fp32 {fig.agreement:.4f}, {speed}"
            )
        ratio = self.model.size_bytes / max(self.fp32.size_bytes, 1)
        speedups = ", ".join(
            f"b{b} {v / max(self.fp32.images_per_s.get(b, 0.0), 1e-9):.2f}x"
            for b, v in self.model.images_per_s.items()
        )
        rows.append(f"  size {ratio:.0%} of fp32; throughput {speedups}")
        if self.settings:
            rows.append(f"  settings: {self.settings}")
        rows.append("  accepted" if self.accepted else f"  REFUSED: {self.reason}")
        return "\n".join(rows)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / REPORT_FILE
        text = json.dumps(asdict(self), indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        return path


class _Measure:
    """Runs folders through ``TextRecognizer`` on fixed lines and scores them."""

    def __init__(self, lines: Sequence[Line], batch_size: int = 32) -> None:
        self.lines = list(lines)
        self.batch_size = batch_size
        self.reference: list[str] = []
        self.speed_input: np.ndarray | None = None

    def recognizer(self, folder: Path) -> Any:
        from ppocr_lite.deploy.api import TextRecognizer

        return TextRecognizer(
            folder, backend="onnx", batch_size=self.batch_size, widen_long_lines=False
        )

    def calibration(self, folder: Path, count: int) -> list[np.ndarray]:
        """Preprocessed batches of the first ``count`` lines (the folder's Eval transforms)."""
        pre = self.recognizer(folder).pipeline.preprocess
        images = [ln.image for ln in self.lines[:count]]
        arrays = [a for a in pre.batch(images) if not isinstance(a, str)]
        if not arrays:
            raise ConfigError("no calibration line could be read")
        stacked = np.stack(arrays).astype(np.float32)
        self.speed_input = stacked
        # Whole batches only: the histogram calibrators concatenate per-batch tensors, and an
        # LSTM's output carries the batch on its second axis, so a short last batch breaks them.
        size = min(self.batch_size, len(stacked))
        whole = len(stacked) - len(stacked) % size
        return [stacked[i : i + size] for i in range(0, whole, size)]

    def figures(self, folder: Path) -> Figures:
        rec = self.recognizer(folder)
        texts = [r.text for r in rec.predict([ln.image for ln in self.lines])]
        if not self.reference:
            self.reference = texts
        labels = [ln.label for ln in self.lines]
        acc = ned = None
        if all(label is not None for label in labels):
            metric = RecMetric()
            metric.update(texts, [str(label) for label in labels])
            scores = metric.get_metric()
            acc, ned = scores["acc"], scores["norm_edit_dis"]
        same = sum(a == b for a, b in zip(texts, self.reference, strict=True))
        return Figures(
            size_bytes=(folder / ONNX_FILE).stat().st_size,
            acc=acc,
            norm_edit_dis=ned,
            agreement=same / max(len(texts), 1),
        )

    def speeds(self, folders: Sequence[Path]) -> list[dict[int, float]]:
        """Model-call throughput of each folder, rounds interleaved so that machine noise
        falls on all of them alike."""
        from ppocr_lite.deploy.onnx_backend import OnnxBackend

        if self.speed_input is None:
            raise RuntimeError("calibration() must run before speeds()")
        backends = [OnnxBackend(f, precision=read_spec(f).precision) for f in folders]
        result: list[dict[int, float]] = [{} for _ in folders]
        for batch in SPEED_BATCHES:
            x = np.repeat(self.speed_input, -(-batch // len(self.speed_input)), axis=0)[:batch]
            times: list[list[float]] = [[] for _ in folders]
            for backend in backends:
                backend.run(x)  # warm-up: first-call allocations
            for _ in range(SPEED_ROUNDS):
                for i, backend in enumerate(backends):
                    start = time.perf_counter()
                    for _ in range(max(1, 32 // batch)):
                        backend.run(x)
                    times[i].append((time.perf_counter() - start) / max(1, 32 // batch))
            for i in range(len(folders)):
                result[i][batch] = batch / float(np.median(times[i]))
        return result


@dataclass(frozen=True)
class PrecisionRequest:
    """What ``export_precision`` is asked.

    Attributes:
        model_dir: Inference folder from ``tools/export_model.py`` (its FP32 ``inference.onnx``
            is written first when missing).
        precision: ``fp16`` or ``int8``.
        lines: Labelled lines; the first ``calibration_lines`` calibrate INT8, all are measured.
        save_dir: Output folder.
        max_acc_drop: Largest acc loss (absolute; without labels, the share of lines whose
            text changes) an INT8 model may have and still be written.
        calibration_lines: Lines used for activation ranges.
        candidates: The INT8 settings to try.
    """

    model_dir: Path
    precision: str
    lines: Sequence[Line]
    save_dir: Path
    max_acc_drop: float = 0.01
    calibration_lines: int = 300
    candidates: Sequence[Candidate] = CANDIDATES


def _candidate_folder(req: PrecisionRequest, onnx_file: Path, settings: dict[str, Any]) -> Path:
    """A runnable folder around ``onnx_file``: the dictionary and ``inference.yml`` (with its
    ``Precision`` section) of the FP32 folder."""
    folder = onnx_file.parent
    doc = yaml.safe_load((req.model_dir / INFERENCE_YML).read_text(encoding="utf-8")) or {}
    doc["Precision"] = {"name": req.precision, **settings}
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    (folder / INFERENCE_YML).write_text(text, encoding="utf-8")
    if (req.model_dir / DICT_FILE).is_file():
        shutil.copyfile(req.model_dir / DICT_FILE, folder / DICT_FILE)
    if onnx_file.name != ONNX_FILE:
        onnx_file.replace(folder / ONNX_FILE)
    return folder


def _drop(fp32: Figures, model: Figures) -> float:
    if fp32.acc is not None and model.acc is not None:
        return fp32.acc - model.acc
    return 1.0 - model.agreement


def _int8_candidates(req: PrecisionRequest, measure: _Measure, work: Path) -> list[Path]:
    prepared = prepare(req.model_dir / ONNX_FILE, work / "prepared.onnx")
    batches = measure.calibration(req.model_dir, req.calibration_lines)
    folders = []
    for cand in req.candidates:
        (work / cand.name).mkdir()
        onnx_file = quantize_int8(prepared, work / cand.name / ONNX_FILE, batches, cand)
        folders.append(_candidate_folder(req, onnx_file, {"settings": cand.as_dict()}))
    return folders


def _choose(
    req: PrecisionRequest, fp32: Figures, tried: list[tuple[Path, Figures]]
) -> tuple[Path, Figures]:
    """The fastest (batch 32) candidate within the accuracy bound, else the most accurate."""
    within = [t for t in tried if _drop(fp32, t[1]) <= req.max_acc_drop]
    if within:
        return max(within, key=lambda t: t[1].images_per_s[SPEED_BATCHES[-1]])
    return min(tried, key=lambda t: _drop(fp32, t[1]))


def export_precision(req: PrecisionRequest) -> ExportReport:
    """Write the ``req.precision`` model of ``req.model_dir`` to ``req.save_dir`` with its
    report, or (INT8 beyond ``max_acc_drop``) only the report.

    Returns:
        The report (``accepted`` false when the model was refused).

    Raises:
        ConfigError: if the precision is unknown or the lines cannot be read.
    """
    if req.precision not in ("fp32", "fp16", "int8"):
        raise ConfigError(f"--precision must be fp32, fp16 or int8, got {req.precision!r}")
    measure = _Measure(req.lines)
    if req.precision == "fp32":
        return _fp32_report(req, measure)
    _check_save_dir(req.model_dir, req.save_dir)
    req.save_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=req.save_dir.parent, prefix=".export_") as tmp:
        work = Path(tmp)
        if req.precision == "int8":
            folders = _int8_candidates(req, measure, work)
        else:
            measure.calibration(req.model_dir, req.calibration_lines)
            (work / "fp16").mkdir()
            fp16 = convert_fp16(req.model_dir / ONNX_FILE, work / "fp16" / ONNX_FILE)
            folders = [_candidate_folder(req, fp16, {})]
        fp32 = measure.figures(req.model_dir)
        tried = [(f, measure.figures(f)) for f in folders]
        speeds = measure.speeds([req.model_dir, *folders])
        fp32.images_per_s = speeds[0]
        for (_, fig), speed in zip(tried, speeds[1:], strict=True):
            fig.images_per_s = speed
        chosen, fig = _choose(req, fp32, tried)
        drop = _drop(fp32, fig)
        accepted = req.precision == "fp16" or drop <= req.max_acc_drop
        settings = yaml.safe_load((chosen / INFERENCE_YML).read_text(encoding="utf-8")) or {}
        report = ExportReport(
            precision=req.precision,
            lines=len(req.lines),
            calibration_lines=min(req.calibration_lines, len(req.lines)),
            fp32=fp32,
            model=fig,
            settings=dict(settings.get("Precision") or {}),
            tried=[{"folder": f.name, **asdict(t)} for f, t in tried],
            accepted=accepted,
            reason="" if accepted else f"acc drop {drop:.4f} > --max_acc_drop {req.max_acc_drop}",
        )
        _publish(req.save_dir, chosen if accepted else None, report)
    return report


def _fp32_report(req: PrecisionRequest, measure: _Measure) -> ExportReport:
    measure.calibration(req.model_dir, req.calibration_lines)
    fp32 = measure.figures(req.model_dir)
    fp32.images_per_s = measure.speeds([req.model_dir])[0]
    report = ExportReport("fp32", len(req.lines), 0, fp32, fp32, {}, [], True)
    report.write(req.model_dir)
    (req.model_dir / "export_report.txt").write_text(report.format() + "\n", encoding="utf-8")
    return report


def _check_save_dir(model_dir: Path, save_dir: Path) -> None:
    """The output folder replaces whatever is there: never the FP32 folder or one around it."""
    source, target = model_dir.resolve(), save_dir.resolve()
    if target == source or source.is_relative_to(target) or target.is_relative_to(source):
        raise ConfigError(
            f"--save_dir {save_dir} would overwrite the FP32 folder {model_dir}: "
            "give a folder outside it (default: MODEL_DIR_fp16 / MODEL_DIR_int8)"
        )


def _publish(save_dir: Path, chosen: Path | None, report: ExportReport) -> None:
    """Replace ``save_dir`` with the chosen folder (or an empty one) plus the report. Folders
    are renamed, never half-written in place: a crash leaves the old or the new one."""
    staging = save_dir.with_name(save_dir.name + ".tmp")
    old = save_dir.with_name(save_dir.name + ".old")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    if chosen is not None:
        shutil.copytree(chosen, staging)
    report.write(staging)
    (staging / "export_report.txt").write_text(report.format() + "\n", encoding="utf-8")
    if save_dir.exists():
        save_dir.replace(old)
    staging.replace(save_dir)
    shutil.rmtree(old, ignore_errors=True)
