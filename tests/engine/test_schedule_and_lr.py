from __future__ import annotations

import math

import pytest

from ppocr_lite.engine import schedule
from ppocr_lite.optim.build import build_lr_fn, build_optimizer
from ppocr_lite.optim.lr import cosine, piecewise, with_warmup


def test_eval_predicate_matches_paddleocr_rule() -> None:
    hits = [s for s in range(1, 30) if schedule.should_eval(s, 10, 5)]
    assert hits == [15, 20, 25]
    assert schedule.first_eval_step(10, 5) == 15


def test_log_and_save_predicates() -> None:
    assert [s for s in range(1, 11) if schedule.should_log(s, 3)] == [3, 6, 9]
    assert not schedule.should_save_step(5, 0)
    assert schedule.should_save_epoch(4, 2) and not schedule.should_save_epoch(3, 2)


def test_is_better_breaks_ties_with_second_metric() -> None:
    best = {"acc": 0.5, "norm_edit_dis": 0.7}
    assert schedule.is_better({"acc": 0.6, "norm_edit_dis": 0.1}, best, "acc", "norm_edit_dis")
    assert schedule.is_better({"acc": 0.5, "norm_edit_dis": 0.8}, best, "acc", "norm_edit_dis")
    assert not schedule.is_better({"acc": 0.5, "norm_edit_dis": 0.7}, best, "acc", "norm_edit_dis")
    assert schedule.is_better({"acc": 0.0}, {}, "acc", None)


def test_cosine_with_warmup_shape() -> None:
    fn = with_warmup(cosine(1.0, 100), 10, 1.0)
    assert fn(0) == 0 and fn(5) == pytest.approx(0.5) and fn(10) == pytest.approx(1.0)
    assert fn(60) == pytest.approx(0.5 * (1 + math.cos(math.pi * 50 / 100)))


def test_piecewise() -> None:
    fn = piecewise([10, 20], [1.0, 0.1, 0.01])
    assert [fn(0), fn(10), fn(25)] == [1.0, 0.1, 0.01]


def test_lr_is_function_of_step_so_hot_swap_continues() -> None:
    section = {"name": "Adam", "lr": {"name": "Cosine", "learning_rate": 0.01, "warmup_epoch": 1}}
    fn = build_lr_fn(section, step_each_epoch=10, epochs=5)
    import paddle

    layer = paddle.nn.Linear(2, 2)
    bundle = build_optimizer(section, layer.parameters(), 10, 5)
    bundle.scheduler.jump_to(23)
    assert bundle.scheduler.get_lr() == pytest.approx(fn(23))
    bundle.scheduler.step()
    assert bundle.optimizer.get_lr() == pytest.approx(fn(24))


def test_one_cycle_shape_matches_the_policy() -> None:
    # PaddleOCR's PARSeq config: OneCycle with max_lr only (pct_start 0.3, div 25, final 1e4).
    fn = build_lr_fn({"name": "Adam", "lr": {"name": "OneCycle", "max_lr": 1.0}}, 10, 10)
    assert fn(0) == pytest.approx(1.0 / 25)
    assert fn(29) == pytest.approx(1.0)  # end of the rise: 0.3 * 100 - 1
    assert fn(99) == pytest.approx(1.0 / 25 / 1e4)
    assert fn(150) == pytest.approx(fn(99))  # past the end it stays at the floor
    rise = [fn(s) for s in range(30)]
    fall = [fn(s) for s in range(29, 100)]
    assert rise == sorted(rise) and fall == sorted(fall, reverse=True)
    # cosine annealing: half-way down at the middle of the fall (29 + 70 / 2 = 64)
    assert fn(64) == pytest.approx((1.0 + 1e-4 / 25) / 2)
    assert fn(40) == pytest.approx(
        1e-4 / 25 + (1.0 - 1e-4 / 25) * 0.5 * (1 + math.cos(math.pi * 11 / 70))
    )


def test_one_cycle_three_phase_and_linear() -> None:
    lr = {"name": "OneCycle", "max_lr": 1.0, "three_phase": True, "anneal_strategy": "linear"}
    fn = build_lr_fn({"name": "Adam", "lr": lr}, 10, 10)
    assert fn(29) == pytest.approx(1.0)
    assert fn(58) == pytest.approx(1.0 / 25)  # back to the start value at 2 * 0.3 * 100 - 2
    assert fn(99) == pytest.approx(1.0 / 25 / 1e4)
    assert fn(44) == pytest.approx(1.0 + (1.0 / 25 - 1.0) * (44 - 29) / (58 - 29))


def test_one_cycle_refuses_a_bad_strategy() -> None:
    from ppocr_lite.errors import ConfigError

    with pytest.raises(ConfigError, match="anneal_strategy"):
        build_lr_fn({"name": "Adam", "lr": {"name": "OneCycle", "max_lr": 1e-3,
                                            "anneal_strategy": "exp"}}, 10, 10)  # fmt: skip
