"""Test helpers shared by the embedder tests."""

from skcontrast.callbacks import Callback


class TrainingSpy(Callback):
    """Counts how often training starts: bad input must be rejected before it does."""

    def __init__(self):
        self.started = 0

    def on_train_begin(self, net, **kwargs):
        self.started += 1
