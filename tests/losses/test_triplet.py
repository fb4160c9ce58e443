"""Triplet loss and its mining strategies against explicit loops over triplets."""

import math

import pytest
import torch

from skcontrast.losses import TripletLoss, triplet_loss

from ._helpers import TOL, assert_same_gradients, gradcheck_views, randn, stack_views, unit, views


def _value(t):
    return t.detach().item()


def slow_triplet(rows, labels, margin=0.2, mining="batch_hard", soft_margin=False,
                 squared=True, normalize=True):
    """FaceNet / Hermans et al. written out triplet by triplet."""
    rows = [unit(r) if normalize else r for r in rows]
    n = len(rows)

    def dist(i, j):
        d2 = ((rows[i] - rows[j]) ** 2).sum()
        return d2 if squared else torch.sqrt(d2)

    def link(d_ap, d_an):
        if soft_margin:
            return torch.log(1 + torch.exp(d_ap - d_an))
        return torch.clamp(d_ap - d_an + margin, min=0.0)

    def positives(a):
        return [p for p in range(n) if p != a and labels[p] == labels[a]]

    def negatives(a):
        return [k for k in range(n) if labels[k] != labels[a]]

    losses = []
    for a in range(n):
        if mining == "batch_hard":
            if positives(a) and negatives(a):
                hardest_p = max((dist(a, p) for p in positives(a)), key=_value)
                hardest_n = min((dist(a, k) for k in negatives(a)), key=_value)
                losses.append(link(hardest_p, hardest_n))
            continue
        for p in positives(a):
            if not negatives(a):
                continue
            d_ap = dist(a, p)
            if mining == "all":
                losses.extend(link(d_ap, dist(a, k)) for k in negatives(a))
            else:  # semi_hard with the farthest negative as fallback
                farther = [dist(a, k) for k in negatives(a) if _value(dist(a, k)) > _value(d_ap)]
                if farther:
                    chosen = min(farther, key=_value)
                else:
                    chosen = max((dist(a, k) for k in negatives(a)), key=_value)
                losses.append(link(d_ap, chosen))
    if not losses:
        return torch.zeros((), dtype=rows[0].dtype)
    return sum(losses) / len(losses)


CONFIGS = [
    {"mining": "batch_hard"},
    {"mining": "batch_hard", "margin": 0.5, "squared": False},
    {"mining": "batch_hard", "soft_margin": True},
    {"mining": "batch_hard", "soft_margin": True, "squared": False},
    {"mining": "semi_hard"},
    {"mining": "semi_hard", "margin": 1.0},
    {"mining": "semi_hard", "margin": 0.3, "squared": False},
    {"mining": "all"},
    {"mining": "all", "margin": 1.0, "squared": False},
    {"mining": "all", "soft_margin": True},
    {"mining": "batch_hard", "normalize": False, "margin": 1.0},
    {"mining": "all", "normalize": False, "margin": 2.0},
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                      c.items()))
@pytest.mark.parametrize("labels", [None, [0, 1, 0, 2, 1, 3]])
def test_module_matches_slow_loop(dtype, config, labels):
    a, p = views(6, 4, seed=11, dtype=dtype, noise=1.0)
    labels = None if labels is None else torch.tensor(labels)
    loss = TripletLoss(**config)(a, p, labels)
    rows, ids = stack_views(a.double(), p.double(), labels)
    assert loss.dtype == dtype
    assert loss.item() == pytest.approx(slow_triplet(rows, ids, **config).item(),
                                        rel=TOL[dtype], abs=1e-7)


@pytest.mark.parametrize("config", CONFIGS[:10:3])
@pytest.mark.parametrize("labels", [[0, 0, 1, 1, 2, 2, 0], [0, 1, 2, 3, 4, 5, 5], [0] * 7])
def test_function_matches_slow_loop(config, labels):
    z = randn(7, 3, seed=12)
    loss = triplet_loss(z, torch.tensor(labels), **config)
    assert loss.item() == pytest.approx(slow_triplet(list(z), labels, **config).item(),
                                        rel=1e-10, abs=1e-12)


def test_nonzero_losses_are_exercised():
    # Guard against a vacuous comparison: the random batches above do violate margins.
    a, p = views(6, 4, seed=11, noise=1.0)
    for mining in ("batch_hard", "semi_hard", "all"):
        assert TripletLoss(mining=mining)(a, p).item() > 0.001


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_gradient_matches_autograd_of_slow_formula(config):
    labels = torch.tensor([0, 1, 0, 2, 1])
    assert_same_gradients(
        lambda a, p: TripletLoss(**config)(a, p, labels),
        lambda a, p: slow_triplet(*stack_views(a, p, labels), **config),
        *views(5, 3, seed=13, noise=1.0),
        rtol=1e-9,
    )


@pytest.mark.parametrize("config", CONFIGS[:10:3], ids=str)
def test_gradcheck(config):
    assert gradcheck_views(TripletLoss(**config), *views(3, 3, seed=14, noise=1.0))


def _unit_circle(*angles):
    return torch.tensor([[math.cos(t), math.sin(t)] for t in angles], dtype=torch.float64)


def test_semi_hard_picks_the_nearest_negative_beyond_the_positive():
    # Anchor 0 at angle 0, its positive 1 at 0.3; negatives at 0.2 (hard: nearer than the
    # positive), 0.4 (semi-hard) and 0.5 (semi-hard, farther).
    z = _unit_circle(0.0, 0.3, 0.2, 0.4, 0.5)
    labels = torch.tensor([0, 0, 1, 1, 1])
    d2 = torch.cdist(z, z) ** 2
    # Anchor 0 -> positive 1: the semi-hard negative is row 3 (the nearest beyond d_ap).
    expected_0 = max(d2[0, 1] - d2[0, 3] + 0.2, 0.0)
    loss = triplet_loss(z, labels, mining="semi_hard")
    rows = list(z)
    assert loss.item() == pytest.approx(slow_triplet(rows, labels.tolist(),
                                                     mining="semi_hard").item())
    assert expected_0 > 0  # the chosen negative is inside the margin window


def test_semi_hard_falls_back_to_the_farthest_negative():
    # Every negative is nearer to the anchor than its positive: no semi-hard negative.
    z = _unit_circle(0.0, 1.0, 0.1, 0.2)
    labels = torch.tensor([0, 0, 1, 1])
    d2 = torch.cdist(z, z) ** 2
    # For the pair (0, 1) the fallback is the farthest negative, row 3.
    pair_01 = d2[0, 1] - d2[0, 3] + 0.2
    assert pair_01 > 0.2
    # Every pair, by the rule: the nearest negative beyond the positive, else the farthest.
    per_pair = []
    for a, pos in [(0, 1), (1, 0), (2, 3), (3, 2)]:
        negs = [k for k in range(4) if labels[k] != labels[a]]
        farther = [d2[a, k] for k in negs if d2[a, k] > d2[a, pos]]
        chosen = min(farther) if farther else max(d2[a, k] for k in negs)
        per_pair.append(max(float(d2[a, pos] - chosen + 0.2), 0.0))
    loss = triplet_loss(z, labels, mining="semi_hard")
    assert loss.item() == pytest.approx(sum(per_pair) / 4)
    assert per_pair[0] == pytest.approx(float(pair_01))


def test_batch_hard_uses_farthest_positive_and_nearest_negative():
    z = _unit_circle(0.0, 0.5, 1.0, 0.2, 2.0)
    labels = torch.tensor([0, 0, 0, 1, 1])
    d2 = torch.cdist(z, z) ** 2
    loss = triplet_loss(z, labels, mining="batch_hard", margin=0.1)
    anchor_0 = max(float(d2[0, 2] - d2[0, 3]) + 0.1, 0.0)
    assert anchor_0 > 0
    assert loss.item() == pytest.approx(slow_triplet(list(z), labels.tolist(), margin=0.1)
                                        .item())


def test_all_mining_averages_over_every_valid_triplet():
    z = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0]])
    loss = triplet_loss(z, torch.tensor([0, 0, 1, 1]), mining="all")
    assert loss.item() == pytest.approx(2 * 0.52 / 8)  # 8 valid triplets, 2 active


def test_no_valid_triplet_gives_connected_zero():
    for labels in ([0, 0, 0, 0], [0, 1, 2, 3]):
        for mining in ("batch_hard", "semi_hard", "all"):
            z = randn(4, 3, seed=15).requires_grad_()
            loss = triplet_loss(z, torch.tensor(labels), mining=mining)
            loss.backward()
            assert loss.item() == 0.0 and torch.equal(z.grad, torch.zeros_like(z))


def test_collapsed_batch_costs_the_margin():
    ones = torch.ones(3, 4, dtype=torch.float64, requires_grad=True)
    for mining in ("batch_hard", "semi_hard", "all"):
        loss = TripletLoss(mining=mining, margin=0.3)(ones, ones)
        assert loss.item() == pytest.approx(0.3)
    soft = TripletLoss(soft_margin=True)(ones, ones)
    assert soft.item() == pytest.approx(math.log(2))


def test_repr_and_attributes():
    criterion = TripletLoss(margin=0.5, mining="all", soft_margin=True, squared=False)
    assert (criterion.margin, criterion.mining, criterion.soft_margin, criterion.squared,
            criterion.normalize) == (0.5, "all", True, False, True)
    assert repr(criterion) == ("TripletLoss(margin=0.5, mining='all', soft_margin=True, "
                               "squared=False, normalize=True)")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"margin": 0.0}, ValueError, "margin"),
        ({"margin": -0.2}, ValueError, "margin"),
        ({"margin": None}, TypeError, "margin"),
        ({"mining": "hardest"}, ValueError, "mining must be one of 'all', 'batch_hard'"),
        ({"mining": None}, ValueError, "mining"),
        ({"soft_margin": 1}, TypeError, "soft_margin"),
        ({"squared": "no"}, TypeError, "squared"),
        ({"normalize": None}, TypeError, "normalize"),
        ({"mining": "semi_hard", "soft_margin": True}, ValueError, "semi_hard"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        TripletLoss(**kwargs)
    with pytest.raises(error, match=match):
        triplet_loss(randn(4, 2, seed=0), torch.tensor([0, 0, 1, 1]), **kwargs)


def test_bad_inputs():
    z = randn(4, 2, seed=0)
    with pytest.raises(ValueError, match="same shape"):
        TripletLoss()(z, z[:, :1])
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        TripletLoss()(z, z, torch.tensor([[0, 1, 2, 3]]))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        triplet_loss(z[:3], torch.tensor([0, 1, 0, 1]))
    with pytest.raises(TypeError, match="embeddings must be a torch.Tensor"):
        triplet_loss(z.numpy(), torch.tensor([0, 1, 0, 1]))
