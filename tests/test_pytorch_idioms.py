"""PyTorch code means here what it means in PyTorch, or raises naming our spelling (issue 13).

Each test states PyTorch's documented meaning as a closed form (numpy), and, where PyTorch is installed, also runs
the same line in PyTorch and compares."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F  # noqa: N812

X = np.arange(12.0).reshape(3, 4) % 5 - 2.0  # ties in rows 1 and 2


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------------------------- dim= and keepdim=
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std"])
def test_reductions_take_dim_and_keepdim_as_well_as_axis_and_keepdims(name):
    x = tg.Tensor(X)
    reference = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min,
                 "var": lambda a, **k: np.var(a, ddof=1, **k), "std": lambda a, **k: np.std(a, ddof=1, **k)}[name]
    for dim in (0, 1, -1, (0, 1)):
        expected = reference(X, axis=dim, keepdims=True)
        np.testing.assert_allclose(getattr(x, name)(dim=dim, keepdim=True).data, expected, rtol=1e-12)
        np.testing.assert_allclose(getattr(x, name)(axis=dim, keepdims=True).data, expected, rtol=1e-12)
    with pytest.raises(TypeError, match=r"dim= .* or axis= .*not both"):
        getattr(x, name)(axis=0, dim=0)
    with pytest.raises(TypeError, match=r"keepdim= .* or keepdims= .*not both"):
        getattr(x, name)(dim=0, keepdim=True, keepdims=True)


def test_max_and_min_with_a_dim_return_values_and_indices_and_the_gradient_goes_to_the_index():
    x = tg.Tensor(X, requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.data, X.max(axis=1))
    np.testing.assert_array_equal(indices.data, X.argmax(axis=1))  # the first of tied maxima
    assert indices.dtype == np.int64 and x.max(1).values is not None and x.min(1).indices.shape == (3,)
    values.sum().backward()
    expected = np.zeros_like(X)
    expected[np.arange(3), X.argmax(axis=1)] = 1  # PyTorch: the whole gradient to the selected element
    np.testing.assert_array_equal(x.grad.data, expected)
    assert x.max(dim=1, keepdim=True).values.shape == (3, 1)
    np.testing.assert_array_equal(x.max(axis=1).data, X.max(axis=1))  # numpy's spelling: the values
    np.testing.assert_array_equal(x.max(tg.zeros(3, 4).double()).data, np.maximum(X, 0))  # max(other)
    with pytest.raises(TypeError, match="amax"):
        x.max((0, 1))


def test_argmax_argmin_amax_amin(torch):
    x = tg.Tensor(X)
    t = torch.tensor(X)
    assert x.argmax().item() == t.argmax().item() and x.argmin().item() == t.argmin().item()
    for dim in (0, 1):
        np.testing.assert_array_equal(x.argmax(dim=dim).data, t.argmax(dim=dim).numpy())
        np.testing.assert_array_equal(x.argmin(dim=dim, keepdim=True).data, t.argmin(dim=dim, keepdim=True).numpy())
        np.testing.assert_array_equal(x.amax(dim=dim).data, t.amax(dim=dim).numpy())
        np.testing.assert_array_equal(x.amin(dim=dim).data, t.amin(dim=dim).numpy())
    values, indices = x.max(dim=0)
    expected = t.max(dim=0)
    np.testing.assert_array_equal(values.data, expected.values.numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())


def test_softmax_cat_stack_flatten_squeeze_unsqueeze_take_dim():
    x = tg.Tensor(X)
    np.testing.assert_allclose(x.softmax(dim=0).data, np.exp(X) / np.exp(X).sum(0), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(x, dim=1).data, x.log_softmax(axis=1).data)
    np.testing.assert_allclose(tg.nn.Softmax(dim=0)(x).data, x.softmax(axis=0).data)
    assert tg.cat([x, x], dim=1).shape == (3, 8) and tg.stack([x, x], dim=2).shape == (3, 4, 2)
    assert x.unsqueeze(dim=1).shape == (3, 1, 4) and x.unsqueeze(1).squeeze(dim=1).shape == (3, 4)
    assert tg.nn.Flatten(start_dim=0)(x).shape == (12,) and x.reshape(3, 2, 2).flatten(start_dim=1).shape == (3, 4)


def test_softmax_without_dim_agrees_with_pytorch_or_asks_for_it():
    """PyTorch's F.softmax without dim picks axis 0 for 3-d input (deprecated); we say so rather than pick."""
    x = tg.Tensor(np.ones((2, 3)))
    np.testing.assert_allclose(F.softmax(x).data, np.full((2, 3), 1 / 3))  # 2-d: PyTorch's choice is the last
    with pytest.raises(TypeError, match="pass dim= for a 3-d input"):
        F.softmax(tg.ones(2, 3, 4))


def test_zero_d_tensors_accept_dim_0_and_minus_1():
    x = tg.Tensor(np.float64(3.0))
    assert x.sum(dim=0).item() == 3.0 and x.softmax(dim=-1).item() == 1.0 and x.argmax(dim=0).item() == 0
    values, indices = x.max(dim=0)
    assert values.item() == 3.0 and indices.item() == 0
    with pytest.raises(IndexError, match="axis 1 is out of range for a tensor of 0 dimension"):
        x.sum(dim=1)


# ----------------------------------------------------------------------------------------------- transpose
def test_transpose_of_two_dims_swaps_them():
    x = tg.Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.transpose(0, 1).shape == (3, 2, 4) and x.transpose(-1, 0).shape == (4, 3, 2)
    m = tg.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.transpose(0, 1).data, m.data.T)  # numpy would return m unchanged
    np.testing.assert_array_equal(x.transpose(2, 0, 1).data, x.data.transpose(2, 0, 1))  # a full permutation
    np.testing.assert_array_equal(x.permute(1, 2, 0).data, x.data.transpose(1, 2, 0))


# ----------------------------------------------------------------------------------------------- dtypes
PROMOTIONS = [  # (left, right, PyTorch's result dtype)
    (lambda: tg.ones(2), lambda: np.float64(2.0), np.float32),  # a numpy scalar is a scalar
    (lambda: tg.ones(2), lambda: np.sqrt(4.0), np.float32),
    (lambda: tg.ones(2), lambda: tg.Tensor(np.float64(2.0)), np.float32),  # a 0-d tensor of the same category
    (lambda: tg.ones(2), lambda: tg.Tensor(np.ones(2)), np.float64),  # dimensioned tensors promote
    (lambda: tg.Tensor([1, 2]), lambda: 2.5, np.float32),  # a float scalar: the default float dtype
    (lambda: tg.Tensor(np.array([1, 2], np.int32)), lambda: 7, np.int32),  # an int scalar keeps int32
    (lambda: tg.Tensor(np.array([1, 2], np.int32)), lambda: tg.Tensor(np.int64(7)), np.int32),
    (lambda: tg.Tensor([1, 2]), lambda: tg.Tensor(np.float64(1.5)), np.float64),  # a 0-d float beside integers
    (lambda: tg.Tensor([True, False]), lambda: 1, np.int64),
    (lambda: tg.Tensor(np.array([1], np.uint8)), lambda: tg.Tensor(np.array([1], np.int8)), np.int16),
    (lambda: tg.ones(2), lambda: tg.Tensor([3, 4]), np.float32),  # float32 with int64 stays float32
]


@pytest.mark.parametrize(("left", "right", "expected"), PROMOTIONS)
def test_binary_ops_promote_as_pytorch(left, right, expected):
    for op in (lambda a, b: a + b, lambda a, b: b * a, lambda a, b: a - b):
        assert op(left(), right()).dtype == expected
    assert tg.result_type(left(), right()) == expected


def test_integer_true_division_gives_the_default_float_dtype():
    assert (tg.Tensor([1, 2]) / 2).dtype == np.float32 and (tg.Tensor([1, 2]) / tg.Tensor([2, 4])).dtype == np.float32
    np.testing.assert_array_equal((tg.Tensor([1, 3]) / 2).data, [0.5, 1.5])
    try:
        tg.set_default_dtype(np.float64)
        assert (tg.Tensor([1, 2]) / 2).dtype == np.float64 and tg.ones(2).dtype == np.float64
        assert tg.Tensor([0.5]).dtype == np.float64
    finally:
        tg.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="floating dtype"):
        tg.set_default_dtype(np.int64)


def test_cat_and_where_promote_like_binary_ops():
    assert tg.cat([tg.ones(2), tg.Tensor([1, 2])]).dtype == np.float32
    assert tg.cat([tg.ones(2), tg.Tensor(np.ones(2))]).dtype == np.float64
    assert tg.where(np.array([True, False]), 1, tg.ones(2)).dtype == np.float32
    assert tg.stack([tg.Tensor([1, 2]), tg.ones(2)]).dtype == np.float32


def test_a_cast_for_promotion_keeps_the_gradient_in_the_leafs_dtype():
    x = tg.ones(2, requires_grad=True)
    (x * tg.Tensor(np.array([1.0, 2.0]))).sum().backward()  # float64 result
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])


def test_var_and_std_read_their_positional_arguments_as_pytorch_dim_unbiased_keepdim():
    """[1, 2, 3] has Σ(x − 2)² = 2: biased variance 2/3, unbiased 1 (closed forms)."""
    x = tg.Tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(x.var(1, False).data, [2 / 3, 2 / 3], rtol=1e-6)
    np.testing.assert_allclose(x.var(1, True).data, [1.0, 1.0], rtol=1e-6)
    assert x.var(1, False, True).shape == (2, 1) and x.std(1, True, True).shape == (2, 1)
    np.testing.assert_allclose(x.std(1, False).data, [np.sqrt(2 / 3)] * 2, rtol=1e-6)
    np.testing.assert_allclose(x.var(unbiased=False).data, 2 / 3, rtol=1e-6)
    with pytest.raises(TypeError, match="unbiased"):
        x.var(1, 1)  # numpy's second argument would be a dtype, PyTorch's a bool: neither guessed
    with pytest.raises(TypeError, match="not both"):
        x.var(1, unbiased=False, correction=0)


@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "log1p", "tanh", "sigmoid", "erf"])
def test_unary_math_of_integers_is_in_the_default_float_dtype(name):
    out = getattr(tg.Tensor([1, 2, 3]), name)()
    reference = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log1p": np.log1p, "tanh": np.tanh,
                 "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "erf": lambda a: np.array([math.erf(v) for v in a])}
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference[name](np.array([1.0, 2.0, 3.0])), rtol=1e-6)
