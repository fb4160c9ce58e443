"""skorch's own callbacks, one by one, in skcontrast's training loop.

Each test checks what the callback is for: checkpoints write their files *during* ``fit``
and the files hold the weights, optimiser state and history of the run (read back and
compared); ``LoadInitState`` resumes from them; the others change training as they do in
a ``NeuralNet``. Callbacks that score a net's predictions are refused before training.
"""

import copy
import os

import numpy as np
import pytest
import torch
from skorch.callbacks import (
    BatchScoring,
    Checkpoint,
    EarlyStopping,
    EpochScoring,
    Freezer,
    GradientNormClipping,
    LoadInitState,
    LRScheduler,
    PrintLog,
    ProgressBar,
    TrainEndCheckpoint,
)
from skorch.history import History

from skcontrast import FineTunedClassifier, SCARFEmbedder
from skcontrast.callbacks import SUPPORTED_SKORCH_CALLBACKS, Callback

X = np.random.RandomState(0).normal(size=(64, 5))
y = (X[:, 0] > 0).astype(int)


class _Spy(Callback):
    """Records the module's weights at the start and end of training, and per-epoch facts."""

    def __init__(self, check_files=None):
        self.check_files = check_files

    def initialize(self):
        self.begin_, self.end_, self.files_, self.lrs_, self.grad_norms_ = None, None, [], [], []
        return self

    def on_train_begin(self, net, **kwargs):
        self.begin_ = copy.deepcopy(net.module_.state_dict())

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad.norm() for _, p in named_parameters if p.grad is not None]
        self.grad_norms_.append(float(torch.linalg.vector_norm(torch.stack(grads))))

    def on_epoch_end(self, net, **kwargs):
        self.lrs_.append(net.optimizer_.param_groups[0]["lr"])
        if self.check_files is not None:
            self.files_.append(sorted(os.listdir(self.check_files)))

    def on_train_end(self, net, **kwargs):
        self.end_ = copy.deepcopy(net.module_.state_dict())


def _fit(*callbacks, max_epochs=3, **params):
    return SCARFEmbedder(max_epochs=max_epochs, early_stopping=False, random_state=0,
                         callbacks=list(callbacks), **params).fit(X)


def _same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoint_writes_its_files_during_fit_and_they_hold_the_run(tmp_path):
    folder = tmp_path / "cp"
    spy = _Spy(check_files=folder)
    # monitor=None checkpoints every epoch, so the last files hold the final state.
    embedder = _fit(Checkpoint(monitor=None, dirname=str(folder)), spy)
    assert spy.files_[0] == ["criterion.pt", "history.json", "optimizer.pt", "params.pt"]
    saved = torch.load(folder / "params.pt", weights_only=True)
    assert _same_weights(saved, spy.end_)
    optimizer = torch.load(folder / "optimizer.pt", weights_only=True)
    assert optimizer["state"] and optimizer["param_groups"][0]["lr"] == spy.lrs_[-1]
    history = History.from_file(str(folder / "history.json"))
    assert [h["train_loss"] for h in history] == [h["train_loss"] for h in embedder.history_]


def test_checkpoint_on_the_best_training_loss_keeps_the_best_epoch(tmp_path):
    folder = tmp_path / "best"
    embedder = _fit(Checkpoint(monitor="train_loss_best", dirname=str(folder)), max_epochs=4)
    history = History.from_file(str(folder / "history.json"))
    losses = [h["train_loss"] for h in embedder.history_]
    best = int(np.argmin(losses)) + 1
    # The saved history ends at the last epoch that improved (written with that epoch).
    assert history[-1]["epoch"] == best and (folder / "params.pt").is_file()


def test_train_end_checkpoint_writes_the_final_state(tmp_path):
    spy = _Spy()
    _fit(TrainEndCheckpoint(dirname=str(tmp_path)), spy)
    saved = torch.load(tmp_path / "train_end_params.pt", weights_only=True)
    assert _same_weights(saved, spy.end_)
    assert (tmp_path / "train_end_optimizer.pt").is_file()
    assert (tmp_path / "train_end_history.json").is_file()


def test_load_init_state_resumes_the_weights_and_the_history(tmp_path):
    checkpoint = Checkpoint(monitor=None, dirname=str(tmp_path))
    first = _Spy()
    _fit(checkpoint, first, max_epochs=3)
    second = _Spy()
    # LoadInitState runs first in on_train_begin, so the spy sees the loaded weights.
    resumed = _fit(checkpoint, LoadInitState(checkpoint), second, max_epochs=2)
    assert _same_weights(second.begin_, first.end_)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3, 4, 5]


def test_early_stopping_stops_the_run():
    # A threshold no epoch can meet: stops after `patience` epochs without improvement.
    embedder = _fit(EarlyStopping(monitor="train_loss", patience=2, threshold=10.0),
                    max_epochs=10)
    assert len(embedder.history_) == 3


def test_lr_scheduler_changes_the_learning_rate():
    spy = _Spy()
    _fit(LRScheduler("StepLR", step_size=1, gamma=0.5), spy, learning_rate=0.01)
    assert spy.lrs_ == pytest.approx([0.005, 0.0025, 0.00125])


def test_gradient_norm_clipping_bounds_the_gradients():
    spy = _Spy()
    _fit(GradientNormClipping(gradient_clip_value=1e-3), spy)
    assert spy.grad_norms_ and max(spy.grad_norms_) <= 1e-3 * (1 + 1e-4)


def test_freezer_freezes_the_named_parameters():
    spy = _Spy()
    _fit(Freezer("encoder.0.*"), spy)
    frozen = [k for k in spy.begin_ if k.startswith("encoder.0.")]
    trained = [k for k in spy.begin_ if not k.startswith("encoder.0.")]
    assert frozen and all(torch.equal(spy.begin_[k], spy.end_[k]) for k in frozen)
    assert not any(torch.equal(spy.begin_[k], spy.end_[k]) for k in trained)


def test_print_log_and_progress_bar_write_their_output(capsys):
    lines = []
    _fit(PrintLog(sink=lines.append), ProgressBar(batches_per_epoch="count"))
    table = "\n".join(lines)  # the header with the first epoch, then a row per epoch
    assert "train_loss" in table and "epoch" in table and len(table.splitlines()) == 5
    assert "it/s" in capsys.readouterr().err


def test_fine_tuning_writes_checkpoints_too(tmp_path):
    FineTunedClassifier(SCARFEmbedder(max_epochs=2), max_epochs=2, random_state=0,
                        callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path))]).fit(X, y)
    assert (tmp_path / "params.pt").is_file()


@pytest.mark.parametrize("scoring", [EpochScoring("accuracy"), BatchScoring("accuracy")])
def test_scoring_callbacks_are_refused_before_training(scoring):
    embedder = SCARFEmbedder(max_epochs=2, callbacks=[scoring], random_state=0)
    with pytest.raises(TypeError, match="makes none") as error:
        embedder.fit(X)
    assert all(name in str(error.value) for name in SUPPORTED_SKORCH_CALLBACKS)
    assert not hasattr(embedder, "history_")
