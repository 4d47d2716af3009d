"""Losses: forward against numpy formulas, gradients against finite differences, stability, reductions, errors."""

import numpy as np
import pytest
from gradients import check_closure_gradients, leaf

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(0)
PROBS = rng.uniform(0.05, 0.95, (4, 3))
BINARY = rng.integers(0, 2, (4, 3)).astype(np.float64)


def np_log_softmax(z, axis):
    z = z - z.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


CASES = {
    "mse": (nn.MSELoss, lambda x: x, rng.standard_normal((4, 3)), lambda x, y: (x - y) ** 2),
    "l1": (nn.L1Loss, lambda x: x, rng.standard_normal((4, 3)), lambda x, y: np.abs(x - y)),
    "bce": (nn.BCELoss, lambda x: x, BINARY, lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p))),
    "bce_logits": (nn.BCEWithLogitsLoss, lambda x: x * 3, BINARY,
                   lambda x, y: -(y * np.log(1 / (1 + np.exp(-x))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-x))))),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_elementwise_losses_forward_and_gradients(name, reduction):
    cls, scale, target, reference = CASES[name]
    x = tg.Tensor(PROBS if name == "bce" else rng.standard_normal((4, 3)), requires_grad=True)
    loss = cls(reduction=reduction)
    out = check_closure_gradients(lambda: loss(scale(x), target), [x])
    per_element = reference(scale(x.data), target)
    expected = {"mean": per_element.mean(), "sum": per_element.sum(), "none": per_element}[reduction]
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)


def test_mse_is_the_seeds_cost_and_its_gradient_is_2_xhat_minus_y_over_count():
    x_hat = tg.Tensor([[0.5, -1.0]], requires_grad=True)
    y = np.array([[1.5, 1.0]])
    nn.MSELoss()(x_hat, y).backward()
    np.testing.assert_allclose(x_hat.grad.data, 2 * (x_hat.data - y) / 2)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_forward_and_gradients(reduction):
    logits = leaf(5, 4)
    target = np.array([0, 3, 1, 1, 2])
    out = check_closure_gradients(lambda: F.cross_entropy(logits, target, reduction=reduction), [logits])
    per_sample = -np_log_softmax(logits.data, 1)[np.arange(5), target]
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_cross_entropy_with_spatial_axes_takes_classes_on_axis_1():
    logits = leaf(2, 3, 4)
    target = np.array([[0, 1, 2, 2], [1, 1, 0, 2]])
    out = check_closure_gradients(lambda: nn.CrossEntropyLoss(reduction="none")(logits, target), [logits])
    expected = -np.take_along_axis(np_log_softmax(logits.data, 1), target[:, None], 1)[:, 0]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_cross_entropy_is_finite_for_logits_of_1000():
    logits = tg.Tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(logits, tg.Tensor(np.array([0, 2])))
    loss.backward()
    assert np.isfinite(loss.data) and np.isfinite(logits.grad.data).all()
    np.testing.assert_allclose(loss.item(), (0 + np.log1p(np.exp(-1.0)) + 1.0) / 2, rtol=1e-6)


def test_bce_with_logits_is_stable_for_huge_logits_and_bce_clamps_log_at_minus_100():
    x = tg.Tensor([200.0, -200.0, 0.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, [0.0, 0.0, 1.0], reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, [200.0, 0.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, [1.0, 0.0, -0.5], atol=1e-7)  # σ(x) − y
    p = tg.Tensor([0.0, 1.0], requires_grad=True)
    bce = F.binary_cross_entropy(p, [1.0, 0.0], reduction="none")
    bce.sum().backward()
    np.testing.assert_array_equal(bce.data, [100.0, 100.0])
    assert np.isfinite(p.grad.data).all()


def test_loss_errors_are_clear():
    with pytest.raises(ValueError, match=r"input shape \(3, 1\) and target shape \(3,\)"):
        nn.MSELoss()(tg.zeros(3, 1), np.zeros(3))
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(tg.zeros(2, 3), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.cross_entropy(tg.zeros(2, 3), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"targets of shape \(2,\)"):
        F.cross_entropy(tg.zeros(2, 3), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(tg.Tensor([1.5]), [1.0])


def test_losses_keep_float32():
    x = tg.randn(4, 3, requires_grad=True)
    for loss in (nn.MSELoss()(x, np.zeros((4, 3))), nn.L1Loss()(x, tg.Tensor(np.ones((4, 3), dtype=np.int64))),
                 nn.BCELoss()(x.sigmoid(), tg.zeros(4, 3, dtype=np.float64)),
                 nn.CrossEntropyLoss()(x, np.array([0, 1, 2, 0])),
                 nn.BCEWithLogitsLoss()(x, np.ones((4, 3)))):
        assert loss.dtype == np.float32
