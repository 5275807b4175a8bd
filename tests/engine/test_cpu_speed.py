"""CPU speed settings: applied on the CPU only, never over what the user exported."""

from __future__ import annotations

import os

import paddle
import pytest

from ppocr_lite.engine import cpu_speed


@pytest.fixture
def restore_flag():
    before = paddle.get_flags([cpu_speed.STRIDE_FLAG])[cpu_speed.STRIDE_FLAG]
    yield
    paddle.set_flags({cpu_speed.STRIDE_FLAG: before})


def test_nothing_changes_on_a_gpu(restore_flag, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cpu_speed.MKL_CPU_TYPE_VAR, raising=False)
    paddle.set_flags({cpu_speed.STRIDE_FLAG: True})
    assert cpu_speed.tune_cpu_math("gpu:0") == []
    assert paddle.get_flags([cpu_speed.STRIDE_FLAG])[cpu_speed.STRIDE_FLAG] is True


def test_cpu_settings_respect_the_environment(
    restore_flag, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cpu_speed, "_cpu_vendor_and_flags", lambda: ("AuthenticAMD", {"avx2"}))
    monkeypatch.delenv(cpu_speed.MKL_CPU_TYPE_VAR, raising=False)
    monkeypatch.delenv(cpu_speed.STRIDE_FLAG, raising=False)
    paddle.set_flags({cpu_speed.STRIDE_FLAG: True})
    applied = cpu_speed.tune_cpu_math("cpu")
    assert len(applied) == 2
    assert paddle.get_flags([cpu_speed.STRIDE_FLAG])[cpu_speed.STRIDE_FLAG] is False
    # What the user exported wins: nothing is overwritten.
    monkeypatch.setenv(cpu_speed.MKL_CPU_TYPE_VAR, "4")
    monkeypatch.setenv(cpu_speed.STRIDE_FLAG, "1")
    paddle.set_flags({cpu_speed.STRIDE_FLAG: True})
    assert cpu_speed.tune_cpu_math("cpu") == []
    assert paddle.get_flags([cpu_speed.STRIDE_FLAG])[cpu_speed.STRIDE_FLAG] is True


def test_intel_cpus_keep_their_mkl_kernels(restore_flag, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_speed, "_cpu_vendor_and_flags", lambda: ("GenuineIntel", {"avx2"}))
    monkeypatch.delenv(cpu_speed.MKL_CPU_TYPE_VAR, raising=False)
    cpu_speed.tune_cpu_math("cpu")
    assert cpu_speed.MKL_CPU_TYPE_VAR not in os.environ
