"""The independent truth for gradient tests: central finite differences in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import tinygrad_edu as tg


def numerical_gradients(f: Callable[..., np.ndarray], arrays: Sequence[np.ndarray], eps: float = 1e-6) -> list:
    """∂f/∂array for a scalar-valued numpy function ``f(*arrays)``, by (f(x + ε) − f(x − ε)) / 2ε per element."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array, dtype=np.float64)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            plus = f(*arrays)
            array[index] = original - eps
            minus = f(*arrays)
            array[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def check_gradients(op: Callable[..., tg.Tensor], *arrays: np.ndarray, atol: float = 1e-6, rtol: float = 1e-5,
                    seed: int = 0) -> None:
    """Check the analytic gradient of every input of ``op`` against finite differences, in float64.

    A fixed random weighting ``w`` turns any output into the scalar Σ w·op(x), so every output element counts.
    Both evaluations of each backward formula are checked: on arrays (a plain ``backward()``) and on Tensors
    (``create_graph=True``, which records it for a second derivative).
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    weights = None

    def scalar(*xs: np.ndarray) -> float:
        with tg.no_grad():
            return float((op(*[tg.Tensor(x) for x in xs]).data * weights).sum())

    expected_grads = None
    for create_graph in (False, True):
        inputs = [tg.Tensor(a, requires_grad=True) for a in arrays]
        out = op(*inputs)
        if weights is None:
            weights = np.random.default_rng(seed).standard_normal(out.shape)
            expected_grads = numerical_gradients(scalar, arrays)
        (out * tg.Tensor(weights)).sum().backward(create_graph=create_graph)
        for i, (tensor, expected) in enumerate(zip(inputs, expected_grads)):
            where = f"input {i}, create_graph={create_graph}"
            assert tensor.grad is not None, f"{where}: got no gradient"
            assert tensor.grad.shape == tensor.shape, f"{where}: grad shape {tensor.grad.shape} != {tensor.shape}"
            np.testing.assert_allclose(tensor.grad.data, expected, atol=atol, rtol=rtol, err_msg=where)
