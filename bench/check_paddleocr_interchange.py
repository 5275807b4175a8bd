"""Checkpoint interchange with a real PaddleOCR 2.x, both ways, on the shared Vietnamese data.

For each model (CRNN-MV3 from PaddleOCR's ``rec_mv3_none_bilstm_ctc.yml``, SVTR-Tiny from its
``rec_svtrnet.yml`` without the STN rectifier; SVTRv2, RepSVTR and the PP-OCRv4 server
recognizer PPHGNet_small from ``SVTRv2/rec_svtrv2_ch.yml``, ``SVTRv2/rec_repsvtr_ch.yml`` and
``PP-OCRv4/ch_PP-OCRv4_rec_hgnet.yml``, MultiHead CTC + NRTR guide as they come), ONE YAML file
in PaddleOCR's format is given to both tools:

(a) PaddleOCR's ``tools/train.py`` trains a few steps; ppocr_lite loads the ``.pdparams``;
(b) ppocr_lite's ``tools/train.py`` trains a few steps; PaddleOCR loads the ``.pdparams``
    (its ``load_model``, as its ``tools/infer_rec.py`` does).

Both models then read the same preprocessed tensors of ``--images`` validation lines: the
predicted strings must be identical. Also printed: the largest probability difference, the
per-time-step arg-max agreement, and (tool level) how often each tool's own
``tools/infer_rec.py`` -- each with its own image preprocessing -- gives the same text, and the
same text and score, on a folder of those lines plus ``--wide`` lines made of two side by side
(wider than the trained ratio). Both infer_rec.py set ``RecResizeImg.infer_mode``, so with a
dictionary each long line keeps its ratio; PaddleOCR runs one image at a time, ppocr_lite batches
only lines of one input width, so each line gives what it gives alone (``tool_*``).

The three newer models train only under PaddleOCR's multi-scale sampler (not in this check):
they take ``--kinds decisive`` (the rest is a fixed-seed initialisation, which is what matters).

PaddleOCR runs in a subprocess of the reference interpreter (``PPOCR_REF_PYTHON``); its code
is never imported by ppocr_lite. This file is also that subprocess's entry point
(``--ref-worker JOB.json``), in which mode it imports only PaddleOCR.

    PPOCR_REF_PYTHON=/work/ref_venv/bin/python python bench/check_paddleocr_interchange.py
    PPOCR_REF_PYTHON=... python bench/check_paddleocr_interchange.py --models svtrv2 repsvtr \
        pphgnet_small --kinds decisive --images 16 --skip-tools   # tensors only, quicker
    PPOCR_REF_PYTHON=... python bench/check_paddleocr_interchange.py --dump-names \
        tests/data/paddleocr_param_names      # regenerate the name/shape reference (once)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/vi_synth")
REF_SRC = Path("/work/ref_src")  # PaddleOCR's configs (commit f7439b4), read as data
NUM_CLASSES = 218  # the 216 characters of vi_synth/vi_dict.txt + space + blank


# --------------------------------------------------------------------------------------------
# Shared by both interpreters (paddle only).


def make_decisive(model: Any, calibration: Any, seed: int = 0) -> None:
    """Re-initialise a recognizer so its strings depend clearly on the image.

    A few training steps leave a CTC model emitting blanks, and Paddle's default initialisation
    makes MobileNetV3's features almost constant, so neither gives strings worth comparing.
    This fixed-seed initialisation (He-normal convolutions and linear layers, larger LSTM
    weights, BatchNorm statistics of one batch of real lines, dropout off) does.
    """
    import numpy as np
    import paddle
    from paddle import nn

    rng = np.random.default_rng(seed)
    for layer in model.sublayers():
        if isinstance(layer, nn.Conv2D | nn.Linear):
            w = layer.weight
            fan_in = int(w.shape[0]) if isinstance(layer, nn.Linear) else int(np.prod(w.shape[1:]))
            w.set_value(rng.normal(0, np.sqrt(2.0 / fan_in), w.shape).astype("float32"))
    for name, param in model.named_parameters():
        if ".lstm." in name and "weight" in name:
            shape = param.shape
            param.set_value(rng.normal(0, 2.0 / np.sqrt(shape[1]), shape).astype("float32"))
    norms = [m for m in model.sublayers() if isinstance(m, nn.layer.norm._BatchNormBase)]
    model.eval()  # only the norms train: a MultiHead in train mode wants its guide's targets
    for m in norms:
        m.train()
        m._momentum = 0.0  # running statistics := those of the calibration batch
    with paddle.no_grad():
        model(paddle.to_tensor(calibration))
    for m in norms:
        m._momentum = 0.9
    model.eval()


# --------------------------------------------------------------------------------------------
# Reference side: runs under PPOCR_REF_PYTHON and imports PaddleOCR (``ppocr``), never ppocr_lite.


def _ref_import_path() -> Path:
    import paddleocr  # the 2.9.1 wheel (with ppocr/ and tools/)

    pkg = Path(paddleocr.__file__).parent
    sys.path.insert(0, str(pkg))
    return pkg


def _ref_classes(arch: dict[str, Any], n: int) -> None:
    """Output sizes as PaddleOCR's tools set them (a MultiHead: per branch, SAR +2, NRTR +3)."""
    if arch["Head"]["name"] == "MultiHead":
        lists = {"CTCLabelDecode": n, "SARLabelDecode": n + 2, "NRTRLabelDecode": n + 3}
        arch["Head"]["out_channels_list"] = lists
    else:
        arch["Head"]["out_channels"] = n


def _ref_names(job: dict[str, Any]) -> None:
    import paddle
    from ppocr.modeling.architectures import build_model

    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    for key, item in job["models"].items():
        arch = json.loads(json.dumps(item["architecture"]))
        _ref_classes(arch, item["num_classes"])
        paddle.seed(0)
        model = build_model(arch)
        params = {k: [int(d) for d in v.shape] for k, v in model.state_dict().items()}
        head = {
            "paddleocr": job["version"],
            "source": item["source"],
            "num_classes": item["num_classes"],
            "architecture": item["architecture"],
        }
        # One tensor per line: reviewable diffs when the reference changes.
        lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in params.items()]
        text = json.dumps(head, ensure_ascii=False)[:-1] + ', "params": {\n'
        text += ",\n".join(lines) + "\n}}\n"
        json.loads(text)
        (out / f"{key}.json").write_text(text, encoding="utf-8")
        print(f"{key}: {len(params)} tensors")


def _ref_predict(job: dict[str, Any]) -> None:
    """Build PaddleOCR's model from the YAML, load the weights as its infer_rec.py does, run."""
    import numpy as np
    import paddle
    import yaml
    from ppocr.modeling.architectures import build_model
    from ppocr.postprocess import build_post_process
    from ppocr.utils.save_load import load_model

    paddle.set_device("cpu")
    config = yaml.safe_load(Path(job["config"]).read_text(encoding="utf-8"))
    config["Global"]["checkpoints"] = job["weights"]
    config["Global"]["pretrained_model"] = None
    postprocess = build_post_process(config["PostProcess"], config["Global"])
    _ref_classes(config["Architecture"], len(postprocess.character))
    model = build_model(config["Architecture"])
    load_model(config, model, model_type="rec")
    model.eval()
    images = np.load(job["inputs"])
    probs = []
    with paddle.no_grad():
        for start in range(0, len(images), 50):
            probs.append(model(paddle.to_tensor(images[start : start + 50])).numpy())
    probs = np.concatenate(probs)
    texts = [text for text, _ in postprocess(probs)]
    np.save(job["out_probs"], probs)
    Path(job["out_texts"]).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")


def _ref_init(job: dict[str, Any]) -> None:
    """PaddleOCR's model of the YAML, fixed-seed decisive initialisation, paddle.save."""
    import numpy as np
    import paddle
    import yaml
    from ppocr.modeling.architectures import build_model
    from ppocr.postprocess import build_post_process

    paddle.set_device("cpu")
    paddle.seed(0)
    config = yaml.safe_load(Path(job["config"]).read_text(encoding="utf-8"))
    postprocess = build_post_process(config["PostProcess"], config["Global"])
    _ref_classes(config["Architecture"], len(postprocess.character))
    model = build_model(config["Architecture"])
    make_decisive(model, np.load(job["inputs"])[:16])
    paddle.save(model.state_dict(), job["weights"] + ".pdparams")


def ref_worker(job_path: str) -> None:
    """Entry point under the reference interpreter."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    _ref_import_path()
    {"names": _ref_names, "predict": _ref_predict, "init": _ref_init}[job["kind"]](job)


# --------------------------------------------------------------------------------------------
# ppocr_lite side.


def ref_python() -> str:
    """The reference interpreter, from PPOCR_REF_PYTHON."""
    path = os.environ.get("PPOCR_REF_PYTHON")
    if not path or not Path(path).is_file():
        raise SystemExit(
            "set PPOCR_REF_PYTHON to a Python with paddleocr 2.x (e.g. /work/ref_venv/bin/python)"
        )
    return path


def run_ref(job: dict[str, Any], workdir: Path, script: str = __file__) -> None:
    """Run one job in the reference interpreter (``script --ref-worker JOB``); its output goes
    to our stdout on failure."""
    path = workdir / f"job_{job['kind']}_{time.time_ns()}.json"
    path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    cmd = [ref_python(), str(Path(script).resolve()), "--ref-worker", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    if proc.returncode != 0:
        raise SystemExit(
            f"reference job {job['kind']} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        )
    print(proc.stdout.strip())


def _arch(path: Path) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["Architecture"]


def name_models(ref_src: Path) -> dict[str, dict[str, Any]]:
    """The architectures whose PaddleOCR parameter names and shapes are kept as test data."""
    ours = ROOT / "configs" / "rec"
    theirs = ref_src / "configs" / "rec"
    sources = {
        "crnn_mv3_small": ours / "crnn_mv3_demo.yml",
        "crnn_mv3_large": theirs / "rec_mv3_none_bilstm_ctc.yml",
        "crnn_r34": theirs / "rec_r34_vd_none_bilstm_ctc.yml",
        "svtr_tiny": ours / "svtr_tiny.yml",
        "svtr_small": ours / "svtr_small.yml",
        "svtr_base": ours / "svtr_base.yml",
        "svtr_large": ours / "svtr_large.yml",
        "svtr_lcnet": ours / "svtr_lcnet.yml",
        "svtr_lcnet_v4": ours / "svtr_lcnet_v4.yml",
        "ppocrv3_multihead": theirs / "PP-OCRv3" / "en_PP-OCRv3_rec.yml",
        "ppocrv4_multihead": theirs / "PP-OCRv4" / "en_PP-OCRv4_rec.yml",
        "svtrv2": theirs / "SVTRv2" / "rec_svtrv2_ch.yml",
        "repsvtr": theirs / "SVTRv2" / "rec_repsvtr_ch.yml",
        "pphgnet_small": theirs / "PP-OCRv4" / "ch_PP-OCRv4_rec_hgnet.yml",
    }
    models = {}
    for key, path in sources.items():
        arch = _arch(path)
        if key.startswith("crnn"):
            arch["Transform"] = None
        where = "PaddleOCR" if path.is_relative_to(ref_src) else "ppocr_lite"
        rel = path.relative_to(ref_src if where == "PaddleOCR" else ROOT)
        source = f"{where} {rel}"
        if key in ("svtrv2", "repsvtr", "pphgnet_small"):
            arch = ctc_branch(arch)
            source += ", the CTC branch of its MultiHead as Neck/Head"
        models[key] = {"architecture": arch, "num_classes": NUM_CLASSES, "source": source}
    return models


def ctc_branch(arch: dict[str, Any]) -> dict[str, Any]:
    """A MultiHead architecture's CTC branch as its own Neck and Head (the fixtures' form)."""
    branch = next(h["CTCHead"] for h in arch["Head"]["head_list"] if "CTCHead" in h)
    neck = dict(branch["Neck"])
    neck = {"name": "SequenceEncoder", "encoder_type": neck.pop("name"), **neck}
    rest = {k: v for k, v in arch.items() if k not in ("Neck", "Head")}
    return {**rest, "Neck": neck, "Head": {"name": "CTCHead", **branch["Head"]}}


def dump_names(out_dir: Path, ref_src: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        job = {
            "kind": "names",
            "out_dir": str(out_dir.resolve()),
            "version": "2.9.1",
            "models": name_models(ref_src),
        }
        run_ref(job, Path(tmp))


# The two models of the check: PaddleOCR's config file and the edits both tools get.
MODELS = {
    "crnn_mv3": ("rec_mv3_none_bilstm_ctc.yml", "CRNN MobileNetV3-large x0.5 + BiLSTM"),
    "svtr_tiny": ("rec_svtrnet.yml", "SVTR-Tiny"),
    "svtrv2": ("SVTRv2/rec_svtrv2_ch.yml", "SVTRv2 + MultiHead (CTC, NRTR guide)"),
    "repsvtr": ("SVTRv2/rec_repsvtr_ch.yml", "RepSVTR + MultiHead (CTC, NRTR guide)"),
    "pphgnet_small": ("PP-OCRv4/ch_PP-OCRv4_rec_hgnet.yml", "PP-OCRv4 server: PPHGNet_small"),
}
UNTRAINED = ("svtrv2", "repsvtr", "pphgnet_small")  # multi-scale sampler: decisive only


def paddleocr_config(model: str, data: dict[str, Path], args: argparse.Namespace) -> dict[str, Any]:
    """PaddleOCR's own YAML with the data, dictionary and run length of this check.

    SVTR-Tiny: PaddleOCR's file puts a TPS rectifier (STN_ON, not in ppocr_lite) in front of a
    64x256 input; without it the backbone's 32x100 is the input, and SVTRRecAug (not in
    ppocr_lite) is dropped. SVTRv2, RepSVTR, PPHGNet_small: the Eval section reads the LMDB
    (PaddleOCR's file lists them); nothing else is changed.
    """
    import yaml

    cfg = yaml.safe_load((args.ref_src / "configs" / "rec" / MODELS[model][0]).read_text("utf-8"))
    g = cfg["Global"]
    g.update(use_gpu=False, epoch_num=args.epochs, print_batch_step=10, save_epoch_step=1000)
    g.update(eval_batch_step=[0, 100000], character_dict_path=str(DATA / "vi_dict.txt"))
    g.update(use_space_char=True, max_text_length=25, cal_metric_during_train=False)
    for section, key in (("Train", "train"), ("Eval", "val")):
        if section == "Eval" and model in UNTRAINED:
            cfg[section]["dataset"].pop("label_file_list")
            cfg[section]["dataset"]["name"] = "LMDBDataSet"
        cfg[section]["dataset"]["data_dir"] = str(data[key])
        cfg[section]["loader"].update(num_workers=0, batch_size_per_card=args.batch_size)
    cfg["Train"]["loader"]["shuffle"] = True
    if model == "svtr_tiny":
        cfg["Architecture"]["Transform"] = None
        for section in ("Train", "Eval"):
            ops = cfg[section]["dataset"]["transforms"]
            ops[:] = [op for op in ops if "SVTRRecAug" not in op]
            for op in ops:
                if "SVTRRecResizeImg" in op:
                    op["SVTRRecResizeImg"]["image_shape"] = [3, 32, 100]
    return cfg


def write_subset(src: Path, dst: Path, n: int) -> list[tuple[bytes, str]]:
    """The first ``n`` samples of an LMDB, copied to a new LMDB at ``dst``."""
    import lmdb

    from ppocr_lite.data.lmdb_writer import write_lmdb

    samples = []
    env = lmdb.open(str(src), readonly=True, lock=False)
    with env.begin() as txn:
        for i in range(1, n + 1):
            label = txn.get(f"label-{i:09d}".encode()).decode("utf-8")
            samples.append((bytes(txn.get(f"image-{i:09d}".encode())), label))
    env.close()
    write_lmdb(dst, iter(samples))
    return samples


def train(tool_python: str, cwd: Path, cfg_path: Path, out: Path) -> None:
    """Run a ``tools/train.py`` (ours or PaddleOCR's) into ``out``."""
    cmd = [tool_python, "tools/train.py", "-c", str(cfg_path), "-o", f"Global.save_model_dir={out}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0 or not (out / "latest.pdparams").is_file():
        raise SystemExit(
            f"{cwd / 'tools/train.py'} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        )


def lite_predict(cfg: dict[str, Any], weights: Path, inputs: Any) -> tuple[Any, list[str]]:
    """ppocr_lite: the model of ``cfg`` with ``weights`` on preprocessed tensors."""
    import paddle

    from ppocr_lite.checkpoint.load import load_weights
    from ppocr_lite.engine.components import build_components
    from ppocr_lite.validate import check_config

    paddle.set_device("cpu")
    parts = build_components(cfg, check_config(cfg, "check", sections=(), optional=()))
    load_weights(parts.model, weights)
    with paddle.no_grad():
        probs = [
            parts.model(paddle.to_tensor(inputs[i : i + 50])).numpy()
            for i in range(0, len(inputs), 50)
        ]
    import numpy as np

    probs = np.concatenate(probs)
    return probs, [text for text, _ in parts.postprocess(probs)]


def preprocess(cfg: dict[str, Any], images: list[bytes]) -> Any:
    """The Eval transforms of ``cfg`` (ppocr_lite's implementation) on every image."""
    import numpy as np

    from ppocr_lite.data.transforms import apply_transforms
    from ppocr_lite.deploy.files import inference_ops
    from ppocr_lite.engine.components import build_components
    from ppocr_lite.validate import check_config

    parts = build_components(cfg, check_config(cfg, "check", sections=(), optional=()))
    ops = inference_ops(cfg, parts.charset, parts.gcfg)
    return np.stack([apply_transforms({"image": raw, "label": ""}, ops)["image"] for raw in images])


def tool_results(
    python: str, cwd: Path, cfg_path: Path, weights: Path, folder: Path, out: Path, *extra: str
) -> dict[str, tuple[str, float]]:
    """``tools/infer_rec.py`` of one side over a folder: {file name: (text, score)}."""
    opts = [
        f"Global.checkpoints={weights}",
        f"Global.infer_img={folder}",
        f"Global.save_res_path={out}",
        *extra,
    ]
    cmd = [python, "tools/infer_rec.py", "-c", str(cfg_path), "-o", *opts]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SystemExit(f"{cwd / 'tools/infer_rec.py'} failed:\n{proc.stderr[-4000:]}")
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if line]
    return {Path(row[0]).name: (row[1], float(row[2])) for row in rows}


def resize_op(cfg: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    """The Eval section's resize op: its index, name and arguments."""
    ops = cfg["Eval"]["dataset"]["transforms"]
    return next((i, n, op[n]) for i, op in enumerate(ops) for n in op if n.endswith("ResizeImg"))


def tool_agreement(
    mode: str, ours: dict[str, tuple[str, float]], theirs: dict[str, tuple[str, float]],
    wide: set[str],
) -> dict[str, Any]:  # fmt: skip
    """Per-image agreement of the two infer_rec.py outputs (score: within 1e-5)."""
    same_text = {k for k in ours if ours[k][0] == theirs.get(k, ("\0",))[0]}
    same = {k for k in same_text if abs(ours[k][1] - theirs[k][1]) <= 1e-5}
    diffs = [abs(ours[k][1] - theirs[k][1]) for k in ours if k in theirs]
    return {
        f"tool_{mode}_text": len(same_text),
        f"tool_{mode}_text_score": len(same),
        f"tool_{mode}_text_score_wide": len(same & wide),
        f"tool_{mode}_max_score_diff": float(max(diffs, default=float("nan"))),
    }


def compare(
    name: str, a: tuple[Any, list[str]], b: tuple[Any, list[str]], labels: list[str]
) -> dict[str, Any]:
    import numpy as np

    (pa, ta), (pb, tb) = a, b
    return {
        "check": name,
        "images": len(ta),
        "identical_strings": sum(x == y for x, y in zip(ta, tb, strict=True)),
        "max_abs_prob_diff": float(np.abs(pa - pb).max()),
        "argmax_agreement": float((pa.argmax(-1) == pb.argmax(-1)).mean()),
        "non_empty": sum(bool(t) for t in ta),
        "accuracy_vs_labels": sum(t == lab for t, lab in zip(ta, labels, strict=True)) / len(ta),
    }


def lite_init(cfg: dict[str, Any], inputs: Any, prefix: Path) -> None:
    """ppocr_lite's model of the YAML, fixed-seed decisive initialisation, saved."""
    import paddle

    from ppocr_lite.engine.components import build_components
    from ppocr_lite.validate import check_config

    paddle.set_device("cpu")
    paddle.seed(0)
    parts = build_components(cfg, check_config(cfg, "check", sections=(), optional=()))
    make_decisive(parts.model, inputs[:16])
    paddle.save(parts.model.state_dict(), f"{prefix}.pdparams")


def make_weights(kind: str, source: str, ctx: dict[str, Any], out: Path) -> tuple[Path, float]:
    """A checkpoint made by ``source`` (paddleocr / ppocr_lite): trained or decisive-initialised."""
    start = time.time()
    if kind == "trained":
        python, cwd = (
            (ctx["ref"], ctx["ref_dir"]) if source == "paddleocr" else (sys.executable, ROOT)
        )
        train(python, cwd, ctx["cfg_path"], out)
        return out / "latest", time.time() - start
    out.mkdir(parents=True, exist_ok=True)
    if source == "paddleocr":
        job = {"kind": "init", "config": str(ctx["cfg_path"]), "inputs": str(ctx["np_path"]),
               "weights": str(out / "init")}  # fmt: skip
        run_ref(job, ctx["work"])
    else:
        lite_init(ctx["cfg"], ctx["inputs"], out / "init")
    return out / "init", time.time() - start


def check_model(
    model: str, work: Path, data: dict[str, Any], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Both directions for one model, for trained and decisive checkpoints; returns the figures."""
    import numpy as np
    import yaml

    ref = ref_python()
    probe = "import json, os, paddleocr; print(json.dumps(os.path.dirname(paddleocr.__file__)))"
    found = subprocess.run([ref, "-c", probe], capture_output=True, text=True, check=True)
    cfg = paddleocr_config(model, data, args)
    cfg_path = work / f"{model}.yml"
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    inputs = preprocess(cfg, data["val_images"])
    np.save(work / f"{model}_inputs.npy", inputs)
    ctx = {"ref": ref, "ref_dir": Path(json.loads(found.stdout.strip().splitlines()[-1])),
           "cfg": cfg, "cfg_path": cfg_path, "inputs": inputs,
           "np_path": work / f"{model}_inputs.npy", "work": work,
           "skip_tools": args.skip_tools}  # fmt: skip
    figures = []
    for kind in args.kinds:
        if kind == "trained" and model in UNTRAINED:
            print(f"{model}: trained checkpoints not made here (multi-scale sampler)")
            continue
        for source in ("paddleocr", "ppocr_lite"):
            weights, seconds = make_weights(kind, source, ctx, work / f"{model}_{kind}_{source}")
            figures.append(
                compare_sides(model, kind, source, weights, ctx, data)
                | {"make_seconds": round(seconds, 1)}
            )
            print(json.dumps(figures[-1], ensure_ascii=False), flush=True)
    return figures


def compare_sides(
    model: str, kind: str, source: str, weights: Path, ctx: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    """Both tools on the same checkpoint: tensors first, then each tool's infer_rec.py."""
    import numpy as np

    work = ctx["work"]
    ours = lite_predict(ctx["cfg"], weights, ctx["inputs"])
    job = {"kind": "predict", "config": str(ctx["cfg_path"]), "weights": str(weights),
           "inputs": str(ctx["np_path"]), "out_probs": str(work / "ref_probs.npy"),
           "out_texts": str(work / "ref_texts.json")}  # fmt: skip
    run_ref(job, work)
    theirs = (
        np.load(work / "ref_probs.npy"),
        json.loads((work / "ref_texts.json").read_text("utf-8")),
    )
    target = "ppocr_lite" if source == "paddleocr" else "paddleocr"
    row = compare(f"{model} {kind}: {source} -> {target}", ours, theirs, data["val_labels"])
    return row if ctx["skip_tools"] else row | compare_tools(weights, ctx, data)


def compare_tools(weights: Path, ctx: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Each side's ``tools/infer_rec.py`` on the folder, as each runs by default."""
    work, folder = ctx["work"], data["val_dir"]
    ref_tool = tool_results(
        ctx["ref"], ctx["ref_dir"], ctx["cfg_path"], weights, folder, work / "ref_res.txt"
    )
    index, name, resize = resize_op(ctx["cfg"])
    _, height, width = resize["image_shape"]
    wide = {k for k, ratio in data["ratios"].items() if ratio > width / height}
    row = {"tool_images": len(data["ratios"]), "tool_wider_than_trained": len(wide)}
    ours = tool_results(sys.executable, ROOT, ctx["cfg_path"], weights, folder, work / "lite.txt")
    return row | tool_agreement("infer_rec", ours, ref_tool, wide)


def prepare_data(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Training subset and validation images (LMDB and files) under ``work``."""
    write_subset(DATA / "train_lmdb", work / "train", args.train_samples)
    val = write_subset(DATA / "val_lmdb", work / "val", args.images)
    folder = work / "val_images"
    folder.mkdir()
    for i, (raw, _) in enumerate(val):
        (folder / f"{i:04d}.jpg").write_bytes(raw)
    write_wide_lines(folder, [raw for raw, _ in val], args.wide)
    return {"train": work / "train", "val": work / "val", "val_dir": folder,
            "val_images": [raw for raw, _ in val], "val_labels": [lab for _, lab in val],
            "ratios": image_ratios(folder)}  # fmt: skip


def write_wide_lines(folder: Path, images: list[bytes], n: int) -> None:
    """``n`` long lines for the folder: line i and line i+1 side by side (one height), as PNG."""
    import cv2
    import numpy as np

    decoded = [cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR) for raw in images]
    for i in range(min(n, len(decoded) - 1)):
        left, right = decoded[i], decoded[i + 1]
        height = left.shape[0]
        width = max(1, round(right.shape[1] * height / right.shape[0]))
        joined = np.concatenate([left, cv2.resize(right, (width, height))], axis=1)
        cv2.imwrite(str(folder / f"wide_{i:04d}.png"), joined)


def image_ratios(folder: Path) -> dict[str, float]:
    """{file name: width / height} of the images in ``folder``."""
    import cv2

    shapes = {p.name: cv2.imread(str(p)).shape for p in sorted(folder.iterdir())}
    return {name: shape[1] / shape[0] for name, shape in shapes.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref-worker", help=argparse.SUPPRESS)
    parser.add_argument("--dump-names", type=Path, help="write PaddleOCR's names/shapes here")
    parser.add_argument("--ref-src", type=Path, default=REF_SRC)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=sorted(MODELS))
    parser.add_argument("--images", type=int, default=200, help="validation lines compared")
    parser.add_argument("--wide", type=int, default=10, help="two-line-wide images for infer_rec")
    parser.add_argument("--skip-tools", action="store_true", help="same tensors only, no infer_rec")
    parser.add_argument("--train-samples", type=int, default=1600)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    parser.add_argument(
        "--kinds", nargs="+", choices=("trained", "decisive"), default=["trained", "decisive"]
    )
    args = parser.parse_args()
    if args.ref_worker:
        ref_worker(args.ref_worker)
        return
    if args.dump_names:
        dump_names(args.dump_names, args.ref_src)
        return
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = prepare_data(work, args)
        figures = [row for model in args.models for row in check_model(model, work, data, args)]
    ok = all(row["identical_strings"] == row["images"] for row in figures)
    print(("PASS" if ok else "FAIL") + ": identical strings on the same tensors, both ways")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
