"""Deployment: static Paddle / ONNX export, batched predictors and the ``TextRecognizer`` API.

Modules: ``spec`` (inference.yml), ``export`` (checkpoint -> inference folder), ``backends``
(Paddle Inference, dygraph), ``onnx_backend`` (paddle2onnx + onnxruntime, optional),
``preprocess``, ``predictor``, ``benchmark``, ``convert`` / ``weights`` (PaddleOCR checkpoint
layouts), ``api`` (TextRecognizer).
"""

from __future__ import annotations
