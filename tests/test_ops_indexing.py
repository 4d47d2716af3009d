"""Indexing and gathering (issue 14): forwards against plain loops and numpy, gradients against finite differences
(plain and create_graph), PyTorch's rules for bounds, repeated indices, broadcasting and ties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from gradients import check_gradients

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F  # noqa: N812

NAN = float("nan")
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))


def test_gather_is_the_loop_in_pytorchs_docs():
    for dim in range(3):
        shape = list(X.shape)
        shape[dim] = 6
        shape = [n if i == dim else n - 1 for i, n in enumerate(shape)]  # smaller than the input elsewhere
        index = RNG.integers(0, X.shape[dim], shape)
        expected = np.empty(shape)
        for position in itertools.product(*map(range, shape)):
            source = list(position)
            source[dim] = index[position]
            expected[position] = X[tuple(source)]
        np.testing.assert_array_equal(tg.Tensor(X).gather(dim, tg.Tensor(index)).data, expected)
        check_gradients(lambda t, d=dim, i=index: t.gather(d, i), X)  # repeated indices add up


def test_take_along_dim_broadcasts_and_flattens():
    x = np.arange(6.0).reshape(2, 3)
    assert tg.Tensor(x).take_along_dim(tg.Tensor([[0], [2]]), 1).tolist() == [[0], [5]]
    assert tg.Tensor(x).take_along_dim(tg.Tensor([[0, 2]]), dim=1).tolist() == [[0, 2], [3, 5]]
    assert tg.Tensor(x).take_along_dim(tg.Tensor([5, 0])).tolist() == [5, 0]
    np.testing.assert_array_equal(tg.Tensor(x).take_along_axis(tg.Tensor([[1], [0]]), axis=1).data,
                                  np.take_along_axis(x, np.array([[1], [0]]), axis=1))
    check_gradients(lambda t: t.take_along_dim(tg.Tensor([[0, 2, 2]]), 1), x)


def test_index_select():
    index = np.array([3, 0, 3])
    np.testing.assert_array_equal(tg.Tensor(X).index_select(1, tg.Tensor(index)).data, X[:, index])
    np.testing.assert_array_equal(tg.index_select(tg.Tensor(X), -1, index).data, X[..., index])
    check_gradients(lambda t: t.index_select(1, index), X)


def test_negative_or_out_of_range_indices_are_refused_as_pytorch():
    x = tg.Tensor([1.0, 2.0, 3.0])
    for call in (lambda: x.gather(0, tg.Tensor([-1])), lambda: x.index_select(0, tg.Tensor([3])),
                 lambda: x.take_along_dim(tg.Tensor([-1])), lambda: x.scatter(0, tg.Tensor([5]), value=1.0)):
        with pytest.raises(IndexError, match="out of bounds"):
            call()
    with pytest.raises(TypeError, match="index must hold integers"):
        x.gather(0, tg.Tensor([0.0]))
    with pytest.raises(ValueError, match="larger than the tensor"):
        tg.Tensor(np.ones((2, 2))).gather(0, tg.Tensor(np.zeros((2, 3), np.int64)))


def test_scatter_add_adds_repeated_indices_and_passes_gradients():
    base, src = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 4))
    index = np.array([[0, 1, 2, 0], [0, 0, 2, 1]])
    expected = base.copy()
    for i, j in itertools.product(range(2), range(4)):
        expected[index[i, j], j] += src[i, j]
    np.testing.assert_allclose(tg.Tensor(base).scatter_add(0, tg.Tensor(index), tg.Tensor(src)).data, expected)
    check_gradients(lambda b, s: b.scatter_add(0, index, s), base, src)


def test_scatter_writes_the_last_of_repeated_indices_and_differentiates_that():
    base, src = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 4))
    index = np.array([[0, 1, 2, 0], [0, 0, 2, 1]])
    expected = base.copy()
    for i, j in itertools.product(range(2), range(4)):
        expected[index[i, j], j] = src[i, j]  # in order: a later write replaces an earlier one
    np.testing.assert_array_equal(tg.Tensor(base).scatter(0, tg.Tensor(index), tg.Tensor(src)).data, expected)
    check_gradients(lambda b, s: b.scatter(0, index, s), base, src)  # an overwritten element's gradient is 0
    assert tg.Tensor(np.zeros(3)).scatter(0, tg.Tensor([1, 1, 1]), tg.Tensor([1.0, 2.0, 3.0])).tolist() == [0, 3, 0]
    assert tg.Tensor(np.zeros((2, 2))).scatter(1, tg.Tensor([[1], [0]]), value=7.0).tolist() == [[0, 7], [7, 0]]
    with pytest.raises(TypeError, match="scatter_add"):
        tg.Tensor(np.zeros(3)).scatter(0, tg.Tensor([0]), tg.Tensor([1.0]), reduce="add")


def test_masked_fill_and_masked_select_broadcast_as_pytorch():
    x = np.arange(6.0).reshape(2, 3)
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(tg.Tensor(x).masked_fill(tg.Tensor(mask), -1.0).data, np.where(mask, -1.0, x))
    assert tg.Tensor(np.zeros(3)).masked_fill(tg.Tensor([[True, False, True]]), 1.0).shape == (1, 3)
    assert tg.Tensor([1, 2, 3]).masked_fill(tg.Tensor(mask), 1.7).tolist() == [1, 2, 1]  # the value cast
    np.testing.assert_array_equal(tg.Tensor(x).masked_select(tg.Tensor(mask)).data, x[np.broadcast_to(mask, x.shape)])
    check_gradients(lambda t: t.masked_fill(mask, 2.0), x)
    check_gradients(lambda t, v: t.masked_fill(mask, v), x, np.array(0.5))  # a 0-d value gets Σ over the mask
    check_gradients(lambda t: t.masked_select(mask), x)
    with pytest.raises(TypeError, match="bool"):
        tg.Tensor(x).masked_fill(tg.Tensor([1, 0, 1]), 0.0)


def test_nonzero_and_where_with_one_argument():
    x = np.array([[0, 1, 0], [2, 0, 3]])
    np.testing.assert_array_equal(tg.Tensor(x).nonzero().data, np.argwhere(x))
    assert tg.Tensor(x).nonzero().dtype == np.int64
    for ours, theirs in zip(tg.where(tg.Tensor(x) > 0), np.nonzero(x)):
        np.testing.assert_array_equal(ours.data, theirs)
    assert tg.Tensor(3.0).nonzero().shape == (1, 0) and tg.Tensor(0.0).nonzero().shape == (0, 0)
    assert [t.tolist() for t in tg.Tensor(3.0).nonzero(as_tuple=True)] == [[0]]
    with pytest.raises(TypeError, match="both input and other"):
        tg.where(tg.Tensor([True]), tg.Tensor([1.0]))


def test_one_hot():
    labels = tg.Tensor([2, 0, 1])
    np.testing.assert_array_equal(F.one_hot(labels).data, np.eye(3, dtype=np.int64)[[2, 0, 1]])
    assert F.one_hot(labels, 5).shape == (3, 5) and F.one_hot(labels).dtype == np.int64
    assert F.one_hot(tg.Tensor([[1], [0]]), 2).shape == (2, 1, 2)
    for bad, message in [([3], "smaller than num_classes"), ([-1], "non-negative")]:
        with pytest.raises(ValueError, match=message):
            F.one_hot(tg.Tensor(bad), 3)
    with pytest.raises(TypeError, match="int64"):
        F.one_hot(tg.Tensor(np.array([1], np.int32)))


def test_sort_argsort_and_topk_order_ties_and_nans_as_pytorch():
    values = [2.0, NAN, 1.0, 2.0, -np.inf, 1.0]
    ascending = tg.Tensor(values).sort()
    assert ascending.indices.tolist() == [4, 2, 5, 0, 3, 1]  # ties in their order, NaN last
    descending = tg.Tensor(values).sort(descending=True)
    assert descending.indices.tolist() == [1, 0, 3, 2, 5, 4]  # NaN first, ties still in their order
    assert tg.Tensor(values).argsort(descending=True).tolist() == descending.indices.tolist()
    top = tg.Tensor([1.0, 3.0, NAN, 2.0]).topk(2)
    assert top.indices.tolist() == [2, 1] and np.isnan(top.values.data[0])
    assert tg.Tensor([1.0, 3.0, 0.0, 2.0]).topk(3, largest=False).values.tolist() == [0, 1, 2]
    assert tg.Tensor([True, False]).sort().values.tolist() == [False, True]


def test_sort_and_topk_gradients_go_back_where_the_values_came_from():
    x = RNG.permutation(20).reshape(4, 5) / 3.0
    for dim in (0, 1, -1):
        np.testing.assert_array_equal(tg.Tensor(x).sort(dim).values.data, np.sort(x, axis=dim))
        np.testing.assert_array_equal(tg.Tensor(x).argsort(dim=dim).data, np.argsort(x, axis=dim))
        check_gradients(lambda t, d=dim: t.sort(d, descending=True).values, x)
        check_gradients(lambda t, d=dim: t.topk(2, d).values, x)
    with pytest.raises(IndexError, match="out of range"):
        tg.Tensor([1.0, 2.0]).topk(3)


def test_unique_counts_inverse_and_rows():
    x = np.array([3, 1, 2, 1, 3, 3])
    values, inverse, counts = tg.Tensor(x).unique(return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and counts.tolist() == [2, 1, 3]
    np.testing.assert_array_equal(values.data[inverse.data], x)
    rows = tg.unique(tg.Tensor([[1, 2], [1, 2], [3, 4]]), dim=0)
    assert rows.tolist() == [[1, 2], [3, 4]]
    assert np.isnan(tg.Tensor([NAN, 1.0, NAN]).unique().data).sum() == 2  # each NaN its own value, as PyTorch
    assert not tg.Tensor([1.0, 2.0], requires_grad=True).unique().requires_grad


def test_index_put_index_copy_and_put_send_the_gradient_to_every_repeated_write_as_pytorch():
    """Of repeated places the last write wins the value, and every write gets ∂C/∂z there (PyTorch's grad[index],
    as ``x[index] = v``); ∂C/∂a is 0 where anything was written."""
    weights = tg.tensor(np.arange(1.0, 13.0).reshape(3, 4))
    a = tg.zeros(3, 4, requires_grad=True)
    v = tg.tensor([10.0, 20.0, 30.0], requires_grad=True)
    z = a.index_put((tg.tensor([0, 0, 2]), tg.tensor([1, 1, 3])), v)
    (z * weights).sum().backward()
    assert z[0, 1].item() == 20.0 and z[2, 3].item() == 30.0
    assert v.grad.tolist() == [2.0, 2.0, 12.0]
    assert a.grad.numpy()[0, 1] == 0 and a.grad.numpy()[2, 3] == 0 and a.grad.sum().item() == 78.0 - 2 - 12
    s = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    (tg.zeros(3, 4).index_copy(1, tg.tensor([2, 2]), s) * weights).sum().backward()
    assert s.grad.tolist() == [[3.0, 3.0], [7.0, 7.0], [11.0, 11.0]]
    p = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (tg.zeros(3, 4).put(tg.tensor([0, 0, -1]), p) * weights).sum().backward()
    assert p.grad.tolist() == [1.0, 1.0, 12.0]


def test_index_select_of_a_0d_tensor_stays_0d_and_takes_one_index_as_pytorch():
    x = tg.tensor(2.0, requires_grad=True)
    picked = tg.index_select(x, 0, tg.tensor([0]))
    assert picked.shape == () and picked.item() == 2.0
    picked.backward()
    assert x.grad.item() == 1.0
    with pytest.raises(IndexError, match="a 0-d tensor takes one index, got 2"):
        tg.index_select(x, 0, tg.tensor([0, 0]))


def test_index_add_on_integers_refuses_a_fractional_alpha_as_add_does():
    """PyTorch truncates alpha here (2.5 → 2) but refuses it in add: one rule, the refusal."""
    with pytest.raises(TypeError, match=r"index_add: an integer result can.t be scaled by 2\.5"):
        tg.zeros(2, dtype=tg.long).index_add(0, tg.tensor([0, 0]), tg.tensor([3, 3]), alpha=2.5)
    assert tg.zeros(2, dtype=tg.long).index_add(0, tg.tensor([0, 0]), tg.tensor([3, 3]), alpha=2).tolist() == [12, 0]
