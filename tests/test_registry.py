from __future__ import annotations

import subprocess
import sys

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


def test_the_package_imports_no_paddle_until_a_model_part_is_looked_up() -> None:
    """Registries import their components on first lookup: config, transforms and post-process
    (and the onnxruntime backend) work without Paddle."""
    code = (
        "import sys, ppocr_lite, ppocr_lite.cli, ppocr_lite.deploy.onnx_backend\n"
        "from ppocr_lite.registry import HEADS, POSTPROCESSES, TRANSFORMS\n"
        "assert 'RecResizeImg' in TRANSFORMS and 'CTCLabelDecode' in POSTPROCESSES\n"
        "assert 'paddle' not in sys.modules, 'paddle imported'\n"
        "assert 'CTCHead' in HEADS\n"
        "assert 'paddle' in sys.modules\n"
        "from ppocr_lite import TextRecognizer\n"
        "print(TextRecognizer.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "TextRecognizer"
