"""Every optimizer's update against its documented algorithm written out in numpy (PyTorch's pseudo-code) and
against PyTorch itself; every scheduler's learning rates against PyTorch's, step by step; state dicts that resume."""

import math

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler

SHAPES = [(3, 2), (4,)]
STEPS = 6


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def gradients(step: int) -> list[np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(shape) for shape in SHAPES]


def initial() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.standard_normal(shape) for shape in SHAPES]


# ----------------------------------------------------------------------------------------------- the algorithms
def reference(name: str, h: dict) -> list[np.ndarray]:
    """STEPS updates of ``initial()`` with ``gradients(t)``, as PyTorch's documentation writes the algorithm."""
    params = initial()
    state = [{} for _ in params]
    for t in range(1, STEPS + 1):
        for theta, g, s in zip(params, gradients(t), state):
            g = -g if h.get("maximize") else g.copy()
            lr, wd = h["lr"], h.get("weight_decay", 0.01 if name == "AdamW" else 0.0)
            if name == "SGD":
                g = g + wd * theta
                if h.get("momentum"):
                    s["b"] = g.copy() if t == 1 else h["momentum"] * s["b"] + (1 - h.get("dampening", 0)) * g
                    g = g + h["momentum"] * s["b"] if h.get("nesterov") else s["b"]
                theta -= lr * g
            elif name in ("Adam", "AdamW", "NAdam"):
                b1, b2, eps = *h.get("betas", (0.9, 0.999)), h.get("eps", 1e-8)
                if name == "AdamW" or h.get("decoupled_weight_decay"):
                    theta *= 1 - lr * wd
                else:
                    g = g + wd * theta
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
                if name == "NAdam":
                    psi = h.get("momentum_decay", 4e-3)
                    mu, mu_next = (b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (t, t + 1))
                    s["prod"] = s.get("prod", 1.0) * mu
                    denom = np.sqrt(s["v"] / (1 - b2**t)) + eps
                    theta -= lr * (1 - mu) / (1 - s["prod"]) * g / denom
                    theta -= lr * mu_next / (1 - s["prod"] * mu_next) * s["m"] / denom
                    continue
                v = s["v"]
                if h.get("amsgrad"):
                    s["vmax"] = np.maximum(s.get("vmax", 0), s["v"])
                    v = s["vmax"]
                theta -= lr * (s["m"] / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
            elif name == "Adamax":
                b1, b2, eps = *h.get("betas", (0.9, 0.999)), h.get("eps", 1e-8)
                g = g + wd * theta
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["u"] = np.maximum(b2 * s.get("u", 0), np.abs(g) + eps)
                theta -= lr / (1 - b1**t) * s["m"] / s["u"]
            elif name == "Adagrad":
                g = g + wd * theta
                clr = lr / (1 + (t - 1) * h.get("lr_decay", 0))
                s["sum"] = s.get("sum", h.get("initial_accumulator_value", 0.0)) + g * g
                theta -= clr * g / (np.sqrt(s["sum"]) + h.get("eps", 1e-10))
            elif name == "RAdam":
                b1, b2, eps = *h.get("betas", (0.9, 0.999)), h.get("eps", 1e-8)
                if h.get("decoupled_weight_decay"):
                    theta *= 1 - lr * wd
                else:
                    g = g + wd * theta
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
                rho_inf = 2 / (1 - b2) - 1
                rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
                m_hat = s["m"] / (1 - b1**t)
                if rho > 5:
                    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
                    theta -= lr * m_hat * r * np.sqrt(1 - b2**t) / (np.sqrt(s["v"]) + eps)  # l_t in PyTorch's docs
                else:
                    theta -= lr * m_hat
            elif name == "Adadelta":
                rho, eps = h.get("rho", 0.9), h.get("eps", 1e-6)
                g = g + wd * theta
                s["v"] = rho * s.get("v", 0) + (1 - rho) * g * g
                delta = np.sqrt(s.get("u", 0) + eps) / np.sqrt(s["v"] + eps) * g
                s["u"] = rho * s.get("u", 0) + (1 - rho) * delta * delta
                theta -= lr * delta
            elif name == "RMSprop":
                alpha, eps = h.get("alpha", 0.99), h.get("eps", 1e-8)
                g = g + wd * theta
                s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
                avg = s["v"]
                if h.get("centered"):
                    s["gavg"] = alpha * s.get("gavg", 0) + (1 - alpha) * g
                    avg = avg - s["gavg"] ** 2
                step = g / (np.sqrt(avg) + eps)
                if h.get("momentum"):
                    s["b"] = h["momentum"] * s.get("b", 0) + step
                    step = s["b"]
                theta -= lr * step
    return params


CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.3}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "maximize": True, "betas": (0.8, 0.9), "decoupled_weight_decay": True,
              "weight_decay": 0.2}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "momentum_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "maximize": True, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "betas": (0.9, 0.5)}),  # β₂ = ½: rectified from step 3 of 6
    ("RAdam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 1.0, "maximize": True}),
]


def run(library, name: str, hyper: dict, two_groups: bool = False) -> list[np.ndarray]:
    to_tensor = (lambda a: tg.Tensor(a.copy())) if library is tg else (lambda a: library.tensor(a.copy()))
    params = [(nn.Parameter(to_tensor(v)) if library is tg else library.nn.Parameter(to_tensor(v)))
              for v in initial()]
    groups = [{"params": [p]} for p in params] if two_groups else params
    opt = getattr(library.optim, name)(groups, **hyper)
    for t in range(1, STEPS + 1):
        for p, g in zip(params, gradients(t)):
            p.grad = to_tensor(g)
        opt.step()
    return [np.array(p.data if library is tg else p.detach().numpy()) for p in params]


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=[f"{n}-{sorted(h)}" for n, h in CASES])
def test_updates_follow_the_documented_algorithm(name, hyper):
    for got, expected in zip(run(tg, name, hyper), reference(name, hyper)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=[f"{n}-{sorted(h)}" for n, h in CASES])
def test_updates_match_pytorch(torch, name, hyper):
    rtol = 1e-7 if name == "NAdam" else 1e-12  # PyTorch keeps NAdam's μ product in float32, even for float64
    for got, expected in zip(run(tg, name, hyper, two_groups=True), run(torch, name, hyper)):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-14)


def test_each_group_keeps_its_own_options():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([{"params": [a], "amsgrad": True, "maximize": True}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = tg.Tensor(np.ones(2)), tg.Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a.data, 1.1, rtol=1e-6)  # maximize: up by lr
    np.testing.assert_allclose(b.data, 0.5, rtol=1e-6)
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"} and "max_exp_avg_sq" not in (
        opt.state[b])


@pytest.mark.parametrize(("name", "hyper"), [case for case in CASES if case[0] in ("NAdam", "Adagrad", "Adamax")],
                         ids=str)
def test_state_dicts_resume_exactly(tmp_path, name, hyper):
    assert_resumes_exactly(tmp_path, lambda: getattr(optim, name)([nn.Parameter(v) for v in initial()], **hyper),
                           gradients, saved_after=3, steps=5)


def assert_resumes_exactly(tmp_path, make, gradients, saved_after: int, steps: int) -> None:
    """An optimizer (``make()``) saved after some steps and loaded into a fresh one goes on bit for bit alike."""
    opt = make()
    params = [p for group in opt.param_groups for p in group["params"]]
    for t in range(1, saved_after + 1):
        for p, g in zip(params, gradients(t)):
            p.grad = tg.Tensor(g)
        opt.step()
    tg.save(opt.state_dict(), tmp_path / "opt.npz")
    resumed = make()
    resumed_params = [p for group in resumed.param_groups for p in group["params"]]
    for p, q in zip(resumed_params, params):
        p.data[...] = q.data
    resumed.load_state_dict(tg.load(tmp_path / "opt.npz"))
    for t in range(saved_after + 1, steps + 1):
        for group in (params, resumed_params):
            for p, g in zip(group, gradients(t)):
                p.grad = tg.Tensor(g)
        opt.step()
        resumed.step()
    for p, q in zip(params, resumed_params):
        assert p.data.tobytes() == q.data.tobytes()


def test_a_checkpoint_from_before_the_new_options_loads_with_their_defaults():
    param = nn.Parameter(np.ones(2))
    opt = optim.AdamW([param], lr=0.1)
    state = opt.state_dict()
    for key in ("amsgrad", "maximize", "decoupled_weight_decay"):
        del state["param_groups"][0][key]
    opt.param_groups[0]["decoupled_weight_decay"] = False
    opt.load_state_dict(state)
    group = opt.param_groups[0]
    assert group["amsgrad"] is False and group["maximize"] is False and group["decoupled_weight_decay"] is True
    del state["param_groups"][0]["eps"]
    with pytest.raises(ValueError, match=r"lacks \['eps'\]"):
        opt.load_state_dict(state)


def test_bad_hyperparameters_and_state_are_refused():
    with pytest.raises(ValueError, match="invalid lr_decay"):
        optim.Adagrad([nn.Parameter(np.ones(1))], lr_decay=-1.0)
    with pytest.raises(TypeError, match="invalid maximize"):
        optim.NAdam([nn.Parameter(np.ones(1))], maximize="yes")
    opt = optim.NAdam([nn.Parameter(np.ones(1))])
    state = opt.state_dict()
    state["state"] = {0: {"step": 1, "mu_product": -0.5, "exp_avg": np.zeros(1), "exp_avg_sq": np.zeros(1)}}
    with pytest.raises(ValueError, match=r"state\[0\]\['mu_product'\]: invalid mu_product: -0.5"):
        opt.load_state_dict(state)


# ----------------------------------------------------------------------------------------------- schedules
SCHEDULES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 / (1 + e)]),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.8),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6),
    "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.3),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=12, power=1.5),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.4], total_steps=20),
    "OneCycleLR three phases": lambda m, o: m.OneCycleLR(o, max_lr=0.8, epochs=4, steps_per_epoch=5,
                                                        anneal_strategy="linear", three_phase=True, pct_start=0.25),
    "SequentialLR": lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=4),
                                                    m.ExponentialLR(o, gamma=0.9), m.StepLR(o, 3, 0.5)],
                                                milestones=[5, 11]),
}


def schedule(library, name: str, optimizer: str = "SGD") -> list:
    """Each step's learning rates (and momentum, or Adam's β₁) of two parameter groups."""
    make_param = (lambda: nn.Parameter(np.ones(1))) if library is tg else (
        lambda: library.nn.Parameter(library.ones(1)))
    extra = {"momentum": 0.9} if optimizer == "SGD" else {}
    opt = getattr(library.optim, optimizer)([{"params": [make_param()]}, {"params": [make_param()], "lr": 0.5}],
                                            lr=1.0, **extra)
    scheduler = SCHEDULES[name](library.optim.lr_scheduler, opt)
    values = []
    for _ in range(19):
        values.append([*scheduler.get_last_lr(), *(g["momentum"] if "momentum" in g else g["betas"][0]
                                                   for g in opt.param_groups)])
        opt.step()
        scheduler.step()
    return values


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_match_pytorch(torch, name):
    np.testing.assert_allclose(schedule(tg, name), schedule(torch, name), rtol=1e-12, atol=1e-15)


def test_one_cycle_cycles_adams_beta1_as_pytorch(torch):
    np.testing.assert_allclose(schedule(tg, "OneCycleLR", "Adam"), schedule(torch, "OneCycleLR", "Adam"),
                               rtol=1e-12)


def test_warm_restarts_with_fractional_epochs_match_pytorch(torch):
    def lrs(library):
        opt = library.optim.SGD([nn.Parameter(np.ones(1)) if library is tg else library.nn.Parameter(
            library.ones(1))], lr=1.0)
        scheduler = library.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3)
        values = []
        for epoch in range(6):
            for i in range(4):
                scheduler.step(epoch + i / 4)
                values.append(scheduler.get_last_lr()[0])
        return values

    np.testing.assert_allclose(lrs(tg), lrs(torch), rtol=1e-12)


@pytest.mark.parametrize("options", [{}, {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "cooldown": 2,
                                          "patience": 1, "factor": 0.5, "min_lr": [0.2, 0.01]}], ids=str)
def test_reduce_on_plateau_matches_pytorch(torch, options):
    metrics = [1.0, 0.9, 0.95, 0.93, 0.94, 0.96, 0.91, 0.92, 0.935, 0.95, 0.8, 0.85, 0.9, 0.86, 0.87, 0.88] * 2

    def lrs(library):
        param = nn.Parameter(np.ones(1)) if library is tg else library.nn.Parameter(library.ones(1))
        opt = library.optim.SGD([{"params": [param]}, {"params": [
            nn.Parameter(np.ones(1)) if library is tg else library.nn.Parameter(library.ones(1))], "lr": 0.1}], lr=1.0)
        scheduler = library.optim.lr_scheduler.ReduceLROnPlateau(opt, **{"patience": 2, **options})
        values = []
        for metric in metrics:
            scheduler.step(metric)
            values.append([g["lr"] for g in opt.param_groups])
        return values

    np.testing.assert_allclose(lrs(tg), lrs(torch), rtol=1e-12)


@pytest.mark.parametrize("name", ["LambdaLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "SequentialLR"])
def test_scheduler_state_dicts_resume_the_schedule(tmp_path, name):
    def make():
        opt = optim.SGD([{"params": [nn.Parameter(np.ones(1))]}, {"params": [nn.Parameter(np.ones(1))], "lr": 0.5}],
                        lr=1.0, momentum=0.9)
        return opt, SCHEDULES[name](lr_scheduler, opt)

    assert_schedule_resumes(tmp_path, make, saved_after=7, steps=12, through_file=name != "LambdaLR")


def assert_schedule_resumes(tmp_path, make, saved_after: int, steps: int, through_file: bool = True) -> None:
    """A scheduler and its optimizer (``make()``) saved after some steps (through an npz file, or in memory) and
    loaded into fresh ones go on setting the same rates (and momentum or β₁)."""
    opt, scheduler = make()
    for _ in range(saved_after):
        scheduler.step()
    loaded = {"sched": scheduler.state_dict(), "opt": opt.state_dict()}
    if through_file:
        tg.save(loaded, tmp_path / "s.npz")
        loaded = tg.load(tmp_path / "s.npz")
    resumed_opt, resumed = make()
    resumed_opt.load_state_dict(loaded["opt"])
    resumed.load_state_dict(loaded["sched"])
    for _ in range(saved_after, steps):
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert [g.get("momentum", g.get("betas")) for g in resumed_opt.param_groups] == [
            g.get("momentum", g.get("betas")) for g in opt.param_groups]


def test_schedule_errors():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match=r"Tried to step 4 times\. The specified number of total steps is 3"):
        scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(4):
            scheduler.step()
    with pytest.raises(ValueError, match="one more than the number of milestone points"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(opt, 0.9)], milestones=[2])
    with pytest.raises(ValueError, match=r"Factor should be < 1\.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        lr_scheduler.OneCycleLR(optim.Adagrad([nn.Parameter(np.ones(1))]), max_lr=1.0, total_steps=5)
    assert math.isclose(lr_scheduler.LinearLR(optim.SGD([nn.Parameter(np.ones(1))], lr=3.0)).get_last_lr()[0], 1.0)
