"""torch.distributed: all_gather_with_grad reproduces one process's loss and gradients, and
SCARF and SupCon trained data-parallel by two gloo processes equal a single-process fit."""

import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from skcontrast.distributed import all_gather_with_grad
from skcontrast.losses import info_nce_loss, supcon_loss

pytestmark = pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                                reason="torch.distributed with gloo is not available")

WORLD = 2
ROWS = 6  # per rank


def _global_batch():
    gen = torch.Generator().manual_seed(0)
    anchors = torch.randn(WORLD * ROWS, 5, generator=gen, dtype=torch.float64)
    positives = anchors + 0.3 * torch.randn(WORLD * ROWS, 5, generator=gen,
                                            dtype=torch.float64)
    labels = torch.randint(0, 3, (WORLD * ROWS,), generator=gen)
    return anchors, positives, labels


def _local_info_nce(a, p, gather):
    # Each rank's anchors against the positives of every rank (the global negatives),
    # written as the loss over the global batch restricted to this rank's anchor rows.
    normalize = torch.nn.functional.normalize
    P = gather(normalize(p, dim=1))
    logits = normalize(a, dim=1) @ P.T
    rank = dist.get_rank()
    targets = torch.arange(ROWS) + rank * ROWS
    return torch.nn.functional.cross_entropy(logits, targets)


def _supcon_per_anchor(views, labels, temperature):
    # SupCon's L_out for each anchor row (the obvious formula, one anchor per row).
    z = torch.nn.functional.normalize(views, dim=1)
    logits = z @ z.T / temperature
    self_mask = torch.eye(len(z), dtype=torch.bool)
    logits = logits.masked_fill(self_mask, float("-inf"))
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    positive = (labels[:, None] == labels[None, :]) & ~self_mask
    return -(log_prob.masked_fill(~positive, 0).sum(1) / positive.sum(1))


def _local_supcon(a, p, y, gather):
    # SupCon over the gathered global views; each rank averages over its own anchors.
    views = torch.cat([gather(a), gather(p)])
    labels = torch.cat([gather(y), gather(y)])
    rank = dist.get_rank()
    mine = torch.zeros(len(labels), dtype=torch.bool)
    mine[rank * ROWS:(rank + 1) * ROWS] = True
    mine[WORLD * ROWS + rank * ROWS:WORLD * ROWS + (rank + 1) * ROWS] = True
    return _supcon_per_anchor(views, labels, 0.5)[mine].mean()


def _no_grad_gather(t):  # what public ports often do: gather without gradients
    parts = [torch.empty_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, t.contiguous())
    parts[dist.get_rank()] = t
    return torch.cat(parts)


def _worker(rank, port, results, naive):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=WORLD)
    try:
        gather = _no_grad_gather if naive else all_gather_with_grad
        anchors, positives, labels = _global_batch()
        shard = slice(rank * ROWS, (rank + 1) * ROWS)
        out = {}
        for name in ("info_nce", "supcon"):
            a = anchors[shard].clone().requires_grad_(True)
            p = positives[shard].clone().requires_grad_(True)
            if name == "info_nce":
                loss = _local_info_nce(a, p, gather)
            else:
                loss = _local_supcon(a, p, labels[shard], gather)
            (loss / WORLD).backward()  # DDP averages gradients over ranks
            total = loss.detach().clone()
            dist.all_reduce(total)
            out[name] = (float(total / WORLD), a.grad.clone(), p.grad.clone())
        results[rank] = out
    finally:
        dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(naive):
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_worker, args=(_free_port(), results, naive), nprocs=WORLD, join=True)
    return dict(results)


def _single_process():
    anchors, positives, labels = _global_batch()
    out = {}
    a = anchors.clone().requires_grad_(True)
    p = positives.clone().requires_grad_(True)
    loss = info_nce_loss(a, p, temperature=1.0)
    loss.backward()
    out["info_nce"] = (float(loss.detach()), a.grad, p.grad)
    a = anchors.clone().requires_grad_(True)
    p = positives.clone().requires_grad_(True)
    loss = supcon_loss(torch.cat([a, p]), torch.cat([labels, labels]), temperature=0.5)
    loss.backward()
    out["supcon"] = (float(loss.detach()), a.grad, p.grad)
    return out


@pytest.mark.slow
def test_two_ranks_give_the_global_batch_loss_and_gradients():
    single = _single_process()
    ranks = _run(naive=False)
    for name, (loss, grad_a, grad_p) in single.items():
        for rank in range(WORLD):
            rank_loss, rank_grad_a, rank_grad_p = ranks[rank][name]
            shard = slice(rank * ROWS, (rank + 1) * ROWS)
            assert rank_loss == pytest.approx(loss, abs=1e-12), name
            torch.testing.assert_close(rank_grad_a, grad_a[shard], rtol=0, atol=1e-12)
            torch.testing.assert_close(rank_grad_p, grad_p[shard], rtol=0, atol=1e-12)


@pytest.mark.slow
def test_a_gather_without_gradients_changes_the_objective():
    # The bug the autograd gather exists to avoid: same loss value, wrong gradients.
    single = _single_process()
    ranks = _run(naive=True)
    loss, _, grad_p = single["info_nce"]
    rank_loss, _, rank_grad_p = ranks[0]["info_nce"]
    assert rank_loss == pytest.approx(loss, abs=1e-12)
    assert not torch.allclose(rank_grad_p, grad_p[:ROWS], atol=1e-6)


def test_without_a_process_group_the_tensor_is_returned_as_is():
    z = torch.randn(3, 2, requires_grad=True)
    assert all_gather_with_grad(z) is z


# ----------------------------------------------------------------- embedders under DDP
def _fit_cases():
    import numpy as np

    from skcontrast import SCARFEmbedder, SupConEmbedder

    rng = np.random.RandomState(0)
    X = rng.normal(size=(67, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    common = dict(batch_size=8, device="cpu", n_threads=1, random_state=0)
    # A trailing batch is kept when it splits evenly over the ranks (else every rank
    # skips it): 66 rows give 8 batches and a pair; 67 rows less 7 validation rows give
    # 7 batches and 4 rows.
    return X[:66], y, {
        "scarf": (SCARFEmbedder(max_epochs=3, early_stopping=False, **common), X[:66], None),
        # Early stopping: the validation loss (computed whole on every rank) decides.
        "supcon": (SupConEmbedder(max_epochs=4, n_iter_no_change=2, **common), X, y),
    }


def _fit_worker(rank, port, results, path):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=WORLD)
    try:
        from skcontrast import SCARFEmbedder

        X, _, cases = _fit_cases()
        out = {}
        for name, (est, data, y) in cases.items():
            est.fit(data, y)
            out[name] = (est.transform(data), est.n_steps_, est.loss_curve_)
        out["saved"] = SCARFEmbedder(max_epochs=1).fit(X).save(f"{path}.{rank}").exists()
        try:
            SCARFEmbedder(batch_size=7).fit(X)
        except ValueError as exc:
            out["odd_batch"] = str(exc)
        results[rank] = out
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_embedders_trained_data_parallel_equal_one_process(tmp_path):
    # Two gloo ranks, each given the same data and random_state, each encoding half of
    # every global batch: the model is the one a single process fits.
    X, _, cases = _fit_cases()
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_fit_worker, args=(_free_port(), results, str(tmp_path / "m.skc")),
             nprocs=WORLD, join=True)
    for name, (est, data, y) in cases.items():
        single = est.fit(data, y)
        Z = single.transform(data)
        for rank in range(WORLD):
            Z_rank, n_steps, curve = results[rank][name]
            assert n_steps == single.n_steps_, name
            torch.testing.assert_close(torch.from_numpy(Z_rank), torch.from_numpy(Z),
                                       rtol=1e-4, atol=1e-5)
            assert curve == pytest.approx(single.loss_curve_, rel=1e-5), name
        # Every rank holds exactly the same weights.
        assert (results[0][name][0] == results[1][name][0]).all()
    assert results[0]["saved"] and not results[1]["saved"]  # only rank 0 writes
    for rank in range(WORLD):
        assert "batch_size=7" in results[rank]["odd_batch"]
        assert "multiple of 2" in results[rank]["odd_batch"]
