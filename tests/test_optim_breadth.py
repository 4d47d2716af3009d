"""LBFGS, Rprop, ASGD and more learning-rate schedules: each against a closed form or PyTorch's documented algorithm
written out in numpy, and against PyTorch itself when installed; state dicts that resume; what tg.compile does."""

import numpy as np
import pytest
from optional_tools import require_module
from test_nn_optim_pytorch import assert_resumes_exactly, assert_schedule_resumes

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


# ----------------------------------------------------------------------------------------------- LBFGS
def rosenbrock(x):
    """Σ (1 − xᵢ)² + 100(xᵢ₊₁ − xᵢ²)², for our tensors and torch's alike: minimum 0 at (1, …, 1)."""
    return ((1 - x[:-1]) ** 2).sum() + (100 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def lbfgs_run(library, start: np.ndarray, objective, steps: int, **options) -> tuple[list[np.ndarray], dict]:
    """The parameter after each of ``steps`` LBFGS steps on ``objective``, and the optimizer's counters."""
    x = nn.Parameter(start.copy()) if library is tg else library.nn.Parameter(library.tensor(start.copy()))
    opt = library.optim.LBFGS([x], **options)

    def closure():
        opt.zero_grad()
        loss = objective(x)
        loss.backward()
        return loss

    iterates = []
    for _ in range(steps):
        opt.step(closure)
        iterates.append(np.array(x.data if library is tg else x.detach().numpy()))
    state = opt.state[x]
    return iterates, {"func_evals": int(state["func_evals"]), "n_iter": int(state["n_iter"])}


LBFGS_CASES = [{"line_search_fn": None, "lr": 0.1, "history_size": 4, "max_iter": 6},
               {"line_search_fn": "strong_wolfe", "history_size": 3},
               {"line_search_fn": "strong_wolfe", "max_iter": 4, "max_eval": 5}]


@pytest.mark.parametrize("options", LBFGS_CASES, ids=str)
def test_lbfgs_matches_pytorch_on_rosenbrock(torch, options):
    start = np.array([-1.5, 2.0, 0.5, -0.3])
    ours, our_counts = lbfgs_run(tg, start, rosenbrock, 6, **options)
    theirs, their_counts = lbfgs_run(torch, start, rosenbrock, 6, **options)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)
    assert our_counts == their_counts


def test_lbfgs_reaches_the_quadratics_closed_form_minimum():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    A, b = M @ M.T + 6 * np.eye(6), rng.standard_normal(6)
    minimum = np.linalg.solve(A, b)  # ∇(½xᵀAx − bᵀx) = Ax − b = 0

    def quadratic(x):
        return 0.5 * (x * (tg.Tensor(A) @ x)).sum() - (tg.Tensor(b) * x).sum()

    for options in ({"line_search_fn": "strong_wolfe"}, {"line_search_fn": None, "lr": 0.5, "max_iter": 100}):
        iterates, _ = lbfgs_run(tg, np.zeros(6), quadratic, 3, tolerance_grad=1e-12, tolerance_change=0.0,
                                 **options)
        np.testing.assert_allclose(iterates[-1], minimum, rtol=1e-9, atol=1e-12)


def test_lbfgs_first_iteration_is_gradient_descent_scaled_by_the_l1_norm():
    start = np.array([0.3, -0.2])
    gradient = np.array([2 * 0.3, 8 * -0.2])  # of x₀² + 4x₁²; its L1 norm is 2.2 > 1, so t = lr/2.2
    iterates, counts = lbfgs_run(tg, start, lambda x: x[0] ** 2 + 4 * x[1] ** 2, 1, lr=0.7, max_iter=1)
    np.testing.assert_allclose(iterates[0], start - 0.7 / np.abs(gradient).sum() * gradient, rtol=1e-15)
    assert counts == {"func_evals": 1, "n_iter": 1}  # no evaluation after the last iteration
    small = np.array([0.1, 0.05])  # ‖g‖₁ = 0.2 + 0.4 < 1: the step is lr·g
    iterates, _ = lbfgs_run(tg, small, lambda x: x[0] ** 2 + 4 * x[1] ** 2, 1, lr=0.1, max_iter=1)
    np.testing.assert_allclose(iterates[0], small - 0.1 * np.array([0.2, 0.4]), rtol=1e-15)


def test_lbfgs_stops_where_the_gradient_is_already_small():
    start = np.array([1.0, 1.0]) + 1e-9  # the gradient of Σ(x − 1)² is 2e-9 < tolerance_grad
    iterates, counts = lbfgs_run(tg, start, lambda x: ((x - 1) ** 2).sum(), 2, tolerance_grad=1e-8)
    assert iterates[-1].tobytes() == start.tobytes() and counts == {"func_evals": 2, "n_iter": 0}


def test_lbfgs_refuses_what_pytorch_refuses_or_would_misread():
    x = nn.Parameter(np.ones(2))
    opt = optim.LBFGS([x])
    with pytest.raises(TypeError, match=r"LBFGS\.step\(\) needs a closure"):
        opt.step()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [x]}, {"params": [nn.Parameter(np.ones(1))], "lr": 0.1}])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [nn.Parameter(np.ones(1))]})
    with pytest.raises(ValueError, match="invalid line_search_fn: 'armijo'"):
        optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="invalid history_size: 0"):
        optim.LBFGS([x], history_size=0)
    assert optim.LBFGS([x], max_iter=8).param_groups[0]["max_eval"] == 10  # PyTorch's default: max_iter · 5 // 4


def test_lbfgs_state_dict_resumes_exactly_and_bad_state_is_refused(tmp_path):
    start = np.array([-1.2, 1.0, 0.4])

    def make():
        x, y = nn.Parameter(start[:2].copy()), nn.Parameter(start[2:].copy())
        opt = optim.LBFGS([x, y], line_search_fn="strong_wolfe", history_size=2, max_iter=3)

        def closure():
            opt.zero_grad()
            loss = rosenbrock(tg.cat([x, y]))
            loss.backward()
            return loss

        return (x, y), opt, closure

    params, opt, closure = make()
    for _ in range(3):
        opt.step(closure)
    tg.save(opt.state_dict(), tmp_path / "lbfgs.npz")
    resumed_params, resumed, resumed_closure = make()
    for p, q in zip(resumed_params, params):
        p.data[...] = q.data
    saved = tg.load(tmp_path / "lbfgs.npz")
    assert len(saved["state"][0]["old_dirs"]) == 2 and set(saved["state"]) == {0}
    bad = {**saved, "state": {0: {**saved["state"][0], "ro": saved["state"][0]["ro"][:1]}}}
    with pytest.raises(ValueError, match="history lists old_dirs, old_stps, ro must be of one length"):
        resumed.load_state_dict(bad)
    bad = {**saved, "state": {0: {**saved["state"][0], "d": np.zeros(2)}}}
    with pytest.raises(ValueError, match=r"state\[0\]\['d'\]: shape \(2,\) in the state dict, \(3,\)"):
        resumed.load_state_dict(bad)
    assert resumed.state == {}  # nothing half-loaded
    resumed.load_state_dict(saved)
    for _ in range(2):
        opt.step(closure)
        resumed.step(resumed_closure)
    for p, q in zip(params, resumed_params):
        assert p.data.tobytes() == q.data.tobytes()


def test_compile_runs_an_lbfgs_step_eagerly_and_says_why():
    def make():
        x = nn.Parameter(np.array([-1.5, 2.0]))
        opt = optim.LBFGS([x], line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss

        return x, (lambda: opt.step(closure))

    (x, eager_step), (y, step) = make(), make()
    compiled = tg.compile(step)
    for _ in range(3):
        eager_step()
        compiled()
        assert compiled.last_run.startswith("eager: LBFGS.step(closure) evaluates the closure again and again")
        assert x.data.tobytes() == y.data.tobytes()
    with pytest.raises(tg.CaptureError, match=r"LBFGS\.step"):
        tg.compile(make()[1], strict=True)()


# ----------------------------------------------------------------------------------------------- Rprop, ASGD
SHAPES = [(3, 2), (5,)]
STEPS = 12


def gradients(step: int) -> list[np.ndarray]:
    """Gradients whose signs often flip, some exactly zero (Rprop's three cases)."""
    rng = np.random.default_rng(300 + step)
    return [np.round(rng.standard_normal(shape), 1) for shape in SHAPES]


def initial() -> list[np.ndarray]:
    rng = np.random.default_rng(8)
    return [rng.standard_normal(shape) for shape in SHAPES]


def reference(name: str, h: dict) -> list[np.ndarray]:
    """STEPS updates of ``initial()`` with ``gradients(t)``, as PyTorch's documentation writes the algorithm."""
    params = initial()
    for theta in params:
        g_prev, eta, mu, ax = np.zeros_like(theta), h.get("lr", 1e-2), 1.0, np.zeros_like(theta)
        step_size = np.full_like(theta, h.get("lr", 1e-2))
        for t in range(1, STEPS + 1):
            g = gradients(t)[[p is theta for p in params].index(True)]
            g = -g if h.get("maximize") else g
            if name == "Rprop":
                eta_minus, eta_plus = h.get("etas", (0.5, 1.2))
                low, high = h.get("step_sizes", (1e-6, 50))
                product = g * g_prev
                step_size = np.where(product > 0, np.minimum(step_size * eta_plus, high),
                                     np.where(product < 0, np.maximum(step_size * eta_minus, low), step_size))
                g = np.where(product < 0, 0.0, g)
                theta -= np.sign(g) * step_size
                g_prev = g
            else:  # ASGD
                lambd, alpha, t0 = h.get("lambd", 1e-4), h.get("alpha", 0.75), h.get("t0", 1e6)
                g = g + h.get("weight_decay", 0.0) * theta
                theta *= 1 - lambd * eta
                theta -= eta * g
                ax = theta.copy() if mu == 1 else ax + mu * (theta - ax)
                eta = h.get("lr", 1e-2) / (1 + lambd * h.get("lr", 1e-2) * t) ** alpha
                mu = 1 / max(1, t - t0)
    return params


RULE_CASES = [
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.2), "maximize": True}),
    ("ASGD", {"lr": 0.1, "lambd": 0.05, "alpha": 0.6, "t0": 4, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.2, "maximize": True, "t0": 0}),
]


def run(library, name: str, hyper: dict, two_groups: bool = False) -> tuple[list[np.ndarray], list]:
    """The parameters after STEPS steps, and the optimizer's state (for ASGD, the averages)."""
    def to_tensor(a):
        return tg.Tensor(a.copy()) if library is tg else library.tensor(a.copy())

    params = [nn.Parameter(to_tensor(v)) if library is tg else library.nn.Parameter(to_tensor(v)) for v in initial()]
    opt = getattr(library.optim, name)([{"params": [p]} for p in params] if two_groups else params, **hyper)
    for t in range(1, STEPS + 1):
        for p, g in zip(params, gradients(t)):
            p.grad = to_tensor(g)
        opt.step()
    values = [np.array(p.data if library is tg else p.detach().numpy()) for p in params]
    return values, [np.array(opt.state[p]["ax"] if library is tg else opt.state[p]["ax"].numpy())
                    for p in params] if name == "ASGD" else []


@pytest.mark.parametrize(("name", "hyper"), RULE_CASES, ids=str)
def test_rprop_and_asgd_follow_the_documented_algorithm(name, hyper):
    got, _ = run(tg, name, hyper)
    for ours, expected in zip(got, reference(name, hyper)):
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "hyper"), RULE_CASES, ids=str)
def test_rprop_and_asgd_match_pytorch(torch, name, hyper):
    rtol = 1e-6 if name == "ASGD" else 1e-12  # PyTorch keeps ASGD's η and μ in float32, even for float64
    (ours, our_averages), (theirs, their_averages) = run(tg, name, hyper, two_groups=True), run(torch, name, hyper)
    for got, expected in zip(ours + our_averages, theirs + their_averages):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-14)


def test_asgd_averages_from_t0_on():
    theta = nn.Parameter(np.array([1.0]))
    opt = optim.ASGD([theta], lr=0.1, lambd=0.0, t0=2)
    values = []
    for _ in range(6):
        theta.grad = tg.Tensor(np.array([1.0]))  # λ = 0: θ falls by lr each step, 0.9, 0.8, …, 0.4
        opt.step()
        values.append(theta.data[0])
    # step t uses μ = 1/max(1, (t − 1) − t0): 1 up to step 4 (ax = θ), then ½, ⅓: the running mean of θ₄, θ₅, θ₆
    np.testing.assert_allclose(opt.state[theta]["ax"], [np.mean(values[3:])], rtol=1e-15)


def test_rprop_and_asgd_refuse_bad_settings_and_state():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match=r"Invalid eta values: 1\.5, 2"):
        optim.Rprop([p], etas=(1.5, 2))
    with pytest.raises(ValueError, match="the minimum exceeds the maximum"):
        optim.Rprop([p], step_sizes=(1.0, 0.1))
    with pytest.raises(ValueError, match="invalid weight_decay: -1"):
        optim.ASGD([p], weight_decay=-1)
    opt = optim.Rprop([p])
    state = opt.state_dict()
    state["state"] = {0: {"step": 1, "prev": np.zeros(2), "step_size": np.array([0.1, -0.1])}}
    with pytest.raises(ValueError, match=r"state\[0\]\['step_size'\]: negative values"):
        opt.load_state_dict(state)
    opt = optim.ASGD([p])
    state = opt.state_dict()
    state["state"] = {0: {"step": 1, "eta": 0.01, "ax": np.zeros(2)}}
    with pytest.raises(ValueError, match=r"lacks \['mu'\]"):
        opt.load_state_dict(state)
    assert opt.state == {}


@pytest.mark.parametrize(("name", "hyper"), RULE_CASES[1::2], ids=str)
def test_rprop_and_asgd_state_dicts_resume_exactly(tmp_path, name, hyper):
    assert_resumes_exactly(tmp_path, lambda: getattr(optim, name)([nn.Parameter(v) for v in initial()], **hyper),
                           gradients, saved_after=5, steps=9)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_compile_replays_rprop_and_asgd_steps_as_eager(name):
    def make():
        model = nn.Linear(3, 2)
        model.weight.data[...] = np.arange(6.0).reshape(2, 3) / 10
        model.bias.data[...] = 0.1
        opt = getattr(optim, name)(model.parameters(), lr=0.05)

        def step(x):
            opt.zero_grad()
            loss = ((model(x) - 1) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    (eager_model, eager_step), (model, step) = make(), make()
    compiled = tg.compile(step, strict=True)
    runs = []
    for i in range(6):
        x = tg.Tensor(np.random.default_rng(i).standard_normal((4, 3)).astype(np.float32))
        assert float(compiled(x)) == float(eager_step(x))
        runs.append(compiled.last_run)
        for ours, theirs in zip(model.parameters(), eager_model.parameters()):
            assert ours.data.tobytes() == theirs.data.tobytes()
    assert runs[0] == "captured" and runs[-1] == "replayed"


# ----------------------------------------------------------------------------------------------- schedules
SCHEDULES = {
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, [lambda e: 0.95, lambda e: 1 - 0.01 * e]),
    "CyclicLR triangular": lambda m, o: m.CyclicLR(o, base_lr=[0.1, 0.05], max_lr=[1.0, 0.5], step_size_up=4),
    "CyclicLR triangular2": lambda m, o: m.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=3, step_size_down=5,
                                                    mode="triangular2"),
    "CyclicLR exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=4, mode="exp_range",
                                                  gamma=0.97, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR scale_fn": lambda m, o: m.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=6,
                                                 scale_fn=Decay(0.1), scale_mode="iterations"),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([
        m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9), m.LinearLR(o, 0.2, 1.0, 7),
        m.StepLR(o, 5, 0.5), m.MultiStepLR(o, [8, 30], 0.7), m.PolynomialLR(o, 40, 2.0)]),
}


class Decay:
    """A custom scale 1/(1 + rate·x): a callable object, whose attributes a state dict keeps."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, x: float) -> float:
        return 1 / (1 + self.rate * x)


def schedule(library, name: str, optimizer: str = "SGD", steps: int = 50) -> np.ndarray:
    """Each step's learning rates and momentum (or Adam's β₁) of two parameter groups, before the step."""
    def make_param():
        return nn.Parameter(np.ones(1)) if library is tg else library.nn.Parameter(library.ones(1))

    extra = {"momentum": 0.9} if optimizer == "SGD" else {}
    opt = getattr(library.optim, optimizer)([{"params": [make_param()]}, {"params": [make_param()], "lr": 0.5}],
                                            lr=1.0, **extra)
    scheduler = SCHEDULES[name](library.optim.lr_scheduler, opt)
    values = []
    for _ in range(steps):
        assert scheduler.get_last_lr() == [group["lr"] for group in opt.param_groups]
        values.append([*scheduler.get_last_lr(), *(g["momentum"] if "momentum" in g else g["betas"][0]
                                                   for g in opt.param_groups)])
        opt.step()
        scheduler.step()
    return np.array(values)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("name", SCHEDULES)
def test_new_schedules_match_pytorch(torch, name, optimizer):
    np.testing.assert_allclose(schedule(tg, name, optimizer), schedule(torch, name, optimizer), rtol=1e-12,
                               atol=1e-15)


def test_new_schedules_follow_their_closed_forms():
    epochs = np.arange(50)
    lrs = schedule(tg, "MultiplicativeLR")
    np.testing.assert_allclose(lrs[:, 0], 0.95**epochs, rtol=1e-12)
    np.testing.assert_allclose(lrs[:, 1], 0.5 * np.array([np.prod(1 - 0.01 * np.arange(1, e + 1)) for e in epochs]),
                               rtol=1e-12)
    # Smith's triangle: base + (max − base)·max(0, 1 − |e/step − 2·cycle + 1|), cycle = ⌊1 + e/(2·step)⌋; momentum
    # the mirror image between 0.9 and 0.8
    cycle = np.floor(1 + epochs / 8)
    height = np.maximum(0, 1 - np.abs(epochs / 4 - 2 * cycle + 1))
    lrs = schedule(tg, "CyclicLR triangular")
    np.testing.assert_allclose(lrs[:, :2], np.stack([0.1 + 0.9 * height, 0.05 + 0.45 * height], 1), rtol=1e-12)
    np.testing.assert_allclose(lrs[:, 2:], np.stack([0.9 - 0.1 * height] * 2, 1), rtol=1e-12)
    up, down = 3, 5  # triangular2: the amplitude halves each cycle of 8; rising for 3 steps, falling for 5
    position = epochs % 8
    height = np.where(position <= up, position / up, (8 - position) / down) / 2.0 ** (epochs // 8)
    np.testing.assert_allclose(schedule(tg, "CyclicLR triangular2")[:, 0], 0.1 + 0.9 * height, rtol=1e-12)
    height = np.maximum(0, 1 - np.abs(epochs / 4 - 2 * np.floor(1 + epochs / 8) + 1))
    np.testing.assert_allclose(schedule(tg, "CyclicLR exp_range")[:, 0], 0.1 + 0.9 * height * 0.97**epochs,
                               rtol=1e-12)
    factor = (np.where(epochs < 3, 0.5, 1.0) * 0.9**epochs * (0.2 + 0.8 * np.minimum(epochs, 7) / 7)
              * 0.5 ** (epochs // 5) * 0.7 ** ((epochs >= 8).astype(int) + (epochs >= 30))
              * (1 - np.minimum(epochs, 40) / 40) ** 2)
    np.testing.assert_allclose(schedule(tg, "ChainedScheduler")[:, :2], np.stack([factor, 0.5 * factor], 1),
                               rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", SCHEDULES)
def test_new_schedules_state_dicts_resume_the_schedule(tmp_path, name):
    def make():
        opt = optim.Adam([{"params": [nn.Parameter(np.ones(1))]}, {"params": [nn.Parameter(np.ones(1))],
                                                                   "lr": 0.5}], lr=1.0)
        return opt, SCHEDULES[name](optim.lr_scheduler, opt)

    if name == "CyclicLR scale_fn":  # the saved scale has another rate: its state brings it to the resumed one
        made_before = []

        def make_with_rate(made=make):
            opt, scheduler = made()
            if not made_before:
                scheduler._scale_fn_custom.rate = 0.2
            made_before.append(scheduler)
            return opt, scheduler

        make = make_with_rate
    assert_schedule_resumes(tmp_path, make, saved_after=13, steps=33)


def test_new_schedules_refuse_bad_settings_and_what_they_cannot_mean():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0, momentum=0.9)
    lrs = optim.lr_scheduler
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        lrs.CyclicLR(opt, 0.1, 1.0, mode="triangle")
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        lrs.CyclicLR(optim.Adagrad([nn.Parameter(np.ones(1))]), 0.1, 1.0)
    with pytest.raises(ValueError, match="invalid scale_mode 'steps'"):
        lrs.CyclicLR(opt, 0.1, 1.0, scale_fn=Decay(0.1), scale_mode="steps")
    with pytest.raises(ValueError, match="invalid max_lr: -1"):
        lrs.CyclicLR(opt, 0.1, -1.0)
    with pytest.raises(ValueError, match="the CosineAnnealingLR at index 1 sets or shifts the rate otherwise"):
        lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9), lrs.CosineAnnealingLR(opt, 10)])
    with pytest.raises(ValueError, match="at least one scheduler"):
        lrs.ChainedScheduler([])
    chained = lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9), lrs.StepLR(opt, 2, 0.5)])
    opt.param_groups[0]["lr"] = 0.3
    with pytest.raises(RuntimeError, match=r"ChainedScheduler\.step"):
        chained.step()
    multiplicative = lrs.MultiplicativeLR(opt, lambda e: 0.9)
    opt.param_groups[0]["lr"] = 0.2  # PyTorch would go on from 0.2; this one refuses rather than differ
    with pytest.raises(RuntimeError, match=r"MultiplicativeLR\.step"):
        multiplicative.step()
    cyclic = lrs.CyclicLR(opt, 0.1, 1.0)
    state = {**cyclic.state_dict(), "step_ratio": 1.5}
    with pytest.raises(ValueError, match="invalid cycle"):
        cyclic.load_state_dict(state)


# ----------------------------------------------------------------------------------------------- resuming a schedule
def _resumed_optimizer(library, lr: float = 0.0125, initial_lr: float | None = 0.1):
    parameter = library.zeros(1, requires_grad=True)
    optimizer = library.optim.SGD([parameter], lr=lr)
    if initial_lr is not None:
        optimizer.param_groups[0]["initial_lr"] = initial_lr
    return optimizer


CHAINABLE = {"StepLR": dict(step_size=2), "MultiStepLR": dict(milestones=[2, 5]), "ExponentialLR": dict(gamma=0.5),
             "LinearLR": dict(start_factor=0.2, total_iters=5), "ConstantLR": dict(factor=0.5, total_iters=5),
             "PolynomialLR": dict(total_iters=6), "CosineAnnealingLR": dict(T_max=8),
             "MultiplicativeLR": dict(lr_lambda=lambda epoch: 0.9)}


@pytest.mark.parametrize("name", sorted(CHAINABLE))
def test_resuming_a_chainable_schedule_with_last_epoch_is_refused_naming_load_state_dict(name):
    """PyTorch's resumed chainable schedule continues from the optimizer's current rate (one epoch behind its closed
    form, or off it for cosine): a closed-form schedule would silently give other rates, so it refuses."""
    optimizer = _resumed_optimizer(tg)
    with pytest.raises(ValueError, match=rf"{name}\(last_epoch=3\).*load_state_dict"):
        getattr(optim.lr_scheduler, name)(optimizer, **CHAINABLE[name], last_epoch=3)
    assert optimizer.param_groups[0]["lr"] == 0.0125  # nothing changed


@pytest.mark.parametrize("name", ["StepLR", "LambdaLR"])
def test_resuming_without_initial_lr_is_pytorchs_key_error(name, torch):
    arguments = dict(step_size=2) if name == "StepLR" else dict(lr_lambda=lambda epoch: 0.5 ** epoch)
    for library in (tg, torch):
        optimizer = _resumed_optimizer(library, initial_lr=None)
        with pytest.raises(KeyError, match=r"initial_lr.*param_groups\[0\]"):
            getattr(library.optim.lr_scheduler, name)(optimizer, **arguments, last_epoch=3)
        assert optimizer.param_groups[0]["lr"] == 0.0125


def test_a_closed_form_schedule_resumes_with_last_epoch_as_in_pytorch(torch):
    """LambdaLR's rate is initial_lr · λ(epoch) whatever the optimizer's rate: resumed at epoch 3, the constructor's
    step is epoch 4."""
    rates = {}
    for library in (tg, torch):
        optimizer = _resumed_optimizer(library)
        schedule = library.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.5 ** epoch, last_epoch=3)
        rates[library] = [optimizer.param_groups[0]["lr"]]
        for _ in range(2):
            optimizer.step()
            schedule.step()
            rates[library].append(optimizer.param_groups[0]["lr"])
    assert rates[tg] == pytest.approx([0.1 * 0.5 ** 4, 0.1 * 0.5 ** 5, 0.1 * 0.5 ** 6], rel=1e-15)
    assert rates[tg] == pytest.approx(rates[torch], rel=1e-15)
