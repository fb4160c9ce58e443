"""ExpCLR loss: contrastive learning driven by expert features instead of augmentations.

ExpCLR (Nonnenmacher et al., ICML 2022, "Utilizing Expert Features for Contrastive
Learning of Time-Series Representations") asks the distance between two learned
representations to match how *dissimilar* an expert-feature vector says the two samples
are. With a similarity ``s_ij`` in ``[0, 1]`` computed from the expert features and the
(normalised) representation distance ``D_ij``, each pair contributes

    L_ij = ((1 - s_ij) * delta - D_ij) ** 2

and the batch loss is a soft maximum over all ``N**2`` ordered pairs,

    loss = tau * log( (1 / N**2) * sum_ij exp(L_ij / tau) ),

computed with ``logsumexp``. ``tau -> 0`` concentrates the loss on the worst-fitted pair
(hard-pair mining); large ``tau`` approaches the plain mean of ``L_ij``.

Facts taken from public reimplementations of the paper (the official repository,
github.com/boschresearch/expclr, publishes no code): the "squared" similarity squares
the similarity, ``s_ij = (1 - ||f_i - f_j|| / max_kl ||f_k - f_l||) ** 2``; the
representation distance is divided by its row mean ``mu_i = (1/N) sum_j D_ij``; the
double sum runs over all ordered pairs *including* ``i == j``.
"""

from __future__ import annotations

import math

import torch

from ._common import ParametrizedLoss, check_matrix, pairwise_distances

__all__ = ["ExpCLRLoss", "combine_label_similarity", "expclr_loss", "expert_similarity"]


def _check_positive(value, name, example):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a positive float, got {value!r}.")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}; use e.g. {example}.")
    return float(value)


def expert_similarity(
    features: torch.Tensor,
    *,
    squared: bool = True,
    max_distance: float | None = None,
) -> torch.Tensor:
    """Pairwise similarity of expert-feature vectors, in ``[0, 1]``.

    ``s_ij = 1 - ||f_i - f_j|| / max_kl ||f_k - f_l||``, clamped at 0, and squared when
    ``squared=True`` (the variant the ExpCLR paper uses).

    Parameters
    ----------
    features : torch.Tensor of shape (n_samples, n_features)
        Expert features of the batch, already standardised (each feature z-scored on
        the training set) so that no feature dominates the Euclidean distance. Must be
        finite: impute missing values first.
    squared : bool, default=True
        Square the similarity, ``s_ij = (1 - d_ij / d_max) ** 2``. This is what the
        public reimplementations of the paper call its Eq. 5 and use by default: it
        makes the similarity fall off faster, so only really close pairs are asked to
        be close in the representation (a pair at half the maximal distance gets
        ``s = 0.25`` instead of ``0.5``). Note that the *similarity* is squared, not the
        distance.
    max_distance : float or None, default=None
        The normaliser ``max_kl ||f_k - f_l||``. ``None`` takes the maximum over the
        batch (so the farthest pair of the batch has ``s = 0``). Pass the maximum over
        the training set to make similarities comparable across batches; pairs farther
        apart than it are clamped to ``s = 0``.

    Returns
    -------
    similarity : torch.Tensor of shape (n_samples, n_samples)
        Symmetric, ones on the diagonal, values in ``[0, 1]``, same dtype and device as
        ``features``. It is a fixed target: computed without gradient. If all feature
        vectors are identical (maximal distance 0) every pair is fully similar (1).

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.expclr import expert_similarity
    >>> f = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.6, 0.8]])
    >>> expert_similarity(f, squared=False)
    tensor([[1.0000, 0.0000, 0.8000],
            [0.0000, 1.0000, 0.2000],
            [0.8000, 0.2000, 1.0000]])
    >>> expert_similarity(f)[0, 2]
    tensor(0.6400)
    """
    check_matrix(features, "features", "(n_samples, n_features)", nonempty=False)
    with torch.no_grad():
        if not bool(torch.isfinite(features).all()):
            raise ValueError(
                "features contains NaN or infinite values; impute and standardise the "
                "expert features before computing similarities."
            )
        distances = pairwise_distances(features.detach())
        if max_distance is None:
            scale = distances.max() if distances.numel() else distances.new_tensor(0.0)
        else:
            scale = distances.new_tensor(_check_positive(max_distance, "max_distance", "None"))
        if scale <= 0:
            # All vectors coincide: nothing distinguishes any pair, call them all similar.
            return torch.ones_like(distances)
        similarity = (1.0 - distances / scale).clamp_min(0.0)
        if squared:
            similarity = similarity.square()
    return similarity


def combine_label_similarity(
    similarity: torch.Tensor,
    labels: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """Fold known class labels into an expert similarity (semi-supervised ExpCLR).

    For a pair whose two samples both have a known label the similarity becomes 1 if
    the labels agree and 0 if they differ; every other pair keeps its expert
    similarity. Labelled same-class pairs are thus pulled together (target distance
    0) and labelled different-class pairs pushed to the full margin ``delta``, while
    the expert features still organise everything that involves an unlabelled sample.

    Parameters
    ----------
    similarity : torch.Tensor of shape (n_samples, n_samples)
        Expert similarity, e.g. from :func:`expert_similarity`. Not modified.
    labels : torch.Tensor of shape (n_samples,)
        Integer labels; entries where ``mask`` is False are ignored (any placeholder,
        e.g. -1, will do).
    mask : torch.Tensor of shape (n_samples,), bool
        True where the label is known.

    Returns
    -------
    similarity : torch.Tensor of shape (n_samples, n_samples)
        A new tensor.

    Notes
    -----
    The ExpCLR paper evaluates a semi-supervised variant that folds labels into
    ``s_ij``; we could not consult its exact formula, so this hard 1/0 override for
    labelled pairs is our documented choice. It is the natural reading of ``s_ij``
    as "how close should these two be": two samples of one class are as similar as
    two identical expert-feature vectors.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.expclr import combine_label_similarity
    >>> s = torch.full((3, 3), 0.5).fill_diagonal_(1.0)
    >>> combine_label_similarity(s, torch.tensor([0, 1, -1]), torch.tensor([True, True, False]))
    tensor([[1.0000, 0.0000, 0.5000],
            [0.0000, 1.0000, 0.5000],
            [0.5000, 0.5000, 1.0000]])
    """
    check_matrix(similarity, "similarity", "(n_samples, n_samples)", nonempty=False)
    n = similarity.shape[0]
    if similarity.shape[1] != n:
        raise ValueError(f"similarity must be square, got shape {tuple(similarity.shape)}.")
    for name, value in (("labels", labels), ("mask", mask)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}.")
        if value.shape != (n,):
            raise ValueError(
                f"{name} must have shape ({n},) to match similarity, got {tuple(value.shape)}."
            )
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a bool tensor, got dtype {mask.dtype}; use labels >= 0.")
    labels = labels.to(similarity.device)
    mask = mask.to(similarity.device)
    both_labelled = mask[:, None] & mask[None, :]
    same_label = labels[:, None] == labels[None, :]
    label_similarity = same_label.to(similarity.dtype)
    return torch.where(both_labelled, label_similarity, similarity)


def expclr_loss(
    representations: torch.Tensor,
    similarity: torch.Tensor,
    *,
    delta: float = 1.0,
    temperature: float = 1.0,
    normalize_distances: bool = True,
    quadratic: bool = False,
) -> torch.Tensor:
    """ExpCLR loss for a batch of representations and their target similarities.

    Parameters
    ----------
    representations : torch.Tensor of shape (n_samples, n_dims)
        Encoder outputs ``E(x_i)`` (no projection head in ExpCLR). Pool or flatten
        time-resolved outputs first.
    similarity : torch.Tensor of shape (n_samples, n_samples)
        Target similarities ``s_ij`` in ``[0, 1]``, e.g. from :func:`expert_similarity`
        (optionally through :func:`combine_label_similarity`). Treated as constants.
    delta : float, default=1.0
        Margin ``Δ``: the target distance of a maximally dissimilar pair.
    temperature : float, default=1.0
        ``τ`` of the soft maximum over pairs. Small values mine the hardest pair, large
        values approach the mean quadratic loss. Ignored when ``quadratic=True``.
    normalize_distances : bool, default=True
        Divide ``D_ij = ||E_i - E_j||`` by its row mean ``(1/N) sum_j D_ij`` (the
        reference implementations do). This makes the loss invariant to the scale of
        the representation, so the encoder can neither shrink nor inflate its outputs
        to fit ``delta``. A row whose mean is 0 (all representations equal) is left at
        0 instead of dividing by zero.
    quadratic : bool, default=False
        Return the mean of ``L_ij`` over all ``N**2`` pairs (the paper's ablation
        without hard-pair mining) instead of the soft maximum.

    Returns
    -------
    loss : torch.Tensor
        Scalar, differentiable with respect to ``representations``, never negative.

    Notes
    -----
    The sum runs over all ``N**2`` ordered pairs including ``i == j``, as the reference
    implementations do. Diagonal terms are ``L_ii = ((1 - s_ii) Δ)**2``, which is 0
    for similarities with ones on the diagonal: they carry no gradient and only fix the
    constant ``1/N**2``, so that a perfect fit gives exactly 0. Distances have finite
    gradients at zero (the diagonal, duplicated rows): the gradient of a zero distance
    is taken as 0.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.expclr import expclr_loss, expert_similarity
    >>> generator = torch.Generator().manual_seed(0)
    >>> features = torch.randn(6, 3, generator=generator)
    >>> E = torch.randn(6, 8, generator=generator, requires_grad=True)
    >>> loss = expclr_loss(E, expert_similarity(features))
    >>> loss.backward()
    >>> bool(torch.isfinite(E.grad).all())
    True
    """
    check_matrix(representations, "representations", "(n_samples, n_dims)", nonempty=False)
    check_matrix(similarity, "similarity", "(n_samples, n_samples)", nonempty=False)
    n = representations.shape[0]
    if similarity.shape != (n, n):
        raise ValueError(
            f"similarity must have shape ({n}, {n}) to match representations of shape "
            f"{tuple(representations.shape)}, got {tuple(similarity.shape)}."
        )
    if n == 0:
        raise ValueError("representations is empty; ExpCLR needs at least one sample.")
    delta = _check_positive(delta, "delta", "delta=1.0")
    temperature = _check_positive(temperature, "temperature", "temperature=1.0")

    distances = pairwise_distances(representations)
    if normalize_distances:
        row_mean = distances.mean(dim=1, keepdim=True)
        # Only an all-zero row has mean 0; the clamp turns 0/0 into 0/tiny = 0.
        distances = distances / row_mean.clamp_min(torch.finfo(distances.dtype).tiny)
    target = (1.0 - similarity.to(device=distances.device, dtype=distances.dtype)) * delta
    pair_loss = (target - distances).square()
    if quadratic:
        return pair_loss.mean()
    # tau * log(mean(exp(L / tau))) = tau * (logsumexp(L / tau) - log(N**2)); logsumexp
    # keeps exp() in range however small tau is.
    log_mean_exp = torch.logsumexp((pair_loss / temperature).flatten(), dim=0) - 2.0 * math.log(n)
    return temperature * log_mean_exp


class ExpCLRLoss(ParametrizedLoss):
    """ExpCLR loss computed from representations and raw expert features.

    Combines :func:`expert_similarity`, the optional semi-supervised
    :func:`combine_label_similarity` and :func:`expclr_loss`.

    Parameters
    ----------
    delta : float, default=1.0
        Margin ``Δ``.
    temperature : float, default=1.0
        Soft-maximum temperature ``τ``.
    squared_similarity : bool, default=True
        Use the squared similarity, see :func:`expert_similarity`.
    normalize_distances : bool, default=True
        Divide representation distances by their row mean.
    quadratic : bool, default=False
        Use the mean quadratic loss (no hard-pair mining).

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses.expclr import ExpCLRLoss
    >>> generator = torch.Generator().manual_seed(0)
    >>> criterion = ExpCLRLoss()
    >>> loss = criterion(torch.randn(5, 4, generator=generator),
    ...                  torch.randn(5, 2, generator=generator))
    >>> loss.ndim
    0
    """

    _hyperparameters = ("delta", "temperature", "squared_similarity",
                        "normalize_distances", "quadratic")

    def __init__(
        self,
        delta: float = 1.0,
        temperature: float = 1.0,
        squared_similarity: bool = True,
        normalize_distances: bool = True,
        quadratic: bool = False,
    ):
        super().__init__()
        self.delta = _check_positive(delta, "delta", "delta=1.0")
        self.temperature = _check_positive(temperature, "temperature", "temperature=1.0")
        self.squared_similarity = bool(squared_similarity)
        self.normalize_distances = bool(normalize_distances)
        self.quadratic = bool(quadratic)

    def forward(
        self,
        representations: torch.Tensor,
        features: torch.Tensor,
        labels: torch.Tensor | None = None,
        label_mask: torch.Tensor | None = None,
        max_distance: float | None = None,
    ) -> torch.Tensor:
        """Compute the loss.

        Parameters
        ----------
        representations : torch.Tensor of shape (n_samples, n_dims)
            Encoder outputs.
        features : torch.Tensor of shape (n_samples, n_features)
            Standardised expert features of the same samples.
        labels, label_mask : torch.Tensor of shape (n_samples,) or None
            For the semi-supervised variant: labels and the bool mask of known ones.
            Give both or neither; ``label_mask=None`` with labels means all are known.
        max_distance : float or None
            Expert-feature distance normaliser, see :func:`expert_similarity`.

        Returns
        -------
        loss : torch.Tensor
            Scalar loss.
        """
        similarity = expert_similarity(
            features, squared=self.squared_similarity, max_distance=max_distance
        )
        if labels is not None:
            if not isinstance(labels, torch.Tensor):
                raise TypeError(f"labels must be a torch.Tensor, got {type(labels).__name__}.")
            if label_mask is None:
                label_mask = torch.ones(labels.shape, dtype=torch.bool, device=labels.device)
            similarity = combine_label_similarity(similarity, labels, label_mask)
        elif label_mask is not None:
            raise ValueError("label_mask was given without labels; pass labels too.")
        return expclr_loss(
            representations,
            similarity,
            delta=self.delta,
            temperature=self.temperature,
            normalize_distances=self.normalize_distances,
            quadratic=self.quadratic,
        )
