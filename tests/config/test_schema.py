from __future__ import annotations

import pytest

from ppocr_lite.config.schema import parse_global
from ppocr_lite.errors import ConfigError


def test_defaults_and_eval_step_forms() -> None:
    assert parse_global({}).eval_batch_step == (0, 2000)
    assert parse_global({"eval_batch_step": 500}).eval_batch_step == (0, 500)
    assert parse_global({"eval_batch_step": [100, 50]}).eval_batch_step == (100, 50)


def test_typo_gets_closest_key() -> None:
    with pytest.raises(ConfigError, match="epoch_nun.*epoch_num"):
        parse_global({"epoch_nun": 3})


@pytest.mark.parametrize(
    ("section", "pattern"),
    [
        ({"epoch_num": "64"}, "integer"),
        ({"eval_batch_step": [0, 0]}, "interval must be > 0"),
        ({"use_gpu": "yes"}, "true or false"),
        ({"bad_sample": "ignore"}, "one of"),
        ({"max_bad_ratio": 2}, "within"),
    ],
)
def test_wrong_values(section: dict, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        parse_global(section)


def test_paddleocr_keys_warned_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    parse_global({"cal_metric_during_train": True, "infer_mode": False})
    assert "cal_metric_during_train" in caplog.text


@pytest.mark.parametrize("key", ["rm_symbol", "max_seq_len", "rec_char_dict_path", "training_step"])
def test_keys_of_other_paddleocr_algorithms_warned_not_fatal(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    # SAR / SATRN / RobustScanner, LaTeX-OCR and VisionLAN configs carry these in Global.
    cfg = parse_global({key: True, "epoch_num": 3})
    assert cfg.epoch_num == 3
    assert key in caplog.text
