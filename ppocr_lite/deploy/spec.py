"""What a deployed recognizer needs besides its weights: transforms, input size, dictionary.

An inference folder holds the static model (``inference.json`` or ``inference.pdmodel`` +
``inference.pdiparams``), optionally ``inference.onnx``, the dictionary copy ``rec_dict.txt``
and ``inference.yml``. The yml keeps PaddleOCR's sections, so PaddleOCR/PaddleX tooling can
read it: ``PreProcess.transform_ops`` (the config's Eval transforms, from which ppocr_lite's
predictors build their preprocessing, as ``eval.py`` does) and ``PostProcess`` with
``character_dict``; plus a ``Deploy`` section with the resolved settings (input shape, dynamic
width, classes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ppocr_lite.charset import DEFAULT_CHARS, Charset, read_dict
from ppocr_lite.errors import ConfigError

INFERENCE_YML = "inference.yml"
DICT_FILE = "rec_dict.txt"
ONNX_FILE = "inference.onnx"


@dataclass(frozen=True)
class DeploySpec:
    """Everything except the weights; written to / read from ``inference.yml``.

    Attributes:
        algorithm: ``Architecture.algorithm`` (e.g. CRNN, SVTR, SVTR_LCNet).
        parts: Class names of the model parts, e.g. {"Backbone": "SVTRNet", ...}.
        image_shape: The trained (C, H, W) input.
        dynamic_width: The exported graph reads any width (else only W).
        postprocess: Name of the decoder (``CTCLabelDecode`` or ``ParseQLabelDecode``).
        dict_file: Dictionary path (``rec_dict.txt`` of the folder once written).
        use_space_char: The space is a class after the dictionary's characters.
        num_classes: Outputs of the head (characters and the blank, or PARSeq's EOS).
        custom_dict: ``Global.character_dict_path`` was set (``RecResizeImg.infer_mode``
            depends on it, as in PaddleOCR).
        characters: The dictionary itself, for folders exported by PaddleOCR (no dict file).
        transforms: The Eval transforms (``PreProcess.transform_ops`` of the file), from which
            the predictors build their preprocessing.
        precision: Of the ONNX graph: ``fp32``, or ``fp16`` / ``int8`` for a folder written by
            ``tools/export_onnx.py --precision`` (its ``Precision`` section).
    """

    algorithm: str
    parts: dict[str, str]
    image_shape: tuple[int, int, int]
    dynamic_width: bool = False
    postprocess: str = "CTCLabelDecode"
    dict_file: str | None = DICT_FILE
    use_space_char: bool = False
    num_classes: int = 0
    custom_dict: bool = True
    characters: tuple[str, ...] = ()
    transforms: tuple[Any, ...] = ()
    precision: str = "fp32"

    def charset(self, model_dir: str | Path | None = None) -> Charset:
        """The charset, reading ``dict_file`` relative to ``model_dir`` when given."""
        if self.characters:
            space = [" "] if self.use_space_char and " " not in self.characters else []
            return Charset((*self.characters, *space), source="inference.yml")
        path = self.dict_file
        if path is not None and model_dir is not None:
            path = str(Path(model_dir) / path)
        return Charset.from_config(path, self.use_space_char)


def eval_transforms(cfg: Mapping[str, Any]) -> list[Any]:
    """The Eval (else Train) section's transform list, as written in the config.

    Raises:
        ConfigError: if the config has neither section.
    """
    section = cfg.get("Eval") or cfg.get("Train")
    if not section:
        raise ConfigError("inference needs an Eval (or Train) section to know the preprocessing")
    return list((section.get("dataset") or {}).get("transforms") or [])


def input_shape(transforms: Sequence[Any]) -> tuple[int, int, int]:
    """The (C, H, W) of the resize op (the last op with an ``image_shape``).

    Raises:
        ConfigError: if no transform gives an ``image_shape``.
    """
    shape = None
    for item in transforms:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise ConfigError(f"a transform must be a one-key mapping {{Op: {{...}}}}: {item!r}")
        args = next(iter(item.values())) or {}
        shape = args.get("image_shape", shape)
    if shape is None:
        raise ConfigError("no transform of the Eval section gives the input image_shape")
    c, h, w = (int(v) for v in shape)
    return c, h, w


def write_dict(dict_path: str | None, target: Path) -> None:
    """Copy the dictionary file (or write the default characters) to ``target``."""
    if dict_path is not None:
        target.write_bytes(Path(dict_path).read_bytes())
    else:
        target.write_text("\n".join(DEFAULT_CHARS) + "\n", encoding="utf-8")


def write_spec(spec: DeploySpec, cfg: Mapping[str, Any], model_dir: Path) -> Path:
    """Write ``inference.yml`` (PaddleOCR's sections + ``Deploy``); returns its path."""
    chars = read_dict(model_dir / DICT_FILE)
    transforms = [item for item in eval_transforms(cfg) if "KeepKeys" not in item]
    deploy = dataclasses.asdict(spec)
    deploy["image_shape"] = list(spec.image_shape)
    deploy.pop("characters")  # the dictionary is the file beside it
    deploy.pop("transforms")  # PreProcess holds them
    deploy.pop("precision")  # a Precision section, written by tools/export_onnx.py
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


def _preprocess_ops(doc: Mapping[str, Any]) -> tuple[Any, ...]:
    ops = (doc.get("PreProcess") or {}).get("transform_ops") or ()
    return tuple(op for op in ops if "KeepKeys" not in op)


def _from_paddleocr(doc: Mapping[str, Any]) -> DeploySpec:
    # A folder exported by PaddleOCR has no Deploy section: read its PreProcess / PostProcess.
    # The width stays fixed, and whether the space is a class is settled from the model output.
    ops = _preprocess_ops(doc)
    post = doc.get("PostProcess") or {}
    chars = tuple(str(c) for c in post.get("character_dict") or ())
    return DeploySpec(
        algorithm=str((doc.get("Global") or {}).get("model_name", "unknown")),
        parts={},
        image_shape=input_shape(ops),
        transforms=ops,
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
    precision = str((doc.get("Precision") or {}).get("name", "fp32"))
    if "Deploy" not in doc:
        return dataclasses.replace(_from_paddleocr(doc), precision=precision)
    ops = _preprocess_ops(doc)
    try:
        deploy = dict(doc["Deploy"])
        if "preprocess" in deploy:  # written before the transforms became the preprocessing
            old = deploy.pop("preprocess")
            deploy["image_shape"] = old["image_shape"]
            deploy["dynamic_width"] = old["dynamic_width"]
        deploy["image_shape"] = tuple(int(v) for v in deploy["image_shape"])
        return DeploySpec(transforms=ops, precision=precision, **deploy)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: malformed Deploy section ({exc})") from None
