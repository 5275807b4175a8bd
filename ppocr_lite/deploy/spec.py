"""What a deployed recognizer needs besides its weights: input size, resize, dictionary.

An inference folder holds the static model (``inference.json`` or ``inference.pdmodel`` +
``inference.pdiparams``), optionally ``inference.onnx``, the dictionary copy ``rec_dict.txt``
and ``inference.yml``. The yml keeps PaddleOCR's sections (``PreProcess.transform_ops``,
``PostProcess`` with ``character_dict``), so PaddleOCR/PaddleX tooling can read it, plus a
``Deploy`` section with the resolved settings that ppocr_lite's predictors use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ppocr_lite.charset import DEFAULT_CHARS, Charset, read_dict
from ppocr_lite.errors import ConfigError

INFERENCE_YML = "inference.yml"
DICT_FILE = "rec_dict.txt"
ONNX_FILE = "inference.onnx"
# The resize ops a predictor can reproduce (both: keep-ratio resize + right padding, or stretch).
RESIZE_OPS = ("RecResizeImg", "SVTRRecResizeImg")
# Wider batches than this are squeezed: a guard against pathological lines, not a model limit.
DEFAULT_MAX_WIDTH = 3200


@dataclass(frozen=True)
class PreprocessSpec:
    """How images become the model's (N, C, H, W) input.

    Attributes:
        image_shape: The trained (C, H, W).
        padding: Keep the aspect ratio and pad on the right (else stretch to W).
        img_mode: ``BGR``, ``RGB`` or ``GRAY`` channel order of the decoded image.
        dynamic_width: The model accepts any width; a batch is then as wide as its widest line
            (at least W, at most ``max_width``), as PaddleOCR's predictor does.
        max_width: Cap of a dynamic batch width.
        width_step: A dynamic batch width is rounded up to a multiple of this: oneDNN builds
            kernels per input shape (~0.1 s each), so a few shapes, reused by the ratio-sorted
            batches, are much faster than one per batch.
    """

    image_shape: tuple[int, int, int] = (3, 32, 100)
    padding: bool = True
    img_mode: str = "BGR"
    dynamic_width: bool = False
    max_width: int = DEFAULT_MAX_WIDTH
    width_step: int = 32


@dataclass(frozen=True)
class DeploySpec:
    """Everything except the weights; written to / read from ``inference.yml``.

    Attributes:
        algorithm: ``Architecture.algorithm`` (e.g. CRNN, SVTR, SVTR_LCNet).
        parts: Class names of the model parts, e.g. {"Backbone": "SVTRNet", ...}.
        preprocess: Input settings.
        postprocess: Name of the decoder (``CTCLabelDecode``).
        dict_file: Dictionary path (``rec_dict.txt`` of the folder once written).
        use_space_char: The space is a class after the dictionary's characters.
        num_classes: Outputs of the head, blank included.
        characters: The dictionary itself, for folders exported by PaddleOCR (no dict file).
    """

    algorithm: str
    parts: dict[str, str]
    preprocess: PreprocessSpec
    postprocess: str = "CTCLabelDecode"
    dict_file: str | None = DICT_FILE
    use_space_char: bool = False
    num_classes: int = 0
    characters: tuple[str, ...] = ()

    def charset(self, model_dir: str | Path | None = None) -> Charset:
        """The charset, reading ``dict_file`` relative to ``model_dir`` when given."""
        if self.characters:
            space = [" "] if self.use_space_char and " " not in self.characters else []
            return Charset((*self.characters, *space), source="inference.yml")
        path = self.dict_file
        if path is not None and model_dir is not None:
            path = str(Path(model_dir) / path)
        return Charset.from_config(path, self.use_space_char)


def _transforms(cfg: Mapping[str, Any]) -> list[Any]:
    section = cfg.get("Eval") or cfg.get("Train")
    if not section:
        raise ConfigError("deployment needs an Eval (or Train) section to know the preprocessing")
    return list((section.get("dataset") or {}).get("transforms") or [])


def _op(item: Any) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(item, Mapping) or len(item) != 1:
        raise ConfigError(
            f"a transform must be a one-key mapping like {{Op: {{...}}}}, got {item!r}"
        )
    ((name, args),) = item.items()
    return str(name), args or {}


def preprocess_from_config(cfg: Mapping[str, Any], dynamic_width: bool) -> PreprocessSpec:
    """Read image mode, input shape and padding from the Eval (else Train) transforms.

    Raises:
        ConfigError: if there is no resize op, or one a predictor cannot reproduce.
    """
    img_mode, resize = "BGR", None
    for item in _transforms(cfg):
        name, args = _op(item)
        if name == "DecodeImage":
            img_mode = str(args.get("img_mode", "BGR"))
        elif "image_shape" in args or name.endswith("ResizeImg"):
            if name not in RESIZE_OPS:
                raise ConfigError(
                    f"deployment supports the resize ops {RESIZE_OPS}, the config uses {name}"
                )
            resize = args
    if resize is None:
        raise ConfigError(f"no resize op ({' or '.join(RESIZE_OPS)}) in the Eval transforms")
    c, h, w = (int(v) for v in resize.get("image_shape", (3, 32, 100)))
    padding = bool(resize.get("padding", True))
    # A stretched line is always W wide, as in training: a wider batch would change nothing.
    return PreprocessSpec((c, h, w), padding, img_mode, dynamic_width and padding)


def write_dict(dict_path: str | None, target: Path) -> None:
    """Copy the dictionary file (or write the default characters) to ``target``."""
    if dict_path is not None:
        target.write_bytes(Path(dict_path).read_bytes())
    else:
        target.write_text("\n".join(DEFAULT_CHARS) + "\n", encoding="utf-8")


def write_spec(spec: DeploySpec, cfg: Mapping[str, Any], model_dir: Path) -> Path:
    """Write ``inference.yml`` (PaddleOCR's sections + ``Deploy``); returns its path."""
    chars = read_dict(model_dir / DICT_FILE)
    transforms = [item for item in _transforms(cfg) if "KeepKeys" not in item]
    deploy = dataclasses.asdict(spec)
    deploy["preprocess"]["image_shape"] = list(spec.preprocess.image_shape)
    deploy.pop("characters")  # the dictionary is the file beside it
    doc = {
        "Global": {"model_name": spec.algorithm},
        "PreProcess": {"transform_ops": [*transforms, {"KeepKeys": {"keep_keys": ["image"]}}]},
        "PostProcess": {
            "name": spec.postprocess,
            "use_space_char": spec.use_space_char,
            "character_dict": chars,
        },
        "Deploy": deploy,
    }
    path = model_dir / INFERENCE_YML
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _from_paddleocr(doc: Mapping[str, Any]) -> DeploySpec:
    # A folder exported by PaddleOCR has no Deploy section: read its PreProcess / PostProcess.
    # The width stays fixed, and whether the space is a class is settled from the model output.
    ops = (doc.get("PreProcess") or {}).get("transform_ops") or []
    pre = preprocess_from_config({"Eval": {"dataset": {"transforms": ops}}}, dynamic_width=False)
    post = doc.get("PostProcess") or {}
    chars = tuple(str(c) for c in post.get("character_dict") or ())
    return DeploySpec(
        algorithm=str((doc.get("Global") or {}).get("model_name", "unknown")),
        parts={},
        preprocess=pre,
        postprocess=str(post.get("name", "CTCLabelDecode")),
        dict_file=None,
        use_space_char=bool(post.get("use_space_char", True)),
        characters=chars,
    )


def read_spec(model_dir: str | Path) -> DeploySpec:
    """Read ``inference.yml`` of an inference folder.

    Raises:
        ConfigError: if the file is missing or malformed.
    """
    path = Path(model_dir) / INFERENCE_YML
    if not path.is_file():
        raise ConfigError(f"{path} not found: export the model with tools/export_model.py first")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "Deploy" not in doc:
        return _from_paddleocr(doc)
    try:
        deploy = dict(doc["Deploy"])
        pre = dict(deploy.pop("preprocess"))
        pre["image_shape"] = tuple(int(v) for v in pre["image_shape"])
        return DeploySpec(preprocess=PreprocessSpec(**pre), **deploy)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: malformed Deploy section ({exc})") from None
