"""Gradients at awkward points (saturated probabilities, clamped variances, every target ignored, domain edges)
that follow PyTorch 2.13's backward formulas, each written out here as a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg

F = tg.nn.functional
EPSILON = float(np.float32(1e-12))  # PyTorch's BCE ε is a float32 constant: 1e-12 rounded to float32


def test_binary_cross_entropy_gradients_at_saturated_probabilities_are_pytorchs():
    """∂/∂p = (p − y)/max(p(1 − p), ε) and ∂/∂y = ln(1 − p) − ln p (PyTorch's formulas): a confident wrong
    prediction (p = 0, y = 1) gets a steep gradient, not the 0 of the clamped log's derivative."""
    p, y = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 1e-13]), np.array([1.0, 0.0, 0.0, 1.0, 0.8, 0.0])
    probabilities, targets = tg.tensor(p, requires_grad=True), tg.tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy(probabilities, targets, reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0, -(0.8 * math.log(0.3) + 0.2 * math.log(0.7)),
                                           -math.log1p(-1e-13)], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(probabilities.grad.data, [-1 / EPSILON, 1 / EPSILON, 0, 0, -0.5 / 0.21,
                                                         1e-13 / EPSILON], rtol=1e-12)
    np.testing.assert_allclose(targets.grad.data, [math.inf, -math.inf, math.inf, -math.inf,
                                                   math.log(0.7 / 0.3), math.log((1 - 1e-13) / 1e-13)], rtol=1e-12)


def test_binary_cross_entropys_second_derivative_inside_is_the_derivative_of_its_gradient():
    """∂²/∂p² of the loss = (p² − 2py + y)/(p(1 − p))², the derivative of (p − y)/(p(1 − p))."""
    p, y = 0.3, 0.8
    probability = tg.tensor(p, dtype=tg.float64, requires_grad=True)
    loss = F.binary_cross_entropy(probability, tg.tensor(y, dtype=tg.float64))
    (gradient,) = tg.autograd.grad(loss, probability, create_graph=True)
    gradient.backward()
    assert probability.grad.item() == pytest.approx((p * p - 2 * p * y + y) / (p * (1 - p)) ** 2, rel=1e-12)


def test_gaussian_nll_loss_passes_the_variance_gradient_through_its_clamp():
    """PyTorch clamps σ² at eps without recording the clamp: ∂/∂σ² = ½(1/v − (x − y)²/v²) at v = max(σ², eps)."""
    variance = tg.tensor([0.1, 0.2, 1.0], dtype=tg.float64, requires_grad=True)
    mean = tg.tensor([0.3, 0.0, 0.5], dtype=tg.float64, requires_grad=True)
    F.gaussian_nll_loss(mean, tg.zeros(3, dtype=tg.float64), variance, eps=0.5, reduction="sum").backward()
    v = np.array([0.5, 0.5, 1.0])
    x = np.array([0.3, 0.0, 0.5])
    np.testing.assert_allclose(variance.grad.data, 0.5 * (1 / v - x * x / v**2), rtol=1e-12)
    np.testing.assert_allclose(mean.grad.data, x / v, rtol=1e-12)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradients(label_smoothing):
    logits = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = F.cross_entropy(logits, tg.tensor([-100, -100]), label_smoothing=label_smoothing)
    loss.backward()
    assert math.isnan(loss.item()) and np.all(logits.grad.data == 0)


def test_cross_entropy_whose_counted_targets_weigh_nothing_has_nan_gradients():
    """A zero total weight of counted targets is PyTorch's 0/0 in the gradient too (unlike every target ignored)."""
    logits = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    F.cross_entropy(logits, tg.tensor([0, 1]), weight=tg.tensor([0.0, 0.0, 1.0], dtype=tg.float64)).backward()
    assert np.all(np.isnan(logits.grad.data))
