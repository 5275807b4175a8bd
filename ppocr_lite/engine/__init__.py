"""Training and evaluation engine: what runs a recognizer built from a config.

Modules: ``run`` (everything ``tools/train.py`` needs), ``components`` (model, loss,
post-process and metric, shared by training, evaluation and inference), ``trainer`` (the loop
over one ``TrainState`` from ``ppocr_lite.checkpoint.state``), ``evaluator``, ``inference``
(``tools/eval.py`` and ``tools/infer_rec.py``), ``resume`` (config diff and position on
resume; the files themselves are ``ppocr_lite.checkpoint``'s), ``schedule`` (pure
predicates), ``logging`` / ``meters`` / ``report`` (log lines, metrics.jsonl, report card),
``amp``, ``distributed``, ``host_memory``, ``cpu_speed``.

Nothing is imported here, so importing ``ppocr_lite.engine`` is cheap and imports no Paddle.
"""

from __future__ import annotations
