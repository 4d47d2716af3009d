"""Reductions and scans (issue 14): forwards against numpy or a plain Python loop, gradients against finite
differences (plain and create_graph), second derivatives, zeros in products, ties and NaNs as PyTorch treats them."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
from gradients import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import tinygrad_edu as tg

NAN, INF = float("nan"), float("inf")
SETTINGS = settings(max_examples=15, deadline=None)
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def check_second_derivatives(op, *arrays):
    assert tg.gradgradcheck(op, [tg.Tensor(np.asarray(a, float), requires_grad=True) for a in arrays],
                            atol=1e-6, rtol=1e-4)


def axes_of(data, ndim: int):
    return data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                               st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)))


# ----------------------------------------------------------------------------------------------- prod
@SETTINGS
@given(shape=shapes, data=st.data(), keep=st.booleans())
def test_prod_over_any_axes_with_and_without_zeros(shape, data, keep):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1)))
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)
    zeros = data.draw(st.integers(0, 2))
    x.reshape(-1)[rng.choice(x.size, min(zeros, x.size), replace=False)] = 0.0
    axes = axes_of(data, len(shape))
    np.testing.assert_allclose(tg.Tensor(x).prod(axis=axes, keepdims=keep).data, np.prod(x, axis=axes, keepdims=keep),
                               rtol=1e-13)
    check_gradients(lambda t: t.prod(axis=axes, keepdims=keep), x)
    check_second_derivatives(lambda t: t.prod(axis=axes, keepdims=keep), x)


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = tg.Tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0, 24, 0, 0]  # only the zero's neighbours-product survives
    y = tg.Tensor([0.0, 2.0, 0.0], requires_grad=True)
    y.prod().backward(create_graph=True)
    assert y.grad.tolist() == [0, 0, 0]
    # ∂²(a·b·c)/∂a∂c = b = 2 even though every first derivative is 0 (two zeros): the zeros' products are kept
    h = tg.hessian(lambda t: t.prod())(tg.Tensor([0.0, 2.0, 0.0]))
    np.testing.assert_array_equal(h.data, [[0, 0, 2], [0, 0, 0], [2, 0, 0]])


def test_prod_of_integers_and_bools_is_int64_and_empty_products_are_one():
    assert tg.Tensor(np.array([3, 4], np.uint8)).prod().dtype == np.int64
    assert tg.Tensor(np.array([200, 200], np.uint8)).prod().item() == 40000
    assert tg.Tensor([True, True]).prod().item() == 1
    assert tg.Tensor(np.zeros((2, 0))).prod(dim=1).tolist() == [1.0, 1.0]
    empty_rows = tg.Tensor(np.zeros((0, 3)))
    assert empty_rows.prod(dim=1).shape == (0,) and empty_rows.prod(0).tolist() == [1] * 3
    assert tg.prod(tg.Tensor([1.0, 2.0]), dtype=tg.float64).dtype == np.float64


# ----------------------------------------------------------------------------------------------- logsumexp
@SETTINGS
@given(shape=shapes, data=st.data())
def test_logsumexp_matches_the_definition_and_its_gradient_is_softmax(shape, data):
    x = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1))).standard_normal(shape) * 3
    axes = axes_of(data, len(shape))
    np.testing.assert_allclose(tg.Tensor(x).logsumexp(axes).data, np.log(np.sum(np.exp(x), axis=axes)), rtol=1e-12)
    check_gradients(lambda t: t.logsumexp(dim=axes, keepdim=True), x)
    check_second_derivatives(lambda t: t.logsumexp(axes), x)


def test_logsumexp_is_finite_for_large_values_and_minus_inf_for_an_all_minus_inf_slice():
    assert tg.Tensor([1000.0, 1000.0]).logsumexp().item() == pytest.approx(1000 + math.log(2))
    assert tg.Tensor([[-INF, -INF], [0.0, -INF]]).logsumexp(1).tolist() == [-INF, 0.0]
    assert tg.Tensor([INF, 1.0]).logsumexp().item() == INF
    assert tg.Tensor(np.zeros(0)).logsumexp().item() == -INF
    assert tg.Tensor([1, 2]).logsumexp().dtype == np.float32


# ----------------------------------------------------------------------------------------------- norms
@pytest.mark.parametrize("p", [1, 2, 3, 0.5, -1, INF, -INF])
def test_vector_norms_against_numpy_and_finite_differences(p):
    x = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(tg.linalg.vector_norm(tg.Tensor(x), p).data, np.linalg.norm(x.reshape(-1), p),
                               rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.vector_norm(tg.Tensor(x), p, dim=1).data, np.linalg.norm(x, p, axis=1),
                               rtol=1e-12)
    check_gradients(lambda t: tg.linalg.vector_norm(t, p, dim=1, keepdim=True), x)
    if abs(p) != INF:
        check_second_derivatives(lambda t: tg.linalg.vector_norm(t, p, dim=0), x)


def test_norms_at_zero_and_with_ties_follow_pytorch():
    for p, values, expected in [(2, [0.0, 0.0], [0, 0]), (3, [0.0, 0.0], [0, 0]), (1, [0.0, 1.0], [0, 1]),
                                (0.5, [0.0, 1.0], [0, 1]), (INF, [1.0, -1.0, 0.5], [0.5, -0.5, 0]),
                                (-INF, [2.0, -1.0, 1.0], [0, -0.5, 0.5])]:
        x = tg.Tensor(np.array(values), requires_grad=True)
        tg.linalg.vector_norm(x, p).backward()
        np.testing.assert_allclose(x.grad.data, expected, err_msg=f"p={p}")
    assert tg.linalg.vector_norm(tg.Tensor([0.0, 3.0, -2.0]), 0).item() == 2
    assert tg.linalg.vector_norm(tg.Tensor(np.array([1e200, 1e200])), 3).item() == pytest.approx(1e200 * 2 ** (1 / 3))
    assert tg.linalg.vector_norm(tg.Tensor(np.array([300.0, 400.0], np.float16))).item() == 500  # not inf
    with pytest.raises(TypeError, match="floating-point"):
        tg.linalg.vector_norm(tg.Tensor([3, 4]))


def test_tensor_norm_and_linalg_norm_and_matrix_norms():
    a = np.array([[1.0, -2.0], [3.0, 4.0]])
    t = tg.Tensor(a)
    assert t.norm().item() == pytest.approx(np.linalg.norm(a))
    assert t.norm(p=1).item() == 10 and t.norm(dim=1).tolist() == pytest.approx(np.linalg.norm(a, axis=1).tolist())
    for ord in ("fro", 1, -1, INF, -INF):
        assert tg.linalg.matrix_norm(t, ord).item() == pytest.approx(np.linalg.norm(a, ord)), ord
        assert tg.linalg.norm(t, ord).item() == pytest.approx(np.linalg.norm(a, ord)), ord
        check_gradients(lambda m, o=ord: tg.linalg.matrix_norm(m, o), a + np.array([[0.0, 0.1], [0.2, 0.3]]))
    assert tg.linalg.norm(t).item() == pytest.approx(np.linalg.norm(a))
    assert tg.linalg.norm(tg.Tensor(np.ones((2, 2, 2))), dim=(1, 2)).tolist() == [2.0, 2.0]
    for ord in ("nuc", 2, -2):  # from the singular values (tests/test_linalg_decompositions.py)
        assert tg.linalg.matrix_norm(t, ord).item() == pytest.approx(np.linalg.norm(a, ord)), ord
    with pytest.raises(NotImplementedError, match=r"tg\.linalg\.matrix_norm"):
        t.norm(p="nuc")


def test_std_mean_and_var_mean():
    x = np.array([[1.0, 2.0, 4.0], [3.0, 3.5, 8.0]])
    std, mean = tg.std_mean(tg.Tensor(x), dim=1)
    np.testing.assert_allclose(std.data, np.std(x, axis=1, ddof=1))
    np.testing.assert_allclose(mean.data, x.mean(axis=1))
    var, mean = tg.var_mean(tg.Tensor(x), correction=0)
    assert var.item() == pytest.approx(np.var(x)) and mean.item() == pytest.approx(x.mean())
    assert tg.var_mean(tg.Tensor(x), unbiased=False)[0].item() == pytest.approx(np.var(x))


# ----------------------------------------------------------------------------------------------- scans
@SETTINGS
@given(shape=shapes, data=st.data())
def test_cumsum_and_cumprod_along_an_axis_with_zeros(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1)))
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)
    if data.draw(st.booleans()):
        x.reshape(-1)[rng.integers(x.size)] = 0.0
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    np.testing.assert_allclose(tg.Tensor(x).cumsum(axis).data, np.cumsum(x, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(tg.Tensor(x).cumprod(dim=axis).data, np.cumprod(x, axis=axis), rtol=1e-13)
    check_gradients(lambda t: t.cumsum(axis), x)
    check_gradients(lambda t: t.cumprod(axis), x)
    check_second_derivatives(lambda t: t.cumprod(axis), x)


def test_cumprod_gradient_with_zeros_matches_pytorchs_closed_form():
    x = tg.Tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.cumprod(0).sum().backward()
    assert x.grad.tolist() == [1, 8, 0]  # ∂/∂a₀ = 1 + a₁ + a₁a₂, ∂/∂a₁ = a₀ + a₀a₂, ∂/∂a₂ = a₀a₁
    h = tg.hessian(lambda t: t.cumprod(0).sum())(tg.Tensor([2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(h.data, [[0, 4, 0], [4, 0, 2], [0, 2, 0]])  # 1 + a₂, a₀ off the diagonal


def test_scans_flatten_without_an_axis_and_promote_integers_to_int64():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    assert x.cumsum().tolist() == np.cumsum(np.arange(6.0)).tolist()
    for dtype in (np.uint8, np.int8, np.int32, np.bool_):
        assert tg.Tensor(np.array([1, 1], dtype=dtype)).cumsum(0).dtype == np.int64
        assert tg.Tensor(np.array([1, 1], dtype=dtype)).cumprod(0).dtype == np.int64
    assert tg.Tensor(np.array([200, 100], np.uint8)).cumsum(0).tolist() == [200, 300]
    assert tg.Tensor(3.0).cumsum(0).item() == 3.0 and tg.Tensor([1.0, 2.0]).cumsum(0, dtype=tg.float64).dtype == "f8"


def running_extremum(values, better):
    """The running extremum and the index it was found at, by a plain loop (ties: the latest; NaN propagates)."""
    out, where, best, at = [], [], None, None
    for i, v in enumerate(values):
        if best is None or math.isnan(v) or (not math.isnan(best) and (v == best or better(v, best))):
            best, at = v, i
        out.append(best)
        where.append(at)
    return out, where


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_and_cummin_against_a_loop_with_ties_and_nans(name):
    better = (lambda a, b: a > b) if name == "cummax" else (lambda a, b: a < b)
    for values in ([1.0, 1.0, 0.0, 2.0], [1.0, NAN, 3.0, NAN, 0.0], [3.0, 1.0, 2.0, 1.0, 5.0, 0.0]):
        result = getattr(tg.Tensor(values), name)(0)
        expected_values, expected_indices = running_extremum(values, better)
        np.testing.assert_array_equal(result.values.data, expected_values)
        assert result.indices.tolist() == expected_indices and result.indices.dtype == np.int64
    x = tg.Tensor(np.array([[1.0, 3.0, 2.0], [0.5, 0.1, 0.7]]), requires_grad=True)
    getattr(x, name)(dim=1).values.sum().backward()
    indices = getattr(tg.Tensor(x.data), name)(1).indices.data
    expected = np.zeros((2, 3))
    for row in range(2):
        np.add.at(expected[row], indices[row], 1.0)
    np.testing.assert_array_equal(x.grad.data, expected)  # each running value's gradient goes to its index


# ----------------------------------------------------------------------------------------------- order statistics
def test_median_is_the_lower_median_and_ties_share_the_gradient():
    values = [3.0, 1.0, 2.0, 4.0]
    assert tg.Tensor(values).median().item() == sorted(values)[(len(values) - 1) // 2]
    x = tg.Tensor([1.0, 2.0, 1.0, 1.0], requires_grad=True)
    x.median().backward()
    np.testing.assert_allclose(x.grad.data, [1 / 3, 0, 1 / 3, 1 / 3])
    y = tg.Tensor([1.0, NAN, 2.0], requires_grad=True)
    y.median().backward()
    assert np.isnan(y.median().item()) and y.grad.tolist() == [0, 1, 0]
    assert np.isnan(tg.Tensor(np.zeros(0)).median().item())


def test_median_along_an_axis_returns_values_and_indices_of_a_stable_sort():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (4, 5)).astype(float)
    values, indices = tg.Tensor(x).median(dim=1)
    order = np.argsort(x, axis=1, kind="stable")[:, (5 - 1) // 2]
    np.testing.assert_array_equal(indices.data, order)
    np.testing.assert_array_equal(values.data, x[np.arange(4), order])
    values, indices = tg.Tensor([[1.0, NAN, 2.0, NAN]]).median(1, keepdim=True)
    assert np.isnan(values.item()) and indices.tolist() == [[1]]  # the first NaN, as PyTorch
    check_gradients(lambda t: t.median(0).values, rng.permutation(12).reshape(3, 4) / 7.0)


def test_kthvalue_and_mode_against_python():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, (5, 6)).astype(float)
    for k in (1, 3, 6):
        values, indices = tg.Tensor(x).kthvalue(k, 1)
        np.testing.assert_array_equal(values.data, np.sort(x, axis=1)[:, k - 1])
        np.testing.assert_array_equal(x[np.arange(5), indices.data], values.data)
    values, indices = tg.Tensor(x).mode(1)
    for row, value, index in zip(x, values.data, indices.data):
        counts = collections.Counter(row.tolist())
        top = max(counts.values())
        assert value == min(v for v, c in counts.items() if c == top)  # the smallest of the most frequent
        assert index == max(i for i, v in enumerate(row) if v == value)  # its last occurrence, as PyTorch
    check_gradients(lambda t: t.mode(0).values, rng.permutation(12).reshape(3, 4) / 7.0)  # distinct: the minimum
    with pytest.raises(IndexError, match="out of range"):
        tg.Tensor([1.0, 2.0]).kthvalue(3)


def test_count_nonzero():
    x = np.array([[0, 1, 2], [0, 0, 3]])
    assert tg.Tensor(x).count_nonzero().item() == 3
    assert tg.count_nonzero(tg.Tensor(x), dim=0).tolist() == [0, 1, 2]
    assert tg.Tensor(x).count_nonzero(axis=(0, 1)).dtype == np.int64


@pytest.mark.parametrize(("name", "call"), [
    ("prod", lambda t: t.prod(dim=1, keepdim=True)), ("logsumexp", lambda t: t.logsumexp(dim=1, keepdim=True)),
    ("cumsum", lambda t: t.cumsum(dim=1)), ("cumprod", lambda t: t.cumprod(dim=1)),
    ("norm", lambda t: t.norm(dim=1, keepdim=True))])
def test_dim_and_axis_spellings_agree(name, call):
    x = tg.Tensor(np.arange(1.0, 7.0).reshape(2, 3))
    numpy_spelling = {"prod": lambda t: t.prod(axis=1, keepdims=True),
                      "logsumexp": lambda t: t.logsumexp(axis=1, keepdims=True),
                      "cumsum": lambda t: t.cumsum(axis=1), "cumprod": lambda t: t.cumprod(axis=1),
                      "norm": lambda t: t.norm(axis=1, keepdims=True)}[name]
    np.testing.assert_array_equal(call(x).data, numpy_spelling(x).data)
    with pytest.raises(TypeError, match="not both"):
        getattr(x, name)(axis=0, dim=0)


def test_every_reduction_refuses_an_axis_out_of_range():
    x = tg.Tensor(np.ones((2, 3)))
    for call in (lambda: x.prod(2), lambda: x.logsumexp(-3), lambda: x.cumsum(2), lambda: x.cummax(5),
                 lambda: x.median(2), lambda: x.mode(2), lambda: x.count_nonzero(3)):
        with pytest.raises(IndexError, match="out of range"):
            call()
