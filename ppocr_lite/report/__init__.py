"""Error report of a recognizer: alignment of labels and predictions, figures, one HTML page.

``alignment`` (pure, on strings) -> ``figures`` (per-sample results -> a JSON-able dict) ->
``html`` (the page), with ``images`` for the gallery's thumbnails and ``build`` tying them to an
evaluation (``tools/error_report.py``).
"""
