"""The loss registry, make_loss, and the common two-view interface of every loss Module."""

import copy
import inspect

import pytest
import torch

import skcontrast.losses as losses
from skcontrast.losses import LOSSES, NTXentLoss, TripletLoss, make_loss

from ._helpers import degenerate_batches, views

NAMES = ["info_nce", "nt_xent", "contrastive", "triplet", "npair", "debiased", "hard_negative",
         "soft_nearest_neighbour", "supcon"]


def test_registry_names_and_exports():
    assert sorted(LOSSES) == sorted(NAMES)
    for cls in LOSSES.values():
        assert cls.__name__ in losses.__all__
    assert losses.__all__ == sorted(losses.__all__)


@pytest.mark.parametrize("name", NAMES)
def test_make_loss_by_name(name):
    criterion = make_loss(name)
    assert isinstance(criterion, LOSSES[name])
    a, p = views(4, 3, seed=1)
    assert criterion(a, p).ndim == 0


def test_make_loss_passes_the_defaults_the_class_takes():
    assert make_loss("nt_xent", temperature=0.2, symmetric=False).temperature == 0.2
    triplet = make_loss("triplet", temperature=0.2, margin=0.5)  # temperature: ignored
    assert isinstance(triplet, TripletLoss) and triplet.margin == 0.5
    with pytest.raises(ValueError, match="temperature"):
        make_loss("nt_xent", temperature=-1.0)


def test_make_loss_returns_an_instance_as_is():
    criterion = NTXentLoss(temperature=0.3)
    assert make_loss(criterion, temperature=0.9) is criterion
    custom = torch.nn.Module()
    assert make_loss(custom) is custom


@pytest.mark.parametrize("bad", ["ntxent", "", "NT_XENT", None, 3, NTXentLoss])
def test_make_loss_bad_name(bad):
    with pytest.raises(ValueError, match="loss must be one of 'contrastive', 'debiased'"):
        make_loss(bad)


@pytest.mark.parametrize("name", NAMES)
def test_interface_attributes_and_cloning(name):
    cls = LOSSES[name]
    assert list(inspect.signature(cls.forward).parameters) == [
        "self", "anchors", "positives", "labels"]
    assert inspect.signature(cls.forward).parameters["labels"].default is None
    criterion = cls()
    params = inspect.signature(cls).parameters
    # Every constructor argument is stored under its own name (repr, cloning).
    values = {key: getattr(criterion, key) for key in params}
    rebuilt = cls(**values)
    assert repr(rebuilt) == repr(criterion)
    assert repr(copy.deepcopy(criterion)) == repr(criterion)
    for key, value in values.items():
        assert f"{key}={value!r}" in repr(criterion) or f"{key}={value}" in repr(criterion)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("case", sorted(degenerate_batches()))
def test_degenerate_batches_are_finite(name, dtype, case):
    anchors, positives, labels = degenerate_batches(dtype)[case]
    anchors = anchors.clone().requires_grad_()
    positives = positives.clone().requires_grad_()
    loss = make_loss(name)(anchors, positives, labels)
    assert loss.ndim == 0 and loss.dtype == dtype and torch.isfinite(loss)
    loss.backward()
    for grad in (anchors.grad, positives.grad):
        assert grad is not None and torch.isfinite(grad).all()


@pytest.mark.parametrize("name", NAMES)
def test_labels_of_distinct_samples_change_nothing(name):
    # Distinct labels everywhere mean "every sample is its own class", as labels=None.
    a, p = views(5, 3, seed=2)
    criterion = make_loss(name)
    assert criterion(a, p, torch.tensor([9, 7, 5, 3, 1])).item() == pytest.approx(
        criterion(a, p).item(), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_common_input_errors(name):
    criterion = make_loss(name)
    z = torch.ones(4, 3)
    with pytest.raises(ValueError, match="same shape"):
        criterion(z, torch.ones(3, 3))
    with pytest.raises(ValueError, match="2-D"):
        criterion(torch.ones(4), torch.ones(4))
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        criterion(z, z, torch.tensor([0, 1, 2]))
    with pytest.raises(TypeError, match="integer"):
        criterion(z, z, torch.zeros(4))


@pytest.mark.parametrize("name", NAMES)
def test_does_not_mutate_inputs(name):
    a, p = views(4, 3, seed=3)
    labels = torch.tensor([0, 1, 0, 1])
    before = (a.clone(), p.clone(), labels.clone())
    make_loss(name)(a, p, labels)
    assert all(torch.equal(x, y) for x, y in zip((a, p, labels), before, strict=True))
