"""Checkpoints: PaddleOCR's file format and every way weights get into a model.

Modules: ``load`` (``load_weights``, the one loader that resume, pretrained / fine-tune,
evaluation, recognition, export and serving call), ``manager`` (``CheckpointManager``: save and
resume), ``files`` (names, atomic writes, manifest, ``.states``; no Paddle), ``state``
(``TrainState``, the ``.states`` record), ``layouts`` (PaddleOCR's MultiHead / Distillation
layouts and their conversion), ``optimizer`` (a ``.pdopt`` carried over to other parameter
names), ``head_transfer`` (head size, re-indexing for a new dictionary), ``intact`` (which
checkpoint to resume), ``safe_pickle`` (the restricted unpickler).

This package imports only lower layers (``errors``), never ``engine``, ``deploy`` or tools.
Nothing is imported here, so importing ``ppocr_lite.checkpoint`` imports no Paddle.
"""

from __future__ import annotations
