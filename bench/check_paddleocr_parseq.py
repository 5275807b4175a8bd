"""PARSeq: ppocr_lite computes what PaddleOCR 2.9.1 computes, on PaddleOCR's own weights.

PaddleOCR builds and initialises its ``ViTParseQ`` + ``ParseQHead`` model; ppocr_lite loads that
``.pdparams`` unchanged and both run the same images, labels and permutations (PaddleOCR's
random permutation draw is replaced by ours). Compared: the probabilities of left-to-right
decoding with cloze refinement and of non-autoregressive decoding, the teacher-forced logits of
every permutation, the loss, and the gradient of every parameter.

PaddleOCR runs in a subprocess of the reference interpreter (``PPOCR_REF_PYTHON``); ppocr_lite
never imports it. Two of its PARSeq code paths fail on Paddle 3 on a CPU, so the reference job
patches them (and only them) around the call: its refinement step moves a mask with
``Tensor.cuda()`` unconditionally, and its training step indexes ``paddle.max(...)`` as a
1-element tensor, which Paddle 3 returns as 0-d. Neither patch changes a value.

    PPOCR_REF_PYTHON=/work/ref_venv/bin/python python bench/check_paddleocr_parseq.py
    PPOCR_REF_PYTHON=... python bench/check_paddleocr_parseq.py --size tiny \\
        --dump tests/data/paddleocr_parseq_reference.npz     # the reference the tests use
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_paddleocr_interchange import ROOT, _ref_import_path, run_ref  # noqa: E402

# Architecture sizes: "tiny" is small enough to keep as test data (two decoder layers, so the
# content stream's refinement mask matters); "reduced" is the size trained in the notes.
SIZES = {
    "tiny": {"embed": 32, "depth": 1, "heads": 2, "dec_heads": 2, "dec_depth": 2, "chars": 12},
    "reduced": {"embed": 192, "depth": 6, "heads": 3, "dec_heads": 6, "dec_depth": 1, "chars": 243},
}
LENGTHS = [5, 9, 3, 7]  # label lengths of the 4 lines; the longest sets the permutations


def architecture(size: dict[str, int]) -> dict[str, Any]:
    """The PaddleOCR-format ``Architecture`` block of one size (dropout 0: deterministic)."""
    return {
        "model_type": "rec",
        "algorithm": "ParseQ",
        "in_channels": 3,
        "Transform": None,
        "Backbone": {
            "name": "ViTParseQ",
            "img_size": [32, 128],
            "patch_size": [4, 8],
            "embed_dim": size["embed"],
            "depth": size["depth"],
            "num_heads": size["heads"],
            "mlp_ratio": 4,
        },
        "Head": {
            "name": "ParseQHead",
            "max_text_length": 25,
            "embed_dim": size["embed"],
            "dec_num_heads": size["dec_heads"],
            "dec_mlp_ratio": 4,
            "dec_depth": size["dec_depth"],
            "perm_num": 6,
            "perm_forward": True,
            "perm_mirrored": True,
            "dropout": 0.0,
            "decode_ar": True,
            "refine_iters": 1,
        },
    }


def make_inputs(size: dict[str, int], path: Path) -> None:
    """Random images, PARSeq labels (BOS, chars, EOS, padding) and one set of permutations."""
    import numpy as np
    import paddle

    from ppocr_lite.modeling.heads.parseq_head import generate_perms
    from ppocr_lite.tokens import parseq_tokens

    tokens = parseq_tokens(size["chars"])
    rng = np.random.default_rng(1)
    label = np.full((len(LENGTHS), 30), tokens.pad, dtype="int64")
    for row, n in zip(label, LENGTHS, strict=True):
        row[0], row[n + 1] = tokens.bos, tokens.eos
        row[1 : n + 1] = rng.integers(tokens.offset, tokens.offset + size["chars"], n)
    paddle.seed(3)
    np.savez(
        path,
        image=(rng.integers(-4, 5, (len(LENGTHS), 3, 32, 128)) / 4).astype("float32"),  # compact
        label=label,
        length=np.array(LENGTHS, dtype="int64"),
        perms=generate_perms(max(LENGTHS), 6, True, True),
    )


# --------------------------------------------------------------------------------------------
# Reference side: runs under PPOCR_REF_PYTHON and imports PaddleOCR (``ppocr``), never ppocr_lite.


def _ref_parseq(job: dict[str, Any]) -> None:
    import numpy as np
    import paddle
    from ppocr.losses.rec_parseq_loss import ParseQLoss
    from ppocr.modeling.architectures import build_model

    paddle.set_device("cpu")
    paddle.Tensor.cuda = lambda self, *a, **k: self  # see the module docstring
    paddle.seed(0)
    arch = job["architecture"]
    arch["Head"]["out_channels"] = job["chars"] + 3  # EOS, characters, BOS, padding
    model = build_model(arch)
    data = np.load(job["inputs"])
    perms = paddle.to_tensor(data["perms"])
    model.head.gen_tgt_perms = lambda tgt: perms
    image = paddle.to_tensor(data["image"])
    label, length = paddle.to_tensor(data["label"]), paddle.to_tensor(data["length"])
    out: dict[str, Any] = {}
    model.eval()
    with paddle.no_grad():
        out["probs_ar"] = model(image)["predict"].numpy()
        model.head.decode_ar = False
        out["probs_nar"] = model(image)["predict"].numpy()
        model.head.decode_ar = True
    model.train()
    max_op = paddle.max
    paddle.max = lambda x, *a, **k: (
        max_op(x, *a, **k).reshape([1]) if not (a or k) else max_op(x, *a, **k)
    )
    try:
        preds = model(image, [label, length])
        loss = ParseQLoss()(preds, [image, label, length])["loss"]
    finally:
        paddle.max = max_op
    loss.backward()
    n = len(data["perms"])
    for i, logits in enumerate(preds["logits_list"]):
        out[f"logits_{i}"] = logits.numpy().reshape([len(label), -1, logits.shape[-1]])
    out["loss"] = loss.numpy().reshape([])
    for name, param in model.named_parameters():
        if param.grad is not None:
            out["grad/" + name] = param.grad.numpy()
    weights = {k: v.numpy() for k, v in model.state_dict().items()}
    np.savez(job["out"], num_perms=n, **out, **{"weight/" + k: v for k, v in weights.items()})


def ref_worker(job_path: str) -> None:
    """Entry point under the reference interpreter."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    _ref_import_path()
    _ref_parseq(job)


# --------------------------------------------------------------------------------------------
# ppocr_lite side.


def reference(size_name: str, work: Path) -> Path:
    """Inputs made here, the reference run there: one .npz with inputs, weights and outputs."""
    import numpy as np

    size = SIZES[size_name]
    inputs, out = work / "inputs.npz", work / "ref_out.npz"
    make_inputs(size, inputs)
    job = {"kind": "parseq", "architecture": architecture(size), "chars": size["chars"],
           "inputs": str(inputs), "out": str(out)}  # fmt: skip
    run_ref(job, work, script=__file__)
    merged = work / "reference.npz"
    arch = json.dumps(architecture(size))
    np.savez_compressed(merged, architecture=np.array(arch), chars=size["chars"],
                        **dict(np.load(inputs)), **dict(np.load(out)))  # fmt: skip
    return merged


def lite_outputs(ref: Any) -> dict[str, Any]:
    """ppocr_lite's model on PaddleOCR's weights: the same outputs as the reference job."""
    from types import SimpleNamespace

    import numpy as np
    import paddle

    from ppocr_lite.losses.parseq_loss import ParseQLoss
    from ppocr_lite.modeling import build_model
    from ppocr_lite.modeling.heads import parseq_head

    arch = json.loads(str(ref["architecture"]))
    model = build_model(arch, int(ref["chars"]) + 1)  # EOS + characters
    prefix = "weight/"
    model.set_state_dict({k[len(prefix) :]: ref[k] for k in ref.files if k.startswith(prefix)})
    image = paddle.to_tensor(ref["image"])
    out: dict[str, Any] = {}
    model.eval()
    with paddle.no_grad():
        out["probs_ar"] = model(image).numpy()
        model.head.decode_ar = False
        out["probs_nar"] = model(image).numpy()
        model.head.decode_ar = True
    model.train()
    batch = SimpleNamespace(
        label=paddle.to_tensor(ref["label"]), length=paddle.to_tensor(ref["length"])
    )
    draw = parseq_head.generate_perms
    parseq_head.generate_perms = lambda *args: np.asarray(ref["perms"])
    try:
        preds = model(image, batch)
    finally:
        parseq_head.generate_perms = draw
    loss = ParseQLoss()(preds, batch)["loss"]
    loss.backward()
    for i, logits in enumerate(preds.logits_list):
        out[f"logits_{i}"] = logits.numpy()
    out["loss"] = loss.numpy().reshape([])
    for name, param in model.named_parameters():
        if param.grad is not None:
            out["grad/" + name] = param.grad.numpy()
    return out


def compare_with_reference(path: Path) -> dict[str, float]:
    """Largest differences between ppocr_lite's and PaddleOCR's outputs (gradients: relative to
    the largest reference gradient of the parameter, as tiny gradients differ in rounding)."""
    import numpy as np

    ref = np.load(path)
    mine = lite_outputs(ref)
    want = [k for k in ref.files if k.startswith(("probs_", "logits_", "grad/")) or k == "loss"]
    missing = sorted(set(want) - set(mine))
    if missing:
        raise AssertionError(f"ppocr_lite produced no {missing}")
    diffs: dict[str, float] = {}
    for key in want:
        gap = float(np.abs(mine[key] - ref[key]).max())
        diffs[key] = (
            gap / max(float(np.abs(ref[key]).max()), 1e-3) if key.startswith("grad/") else gap
        )
    return {
        "probabilities (AR + refinement)": diffs["probs_ar"],
        "probabilities (non-autoregressive)": diffs["probs_nar"],
        "teacher-forced logits, all orders": max(
            v for k, v in diffs.items() if k.startswith("logits_")
        ),
        "loss": diffs["loss"],
        "gradients (relative), all parameters": max(
            v for k, v in diffs.items() if k.startswith("grad/")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref-worker", help=argparse.SUPPRESS)
    parser.add_argument("--size", choices=sorted(SIZES), default="reduced")
    parser.add_argument("--dump", type=Path, help="keep the reference (inputs, weights, outputs)")
    args = parser.parse_args()
    if args.ref_worker:
        ref_worker(args.ref_worker)
        return
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        ref = reference(args.size, Path(tmp))
        if args.dump:
            args.dump.write_bytes(ref.read_bytes())
            print(f"reference written to {args.dump} ({args.dump.stat().st_size} bytes)")
        diffs = compare_with_reference(ref)
    for key, value in diffs.items():
        print(f"{key:>40}: {value:.3g}")
    ok = max(diffs.values()) < 1e-4
    print(
        ("PASS" if ok else "FAIL") + f": PARSeq ({args.size}) equals PaddleOCR's (max diff < 1e-4)"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
