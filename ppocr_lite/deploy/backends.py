"""Paddle Inference on an exported folder: one of the engines behind the ``Backend`` protocol
(``engine/backend.py``: ``run(batch: np.ndarray) -> output``), beside the dygraph model of a
checkpoint (``engine/backend.py``) and onnxruntime (``onnx_backend.py``, optional and free of
Paddle). ``engine.py`` picks the one that runs a checkpoint.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import paddle

from ppocr_lite.deploy.layout import check_precision, default_threads, model_files
from ppocr_lite.engine.cpu_speed import tune_cpu_math

logger = logging.getLogger("ppocr_lite")


def gpu_available() -> bool:
    """A CUDA build of Paddle with at least one visible device."""
    return paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0


class PaddleInferenceBackend:
    """Paddle Inference predictor (``paddle.inference.Config`` / ``create_predictor``).

    Args:
        model_dir: Folder with ``inference.json`` (or ``.pdmodel``) and ``inference.pdiparams``.
        use_gpu: Run on GPU 0 (falls back to the CPU, with a warning, when there is none).
        precision: ``fp32``, or ``fp16`` (GPU only: mixed precision; on the CPU a warning and
            fp32).
        cpu_threads: Math library threads on the CPU (default: ``default_threads()``).
        onednn: Use oneDNN (MKL-DNN) kernels on the CPU.
    """

    def __init__(
        self,
        model_dir: str | Path,
        use_gpu: bool = False,
        precision: str = "fp32",
        cpu_threads: int | None = None,
        onednn: bool = True,
    ) -> None:
        check_precision(precision)
        model_file, params_file = model_files(model_dir)
        config = paddle.inference.Config(str(model_file), str(params_file))
        if use_gpu and not gpu_available():
            logger.warning("use_gpu: no CUDA device is available; running on the CPU")
            use_gpu = False
        if use_gpu:
            mode = paddle.inference.PrecisionType
            config.enable_use_gpu(256, 0, mode.Half if precision == "fp16" else mode.Float32)
        else:
            if precision == "fp16":
                logger.warning("fp16 needs a GPU with Paddle Inference; running fp32 on the CPU")
            config.disable_gpu()
            # MKL's AVX2 GEMM on AMD CPUs: the LSTM (rnn) op of CRNN runs 2x faster.
            tune_cpu_math("cpu")
            config.set_cpu_math_library_num_threads(cpu_threads or default_threads())
            if onednn:
                config.enable_mkldnn()
                # Batches differ in width: keep the kernels of several recent shapes.
                config.set_mkldnn_cache_capacity(16)
                # Paddle 3.3 fuses SVTR's "attention + broadcast local mask" into one oneDNN
                # matmul that runs ~12x slower than unfused for batches > 1 (measured: 5.9 s
                # vs 0.48 s for 16 lines of SVTR-Tiny).
                config.delete_pass("matmul_elementwise_add_fuse_pass")
            else:
                config.disable_mkldnn()
        config.disable_glog_info()
        self.model_dir = Path(model_dir)
        self.device = "gpu" if use_gpu else "cpu"
        self.predictor = paddle.inference.create_predictor(config)
        self._input = self.predictor.get_input_handle(self.predictor.get_input_names()[0])
        # Extra outputs (e.g. a length head) are not read by any decoder.
        self._output = self.predictor.get_output_handle(self.predictor.get_output_names()[0])

    def run(self, batch: np.ndarray) -> np.ndarray:
        """(N, C, H, W) float32 -> (N, T, num_classes)."""
        self._input.reshape(list(batch.shape))
        self._input.copy_from_cpu(np.ascontiguousarray(batch, dtype=np.float32))
        self.predictor.run()
        return self._output.copy_to_cpu()
