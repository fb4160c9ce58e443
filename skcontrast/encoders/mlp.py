"""Multi-layer perceptrons: SCARF's encoder and the projection heads."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MLP", "InputConcat", "ProjectionHead"]


class MLP(nn.Sequential):
    """A stack of ``Linear`` layers with ReLU activations.

    SCARF's encoder is ``MLP(n_features, 256, n_layers=4, hidden_size=256)``: four
    fully connected ReLU layers of width 256 (the output layer is activated too, as in
    the paper's "4-layer ReLU network"; pass ``activate_output=False`` for a linear
    output).

    Parameters
    ----------
    in_features : int
        Input width.
    out_features : int
        Output width (the embedding size for an encoder).
    n_layers : int, default=4
        Number of ``Linear`` layers (>= 1).
    hidden_size : int, default=256
        Width of the hidden layers.
    activate_output : bool, default=True
        Whether the last layer is followed by a ReLU.

    Examples
    --------
    >>> import torch
    >>> mlp = MLP(8, 16, n_layers=3, hidden_size=32)
    >>> mlp(torch.zeros(5, 8)).shape
    torch.Size([5, 16])
    >>> mlp[:-1](torch.zeros(5, 8)).shape  # the output layer before its ReLU
    torch.Size([5, 16])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        n_layers: int = 4,
        hidden_size: int = 256,
        activate_output: bool = True,
    ):
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}.")
        widths = [in_features] + [hidden_size] * (n_layers - 1) + [out_features]
        layers: list[nn.Module] = []
        for i in range(n_layers):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            if i < n_layers - 1 or activate_output:
                layers.append(nn.ReLU())
        super().__init__(*layers)
        self.out_features = int(out_features)

    def output_biases(self) -> list[nn.Parameter]:
        """The bias of the last ``Linear`` layer (before the output ReLU, if any).

        While an output unit is active on every row of a batch, its bias only shifts
        all the outputs by the same amount; a loss that sees only distances between
        outputs then gives it no gradient but round-off (see
        :class:`~skcontrast.ExpCLREmbedder`, which does not train it).
        """
        last = [layer for layer in self if isinstance(layer, nn.Linear)][-1]
        return [last.bias]

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Apply the layers; ``generator`` is accepted (and unused: an MLP draws nothing)
        so that every representation network of skcontrast is called alike."""
        return super().forward(x)

    def __getitem__(self, idx):
        # nn.Sequential rebuilds slices with type(self)(...), which an MLP's constructor
        # does not accept: a slice of layers is a plain Sequential.
        if isinstance(idx, slice):
            return nn.Sequential(*list(self)[idx])
        return super().__getitem__(idx)


class ProjectionHead(MLP):
    """The pre-training head ``g``: a ReLU MLP with a linear output (2 layers by default).

    Parameters
    ----------
    in_features : int
        Input width (the encoder's output width).
    out_features : int
        Output width.
    n_layers : int, default=2
        Number of ``Linear`` layers.
    hidden_size : int, default=256
        Width of the hidden layers.

    Notes
    -----
    Its output is ℓ2-normalised by the contrastive loss, not here, so the head can be
    reused with losses that normalise differently. It is discarded after pre-training.

    Examples
    --------
    >>> import torch
    >>> ProjectionHead(16, 8)(torch.zeros(2, 16)).shape
    torch.Size([2, 8])
    """

    def __init__(self, in_features: int, out_features: int, *, n_layers: int = 2,
                 hidden_size: int = 256):
        super().__init__(in_features, out_features, n_layers=n_layers, hidden_size=hidden_size,
                         activate_output=False)


class InputConcat(nn.Module):
    """An encoder whose representation keeps its input: ``[x, encoder(x)]``.

    A linear model on this representation can always fall back on the (standardised)
    input features, so appending learned features to them never takes the raw signal
    away; it is how skcontrast's tabular embedders expose ``include_input=True``.

    Parameters
    ----------
    encoder : nn.Module
        Maps ``(batch, in_features)`` to ``(batch, encoder.out_features)``; called as
        ``encoder(x, generator)``.
    in_features : int
        Width of the input.

    Examples
    --------
    >>> import torch
    >>> net = InputConcat(MLP(3, 4, n_layers=1), 3)
    >>> net(torch.zeros(2, 3)).shape, net.out_features
    (torch.Size([2, 7]), 7)
    """

    def __init__(self, encoder: nn.Module, in_features: int):
        super().__init__()
        self.encoder = encoder
        self.in_features = int(in_features)
        self.out_features = self.in_features + int(encoder.out_features)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.cat([x, self.encoder(x, generator)], dim=1)
