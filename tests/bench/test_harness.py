"""bench/run.py's log parsing, targets, table and CPU-peak logic on canned lines (no timing, no data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.harness import logs
from bench.harness.report import Figure, Target, cpu_peak, format_table
from ppocr_lite.checkpoint.files import checkpoint_exists, read_state
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.components import build_components

ROOT = Path(__file__).resolve().parents[2]

LITE_LINES = [
    "[2026/11/22 07:18:26] INFO: model: SVTR, params: 4207796, classes: 244",
    "[2026/11/22 07:18:32] INFO: epoch: [1/20], global_step: 4, lr: 0.000002, loss: 114.60036, "
    "acc: 0.0000, norm_edit_dis: 0.0180, avg_reader_cost: 0.00375 s, avg_batch_cost: 4.25515 s, "
    "avg_samples: 64.0, ips: 15.04 samples/s, eta: 7:22:15",
    "[2026/11/22 07:18:38] INFO: epoch: [1/20], global_step: 8, lr: 0.000004, loss: 115.02941, "
    "acc: 0.0000, norm_edit_dis: 0.0151, avg_reader_cost: 0.00316 s, avg_batch_cost: 2.97546 s, "
    "avg_samples: 64.0, ips: 21.51 samples/s, eta: 5:09:09",
    "[2026/11/22 07:18:44] INFO: epoch: [1/20], global_step: 12, lr: 0.000006, loss: 115.3, "
    "acc: 0.0000, norm_edit_dis: 0.0145, avg_reader_cost: 0.00128 s, avg_batch_cost: 2.91886 s, "
    "avg_samples: 64.0, ips: 21.93 samples/s, eta: 5:03:10, skipped: unknown_char=1",
    "[2026/11/22 07:19:00] INFO: cur metric, acc: 0.0125, norm_edit_dis: 0.4321, cer: 0.6, "
    "fps: 512.3",
]
PADDLEOCR_LINES = [
    "[2026/11/22 07:15:28] ppocr INFO: train dataloader has 312 iters",
    "[2026/11/22 07:15:34] ppocr INFO: epoch: [1/20], global_step: 2, lr: 0.002000, loss: "
    "110.066525, avg_reader_cost: 0.27246 s, avg_batch_cost: 3.10320 s, avg_samples: 64.0, "
    "ips: 20.62388 samples/s, eta: 5:22:37",
    "[2026/11/22 07:15:38] ppocr INFO: epoch: [1/20], global_step: 4, lr: 0.002000, loss: "
    "108.317482, avg_reader_cost: 0.00242 s, avg_batch_cost: 2.08954 s, avg_samples: 64.0, "
    "ips: 30.62870 samples/s, eta: 4:29:50",
    "[2026/11/22 07:16:10] ppocr INFO: cur metric, acc: 0.009999990000010001, "
    "norm_edit_dis: 0.40155555, fps: 301.7789",
    "[2026/11/22 07:16:10] ppocr INFO: best metric, acc: 0.00999999, is_float16: False",
]


def test_train_windows_of_both_tools() -> None:
    lite = logs.train_windows(LITE_LINES)
    assert [w.step for w in lite] == [4, 8, 12]
    assert lite[1] == logs.TrainWindow(8, 0.00316, 2.97546, 21.51)
    ref = logs.train_windows(PADDLEOCR_LINES)
    assert [(w.step, w.ips) for w in ref] == [(2, 20.62388), (4, 30.6287)]
    assert logs.last_step(LITE_LINES) == 12
    assert logs.last_step(PADDLEOCR_LINES[:2]) == 2
    assert logs.last_step(["no training line"]) == 0


def test_steady_state_drops_warmup_and_takes_medians() -> None:
    steady = logs.steady_state(logs.train_windows(LITE_LINES), skip=1)
    assert steady["ips"] == pytest.approx((21.51 + 21.93) / 2)
    assert steady["avg_batch_cost"] == pytest.approx((2.97546 + 2.91886) / 2)
    assert steady["windows"] == 2
    with pytest.raises(ValueError, match="no training log window after the 3 warm-up"):
        logs.steady_state(logs.train_windows(LITE_LINES), skip=3)


def test_eval_metrics_of_both_tools() -> None:
    (lite,) = logs.eval_metrics(LITE_LINES)
    assert lite == {"acc": 0.0125, "norm_edit_dis": 0.4321, "cer": 0.6, "fps": 512.3}
    (ref,) = logs.eval_metrics(PADDLEOCR_LINES)  # the "best metric" line is not a result
    assert ref["norm_edit_dis"] == pytest.approx(0.40155555)
    assert ref["acc"] == pytest.approx(0.01)


def test_targets_ratios_and_table() -> None:
    faster = Figure("train IPS", "SVTR-Tiny", 12.0, 5.0, Target("ratio_min", 2.0))
    slower = Figure("train IPS", "CRNN-MV3", 30.0, 28.0, Target("ratio_min", 1.2))
    memory = Figure("peak RSS MB", "CRNN-MV3", 900.0, 1000.0, Target("ratio_max", 1.0))
    accuracy = Figure("norm_edit_dis", "CRNN-MV3", 0.41, 0.44, Target("diff_min", -0.02))
    alone = Figure("eval images/s", "CRNN-MV3", 100.0)
    assert faster.ratio == pytest.approx(2.4) and faster.met is True
    assert slower.met is False
    assert memory.ratio == pytest.approx(0.9) and memory.met is True
    assert accuracy.ratio == pytest.approx(-0.03) and accuracy.met is False
    assert alone.ratio is None and alone.met is None
    table = format_table([faster, slower, memory, accuracy, alone]).splitlines()
    assert table[0].split() == ["figure", "ppocr_lite", "PaddleOCR", "ratio", "target", "met?"]
    assert table[2].endswith("yes") and "2.40x" in table[2] and ">= 2x" in table[2]
    assert table[3].endswith("NO")
    assert "-0.0300" in table[5] and "diff >= -0.02" in table[5]
    assert table[6].split()[-4:] == ["100", "-", "-", "-"]  # no PaddleOCR, ratio, target
    row = json.loads(json.dumps(accuracy.to_dict()))
    assert row["met"] is False and row["target"] == "diff >= -0.02"


def test_cpu_peak_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\ncpu MHz\t\t: 2500.000\nflags\t\t: fpu sse avx2 fma avx512f\n",
        encoding="utf-8",
    )
    peak = cpu_peak(fma_units=2, cpuinfo=str(info))
    assert peak.flops_per_cycle == 64 and peak.ghz == pytest.approx(2.5)
    assert peak.gflops == pytest.approx(peak.cores * 2.5 * 64)
    assert "AVX-512" in peak.assumption
    info.write_text("cpu MHz\t: 3000\nflags\t: sse avx2 fma\n", encoding="utf-8")
    assert cpu_peak(1, str(info)).flops_per_cycle == 16


@pytest.mark.parametrize("name", ["svtr_tiny_bench.yml", "crnn_mv3_bench.yml"])
def test_bench_configs_are_accepted_unchanged(name: str) -> None:
    cfg = load_config(ROOT / "bench" / "configs" / name)
    dict_path = ROOT / "ppocr_lite" / "utils" / "dict" / "vi_dict.txt"
    cfg = apply_overrides(cfg, [f"Global.character_dict_path={dict_path}"])
    components = build_components(cfg, parse_global(cfg["Global"]))
    assert components.model is not None
    assert cfg["Train"]["loader"]["batch_size_per_card"] == 64
    assert any("RecAug" in op for op in cfg["Train"]["dataset"]["transforms"])


def test_run_refuses_missing_data(tmp_path: Path) -> None:
    from bench import run

    message = run.check_data(str(tmp_path))
    assert message is not None and "--data" in message and "train_lmdb" in message
    assert run.main(["--data", str(tmp_path)]) == 2


def test_sections_select_the_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from bench import run

    recipes = run.recipes  # run.py imports the harness as a top-level package
    assert run.parse_args(["--sections", "infer"]).sections == ["infer"]
    assert run.parse_args([]).sections == list(run.SECTIONS)
    with pytest.raises(SystemExit):
        run.parse_args(["--sections", "speed"])
    called: list[str] = []
    for name in ("pipeline", "training", "evaluation", "inference", "parity"):
        monkeypatch.setattr(recipes, name, lambda *a, _n=name: called.append(_n) or [])
    opts = SimpleNamespace(sections=["infer", "parity"], models=["CRNN-MV3"], parity_steps=10)
    run.measure(SimpleNamespace(opts=opts), 10, "folder", 5)
    assert called == ["inference", "parity"]


def test_whole_process_tools_get_their_own_round_count() -> None:
    from bench import run

    recipes = run.recipes
    opts = run.parse_args(["--rounds", "2"])
    assert opts.tool_rounds == 3 and run.parse_args(["--quick"]).tool_rounds == 1
    bench = recipes.Bench(["lite", "ref"], "data", "work", opts)  # type: ignore[list-item]
    assert bench.rounds() == [["lite", "ref"], ["ref", "lite"]]
    assert bench.rounds(opts.tool_rounds)[2] == ["lite", "ref"]


def test_initial_checkpoint_loads(tmp_path: Path) -> None:
    from bench.initial_checkpoint import initial_checkpoint

    from ..conftest import SMALL_CONFIG, VI_DICT

    prefix = initial_checkpoint(SMALL_CONFIG, tmp_path, [f"Global.character_dict_path={VI_DICT}"])
    assert prefix == tmp_path / "latest" and (tmp_path / "latest.pdparams").is_file()
    assert checkpoint_exists(prefix)  # complete and its digests match
    assert read_state(prefix).global_step == 0
