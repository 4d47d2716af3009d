"""The seed's backprop by hand: its equations in plain numpy — no Tensor, no autograd — as the reference.

Notation (derivation in docs/backprop.md, errata in docs/backprop-errata.md): layers l = 1..L; a⁰ = x is the input,
a^L = x̂ the output. W^l has shape (M, N) = (height of layer l, height of layer l−1), exactly like
``nn.Linear.weight``, and b^l has shape (M,). Arrays hold one datapoint per row, so the seed's column equation z^l =
W^l a^{l−1} + b^l is written ``a[l - 1] @ W[l].T + b[l]`` for all D datapoints at once. Lists are indexed by layer
as in the notes: ``W[l]`` is W^l, ``a[0]`` is x (``W[0]``, ``b[0]``, ``g[0]``, ``z[0]`` are unused ``None``). The
numbers (1)–(9) cite the equations of docs/backprop.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


# ----------------------------------------------------------------------------------------------- activations g, g'
def _identity(z: Array) -> Array:
    return z


def _identity_prime(z: Array) -> Array:
    return np.ones_like(z)


def _tanh_prime(z: Array) -> Array:
    return 1 - np.tanh(z) ** 2


def _sigmoid(z: Array) -> Array:
    return np.exp(-np.logaddexp(0, -z))  # 1 / (1 + e⁻ᶻ), without overflow for large |z|


def _sigmoid_prime(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1 - s)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0)


def _relu_prime(z: Array) -> Array:
    return (z > 0).astype(z.dtype)  # NOTE: g'(0) = 0, the same choice as autograd's Relu (and PyTorch)


@dataclass(frozen=True)
class Activation:
    """An activation g of the seed's a^l = g^l(z^l), with its derivative g' (both functions of z)."""

    name: str
    g: Callable[[Array], Array]
    g_prime: Callable[[Array], Array]


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", _identity, _identity_prime),  # g^L(z) = z: the output layer
    "tanh": Activation("tanh", np.tanh, _tanh_prime),  # g'(z) = 1 − tanh²(z)
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_prime),  # g'(z) = σ(z)(1 − σ(z))
    "relu": Activation("relu", _relu, _relu_prime),  # g'(z) = 1 if z > 0 else 0
}


def activation(name: str) -> Activation:
    """The activation called ``name`` (one of ``ACTIVATIONS``)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


# ----------------------------------------------------------------------------------------------- the network
class Network:
    """The seed's dense network f_NN: weights W^l (M, N), biases b^l (M,) and activations g^l for l = 1..L."""

    def __init__(self, weights: Sequence[Array], biases: Sequence[Array], activations: Sequence[str]) -> None:
        if not len(weights) == len(biases) == len(activations) >= 1:
            raise ValueError(
                f"need one weight, bias and activation per layer (at least one layer), got {len(weights)} "
                f"weights, {len(biases)} biases and {len(activations)} activations"
            )
        gs = [activation(name) for name in activations]
        weights = [np.asarray(W) for W in weights]
        biases = [np.asarray(b) for b in biases]
        for l, (W, b) in enumerate(zip(weights, biases), start=1):
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise ValueError(f"layer {l}: W must be (M, N) and b (M,), got W {W.shape} and b {b.shape}")
            if l > 1 and W.shape[1] != weights[l - 2].shape[0]:
                raise ValueError(
                    f"layer {l}: W^{l} has shape {W.shape}, so it takes {W.shape[1]} inputs, but layer {l - 1} "
                    f"has height {weights[l - 2].shape[0]}"
                )
        self.W: list = [None, *weights]
        self.b: list = [None, *biases]
        self.g: list = [None, *gs]

    @classmethod
    def init(cls, sizes: Sequence[int], hidden: str = "tanh", seed: int = 0, dtype: type = np.float64) -> Network:
        """Layers of heights ``sizes`` (input first), ``hidden`` activations and the identity output g^L(z) = z.

        W^l is uniform in ±1/√N (as ``nn.Linear``), b^l = 0.
        """
        rng = np.random.default_rng(seed)
        shapes = [(M, N) for N, M in itertools.pairwise(sizes)]  # W^l is (height of l, height of l − 1)
        weights = [(rng.uniform(-1, 1, size=(M, N)) / np.sqrt(N)).astype(dtype) for M, N in shapes]
        biases = [np.zeros(M, dtype=dtype) for M, _ in shapes]
        return cls(weights, biases, [hidden] * (len(shapes) - 1) + ["identity"])

    @property
    def L(self) -> int:  # noqa: N802 - the seed's symbol
        """The number of layers."""
        return len(self.W) - 1

    @property
    def sizes(self) -> list[int]:
        """Heights of layers 0..L (the input first)."""
        return [self.W[1].shape[1]] + [W.shape[0] for W in self.W[1:]]


@dataclass
class Gradients:
    """What backward computes: ``W[l]`` = ∂C/∂W^l and ``b[l]`` = ∂C/∂b^l averaged over datapoints, ``a[l]`` =
    ∂C_d/∂a^l of each datapoint d in its row (``a[0]`` is ∂C_d/∂x)."""

    W: list
    b: list
    a: list


# ----------------------------------------------------------------------------------------------- forward and cost
def forward(net: Network, x: Array) -> tuple[list, list]:
    """(z, a): z^l and a^l of every layer for the datapoints in the rows of ``x``; a[0] = x, a[L] = x̂."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != net.sizes[0]:
        raise ValueError(f"x must have shape (D, {net.sizes[0]}) (one datapoint per row), got {x.shape}")
    z: list = [None]
    a: list = [x]
    for l in range(1, net.L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])  # (1) z^l = W^l a^{l−1} + b^l, a row per datapoint
        a.append(net.g[l].g(z[l]))  # (2) a^l = g^l(z^l)
    return z, a


def _check_target(x_hat: Array, y: Array) -> None:
    if np.shape(x_hat) != np.shape(y):
        raise ValueError(f"the target y must have the output's shape {np.shape(x_hat)}, got {np.shape(y)}")


def cost_per_datapoint(x_hat: Array, y: Array) -> Array:
    """(3) C_d = Σ_n (x̂_n − y_n)²: the error of each datapoint (row)."""
    _check_target(x_hat, y)
    return ((x_hat - y) ** 2).sum(axis=1)


def cost(x_hat: Array, y: Array) -> float:
    """(3) C = (1/|D|) Σ_d C_d: the error summed over outputs and averaged over datapoints."""
    return float(cost_per_datapoint(x_hat, y).mean())


def output_gradient(x_hat: Array, y: Array) -> Array:
    """(4) ∂C_d/∂x̂_n = 2(x̂_n − y_n), one row per datapoint: where backward starts."""
    _check_target(x_hat, y)
    return 2 * (x_hat - y)


def output_gradient_as_written(x_hat: Array, y: Array) -> Array:
    """The notes' literal ∂C/∂x̂_n = 2(x̂_n − y_n)² — WRONG (erratum 13): it loses the sign and scales by the error."""
    _check_target(x_hat, y)
    return 2 * (x_hat - y) ** 2


# ----------------------------------------------------------------------------------------------- backward and update
def backward(
    net: Network, z: list, a: list, y: Array, output_gradient: Callable[[Array, Array], Array] = output_gradient
) -> Gradients:
    """The seed's recursion from the output back to the input, for the ``z``, ``a`` of ``forward``.

    ∂C_d/∂a^l keeps a row per datapoint d; ∂C/∂W^l and ∂C/∂b^l are already averaged (1/|D|) Σ_d: the
    correction the update (8), (9) applies.
    """
    L, D = net.L, a[0].shape[0]
    dC_dW: list = [None] * (L + 1)
    dC_db: list = [None] * (L + 1)
    dC_da: list = [None] * (L + 1)
    dC_da[L] = output_gradient(a[L], y)  # (4) ∂C/∂a^L = ∂C/∂x̂ = 2(x̂ − y)
    for l in range(L, 0, -1):
        dC_dz = dC_da[l] * net.g[l].g_prime(z[l])  # ∂C/∂a^l_m · g'^l(z^l_m): the factor (5), (6), (7) share
        dC_dW[l] = dC_dz.T @ a[l - 1] / D  # (6) ∂C/∂W^l_mn = ∂C/∂a^l_m g'^l(z^l_m) a^{l−1}_n, (1/|D|) Σ_d
        dC_db[l] = dC_dz.sum(axis=0) / D  # (7) ∂C/∂b^l_m = ∂C/∂a^l_m g'^l(z^l_m), (1/|D|) Σ_d
        dC_da[l - 1] = dC_dz @ net.W[l]  # (5) ∂C/∂a^{l−1}_n = Σ_m ∂C/∂a^l_m g'^l(z^l_m) W^l_mn
    return Gradients(dC_dW, dC_db, dC_da)


def gradients(net: Network, x: Array, y: Array) -> Gradients:
    """``forward`` then ``backward``: the seed's gradients for the datapoints x (rows) with targets y."""
    z, a = forward(net, x)
    return backward(net, z, a, y)


def update(net: Network, grads: Gradients, rho: float) -> Network:
    """(8), (9): one full-batch gradient-descent step with learning rate ρ, as a new Network (``net`` is kept)."""
    weights = [net.W[l] - rho * grads.W[l] for l in range(1, net.L + 1)]  # (8) W ← W − ρ (1/|D|) Σ_d ∂C_d/∂W
    biases = [net.b[l] - rho * grads.b[l] for l in range(1, net.L + 1)]  # (9) b ← b − ρ (1/|D|) Σ_d ∂C_d/∂b
    return Network(weights, biases, [net.g[l].name for l in range(1, net.L + 1)])
