"""The tests' independent truth for gradients: central finite differences in float64, computed by the package's
one finite-difference routine (``tinygrad_edu.gradcheck.finite_difference_jacobians``), which is itself tested
against closed forms in test_gradcheck.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.gradcheck import finite_difference_jacobians


def numerical_gradients(f: Callable[..., float], arrays: Sequence[np.ndarray], eps: float = 1e-6) -> list:
    """∂f/∂array for a scalar-valued numpy function ``f(*arrays)``, called on fresh float64 copies each time."""
    jacobians = finite_difference_jacobians(lambda values: f(*values), arrays, eps)
    return [j.reshape(np.shape(a)) for j, a in zip(jacobians, arrays)]


def check_gradients(op: Callable[..., tg.Tensor], *arrays: np.ndarray, atol: float = 1e-6, rtol: float = 1e-5,
                    seed: int = 0) -> None:
    """Check the analytic gradient of every input of ``op`` against finite differences, in float64.

    A fixed random weighting ``w`` turns any output into the scalar Σ w·op(x), so every output element counts.
    Both evaluations of each backward formula are checked: on arrays (a plain ``backward()``) and on Tensors
    (``create_graph=True``, which records it for a second derivative).
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    with tg.no_grad():
        weights = np.random.default_rng(seed).standard_normal(op(*[tg.Tensor(a) for a in arrays]).shape)

    def scalar(*xs: np.ndarray) -> float:
        with tg.no_grad():
            return float((op(*[tg.Tensor(x) for x in xs]).data * weights).sum())

    expected_grads = numerical_gradients(scalar, arrays)
    for create_graph in (False, True):
        inputs = [tg.Tensor(a, requires_grad=True) for a in arrays]
        (op(*inputs) * tg.Tensor(weights)).sum().backward(create_graph=create_graph)
        for i, (tensor, expected) in enumerate(zip(inputs, expected_grads)):
            where = f"input {i}, create_graph={create_graph}"
            assert tensor.grad is not None, f"{where}: got no gradient"
            assert tensor.grad.shape == tensor.shape, f"{where}: grad shape {tensor.grad.shape} != {tensor.shape}"
            np.testing.assert_allclose(tensor.grad.data, expected, atol=atol, rtol=rtol, err_msg=where)


def check_closure_gradients(f: Callable[[], tg.Tensor], tensors: Sequence[tg.Tensor], eps: float = 1e-6,
                            rtol: float = 1e-5, atol: float = 1e-7) -> tg.Tensor:
    """Compare backward() of Σ w·f() with finite differences for every element of ``tensors`` (float64 leaves that
    the closure ``f`` reads, e.g. a layer's input and parameters); returns f()'s output for forward checks."""
    out = f()
    weights = np.random.default_rng(1).standard_normal(out.shape)
    for t in tensors:
        assert t.dtype == np.float64, "finite differences need float64"
        t.grad = None
    (out * tg.Tensor(weights)).sum().backward()

    def weighted_output(*values: np.ndarray) -> float:
        kept = [t.data for t in tensors]
        for t, value in zip(tensors, values):
            t.data = value  # the untracked escape hatch: f reads these values
        try:
            with tg.no_grad():
                return float((f().data * weights).sum())
        finally:
            for t, value in zip(tensors, kept):
                t.data = value

    numerics = numerical_gradients(weighted_output, [t.data for t in tensors], eps)
    for number, (t, numeric) in enumerate(zip(tensors, numerics)):
        assert t.grad is not None, f"tensor {number} received no gradient"
        np.testing.assert_allclose(t.grad.data, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of tensor {number} (shape {t.shape})")
    return out


def leaf(*shape: int, seed: int = 0, scale: float = 1.0) -> tg.Tensor:
    """A float64 leaf of standard-normal values that requires grad."""
    values = np.random.default_rng(seed).standard_normal(shape) * scale
    return tg.Tensor(values, requires_grad=True)
