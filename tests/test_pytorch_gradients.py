"""Gradients at awkward points (saturated probabilities, clamped variances, every target ignored, domain edges)
that follow PyTorch 2.13's backward formulas, each written out here as a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg

F = tg.nn.functional


def test_binary_cross_entropy_gradient_is_the_derivative_of_its_clamped_loss():
    """∂/∂p = (p − y)/(p(1 − p)) inside (0, 1); 0 where a log is clamped at −100 (p = 0 or 1 with the other target);
    at p = 0 with y = 0 the loss is −ln(1 − p), slope 1, and at p = 1 with y = 1 it is −ln p, slope −1. A deliberate
    difference: PyTorch's backward clamps p(1 − p) at 10⁻¹² instead (docs/pytorch.md)."""
    p, y = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 1e-13]), np.array([1.0, 0.0, 0.0, 1.0, 0.8, 0.0])
    probabilities = tg.tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(probabilities, tg.tensor(y), reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0, -(0.8 * math.log(0.3) + 0.2 * math.log(0.7)),
                                           -math.log1p(-1e-13)], rtol=1e-12)
    loss.sum().backward()
    inside = (p[4:] - y[4:]) / (p[4:] * (1 - p[4:]))
    np.testing.assert_allclose(probabilities.grad.data, [0, 0, 1, -1, *inside], rtol=1e-12)


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


def test_logits_gradient_is_nan_outside_0_1_and_infinite_at_its_ends():
    """PyTorch's ∂ logit(p)/∂p = 1/(p(1 − p)) inside [0, 1] (±inf at 0 and 1), NaN outside, where logit is NaN."""
    p = tg.tensor([-0.5, 0.0, 0.25, 1.0, 1.5], dtype=tg.float64, requires_grad=True)
    z = p.logit()
    (z * tg.tensor([1.0, 1.0, 1.0, -1.0, 1.0], dtype=tg.float64)).sum().backward()
    np.testing.assert_allclose(p.grad.data, [math.nan, math.inf, 1 / 0.1875, -math.inf, math.nan])
    q = tg.tensor([0.25, 1.5], dtype=tg.float64, requires_grad=True)
    (gradient,) = tg.autograd.grad(q.logit().sum(), q, create_graph=True)
    gradient.sum().backward()  # d/dp 1/(p(1 − p)) = (2p − 1)/(p(1 − p))² inside; PyTorch's 0 outside
    np.testing.assert_allclose(q.grad.data, [(0.5 - 1) / 0.1875**2, 0.0])


def test_hinge_embedding_loss_counts_both_terms_for_a_target_neither_1_nor_minus_1():
    """PyTorch masks with y ≠ −1 (the x term) and y ≠ 1 (the margin term): a target of 0 gets both."""
    x = tg.tensor([0.25, 0.25, 0.25], dtype=tg.float64, requires_grad=True)
    loss = F.hinge_embedding_loss(x, tg.tensor([1.0, -1.0, 0.0], dtype=tg.float64), reduction="none")
    np.testing.assert_allclose(loss.data, [0.25, 0.75, 1.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, 0.0])


def test_kl_div_of_a_negative_target_is_nan_as_pytorchs_xlogy():
    loss = F.kl_div(tg.tensor([-1.0, -1.0], dtype=tg.float64), tg.tensor([0.0, -0.5], dtype=tg.float64),
                    reduction="none")
    assert loss.data[0] == 0 and math.isnan(loss.data[1])


def test_cosine_similarity_broadcasts_before_taking_norms():
    """A size-1 ``dim`` is repeated first: (3, 1) against (1, 4) is the cosine of (a, a, a, a) and b, sign(a)·Σb/(2‖b‖)
    — not sign(a)·Σb/‖b‖ from the norm of the unrepeated a."""
    a, b = np.array([[0.5], [-2.0], [1.0]]), np.array([[1.0, 2.0, -0.5, 0.25]])
    first, second = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    cosine = F.cosine_similarity(first, second, dim=-1)
    np.testing.assert_allclose(cosine.data, np.sign(a[:, 0]) * b.sum() / (2 * np.linalg.norm(b)), rtol=1e-12)
    cosine.sum().backward()
    np.testing.assert_allclose(first.grad.data, 0.0, atol=1e-12)  # cos does not change with the length of a


@pytest.mark.parametrize("call", [lambda x: F.threshold(x, 0.5, 2.0), lambda x: F.hardshrink(x, 0.5),
                                  lambda x: F.softshrink(x, 0.5)], ids=["threshold", "hardshrink", "softshrink"])
def test_threshold_and_shrinks_keep_a_nan_with_gradient_1(call):
    """PyTorch's tests are x ≤ threshold and |x| ≤ λ, which a NaN fails: it passes through (it was replaced)."""
    x = tg.tensor([math.nan, 0.25], dtype=tg.float64, requires_grad=True)
    out = call(x)
    out.sum().backward()
    assert math.isnan(out.data[0]) and x.grad.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_an_empty_tensor_is_empty_with_an_empty_gradient(shape, name):
    """PyTorch returns the empty tensor (it raised here: the max of nothing)."""
    x = tg.zeros(shape, dtype=tg.float64, requires_grad=True)
    out = getattr(x, name)(-1)
    out.sum().backward()
    assert out.shape == shape and x.grad.shape == shape


@pytest.mark.parametrize(("shape", "n", "expected"), [((0,), 1, (0,)), ((2, 0), 1, (2, 0)), ((3,), 5, (0,))])
def test_diff_of_an_axis_too_short_is_empty_with_a_zero_gradient(shape, n, expected):
    """PyTorch returns an empty difference (it raised here: a slice of length −1)."""
    x = tg.ones(shape, dtype=tg.float64, requires_grad=True)
    out = x.diff(n)
    out.sum().backward()
    assert out.shape == expected and x.grad.shape == shape and not x.grad.data.any()


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_along_a_non_empty_axis_of_an_empty_tensor_are_empty(name):
    """PyTorch reduces (2, 0) along its axis of size 2 to (0,) (only an empty reduced axis is an error)."""
    x = tg.ones((2, 0), dtype=tg.float64, requires_grad=True)
    values, indices = getattr(x, name)(0)
    values.sum().backward()
    assert values.shape == indices.shape == (0,) and indices.dtype == tg.int64 and x.grad.shape == (2, 0)
    with pytest.raises(ValueError, match="empty axis"):
        getattr(x, name)(1)


@pytest.mark.parametrize("exponent", [0, 0.0])
def test_second_derivative_of_a_zeroth_power_is_zero_at_zero(exponent):
    """x⁰ = 1 is constant: every derivative is 0, at x = 0 too (the dropped branch of the first derivative,
    b·a^(b−1), must not leak 0·∞ = nan into the second)."""
    x = tg.tensor([0.0, 1.5, -2.0], dtype=tg.float64, requires_grad=True)
    (first,) = tg.autograd.grad((x**exponent).sum(), x, create_graph=True)
    (second,) = tg.autograd.grad(first.sum(), x, allow_unused=True, materialize_grads=True)
    np.testing.assert_array_equal(first.data, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(second.data, [0.0, 0.0, 0.0])


def test_autograd_grad_adds_into_the_grad_of_non_leaves_marked_retain_grad_and_leaves_the_rest_alone():
    """torch.autograd.grad returns the gradients and leaves .grad alone, except for a non-leaf the user marked
    retain_grad(): that one gets its gradient added, call after call. Here y = 3x and C = Σy², so ∂C/∂y = 2y."""
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    y, unmarked = x * 3, x * 2
    y.retain_grad()
    (dx,) = tg.autograd.grad((y * y).sum() + unmarked.sum(), x, retain_graph=True)
    assert dx.tolist() == [20.0, 38.0] and y.grad.tolist() == [6.0, 12.0]
    assert x.grad is None and unmarked.grad is None and not unmarked.retains_grad
    tg.autograd.grad((y * y).sum(), x)
    assert y.grad.tolist() == [12.0, 24.0]
