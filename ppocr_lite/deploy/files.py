"""Recognition of image files in width-sorted batches, for any backend: no Paddle needed.

``tools/infer_rec.py`` runs these with the checkpoint's model (``engine/inference.py``) or, on
a later run with the same checkpoint and config, with its cached ONNX graph
(``deploy/onnx_cache.py``): both write the same result file.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.transforms import Transform, apply_transforms, build_transforms
from ppocr_lite.data.transforms.decode import image_header
from ppocr_lite.errors import ConfigError, DataError

logger = logging.getLogger("ppocr_lite")

# Files read (their bytes held in memory) at once; each chunk is sorted on its own.
CHUNK = 4096
DECODE_THREADS = 2
# Batches decoded ahead of the model: enough to cover the engine's start-up, few enough that a
# chunk of long lines is never held in memory at once.
AHEAD = 16
# Up to this many files, each result is also logged (else only the summary, unless
# Global.print_results): a folder of thousands of lines must not flood the console.
PRINT_LIMIT = 10

IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".bmp",
    ".tif",
    ".tiff",
    ".webp",
    ".gif",
    ".jp2",
    ".pgm",
    ".ppm",
}


def inference_ops(cfg: Mapping[str, Any], charset: Charset, gcfg: GlobalConfig) -> list[Transform]:
    """The Eval (else Train) transforms without label ops, keeping only the image: built as
    ``eval.py``'s loader builds them, so both see the same pixels."""
    section = cfg.get("Eval") or cfg.get("Train")
    if not section:
        raise ConfigError("inference needs an Eval (or Train) section to know the preprocessing")
    items = [op for op in section["dataset"]["transforms"] if "KeepKeys" not in op]
    ops = build_transforms(
        items,
        "Eval.dataset.transforms",
        charset=charset,
        max_text_length=gcfg.max_text_length,
        character_dict_path=gcfg.character_dict_path,
    )
    return [op for op in ops if not getattr(op, "uses_label", False)]


def list_images(path: str | None) -> list[Path]:
    """One file, or every file in a folder (recursively, sorted)."""
    if not path:
        raise ConfigError("Global.infer_img is not set: give an image or a folder")
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ConfigError(f"Global.infer_img: {root} does not exist")
    return sorted(p for p in root.rglob("*") if p.is_file())


@dataclass
class Prediction:
    """Result for one file: text and score, or the reason it could not be read."""

    path: Path
    text: str = ""
    score: float = 0.0
    error: str = ""


def _read(path: Path) -> bytes | str:
    """The file's bytes, or why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        return f"unreadable: {exc}"


def _load(raw: bytes, ops: Sequence[Transform]) -> np.ndarray | str:
    """The preprocessed image, or why it cannot be used."""
    try:
        data = apply_transforms({"image": raw, "label": ""}, ops)
    except DataError as exc:
        return f"{exc.reason}: {exc}"
    return "dropped by a transform" if data is None else data["image"]


def _aspect(raw: bytes) -> float:
    """Width / height from the header, which orders lines as a keep-ratio resize's widths do
    (unknown: last)."""
    try:
        header = image_header(raw)
    except DataError:
        header = None
    return header[0] / max(header[1], 1) if header else float("inf")


def plan_batches(order: list[int], size: int) -> list[list[int]]:
    """``order`` cut into consecutive batches of at most ``size``, as even as possible (1,000
    lines at 32 give 8 x 32 + 24 x 31, not 31 x 32 + 8: no engine stream idles at the end)."""
    if not order:
        return []
    count = -(-len(order) // max(size, 1))
    base, extra = divmod(len(order), count)
    batches, start = [], 0
    for k in range(count):
        end = start + base + (k < extra)
        batches.append(order[start:end])
        start = end
    return batches


def _stack(images: list[np.ndarray]) -> np.ndarray:
    """(N, C, H, W): the lines as they are, right-padded with zeros to the widest."""
    width = max(im.shape[-1] for im in images)
    out = np.zeros((len(images), *images[0].shape[:-1], width), dtype=np.float32)
    for i, im in enumerate(images):
        out[i, ..., : im.shape[-1]] = im
    return out


# Batches in, the model's outputs out, in the same order (lazily: one may be in flight while
# the next is stacked). ``per_batch`` makes one from a function of a single batch.
Runner = Callable[[Iterable[np.ndarray]], Iterable[Any]]


def per_batch(run: Callable[[np.ndarray], Any]) -> Runner:
    """A Runner that calls ``run`` on each batch in turn."""
    return lambda batches: (run(batch) for batch in batches)


Loaded = list[np.ndarray | str]


def _decoded(
    pool: ThreadPoolExecutor, batches: list[list[int]], load: Callable[[list[int]], Loaded]
) -> Iterator[tuple[list[int], Loaded]]:
    """Each batch with ``load(batch)``, in order, computed by ``pool`` up to ``AHEAD`` batches
    before it is asked for."""
    jobs: deque[tuple[list[int], Future[Loaded]]] = deque()
    waiting = iter(batches)
    try:
        for index in islice(waiting, AHEAD):
            jobs.append((index, pool.submit(load, index)))
        while jobs:
            index, job = jobs.popleft()
            following = next(waiting, None)
            if following is not None:
                jobs.append((following, pool.submit(load, following)))
            yield index, job.result()
    finally:
        for _, job in jobs:  # an error or an early stop: decode no more
            job.cancel()


def _predict_chunk(
    paths: list[Path], ops: Sequence[Transform], run: Runner, postprocess: Any, size: int
) -> list[Prediction]:
    results = [Prediction(path) for path in paths]
    raws = [_read(path) for path in paths]
    for result, raw in zip(results, raws, strict=True):
        if isinstance(raw, str):
            result.error = raw
    # Sorted by aspect ratio (read from the headers), so that a batch is padded only to its
    # own widest line, and decoded by the pool while the model runs the batches before it.
    readable = {i: raw for i, raw in enumerate(raws) if isinstance(raw, bytes)}
    batches = plan_batches(sorted(readable, key=lambda i: _aspect(readable[i])), size)

    def load(index: list[int]) -> Loaded:
        return [_load(readable[i], ops) for i in index]

    with ThreadPoolExecutor(DECODE_THREADS) as pool:
        given: list[list[int]] = []  # the lines of each batch handed to ``run``, in order

        def stacked() -> Iterator[np.ndarray]:
            for index, loaded in _decoded(pool, batches, load):
                good = []
                for i, item in zip(index, loaded, strict=True):
                    if isinstance(item, str):
                        results[i].error = item
                    else:
                        good.append((i, item))
                if good:
                    given.append([i for i, _ in good])
                    yield _stack([im for _, im in good])

        for k, output in enumerate(run(stacked())):
            for i, (text, score) in zip(given[k], postprocess(output), strict=True):
                results[i].text, results[i].score = text, score
    return results


def predict_paths(
    run: Runner, postprocess: Any, ops: Sequence[Transform], paths: list[Path], batch_size: int
) -> Iterator[Prediction]:
    """Recognise ``paths`` in batches; unreadable files yield a Prediction with ``error``.

    Args:
        run: (N, C, H, W) float32 batches -> the model's outputs, in order, which
            ``postprocess`` decodes (``per_batch`` turns a one-batch function into one).

    Files are read ``CHUNK`` at a time and cut into batches of similar width; a thread pool
    decodes and preprocesses them (OpenCV releases the GIL) while ``run`` works on the
    batches before. Results are yielded in input order.
    """
    for first in range(0, len(paths), CHUNK):
        yield from _predict_chunk(paths[first : first + CHUNK], ops, run, postprocess, batch_size)


def recognise_files(
    cfg: Mapping[str, Any],
    gcfg: GlobalConfig,
    charset: Charset,
    postprocess: Any,
    run: Runner,
    paths: list[Path],
) -> list[Prediction]:
    """Recognise ``paths`` with the config's inference transforms, ``run`` and ``postprocess``;
    write ``Global.save_res_path`` and log a summary (each result too for a handful of files,
    or with ``Global.print_results``)."""
    start = time.perf_counter()
    ops = inference_ops(cfg, charset, gcfg)
    predictions = predict_paths(run, postprocess, ops, paths, gcfg.infer_batch_size)
    each = gcfg.print_results or len(paths) <= PRINT_LIMIT
    results = write_predictions(predictions, Path(gcfg.save_res_path), each)
    log_summary(results, Path(gcfg.save_res_path), time.perf_counter() - start)
    return results


def write_predictions(
    predictions: Iterable[Prediction], out_path: Path, each: bool = True
) -> list[Prediction]:
    """Write ``path<TAB>text<TAB>score`` lines (UTF-8) to ``out_path``, logging each result
    when ``each``."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    results = []
    with open(out_path, "w", encoding="utf-8") as out:
        for pred in predictions:
            results.append(pred)
            if pred.error:
                if each:
                    logger.warning("%s: skipped (%s)", pred.path, pred.error)
                out.write(f"{pred.path}\t\t0\terror: {pred.error}\n")
            else:
                if each:
                    logger.info("%s: %s\t%.4f", pred.path, pred.text, pred.score)
                out.write(f"{pred.path}\t{pred.text}\t{pred.score:.6f}\n")
    return results


def log_summary(results: Sequence[Prediction], out_path: Path, seconds: float) -> None:
    """One line: files, recognised, failed (by reason), time, and where the results are."""
    failed = Counter(r.error.split(":")[0] for r in results if r.error)
    good = len(results) - sum(failed.values())
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(failed.items()))
    logger.info(
        "recognised %d of %d files (%d failed%s) in %.1f s; results written to %s",
        good,
        len(results),
        sum(failed.values()),
        f": {reasons}" if reasons else "",
        seconds,
        out_path,
    )
