"""One helper for the nn tests: analytic gradients against central finite differences in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from finite_differences import numerical_gradients

import tinygrad_edu as tg


def check_gradients(f: Callable[[], tg.Tensor], tensors: Sequence[tg.Tensor], eps: float = 1e-6,
                    rtol: float = 1e-5, atol: float = 1e-7) -> tg.Tensor:
    """Compare backward() of Σ w·f() with central differences (f(t+ε) − f(t−ε))/2ε for every element of ``tensors``.

    ``tensors`` are float64 leaves requiring grad that ``f`` reads; the random weights w test every output.
    Returns f()'s output so a test can also check the forward.
    """
    out = f()
    weights = np.random.default_rng(1).standard_normal(out.shape)
    for t in tensors:
        assert t.dtype == np.float64, "finite differences need float64"
        t.grad = None
    (out * tg.Tensor(weights)).sum().backward()
    def weighted_output(*_: np.ndarray) -> float:
        with tg.no_grad():
            return float((f().data * weights).sum())

    numerics = numerical_gradients(weighted_output, [t.data for t in tensors], eps)  # perturbs the leaves in place
    for number, (t, numeric) in enumerate(zip(tensors, numerics)):
        assert t.grad is not None, f"tensor {number} received no gradient"
        np.testing.assert_allclose(t.grad.data, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of tensor {number} (shape {t.shape})")
    return out


def leaf(*shape: int, seed: int = 0, scale: float = 1.0) -> tg.Tensor:
    """A float64 leaf of standard-normal values that requires grad."""
    values = np.random.default_rng(seed).standard_normal(shape) * scale
    return tg.Tensor(values, requires_grad=True)
