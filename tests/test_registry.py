from __future__ import annotations

import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import Registry


def _registry() -> Registry:
    reg = Registry("Thing")

    @reg.register()
    class Widget:
        def __init__(self, size: int, color: str = "red") -> None:
            self.size, self.color = size, color

    @reg.register(name="Alias")
    class Other:
        def __init__(self) -> None:
            pass

    return reg


def test_build_passes_keys_and_injected_values() -> None:
    w = _registry().build({"name": "Widget", "color": "blue"}, size=3, unrelated=1)
    assert (w.size, w.color) == (3, "blue")


def test_unknown_name_lists_choices() -> None:
    with pytest.raises(KeyError, match="did you mean 'Widget'.*Alias, Widget"):
        _registry().build({"name": "Widgit"})


def test_unknown_key_names_closest() -> None:
    with pytest.raises(ConfigError, match="'X.colour'.*did you mean 'color'"):
        _registry().build({"name": "Widget", "colour": "x", "size": 1}, where="X")


def test_paddleocr_only_keys_are_warned(caplog: pytest.LogCaptureFixture) -> None:
    w = _registry().build({"name": "Widget", "size": 1, "return_attn": True})
    assert w.size == 1 and "return_attn" in caplog.text


def test_duplicate_registration_fails() -> None:
    reg = _registry()
    with pytest.raises(ValueError, match="twice"):
        reg.register(name="Widget")(object)


def test_block_not_modified() -> None:
    block = {"name": "Widget", "size": 2}
    _registry().build(block)
    assert block == {"name": "Widget", "size": 2}
