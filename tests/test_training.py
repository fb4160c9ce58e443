"""The training loop itself: budgets, batches, early stopping, callbacks, history."""

import numpy as np
import pytest
import torch
from skorch.callbacks import EarlyStopping, GradientNormClipping
from skorch.history import History
from torch import nn

from skcontrast._torch_utils import make_generator
from skcontrast._training import (
    StoppingRule,
    StopTraining,
    TrainingDivergedError,
    TrainingTask,
    mean_over_chunks,
    train,
)
from skcontrast.callbacks import Callback


class ScriptedTask:
    """A linear model on fixed data; its validation loss follows a script, epoch by epoch."""

    def __init__(self, n_train=10, valid_losses=None, seed=0):
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n_train, 3, generator=gen)
        self.module = nn.Linear(3, 1)
        with torch.no_grad():
            self.module.weight.copy_(torch.randn(1, 3, generator=gen))
            self.module.bias.zero_()
        self.valid_losses = list(valid_losses or [])
        self.batches, self.steps_seen = [], 0

    def batch_loss(self, idx, gen):
        self.batches.append(idx.clone())
        return (self.module(self.x[idx]) ** 2).mean()

    def validate(self):
        return {"valid_loss": self.valid_losses.pop(0)}

    def task(self, validate=True, **kwargs):
        return TrainingTask(self.module, len(self.x), self.batch_loss,
                            self.validate if validate else None, **kwargs)


def _train(task, **kwargs):
    optimizer = torch.optim.SGD(task.module.parameters(), lr=0.1)
    kwargs.setdefault("batch_size", 4)
    return train(task, optimizer, device="cpu", generator=make_generator(0), **kwargs)


def test_epochs_visit_every_row_once_in_a_seeded_order():
    scripted = ScriptedTask(n_train=10)
    result = _train(scripted.task(validate=False), max_epochs=2, batch_size=4)
    gen = make_generator(0)
    for epoch in range(2):
        order = torch.randperm(10, generator=gen)
        seen = torch.cat(scripted.batches[3 * epoch : 3 * epoch + 3])
        assert torch.equal(seen, order)
    assert result.n_steps == 6 and len(result.history) == 2 and result.best_epoch is None


@pytest.mark.parametrize("n, batch_size, kwargs, sizes", [
    (7, 3, {}, [3, 3]),                           # a trailing single row is skipped
    (7, 3, {"min_batch_size": 1}, [3, 3, 1]),     # ...unless single rows are allowed
    (8, 3, {}, [3, 3, 2]),
    (8, 3, {"drop_last": True}, [3, 3]),          # every incomplete batch dropped
    (5, 50, {}, [5]),                             # batch size clipped to the data
])
def test_trailing_batches(n, batch_size, kwargs, sizes):
    scripted = ScriptedTask(n_train=n)
    result = _train(scripted.task(validate=False), max_epochs=1, batch_size=batch_size, **kwargs)
    assert [len(b) for b in scripted.batches] == sizes
    assert result.history[-1]["train_batch_count"] == len(sizes)


def test_max_steps_stops_mid_epoch():
    scripted = ScriptedTask(n_train=10)
    result = _train(scripted.task(validate=False), max_steps=7, batch_size=2)
    assert result.n_steps == 7
    assert [len(r["batches"]) for r in result.history] == [5, 2]
    assert result.history[-1]["n_steps"] == 7


def test_both_budgets_missing_is_an_error():
    with pytest.raises(ValueError, match="max_epochs or max_steps"):
        _train(ScriptedTask().task(validate=False))


def test_history_is_skorchs_and_train_loss_is_the_size_weighted_mean():
    scripted = ScriptedTask(n_train=10, valid_losses=[3.0, 2.0, 2.5])
    result = _train(scripted.task(), max_epochs=3, batch_size=4)
    history = result.history
    assert isinstance(history, History)
    assert history[:, "epoch"] == [1, 2, 3]
    assert history[:, "valid_loss"] == [3.0, 2.0, 2.5]
    assert history[:, "valid_loss_best"] == [True, True, False]
    for record in history:
        losses = [b["train_loss"] for b in record["batches"]]
        sizes = [b["train_batch_size"] for b in record["batches"]]
        assert record["train_loss"] == pytest.approx(np.average(losses, weights=sizes))
        assert sizes == [4, 4, 2] and record["dur"] >= 0


def test_early_stopping_restores_the_best_weights():
    scripted = ScriptedTask(n_train=10, valid_losses=[5.0, 4.0, 1.0, 3.0, 2.0, 9.0, 9.0])
    weights = []

    def snapshot(net):
        weights.append(net.module_.weight.detach().clone())

    result = _train(scripted.task(), max_epochs=50, stopping=StoppingRule(3),
                    callbacks=[snapshot])
    assert result.best_epoch == 3 and len(result.history) == 6  # 3 epochs after the best
    assert torch.equal(scripted.module.weight, weights[2])
    assert not torch.equal(weights[2], weights[-1])
    assert not scripted.module.training  # eval mode at the end


def test_stopping_rule_tolerance_and_lexicographic_keys():
    rule = StoppingRule(2, tol=0.1)
    assert rule.improves((1.0,), None)
    assert rule.improves((0.85,), (1.0,)) and not rule.improves((0.95,), (1.0,))
    lexicographic = StoppingRule(2, key=lambda r: (r["a"], r["b"]))
    assert lexicographic.improves((0.1, 5.0), (0.2, 1.0))      # first entry decides
    assert lexicographic.improves((0.2, 0.5), (0.2, 1.0))      # a tie: the second decides
    assert not lexicographic.improves((0.2, 1.0), (0.2, 1.0))
    scripted = ScriptedTask(valid_losses=[1.0, 0.95, 0.92, 0.5, 0.45, 0.44, 0.43])
    result = _train(scripted.task(), max_epochs=10, stopping=StoppingRule(3, tol=0.1))
    assert result.best_epoch == 4 and len(result.history) == 7


def test_hooks_are_called_in_skorchs_order():
    calls = []

    class Recorder(Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                calls.append(name)
            return object.__getattribute__(self, name)

    scripted = ScriptedTask(n_train=4, valid_losses=[1.0])
    _train(scripted.task(), max_epochs=1, batch_size=2, callbacks=[Recorder()])
    batch = ["on_batch_begin", "on_grad_computed", "on_batch_end"]
    assert calls == ["on_train_begin", "on_epoch_begin", *batch, *batch, "on_epoch_end",
                     "on_train_end"]


@pytest.mark.parametrize("hook, n_batches", [("on_batch_end", 1), ("on_epoch_end", 3)])
def test_stop_training_ends_cleanly(hook, n_batches):
    class Stop(Callback):
        pass

    def stop(self, net, **kwargs):
        raise StopTraining

    setattr(Stop, hook, stop)
    scripted = ScriptedTask(n_train=10)
    result = _train(scripted.task(validate=False), max_epochs=5, callbacks=[Stop()])
    assert len(result.history) == 1 and len(scripted.batches) == n_batches


def test_a_plain_callable_stops_by_returning_true():
    scripted = ScriptedTask(n_train=10)
    result = _train(scripted.task(validate=False), max_epochs=9,
                    callbacks=[lambda net: len(net.history) == 2])
    assert len(result.history) == 2


def test_interrupts_propagate_but_skorchs_early_stopping_stops():
    def interrupt(net):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _train(ScriptedTask().task(validate=False), max_epochs=3, callbacks=[interrupt])

    scripted = ScriptedTask(valid_losses=[1.0, 2.0, 3.0, 4.0, 5.0])
    result = _train(scripted.task(), max_epochs=5,
                    callbacks=[EarlyStopping(patience=2, sink=lambda *_: None)])
    assert len(result.history) == 3


def test_skorch_gradient_clipping_sees_the_gradients():
    scripted = ScriptedTask(n_train=10)
    norms = []

    class Norm(Callback):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            norms.append(float(torch.norm(torch.stack([p.grad.norm() for _, p in
                                                       named_parameters]))))

    scripted.x *= 1e3  # huge gradients
    _train(scripted.task(validate=False), max_epochs=1,
           callbacks=[GradientNormClipping(gradient_clip_value=1.0), Norm()])
    assert max(norms) <= 1.0 + 1e-5


def test_divergence_raises_with_the_epoch_and_step():
    scripted = ScriptedTask(n_train=10)
    scripted.x[3] = float("nan")
    with pytest.raises(TrainingDivergedError, match=r"epoch 1 \(optimiser step \d\)"):
        _train(scripted.task(validate=False), max_epochs=2)
    scripted = ScriptedTask(valid_losses=[float("inf")])
    with pytest.raises(TrainingDivergedError, match="validation loss"):
        _train(scripted.task(), max_epochs=2)


@pytest.fixture
def deferred_reads(monkeypatch):
    """Run the loop as on an accelerator (losses read once per epoch), on the CPU."""
    from skcontrast import _training

    monkeypatch.setattr(_training, "_defer_loss_reads",
                        lambda device, callbacks: not _training._reads_batches(callbacks))


def test_deferred_loss_reads_keep_the_history_and_the_weights(monkeypatch):
    # The accelerator path reads the epoch's losses once: same batches, same records.
    from skcontrast import _training

    runs = []
    for deferred in (False, True):
        monkeypatch.setattr(_training, "_defer_loss_reads",
                            lambda device, callbacks, d=deferred: d)
        scripted = ScriptedTask(n_train=10, valid_losses=[3.0, 2.0])
        result = _train(scripted.task(), max_epochs=2, batch_size=4)
        runs.append((result.history, scripted.module.weight.detach().clone(),
                     scripted.batches))
    (hist_a, w_a, b_a), (hist_b, w_b, b_b) = runs
    for rec_a, rec_b in zip(hist_a, hist_b, strict=True):
        assert rec_a["batches"] == rec_b["batches"] and len(rec_a["batches"]) == 3
        assert rec_a["train_loss"] == rec_b["train_loss"]
    assert torch.equal(w_a, w_b) and all(torch.equal(a, b) for a, b in zip(b_a, b_b))


def test_deferred_loss_reads_still_raise_on_divergence(deferred_reads):
    scripted = ScriptedTask(n_train=10)
    scripted.x[3] = float("nan")
    with pytest.raises(TrainingDivergedError, match=r"epoch 1 \(optimiser step \d\)"):
        _train(scripted.task(validate=False), max_epochs=2)


def test_batch_level_callbacks_get_each_loss_when_reads_are_deferred(deferred_reads):
    # A callback acting on single batches turns per-step reads back on.
    from skcontrast import _training

    class PerBatch(Callback):
        def on_batch_end(self, net, loss=None, **kwargs):
            seen.append(loss)

    seen = []
    assert _training._reads_batches([PerBatch()])
    assert not _training._reads_batches([Callback(), lambda net: False])
    _train(ScriptedTask(n_train=10).task(validate=False), max_epochs=1,
           callbacks=[PerBatch()])
    assert len(seen) == 3 and all(isinstance(v, float) for v in seen)


def test_after_step_runs_after_every_step_and_result_is_kept():
    count = []
    average = nn.Linear(3, 1)
    scripted = ScriptedTask(n_train=10)
    task = scripted.task(validate=False, after_step=lambda: count.append(1), result=average)
    result = _train(task, max_epochs=2)
    assert len(count) == result.n_steps == 6
    assert task.trained is average
    assert ScriptedTask().task().trained is not average


def test_mean_over_chunks_matches_a_loop():
    values = np.random.RandomState(0).normal(size=23)

    def loss_of(lo, hi):
        return torch.tensor(values[lo:hi].sum() * (hi - lo))

    for chunk, min_rows in [(5, 1), (5, 4), (23, 1), (1, 1)]:
        losses, sizes = [], []
        for lo in range(0, 23, chunk):
            rows = values[lo : lo + chunk]
            if len(rows) >= min_rows:
                losses.append(rows.sum() * len(rows))
                sizes.append(len(rows))
        expected = sum(v * s for v, s in zip(losses, sizes)) / sum(sizes)
        got = mean_over_chunks(loss_of, 23, chunk, min_rows=min_rows)
        assert got == pytest.approx(expected, rel=1e-12)


def test_verbose_1_shows_a_progress_bar_with_total_and_eta(capsys):
    import numpy as np

    from skcontrast import SCARFEmbedder

    X = np.random.RandomState(0).normal(size=(64, 4))
    SCARFEmbedder(max_epochs=3, early_stopping=False, batch_size=16, verbose=1).fit(X)
    err = capsys.readouterr().err
    assert "12/12" in err and "step" in err and "<" in err  # total, unit, remaining time
    SCARFEmbedder(max_epochs=3, early_stopping=False, batch_size=16).fit(X)
    assert capsys.readouterr().err == ""  # silent by default


def test_verbose_2_logs_epochs_with_their_total(caplog):
    import numpy as np

    from skcontrast import SCARFEmbedder

    X = np.random.RandomState(0).normal(size=(64, 4))
    with caplog.at_level("INFO", logger="skcontrast"):
        SCARFEmbedder(max_epochs=3, early_stopping=False, batch_size=16, verbose=2).fit(X)
    assert "epoch 2/3" in caplog.text and "steps=8/12" in caplog.text


def test_the_device_generator_must_live_on_the_training_device():
    task = ScriptedTask().task(validate=False)
    with pytest.raises(ValueError, match="device_generator is on cpu, but training runs on"):
        train(task, torch.optim.SGD(task.module.parameters(), lr=0.1), batch_size=4,
              device="cuda", generator=make_generator(0), max_epochs=1)


def test_a_continued_history_numbers_epochs_and_steps_on():
    scripted = ScriptedTask(n_train=8)
    first = _train(scripted.task(validate=False), max_epochs=2, batch_size=4)
    more = _train(scripted.task(validate=False), max_epochs=1, batch_size=4,
                  history=first.history)
    assert [r["epoch"] for r in more.history] == [1, 2, 3]
    assert more.history[:, "n_steps"] == [2, 4, 6] and more.n_steps == 2
