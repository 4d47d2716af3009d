"""Every number docs/backprop-example.md shows, recomputed three ways: autograd, the hand-derived reference
(``tinygrad_edu.handwritten``, row form) and central finite differences of C.

The page's snippets print the numbers (tests/test_docs.py checks they print what the page shows); this test reads
the numbers off the page and checks each one against the three independent computations, to the four decimals shown.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from gradients import numerical_gradients
from test_docs import page_snippets

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import nn, optim

PAGE = Path(__file__).resolve().parents[1] / "docs" / "backprop-example.md"
SHOWN_TO = 0.5e-4 + 1e-9  # the page rounds to four decimals


def parse_numbers(output: str) -> dict:
    """{(datapoint or None, name): array} from lines ``name = value``; ``d = k:`` starts datapoint k's lines."""
    values: dict = {}
    datapoint = key = None
    for line in output.splitlines():
        if header := re.fullmatch(r"d = (\d+):", line):
            datapoint = int(header[1])
        elif line.lstrip().startswith("["):  # the next row of a matrix
            values[key] += " " + line.strip()
        else:
            name, _, text = line.rpartition(" = ")
            key = (datapoint if line.startswith("  ") else None, name.strip())
            values[key] = text
    return {key: to_array(text) for key, text in values.items()}


def to_array(text: str) -> np.ndarray:
    rows = [[float(n) for n in row.split()] for row in re.findall(r"\[([^\[\]]*)\]", text)]
    if not rows:
        return np.array(float(text))
    return np.array(rows) if text.startswith("[[") else np.array(rows[0])


def shown_blocks() -> list[dict]:
    """The numbers of each Output block of the page, in page order."""
    return [parse_numbers(s.expected_output) for s in page_snippets(PAGE) if s.expected_output is not None]


def page_inputs() -> dict:
    """W¹, b¹, W², b², the datapoints and ρ, as the page's first snippet sets them."""
    namespace: dict = {}
    exec(page_snippets(PAGE)[0].code, namespace)
    return namespace


# ----------------------------------------------------------------------------------------------- three truths
def by_reference(p: dict) -> list[dict]:
    """The numbers of each block from tinygrad_edu.handwritten (the batched row form)."""
    net = hw.Network([p["W1"], p["W2"]], [p["b1"], p["b2"]], ["tanh", "identity"])
    X = np.stack(p["xs"])
    z, a = hw.forward(net, X)
    grads = hw.backward(net, z, a, X)
    per_datapoint = [hw.gradients(net, X[d:d + 1], X[d:d + 1]) for d in range(len(X))]
    delta1 = grads.a[1] * net.g[1].g_prime(z[1])
    stepped = hw.update(net, grads, p["rho"])
    forward, backward = {(None, "C"): hw.cost(a[2], X)}, {}
    for d in range(len(X)):
        forward |= {(d + 1, "x = y"): X[d], (d + 1, "z¹"): z[1][d], (d + 1, "a¹"): a[1][d], (d + 1, "x̂"): a[2][d],
                    (d + 1, "C_d"): hw.cost_per_datapoint(a[2], X)[d]}
        backward |= {(d + 1, "∂C_d/∂x̂ = δ²"): hw.output_gradient(a[2], X)[d], (d + 1, "∂C_d/∂a¹"): grads.a[1][d],
                     (d + 1, "δ¹"): delta1[d], (d + 1, "∂C_d/∂W²"): per_datapoint[d].W[2],
                     (d + 1, "∂C_d/∂b²"): per_datapoint[d].b[2], (d + 1, "∂C_d/∂W¹"): per_datapoint[d].W[1],
                     (d + 1, "∂C_d/∂b¹"): per_datapoint[d].b[1]}
    averaged = {(None, "∂C/∂W¹"): grads.W[1], (None, "∂C/∂b¹"): grads.b[1], (None, "∂C/∂W²"): grads.W[2],
                (None, "∂C/∂b²"): grads.b[2]}
    update = {(None, "W¹"): stepped.W[1], (None, "b¹"): stepped.b[1], (None, "W²"): stepped.W[2],
              (None, "b²"): stepped.b[2], (None, "C before the step"): hw.cost(a[2], X),
              (None, "C after the step"): hw.cost(hw.forward(stepped, X)[1][2], X)}
    autograd = {(None, "C"): hw.cost(a[2], X), (None, "∂C/∂W¹"): grads.W[1], (None, "∂C/∂b²"): grads.b[2]}
    return [forward, backward, averaged, update, autograd]


def autograd_pass(p: dict, X: np.ndarray) -> dict:
    """Forward and backward of C = (1/|X|) Σ_d C_d by tinygrad_edu, with the gradients of the intermediates."""
    layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
    for layer, W, b in zip(layers, (p["W1"], p["W2"]), (p["b1"], p["b2"])):
        layer.weight.data, layer.bias.data = W.copy(), b.copy()
    x = tg.Tensor(X)
    z1 = layers[0](x)
    a1 = z1.tanh()
    x_hat = layers[1](a1)
    per_datapoint = ((x_hat - x) ** 2).sum(axis=1)
    C = per_datapoint.mean()
    for t in (z1, a1, x_hat):
        t.retain_grad()
    C.backward()
    scale = len(X)  # autograd differentiates the average: row d of an intermediate's grad is (1/|X|) ∂C_d/∂·
    return {"layers": layers, "C": C.item(), "C_d": per_datapoint.numpy(), "z¹": z1.numpy(), "a¹": a1.numpy(),
            "x̂": x_hat.numpy(), "∂C/∂x̂": x_hat.grad.numpy() * scale, "∂C/∂a¹": a1.grad.numpy() * scale,
            "δ¹": z1.grad.numpy() * scale, "∂C/∂W¹": layers[0].weight.grad.numpy(),
            "∂C/∂b¹": layers[0].bias.grad.numpy(), "∂C/∂W²": layers[1].weight.grad.numpy(),
            "∂C/∂b²": layers[1].bias.grad.numpy()}


def by_autograd(p: dict) -> list[dict]:
    X = np.stack(p["xs"])
    whole = autograd_pass(p, X)
    singles = [autograd_pass(p, X[d:d + 1]) for d in range(len(X))]
    forward, backward = {(None, "C"): whole["C"]}, {}
    for d, single in enumerate(singles):
        forward |= {(d + 1, "x = y"): X[d], (d + 1, "C_d"): whole["C_d"][d],
                    **{(d + 1, name): whole[name][d] for name in ("z¹", "a¹", "x̂")}}
        backward |= {(d + 1, "∂C_d/∂x̂ = δ²"): whole["∂C/∂x̂"][d], (d + 1, "∂C_d/∂a¹"): whole["∂C/∂a¹"][d],
                     (d + 1, "δ¹"): whole["δ¹"][d],
                     **{(d + 1, f"∂C_d/∂{q}"): single[f"∂C/∂{q}"] for q in ("W¹", "b¹", "W²", "b²")}}
    averaged = {(None, f"∂C/∂{q}"): whole[f"∂C/∂{q}"] for q in ("W¹", "b¹", "W²", "b²")}
    layers = whole["layers"]
    optim.SGD([q for layer in layers for q in layer.parameters()], lr=p["rho"]).step()
    stepped = {"W1": layers[0].weight.numpy(), "b1": layers[0].bias.numpy(), "W2": layers[1].weight.numpy(),
               "b2": layers[1].bias.numpy()}
    update = {(None, "W¹"): stepped["W1"], (None, "b¹"): stepped["b1"], (None, "W²"): stepped["W2"],
              (None, "b²"): stepped["b2"], (None, "C before the step"): whole["C"],
              (None, "C after the step"): autograd_pass(stepped, X)["C"]}
    autograd = {(None, "C"): whole["C"], (None, "∂C/∂W¹"): whole["∂C/∂W¹"], (None, "∂C/∂b²"): whole["∂C/∂b²"]}
    return [forward, backward, averaged, update, autograd]


def numpy_cost(W1, b1, W2, b2, X) -> float:
    """C = (1/|X|) Σ_d Σ_n (x̂_n − x_n)², written out once more for the finite differences."""
    x_hat = np.tanh(X @ W1.T + b1) @ W2.T + b2
    return float(((x_hat - X) ** 2).sum(axis=1).mean())


def by_finite_differences(p: dict) -> dict:
    """The gradients of the page — per datapoint and averaged — as central differences of C (forward values have
    no finite-difference counterpart and are checked by the other two)."""
    X = np.stack(p["xs"])
    params = [p[name].astype(np.float64).copy() for name in ("W1", "b1", "W2", "b2")]
    names = ("W¹", "b¹", "W²", "b²")
    averaged = dict(zip([(None, f"∂C/∂{n}") for n in names],
                        numerical_gradients(lambda *ps: numpy_cost(*ps, X), params)))
    backward = {}
    W1, b1, W2, b2 = params
    for d in range(len(X)):
        row = X[d:d + 1]
        backward |= dict(zip([(d + 1, f"∂C_d/∂{n}") for n in names],
                             numerical_gradients(lambda *ps, row=row: numpy_cost(*ps, row), params)))
        a1 = np.tanh(W1 @ X[d] + b1)
        z1 = W1 @ X[d] + b1
        x_hat = W2 @ a1 + b2
        (dC_dx_hat,) = numerical_gradients(lambda xh, d=d: float(((xh - X[d]) ** 2).sum()), [x_hat.copy()])
        (dC_da1,) = numerical_gradients(lambda a, d=d: float(((W2 @ a + b2 - X[d]) ** 2).sum()), [a1.copy()])
        (dC_dz1,) = numerical_gradients(lambda z, d=d: float(((W2 @ np.tanh(z) + b2 - X[d]) ** 2).sum()),
                                        [z1.copy()])
        backward |= {(d + 1, "∂C_d/∂x̂ = δ²"): dC_dx_hat, (d + 1, "∂C_d/∂a¹"): dC_da1, (d + 1, "δ¹"): dC_dz1}
    return {**averaged, **backward}


# ----------------------------------------------------------------------------------------------- the checks
def differences(shown: dict, truth: dict) -> list[str]:
    return [f"{key}: page {shown[key]} vs {np.round(value, 6)}" for key, value in truth.items()
            if key in shown and not np.allclose(shown[key], value, rtol=0, atol=SHOWN_TO)]


@pytest.mark.parametrize("truth", [by_reference, by_autograd], ids=["handwritten", "autograd"])
def test_every_number_on_the_page_is_recomputed(truth) -> None:
    shown, expected = shown_blocks(), truth(page_inputs())
    assert len(shown) == len(expected) == 5
    for block, (numbers, truth_numbers) in enumerate(zip(shown, expected)):
        assert set(numbers) == set(truth_numbers), f"Output block {block + 1}: shown and recomputed keys differ"
        assert differences(numbers, truth_numbers) == [], f"Output block {block + 1}"


def test_every_gradient_on_the_page_matches_finite_differences() -> None:
    shown = {key: value for block in shown_blocks()[1:3] for key, value in block.items()}
    truth = by_finite_differences(page_inputs())
    assert set(truth) == set(shown)  # every gradient the page shows has a finite-difference check
    assert differences(shown, truth) == []


def test_the_parser_reads_matrices_vectors_and_numbers() -> None:
    numbers = parse_numbers("d = 1:\n  z¹ = [ 0.5000 -0.5500]\nW = [[ 1.0000 -2.0000]\n     [ 3.0000  4.0000]]\n"
                            "C after = 0.5295")
    assert np.array_equal(numbers[(1, "z¹")], [0.5, -0.55])
    assert np.array_equal(numbers[(None, "W")], [[1, -2], [3, 4]])
    assert numbers[(None, "C after")] == 0.5295
