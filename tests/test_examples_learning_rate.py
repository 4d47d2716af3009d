"""examples/learning_rate.py: the sharpness it reports is the Hessian's largest eigenvalue (checked against a
Hessian built by finite differences of the hand-derived gradient), and the sweep runs end to end in fast mode."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from examples_runner import load_example, run_example

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import nn

ROOT = Path(__file__).resolve().parents[1]



def finite_difference_hessian(net: hw.Network, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """∂²C/∂θ² for θ = (W¹, b¹, W², b², …) flattened, by central differences of handwritten's gradient."""
    shapes = [a.shape for l in range(1, net.L + 1) for a in (net.W[l], net.b[l])]
    theta = np.concatenate([a.ravel() for l in range(1, net.L + 1) for a in (net.W[l], net.b[l])])

    def gradient(flat: np.ndarray) -> np.ndarray:
        arrays, start = [], 0
        for shape in shapes:
            arrays.append(flat[start:start + int(np.prod(shape))].reshape(shape))
            start += int(np.prod(shape))
        layer = hw.Network(arrays[0::2], arrays[1::2], [net.g[l].name for l in range(1, net.L + 1)])
        grads = hw.gradients(layer, x, x)
        return np.concatenate([a.ravel() for l in range(1, net.L + 1) for a in (grads.W[l], grads.b[l])])

    columns = []
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        columns.append((gradient(theta + step) - gradient(theta - step)) / (2 * eps))
    hessian = np.array(columns)
    return (hessian + hessian.T) / 2


def test_sharpness_is_the_largest_hessian_eigenvalue() -> None:
    example = load_example("learning_rate.py")
    net = hw.Network.init([3, 4, 3], hidden="tanh", seed=1)
    x = np.random.default_rng(0).uniform(size=(6, 3))
    model = nn.MLP(net.sizes, activation=nn.Tanh)
    for l, linear in enumerate([m for m in model if isinstance(m, nn.Linear)], start=1):
        linear.weight.data, linear.bias.data = net.W[l].copy(), net.b[l].copy()
    eigenvalues = np.linalg.eigvalsh(finite_difference_hessian(net, x))
    dominant = eigenvalues[np.argmax(np.abs(eigenvalues))]
    assert np.isclose(example.sharpness(model, tg.Tensor(x), iterations=300), dominant, rtol=1e-4)


def test_learning_rate_sweep_runs_fast() -> None:
    out = run_example("learning_rate.py", "--rates", "0.01", "0.2")
    assert re.search(r"at the start λ_max = [\d.]+, 2/λ_max = [\d.]+", out), out
    rows = re.findall(r"^\s+(0\.\d+)\s+(\d+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", out, flags=re.M)
    assert [row[0] for row in rows] == ["0.010", "0.200"], out
    assert rows[0][1] == "0" and int(rows[1][1]) > 0  # a small ρ never overshoots here, a large one does
