"""The engine's fast paths (docs/performance.md) give the same answers and errors as the general code."""

import re

import numpy as np
import pytest
from finite_differences import check_gradients

import tinygrad_edu as tg

rng = np.random.default_rng(0)


@pytest.mark.parametrize(("a_shape", "b_shape"), [((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
                                                  ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,))])
def test_matmul_gradients_for_matrices_batches_and_vectors(a_shape, b_shape):
    check_gradients(lambda a, b: a @ b, rng.standard_normal(a_shape), rng.standard_normal(b_shape))


def test_matmul_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"inner dimensions differ: \(2, 3\) @ \(4, 5\) \(3 vs 4\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        tg.ones(3) @ tg.Tensor(2.0)


@pytest.mark.parametrize(("x_shape", "b_shape"), [((4, 3), (3,)), ((1, 3), (3,)), ((1, 1, 3), (3,)),
                                                  ((2, 4, 3), (1, 3)), ((2, 4, 3), (4, 1)), ((4, 3), (4, 1)),
                                                  ((4, 3), ())])
def test_broadcast_gradients_are_summed_back(x_shape, b_shape):
    """A bias row (only leading axes added) takes the one-sum path (a reshape when they have size 1); stretched
    axes take the general one."""
    check_gradients(lambda x, b: x * b, rng.standard_normal(x_shape), rng.standard_normal(b_shape))


def test_mean_gradient_and_axis_errors():
    x = tg.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    x.mean(axis=(1, 0)).backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 1 / 12, np.float32))
    assert x.grad.dtype == np.float32
    for bad in (2, -3, (0, 2), (-3, 1)):
        with pytest.raises(ValueError, match=re.escape(f"axis {bad!r} is out of range for a tensor with 2 dimension")):
            x.sum(axis=bad)
    assert x.sum(axis=()).shape == (3, 4)


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
    assert tripled.grad_fn is not None and tripled.grad_fn.edges == (a,)
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


def test_a_plain_backward_runs_array_backwards_on_arrays_and_create_graph_on_tensors():
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
            op.apply(x).sum().backward(create_graph=create_graph)
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


def test_weight_gradients_take_the_layout_of_the_weight():
    """x @ W.T (by hand, or Linear's transpose_b): ∂C/∂W must come out C-contiguous like W itself."""
    linear = tg.nn.Linear(5, 3)
    x = tg.Tensor(rng.standard_normal((4, 5)).astype(np.float32))
    (linear(x) ** 2).sum().backward()
    assert linear.weight.grad.data.flags.c_contiguous
    expected = 2 * (x.data @ linear.weight.data.T + linear.bias.data).T @ x.data
    np.testing.assert_allclose(linear.weight.grad.data, expected, rtol=1e-5)
    weight = tg.Tensor(linear.weight.data, requires_grad=True)
    (x @ weight.T).sum().backward()  # a transposed view: the gradient is computed as (gᵀx)ᵀ to keep W's layout
    assert weight.grad.data.flags.c_contiguous
    np.testing.assert_allclose(weight.grad.data, np.ones((4, 3)).T @ x.data, rtol=1e-6)
    fortran = tg.Tensor(np.asfortranarray(rng.standard_normal((3, 5))), requires_grad=True)
    (x.double() @ fortran.T).sum().backward()
    assert fortran.grad.data.flags.f_contiguous and not fortran.grad.data.flags.c_contiguous
    check_gradients(lambda w, v: v @ w.T, rng.standard_normal((3, 5)), rng.standard_normal((4, 5)))


def test_a_full_sums_gradient_is_a_writeable_array_of_its_own():
    """Sum's backward hands on a zero-stride view of the scalar gradient; the leaf's .grad must own its memory."""
    x = tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    x.sum().backward()
    x.grad.data[0, 0] = 7.0  # would raise on a read-only view, or change every element of a zero-stride one
    np.testing.assert_array_equal(x.grad.data, [[7, 1, 1], [1, 1, 1]])
    (x * 2).mean().backward()
    np.testing.assert_allclose(x.grad.data, np.array([[7, 1, 1], [1, 1, 1]]) + 1 / 3, rtol=1e-6)


@pytest.mark.parametrize("x_shape", [(4, 5), (2, 4, 5), (5,)])
def test_linear_records_one_matmul_with_the_weight_transposed(x_shape):
    """x @ Wᵀ is one MatMul (transpose_b); its gradients for x, W and b agree with finite differences."""
    check_gradients(tg.nn.functional.linear, rng.standard_normal(x_shape), rng.standard_normal((3, 5)),
                    rng.standard_normal(3))
    weight = tg.Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    y = tg.nn.functional.linear(tg.Tensor(rng.standard_normal(x_shape), requires_grad=True), weight)
    assert type(y.grad_fn).__name__ == "MatMul"
    if len(x_shape) > 1:
        assert y.grad_fn.edges[1] is weight and y.grad_fn.transpose_b
    else:  # a vector takes the general x @ W.T
        assert type(y.grad_fn.edges[1]).__name__ == "Transpose" and not y.grad_fn.transpose_b


def test_linear_of_an_integer_input_promotes_it_and_transpose_b_checks_its_operands():
    weight = tg.Tensor(rng.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    y = tg.nn.functional.linear(tg.Tensor(np.arange(10).reshape(2, 5)), weight)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, np.arange(10).reshape(2, 5) @ weight.data.T, rtol=1e-6)
    with pytest.raises(ValueError, match=r"transpose_b needs a matrix b and a ≥ 2-D, got \(5,\) and \(3, 5\)"):
        tg.ops.MatMul.apply(tg.ones(5), weight, transpose_b=True)
    with pytest.raises(ValueError, match=r"inner dimensions differ: \(2, 4\) @ \(5, 3\) \(4 vs 5\)"):
        tg.ops.MatMul.apply(tg.ones(2, 4), weight, transpose_b=True)


def test_a_tensor_times_itself_gets_2a_in_one_term_and_its_second_derivative():
    """Mul's backward sums the product rule's two equal terms itself when both factors are one tensor."""
    check_gradients(lambda a: a * a, rng.standard_normal((3, 4)))
    x = tg.Tensor(rng.standard_normal(5), requires_grad=True)
    np.testing.assert_allclose(tg.grad(lambda t: (t * t).sum())(x).data, 2 * x.data)
    np.testing.assert_allclose(tg.hessian(lambda t: (t * t).sum())(x).data, 2 * np.eye(5))
