"""The hand-derived reference against central finite differences of its own cost: truth that needs no autograd."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from gradients import numerical_gradients

from tinygrad_edu import handwritten as hw

ACTIVATION_NAMES = sorted(hw.ACTIVATIONS)


def random_network(sizes: list[int], activations: list[str], seed: int = 0) -> hw.Network:
    """A float64 network with normal weights and biases (non-zero biases, so ∂C/∂b is exercised)."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((m, n)) / np.sqrt(n) for n, m in itertools.pairwise(sizes)]
    biases = [rng.standard_normal(m) * 0.5 for m in sizes[1:]]
    return hw.Network(weights, biases, activations)


def output_cost(net: hw.Network, x: np.ndarray, y: np.ndarray) -> float:
    _, a = hw.forward(net, x)
    return hw.cost(a[net.L], y)


@pytest.mark.parametrize("hidden", ACTIVATION_NAMES)
@pytest.mark.parametrize(("sizes", "D"), [([3, 1], 1), ([4, 5, 2], 3), ([2, 6, 3, 4], 5)])
def test_parameter_gradients_match_finite_differences(hidden: str, sizes: list[int], D: int) -> None:
    net = random_network(sizes, [hidden] * (len(sizes) - 2) + ["identity"], seed=len(sizes) + D)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((D, sizes[0])), rng.standard_normal((D, sizes[-1]))
    grads = hw.gradients(net, x, y)
    params = [p for l in range(1, net.L + 1) for p in (net.W[l], net.b[l])]

    def cost_of(*values: np.ndarray) -> float:  # the same network with W¹, b¹, W², … set to ``values``
        return output_cost(hw.Network(values[0::2], values[1::2], [g.name for g in net.g[1:]]), x, y)

    numeric = numerical_gradients(cost_of, params)
    analytic = [g for l in range(1, net.L + 1) for g in (grads.W[l], grads.b[l])]
    for got, expected in zip(analytic, numeric):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("hidden", ACTIVATION_NAMES)
def test_activation_gradients_match_finite_differences(hidden: str) -> None:
    """∂C/∂a^l of every layer: the network from layer l + 1 on, fed a^l, gives C as a function of a^l alone."""
    sizes, D = [3, 5, 4, 2], 4
    net = random_network(sizes, [hidden, hidden, "identity"], seed=7)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((D, 3)), rng.standard_normal((D, 2))
    z, a = hw.forward(net, x)
    grads = hw.backward(net, z, a, y)
    for l in range(net.L):  # a^0 = x included
        rest = hw.Network(net.W[l + 1:], net.b[l + 1:], [g.name for g in net.g[l + 1:]])
        a_l = a[l].copy()
        (numeric,) = numerical_gradients(lambda a_l, rest=rest: output_cost(rest, a_l, y), [a_l])
        # C averages over datapoints, so ∂C/∂a^l of row d is (1/|D|) ∂C_d/∂a^l
        np.testing.assert_allclose(grads.a[l] / D, numeric, rtol=1e-6, atol=1e-8, err_msg=f"layer {l}")
    np.testing.assert_allclose(grads.a[net.L], 2 * (a[net.L] - y))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_derivatives(name: str) -> None:
    g = hw.activation(name)
    z = np.array([-3.0, -0.7, 0.3, 2.5])  # away from relu's kink at 0
    eps = 1e-6
    np.testing.assert_allclose(g.g_prime(z), (g.g(z + eps) - g.g(z - eps)) / (2 * eps), rtol=1e-7, atol=1e-9)


def test_activation_values_and_relu_kink() -> None:
    z = np.array([-2.0, 0.0, 1.5])
    np.testing.assert_allclose(hw.activation("identity").g(z), z)
    np.testing.assert_allclose(hw.activation("tanh").g(z), np.tanh(z))
    np.testing.assert_allclose(hw.activation("sigmoid").g(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(hw.activation("relu").g(z), [0.0, 0.0, 1.5])
    np.testing.assert_array_equal(hw.activation("relu").g_prime(z), [0.0, 0.0, 1.0])  # g'(0) = 0
    assert np.isfinite(hw.activation("sigmoid").g(np.array([-1000.0, 1000.0]))).all()


def test_forward_stores_every_z_and_a() -> None:
    net = random_network([2, 3, 1], ["tanh", "identity"])
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    z, a = hw.forward(net, x)
    assert z[0] is None and a[0] is x
    np.testing.assert_allclose(z[1], x @ net.W[1].T + net.b[1])
    np.testing.assert_allclose(a[1], np.tanh(z[1]))
    np.testing.assert_allclose(z[2], a[1] @ net.W[2].T + net.b[2])
    np.testing.assert_array_equal(a[2], z[2])  # identity output g^L(z) = z
    # one datapoint at a time gives the same rows: the vectorised form is the seed's column equation per row
    for d in range(2):
        column = np.tanh(net.W[1] @ x[d] + net.b[1])
        np.testing.assert_allclose(net.W[2] @ column + net.b[2], a[2][d])


def test_cost_sums_over_outputs_and_averages_over_datapoints() -> None:
    x_hat = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 1.0]])
    np.testing.assert_allclose(hw.cost_per_datapoint(x_hat, y), [5.0, 5.0, 4.0])
    assert hw.cost(x_hat, y) == pytest.approx(14.0 / 3)


def test_averaged_gradient_is_the_mean_of_per_datapoint_gradients() -> None:
    """(1/|D|) Σ_d ∂C_d/∂W: the batch gradient equals the mean of one-datapoint gradients, as the notes say."""
    net = random_network([3, 4, 2], ["sigmoid", "identity"], seed=3)
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    batch = hw.gradients(net, x, y)
    singles = [hw.gradients(net, x[d:d + 1], y[d:d + 1]) for d in range(5)]
    for l in (1, 2):
        np.testing.assert_allclose(batch.W[l], np.mean([s.W[l] for s in singles], axis=0))
        np.testing.assert_allclose(batch.b[l], np.mean([s.b[l] for s in singles], axis=0))
        np.testing.assert_allclose(batch.a[l - 1], np.concatenate([s.a[l - 1] for s in singles]))


def test_update_is_one_gradient_descent_step_and_lowers_the_cost() -> None:
    net = random_network([4, 6, 4], ["tanh", "identity"], seed=5)
    x = np.random.default_rng(6).standard_normal((8, 4))
    grads = hw.gradients(net, x, x)  # autoencoder: y = x
    stepped = hw.update(net, grads, rho=0.05)
    for l in (1, 2):
        np.testing.assert_allclose(stepped.W[l], net.W[l] - 0.05 * grads.W[l])
        np.testing.assert_allclose(stepped.b[l], net.b[l] - 0.05 * grads.b[l])
    assert [g.name for g in stepped.g[1:]] == ["tanh", "identity"]
    assert output_cost(stepped, x, x) < output_cost(net, x, x)
    np.testing.assert_array_equal(hw.update(net, grads, 0.0).W[1], net.W[1])  # the original is untouched


def test_literal_output_gradient_of_the_notes_is_wrong() -> None:
    """The notes print ∂C/∂x̂ = 2(x̂ − y)²; finite differences of C agree with 2(x̂ − y) instead."""
    x_hat = np.array([[0.3, -1.2, 2.0]])
    y = np.array([[1.0, 0.5, 2.5]])
    (numeric,) = numerical_gradients(lambda v: hw.cost(v, y), [x_hat.copy()])
    np.testing.assert_allclose(hw.output_gradient(x_hat, y), numeric, rtol=1e-7)
    literal = hw.output_gradient_as_written(x_hat, y)
    assert (literal >= 0).all() and (numeric < 0).all()  # the square loses the sign: it would climb the cost
    assert not np.allclose(literal, numeric, rtol=0.1)


def test_init_builds_the_seed_layout() -> None:
    net = hw.Network.init([64, 32, 16, 32, 64], hidden="tanh", seed=1)
    assert net.L == 4 and net.sizes == [64, 32, 16, 32, 64]
    assert [W.shape for W in net.W[1:]] == [(32, 64), (16, 32), (32, 16), (64, 32)]  # (M, N) = (out, in)
    assert [g.name for g in net.g[1:]] == ["tanh", "tanh", "tanh", "identity"]
    assert all(np.abs(W).max() <= 1 / np.sqrt(W.shape[1]) for W in net.W[1:])
    assert hw.Network.init([3, 2], dtype=np.float32).W[1].dtype == np.float32


def test_float32_stays_float32() -> None:
    net = hw.Network.init([3, 4, 3], dtype=np.float32)
    x = np.ones((2, 3), dtype=np.float32)
    grads = hw.gradients(net, x, x)
    assert all(g.dtype == np.float32 for g in [*grads.W[1:], *grads.b[1:], *grads.a])
    assert hw.update(net, grads, 0.1).W[1].dtype == np.float32


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: hw.Network([np.ones((2, 3))], [np.ones(3)], ["tanh"]), r"W \(2, 3\) and b \(3,\)"),
        (lambda: hw.Network([np.ones((2, 3)), np.ones((1, 4))], [np.ones(2), np.ones(1)], ["tanh", "identity"]),
         "takes 4 inputs, but layer 1 has height 2"),
        (lambda: hw.Network([np.ones((2, 3))], [np.ones(2)], ["softplus"]), "unknown activation 'softplus'"),
        (lambda: hw.Network([np.ones((2, 3))], [np.ones(2)], []), "one weight, bias and activation per layer"),
        (lambda: hw.forward(hw.Network.init([3, 2]), np.ones((4, 2))), r"shape \(D, 3\).*got \(4, 2\)"),
        (lambda: hw.cost(np.ones((4, 2)), np.ones((4, 3))), r"output's shape \(4, 2\), got \(4, 3\)"),
    ],
)
def test_bad_input_is_named(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()
