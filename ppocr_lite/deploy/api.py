"""``TextRecognizer``: recognise text lines from Python, from an export or a checkpoint.

from ppocr_lite import TextRecognizer

rec = TextRecognizer("inference/svtr_tiny")                # exported folder (Paddle Inference)
rec = TextRecognizer("inference/svtr_tiny", backend="onnx")
rec = TextRecognizer.from_checkpoint("configs/rec/svtr_tiny.yml", "output/svtr_tiny/best_accuracy")
for text, score in rec.predict(["line1.jpg", cv2.imread("line2.png")]):
    ...
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ppocr_lite.charset import Charset
from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.deploy.backends import PaddleInferenceBackend, gpu_available
from ppocr_lite.deploy.engine import checkpoint_engine
from ppocr_lite.deploy.export import probe_dynamic_width
from ppocr_lite.deploy.files import inference_ops
from ppocr_lite.deploy.layout import BACKENDS
from ppocr_lite.deploy.pipeline import (
    Decode,
    ImageInput,
    Pipeline,
    Recognition,
    Runner,
    per_batch,
    recognise,
)
from ppocr_lite.deploy.preprocess import Preprocess, build_ops, can_widen
from ppocr_lite.deploy.spec import DeploySpec, eval_transforms, input_shape, read_spec
from ppocr_lite.engine.components import build_components, select_device
from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import POSTPROCESSES
from ppocr_lite.validate import check_config

MAX_TIMINGS = 100_000  # batch timings kept: a long-lived recognizer must not grow without end


class _FolderDecode:
    """The folder's post-process over its dictionary. A folder exported by PaddleOCR does not
    say whether the space was a class, so the model's class count settles it at the first
    batch."""

    def __init__(self, spec: DeploySpec, charset: Charset) -> None:
        self.spec, self.charset = spec, charset
        self._decode: Decode | None = None

    def _build(self, charset: Charset) -> Any:
        return POSTPROCESSES.build({"name": self.spec.postprocess}, "PostProcess", charset=charset)

    def _for_classes(self, num_classes: int) -> Any:
        decode = self._build(self.charset)
        if decode.num_classes != num_classes and self.charset.chars[-1:] == (" ",):
            charset = self.charset
            decode = self._build(Charset(charset.chars[:-1], charset.lower, charset.source))
        if decode.num_classes != num_classes:
            raise ConfigError(
                f"the model predicts {num_classes} classes but the dictionary "
                f"({self.charset.source}) gives {self._build(self.charset).num_classes} with "
                f"{self.spec.postprocess}'s own classes (blank, BOS or EOS)"
            )
        return decode

    def __call__(self, probs: Any) -> Any:
        if self._decode is None:
            self._decode = self._for_classes(int(probs.shape[-1]))
        return self._decode(probs)


def _widen(asked: bool | None, dynamic_width: bool, preprocess_ops: Sequence[Any]) -> bool:
    """``widen_long_lines``: as asked, else (None) whenever the model and resize allow it."""
    if asked is None:
        return dynamic_width and can_widen(preprocess_ops)
    if asked and not dynamic_width:
        raise ConfigError("widen_long_lines: the model reads a fixed width only")
    return asked


def _check_onnx_precision(asked: str, written: str) -> None:
    """The ONNX backend runs the folder's graph at the precision it was written in."""
    if asked not in ("fp32", written):
        raise ConfigError(
            f"this folder's ONNX model is {written}: write an {asked} one with "
            f"tools/export_onnx.py --precision {asked} and give its folder"
        )


class TextRecognizer:
    """A text-line recognizer ready to predict.

    Preprocessing is built from the registry transforms of the config's Eval section (recorded
    in an exported folder's ``inference.yml``), decoding from the registered post-process: with
    ``widen_long_lines=False``, the same image gives the same text and score as ``eval.py``
    and ``infer_rec.py``.

    Args:
        model_dir: Folder written by ``tools/export_model.py`` (or PaddleOCR's export).
        backend: ``paddle`` (Paddle Inference) or ``onnx`` (onnxruntime over
            ``inference.onnx`` from ``tools/export_onnx.py``).
        use_gpu: Run on the GPU when there is one.
        precision: ``fp32`` or ``fp16`` (Paddle backend on a GPU). The ONNX backend runs the
            folder's own precision (``inference.yml``'s ``Precision``: fp32, fp16 or int8).
        batch_size: Images per model call.
        cpu_threads: Math threads on the CPU (default: all cores, at most 8).
        widen_long_lines: PaddleOCR's ``predict_rec`` rule: a line wider than the trained
            ratio keeps its ratio and its batch is as wide as it, instead of being squeezed to
            the trained width (as ``eval.py`` and ``infer_rec.py`` do). Default (None): on for
            a model exported with a dynamic width and a keep-ratio ``RecResizeImg``, else off.

    Raises:
        ConfigError: if the folder is incomplete or an option is invalid.
    """

    def __init__(
        self,
        model_dir: str | Path,
        backend: str = "paddle",
        use_gpu: bool = False,
        precision: str = "fp32",
        batch_size: int = 16,
        cpu_threads: int | None = None,
        widen_long_lines: bool | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {BACKENDS}, got {backend!r}")
        spec = read_spec(model_dir)
        charset = spec.charset(model_dir)
        custom = spec.custom_dict and spec.dict_file is not None
        dict_path = str(Path(model_dir) / str(spec.dict_file)) if custom else None
        ops = build_ops(spec.transforms, charset, character_dict_path=dict_path)
        widen = _widen(widen_long_lines, spec.dynamic_width, ops)
        if backend == "onnx":
            from ppocr_lite.deploy.onnx_backend import OnnxBackend  # onnxruntime only if asked

            _check_onnx_precision(precision, spec.precision)
            engine: Any = OnnxBackend(model_dir, use_gpu, spec.precision, cpu_threads)
            precision = spec.precision
        else:
            engine = PaddleInferenceBackend(model_dir, use_gpu, precision, cpu_threads)
        self.precision = precision
        decode = _FolderDecode(spec, charset)
        self._start(Preprocess(ops, widen), per_batch(engine.run), decode, batch_size)

    def _start(self, pre: Preprocess, run: Runner, decode: Decode, batch_size: int) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.pipeline = Pipeline(pre, run, decode, batch_size, deque(maxlen=MAX_TIMINGS))

    @classmethod
    def from_checkpoint(
        cls,
        config: str | Path | Mapping[str, Any],
        checkpoint: str | Path | None = None,
        overrides: Sequence[str] = (),
        batch_size: int = 16,
        use_gpu: bool = False,
        widen_long_lines: bool | None = None,
    ) -> TextRecognizer:
        """Build the model of a training config and load a checkpoint into it; it runs as
        ``infer_rec.py`` runs it (``deploy.engine.checkpoint_engine``, batched).

        Args:
            config: YAML path or loaded config (PaddleOCR format).
            checkpoint: Weights prefix (``.../best_accuracy``); default ``Global.checkpoints``.
                PaddleOCR checkpoints of the same architecture load too (MultiHead and
                Distillation layouts are converted).
            overrides: ``-o`` style overrides, e.g. ``["Global.use_space_char=true"]``.
            batch_size: Images per model call.
            use_gpu: Run on the GPU when there is one.
            widen_long_lines: As for the constructor; default (None): on when the model reads
                any width and the resize keeps the ratio, as an export of it would be.

        Returns:
            A recognizer with the same preprocessing as the exported model would have.
        """
        cfg = load_config(config) if isinstance(config, str | Path) else copy.deepcopy(dict(config))
        cfg = apply_overrides(cfg, list(overrides))
        where = str(config) if isinstance(config, str | Path) else "config"
        gcfg = check_config(cfg, where, sections=(), optional=())
        weights = checkpoint or gcfg.checkpoints or gcfg.pretrained_model
        if not weights:
            raise ConfigError("give the checkpoint (or set Global.checkpoints in the config)")
        device = select_device(use_gpu and gpu_available())
        components = build_components(cfg, gcfg)
        load_weights(components.model, weights)
        ops = inference_ops(cfg, components.charset, gcfg)
        dynamic = probe_dynamic_width(components.model, input_shape(eval_transforms(cfg)))
        widen = _widen(widen_long_lines, dynamic, ops)
        run = per_batch(checkpoint_engine(components.model, cfg, device).run)
        self = cls.__new__(cls)
        self._start(Preprocess(ops, widen), run, components.postprocess, batch_size)
        return self

    def predict(self, images: Sequence[ImageInput]) -> list[Recognition]:
        """Recognise a list of images: paths, encoded bytes, or uint8 arrays (BGR, as cv2 reads).

        Returns:
            One Recognition per image, in order: ``text, score = result``; an unreadable
            image has an empty text, score 0 and ``error`` set.

        Raises:
            TypeError: if given a single image instead of a list.
        """
        if isinstance(images, str | bytes | Path) or hasattr(images, "shape"):
            raise TypeError("predict takes a list of images: predict([image])")
        return list(recognise(list(images), self.pipeline))

    __call__ = predict
