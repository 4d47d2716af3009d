"""Elementwise math (issue 14): each forward against Python's math module or a closed form, each gradient against
finite differences in float64 (plain backward and create_graph), second derivatives with gradgradcheck, PyTorch's
dtype rules for integer and bool inputs and its conventions at kinks, limits and NaNs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradients import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tinygrad_edu as tg

NAN, INF = float("nan"), float("inf")
pair_shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


def elementwise(function):
    """A scalar function of Python's math module, elementwise over an array: a truth numpy did not compute."""
    return np.vectorize(function, otypes=[np.float64])


def uniform(low: float, high: float):
    return lambda rng, shape: rng.uniform(low, high, shape)


def check_second_derivatives(op, *arrays):
    inputs = [tg.Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    assert tg.gradgradcheck(op, inputs, atol=1e-6, rtol=1e-4)


# name: (ours, the truth, where to sample, whether a second derivative exists there)
UNARY = {
    "sin": (tg.sin, elementwise(math.sin), uniform(-4, 4)),
    "cos": (tg.cos, elementwise(math.cos), uniform(-4, 4)),
    "tan": (tg.tan, elementwise(math.tan), uniform(-1.4, 1.4)),
    "asin": (tg.asin, elementwise(math.asin), uniform(-0.95, 0.95)),
    "acos": (tg.acos, elementwise(math.acos), uniform(-0.95, 0.95)),
    "atan": (tg.atan, elementwise(math.atan), uniform(-5, 5)),
    "sinh": (tg.sinh, elementwise(math.sinh), uniform(-3, 3)),
    "cosh": (tg.cosh, elementwise(math.cosh), uniform(-3, 3)),
    "asinh": (tg.asinh, elementwise(math.asinh), uniform(-5, 5)),
    "acosh": (tg.acosh, elementwise(math.acosh), uniform(1.1, 5)),
    "atanh": (tg.atanh, elementwise(math.atanh), uniform(-0.95, 0.95)),
    "exp2": (tg.exp2, elementwise(lambda v: 2.0**v), uniform(-3, 3)),
    "expm1": (tg.expm1, elementwise(math.expm1), uniform(-3, 3)),
    "log2": (tg.log2, elementwise(math.log2), uniform(0.1, 5)),
    "log10": (tg.log10, elementwise(math.log10), uniform(0.1, 5)),
    "square": (tg.square, elementwise(lambda v: v * v), uniform(-3, 3)),
    "rsqrt": (tg.rsqrt, elementwise(lambda v: 1 / math.sqrt(v)), uniform(0.2, 5)),
    "reciprocal": (tg.reciprocal, elementwise(lambda v: 1 / v), uniform(0.2, 5)),
    "erfc": (tg.erfc, elementwise(math.erfc), uniform(-3, 3)),
    "frac": (tg.frac, elementwise(lambda v: math.fmod(v, 1.0)), uniform(-3, 3)),
    "nan_to_num": (tg.nan_to_num, elementwise(lambda v: v), uniform(-3, 3)),
}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=8, deadline=None)
@given(shape=st.sampled_from([(), (3,), (2, 3)]), seed=st.integers(0, 2**31 - 1))
def test_unary_forward_gradient_and_second_derivative(name, shape, seed):
    op, truth, sample = UNARY[name]
    x = sample(np.random.default_rng(seed), shape)
    np.testing.assert_allclose(op(tg.Tensor(x)).data, truth(x), rtol=1e-13, atol=1e-15)
    if name == "frac" and np.any(np.abs(x - np.round(x)) < 1e-4):
        return  # frac jumps at integers
    check_gradients(op, x)
    check_second_derivatives(op, x)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_step_functions_have_zero_gradients_as_pytorch(name):
    x = np.array([-2.5, -1.2, -0.5, 0.0, 0.3, 0.5, 1.5, 2.5, 7.0])
    truth = {"floor": np.vectorize(math.floor), "ceil": np.vectorize(math.ceil), "trunc": np.vectorize(math.trunc),
             "round": np.vectorize(round),  # Python's round: halves to even, as numpy and PyTorch
             "sign": np.vectorize(lambda v: int(v > 0) - int(v < 0))}[name]
    leaf = tg.Tensor(x, requires_grad=True)
    out = getattr(leaf, name)()
    np.testing.assert_array_equal(out.data, truth(x).astype(np.float64))
    for create_graph in (False, True):
        leaf.grad = None
        getattr(leaf, name)().sum().backward(create_graph=create_graph)
        assert leaf.grad is not None and np.all(leaf.grad.data == 0), "zeros, not None (PyTorch)"


def test_round_to_decimals_and_sign_of_nan():
    assert tg.Tensor(np.array([1.2345, -2.675, 0.125])).round(decimals=2).tolist() == [1.23, -2.68, 0.12]
    assert tg.Tensor(np.array([1234.0])).round(decimals=-2).tolist() == [1200.0]
    assert tg.Tensor([NAN, -0.0, -3.0]).sign().tolist() == [0.0, 0.0, -1.0]  # PyTorch: sign(NaN) = 0
    with pytest.raises(TypeError, match="decimals need a floating tensor"):
        tg.Tensor([1234]).round(decimals=-2)


def test_log2_and_log10_are_exact_at_powers():
    """floor(log10(x)) counts digits: log(x)/ln 10 would give 2.9999999999999996 at 1000."""
    powers = np.array([1.0, 10.0, 1000.0, 1e15, 1e-3])
    np.testing.assert_array_equal(tg.log10(tg.Tensor(powers)).data, [0, 1, 3, 15, -3])
    np.testing.assert_array_equal(tg.log2(tg.Tensor(2.0 ** np.arange(-5.0, 60))).data, np.arange(-5, 60))


def test_expm1_and_erfc_keep_their_digits_where_the_naive_compositions_cancel():
    assert tg.expm1(tg.Tensor(np.array([1e-10]))).item() == pytest.approx(1.00000000005e-10, rel=1e-15)
    x = np.array([5.0, 10.0, 26.0, -5.0])
    np.testing.assert_allclose(tg.erfc(tg.Tensor(x)).data, elementwise(math.erfc)(x), rtol=1e-14)


def test_erfc_is_accurate_across_its_range():
    """Against the C library's erfc: within 64 units in the last place (1 − erf loses ~6 bits on (0.5, 1.5),
    where erfc falls to 0.03), and within 8 beyond 1.5, down to the subnormals."""
    x = np.concatenate([np.linspace(-7, 26, 66001), np.geomspace(1e-300, 1.5, 1000)])
    expected = elementwise(math.erfc)(x)
    ulps = np.abs(tg.erfc(tg.Tensor(x)).data - expected) / np.spacing(expected)
    assert ulps.max() <= 64 and ulps[np.abs(x) > 1.5].max() <= 8
    assert tg.erfc(tg.Tensor([INF, -INF, NAN])).data.tolist()[:2] == [0.0, 2.0]


def test_tan_grad_is_sec_squared_and_trig_second_derivatives_close():
    x = tg.Tensor(np.array([0.3]), requires_grad=True)
    x.tan().sum().backward(create_graph=True)
    first = x.grad
    assert first.item() == pytest.approx(1 / math.cos(0.3) ** 2, rel=1e-14)
    x.grad = None
    first.sum().backward()
    assert x.grad.item() == pytest.approx(2 * math.tan(0.3) / math.cos(0.3) ** 2, rel=1e-13)  # d/dx sec² = 2 tan sec²


# ----------------------------------------------------------------------------------------------- binary
BINARY = {
    "atan2": (tg.atan2, elementwise(math.atan2), uniform(-3, 3), uniform(-3, 3)),
    "hypot": (tg.hypot, elementwise(math.hypot), uniform(-3, 3), uniform(-3, 3)),
    "remainder": (tg.remainder, elementwise(lambda a, b: a - b * math.floor(a / b)), uniform(-5, 5),
                  lambda rng, s: rng.uniform(0.7, 2, s) * rng.choice([-1, 1], s)),
    "fmod": (tg.fmod, elementwise(math.fmod), uniform(-5, 5),
             lambda rng, s: rng.uniform(0.7, 2, s) * rng.choice([-1, 1], s)),
}


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=10, deadline=None)
@given(shapes=pair_shapes, seed=st.integers(0, 2**31 - 1))
def test_binary_forward_gradients_and_broadcasting(name, shapes, seed):
    op, truth, sample_a, sample_b = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = sample_a(rng, shapes.input_shapes[0]), sample_b(rng, shapes.input_shapes[1])
    np.testing.assert_allclose(op(tg.Tensor(a), tg.Tensor(b)).data, truth(a, b), rtol=1e-12, atol=1e-14)
    if name in ("remainder", "fmod"):
        ratio = np.broadcast_to(a, shapes.result_shape) / np.broadcast_to(b, shapes.result_shape)
        if np.any(np.abs(ratio - np.round(ratio)) < 1e-3):
            return  # the remainder jumps where a/b is a whole number
    check_gradients(op, a, b)
    check_second_derivatives(op, a, b)


def test_floor_divide_and_modulo_operators_are_pythons():
    a, b = np.array([7.0, -7.0, 7.5, -7.5, 5.5]), np.array([2.0, 2.0, -2.0, -2.0, 0.1])
    x, y = tg.Tensor(a), tg.Tensor(b)
    np.testing.assert_array_equal((x // y).data, [va // vb for va, vb in zip(a, b)])
    np.testing.assert_array_equal((x % y).data, [va % vb for va, vb in zip(a, b)])
    np.testing.assert_array_equal(tg.fmod(x, y).data, [math.fmod(va, vb) for va, vb in zip(a, b)])
    ints = tg.Tensor([7, -7, 9])
    assert (ints // 2).tolist() == [3, -4, 4] and (ints % 3).tolist() == [1, 2, 0] and (ints // 2).dtype == np.int64
    assert (20 // ints).tolist() == [2, -3, 2] and (20 % ints).tolist() == [6, -1, 2]
    assert (ints // 2.5).dtype == np.float32  # an int tensor with a float number: the default float dtype
    leaf = tg.Tensor(a, requires_grad=True)
    (leaf // 2.0).sum().backward()
    assert np.all(leaf.grad.data == 0)


def test_integer_division_by_zero_raises_as_pytorch():
    for call in (lambda x: x // 0, lambda x: x % 0, lambda x: tg.fmod(x, tg.Tensor([1, 0, 1]))):
        with pytest.raises(ZeroDivisionError, match="integer division by zero"):
            call(tg.Tensor([1, 2, 3]))
    assert np.isnan((tg.Tensor([1.0]) % 0.0).item())  # floats: nan, as PyTorch and numpy
    with pytest.raises(TypeError, match="bool"):
        tg.Tensor([True]) // tg.Tensor([True])


def test_lerp_forward_gradients_and_exact_ends():
    rng = np.random.default_rng(0)
    a, b, w = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.uniform(-0.5, 1.5, (2, 3))
    np.testing.assert_allclose(tg.lerp(tg.Tensor(a), tg.Tensor(b), tg.Tensor(w)).data, a + w * (b - a), rtol=1e-12)
    check_gradients(lambda s, e, t: s.lerp(e, t), a, b, w)
    check_gradients(lambda s, e: s.lerp(e, 0.7), a, b)
    check_second_derivatives(lambda s, e, t: s.lerp(e, t), a, b, w)
    start, end = tg.Tensor([0.1, 1e20]), tg.Tensor([0.3, 1.0])
    assert start.lerp(end, 1.0).tolist() == end.tolist()  # exactly the end at w = 1 (start + 1·(end − start) isn't)
    with pytest.raises(TypeError, match="lerp: needs floating"):
        tg.Tensor([1]).lerp(tg.Tensor([2]), 0.5)


def test_nan_to_num_replaces_and_stops_the_gradient_where_it_replaced():
    x = tg.Tensor(np.array([NAN, INF, -INF, 2.0]), requires_grad=True)
    out = x.nan_to_num(nan=1.0, neginf=-5.0)
    assert out.tolist() == [1.0, np.finfo(np.float64).max, -5.0, 2.0]
    out.sum().backward()
    assert x.grad.tolist() == [0, 0, 0, 1]
    assert tg.Tensor([1, 2]).nan_to_num().tolist() == [1, 2]


@pytest.mark.parametrize("name", ["sin", "cos", "tan", "asin", "atan", "sinh", "exp2", "expm1", "log2", "log10",
                                  "rsqrt", "reciprocal", "erfc"])
def test_integer_and_bool_inputs_give_the_default_float_dtype(name):
    op = UNARY[name][0]
    for values in ([1, 2, 3], [True, False, True]):
        out = op(tg.Tensor(values))
        assert out.dtype == np.float32, (name, values)
        np.testing.assert_allclose(out.data, op(tg.Tensor(np.array(values, dtype=np.float64))).data, rtol=1e-6)


def test_integer_results_where_pytorch_keeps_integers():
    ints = tg.Tensor(np.array([-3, 0, 4], dtype=np.int32))
    for result in (ints.floor(), ints.ceil(), ints.round(), ints.trunc(), ints.sign(), ints.square()):
        assert result.dtype == np.int32
    assert ints.sign().tolist() == [-1, 0, 1] and ints.square().tolist() == [9, 0, 16]
    assert tg.Tensor([True, False]).sign().tolist() == [True, False]
    with pytest.raises(TypeError, match="not defined for bool"):
        tg.Tensor([True]).floor()
    with pytest.raises(TypeError, match="frac: needs a floating"):
        tg.Tensor([1]).frac()


# PyTorch's conventions at kinks, limits and NaNs (its derivatives.yaml), each a closed form
CONVENTIONS = [
    ("atan2 at the origin: 0", lambda a, b: tg.atan2(a, b), [[0.0, 1.0], [0.0, 0.0]], [[0, 0], [0, -1]]),
    ("hypot at the origin: nan", lambda a, b: tg.hypot(a, b), [[0.0, 3.0], [0.0, 4.0]], [[NAN, 0.6], [NAN, 0.8]]),
    ("asin at ±1: inf", lambda x: x.asin(), [[1.0, -1.0]], [[INF, INF]]),
    ("acosh at 1: inf", lambda x: x.acosh(), [[1.0]], [[INF]]),
    ("atanh at 1: inf", lambda x: x.atanh(), [[1.0]], [[INF]]),
    ("rsqrt at 0: −inf", lambda x: x.rsqrt(), [[0.0]], [[-INF]]),
    ("remainder: −⌊a/b⌋ for b", lambda a, b: a % b, [[5.0, -5.0], [3.0, 3.0]], [[1, 1], [-1, 2]]),
    ("fmod: −trunc(a/b) for b", lambda a, b: tg.fmod(a, b), [[5.0, -5.0], [3.0, 3.0]], [[1, 1], [-1, 1]]),
    ("sign, floor: 0 at NaN and inf", lambda x: x.sign() + x.floor(), [[NAN, INF, 0.0]], [[0, 0, 0]]),
]


@pytest.mark.parametrize(("name", "f", "inputs", "expected"), CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_conventions_at_kinks_limits_and_nans_are_pytorchs(name, f, inputs, expected):
    for create_graph in (False, True):
        leaves = [tg.Tensor(np.array(x), requires_grad=True) for x in inputs]
        f(*leaves).sum().backward(create_graph=create_graph)
        for leaf, want in zip(leaves, expected):
            np.testing.assert_allclose(leaf.grad.data, np.array(want, dtype=np.float64), rtol=1e-12, err_msg=name)
