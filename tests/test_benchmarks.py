"""The benchmark suite's correctness checks (no timing here: speed lives in ``python -m benchmarks``)."""

import numpy as np
import pytest

from benchmarks import run


@pytest.mark.parametrize("name", ["tiny", "small"])
def test_w1_steps_match_the_float64_hand_written_steps(name):
    batch, sizes = run.MLP_SIZES[name]
    x = np.random.default_rng(1).standard_normal((batch, sizes[0])).astype(np.float32)
    run.check_w1(run.init_params(sizes), x)


def test_hand_written_step_is_gradient_descent_on_the_mean_squared_error():
    """The numpy baseline itself: its update equals one step along central-difference gradients."""
    params = [(W.astype(np.float64), b.astype(np.float64)) for W, b in run.init_params([3, 2, 3])]
    x = np.random.default_rng(2).standard_normal((4, 3))

    def loss() -> float:
        a = x
        for index, (W, b) in enumerate(params):
            a = a @ W.T + b if index == len(params) - 1 else np.tanh(a @ W.T + b)
        return float(((a - x) ** 2).mean())

    expected = []
    for W, b in params:
        for array in (W, b):
            grad = np.zeros_like(array)
            for i in np.ndindex(array.shape):
                array[i] += 1e-6
                plus = loss()
                array[i] -= 2e-6
                minus = loss()
                array[i] += 1e-6
                grad[i] = (plus - minus) / 2e-6
            expected.append(array - 0.5 * grad)
    run.numpy_step(params, x, lr=0.5)
    for got, want in zip([a for pair in params for a in pair], expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_w2_and_w3_agree_with_their_references():
    values = np.linspace(-1, 1, 4).astype(np.float32)
    np.testing.assert_allclose(run.w2_autograd(run.tg, values), run.w2_numpy(values.astype(np.float64)), rtol=1e-5)
    assert run.w3_autograd(run.tg, 1000) == pytest.approx(run.w3_numpy(1000), rel=1e-4)
    assert run.w3_numpy(1000) == pytest.approx(1.0001**1000, rel=1e-4)


def test_the_memory_probe_runs_and_reports_rss_and_peak_memory(capsys):
    """W4 runs in a fresh process; only that it runs and reports is checked here (its numbers are the benchmark's)."""
    run.main(["--only", "W4"])
    out = capsys.readouterr().out
    assert "allocator: as the system set it up" in out
    assert "W4 memory   RSS" in out and "after 200 medium steps: growth" in out
    assert "peak array memory within one medium step: numpy" in out
