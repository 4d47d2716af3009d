"""Differences from PyTorch found by a differential hunt over tg.linalg and tg.special: each test pins the right
answer by a closed form, and checks PyTorch gives it too (skipped without torch, required when CI=true)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradients import numerical_gradients
from optional_tools import require_module

import tinygrad_edu as tg


def torch_module():
    return require_module("torch", "pip install torch==2.13.0")


# A diagonal matrix has U = V = I, so the even split of ‖A‖₂'s gradient over the tied singular values is the
# average of their eᵢeᵢᵀ: the minimum-norm subgradient, and what PyTorch's amax of the singular values gives.
TIES = [(2, np.diag([2.0, 2.0, 1.0]), np.diag([0.5, 0.5, 0.0])),
        (-2, np.diag([3.0, 1.0, 1.0]), np.diag([0.0, 0.5, 0.5])),
        (2, np.eye(3), np.eye(3) / 3)]


@pytest.mark.parametrize("ord, matrix, expected", TIES)
@pytest.mark.parametrize("spelling", ["matrix_norm", "norm"])
def test_spectral_norms_share_their_gradient_among_tied_singular_values(ord, matrix, expected, spelling):
    x = tg.tensor(matrix, requires_grad=True)
    getattr(tg.linalg, spelling)(x, ord).backward()
    np.testing.assert_allclose(x.grad.data, expected, atol=1e-12)


@pytest.mark.parametrize("ord, matrix, expected", TIES)
def test_spectral_norm_gradients_at_ties_as_pytorch(ord, matrix, expected):
    torch = torch_module()
    y = torch.tensor(matrix, requires_grad=True)
    torch.linalg.matrix_norm(y, ord).backward()
    np.testing.assert_allclose(y.grad.numpy(), expected, atol=1e-12)


# xlogy's definition (PyTorch's docs, scipy's xlogy): 0 where a = 0, unless b is NaN, so also at b = ∞.
def test_xlogy_is_zero_at_zero_times_the_log_of_infinity():
    a, b = tg.tensor([0.0, -0.0, 2.0, 0.0], requires_grad=True), tg.tensor([np.inf, np.inf, np.inf, np.nan])
    z = tg.special.xlogy(a, b)
    np.testing.assert_array_equal(z.data, [0.0, 0.0, np.inf, np.nan])
    z.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [np.inf, np.inf, np.inf, np.nan])  # ∂z/∂a = ln b, unchanged
    np.testing.assert_array_equal(tg.xlogy(0.0, tg.tensor([np.inf])).data, [0.0])
    np.testing.assert_array_equal(tg.tensor(0.0).xlogy(np.inf).data, 0.0)


def test_xlogy_at_infinity_as_pytorch():
    torch = torch_module()
    a, b = torch.tensor([0.0, -0.0, 2.0, 0.0], requires_grad=True), torch.tensor([np.inf, np.inf, np.inf, np.nan])
    z = torch.special.xlogy(a, b)
    np.testing.assert_array_equal(z.detach().numpy(), [0.0, 0.0, np.inf, np.nan])
    z.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [np.inf, np.inf, np.inf, np.nan])


# ∂ ln Φ(a)/∂a = φ(a)/Φ(a): 0 in the limit a → +∞ (φ → 0, Φ → 1), a + O(1/a) → +∞ as a → −∞.
def test_log_ndtr_gradient_at_plus_infinity_is_the_limit_zero():
    a = tg.tensor([np.inf, 40.0, 1.0], dtype=tg.float64, requires_grad=True)
    tg.special.log_ndtr(a).sum().backward()
    phi, Phi = math.exp(-0.5) / math.sqrt(2 * math.pi), (1 + math.erf(1 / math.sqrt(2))) / 2
    np.testing.assert_allclose(a.grad.data, [0.0, 0.0, phi / Phi], rtol=1e-12)


def test_log_ndtr_gradient_at_infinity_as_pytorch():
    torch = torch_module()
    a = torch.tensor([np.inf, 40.0], dtype=torch.float64, requires_grad=True)
    torch.special.log_ndtr(a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


# z = a·ln(1 + b) is a·ln 2 along b = 1, so ∂z/∂a = ln 2 also at a = 0 (the gradient was zeroed wherever a = 0).
def test_xlog1py_gradient_in_a_at_a_zero_is_the_log():
    a_values, b_values = np.array([0.0, 0.0, 2.0, 0.0]), np.array([1.0, -0.5, 0.5, -3.0])
    a, b = tg.tensor(a_values, requires_grad=True), tg.tensor(b_values, requires_grad=True)
    z = tg.special.xlog1py(a, b)
    z.sum().backward()
    numerical = numerical_gradients(lambda x, y: tg.special.xlog1py(tg.tensor(x), tg.tensor(y)).sum().item(),
                                    [a_values[:3], b_values[:3]])
    np.testing.assert_allclose(a.grad.data[:3], numerical[0], rtol=1e-7)
    np.testing.assert_allclose(b.grad.data[:3], numerical[1], rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal([a.grad.data[3], b.grad.data[3], z.data[3]], [0.0, 0.0, 0.0])  # no real log: z ≡ 0
    np.testing.assert_array_equal(tg.special.xlog1py(tg.tensor([0.0, 2.0]), np.inf).data, [0.0, np.inf])


def test_xlog1py_gradients_as_pytorch():
    torch = torch_module()
    a = torch.tensor([0.0, 0.0, 2.0, 0.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([1.0, -0.5, 0.5, -3.0], dtype=torch.float64)
    torch.special.xlog1py(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [np.log(2), np.log(0.5), np.log(1.5), 0.0], rtol=1e-12)


# float16 sums are accumulated in float32, as PyTorch: 3000 ones sum to 3000 (a float16 running sum stalls at 2048),
# and the variance of 0, 1, …, 299 is 300·301/12 = 7525 (its squares overflow float16 at 256).
def test_float16_cumsum_and_var_accumulate_in_float32():
    ones = tg.ones(3000, dtype=tg.float16, requires_grad=True)
    running = ones.cumsum(0)
    running.sum().backward()
    assert running.dtype == tg.float16 and running[-1].item() == 3000 and ones.grad[0].item() == 3000
    values = tg.arange(300, dtype=tg.float16)
    assert values.var().dtype == tg.float16
    np.testing.assert_allclose([values.var().item(), values.std().item()], [7525, 7525 ** 0.5], rtol=1e-3)
    np.testing.assert_allclose(values.reshape(10, 30).var(1, keepdim=True).data, np.full((10, 1), 77.5), rtol=1e-3)


def test_float16_cumsum_and_var_as_pytorch():
    torch = torch_module()
    assert torch.ones(3000, dtype=torch.float16).cumsum(0)[-1].item() == 3000
    np.testing.assert_allclose(torch.arange(300, dtype=torch.float16).var().item(), 7525, rtol=1e-3)


# dim=() is every axis in PyTorch's reductions, vector_norm's too (it returned the tensor's |aᵢ| unreduced).
@pytest.mark.parametrize("ord, expected", [(2, np.sqrt(55.0)), (1, 15.0), (np.inf, 5.0), (0, 5.0)])
def test_vector_norm_over_no_dims_is_over_every_dim(ord, expected):
    x = tg.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(tg.linalg.vector_norm(x, ord, dim=()).data, expected, rtol=1e-6)
    assert tg.linalg.vector_norm(x, ord, dim=[], keepdim=True).shape == (1, 1)


def test_vector_norm_over_no_dims_as_pytorch():
    torch = torch_module()
    x = torch.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(torch.linalg.vector_norm(x, dim=()).numpy(), np.sqrt(55.0), rtol=1e-6)
    assert torch.linalg.vector_norm(x, dim=(), keepdim=True).shape == (1, 1)
