"""User-defined ops: the Function/ctx mechanism, composition, second derivatives and the bad-return errors."""

import numpy as np
import pytest
from gradients import numerical_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class Softplus(Function):
    """z = log(1 + eᵃ);  ∂z/∂a = σ(a) — backward in Tensor ops, so it can be differentiated again."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.logaddexp(0, a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sigmoid()


class PowerSum(Function):
    """z = scale · Σ_axes aᵖ with p an int, axes a tuple and a keyword flag; non-tensors pass through."""

    @staticmethod
    def forward(ctx, a, p, axes, negate=False):
        ctx.save_for_backward(a)
        ctx.p, ctx.axes, ctx.sign = p, axes, -1.0 if negate else 1.0
        ctx.seen = (type(p), type(axes), negate)
        return ctx.sign * np.sum(a.data**p, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        kept = tuple(1 if i in ctx.axes else n for i, n in enumerate(a.shape))
        return grad.reshape(kept) * (a ** (ctx.p - 1)) * (ctx.sign * ctx.p), None, None


class ScaledAdd(Function):
    """z = a + s·b with s a Python float; records which inputs need a gradient."""

    @staticmethod
    def forward(ctx, a, b, s):
        ctx.record = ctx.needs_input_grad
        ctx.s = s
        return a.data + s * b.data

    @staticmethod
    def backward(ctx, grad):
        needs_a, needs_b, _ = ctx.needs_input_grad
        return (grad if needs_a else None), (grad * ctx.s if needs_b else None), None


def test_user_op_is_a_first_class_function_like_the_builtins():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = Softplus.apply(x)
    assert isinstance(y.grad_fn, Function) and isinstance((x * x).grad_fn, Function)
    assert repr(y.grad_fn) == "<SoftplusBackward>" and type(y.grad_fn).__name__ == "Softplus"
    assert "grad_fn=<SoftplusBackward>" in repr(y)
    assert y.grad_fn.edges == (x,) and y.grad_fn.output is y  # a leaf input: the edge is the tensor itself
    np.testing.assert_allclose(y.numpy(), np.log1p(np.exp(x.numpy())))


def test_non_tensor_arguments_pass_through_and_get_no_gradient():
    data = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    x = Tensor(data, requires_grad=True)
    z = PowerSum.apply(x, 3, (1,), negate=True)
    assert z.grad_fn.seen == (int, tuple, True)
    assert z.grad_fn.needs_input_grad == (True, False, False)
    np.testing.assert_allclose(z.numpy(), -(data**3).sum(axis=1))
    z.backward(np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), -3 * data**2 * np.array([[1.0], [2.0]]))


def test_needs_input_grad_and_none_gradients():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]))
    z = ScaledAdd.apply(a, b, 0.5)
    assert z.grad_fn.record == (True, False, False)
    z.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.0, 1.0])
    assert b.grad is None
    b2 = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    ScaledAdd.apply(Tensor(np.zeros(2)), b2, 0.5).sum().backward()
    np.testing.assert_allclose(b2.grad.numpy(), [0.5, 0.5])


def test_custom_op_composes_with_builtins_against_finite_differences():
    rng = np.random.default_rng(0)
    W, c = rng.standard_normal((3, 4)), rng.standard_normal(4)
    x0 = rng.standard_normal(3)

    def loss_np(x):
        return np.sum(np.logaddexp(0, x @ W) * c + np.tanh(x).sum())

    x = Tensor(x0, requires_grad=True)
    (Softplus.apply(x @ Tensor(W)) * Tensor(c) + x.tanh().sum()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), numerical_gradients(loss_np, [x0.copy()])[0], rtol=1e-6, atol=1e-8)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6))
def test_second_derivative_through_custom_op(values):
    """d²/dx² softplus(x) = σ(x)(1 − σ(x)), from backward(create_graph=True) through the op's Tensor-op backward."""
    data = np.array(values)
    x = Tensor(data, requires_grad=True)
    Softplus.apply(x).sum().backward(create_graph=True)
    first = x.grad
    np.testing.assert_allclose(first.numpy(), sigmoid(data), rtol=1e-12)
    assert first.requires_grad
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), sigmoid(data) * (1 - sigmoid(data)), rtol=1e-10, atol=1e-15)


def test_backward_may_return_ndarray_and_gradients_are_cast_to_the_input_dtype():
    class Double(Function):
        @staticmethod
        def forward(ctx, a):
            return a.data * 2

        @staticmethod
        def backward(ctx, grad):
            return np.asarray(grad.numpy(), dtype=np.float64) * 2

    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])


def test_broadcast_gradient_is_summed_back_to_the_input_shape():
    class AddRow(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.data + b.data

        @staticmethod
        def backward(ctx, grad):
            return grad, grad  # b was broadcast from (3,) to (4, 3): the engine sums its gradient back

    a = Tensor(np.zeros((4, 3)), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    AddRow.apply(a, b).backward(np.arange(12.0).reshape(4, 3))
    np.testing.assert_allclose(b.grad.numpy(), np.arange(12.0).reshape(4, 3).sum(axis=0))


def test_wrong_number_of_gradients_names_the_op_and_the_counts():
    class TwoForOne(Function):
        @staticmethod
        def forward(ctx, a):
            return a.data

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TwoForOneBackward: backward returned 2 gradient\(s\) but forward took 1"):
        TwoForOne.apply(x).sum().backward()


def test_wrong_gradient_shape_names_op_index_and_both_shapes():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.data * b.data

        @staticmethod
        def backward(ctx, grad):
            return grad, grad.reshape(-1)[:2]

    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        BadShape.apply(a, b).sum().backward()
    message = str(info.value)
    assert "BadShapeBackward" in message and "input 1" in message
    assert "(2,)" in message and "(2, 3)" in message
    assert a.grad is None and b.grad is None


def test_forward_must_return_exactly_one_array():
    class Pair(Function):
        @staticmethod
        def forward(ctx, a):
            return a.data, a.data

    class Nothing(Function):
        @staticmethod
        def forward(ctx, a):
            a.data + 1  # the missing return is the point

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"Pair\.forward returned tuple"):
        Pair.apply(x)
    with pytest.raises(TypeError, match=r"Nothing\.forward returned NoneType"):
        Nothing.apply(x)


def test_forward_may_return_a_tensor_or_a_numpy_scalar():
    class Total(Function):
        @staticmethod
        def forward(ctx, a):
            return np.sum(a.data)  # a numpy scalar

        @staticmethod
        def backward(ctx, grad):
            return grad * Tensor(np.ones(2))

    class Twice(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2  # Tensor ops inside forward record nothing

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    total = Total.apply(x)
    assert total.shape == () and total.item() == 3.0
    twice = Twice.apply(x)
    assert twice.grad_fn.name() == "TwiceBackward"
    (total + twice.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_saved_tensors_default_empty_and_freed_after_backward():
    seen = []

    class Keep(Function):
        @staticmethod
        def forward(ctx, a):
            return a.data * 3

        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.saved_tensors)
            return grad * 3

    x = Tensor(np.ones(2), requires_grad=True)
    Keep.apply(x).sum().backward()
    assert seen == [()]
    y = Softplus.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_custom_op_records_nothing_under_no_grad():
    x = Tensor(np.ones(2), requires_grad=True)
    with tg.no_grad():
        y = Softplus.apply(x)
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_or_bool_output_is_not_recorded_as_in_pytorch(dtype):
    """Only floating point tensors carry gradients: a custom op returning indices or a mask records nothing, so no
    gradient flows back through it to its input (PyTorch: requires_grad False, grad_fn None)."""

    class Rounded(Function):
        @staticmethod
        def forward(ctx, a):
            return (a.data > 0) if dtype is np.bool_ else np.round(a.data).astype(dtype)

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = Tensor(np.array([0.6, -1.4, 2.2]), requires_grad=True)
    out = Rounded.apply(x)
    assert out.dtype == dtype and not out.requires_grad and out.grad_fn is None
    other = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (out * other).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(other.grad.numpy(), out.numpy().astype(np.float64))


def test_value_error_in_forward_names_the_op_and_shapes():
    class Picky(Function):
        @staticmethod
        def forward(ctx, a):
            raise ValueError("needs a square matrix")

    with pytest.raises(ValueError, match=r"Picky on shapes \(2, 3\): needs a square matrix"):
        Picky.apply(Tensor(np.ones((2, 3))))


def test_gradcheck_and_gradgradcheck_prove_the_custom_op():
    x = Tensor(np.random.default_rng(3).standard_normal((2, 3)), requires_grad=True)
    assert tg.gradcheck(Softplus.apply, (x,))
    assert tg.gradgradcheck(Softplus.apply, (x,))
    assert tg.gradcheck(lambda t: PowerSum.apply(t, 3, (0,)), (x,))


def test_extra_trailing_none_gradients_are_ignored_as_in_pytorch():
    class Scale(Function):
        @staticmethod
        def forward(ctx, a, s=2.0):
            ctx.s = s
            return a.data * s

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.s, None  # the None is for ``s``, which may not have been passed

    x = Tensor(np.ones(2), requires_grad=True)
    Scale.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


class _ScaleWithGradientInTheWrongPlace(Function):
    """z = k·x for a number k, with a backward that also returns a "gradient" for k, which is no Tensor."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x.data * k

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.k, grad.sum()


def test_a_gradient_returned_for_an_argument_that_is_no_tensor_is_an_error_as_in_pytorch():
    """It used to be dropped silently: a backward that returns its gradients in the wrong order must not pass."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"returned a gradient for input 1, which is not a Tensor \(float\)"):
        _ScaleWithGradientInTheWrongPlace.apply(x, 3.0).sum().backward()


def test_once_differentiable_backward_gives_first_derivatives_and_refuses_a_second():
    """y = (2x)³ through a custom cube whose backward is marked @once_differentiable; z = Σ y²:
    ∂z/∂x = 2·2y·3(2x)² = 12·(2x)²·(2x)³, as the chain rule gives; a second derivative is refused, as PyTorch's."""
    from tinygrad_edu.autograd.function import FunctionCtx, once_differentiable

    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.data**3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    values = np.array([1.0, 2.0])
    x = tg.Tensor(values, requires_grad=True)
    z = (Cube.apply(x * 2.0) ** 2).sum()
    (g,) = tg.autograd.grad(z, x, create_graph=True)
    np.testing.assert_allclose(g.data, 12 * (2 * values) ** 2 * (2 * values) ** 3)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        g.sum().backward()
    x2 = tg.Tensor(values, requires_grad=True)
    (Cube.apply(x2) ** 2).sum().backward()  # a plain backward: no difference
    np.testing.assert_allclose(x2.grad.data, 2 * values**3 * 3 * values**2)
    assert isinstance(Cube.apply(x2).grad_fn, FunctionCtx)


def test_mark_non_differentiable_leaves_the_output_unrecorded():
    class Rounded(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            rounded = np.round(x.data)
            ctx.mark_non_differentiable(rounded)
            ctx.set_materialize_grads(False)  # one output, its gradient always given: either setting means the same
            return rounded

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = tg.Tensor(np.array([0.4, 1.6]), requires_grad=True)
    r = Rounded.apply(x)
    np.testing.assert_array_equal(r.data, [0.0, 2.0])
    assert not r.requires_grad and r.grad_fn is None

    class OnArrays(Rounded):
        forward_on_arrays = True

    with pytest.raises(RuntimeError, match="forward_on_arrays"):
        OnArrays.apply(x)
