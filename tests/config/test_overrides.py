from __future__ import annotations

import pytest

from ppocr_lite.config.overrides import apply_overrides, parse_override
from ppocr_lite.errors import ConfigError

BASE = {
    "Global": {"epoch_num": 10, "use_gpu": True},
    "Train": {"dataset": {"data_dir": "a", "transforms": [{"DecodeImage": {"img_mode": "BGR"}}]}},
}


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("Global.epoch_num=5", 5),
        ("Global.lr=1e-3", 1e-3),
        ("Global.use_gpu=false", False),
        ("Global.x=[1, 2]", [1, 2]),
        ("Global.name=xin chào Việt Nam", "xin chào Việt Nam"),
        ("Global.expr=a=b=c", "a=b=c"),
        ("Global.path=output/vi_huge/latest", "output/vi_huge/latest"),
        ("Global.none=null", None),
        ("Global.empty=", ""),
    ],
)
def test_parse_typed_values(item: str, value: object) -> None:
    assert parse_override(item)[1] == value


def test_apply_returns_new_dict_and_walks_keys() -> None:
    out = apply_overrides(
        BASE,
        ["Global.epoch_num=3", "Train.dataset.data_dir=[x, y]", "Global.checkpoints=out/latest"],
    )
    assert out["Global"]["epoch_num"] == 3
    assert out["Train"]["dataset"]["data_dir"] == ["x", "y"]
    assert out["Global"]["checkpoints"] == "out/latest"
    assert BASE["Global"]["epoch_num"] == 10  # input untouched


def test_list_index_in_path() -> None:
    out = apply_overrides(BASE, ["Train.dataset.transforms.0.DecodeImage.img_mode=RGB"])
    assert out["Train"]["dataset"]["transforms"][0]["DecodeImage"]["img_mode"] == "RGB"


def test_bad_intermediate_key_names_closest() -> None:
    with pytest.raises(ConfigError, match="no key 'datset'.*dataset"):
        apply_overrides(BASE, ["Train.datset.data_dir=x"])


@pytest.mark.parametrize("item", ["Global.epoch_num", "=3", "Global..x=1"])
def test_malformed(item: str) -> None:
    with pytest.raises(ConfigError):
        parse_override(item)
