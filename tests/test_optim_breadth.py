"""LBFGS, Rprop, ASGD and more learning-rate schedules: each against a closed form or PyTorch's documented algorithm
written out in numpy, and against PyTorch itself when installed; state dicts that resume; what tg.compile does."""

import numpy as np
import pytest
from optional_tools import require_module

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
