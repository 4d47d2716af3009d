"""Optimizers' first steps against their documented update rules, groups, state dicts, schedulers."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

THETA0 = np.array([0.5, -1.0, 2.0], dtype=np.float32)
GRADS = [np.array(g, dtype=np.float32) for g in ([0.1, -0.2, 0.3], [0.4, 0.1, -0.5], [-0.3, 0.2, 0.1])]


def run(make_optimizer, steps=3):
    """Parameters after each step of the optimizer fed the fixed gradients GRADS."""
    p = nn.Parameter(THETA0.copy())
    storage = p.data
    opt = make_optimizer([p])
    history = []
    for g in GRADS[:steps]:
        p.grad = tg.Tensor(g)
        opt.step()
        assert p.data is storage  # updated in place (so views and the optimizer's references stay valid)
        buffers = [v for v in opt.state[p].values() if isinstance(v, np.ndarray)]
        assert all(v.dtype == np.float32 for v in buffers)  # no float64 creeps into the state (np.float64 lr...)
        history.append(p.data.copy())
    return history


def test_plain_sgd_is_the_seeds_update():
    history = run(lambda ps: optim.SGD(ps, lr=0.1), steps=2)
    np.testing.assert_allclose(history[0], THETA0 - 0.1 * GRADS[0], rtol=1e-6)
    np.testing.assert_allclose(history[1], THETA0 - 0.1 * (GRADS[0] + GRADS[1]), rtol=1e-6)


def test_sgd_momentum_dampening_and_weight_decay_first_steps():
    lr, mu, tau, wd = 0.1, 0.9, 0.3, 0.01
    history = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, dampening=tau, weight_decay=wd), steps=2)
    g1 = GRADS[0] + wd * THETA0
    b1 = g1  # the buffer starts as the first gradient, undamped
    theta1 = THETA0 - lr * b1
    b2 = mu * b1 + (1 - tau) * (GRADS[1] + wd * theta1)
    np.testing.assert_allclose(history[0], theta1, rtol=1e-6)
    np.testing.assert_allclose(history[1], theta1 - lr * b2, rtol=1e-6)


def test_sgd_nesterov_first_steps():
    lr, mu = 0.1, 0.9
    history = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, nesterov=True), steps=2)
    theta1 = THETA0 - lr * (GRADS[0] + mu * GRADS[0])
    b2 = mu * GRADS[0] + GRADS[1]
    np.testing.assert_allclose(history[0], theta1, rtol=1e-6)
    np.testing.assert_allclose(history[1], theta1 - lr * (GRADS[1] + mu * b2), rtol=1e-6)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([nn.Parameter([1.0])], lr=0.1, nesterov=True)


def adam_reference(lr, b1, b2, eps, wd, decoupled):
    theta, m, v, out = THETA0.astype(np.float64), 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            theta = theta * (1 - lr * wd)
        else:
            g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        out.append(theta)
    return out


def test_adam_first_step_moves_each_weight_by_lr_against_the_sign_of_its_gradient():
    history = run(lambda ps: optim.Adam(ps, lr=0.01), steps=1)
    np.testing.assert_allclose(history[0], THETA0 - 0.01 * np.sign(GRADS[0]), rtol=1e-6)  # m̂ = g, v̂ = g²


@pytest.mark.parametrize(("cls", "wd"), [(optim.Adam, 0.0), (optim.Adam, 0.1), (optim.AdamW, 0.1)])
def test_adam_and_adamw_steps_follow_the_documented_rule(cls, wd):
    history = run(lambda ps: cls(ps, lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=wd))
    expected = adam_reference(0.01, 0.8, 0.9, 1e-6, wd, decoupled=cls is optim.AdamW)
    for got, want in zip(history, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_adamw_default_weight_decay_is_001():
    assert optim.AdamW([nn.Parameter([1.0])]).param_groups[0]["weight_decay"] == 0.01
    assert optim.Adam([nn.Parameter([1.0])]).param_groups[0]["weight_decay"] == 0.0


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop_steps_follow_the_documented_rule(centered, momentum):
    lr, alpha, eps, wd = 0.01, 0.9, 1e-8, 0.05
    history = run(lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, weight_decay=wd, momentum=momentum,
                                           centered=centered))
    theta, v, g_avg, buf = THETA0.astype(np.float64), 0.0, 0.0, 0.0
    for g, got in zip(GRADS, history):
        g = g + wd * theta
        v = alpha * v + (1 - alpha) * g * g
        g_avg = alpha * g_avg + (1 - alpha) * g
        avg = np.sqrt(v - g_avg**2 if centered else v) + eps
        buf = momentum * buf + g / avg
        theta = theta - lr * (buf if momentum else g / avg)
        np.testing.assert_allclose(got, theta, rtol=1e-5)


def test_zero_grad_and_parameters_without_grad_are_skipped():
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    opt = optim.SGD([a, b], lr=0.5)
    a.grad = tg.Tensor([1.0])
    opt.step()
    assert a.item() == 0.5 and b.item() == 2.0
    opt.zero_grad(set_to_none=False)
    assert a.grad.item() == 0 and b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_param_groups_have_their_own_learning_rates():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    opt = optim.SGD([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 1.0}], lr=0.1,
                    momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0] and opt.param_groups[1]["momentum"] == 0.5
    before = [p.data.copy() for p in model.parameters()]
    model(tg.randn(3, 2)).sum().backward()
    opt.step()
    for p, old, lr in zip(model.parameters(), before, [0.1, 0.1, 1.0, 1.0]):
        np.testing.assert_allclose(p.data, old - lr * p.grad.data, rtol=1e-6)
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": model[0].parameters()}, {"params": [model[0].weight]}], lr=0.1)
    with pytest.raises(TypeError, match="unknown hyperparameter"):
        optim.SGD([{"params": model[0].parameters(), "betas": (0.9, 0.9)}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])


def test_optimizer_state_dict_round_trip_continues_identically():
    def make():
        tg.manual_seed(0)
        model = nn.Linear(3, 2)
        return model, optim.Adam(model.parameters(), lr=0.05)

    x = tg.randn(4, 3)
    model, opt = make()
    for _ in range(2):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    saved_model, saved_opt = model.state_dict(), opt.state_dict()
    opt.zero_grad()
    model(x).pow(2).sum().backward()
    opt.step()
    model2, opt2 = make()
    model2.load_state_dict(saved_model)
    opt2.load_state_dict(saved_opt)
    assert opt2.state[model2.weight]["step"] == 2
    opt2.zero_grad()
    model2(x).pow(2).sum().backward()
    opt2.step()
    np.testing.assert_array_equal(model2.weight.data, model.weight.data)


def test_optimizer_load_state_dict_mismatch_raises_and_changes_nothing():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(tg.randn(2, 3)).sum().backward()
    opt.step()
    state = opt.state_dict()
    state["state"][0]["momentum_buffer"] = np.zeros((5, 5), dtype=np.float32)
    state["param_groups"][0]["lr"] = 9.0
    before = opt.state_dict()
    with pytest.raises(ValueError, match=r"momentum_buffer'\]: shape \(5, 5\) in the state dict, \(2, 3\)"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(opt.state[model.weight]["momentum_buffer"], before["state"][0]["momentum_buffer"])
    with pytest.raises(ValueError, match="groups of sizes"):
        optim.SGD([model.weight], lr=0.1).load_state_dict(before)


def test_step_lr_and_cosine_annealing_schedules():
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt = optim.SGD([nn.Parameter([1.0])], lr=0.1)
    cosine = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.02)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        cosine.step()
    expected = [0.02 + 0.08 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert lrs[-1] == pytest.approx(0.02)
    resumed_opt = optim.SGD([nn.Parameter([1.0])], lr=0.1)
    resumed = optim.lr_scheduler.CosineAnnealingLR(resumed_opt, T_max=4, eta_min=0.02)
    resumed_opt.load_state_dict(opt.state_dict())
    resumed.load_state_dict(cosine.state_dict())
    resumed.step()
    assert resumed.last_epoch == 6 and resumed.get_last_lr()[0] == pytest.approx(expected[2])  # cos is 2·T_max-periodic


def test_numpy_scalar_hyperparameters_do_not_turn_float32_state_into_float64():
    """Under numpy 2's rules a np.float64 scalar times a float32 array is float64; the optimizers take hyperparameters
    as Python floats so the momentum buffer (built from the decayed gradient) stays float32."""
    history = run(lambda ps: optim.SGD(ps, lr=np.float64(0.1), momentum=np.float64(0.9),
                                       weight_decay=np.float64(0.01)), steps=2)
    expected = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01), steps=2)
    np.testing.assert_array_equal(history, expected)
