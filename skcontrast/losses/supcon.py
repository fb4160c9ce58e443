"""Supervised contrastive loss (SupCon) and its unsupervised special case, NT-Xent.

SupCon (Khosla et al., NeurIPS 2020) pulls together every pair of rows that share a
label and pushes apart all the others. We implement the ``L_out`` variant (the mean of
the log-probabilities sits *outside* the log), which the paper found clearly better
than the ``L_in`` variant. With one label per instance and two views per instance it is
exactly SimCLR's NT-Xent loss, which :func:`nt_xent_loss` exposes for convenience.

Everything here is pure torch: no global random state, no sklearn.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import ParametrizedLoss, TwoViewLoss

__all__ = ["SupConLoss", "TwoViewSupConLoss", "nt_xent_loss", "supcon_loss"]


def _check_temperature(temperature, name="temperature"):
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"{name} must be a positive float, got {temperature!r}.")
    if not temperature > 0:
        raise ValueError(f"{name} must be > 0, got {temperature!r}; use e.g. {name}=0.1.")
    return float(temperature)


def _check_z(z, name="z"):
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(z).__name__}.")
    if z.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_rows, n_dims), got shape {tuple(z.shape)}; "
            "stack the views along the first axis."
        )
    if not z.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {z.dtype}.")


def _check_temperatures(temperature, base_temperature):
    """Both temperatures, validated; ``base_temperature=None`` (no rescaling) stays None."""
    temperature = _check_temperature(temperature)
    if base_temperature is not None:
        base_temperature = _check_temperature(base_temperature, "base_temperature")
    return temperature, base_temperature


def supcon_loss(
    z: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 0.1,
    base_temperature: float | None = None,
) -> torch.Tensor:
    r"""Supervised contrastive loss ``L_out`` of Khosla et al. (2020).

    For every anchor row ``i`` the positives ``P(i)`` are all *other* rows with the
    same label (including the anchor's own other views) and the loss is

    .. math::

        \ell_i = -\frac{\tau}{\tau_b}\frac{1}{|P(i)|} \sum_{p \in P(i)}
            \log \frac{\exp(z_i \cdot z_p / \tau)}{\sum_{a \ne i} \exp(z_i \cdot z_a / \tau)}.

    The returned loss is the mean of ``ell_i`` over the anchors that have at least one
    positive.

    Parameters
    ----------
    z : torch.Tensor of shape (n_rows, n_dims)
        Projections of all views stacked along the first axis, typically
        ``n_rows = n_views * batch_size``. They are ℓ2-normalised here (a no-op for
        the already normalised output of a projection head), so ``z_i · z_j`` is
        always the cosine similarity the temperature was tuned for, as in
        :func:`skcontrast.losses.info_nce.info_nce_loss`.
    labels : torch.Tensor of shape (n_rows,)
        Integer class label of each row. Two views of one instance must carry the same
        label. Passing instance ids gives the unsupervised NT-Xent loss.
    temperature : float, default=0.1
        Softmax temperature ``τ`` (0.1 in the paper, 0.07 in its code). Small values
        sharpen the softmax and focus on hard negatives.
    base_temperature : float or None, default=None
        The reference code scales the loss by ``τ / base_temperature`` (with
        ``base_temperature=0.07``) so that the gradient magnitude does not depend on
        ``τ``. ``None`` means ``base_temperature = temperature``, i.e. no scaling.

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor, differentiable with respect to ``z``.

    Notes
    -----
    - Numerical stability: the detached row maximum of the logits is subtracted before
      exponentiating, so ``temperature=0.01`` neither overflows nor produces NaN.
    - Anchors without any positive (a class seen once in the batch, with a single
      view) contribute nothing, and the mean runs over the anchors that do have
      positives. The reference code instead gives them loss 0 *and* keeps them in the
      denominator of the mean, which rescales the loss by the fraction of anchors with
      positives; our choice keeps the loss scale independent of how many singletons a
      batch happens to contain.
    - If no anchor has a positive the loss is a zero that is still connected to ``z``
      in the autograd graph (its gradient is zero), so ``loss.backward()`` never fails.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.supcon import supcon_loss
    >>> generator = torch.Generator().manual_seed(0)
    >>> z = torch.randn(8, 4, generator=generator)
    >>> labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    >>> loss = supcon_loss(z, labels, temperature=0.5)
    >>> bool(torch.isfinite(loss))
    True
    """
    _check_z(z)
    temperature = _check_temperature(temperature)
    if base_temperature is None:
        base_temperature = temperature
    base_temperature = _check_temperature(base_temperature, "base_temperature")
    if not isinstance(labels, torch.Tensor):
        raise TypeError(
            f"labels must be a torch.Tensor, got {type(labels).__name__}; "
            "wrap it with torch.as_tensor(labels)."
        )
    if labels.ndim != 1 or labels.shape[0] != z.shape[0]:
        raise ValueError(
            f"labels must have shape ({z.shape[0]},) to match z of shape {tuple(z.shape)}, "
            f"got {tuple(labels.shape)}."
        )
    if labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"labels must be an integer tensor, got dtype {labels.dtype}.")

    n_rows = z.shape[0]
    labels = labels.to(z.device)
    self_mask = torch.eye(n_rows, dtype=torch.bool, device=z.device)
    positive_mask = (labels[:, None] == labels[None, :]) & ~self_mask
    n_positives = positive_mask.sum(dim=1)
    has_positive = n_positives > 0
    if not bool(has_positive.any()):
        # Keep the result attached to z so that a training step on a batch made only of
        # singletons is a harmless no-op rather than an autograd error.
        return (z * 0.0).sum()

    z = F.normalize(z, dim=1)
    logits = (z @ z.T) / temperature
    # Subtracting a per-row constant cancels exactly in the log-softmax below; doing it
    # explicitly (detached, as in the reference) keeps exp() in range for tiny τ.
    logits = logits - logits.max(dim=1, keepdim=True).values.detach()
    # The denominator runs over a != i: mask the anchor itself out with -inf. Every row
    # has at least one other entry here (n_rows >= 2 since some anchor has a positive),
    # so the log-sum-exp stays finite.
    log_denominator = torch.logsumexp(logits.masked_fill(self_mask, float("-inf")), dim=1)
    log_prob = logits - log_denominator[:, None]
    # torch.where (not a product with the mask) so that no 0 * (-inf) can appear.
    sum_log_prob_pos = torch.where(positive_mask, log_prob, torch.zeros_like(log_prob)).sum(dim=1)
    mean_log_prob_pos = sum_log_prob_pos[has_positive] / n_positives[has_positive].to(z.dtype)
    return -(temperature / base_temperature) * mean_log_prob_pos.mean()


def nt_xent_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """NT-Xent loss of SimCLR (Chen et al., 2020) for two views of a batch.

    Row ``i`` of ``z1`` and row ``i`` of ``z2`` are two views of one instance; each of
    the ``2 * batch_size`` rows is an anchor whose single positive is its other view
    and whose negatives are the ``2 * batch_size - 2`` remaining rows of both views. It
    equals :func:`supcon_loss` with instance ids as labels.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (batch_size, n_dims)
        Projections of the two views (ℓ2-normalised here).
    temperature : float, default=0.5
        Softmax temperature (SimCLR's default for large batches is 0.5; SCARF uses 1).

    Returns
    -------
    loss : torch.Tensor
        Scalar tensor, the mean over the ``2 * batch_size`` anchors. A batch of a
        single instance gives a zero (each anchor then has no negative and the
        softmax is trivially 1).

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.supcon import nt_xent_loss
    >>> generator = torch.Generator().manual_seed(0)
    >>> z1 = torch.randn(4, 3, generator=generator)
    >>> z2 = z1 + 0.1 * torch.randn(4, 3, generator=generator)
    >>> bool(nt_xent_loss(z1, z2) > 0)
    True
    """
    _check_z(z1, "z1")
    _check_z(z2, "z2")
    if z1.shape != z2.shape:
        raise ValueError(
            f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}."
        )
    instance_ids = torch.arange(z1.shape[0], device=z1.device)
    return supcon_loss(
        torch.cat([z1, z2], dim=0),
        torch.cat([instance_ids, instance_ids]),
        temperature=temperature,
    )


class SupConLoss(ParametrizedLoss):
    """Module wrapper around :func:`supcon_loss`.

    Parameters
    ----------
    temperature : float, default=0.1
        Softmax temperature ``τ``.
    base_temperature : float or None, default=None
        Loss scale reference, see :func:`supcon_loss`; ``None`` means no rescaling.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.supcon import SupConLoss
    >>> criterion = SupConLoss(temperature=0.1)
    >>> generator = torch.Generator().manual_seed(0)
    >>> z = torch.randn(6, 5, generator=generator)
    >>> loss = criterion(z, torch.tensor([0, 0, 1, 1, 2, 2]))
    >>> loss.ndim
    0
    """

    _hyperparameters = ("temperature", "base_temperature")

    def __init__(self, temperature: float = 0.1, base_temperature: float | None = None):
        super().__init__()
        # Validate here too so that a bad value fails when the model is built, not at
        # the first training step.
        self.temperature, self.base_temperature = _check_temperatures(
            temperature, base_temperature
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Parameters
        ----------
        z : torch.Tensor of shape (n_rows, n_dims)
            Projections of all views stacked along the first axis.
        labels : torch.Tensor of shape (n_rows,)
            Integer label of each row.

        Returns
        -------
        loss : torch.Tensor
            Scalar loss, see :func:`supcon_loss`.
        """
        return supcon_loss(
            z, labels, temperature=self.temperature, base_temperature=self.base_temperature
        )


class TwoViewSupConLoss(TwoViewLoss):
    """:func:`supcon_loss` with the two-view interface of the other loss Modules.

    ``forward(anchors, positives, labels=None)`` stacks the ``2B`` rows
    ``[anchors; positives]`` with labels ``[labels; labels]`` and returns
    :func:`supcon_loss` of them: every other view with the same label is a positive
    (the sample's own other view included). With ``labels=None`` each sample is its own
    class and the loss is SimCLR's NT-Xent, :func:`nt_xent_loss`.

    Parameters
    ----------
    temperature : float, default=0.1
        Softmax temperature ``τ`` (0.1 in the SupCon paper).
    base_temperature : float or None, default=None
        Loss scale reference, see :func:`supcon_loss`; ``None`` means no rescaling.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import TwoViewSupConLoss, nt_xent_loss
    >>> generator = torch.Generator().manual_seed(0)
    >>> a = torch.randn(4, 3, generator=generator)
    >>> p = a + 0.1 * torch.randn(4, 3, generator=generator)
    >>> criterion = TwoViewSupConLoss(temperature=0.5)
    >>> bool(torch.isclose(criterion(a, p), nt_xent_loss(a, p, 0.5)))
    True
    >>> criterion(a, p, torch.tensor([0, 0, 1, 1])).ndim
    0
    """

    _hyperparameters = ("temperature", "base_temperature")
    _loss_function = staticmethod(supcon_loss)
    _stacks_views = True

    def __init__(self, temperature: float = 0.1, base_temperature: float | None = None):
        super().__init__()
        self.temperature, self.base_temperature = _check_temperatures(
            temperature, base_temperature
        )
