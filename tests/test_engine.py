"""The engine: accumulation, retain/create graph, detach, retain_grad, deep graphs, what a backward receives,
gradients that never alias, the gradient layout, errors, and what the graph holds in memory."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import viz


def test_quick_example_from_the_readme():
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    W = tg.Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    (x @ W.T).tanh().sum().backward()
    assert x.grad.shape == x.shape and W.grad.shape == W.shape
    # Closed form: ∂/∂x Σ tanh(x Wᵀ) = (1 − tanh²(x Wᵀ)) W
    slope = 1 - np.tanh(x.data @ W.data.T) ** 2
    np.testing.assert_allclose(x.grad.data, slope @ W.data, rtol=1e-6)
    np.testing.assert_allclose(W.grad.data, slope.T @ x.data, rtol=1e-6)


def test_gradients_accumulate_across_backward_calls():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3 + 2, 3 + 4])


def test_reused_value_sums_its_gradients():
    x = tg.Tensor(3.0, requires_grad=True, dtype=np.float64)
    (x * x).backward()
    assert x.grad.item() == 6.0
    x.grad = None
    a = x * 2
    (a + a * a + a.exp()).backward()  # a feeds three consumers: d/dx = 2(1 + 2a + e^a)
    assert x.grad.item() == pytest.approx(2 * (1 + 2 * 6 + np.exp(6)))


def test_only_leaves_keep_grad_unless_retained():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    kept = hidden * 3
    kept.retain_grad()
    (kept * kept).sum().backward()
    assert hidden.grad is None
    np.testing.assert_allclose(kept.grad.data, 2 * kept.data)
    np.testing.assert_allclose(x.grad.data, 2 * kept.data * 6)


def test_gradient_argument():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="single-element"):
        y.backward()
    y.backward(tg.Tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [2, 40])
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        (x * x).backward(tg.ones(3))


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(1).backward()


def test_second_backward_needs_retain_graph():
    x = tg.Tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_saved_values_are_freed_after_backward():
    x = tg.Tensor(np.ones(3), requires_grad=True)
    y = (x * x).sum()
    mul = y.grad_fn.edges[0]  # the op that made the input of the sum
    assert mul.saved_tensors[0] is x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        mul.saved_tensors  # noqa: B018


@pytest.mark.parametrize(
    "f, second",
    [(lambda x: x**3, lambda x: 6 * x), (lambda x: x.tanh(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
     (lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s)),
     (lambda x: x.exp() * x, lambda x: np.exp(x) * (x + 2)), (lambda x: x.log(), lambda x: -1 / x**2)],
)
def test_create_graph_gives_second_derivatives(f, second):
    values = np.array([0.3, 1.2, 2.0])
    x = tg.Tensor(values, requires_grad=True)
    f(x).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.data, second(values), rtol=1e-10)


def test_create_graph_through_matmul_and_broadcast():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    x = tg.Tensor(rng.standard_normal(3), requires_grad=True)
    (x @ tg.Tensor(A) @ x).backward(create_graph=True)
    gradient = x.grad
    np.testing.assert_allclose(gradient.data, (A + A.T) @ x.data)
    x.grad = None
    gradient[1].backward()  # row 1 of the Hessian A + Aᵀ
    np.testing.assert_allclose(x.grad.data, (A + A.T)[1])


def test_detach_and_requires_grad_():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    (d * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2, 4])  # d is a constant
    leaf = tg.ones(2).requires_grad_()
    assert leaf.requires_grad
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).requires_grad_(False)


def test_long_chain_of_100000_ops_backward():
    x = tg.Tensor(1.0, requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001**100_000, rel=1e-9)
    del y  # freeing a 100,000-deep graph must not overflow the C stack either
    gc.collect()


def test_graph_is_freed_by_reference_counting():
    """No reference cycles: dropping the output frees the whole graph, without the cycle collector."""
    gc.disable()
    try:
        x = tg.Tensor(np.ones(3), requires_grad=True)
        hidden = x.tanh()
        loss = (hidden * 2).sum()
        alive = weakref.ref(hidden), weakref.ref(loss.grad_fn)
        del hidden
        loss.backward()
        del loss
        assert alive[0]() is None and alive[1]() is None
    finally:
        gc.enable()


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = tg.ones(2, 3, requires_grad=True), tg.ones(4, 5)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        tg.ones(3) @ tg.ones(2)


def test_impossible_broadcast_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        tg.ones(2, 3) + tg.ones(4)


def test_failed_call_leaves_nothing_changed():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    before = x.grad.data.copy()
    with pytest.raises(ValueError):
        (x * tg.ones(3)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, before)
    np.testing.assert_array_equal(x.data, [1, 2])


def test_integer_inputs_get_no_gradient():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    counts = tg.Tensor([3, 4])
    out = x * counts
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 4])
    assert counts.grad is None


def test_integer_operand_does_not_upcast_float32():
    assert (tg.ones(2) * tg.Tensor([3, 4])).dtype == np.float32
    assert (tg.Tensor([3, 4]) + tg.ones(2)).dtype == np.float32
    assert (tg.Tensor([3, 4]) * 2).dtype == np.int64


# ----------------------------------------------------------------------------------------------- what the graph holds
def test_the_graph_holds_what_backward_saved_and_frees_the_other_intermediates():
    """As PyTorch: edges point at ops, so x·Wᵀ inside a layer is freed once the layer returns; tanh's output stays
    (the next matmul saved it) and so do the leaves."""
    x = tg.Tensor(np.ones((2, 3)))
    w, b = tg.Tensor(np.ones((4, 3)), requires_grad=True), tg.zeros(4, requires_grad=True)
    v = tg.Tensor(np.ones((4, 1)), requires_grad=True)
    h = tg.nn.functional.linear(x, w, b).tanh()
    h_ref = weakref.ref(h)
    loss = (h @ v).sum()
    product = loss.grad_fn.edges[0].edges[0].edges[0].edges[0]  # Sum ← MatMul ← Tanh ← Add ← MatMulT(x, w)
    assert type(product).__name__ == "MatMulT" and product.live_output() is None
    del h
    assert h_ref() is not None  # saved by h @ v for ∂C/∂v = hᵀ·grad
    live = tg.engine.live_tensors(loss)
    assert {id(t) for t in live} == {id(loss), id(h_ref()), id(w), id(b), id(v)}


def test_an_op_whose_output_was_dropped_still_differentiates_once_and_twice():
    """tanh's backward is written with its output; with nobody holding it, the kept array stands in (on arrays)
    and a tensor is rebuilt from it (under create_graph): d²/dx² Σ tanh x = −2 tanh x (1 − tanh² x)."""
    values = np.array([-1.0, 0.3, 2.0])
    x = tg.Tensor(values, requires_grad=True)
    x.tanh().sum().backward()
    np.testing.assert_allclose(x.grad.data, 1 - np.tanh(values) ** 2)
    x = tg.Tensor(values, requires_grad=True)
    x.tanh().sum().backward(create_graph=True)  # the tanh output is already gone; a graph of the backward is built
    first, x.grad = x.grad, None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.data, -2 * np.tanh(values) * (1 - np.tanh(values) ** 2))


def test_hooks_on_a_dropped_intermediate_still_run():
    seen = []
    x = tg.Tensor(np.ones(3), requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(g.data.copy()))
    loss = (y * 3).sum()
    del y
    loss.backward()
    np.testing.assert_array_equal(seen, [[3.0, 3.0, 3.0]])


def test_a_user_op_that_did_not_keep_its_output_explains_why_ctx_output_is_gone():
    class Doubled(tg.Function):
        saves_output = False

        @staticmethod
        def forward(ctx, a):
            return a.data * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.output / ctx.output * 2

    x = tg.Tensor(np.ones(2), requires_grad=True)
    loss = Doubled.apply(x).sum()
    with pytest.raises(RuntimeError, match=r"DoubledBackward: ctx\.output is gone.*saves_output = True on Doubled"):
        loss.backward()


def test_keep_intermediates_keeps_every_output_until_the_graph_is_collected():
    x = tg.Tensor(np.ones(3), requires_grad=True)
    with viz.keep_intermediates():
        loss = (x * 2 + 1).sum()
    kept = [node.live_output() for node in tg.engine.topological_order(loss) if isinstance(node, tg.Function)]
    assert all(t is not None for t in kept) and len(kept) == 3
    product = weakref.ref(kept[-1])
    del kept, loss
    gc.collect()  # op and output refer to each other inside keep_intermediates: the cycle collector frees them
    assert product() is None


# ----------------------------------------------------------------------------------------------- what a backward gets
class _ScalarSum(tg.Function):
    @staticmethod
    def forward(ctx, a):
        return np.float64(a.data.sum())  # a numpy scalar: the engine wraps it as a 0-d array

    @staticmethod
    def backward(ctx, grad):
        return grad * tg.ones(2)


class _TensorResult(tg.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 3.0  # a Tensor from ops inside forward: unrecorded, its array is the result

    @staticmethod
    def backward(ctx, grad):
        return grad * 3.0


def test_forward_results_of_every_kind_become_arrays():
    a = tg.ones(2, requires_grad=True)
    out = _ScalarSum.apply(a)
    assert type(out.data) is np.ndarray and out.shape == () and out.item() == 2.0
    out.backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    tripled = _TensorResult.apply(a)
    assert tripled.grad_fn is not None and tripled.grad_fn.edges[0] is a
    np.testing.assert_array_equal(tripled.data, [3.0, 3.0])


def test_backward_restores_grad_mode_even_after_an_error():
    class Broken(tg.Function):
        @staticmethod
        def forward(ctx, a):
            return a.data * 1

        @staticmethod
        def backward(ctx, grad):
            raise KeyError("boom")

    with pytest.raises(KeyError):
        Broken.apply(tg.ones(2, requires_grad=True)).sum().backward()
    assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.enable_grad():
            y = Broken.apply(tg.ones(2, requires_grad=True)).sum()
        with pytest.raises(KeyError):
            y.backward()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_a_plain_backward_hands_array_backwards_arrays_and_create_graph_hands_tensors():
    """The one contract: grad, ctx.saved_tensors and ctx.output are of one kind in each call."""
    seen = []

    class Twice(tg.Function):
        array_backward = True

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.data * 2

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            seen.append((type(grad), type(a), type(ctx.output)))
            return grad * 2

    class TwiceOnTensors(Twice):
        array_backward = False  # the default for a user's op: its backward always gets Tensors

    for op, plain in ((Twice, np.ndarray), (TwiceOnTensors, tg.Tensor)):
        for create_graph, kind in ((False, plain), (True, tg.Tensor)):
            seen.clear()
            x = tg.Tensor([1.0, 2.0], requires_grad=True)
            y = op.apply(x)
            assert y.grad_fn.saved_tensors[0] is x and y.grad_fn.output is y  # outside backward: what forward kept
            y.sum().backward(create_graph=create_graph)
            assert seen == [(kind, kind, kind)], (op.__name__, create_graph)
            np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
            assert type(x.grad) is tg.Tensor and type(x.grad.data) is np.ndarray


def test_hooks_and_retained_gradients_get_tensors_in_a_plain_backward():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    kinds = []
    y.register_hook(lambda g: kinds.append(type(g)) or g * 2)
    (y * y).sum().backward()
    assert kinds == [tg.Tensor] and type(y.grad) is tg.Tensor
    np.testing.assert_allclose(x.grad.data, 2 * 3 * (2 * y.data))  # the hook doubled ∂C/∂y = 2y on its way


def test_the_product_of_a_tensor_with_itself_takes_one_term_and_with_its_copy_two():
    """Mul's shortcut (2a·grad in one term) is decided by the tensor, not its array: x·x.detach() is x, not 2x."""
    values = np.array([1.0, -2.0, 3.0])
    for left, right, expected in ((lambda x: x, lambda x: x, 2 * values),
                                  (lambda x: x, lambda x: x.detach(), values),
                                  (lambda x: x.detach(), lambda x: x, values),
                                  (lambda x: x, lambda x: x.reshape(3), 2 * values)):
        for create_graph in (False, True):
            x = tg.Tensor(values, requires_grad=True)
            (left(x) * right(x)).sum().backward(create_graph=create_graph)
            np.testing.assert_array_equal(x.grad.data, expected)
    a = tg.Tensor(values, requires_grad=True)
    b = a.detach().requires_grad_()  # two leaves over one array
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, values)
    np.testing.assert_array_equal(b.grad.data, values)


# ----------------------------------------------------------------------------------------------- no aliasing
def _independent(*tensors: tg.Tensor) -> bool:
    arrays = [t.data for t in tensors]
    return not any(np.shares_memory(p, q) for i, p in enumerate(arrays) for q in arrays[i + 1 :])


@pytest.mark.parametrize("create_graph", [False, True])
def test_two_leaves_never_share_a_gradient(create_graph):
    a, b = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([3.0, 4.0], requires_grad=True)
    (a + b).backward(tg.Tensor([1.0, 1.0]), create_graph=create_graph)  # Add passes its gradient on twice
    assert a.grad is not b.grad and _independent(a.grad, b.grad)
    a.grad.data *= 10
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_the_callers_gradient_is_never_the_leafs():
    seed = tg.Tensor([1.0, 1.0])
    y = tg.Tensor([1.0, 2.0], requires_grad=True)
    y.backward(seed)
    assert y.grad is not seed and _independent(y.grad, seed)
    seed.data[...] = 5.0
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    y.backward(seed)
    np.testing.assert_array_equal(seed.data, [5.0, 5.0])
    np.testing.assert_array_equal(y.grad.data, [6.0, 6.0])


@pytest.mark.parametrize("make", [lambda x: x * 1.0, lambda x: x.reshape(2, 2), lambda x: x + 0.0, lambda x: x.T])
def test_a_retained_gradient_is_not_its_leafs(make):
    x = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    y = make(x)
    y.retain_grad()
    (y * tg.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(y.shape))).sum().backward()
    assert _independent(x.grad, y.grad)


def test_a_gradient_a_hook_kept_or_a_user_op_returned_twice_is_copied():
    stored = []
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(stored.append)
    (x * 2).sum().backward()
    assert _independent(x.grad, stored[0])
    shared = tg.Tensor([7.0, 7.0])

    class Both(tg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.data + b.data

        @staticmethod
        def backward(ctx, grad):
            return shared, shared  # one tensor the user still holds, for both inputs

    a, b = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([3.0, 4.0], requires_grad=True)
    Both.apply(a, b).sum().backward()
    assert _independent(a.grad, b.grad, shared)
    np.testing.assert_array_equal(a.grad.data, [7.0, 7.0])


def test_gradients_accumulate_in_place_as_in_pytorch():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad is first and x.grad._version == 1
    np.testing.assert_array_equal(first.data, [3 + 2, 3 + 4])


def test_assigning_grad_is_validated_as_in_pytorch():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = np.ones(2)
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        x.grad = tg.ones(3)
    with pytest.raises(RuntimeError, match=r"dtype float64.*dtype float32"):
        x.grad = tg.Tensor(np.ones(2))
    assert x.grad is None
    g = tg.ones(2)
    x.grad = g
    assert x.grad is g  # as PyTorch: the assigned tensor itself
    x.grad = None
    assert x.grad is None


# ----------------------------------------------------------------------------------------------- gradient layout
def test_a_leafs_gradient_owns_memory_laid_out_like_the_leaf():
    """x @ Wᵀ by hand gives ∂C/∂W as a transposed view; the engine copies it into W's layout (C or Fortran)."""
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((4, 5)))
    for values in (rng.standard_normal((3, 5)), np.asfortranarray(rng.standard_normal((3, 5)))):
        weight = tg.Tensor(values, requires_grad=True)
        assert weight.data.flags.f_contiguous == values.flags.f_contiguous
        (x @ weight.T).sum().backward()
        assert weight.grad.data.strides == weight.data.strides and weight.grad.data.flags.owndata
        np.testing.assert_allclose(weight.grad.data, np.ones((4, 3)).T @ x.data, rtol=1e-12)
    linear = tg.nn.Linear(5, 3).double()
    (linear(x) ** 2).sum().backward()
    assert linear.weight.grad.data.flags.c_contiguous
    expected = 2 * (x.data @ linear.weight.data.T + linear.bias.data).T @ x.data
    np.testing.assert_allclose(linear.weight.grad.data, expected, rtol=1e-12)


def test_a_full_sums_gradient_is_a_writeable_array_of_its_own():
    """Sum's backward hands on a zero-stride view of the scalar gradient; the leaf's .grad must own its memory."""
    x = tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    x.sum().backward()
    x.grad.data[0, 0] = 7.0  # would raise on a read-only view, or change every element of a zero-stride one
    np.testing.assert_array_equal(x.grad.data, [[7, 1, 1], [1, 1, 1]])
    (x * 2).mean().backward()
    np.testing.assert_allclose(x.grad.data, np.array([[7, 1, 1], [1, 1, 1]]) + 1 / 3, rtol=1e-6)


class _Twice(tg.Function):
    """z = a + b (+ c) with an array backward that sends one array to every input (allowed: nothing says it
    mustn't)."""

    array_backward = True

    @staticmethod
    def forward(ctx, *inputs):
        return sum(x.data for x in inputs)

    @staticmethod
    def backward(ctx, grad):
        g = grad * 1.0
        return (g,) * len(ctx.needs_input_grad)


def test_a_gradient_summed_in_place_never_changes_an_array_another_input_or_an_observer_holds():
    """Pending gradients that only the walk holds are summed in place (an RNN's weights, once per step); one array
    sent to two inputs, or shown to an observer, is not. Closed forms: d/da Σ(2·twice(h, k) + 3h + 5k) = 5 for
    h = a, k = b, and d/db = 7."""
    a, b = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([3.0, 4.0], requires_grad=True)
    h, k = a * 1.0, b * 1.0  # each gets the one array twice sent, then a second contribution
    y = _Twice.apply(h, k) * 2.0 + h * 3.0 + k * 5.0
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [5.0, 5.0])
    np.testing.assert_array_equal(b.grad.data, [7.0, 7.0])
    a.grad = b.grad = None
    h, k = a * 1.0, b * 1.0
    y = _Twice.apply(h, k, tg.Tensor([0.0, 0.0])) * 2.0 + h * 3.0 + k * 5.0  # three inputs: the general check
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [5.0, 5.0])
    np.testing.assert_array_equal(b.grad.data, [7.0, 7.0])
    x = tg.Tensor([1.0, -1.0], requires_grad=True)
    shown = []  # (what the observer was shown, a copy made then)

    def observe(node, grad, input_grads):
        shown.extend((g, g.copy()) for g in input_grads if g is not None)

    loss = (x * 2.0 + x * 3.0 + x * 4.0).sum()  # x collects three contributions
    tg.engine.backward(loss, tg.Tensor(np.float32(1.0)), observer=observe)
    np.testing.assert_array_equal(x.grad.data, [9.0, 9.0])
    assert shown and all(np.array_equal(original, copy) for original, copy in shown)


def test_a_graph_whose_ops_saved_nothing_runs_backward_again_as_in_pytorch():
    x = tg.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    mean = x.mean()
    mean.backward()
    mean.backward()  # Mean saved nothing: nothing was freed, so nothing refuses (torch gives 2/3 each time too)
    np.testing.assert_allclose(x.grad.data, [2 / 3] * 3)
    shifted = (x + 1.0).sum()
    shifted.backward()
    shifted.backward()
    np.testing.assert_allclose(x.grad.data, [2 / 3 + 2] * 3)
    product = (x * x).sum()  # Mul saved x: the second walk through it refuses, with nothing added to .grad
    product.backward()
    before = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        product.backward()
    np.testing.assert_array_equal(x.grad.data, before)


def test_backward_inputs_fills_only_the_chosen_tensors_and_walks_only_towards_them():
    """C = Σ 3·(2·(a ⊙ b)) = 6 Σ a ⊙ b: ∂C/∂a = 6b, ∂C/∂h = 6 for h = a ⊙ b, ∂C/∂h₂ = 3 for h₂ = 2h (PyTorch's
    rules: the retained tensors on the way fill too, a leaf not asked for stays None)."""
    a_values, b_values = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    a, b = tg.Tensor(a_values, requires_grad=True), tg.Tensor(b_values, requires_grad=True)
    c = tg.Tensor(np.ones(3), requires_grad=True)  # not in the graph
    h = a * b
    h.retain_grad()
    h2 = h * 2.0
    h2.retain_grad()
    loss = (h2 * 3.0).sum()
    loss.backward(inputs=[a, c], retain_graph=True)
    np.testing.assert_allclose(a.grad.data, 6 * b_values)
    assert b.grad is None and c.grad is None
    np.testing.assert_allclose(h.grad.data, [6.0] * 3)
    np.testing.assert_allclose(h2.grad.data, [3.0] * 3)
    first = a.grad
    loss.backward(inputs=[h], retain_graph=True)  # a non-leaf: the walk stops there, a is left alone
    np.testing.assert_allclose(h.grad.data, [12.0] * 3)
    np.testing.assert_allclose(h2.grad.data, [6.0] * 3)
    np.testing.assert_allclose(a.grad.data, 6 * b_values)
    loss.backward(inputs=a)  # one tensor will do; its .grad accumulates in place, as backward's does
    assert a.grad is first
    np.testing.assert_allclose(a.grad.data, 12 * b_values)


def test_backward_inputs_marks_no_tensor_and_reaches_only_what_leads_to_them():
    a = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = tg.Tensor(np.array([3.0, 4.0]), requires_grad=True)
    middle = a * a  # not retained: inputs= fills it anyway, and leaves it unmarked
    other = b * 3.0
    other.retain_grad()  # on no path to middle: left alone
    (middle.sum() + other.sum()).backward(inputs=[middle])
    np.testing.assert_allclose(middle.grad.data, [1.0, 1.0])
    assert not middle.retains_grad and other.grad is None and a.grad is None and b.grad is None
    x = tg.Tensor(np.array([0.5, 2.0]), requires_grad=True)
    y = tg.Tensor(np.array([1.0, 1.0]), requires_grad=True)
    (x**3 * y).sum().backward(inputs=[x], create_graph=True)  # ∂/∂x = 3x²y, still differentiable
    x.grad.sum().backward(inputs=[y])  # ∂/∂y Σ 3x²y = 3x²
    np.testing.assert_allclose(y.grad.data, 3 * np.array([0.5, 2.0]) ** 2)


def test_backward_inputs_errors_name_what_is_wrong():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    loss = (x * x).sum()
    with pytest.raises(RuntimeError, match="cannot be empty"):
        loss.backward(inputs=[])
    with pytest.raises(RuntimeError, match="input 1 in `inputs` does not require grad"):
        loss.backward(inputs=[x, tg.ones(2)])
    with pytest.raises(TypeError, match="a Tensor or a list or tuple of Tensors"):
        loss.backward(inputs="x")
    loss.backward(inputs=(x,))  # the errors left the graph usable
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])
    y = tg.Tensor(np.ones(2), requires_grad=True)
    tg.autograd.backward([(y * 2.0).sum(), (x * y).sum()], inputs=[y])
    np.testing.assert_allclose(y.grad.data, [3.0, 3.0])
