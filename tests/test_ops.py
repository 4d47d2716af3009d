"""Every primitive's forward against numpy and its gradient against central finite differences (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradients import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinygrad_edu as tg
from tinygrad_edu import ops

SETTINGS = settings(max_examples=25, deadline=None)
pair_shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)
shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2**31 - 1)


def away_from_zero(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values in ±[0.5, 2]: safe for division, log of |x|, and kinks at 0."""
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values with no ties (max/min and maximum are differentiable there)."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.37 + rng.uniform(0, 0.1, shape)).astype(np.float64)


BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "maximum": (tg.maximum, np.maximum),
    "minimum": (tg.minimum, np.minimum),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(shapes=pair_shapes, seed=seeds)
def test_binary_ops_broadcast(name, shapes, seed):
    op, reference = BINARY[name]
    rng = np.random.default_rng(seed)
    a = away_from_zero(rng, shapes.input_shapes[0])
    b = away_from_zero(rng, shapes.input_shapes[1]) * 1.3  # no ties between a and b
    out = op(tg.Tensor(a), tg.Tensor(b))
    np.testing.assert_allclose(out.data, reference(a, b))
    assert out.shape == shapes.result_shape
    check_gradients(op, a, b)


@SETTINGS
@given(shapes=pair_shapes, seed=seeds)
def test_pow_tensor_exponent(shapes, seed):
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.5, 2.0, shapes.input_shapes[0])
    exponent = rng.uniform(-2, 3, shapes.input_shapes[1])
    np.testing.assert_allclose((tg.Tensor(base) ** tg.Tensor(exponent)).data, base**exponent)
    check_gradients(lambda a, b: a**b, base, exponent)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5])
def test_pow_scalar_exponent_and_scalar_base(exponent):
    x = np.random.default_rng(1).uniform(0.5, 2, (3, 2))
    check_gradients(lambda a: a**exponent, x)
    check_gradients(lambda a: 2.0**a, x)
    np.testing.assert_allclose((2.0 ** tg.Tensor(x)).data, 2.0**x)


UNARY = {
    "neg": (lambda t: -t, np.negative, away_from_zero),
    "exp": (tg.Tensor.exp, np.exp, away_from_zero),
    "log": (tg.Tensor.log, np.log, lambda rng, s: np.abs(away_from_zero(rng, s))),
    "sqrt": (tg.Tensor.sqrt, np.sqrt, lambda rng, s: np.abs(away_from_zero(rng, s))),
    "abs": (tg.Tensor.abs, np.abs, away_from_zero),
    "tanh": (tg.Tensor.tanh, np.tanh, away_from_zero),
    "sigmoid": (tg.Tensor.sigmoid, lambda x: 1 / (1 + np.exp(-x)), away_from_zero),
    "relu": (tg.Tensor.relu, lambda x: np.maximum(x, 0), away_from_zero),
    "clip": (lambda t: t.clip(-1.0, 1.2), lambda x: np.clip(x, -1.0, 1.2), away_from_zero),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary_ops(name, shape, seed):
    op, reference, sample = UNARY[name]
    x = sample(np.random.default_rng(seed), shape)
    np.testing.assert_allclose(op(tg.Tensor(x)).data, reference(x), rtol=1e-12)
    check_gradients(op, x)


def test_sigmoid_is_stable_for_large_inputs():
    out = tg.Tensor([-1000.0, 0.0, 1000.0]).sigmoid().data
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])
    assert np.isfinite(out).all()


@pytest.mark.parametrize("size", [ops.Sigmoid.SMALL, ops.Sigmoid.SMALL + 1])  # both of its formulas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_accurate_everywhere_in_both_of_its_formulas(size, dtype):
    """σ(a) to a few ulps of Python's math (in float64) from −800 to 800, and PyTorch's values at ±inf and NaN."""
    a = np.linspace(-800, 800, size).astype(dtype)
    a[:4] = [-np.inf, np.inf, np.nan, 0.0]
    out = tg.Tensor(a).sigmoid().data
    exact = np.array([1 / (1 + math.exp(-v)) if v > -700 else math.exp(v) for v in a[3:].astype(np.float64)])
    assert out.dtype == dtype and out[0] == 0.0 and out[1] == 1.0 and np.isnan(out[2])
    np.testing.assert_allclose(out[3:], exact, rtol=8 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_where(shapes, seed):
    rng = np.random.default_rng(seed)
    cond = rng.random(shapes.input_shapes[0]) > 0.5
    x, y = rng.standard_normal(shapes.input_shapes[1]), rng.standard_normal(shapes.input_shapes[2])
    np.testing.assert_array_equal(tg.where(cond, tg.Tensor(x), tg.Tensor(y)).data, np.where(cond, x, y))
    check_gradients(lambda a, b: tg.where(cond, a, b), x, y)


axes_and_shape = shapes.flatmap(
    lambda s: st.tuples(
        st.just(s),
        st.none() | (st.lists(st.integers(-len(s), len(s) - 1), unique_by=lambda a: a % len(s), min_size=1)
                     .map(tuple) if s else st.none()),
        st.booleans(),
    )
)

REDUCTIONS = {
    "sum": (tg.Tensor.sum, np.sum),
    "mean": (tg.Tensor.mean, np.mean),
    "max": (tg.Tensor.max, np.max),
    "min": (tg.Tensor.min, np.min),
    "amax": (tg.Tensor.amax, np.max),
    "amin": (tg.Tensor.amin, np.min),
    "var": (lambda t, axis, keepdims: t.var(axis=axis, keepdims=keepdims, correction=0), np.var),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@SETTINGS
@given(case=axes_and_shape, seed=seeds)
def test_reductions(name, case, seed):
    shape, axis, keepdims = case
    op, reference = REDUCTIONS[name]
    x = distinct(np.random.default_rng(seed), shape)
    out = op(tg.Tensor(x), axis=axis, keepdims=keepdims)
    expected = reference(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    check_gradients(lambda t: op(t, axis=axis, keepdims=keepdims), x)


def test_var_default_is_unbiased_like_pytorch():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(tg.Tensor(x).var(axis=1).data, np.var(x, axis=1, ddof=1))
    np.testing.assert_allclose(tg.Tensor(x).std().data, np.std(x, ddof=1))


def test_max_ties_share_the_gradient():
    x = tg.Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0.5, 0.5], [1, 0, 0]])


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)),
                 ((2, 2, 3), (3,))]


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES)
def test_matmul(shape_a, shape_b):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    np.testing.assert_allclose((tg.Tensor(a) @ tg.Tensor(b)).data, a @ b)
    check_gradients(lambda x, y: x @ y, a, b)


def test_reflected_operators_with_numbers_and_ndarrays():
    x = np.array([1.0, 2.0, 4.0])
    t = tg.Tensor(x, dtype=np.float64)
    for result, expected in [(2 + t, 2 + x), (2 - t, 2 - x), (2 * t, 2 * x), (2 / t, 2 / x), (x + t, 2 * x),
                             (x - t, 0 * x), (x * t, x * x), (x / t, x / x), (x @ t, x @ x)]:
        assert isinstance(result, tg.Tensor)
        np.testing.assert_allclose(result.data, expected)


def test_python_scalars_keep_float32():
    t = tg.ones(3)
    for result in [t * 2.5, 2.5 * t, t + 1, t / 3.0, t**2, 2.0**t, 1 - t, t.mean(), t.var(), t.softmax()]:
        assert result.dtype == np.float32, result


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_reshape_flatten_squeeze_unsqueeze(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    check_gradients(lambda t: t.reshape(-1), x)
    check_gradients(lambda t: t.reshape(*reversed(t.shape)), x)
    check_gradients(lambda t: t.flatten(), x)
    check_gradients(lambda t: t.unsqueeze(0).unsqueeze(-1).squeeze(), x)
    assert tg.Tensor(x).flatten().shape == (x.size,)
    assert tg.Tensor(x).squeeze().shape == np.squeeze(x).shape
    assert tg.Tensor(x).unsqueeze(-1).shape == np.expand_dims(x, -1).shape


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_permute(shape, data):
    axes = data.draw(st.permutations(range(len(shape))))
    x = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_array_equal(tg.Tensor(x).permute(*axes).data, x.transpose(axes))
    np.testing.assert_array_equal(tg.Tensor(x).T.data, x.T)
    if len(axes) != 2:  # two axes mean PyTorch's swap (tested below); a longer permutation keeps numpy's meaning
        np.testing.assert_array_equal(tg.Tensor(x).transpose(*axes).data, x.transpose(axes))
    check_gradients(lambda t: t.permute(*axes), x)
    check_gradients(lambda t: t.T, x)


def test_transpose_of_two_axes_swaps_them_as_pytorch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(tg.Tensor(x).transpose(0, 2).data, np.swapaxes(x, 0, 2))
    m = x[0]
    np.testing.assert_array_equal(tg.Tensor(m).transpose(0, 1).data, m.T)  # numpy's transpose(0, 1) is m itself
    np.testing.assert_array_equal(tg.Tensor(m).transpose().data, m.T)
    np.testing.assert_array_equal(tg.Tensor(x).transpose().data, x.transpose())
    with pytest.raises(ValueError, match="permute: 2 axes given for a tensor of 3"):
        tg.Tensor(x).permute(0, 1)


def test_swapaxes_and_mT():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(tg.Tensor(x).mT.data, np.swapaxes(x, -1, -2))
    np.testing.assert_array_equal(tg.Tensor(x).swapaxes(0, 2).data, np.swapaxes(x, 0, 2))
    check_gradients(lambda t: t.mT, x)


@SETTINGS
@given(shapes=pair_shapes, seed=seeds)
def test_expand_and_broadcast_to(shapes, seed):
    x = np.random.default_rng(seed).standard_normal(shapes.input_shapes[0])
    target = shapes.result_shape
    np.testing.assert_array_equal(tg.Tensor(x).broadcast_to(target).data, np.broadcast_to(x, target))
    check_gradients(lambda t: t.broadcast_to(target), x)
    check_gradients(lambda t: t.expand(*([-1] * t.ndim)) if t.ndim else t.expand(()), x)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat_and_stack(axis):
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    np.testing.assert_array_equal(tg.cat([tg.Tensor(a), tg.Tensor(b)], axis).data, np.concatenate([a, b], axis))
    np.testing.assert_array_equal(tg.stack([tg.Tensor(a), tg.Tensor(b)], axis).data, np.stack([a, b], axis))
    check_gradients(lambda x, y, z: tg.cat([x, y, z], axis=axis), a, b, c)
    check_gradients(lambda x, y, z: tg.stack([x, y, z], axis=axis), a, b, c)


def test_cat_of_different_lengths():
    rng = np.random.default_rng(0)
    check_gradients(lambda x, y: tg.cat([x, y], axis=1), rng.standard_normal((2, 1)), rng.standard_normal((2, 4)))


INDICES = [
    1, -1, slice(1, None), (slice(None), 2), (Ellipsis, 0), (None, 1), (0, None, slice(None, None, 2)),
    np.array([0, 2, 2, 0]), (np.array([0, 1, 1]), np.array([2, 2, 3])), (slice(None), [1, 1, 3]),
    np.array([True, False, True]), "mask",
]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_indexing(index):
    x = np.random.default_rng(0).standard_normal((3, 4))
    if isinstance(index, str):
        index = x > 0
    np.testing.assert_array_equal(tg.Tensor(x)[index].data, x[index])
    check_gradients(lambda t: t[index], x)


def test_repeated_indices_add_up():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 0, 1])


def test_index_by_tensor():
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    picked = x[tg.arange(2), tg.Tensor([1, 0])]
    np.testing.assert_array_equal(picked.data, [2, 3])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1], [1, 0]])


def test_comparisons_give_bool_tensors_without_grad():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]), (x >= 2, [0, 1, 1]),
                             (x.eq(2), [0, 1, 0])]:
        assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.data, np.array(expected, dtype=bool))


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=seeds)
def test_softmax_and_log_softmax(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    expected = e / e.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(tg.Tensor(x).softmax().data, expected, rtol=1e-12)
    np.testing.assert_allclose(tg.Tensor(x).log_softmax().data, np.log(expected), rtol=1e-10, atol=1e-12)
    check_gradients(lambda t: t.softmax(axis=0), x)
    check_gradients(lambda t: t.log_softmax(axis=-1), x)


def test_softmax_is_finite_for_large_logits():
    logits = tg.Tensor([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0]], requires_grad=True)
    probabilities, log_probabilities = tg.softmax(logits), tg.log_softmax(logits)
    assert np.isfinite(probabilities.data).all() and np.isfinite(log_probabilities.data).all()
    np.testing.assert_allclose(probabilities.data[0], [1, 0, 0])
    log_probabilities[:, 0].sum().backward()
    assert np.isfinite(logits.grad.data).all()


def test_astype_is_differentiable_and_casts_gradient_back():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [2, 4])


# ----------------------------------------------------------------------------------------------- PyTorch's conventions
NAN = float("nan")


def grads_of(f, *inputs):
    """The gradients of Σ f(inputs) for float64 leaves, in a plain backward and (equal) with create_graph."""
    results = []
    for create_graph in (False, True):
        leaves = [tg.Tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
        f(*leaves).sum().backward(create_graph=create_graph)
        results.append([None if t.grad is None else t.grad.data for t in leaves])
    for plain, recorded in zip(*results):
        np.testing.assert_array_equal(plain, recorded)
    return results[0]


def second_derivative_at(f, x: float) -> float:
    leaf = tg.Tensor(np.array([x]), requires_grad=True)
    f(leaf).sum().backward(create_graph=True)
    first, leaf.grad = leaf.grad, None
    first.sum().backward()
    return float(leaf.grad.data[0])


# Each row: PyTorch's documented convention (its derivatives.yaml) at a kink, a limit or a NaN, as a closed form.
CONVENTIONS = [
    ("relu: 0 at 0, passes at NaN", lambda x: x.relu(), [[0.0, NAN, -1.0, 2.0]], [[0, 1, 0, 1]]),
    ("leaky_relu: the slope at 0", lambda x: tg.nn.functional.leaky_relu(x, 0.1), [[0.0, -1.0, 2.0]],
     [[0.1, 0.1, 1]]),
    ("abs: 0 at 0 and at NaN", lambda x: x.abs(), [[0.0, NAN, -2.0]], [[0, 0, -1]]),
    ("clip: bounds pass, NaN doesn't", lambda x: x.clip(0.0, 1.0), [[0.0, 1.0, NAN, 2.0, 0.5]], [[1, 1, 0, 0, 1]]),
    ("maximum: ties half, NaN to both", lambda a, b: a.maximum(b), [[NAN, 1.0, 2.0, 3.0], [1.0, NAN, 2.0, 1.0]],
     [[1, 1, 0.5, 1], [1, 1, 0.5, 0]]),
    ("minimum: ties half, NaN to both", lambda a, b: a.minimum(b), [[NAN, 1.0, 2.0, 3.0], [1.0, NAN, 2.0, 1.0]],
     [[1, 1, 0.5, 0], [1, 1, 0.5, 1]]),
    ("max(): ties share, NaNs share", lambda x: x.max(), [[1.0, NAN, 3.0, NAN]], [[0, 0.5, 0, 0.5]]),
    ("max(axis): a NaN slice is NaN", lambda x: x.max(axis=0), [[1.0, NAN, 3.0]], [[NAN, NAN, NAN]]),
    ("max ties share", lambda x: x.max(axis=1), [[[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]]], [[[0.5, 0.5, 0], [0, .5, .5]]]),
    ("min(): ties share", lambda x: x.min(), [[1.0, 1.0, 3.0]], [[0.5, 0.5, 0]]),
    ("x**0 at 0 is 0", lambda x: x**0.0, [[0.0, 2.0]], [[0, 0]]),
    ("d/dt 0**t is 0 for t >= 0", lambda t: tg.Tensor(np.zeros(3)) ** t, [[2.0, 0.0, -1.0]], [[0, 0, -np.inf]]),
    ("x**y at (0, 0)", lambda x, y: x**y, [[0.0], [0.0]], [[0], [0]]),
    ("std of constant data", lambda x: x.std(), [[1.0, 1.0, 1.0]], [[0, 0, 0]]),
    ("sqrt at 0 is inf", lambda x: x.sqrt(), [[0.0]], [[np.inf]]),
    ("a/b for tiny b", lambda a, b: a / b, [[1e-200], [1e-160]], [[1e160], [-1e120]]),
]


@pytest.mark.parametrize(("name", "f", "inputs", "expected"), CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_conventions_at_kinks_limits_and_nans_are_pytorchs(name, f, inputs, expected):
    for got, want in zip(grads_of(f, *inputs), expected):
        np.testing.assert_allclose(got, np.array(want, dtype=np.float64), rtol=1e-12, err_msg=name)


@pytest.mark.parametrize(("name", "f", "expected"), [
    ("x**1 at 0", lambda x: x**1.0, 0.0),
    ("gelu at 0: 2φ(0)", tg.nn.functional.gelu, 2 / np.sqrt(2 * np.pi)),
    ("softplus at 0: σ'(0)", tg.nn.functional.softplus, 0.25),
    ("bce with logits at 0: σ'(0)",
     lambda x: tg.nn.functional.binary_cross_entropy_with_logits(x, np.ones(1)), 0.25),
    ("erf at 0: 0", lambda x: x.erf(), 0.0),
    ("erf at 1: −4/√π·e⁻¹", lambda x: x.erf(), None),
])
def test_second_derivatives_at_kinks_of_the_composition_are_the_functions(name, f, expected):
    at = 1.0 if expected is None else 0.0
    expected = -4 / np.sqrt(np.pi) * np.exp(-1.0) if expected is None else expected
    assert second_derivative_at(f, at) == pytest.approx(expected, rel=1e-12, abs=1e-15), name


def test_erf_is_accurate_to_float64_round_off():
    """Against the C library's erf (Python's math.erf), on a dense grid and at extremes: within 8 units in the last
    place (the implementation measures 4)."""
    import math

    x = np.concatenate([np.linspace(-7, 7, 40001), np.geomspace(1e-300, 10, 2000), [0.0, -0.0, np.inf, -np.inf]])
    expected = np.array([math.erf(v) for v in x])
    got = tg.Tensor(x).erf().data
    ulps = np.abs(got - expected) / np.spacing(np.abs(expected) + 1e-300)
    assert ulps.max() <= 8
    assert np.isnan(tg.Tensor([NAN]).erf().item())
    assert tg.Tensor(np.array([0.5], np.float32)).erf().dtype == np.float32


def test_binary_cross_entropy_refuses_values_outside_zero_one_nan_included():
    for bad in ([NAN], [-0.1], [1.5]):
        with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
            tg.nn.functional.binary_cross_entropy(tg.Tensor(bad), tg.Tensor([1.0]))


def test_bce_with_logits_keeps_its_digits_for_large_logits():
    logits = tg.Tensor(np.array([15.0, 30.0, -15.0, -30.0], np.float32))
    targets = tg.Tensor(np.array([1.0, 1.0, 0.0, 0.0], np.float32))
    loss = tg.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none").data
    np.testing.assert_allclose(loss, np.log1p(np.exp(-np.array([15.0, 30.0, 15.0, 30.0]))), rtol=1e-6)


def test_casting_to_integers_or_bool_leaves_the_graph():
    x = tg.Tensor([0.5, 1.5], requires_grad=True)
    for dtype in (np.int64, np.int32, np.bool_, np.uint8):
        y = x.astype(dtype)
        assert y.dtype == dtype and not y.requires_grad and y.grad_fn is None
    with pytest.raises(TypeError, match="bool, integer or floating-point"):
        x.astype(np.complex128)


@pytest.mark.parametrize(("values", "dtype"), [([0, -2**31], np.int32), ([3, 5, 0], np.uint8),
                                               ([True, False], np.bool_), ([-2**63, 2**63 - 1], np.int64)])
def test_min_and_max_of_integers_and_bools_are_exact(values, dtype):
    x = tg.Tensor(np.array(values, dtype=dtype))
    assert x.min().item() == np.array(values, dtype=dtype).min() and x.min().dtype == dtype
    assert x.max().item() == np.array(values, dtype=dtype).max()


def test_empty_and_degenerate_reductions_give_nan_or_inf_as_pytorch():
    assert np.isnan(tg.Tensor(np.zeros(0)).mean().item())
    assert tg.Tensor(np.zeros((2, 0))).mean(axis=1).data.tolist() == [pytest.approx(NAN, nan_ok=True)] * 2
    assert np.isnan(tg.Tensor([1.0]).var().item()) and np.isnan(tg.Tensor([1.0]).std().item())
    assert tg.Tensor([1.0, 2.0]).var(correction=5).item() == np.inf  # N − correction < 0: divided by 0
    assert np.isnan(tg.Tensor([1.0, 1.0]).var(correction=5).item())
    loss = tg.nn.functional.cross_entropy(tg.zeros(0, 3, requires_grad=True), np.zeros(0, dtype=np.int64))
    assert np.isnan(loss.item())
    loss.backward()


def test_var_and_std_take_correction_or_numpys_ddof_with_one_default():
    values = np.array([1.0, 2.0, 4.0, 7.0])
    x = tg.Tensor(values)
    assert x.var().item() == pytest.approx(np.var(values, ddof=1))  # the documented default: PyTorch's correction=1
    assert x.var(ddof=0).item() == pytest.approx(np.var(values))
    assert x.std(correction=0).item() == pytest.approx(np.std(values))
    assert x.var(correction=2).item() == pytest.approx(np.var(values, ddof=2))
    with pytest.raises(TypeError, match="not both"):
        x.var(correction=1, ddof=1)
