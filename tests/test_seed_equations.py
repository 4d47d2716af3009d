"""The seed's hand-derived equations fall out of autograd: nn.Linear + a cost from primitives vs ``handwritten``.

The same float64 network is built twice — once as the seed's numpy reference, once as ``nn.Linear`` layers holding
copies of its W^l, b^l — and every gradient autograd finds must equal the one derived by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_handwritten import random_network

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import nn, optim

ACTIVATION_NAMES = sorted(hw.ACTIVATIONS)
TENSOR_ACTIVATIONS = {  # g^l as primitive ops: identity records nothing, the others are Tanh, Sigmoid, Relu
    "identity": lambda z: z,
    "tanh": tg.Tensor.tanh,
    "sigmoid": tg.Tensor.sigmoid,
    "relu": tg.Tensor.relu,
}


def assert_close(got: tg.Tensor | np.ndarray, expected: np.ndarray, what: str, rtol: float = 1e-10) -> None:
    """Equal to ``rtol`` relative to the largest entry (entries near zero have no meaningful relative error)."""
    got = got.data if isinstance(got, tg.Tensor) else got
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


# ----------------------------------------------------------------------------------------------- the two networks
@st.composite
def networks(draw: st.DrawFn, autoencoder: bool = False) -> tuple[hw.Network, np.ndarray, np.ndarray]:
    """A reference network of depth 1–5, widths 1–16, any activations, with a batch of 1–8 datapoints and targets."""
    depth = draw(st.integers(1, 5))
    sizes = draw(st.lists(st.integers(1, 16), min_size=depth + 1, max_size=depth + 1))
    if autoencoder:
        sizes[-1] = sizes[0]
    activations = draw(st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=depth, max_size=depth))
    D = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((D, sizes[0]))
    y = x.copy() if autoencoder else rng.standard_normal((D, sizes[-1]))
    return random_network(sizes, activations, seed), x, y


def linear_layers(net: hw.Network) -> list[nn.Linear]:
    """``nn.Linear(N, M)`` per layer holding float64 copies of the reference's W^l (M, N) and b^l (M,)."""
    layers = []
    for l in range(1, net.L + 1):
        M, N = net.W[l].shape
        layer = nn.Linear(N, M)
        assert layer.weight.shape == (M, N) and layer.bias.shape == (M,)
        layer.weight.data, layer.bias.data = net.W[l].copy(), net.b[l].copy()
        layers.append(layer)
    return layers


def seed_cost(x_hat: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """(3) C = (1/|D|) Σ_d Σ_n (x̂_n − y_n)², from the primitives Sub, Pow, Sum and Mul."""
    return ((x_hat - y) ** 2).sum() * (1.0 / x_hat.shape[0])


def autograd_forward(net: hw.Network, layers: list[nn.Linear], x: tg.Tensor) -> tuple[list, list]:
    """z^l and a^l as tensors that keep their gradients: a^l by ``retain_grad``, z^l through a hook."""
    z: list = [None]
    a: list = [x]
    dC_dz: list = [None] * (net.L + 1)
    for l, layer in enumerate(layers, start=1):
        z.append(layer(a[l - 1]))
        z[l].register_hook(lambda grad, l=l: dC_dz.__setitem__(l, grad))
        a.append(TENSOR_ACTIVATIONS[net.g[l].name](z[l]))
        a[l].retain_grad()
    return a, dC_dz


def check_against_reference(net: hw.Network, x: np.ndarray, y: np.ndarray) -> list[nn.Linear]:
    """Run both; assert autograd's ∂C/∂W^l, ∂C/∂b^l, ∂C/∂a^l, ∂C/∂z^l and C equal the reference's."""
    z, a = hw.forward(net, x)
    grads = hw.backward(net, z, a, y)
    D = x.shape[0]
    layers = linear_layers(net)
    x_t = tg.Tensor(x, requires_grad=True)
    a_t, dC_dz_t = autograd_forward(net, layers, x_t)
    C = seed_cost(a_t[net.L], tg.Tensor(y))
    assert C.dtype == np.float64
    assert abs(C.item() - hw.cost(a[net.L], y)) <= 1e-12 * (1 + abs(C.item())), "C differs"
    C.backward()
    for l, layer in enumerate(layers, start=1):
        assert_close(layer.weight.grad, grads.W[l], f"∂C/∂W^{l}")
        assert_close(layer.bias.grad, grads.b[l], f"∂C/∂b^{l}")
        # the reference keeps ∂C_d/∂a^l per datapoint; C averages them, so autograd's row d is 1/|D| of it
        assert_close(a_t[l].grad.data * D, grads.a[l], f"∂C/∂a^{l}")
        assert_close(dC_dz_t[l].data * D, grads.a[l] * net.g[l].g_prime(z[l]), f"∂C/∂z^{l}")
    assert_close(x_t.grad.data * D, grads.a[0], "∂C/∂a^0 (= ∂C/∂x)")
    return layers


# ----------------------------------------------------------------------------------------------- the properties
@settings(max_examples=60, deadline=None)
@given(networks())
def test_autograd_equals_the_hand_derived_gradients(case) -> None:
    check_against_reference(*case)


@settings(max_examples=25, deadline=None)
@given(networks(autoencoder=True))
def test_autoencoder_target_y_equals_x(case) -> None:
    """The seed's "what we want": C = (x̂ − x)², the target being the (constant) input itself."""
    net, x, y = case
    assert np.array_equal(x, y)
    check_against_reference(net, x, y)


@settings(max_examples=25, deadline=None)
@given(networks(), st.floats(1e-3, 1.0))
def test_one_full_batch_sgd_step_equals_the_reference_update(case, rho: float) -> None:
    """(8), (9): optim.SGD on the seed's C moves every W^l, b^l exactly as W ← W − ρ (1/|D|) Σ_d ∂C_d/∂W."""
    net, x, y = case
    expected = hw.update(net, hw.gradients(net, x, y), rho)
    layers = linear_layers(net)
    optimizer = optim.SGD([p for layer in layers for p in (layer.weight, layer.bias)], lr=rho)
    optimizer.zero_grad()
    a, _ = autograd_forward(net, layers, tg.Tensor(x))
    seed_cost(a[net.L], tg.Tensor(y)).backward()
    optimizer.step()
    for l, layer in enumerate(layers, start=1):
        assert_close(layer.weight, expected.W[l], f"W^{l} after one step")
        assert_close(layer.bias, expected.b[l], f"b^{l} after one step")


def test_mse_loss_scaled_to_the_seed_cost() -> None:
    """nn.MSELoss averages over datapoints AND outputs; the seed's C is MSELoss('sum') / |D| = MSELoss('mean') · N."""
    net = hw.Network.init([5, 4, 3], hidden="tanh", seed=2)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    grads = hw.gradients(net, x, y)
    _, a = hw.forward(net, x)
    for name, make_cost in [
        ("MSELoss(reduction='sum') / D", lambda x_hat, t: nn.MSELoss(reduction="sum")(x_hat, t) * (1.0 / 6)),
        ("MSELoss() * N", lambda x_hat, t: nn.MSELoss()(x_hat, t) * 3.0),
    ]:
        layers = linear_layers(net)
        out, _ = autograd_forward(net, layers, tg.Tensor(x))
        C = make_cost(out[net.L], tg.Tensor(y))
        assert abs(C.item() - hw.cost(a[net.L], y)) < 1e-12, name
        C.backward()
        for l, layer in enumerate(layers, start=1):
            assert_close(layer.weight.grad, grads.W[l], f"{name}: ∂C/∂W^{l}")
            assert_close(layer.bias.grad, grads.b[l], f"{name}: ∂C/∂b^{l}")
    plain = nn.MSELoss()(tg.Tensor(a[net.L]), tg.Tensor(y)).item()
    assert abs(plain * 3 - hw.cost(a[net.L], y)) < 1e-12 and abs(plain - hw.cost(a[net.L], y)) > 1e-3


def test_the_notes_literal_output_gradient_disagrees_with_autograd() -> None:
    """Erratum 1: backward seeded with the printed ∂C/∂x̂ = 2(x̂ − y)² gives gradients autograd does not."""
    net = hw.Network.init([4, 6, 4], hidden="tanh", seed=4)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 4))
    z, a = hw.forward(net, x)
    literal = hw.backward(net, z, a, x, output_gradient=hw.output_gradient_as_written)
    layers = check_against_reference(net, x, x)  # the corrected 2(x̂ − y) agrees with autograd to ~1e-10
    for l, layer in enumerate(layers, start=1):
        difference = np.abs(layer.weight.grad.data - literal.W[l]).max()
        assert difference > 0.1 * np.abs(layer.weight.grad.data).max(), f"the literal form agreed at W^{l}"


# ----------------------------------------------------------------------------------------------- docs/backprop.md
DOC = Path(__file__).resolve().parents[1] / "docs" / "backprop.md"


def test_backprop_doc_quotes_the_reference_exactly() -> None:
    """Every line of handwritten.py the doc's tables quote is in handwritten.py, so the two cannot drift apart."""
    source = Path(hw.__file__).read_text(encoding="utf-8")
    quotes = [q for q in re.findall(r"`([^`]+)`", DOC.read_text(encoding="utf-8"))
              if re.search(r"dC_|append\(|rho \*|g_prime", q)]
    assert len(quotes) >= 9
    assert [q for q in quotes if q not in source] == []
