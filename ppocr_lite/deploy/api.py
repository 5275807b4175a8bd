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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.validate import check_config
from ppocr_lite.deploy.backends import DygraphBackend, PaddleInferenceBackend, gpu_available
from ppocr_lite.deploy.export import deploy_spec
from ppocr_lite.deploy.layout import BACKENDS
from ppocr_lite.deploy.predictor import Recognition, RecPredictor
from ppocr_lite.deploy.preprocess import ImageInput
from ppocr_lite.deploy.spec import read_spec
from ppocr_lite.deploy.weights import load_weights
from ppocr_lite.engine.components import build_components, select_device
from ppocr_lite.errors import ConfigError


class TextRecognizer:
    """A text-line recognizer ready to predict.

    Args:
        model_dir: Folder written by ``tools/export_model.py`` (or PaddleOCR's export).
        backend: ``paddle`` (Paddle Inference) or ``onnx`` (onnxruntime over
            ``inference.onnx`` from ``tools/export_onnx.py``).
        use_gpu: Run on the GPU when there is one.
        precision: ``fp32`` or ``fp16`` (Paddle backend on a GPU).
        batch_size: Images per model call.
        cpu_threads: Math threads on the CPU (default: all cores, at most 8).

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
    ) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {BACKENDS}, got {backend!r}")
        spec = read_spec(model_dir)
        if backend == "onnx":
            from ppocr_lite.deploy.onnx_backend import OnnxBackend  # onnxruntime only if asked

            engine: Any = OnnxBackend(model_dir, use_gpu, precision, cpu_threads)
        else:
            engine = PaddleInferenceBackend(model_dir, use_gpu, precision, cpu_threads)
        self.predictor = RecPredictor(engine, spec, spec.charset(model_dir), batch_size)

    @classmethod
    def from_checkpoint(
        cls,
        config: str | Path | Mapping[str, Any],
        checkpoint: str | Path | None = None,
        overrides: Sequence[str] = (),
        batch_size: int = 16,
        use_gpu: bool = False,
    ) -> TextRecognizer:
        """Build the model of a training config and load a checkpoint into it (dygraph).

        Args:
            config: YAML path or loaded config (PaddleOCR format).
            checkpoint: Weights prefix (``.../best_accuracy``); default ``Global.checkpoints``.
                PaddleOCR checkpoints of the same architecture load too (MultiHead and
                Distillation layouts are converted).
            overrides: ``-o`` style overrides, e.g. ``["Global.use_space_char=true"]``.
            batch_size: Images per model call.
            use_gpu: Run on the GPU when there is one.

        Returns:
            A recognizer with the same preprocessing as the exported model would have.
        """
        cfg = load_config(config) if isinstance(config, str | Path) else copy.deepcopy(dict(config))
        cfg = apply_overrides(cfg, list(overrides))
        gcfg = check_config(
            cfg,
            str(config) if isinstance(config, str | Path) else "config",
            sections=(),
            optional=(),
        )
        weights = checkpoint or gcfg.checkpoints or gcfg.pretrained_model
        if not weights:
            raise ConfigError("give the checkpoint (or set Global.checkpoints in the config)")
        select_device(use_gpu and gpu_available())
        components = build_components(cfg, gcfg)
        load_weights(components.model, weights)
        spec = deploy_spec(cfg, components)
        self = cls.__new__(cls)
        self.predictor = RecPredictor(
            DygraphBackend(components.model), spec, components.charset, batch_size
        )
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
        return self.predictor.predict(list(images))

    __call__ = predict
