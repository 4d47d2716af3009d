"""gradcheck / gradgradcheck: pass correct ops, catch wrong backwards (both the raise and the return-False paths)."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Function, GradcheckError, Tensor


class Square(Function):
    """z = a²; the backward is right, or wrong by a factor 2 at one element when ``wrong_at`` is given."""

    @staticmethod
    def forward(ctx, a, wrong_at=None):
        ctx.save_for_backward(a)
        ctx.wrong_at = wrong_at
        return a.data**2

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        g = grad * a * 2
        if ctx.wrong_at is not None:
            factor = np.ones(a.shape)
            factor[ctx.wrong_at] = 2.0
            g = g * Tensor(factor)
        return g, None


class FrozenSigmoid(Function):
    """σ with a backward computed in numpy: first derivative right, second derivative silently zero."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return 1 / (1 + np.exp(-a.data))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        s = 1 / (1 + np.exp(-a.data))
        return grad * Tensor(s * (1 - s))  # a constant: create_graph cannot see through it


def x64(shape=(2, 3), seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_passes_correct_builtin_compositions_with_several_inputs_and_outputs():
    a, b = x64((2, 3), 1), x64((3, 4), 2)
    assert tg.gradcheck(lambda a, b: (a.tanh() @ b).sigmoid(), (a, b))
    assert tg.gradcheck(lambda a, b: (a.exp().sum(axis=1), (a @ b).max(axis=0)), (a, b))
    assert tg.gradcheck(lambda a: a.softmax(axis=-1), a)


def test_non_tensor_and_no_grad_inputs_pass_through():
    a, c = x64((3,), 3), Tensor(np.arange(3.0))
    assert tg.gradcheck(lambda a, c, k, flag: (a * c) ** k if flag else a, (a, c, 3, True))


def test_catches_a_wrong_backward_naming_input_worst_element_and_values():
    a = Tensor(np.arange(6.0).reshape(2, 3) + 1, requires_grad=True)
    b = x64((2, 3), 4)
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(lambda b, a: b * Square.apply(a, (1, 2)), (b, a))
    message = str(info.value)
    assert "input 1" in message and "index (1, 2)" in message and "output 0 index (1, 2)" in message
    # analytic = 2 · (2·a·b) = 4·6·b[1,2], numeric = 2·6·b[1,2]
    analytic, numeric = map(float, re.search(r"analytic (\S+) vs numeric (\S+):", message).groups())
    expected = 12 * b.numpy()[1, 2]
    np.testing.assert_allclose(analytic, 2 * expected, rtol=1e-12)
    np.testing.assert_allclose(numeric, expected, rtol=1e-6)
    assert isinstance(info.value, RuntimeError)


def test_returns_false_instead_of_raising_when_asked():
    a = x64((4,), 5)
    assert tg.gradcheck(lambda a: Square.apply(a, (2,)), a, raise_exception=False) is False
    assert tg.gradcheck(lambda a: Square.apply(a), a, raise_exception=False) is True


def test_catches_a_gradient_missing_for_one_input():
    class ForgetsB(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.data * b.data

        @staticmethod
        def backward(ctx, grad):
            return grad, None  # both wrong: ∂/∂a should be b, ∂/∂b should be a

    a, b = x64((3,), 6), x64((3,), 7)
    with pytest.raises(GradcheckError, match="with respect to input 0"):
        tg.gradcheck(ForgetsB.apply, (a, b))


def test_refuses_float32_inputs_and_outputs_with_an_explanation():
    a32 = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match=r"input 0 has dtype float32.*float64.*rounding"):
        tg.gradcheck(lambda a: a * a, a32)
    with pytest.raises(TypeError, match="input 0 has dtype float32"):
        tg.gradcheck(lambda a: a * a, a32, raise_exception=False)
    with pytest.raises(TypeError, match="output 0 has dtype float32"):
        tg.gradcheck(lambda a: a.float(), x64((3,)))


def test_needs_at_least_one_input_requiring_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        tg.gradcheck(lambda a: a * 2, Tensor(np.ones(2)))


def test_leaves_the_users_gradients_untouched():
    a = x64((3,), 8)
    W = x64((3, 3), 9)
    W.grad = Tensor(np.full((3, 3), 7.0))
    assert tg.gradcheck(lambda a: W @ a.tanh(), a)
    assert a.grad is None
    np.testing.assert_array_equal(W.grad.numpy(), np.full((3, 3), 7.0))
    np.testing.assert_array_equal(a.numpy(), x64((3,), 8).numpy())  # the perturbations were on a copy


def test_gradgradcheck_passes_tensor_op_backwards():
    a, b = x64((2, 3), 10), x64((3, 2), 11)
    assert tg.gradgradcheck(lambda a, b: (a @ b).tanh(), (a, b))
    assert tg.gradgradcheck(lambda a: (a * a.sigmoid()).sum(axis=0), a)
    v = Tensor(np.ones((2, 2)))
    assert tg.gradgradcheck(lambda a, b: (a @ b).exp(), (a, b), grad_outputs=v)


def test_gradgradcheck_catches_a_backward_that_cannot_be_differentiated():
    a = x64((3,), 12)
    assert tg.gradcheck(FrozenSigmoid.apply, a)  # first derivative fine
    with pytest.raises(GradcheckError, match="gradgradcheck: Jacobian mismatch for the first derivative for input 0"):
        tg.gradgradcheck(FrozenSigmoid.apply, a)
    assert tg.gradgradcheck(FrozenSigmoid.apply, a, raise_exception=False) is False


def test_gradgradcheck_rejects_mismatched_grad_outputs():
    a = x64((3,), 13)
    with pytest.raises(TypeError, match=r"grad_outputs\[0\] must be a float64 Tensor of shape \(3,\)"):
        tg.gradgradcheck(lambda a: a * a, a, grad_outputs=Tensor(np.ones(4)))
    with pytest.raises(ValueError, match="2 grad_outputs for 1"):
        tg.gradgradcheck(lambda a: a * a, a, grad_outputs=(Tensor(np.ones(3)), Tensor(np.ones(3))))


@settings(max_examples=15, deadline=None)
@given(st.tuples(st.integers(1, 3), st.integers(1, 3)), st.integers(0, 2**16))
def test_gradcheck_passes_builtins_over_shapes(shape, seed):
    rng = np.random.default_rng(seed)
    a = Tensor(rng.standard_normal(shape), requires_grad=True)
    b = Tensor(rng.uniform(0.5, 2.0, shape), requires_grad=True)
    assert tg.gradcheck(lambda a, b: (a * b.log() - a / b).tanh().mean(axis=0), (a, b))


def test_catches_a_gradient_lost_to_detach():
    a = x64((3,), 14)
    with pytest.raises(GradcheckError, match=r"analytic 0\.0 vs numeric 2\.0"):
        tg.gradcheck(lambda a: a.detach() * 2 + a * 0, a)


# ----------------------------------------------------------------------------------------------- views of inputs
VIEWS = {
    "reshape": lambda x: x.reshape(6), "transpose": lambda x: x.transpose(1, 0), "T": lambda x: x.T,
    "mT": lambda x: x.mT, "swapaxes": lambda x: x.swapaxes(0, 1), "flatten": lambda x: x.flatten(),
    "squeeze": lambda x: x.reshape(1, 2, 3).squeeze(0), "unsqueeze": lambda x: x.unsqueeze(1),
    "expand": lambda x: x.reshape(2, 1, 3).expand(2, 4, 3), "broadcast_to": lambda x: x.broadcast_to((5, 2, 3)),
    "basic index": lambda x: x[1], "reversed": lambda x: x[::-1], "strided": lambda x: x[:, ::2],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_gradcheck_passes_ops_whose_output_views_their_input(name):
    """Each evaluation gets fresh copies of the inputs, so a view returned by one call can't change under the next."""
    x = tg.Tensor(np.arange(6.0).reshape(2, 3) / 7, requires_grad=True)
    assert tg.gradcheck(VIEWS[name], x) and tg.gradgradcheck(VIEWS[name], x)


def test_gradcheck_catches_a_wrong_backward_behind_a_view():
    class FirstRow(tg.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.input_shape = a.shape
            return a.data[0]  # a view of the input's memory

        @staticmethod
        def backward(ctx, grad):
            return tg.zeros(*ctx.input_shape, dtype=np.float64)  # wrong: should put grad in row 0

    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    assert not tg.gradcheck(FirstRow.apply, x, raise_exception=False)
    with pytest.raises(tg.GradcheckError, match=r"analytic 0\.0 vs numeric 0\.99999"):
        tg.gradcheck(FirstRow.apply, x)


def test_finite_difference_jacobians_is_the_central_difference():
    """The one numeric routine: exact for quadratics (the central difference's error is O(ε²)·f''')."""
    from tinygrad_edu.gradcheck import finite_difference_jacobians

    a = np.array([1.0, -2.0, 0.5])
    b = np.array([[3.0]])
    jacobians = finite_difference_jacobians(lambda v: np.array([(v[0] ** 2).sum(), (v[0] * v[1]).sum()]), [a, b])
    np.testing.assert_allclose(jacobians[0], [2 * a, b.item() * np.ones(3)], rtol=1e-8)
    np.testing.assert_allclose(jacobians[1], [[0.0], [a.sum()]], atol=1e-8)
    assert a.tolist() == [1.0, -2.0, 0.5]  # the caller's arrays are never perturbed
    assert finite_difference_jacobians(lambda v: v[0].sum(), [np.zeros((2, 0))])[0].shape == (1, 0)


class _SinSumIgnoringGradOutput(tg.autograd.Function):
    """Σ sin x with a backward that forgets to multiply by grad_output: right for a grad_output of 1 only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x.data).sum()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return x.cos()


def test_a_backward_that_ignores_its_grad_output_is_caught_even_for_a_one_element_output():
    x = tg.tensor([0.5, 1.0], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda t: t.sin().sum(), x)
    assert not tg.gradcheck(_SinSumIgnoringGradOutput.apply, x, raise_exception=False)
    with pytest.raises(tg.GradcheckError, match="not multiplied by its grad_output"):
        tg.gradcheck(_SinSumIgnoringGradOutput.apply, x)
    (3 * _SinSumIgnoringGradOutput.apply(x)).backward()  # what gradcheck protects against: 1·cos x, not 3·cos x
    assert np.allclose(x.grad.numpy(), np.cos([0.5, 1.0]))
