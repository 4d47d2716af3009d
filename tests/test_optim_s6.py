"""Adafactor (torch 2.13's definition) and optim.swa_utils (AveragedModel, the SWA and EMA averages, SWALR,
update_bn), checked against closed forms and against PyTorch step by step."""

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.optim import swa_utils

rng = np.random.default_rng(13)


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


# ----------------------------------------------------------------------------------------------- Adafactor
ADAFACTOR_CASES = [
    {},
    {"lr": 0.05, "weight_decay": 0.1},
    {"eps": (1e-20, 1e-2), "d": 2.0, "beta2_decay": -0.5, "maximize": True},
]


@pytest.mark.parametrize("hyper", ADAFACTOR_CASES)
def test_adafactor_matches_pytorch_step_by_step(torch, hyper):
    shapes = [(4, 3), (5,), (2, 3, 4), ()]
    values = [rng.standard_normal(s) for s in shapes]
    ours = [tg.Tensor(v.copy(), requires_grad=True) for v in values]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    opt_ours, opt_theirs = tg.optim.Adafactor(ours, **hyper), torch.optim.Adafactor(theirs, **hyper)
    for _ in range(5):
        grads = [rng.standard_normal(s) for s in shapes]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = tg.Tensor(g.copy()), torch.tensor(g.copy())
        opt_ours.step()
        opt_theirs.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)
    for p, q in zip(ours, theirs):
        mine, reference = opt_ours.state[p], opt_theirs.state[q]
        assert sorted(mine) == sorted(reference)
        for key in mine:
            np.testing.assert_allclose(np.asarray(mine[key], dtype=float), np.asarray(reference[key], dtype=float),
                                       rtol=1e-10)


def test_adafactors_first_step_on_a_rank_one_gradient_is_the_sign_times_the_rms_of_the_weights():
    """At t = 1 the factors are the row and column means of g²; for g = a·bᵀ they rebuild g² exactly, so the update
    is sign(g) (RMS 1, not clipped) and the step is max(ε₂, RMS(θ))·min(lr, 1)."""
    theta = rng.standard_normal((3, 4))
    a, b = rng.standard_normal(3), rng.standard_normal(4)
    p = tg.Tensor(theta.copy(), requires_grad=True)
    p.grad = tg.Tensor(np.outer(a, b))
    tg.optim.Adafactor([p], lr=0.3).step()
    alpha = max(1e-3, np.sqrt((theta**2).mean())) * 0.3
    np.testing.assert_allclose(p.data, theta - alpha * np.sign(np.outer(a, b)), rtol=1e-12)


def test_adafactor_state_dict_round_trips_and_refuses_bad_settings(torch, tmp_path):
    p = tg.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    opt = tg.optim.Adafactor([p])
    p.grad = tg.ones(3, 2).double()
    opt.step()
    saved = opt.state_dict()
    assert saved["state"][0]["row_var"].shape == (3, 1) and saved["state"][0]["col_var"].shape == (1, 2)
    again = tg.optim.Adafactor([tg.Tensor(p.data.copy(), requires_grad=True)])
    again.load_state_dict(saved)
    assert again.state_dict()["param_groups"] == saved["param_groups"]
    bad = {**saved, "state": {0: {**saved["state"][0], "row_var": np.zeros((3, 2))}}}
    with pytest.raises(ValueError, match="row_var"):
        again.load_state_dict(bad)
    for wrong, message in (({"lr": -1.0}, "lr"), ({"beta2_decay": 0.5}, "beta2_decay should be <= 0"),
                           ({"eps": (None, -1.0)}, "epsilon2"), ({"d": 0.5}, "clipping threshold"),
                           ({"eps": 1e-3}, "pair")):
        with pytest.raises((ValueError, TypeError), match=message):
            tg.optim.Adafactor([p], **wrong)


# ----------------------------------------------------------------------------------------------- swa_utils
def _pair(torch, seed=0):
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _perturb(torch, ours, theirs):
    """The same random change to both models' parameters and a training batch through both (buffers move)."""
    for p, q in zip(ours.parameters(), theirs.parameters()):
        change = rng.standard_normal(p.shape) * 0.1
        p.data += change
        with torch.no_grad():
            q += torch.tensor(change)
    x = rng.standard_normal((8, 3))
    ours(tg.Tensor(x)), theirs(torch.tensor(x))


@pytest.mark.parametrize("kind", ["swa", "ema", "ema per tensor", "swa with buffers"])
def test_averaged_model_matches_pytorch(torch, kind):
    ours, theirs = _pair(torch)
    options = {"swa": ({}, {}), "ema": ({"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)},
                                        {"multi_avg_fn": torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)}),
               "ema per tensor": ({"avg_fn": swa_utils.get_ema_avg_fn(0.8)},
                                  {"avg_fn": torch.optim.swa_utils.get_ema_avg_fn(0.8)}),
               "swa with buffers": ({"use_buffers": True}, {"use_buffers": True})}[kind]
    averaged_ours = swa_utils.AveragedModel(ours, **options[0])
    averaged_theirs = torch.optim.swa_utils.AveragedModel(theirs, **options[1])
    assert sorted(averaged_ours.state_dict()) == sorted(averaged_theirs.state_dict())
    for _ in range(4):
        _perturb(torch, ours, theirs)
        averaged_ours.update_parameters(ours)
        averaged_theirs.update_parameters(theirs)
    mine, reference = averaged_ours.state_dict(), averaged_theirs.state_dict()
    for key in reference:
        np.testing.assert_allclose(np.asarray(mine[key], dtype=float), reference[key].double().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=key)
    x = rng.standard_normal((5, 3))
    averaged_ours.eval(), averaged_theirs.eval()
    np.testing.assert_allclose(averaged_ours(tg.Tensor(x)).data,
                               averaged_theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_swa_average_is_the_mean_of_the_weights_it_saw():
    model = nn.Linear(2, 2, dtype=tg.float64)
    average = swa_utils.AveragedModel(model)
    seen = []
    for _ in range(5):
        with tg.no_grad():
            model.weight.copy_(tg.Tensor(rng.standard_normal((2, 2))))
        seen.append(model.weight.data.copy())
        average.update_parameters(model)
    np.testing.assert_allclose(average.module.weight.data, np.mean(seen, axis=0), rtol=1e-12)
    assert int(average.n_averaged.data) == 5
    with pytest.raises(ValueError, match=r"\[0,1\] range"):
        swa_utils.get_ema_multi_avg_fn(1.5)


def test_update_bn_recomputes_the_running_statistics_as_pytorch(torch):
    ours, theirs = _pair(torch)
    batches = [rng.standard_normal((6, 3)) for _ in range(3)]
    ours.eval(), theirs.eval()
    swa_utils.update_bn([(tg.Tensor(b), 0) for b in batches], ours)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], theirs)
    for key in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        np.testing.assert_allclose(ours.state_dict()[key], theirs.state_dict()[key].numpy(), rtol=1e-10)
    assert not ours.training and ours[1].momentum == 0.1
    hidden = np.concatenate([ours[0](tg.Tensor(b)).data for b in batches])
    np.testing.assert_allclose(ours[1].running_mean.data, hidden.mean(axis=0), rtol=1e-10)  # the whole pass


@pytest.mark.parametrize(("anneal_epochs", "strategy"), [(3, "cos"), (4, "linear"), (0, "cos")])
def test_swalr_follows_pytorch_after_another_schedule(torch, anneal_epochs, strategy):
    ours_p, theirs_p = tg.Tensor(np.zeros(2), requires_grad=True), torch.zeros(2, requires_grad=True)
    opt_ours = tg.optim.SGD([{"params": [ours_p]}, {"params": [tg.Tensor(np.zeros(1), requires_grad=True)],
                                                   "lr": 0.5}], lr=1.0)
    opt_theirs = torch.optim.SGD([{"params": [theirs_p]}, {"params": [torch.zeros(1, requires_grad=True)],
                                                           "lr": 0.5}], lr=1.0)
    cosine_ours = tg.optim.lr_scheduler.CosineAnnealingLR(opt_ours, T_max=10)
    cosine_theirs = torch.optim.lr_scheduler.CosineAnnealingLR(opt_theirs, T_max=10)
    swa_ours = swa_utils.SWALR(opt_ours, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    swa_theirs = torch.optim.swa_utils.SWALR(opt_theirs, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                                             anneal_strategy=strategy)
    for epoch in range(12):
        for opt in (opt_ours, opt_theirs):
            opt.step()
        if epoch < 4 and anneal_epochs:  # SWALR(anneal_epochs=0) sets swa_lr at once, at construction
            cosine_ours.step(), cosine_theirs.step()
        else:
            swa_ours.step(), swa_theirs.step()
        np.testing.assert_allclose([g["lr"] for g in opt_ours.param_groups],
                                   [g["lr"] for g in opt_theirs.param_groups], rtol=1e-12, err_msg=f"epoch {epoch}")
    assert [g["lr"] for g in opt_ours.param_groups] == pytest.approx([0.05, 0.01])
    saved = opt_ours.state_dict()
    assert saved["param_groups"][0]["swa_lr"] == 0.05
    opt_ours.load_state_dict(saved)  # swa_lr is a scheduler's key in the groups, as PyTorch's
    with pytest.raises(ValueError, match="anneal_strategy"):
        swa_utils.SWALR(opt_ours, 0.1, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs"):
        swa_utils.SWALR(opt_ours, 0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="same length"):
        swa_utils.SWALR(opt_ours, [0.1])
