"""Deployment: static Paddle / ONNX export, batched predictors and the ``TextRecognizer`` API.

Modules: ``pipeline`` (the one inference path: Eval transforms -> batches -> runner ->
post-process), ``preprocess`` (the Eval transforms on images or arrays; widening),
``files`` (image folders and result files around it), ``spec`` (inference.yml),
``export`` (checkpoint -> inference folder), ``backends`` (Paddle Inference, dygraph),
``onnx_backend`` (paddle2onnx + onnxruntime, optional), ``static`` and ``onnx_cache``
(infer_rec's converted graphs), ``benchmark``, ``api`` (TextRecognizer). Weights are loaded
with ``ppocr_lite.checkpoint.load.load_weights``.
"""

from __future__ import annotations
