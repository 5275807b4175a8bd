from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppocr_lite.charset import Charset
from ppocr_lite.data.transforms.label_encode import CTCLabelEncode
from ppocr_lite.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]
VI = Charset.from_config(str(ROOT / "ppocr_lite/utils/dict/vi_dict.txt"), use_space_char=True)


def test_vi_dict_covers_every_vietnamese_letter_and_tone() -> None:
    bases = "aăâeêioôơuưy"
    for base in bases + bases.upper():
        for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"):
            assert unicodedata.normalize("NFC", base + tone) in VI.index
    for ch in "đĐ0123456789.,:;!?()-/%":
        assert ch in VI.index
    assert VI.chars[-1] == " "


def test_default_charset_lowercases() -> None:
    cs = Charset.from_config(None)
    assert cs.prepare("ABC") == "abc" and len(cs) == 36


def test_missing_dict_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Charset.from_config(str(tmp_path / "nope.txt"))


def test_encode_nfc_normalizes_decomposed_input() -> None:
    enc = CTCLabelEncode(VI, max_text_length=10)
    decomposed = unicodedata.normalize("NFD", "Việt")
    out = enc({"label": decomposed})
    assert out["text"] == "Việt" and int(out["length"]) == 4
    assert out["label"].shape == (10,) and out["label"][4:].sum() == 0
    assert out["label"].min() >= 0 and (out["label"][:4] >= 1).all()  # 0 is the blank


@pytest.mark.parametrize(
    ("label", "reason"),
    [("", "empty_label"), ("x" * 11, "label_too_long"), ("日本", "unknown_char")],
)
def test_bad_labels_raise_with_reason(label: str, reason: str) -> None:
    with pytest.raises(DataError) as info:
        CTCLabelEncode(VI, max_text_length=10)({"label": label})
    assert info.value.reason == reason


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(VI.chars), min_size=1, max_size=25))
def test_roundtrip_any_dictionary_string(text: str) -> None:
    out = CTCLabelEncode(VI, max_text_length=25)({"label": text})
    ids = out["label"][: int(out["length"])]
    assert VI.decode(ids.tolist(), offset=1) == unicodedata.normalize("NFC", text)
    assert isinstance(out["label"], np.ndarray)
