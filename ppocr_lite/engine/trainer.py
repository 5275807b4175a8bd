"""The training loop: small methods over one TrainState."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import paddle
from paddle import nn

from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.schema import GlobalConfig
from ppocr_lite.data.batch import Batch
from ppocr_lite.data.loader import TextLineLoader
from ppocr_lite.engine import distributed, schedule
from ppocr_lite.engine.amp import Amp
from ppocr_lite.engine.backend import DygraphBackend
from ppocr_lite.engine.components import Components
from ppocr_lite.engine.cpu_speed import tune_cpu_math
from ppocr_lite.engine.evaluator import evaluate, target_texts
from ppocr_lite.engine.host_memory import HeapTrimmer
from ppocr_lite.engine.logging import MetricsWriter, format_eta
from ppocr_lite.engine.meters import BadSamples, StepTimer
from ppocr_lite.engine.stop import SignalStop, StopTraining
from ppocr_lite.errors import DataError
from ppocr_lite.losses.base import Loss
from ppocr_lite.modeling.heads.output import HeadOutput, predict_logits
from ppocr_lite.optim.build import OptimizerBundle

logger = logging.getLogger("ppocr_lite")


@dataclass
class StepOutput:
    """What one optimizer step produced."""

    loss: paddle.Tensor
    preds: paddle.Tensor | HeadOutput  # the head's training output
    skipped: bool = False


@dataclass
class TrainParts:
    """Everything the loop uses, built by ``engine.run.prepare_training``."""

    cfg: dict[str, Any]
    gcfg: GlobalConfig
    components: Components
    model: nn.Layer  # components.model, possibly wrapped for data parallel
    loss: Loss
    bundle: OptimizerBundle
    train_loader: TextLineLoader
    eval_loader: TextLineLoader | None
    ckpt: CheckpointManager
    writer: MetricsWriter
    main_indicator: str
    second_indicator: str
    amp: Amp
    rank: int = 0


class Trainer:
    """Runs epochs from ``state`` until ``Global.epoch_num``.

    Args:
        parts: The built components.
        state: Where to start (fresh or resumed).
    """

    def __init__(self, parts: TrainParts, state: TrainState) -> None:
        self.p = parts
        self.state = state
        tune_cpu_math(paddle.get_device())
        self.timer = StepTimer(parts.gcfg.log_smooth_window)
        self.bad = BadSamples.from_state(state.skipped, state.skipped_chars)
        self.heap = HeapTrimmer()
        self.nan_streak = 0
        self.stop_reason = ""
        self.stop = SignalStop()
        self._agree = distributed.max_over_ranks if distributed.world()[1] > 1 else None
        self.last_eval_step = -1
        self.exit_code = 0
        self._bn_stats = [
            t
            for k, t in parts.components.model.state_dict().items()
            if k.endswith(("._mean", "._variance"))
        ]
        self.steps_per_epoch = parts.train_loader.batches_per_epoch()
        self.total_steps = self.steps_per_epoch * parts.gcfg.epoch_num

    # -- loop -----------------------------------------------------------------------------
    def fit(self) -> TrainState:
        """Train to the end (or until stopped); always leaves ``latest`` saved."""
        self.stop.install()
        try:
            while self.state.epoch <= self.p.gcfg.epoch_num:
                self.stop.check()
                self._run_epoch()
                self._end_epoch()
            self.stop.check()
            self._final_evaluation()
        except StopTraining as exc:
            self._stopped(exc)
        finally:
            self.stop.restore()
        self._log_summary()
        return self.state

    def _stopped(self, exc: StopTraining) -> None:
        self.stop_reason = str(exc)
        if self.stop.signum:  # the handler has logged it
            self.exit_code = self.stop.exit_code
        else:
            logger.info("stopping: %s", exc)
        self.p.writer.write(
            "stop",
            reason=self.stop_reason,
            global_step=self.state.global_step,
            exit_code=self.exit_code,
        )
        self._save("latest")

    def _run_epoch(self) -> None:
        loader = self.p.train_loader
        loader.set_epoch(self.state.epoch, self.state.epoch_step)
        tick = time.perf_counter()
        for batch in loader:
            reader = time.perf_counter() - tick
            self._account_bad(batch)
            out = self.train_step(batch)
            self.heap.after_step()
            self.state.epoch_step += 1
            self.state.global_step += 0 if out.skipped else 1
            self.timer.add(reader, time.perf_counter() - tick, batch.size)
            self._maybe_log(out, batch)
            self.stop.check_all_ranks(self._agree)  # before an evaluation: a stop never waits
            self._maybe_evaluate()
            self._maybe_save_step()
            if self.stop_reason:
                raise StopTraining(self.stop_reason)
            tick = time.perf_counter()

    def _end_epoch(self) -> None:
        epoch = self.state.epoch
        if epoch >= self.p.gcfg.epoch_num:
            # Before latest is saved, so a finished run's latest carries its final best: a
            # resume then replaces best_accuracy only with a better evaluation.
            self._final_evaluation()
        if self.bad.counts():
            logger.info("epoch %d skipped samples: %s", epoch, self.bad.describe())
            self.p.writer.write("bad_samples", epoch=epoch, **self.bad.counts())
        self.bad.reset()
        self.state.epoch, self.state.epoch_step = epoch + 1, 0
        self._save("latest")
        if schedule.should_save_epoch(epoch, self.p.gcfg.save_epoch_step):
            self._save(f"iter_epoch_{epoch}")

    def train_step(self, batch: Batch) -> StepOutput:
        """Forward, loss, backward and update on one batch; a non-finite loss skips the update."""
        # Dropout randomness as a function of the step, so a resumed run matches an
        # uninterrupted one exactly.
        paddle.seed(self.p.gcfg.seed * 1_000_003 + self.state.global_step)
        stats = self._running_stats()
        with self.p.amp.autocast():
            preds = self.p.model(batch.image, batch)
            loss = self.p.loss(preds, batch)["loss"]
        if not math.isfinite(float(loss)):
            for tensor, before in stats:
                tensor.set_value(before)
            self._non_finite(float(loss))
            return StepOutput(loss, preds, skipped=True)
        self.nan_streak = 0
        opt = self.p.bundle.optimizer
        self.state.lr = float(opt.get_lr())  # the rate this step uses
        self.p.amp.backward_and_step(loss, opt)
        self.p.bundle.scheduler.step()
        return StepOutput(loss, preds)

    def _running_stats(self) -> list[tuple[paddle.Tensor, paddle.Tensor]]:
        # BatchNorm running statistics change during the forward pass, before the loss is
        # known: a skipped step must not leave them non-finite. (They are non-trainable
        # parameters in Paddle, not buffers, hence the state_dict.)
        return [(t, t.clone()) for t in self._bn_stats]

    def _non_finite(self, value: float) -> None:
        self.p.bundle.optimizer.clear_grad()
        self.nan_streak += 1
        logger.warning(
            "non-finite loss %s at step %d: update skipped (%d in a row)",
            value,
            self.state.global_step,
            self.nan_streak,
        )
        self.p.writer.write("nan_loss", global_step=self.state.global_step, streak=self.nan_streak)
        if self.nan_streak >= self.p.gcfg.max_nan_steps:
            self.exit_code = 3
            raise StopTraining(
                f"{self.nan_streak} non-finite losses in a row (Global.max_nan_steps); lower the "
                "learning rate or check the data, then resume from latest"
            )

    # -- bad samples ----------------------------------------------------------------------
    def _account_bad(self, batch: Batch) -> None:
        if not batch.skipped:
            return
        self.bad.add(batch.skipped)
        size = len(self.p.train_loader.dataset)
        if self.bad.total() > self.p.gcfg.max_bad_ratio * size:
            raise DataError(
                "too_many_bad",
                f"{self.bad.total()} of {size} training samples are bad (more than "
                f"Global.max_bad_ratio={self.p.gcfg.max_bad_ratio}): {self.bad.describe()}; "
                "run tools/check_data.py",
            )

    # -- logging --------------------------------------------------------------------------
    def _train_metrics(self, out: StepOutput, batch: Batch) -> dict[str, float]:
        probs = paddle.nn.functional.softmax(predict_logits(out.preds), axis=-1).numpy()
        post = self.p.components.postprocess
        preds = [p[0] for p in post(probs)]
        return self.p.components.metric.update(preds, target_texts(batch, post))

    def _maybe_log(self, out: StepOutput, batch: Batch) -> None:
        step = self.state.global_step
        loss = self.timer.smooth("loss", float(out.loss)) if not out.skipped else float("nan")
        if not schedule.should_log(step, self.p.gcfg.print_batch_step) or out.skipped:
            return
        figures = {k: self.timer.smooth(k, v) for k, v in self._train_metrics(out, batch).items()}
        window = self.timer.window_figures()
        eta = (self.total_steps - step) * window["avg_batch_cost"]
        record = {
            "epoch": self.state.epoch,
            "global_step": step,
            "lr": self.state.lr,
            "loss": loss,
            **figures,
            **window,
        }
        bad = self.bad.describe()
        logger.info(
            "epoch: [%d/%d], global_step: %d, lr: %.6f, loss: %.5f, acc: %.4f, norm_edit_dis: %.4f, "
            "avg_reader_cost: %.5f s, avg_batch_cost: %.5f s, avg_samples: %.1f, ips: %.2f samples/s, eta: %s%s",
            self.state.epoch,
            self.p.gcfg.epoch_num,
            step,
            self.state.lr,
            loss,
            figures["acc"],
            figures["norm_edit_dis"],
            window["avg_reader_cost"],
            window["avg_batch_cost"],
            batch.size,
            window["ips"],
            format_eta(eta),
            f", skipped: {bad}" if bad else "",
        )
        self.p.writer.write("train", **record, skipped=self.bad.counts())

    # -- evaluation and saving ------------------------------------------------------------
    def _maybe_evaluate(self) -> None:
        start, every = self.p.gcfg.eval_batch_step
        if self.p.eval_loader is None or not schedule.should_eval(
            self.state.global_step, start, every
        ):
            return
        self.evaluate_and_keep_best()

    def evaluate_and_keep_best(self) -> dict[str, float]:
        """Evaluate; save ``best_accuracy`` only when strictly better than the stored best."""
        c = self.p.components
        self.last_eval_step = self.state.global_step
        batches = self._until_stopped(self.p.eval_loader)
        try:
            figures = evaluate(DygraphBackend(c.model), batches, c.postprocess, c.metric)
        finally:
            c.model.train()
        self.heap.rearm()
        s, main = self.state, self.p.main_indicator
        better = schedule.is_better(figures, s.best_metrics, main, self.p.second_indicator)
        if better:
            s.best_metric, s.best_metrics = figures[main], dict(figures)
            s.best_epoch, s.best_step, s.evals_since_best = s.epoch, s.global_step, 0
            self._save("best_accuracy")
        else:
            s.evals_since_best += 1
        shown = ", ".join(f"{k}: {v:.4f}" for k, v in figures.items() if k != "samples")
        logger.info("cur metric, %s", shown)
        logger.info(
            "best metric, %s: %.4f at step %d (epoch %d)%s",
            main,
            s.best_metric,
            s.best_step,
            s.best_epoch,
            " - new best, saved best_accuracy" if better else "",
        )
        self.p.writer.write(
            "eval",
            global_step=s.global_step,
            epoch=s.epoch,
            best=s.best_metric,
            is_best=better,
            **figures,
        )
        patience = self.p.gcfg.early_stop_patience
        if patience and s.evals_since_best >= patience:
            self.stop_reason = f"early stop: {patience} evaluations without improvement of {main}"
        return figures

    def _until_stopped(self, loader: Iterable[Batch]) -> Iterator[Batch]:
        # A stop signal ends an evaluation after the batch in hand, not after the whole set.
        for batch in loader:
            self.stop.check()
            yield batch

    def _final_evaluation(self) -> None:
        # A run whose eval interval never fired still ends with a best_accuracy.
        if self.p.eval_loader is not None and self.last_eval_step != self.state.global_step:
            self.evaluate_and_keep_best()

    def _maybe_save_step(self) -> None:
        if schedule.should_save_step(self.state.global_step, self.p.gcfg.save_batch_step):
            self._save("latest")

    def _save(self, prefix: str) -> None:
        if self.p.rank != 0:
            return
        model = self.p.components.model
        self.state.skipped, self.state.skipped_chars = self.bad.to_state()
        path = self.p.ckpt.save(prefix, model, self.p.bundle.optimizer, self.state)
        logger.info(
            "saved %s (epoch %d, global_step %d)", path, self.state.epoch, self.state.global_step
        )
        self.p.writer.write("save", prefix=prefix, global_step=self.state.global_step)

    def _log_summary(self) -> None:
        s = self.state
        if self.stop.signum:  # not "done": a scheduler or wrapper must see a stopped run
            logger.info(
                "stopped at global_step %d (exit code %d); resume from %s",
                s.global_step,
                self.exit_code,
                self.p.ckpt.save_dir / "latest",
            )
            return
        logger.info(
            "done: global_step %d, best %s %.4f at step %d; checkpoints in %s",
            s.global_step,
            self.p.main_indicator,
            s.best_metric,
            s.best_step,
            self.p.ckpt.save_dir,
        )
