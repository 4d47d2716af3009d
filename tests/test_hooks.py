"""Tensor.register_hook: observe and replace the gradient flowing into a tensor; remove by handle."""

import numpy as np
import pytest

from tinygrad_edu import Tensor


def two_layer(x, W1, b1, W2, b2):
    """The seed's network: a¹ = tanh(W¹x + b¹), x̂ = W²a¹ + b² (g^L(z) = z)."""
    a1 = (W1 @ x + b1).tanh()
    return a1, W2 @ a1 + b2


def test_hook_on_non_leaf_observes_dC_da_of_a_layer():
    """∂C/∂a¹ = W²ᵀ · 2(x̂ − y), the seed's recursion for the layer below the output."""
    rng = np.random.default_rng(0)
    W1, b1 = Tensor(rng.standard_normal((4, 3)), requires_grad=True), Tensor(rng.standard_normal(4))
    W2, b2 = Tensor(rng.standard_normal((2, 4)), requires_grad=True), Tensor(rng.standard_normal(2))
    x, y = Tensor(rng.standard_normal(3)), rng.standard_normal(2)
    a1, x_hat = two_layer(x, W1, b1, W2, b2)
    seen = []
    a1.register_hook(seen.append)
    ((x_hat - Tensor(y)) ** 2).sum().backward()
    assert len(seen) == 1
    expected = W2.numpy().T @ (2 * (x_hat.numpy() - y))
    np.testing.assert_allclose(seen[0].numpy(), expected, rtol=1e-12)
    assert a1.grad is None  # observing does not retain


def test_hook_on_leaf_observes_and_replaces_before_accumulation():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    seen = []

    def double(g):
        seen.append(g.numpy().copy())
        return g * 2

    x.register_hook(double)
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0, 12.0])


def test_replacement_on_non_leaf_flows_upstream():
    """y = 3x, z = y²: clipping ∂z/∂y to [-1, 1] makes ∂z/∂x = 3·clip(2y)."""
    x = Tensor(np.array([0.1, -2.0, 5.0]), requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g.clip(-1.0, 1.0))
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.clip(2 * 3 * x.numpy(), -1, 1))


def test_hook_sees_the_summed_gradient_once_for_a_reused_tensor():
    x = Tensor(np.array([2.0]), requires_grad=True)
    h = x * 1.0
    calls = []
    h.register_hook(lambda g: calls.append(g.item()))
    (h * h + h * 3 + h.exp()).sum().backward()  # three consumers of h
    assert calls == [pytest.approx(2 * 2.0 + 3 + np.exp(2.0))]


def test_hooks_chain_in_registration_order_and_handles_remove_them():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    order = []
    first = x.register_hook(lambda g: order.append("first") or g + 1)
    x.register_hook(lambda g: order.append(("second", g.numpy().tolist())) or None)
    x.sum().backward()
    assert order == ["first", ("second", [2.0, 2.0])]
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    first.remove()
    first.remove()  # removing twice is harmless
    order.clear()
    x.grad = None
    x.sum().backward()
    assert order == [("second", [1.0, 1.0])]
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_retained_grad_shows_the_replaced_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [10.0, 10.0])
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])


def test_hook_replacement_is_cast_to_the_tensor_dtype():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    x.register_hook(lambda g: Tensor(np.full(2, 0.5, dtype=np.float64)))
    x.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.5])


def test_bad_hook_results_and_bad_registrations_are_clear_errors():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    handle = x.register_hook(lambda g: g.sum(axis=0))
    with pytest.raises(RuntimeError, match=r"shape \(3,\) for a tensor of shape \(2, 3\)"):
        x.sum().backward()
    assert x.grad is None
    handle.remove()
    x.register_hook(lambda g: g.numpy())
    with pytest.raises(TypeError, match="a hook must return a Tensor or None, got ndarray"):
        x.sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(2)).register_hook(print)


def test_hook_gradient_is_differentiable_with_create_graph():
    x = Tensor(np.array([1.5]), requires_grad=True)
    y = x**3
    seen = []
    y.register_hook(seen.append)
    (y * y).sum().backward(create_graph=True)  # ∂(y²)/∂y = 2y = 2x³
    assert seen[0].requires_grad
    np.testing.assert_allclose(seen[0].item(), 2 * 1.5**3)


def test_post_accumulate_grad_hook_sees_the_complete_grad_once_per_backward():
    import tinygrad_edu as tg

    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.data.copy())))
    (w * 3.0 + w * w).sum().backward()  # two paths into w: the hook sees their sum, 3 + 2w, once
    assert len(seen) == 1 and seen[0][0]
    np.testing.assert_allclose(seen[0][1], [5.0, 7.0])
    (w * 2.0).sum().backward()  # .grad accumulates: the hook sees 5 + 2, 7 + 2
    np.testing.assert_allclose(seen[1][1], [7.0, 9.0])
    tg.autograd.grad((w * w).sum(), w)  # fills no .grad: no call (PyTorch's rule)
    tg.grad(lambda v: (v * w).sum())(np.ones(2))  # a transform closing over w leaves it alone too
    assert len(seen) == 2 and w.post_accumulate_grad_hooks
    handle.remove()
    (w * 2.0).sum().backward()
    assert len(seen) == 2


def test_post_accumulate_grad_hooks_can_update_parameters_during_backward():
    """The optimizer-in-backward pattern: each hook steps its parameter and frees its gradient; the result is one
    SGD step, W ← W − ρ·∂C/∂W, with ∂C/∂W = 2(Wx − y)xᵀ for C = |Wx − y|²."""
    import tinygrad_edu as tg

    rng = np.random.default_rng(0)
    W0, x, y = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal(2)
    W = Tensor(W0.copy(), requires_grad=True)

    def step(p):
        with tg.no_grad():
            p -= 0.1 * p.grad
        p.grad = None

    W.register_post_accumulate_grad_hook(step)
    ((W @ Tensor(x) - Tensor(y)) ** 2).sum().backward()
    np.testing.assert_allclose(W.data, W0 - 0.1 * 2 * np.outer(W0 @ x - y, x), rtol=1e-12)
    assert W.grad is None


def test_post_accumulate_grad_hook_errors_are_pytorchs():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        Tensor(np.ones(2)).register_post_accumulate_grad_hook(lambda t: None)
    w.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(RuntimeError, match="must return None"):
        (w * 2).sum().backward()
