"""Recognition of image files for ``tools/infer_rec.py`` and ``predict_rec.py``: listing,
the result file and the console summary around ``pipeline.recognise``. No Paddle needed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ppocr_lite.charset import Charset
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.transforms import Transform
from ppocr_lite.deploy.pipeline import Decode, Pipeline, Recognition, Runner, recognise
from ppocr_lite.deploy.preprocess import Preprocess, build_ops
from ppocr_lite.deploy.spec import eval_transforms
from ppocr_lite.errors import ConfigError

logger = logging.getLogger("ppocr_lite")

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


def inference_ops(
    cfg: Mapping[str, Any], charset: Charset, gcfg: GlobalConfig, infer_mode: bool = False
) -> list[Transform]:
    """The Eval (else Train) transforms of ``cfg`` without label ops, keeping only the image:
    built as ``eval.py``'s loader builds them, so both see the same pixels. ``infer_mode`` sets
    ``RecResizeImg.infer_mode`` as PaddleOCR's ``tools/infer_rec.py`` does (with a dictionary,
    a line wider than the trained ratio then keeps its ratio instead of being squeezed)."""
    transforms = eval_transforms(cfg)
    if infer_mode:
        transforms = [_with_infer_mode(item) for item in transforms]
    return build_ops(transforms, charset, gcfg.max_text_length, gcfg.character_dict_path)


def _with_infer_mode(item: Any) -> Any:
    if isinstance(item, Mapping) and "RecResizeImg" in item:
        return {"RecResizeImg": {**(item["RecResizeImg"] or {}), "infer_mode": True}}
    return item


def list_images(
    path: str | Path | None, where: str = "Global.infer_img", only_images: bool = False
) -> list[Path]:
    """One file, or every file in a folder (recursively, sorted); with ``only_images``, only
    those with an image suffix (``IMAGE_SUFFIXES``).

    Raises:
        ConfigError: if the path is not given or does not exist, or (``only_images``) the
            folder holds no image file.
    """
    if not path:
        raise ConfigError(f"{where} is not set: give an image or a folder")
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ConfigError(f"{where}: {root} does not exist")
    found = sorted(p for p in root.rglob("*") if p.is_file())
    if only_images:
        found = [p for p in found if p.suffix.lower() in IMAGE_SUFFIXES]
        if not found:
            known = ", ".join(sorted(IMAGE_SUFFIXES))
            raise ConfigError(f"{where}: {root} holds no image files ({known})")
    return found


@dataclass(frozen=True)
class Prediction(Recognition):
    """A Recognition of the file ``path``."""

    path: Path = Path()


def predict_paths(
    paths: Sequence[Path], ops: Sequence[Transform], run: Runner, decode: Decode, batch_size: int
) -> Iterable[Prediction]:
    """Recognise ``paths`` (squeezing long lines as eval does), in input order."""
    pipe = Pipeline(Preprocess(ops), run, decode, batch_size)
    for path, rec in zip(paths, recognise(paths, pipe), strict=True):
        yield Prediction(rec.text, rec.score, rec.error, path)


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
    # PaddleOCR's tools/infer_rec.py sets RecResizeImg.infer_mode; so does this, its equal.
    ops = inference_ops(cfg, charset, gcfg, infer_mode=True)
    predictions = predict_paths(paths, ops, run, postprocess, gcfg.infer_batch_size)
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
            if each and pred.error:
                logger.warning("%s: skipped (%s)", pred.path, pred.error)
            elif each:
                logger.info("%s: %s\t%.4f", pred.path, pred.text, pred.score)
            out.write(pred.line(pred.path))
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
