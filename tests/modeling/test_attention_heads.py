"""MultiHead (CTC + SAR / NRTR guide) and PARSeq: vocabularies, shapes, names, losses, decoding."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.charset import Charset
from ppocr_lite.checkpoint.head_transfer import head_classes
from ppocr_lite.checkpoint.load import check_head_size
from ppocr_lite.data.batch import Batch
from ppocr_lite.data.transforms.label_encode_attn import (
    MultiLabelEncode,
    NRTRLabelEncode,
    ParseQLabelEncode,
    SARLabelEncode,
)
from ppocr_lite.engine.evaluator import target_texts
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling import build_model, count_parameters
from ppocr_lite.modeling.heads.output import MultiHeadOutput, ParseQOutput
from ppocr_lite.modeling.heads.parseq_head import generate_perms, perm_masks
from ppocr_lite.postprocess.parseq_decode import ParseQLabelDecode
from ppocr_lite.registry import LOSSES
from ppocr_lite.tokens import nrtr_tokens, parseq_tokens, sar_tokens

ROOT = Path(__file__).resolve().parents[2]
CS = Charset(tuple("abcdeđệ "))
TEXTS = ["abc", "đệ a", "e", "bbbbb"]
SMALL_CTC = {"Neck": {"name": "svtr", "dims": 16, "depth": 1, "hidden_dims": 16}, "Head": {}}
SMALL_BACKBONE = {"name": "MobileNetV3", "scale": 0.35, "model_name": "small",
                  "small_stride": [1, 2, 2, 2]}  # fmt: skip
GUIDES = {
    "SARHead": ({"enc_dim": 32, "d_k": 16}, None, "label_sar", "SARLoss"),
    "NRTRHead": (
        {"nrtr_dim": 32, "num_decoder_layers": 1},
        "NRTRLabelEncode",
        "label_gtc",
        "NRTRLoss",
    ),  # fmt: skip
}
PARSEQ = {
    "Backbone": {
        "name": "ViTParseQ",
        "img_size": [32, 64],
        "patch_size": [8, 8],
        "embed_dim": 32,
        "depth": 1,
        "num_heads": 2,
    },  # fmt: skip
    "Head": {"name": "ParseQHead", "max_text_length": 8, "dec_num_heads": 2},
}


def multihead(guide: str) -> dict[str, Any]:
    args = GUIDES[guide][0]
    head = {"name": "MultiHead", "head_list": [{"CTCHead": SMALL_CTC}, {guide: args}]}
    return {"Backbone": SMALL_BACKBONE, "Head": head}


def encoded_batch(encode: Any, keys: list[str], shape: tuple[int, int]) -> Batch:
    samples = [encode({"label": t, "image": None}) for t in TEXTS]
    fields = {k: paddle.to_tensor(np.stack([s[k] for s in samples])) for k in keys}
    fields["image"] = paddle.uniform([len(TEXTS), 3, *shape], min=-1, max=1)
    fields["valid_ratio"] = paddle.to_tensor([1.0, 0.6, 0.3, 0.9])
    return Batch(fields)


# -- vocabularies and label encoding ------------------------------------------------------------
def test_layouts_follow_paddleocr_and_differ_only_by_the_dictionary_size() -> None:
    n = 10
    sar, nrtr, parseq = sar_tokens(n), nrtr_tokens(n), parseq_tokens(n)
    assert (sar.offset, sar.bos, sar.eos, sar.pad, sar.num_embeddings, sar.num_outputs) == (
        0, 11, 11, 12, 13, 12)  # fmt: skip
    assert (nrtr.offset, nrtr.bos, nrtr.eos, nrtr.pad, nrtr.num_outputs) == (4, 2, 3, 0, 15)
    assert (parseq.offset, parseq.bos, parseq.eos, parseq.pad) == (1, 11, 0, 12)
    assert (parseq.num_embeddings, parseq.num_outputs) == (13, 11)


@pytest.mark.parametrize("cls", [SARLabelEncode, NRTRLabelEncode, ParseQLabelEncode])
def test_sequence_encoders_round_trip_and_keep_full_length_labels(cls: Any) -> None:
    enc = cls(CS, max_text_length=5)
    for text in TEXTS:
        out = enc({"label": text})
        row = out["label"]
        assert row.shape == (7,) and row[0] == enc.layout.bos and out["text"] == text
        assert int(out["length"]) == len(text)
        assert CS.decode(enc.layout.chars_of(row, has_bos=True)) == text


def test_multi_label_encode_fields_and_guide_choice() -> None:
    sar = MultiLabelEncode(CS, 6)({"label": "đệ a"})
    assert set(sar) >= {"label_ctc", "label_sar", "length", "text"} and "label" not in sar
    assert CS.decode(sar["label_ctc"][:4].tolist(), offset=1) == "đệ a"
    gtc = MultiLabelEncode(CS, 6, gtc_encode="NRTRLabelEncode")({"label": "đệ a"})
    assert gtc["label_gtc"][0] == nrtr_tokens(len(CS)).bos and "label_sar" not in gtc
    with pytest.raises(ConfigError, match="gtc_encode"):
        MultiLabelEncode(CS, 6, gtc_encode="CTCLabelEncode")


# -- MultiHead ------------------------------------------------------------------------------
@pytest.mark.parametrize("guide", list(GUIDES))
def test_multihead_trains_with_its_guide_and_infers_with_ctc_only(guide: str) -> None:
    args, gtc_encode, field, loss_name = GUIDES[guide]
    paddle.seed(0)
    model = build_model(multihead(guide), len(CS) + 1)
    batch = encoded_batch(MultiLabelEncode(CS, 6, gtc_encode), ["label_ctc", field, "length"],
                          (32, 100))  # fmt: skip
    out = model(batch.image, batch)
    assert isinstance(out, MultiHeadOutput)
    guide_out, other = (out.sar, out.gtc) if guide == "SARHead" else (out.gtc, out.sar)
    assert guide_out is not None and other is None
    layout = (sar_tokens if guide == "SARHead" else nrtr_tokens)(len(CS))
    assert guide_out.shape[2] == layout.num_outputs  # sized by the same dictionary
    config = [{"CTCLoss": None}, {loss_name: None}]
    loss_fn = LOSSES.build({"name": "MultiLoss", "loss_config_list": config, "weight_2": 0.5})
    losses = loss_fn(out, batch)
    assert float(losses["loss"]) == pytest.approx(
        float(losses["CTCLoss"]) + float(losses[loss_name]), rel=1e-5
    )
    losses["loss"].backward()
    model.eval()
    with paddle.no_grad():
        probs = model(batch.image)
    assert (
        isinstance(probs, paddle.Tensor) and probs.shape[0] == 4 and probs.shape[2] == len(CS) + 1
    )
    np.testing.assert_allclose(probs.sum(axis=2).numpy(), 1.0, rtol=1e-4)


def test_multihead_config_errors_name_the_key() -> None:
    arch = multihead("SARHead")
    arch["Head"]["head_list"] = [{"CTCHead": SMALL_CTC}]
    with pytest.raises(ConfigError, match="one guide"):
        build_model(arch, 9)
    arch["Head"]["head_list"] = [{"CTCHead": SMALL_CTC}, {"SARHed": {}}]
    with pytest.raises(ConfigError, match="did you mean 'SARHead'"):
        build_model(arch, 9)
    arch["Head"]["head_list"] = [{"CTCHead": SMALL_CTC}, {"SARHead": {"enc_dims": 32}}]
    with pytest.raises(ConfigError, match="SARHead.enc_dims"):
        build_model(arch, 9)
    with pytest.raises(ConfigError, match="has no MultiHead branch"):
        LOSSES.build({"name": "MultiLoss", "loss_config_list": [{"CTCLoss": None}, {"Foo": None}]})


def test_guide_losses_ignore_padding() -> None:
    paddle.seed(0)
    label = paddle.to_tensor(SARLabelEncode(CS, 6).encode("ab")[None])  # bos a b eos pad ...
    logits = paddle.randn([1, 5, sar_tokens(len(CS)).num_outputs])
    base = float(LOSSES.build({"name": "SARLoss"})(logits, Batch({"label": label}))["loss"])
    noisy = logits.clone()
    noisy[:, 3:] = 100.0  # steps 3.. predict padding positions only
    assert float(LOSSES.build({"name": "SARLoss"})(noisy, Batch({"label": label}))["loss"]) == (
        pytest.approx(base, rel=1e-6)
    )
    label = paddle.to_tensor(NRTRLabelEncode(CS, 6).encode("ab")[None])
    logits = paddle.randn([1, 5, nrtr_tokens(len(CS)).num_outputs])
    loss = LOSSES.build({"name": "NRTRLoss"})
    base = float(loss(logits, Batch({"label": label}))["loss"])
    noisy = logits.clone()
    noisy[:, 3:] = 100.0
    assert float(loss(noisy, Batch({"label": label}))["loss"]) == pytest.approx(base, rel=1e-6)


# -- PARSeq ---------------------------------------------------------------------------------
def test_permutations_forward_then_reverse_with_null_context_eos() -> None:
    paddle.seed(0)
    perms = generate_perms(4, perm_num=6, forward=True, mirrored=True)
    assert perms.shape == (6, 6)
    assert perms[0].tolist() == [0, 1, 2, 3, 4, 5]
    assert perms[1].tolist() == [0, 5, 4, 3, 2, 1]  # EOS first: learned from an empty context
    assert (perms[:, 0] == 0).all()
    assert perms[3].tolist() == [0, *perms[2][1:5][::-1].tolist(), 5]  # mirrored pair
    assert generate_perms(1, 6, True, True).tolist() == [[0, 1, 2]]


def test_forward_order_masks_are_causal() -> None:
    content, query = perm_masks(np.arange(5))
    causal = np.triu(np.full((4, 4), -np.inf), k=1)
    np.testing.assert_array_equal(content.numpy(), causal)
    np.testing.assert_array_equal(query.numpy(), causal)  # query i sees BOS and chars < i


@pytest.mark.parametrize("decode_ar", [True, False])
def test_parseq_shapes_loss_and_decoding(decode_ar: bool) -> None:
    paddle.seed(0)
    post = ParseQLabelDecode(CS)
    arch = copy.deepcopy(PARSEQ)
    arch["Head"]["decode_ar"] = decode_ar
    model = build_model(arch, post.num_classes)
    batch = encoded_batch(ParseQLabelEncode(CS, 8), ["label", "length"], (32, 64))
    out = model(batch.image, batch)
    assert isinstance(out, ParseQOutput)
    assert len(out.logits_list) == 6 and out.predict.shape == [4, 6, len(CS) + 1]
    loss = LOSSES.build({"name": "ParseQLoss"})(out, batch)["loss"]
    assert np.isfinite(float(loss))
    loss.backward()
    model.eval()
    with paddle.no_grad():
        probs = model(batch.image)
    assert probs.shape == [4, 9, post.num_classes]  # max_text_length + 1 steps, fixed
    assert all(isinstance(text, str) for text, _ in post(probs.numpy()))
    assert post.target_texts(batch) == TEXTS
    assert target_texts(batch, post) == TEXTS  # the evaluator uses the decoder's targets


def test_parseq_decode_stops_at_the_first_eos() -> None:
    post = ParseQLabelDecode(CS)
    eos, a, b = 0, 1 + CS.index["a"], 1 + CS.index["b"]
    probs = np.full((1, 5, post.num_classes), 0.0, dtype=np.float32)
    for t, i in enumerate([a, b, eos, a, a]):
        probs[0, t, i] = 0.8
    ((text, conf),) = post(probs)
    assert text == "ab" and conf == pytest.approx(0.8)


# -- names, sizes and checkpoints -----------------------------------------------------------
PPOCRV3 = {
    "Backbone": {
        "name": "MobileNetV1Enhance",
        "scale": 0.5,
        "last_conv_stride": [1, 2],
        "last_pool_type": "avg",
        "last_pool_kernel_size": [2, 2],
    },  # fmt: skip
    "Head": {
        "name": "MultiHead",
        "head_list": [
            {
                "CTCHead": {
                    "Neck": {
                        "name": "svtr",
                        "dims": 64,
                        "depth": 2,
                        "hidden_dims": 120,
                        "use_guide": True,
                    },
                    "Head": {"fc_decay": 1e-5},
                }
            },  # fmt: skip
            {"SARHead": {"enc_dim": 512, "max_text_length": 25}},
        ],
    },
}


def test_ppocrv3_multihead_matches_paddleocr_names_and_count() -> None:
    # Measured with PaddleOCR (f7439b4) building en_PP-OCRv3_rec.yml's Architecture with a
    # 218-class CTC head: 13,963,078 trainable parameters, SAR embedding 220 and classifier 219.
    model = build_model(PPOCRV3, 218)
    assert count_parameters(model) == 13_963_078
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert shapes["head.ctc_head.fc.weight"] == [64, 218]
    assert shapes["head.ctc_encoder.encoder.svtr_block.0.mixer.qkv.weight"] == [120, 360]
    assert shapes["head.sar_head.encoder.rnn_encoder.weight_ih_l0"] == [2048, 512]
    assert shapes["head.sar_head.decoder.conv3x3_1.weight"] == [512, 512, 3, 3]
    assert shapes["head.sar_head.decoder.embedding.weight"] == [220, 512]
    assert shapes["head.sar_head.decoder.prediction.weight"] == [1536, 219]
    assert head_classes(model.state_dict()) == 218


def test_checkpoint_of_another_dictionary_is_refused_with_both_sizes() -> None:
    small, large = build_model(multihead("NRTRHead"), 9), build_model(multihead("NRTRHead"), 12)
    with pytest.raises(ConfigError, match="12 classes but the dictionary gives 9"):
        check_head_size(large.state_dict(), small, "ckpt")
    post = ParseQLabelDecode(CS)
    parseq = build_model(PARSEQ, post.num_classes)
    other = build_model(PARSEQ, post.num_classes + 3)
    with pytest.raises(ConfigError, match=f"{post.num_classes + 3} classes but the dictionary"):
        check_head_size(other.state_dict(), parseq, "ckpt")


@pytest.mark.parametrize(
    "name", ["svtr_lcnet_multihead", "parseq", "vi_svtr_lcnet_multihead", "vi_parseq"]
)
def test_shipped_configs_build_and_infer(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ppocr_lite.config.load import load_config
    from ppocr_lite.config.overrides import apply_overrides
    from ppocr_lite.config.resolve import input_shape
    from ppocr_lite.engine.components import build_components
    from ppocr_lite.validate import check_config

    monkeypatch.chdir(ROOT)
    opts = ["Global.use_gpu=false", "Train.dataset.data_dir=demo_data/vi_demo/train",
            "Eval.dataset.data_dir=demo_data/vi_demo/val"]  # fmt: skip
    cfg = apply_overrides(load_config(ROOT / "configs" / "rec" / f"{name}.yml"), opts)
    parts = build_components(cfg, check_config(cfg, name))
    parts.model.eval()
    with paddle.no_grad():
        probs = parts.model(paddle.zeros([1, *input_shape(cfg)]))
    assert isinstance(probs, paddle.Tensor)
    assert probs.shape[2] == parts.postprocess.num_classes == len(parts.charset) + 1
