"""Deployment: static Paddle / ONNX export, batched predictors and the ``TextRecognizer`` API.

Modules: ``pipeline`` (the one inference path: Eval transforms -> batches -> runner ->
post-process), ``preprocess`` (the Eval transforms on images or arrays; widening),
``files`` (image folders and result files around it), ``spec`` (inference.yml),
``export`` (checkpoint -> inference folder), ``backends`` (the ``Backend`` protocol: dygraph,
Paddle Inference), ``onnx_backend`` (paddle2onnx + onnxruntime, optional), ``inference``
(eval.py and infer_rec.py on a checkpoint), ``quantize`` / ``precision`` (FP16 and INT8 ONNX
with their report), ``benchmark``, ``api`` (TextRecognizer). Weights are loaded with
``ppocr_lite.checkpoint.load.load_weights``.
"""

from __future__ import annotations
