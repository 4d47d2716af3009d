"""Differences from PyTorch found by a differential hunt over tg.linalg and tg.special: each test pins the right
answer by a closed form, and checks PyTorch gives it too (skipped without torch, required when CI=true)."""

from __future__ import annotations

import numpy as np
import pytest
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
