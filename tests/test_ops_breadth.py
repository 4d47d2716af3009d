"""Session 5's indexing, scan and reduction ops (scatter_reduce, index_put, masked_scatter, diag_embed, rot90, …):
forwards against loops written out in numpy from PyTorch's documentation, gradients against finite differences in
float64 (plain and create_graph=True), PyTorch itself when installed, and the errors for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from gradients import check_gradients
from optional_tools import require_module

import tinygrad_edu as tg

RNG = np.random.default_rng(5)
REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


def _torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


# ----------------------------------------------------------------------------------------------- scatter_reduce
def scatter_reduce_loop(a, dim, index, src, reduce, include_self):
    """PyTorch's documented definition, one src element at a time: the places each src element reaches collect
    it, then each place is reduced (with its own value when include_self)."""
    collected = {place: ([a[place]] if include_self else []) for place in np.ndindex(a.shape)}
    for position in np.ndindex(index.shape):
        place = list(position)
        place[dim] = index[position]
        collected[tuple(place)].append(src[position])
    out = a.copy()
    for place, values in collected.items():
        if not values:
            continue
        values = np.array(values)
        if reduce == "mean":
            out[place] = values.sum() // len(values) if a.dtype.kind in "iu" else values.sum() / len(values)
        else:
            out[place] = {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min}[reduce](values)
    return out


SCATTER_CASES = [  # (a's shape, dim, index, src's shape)
    ((3, 5), 1, RNG.integers(0, 5, (3, 4)), (3, 4)),
    ((4, 3), 0, RNG.integers(0, 4, (6, 2)), (7, 3)),  # index smaller than src: only its part is scattered
    ((2, 3, 4), 2, RNG.integers(0, 4, (2, 2, 9)), (2, 3, 9)),
    ((5,), 0, np.array([1, 1, 1, 3]), (4,)),
]


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("case", range(len(SCATTER_CASES)))
def test_scatter_reduce_forward_matches_the_documented_loop(reduce, include_self, case):
    shape, dim, index, src_shape = SCATTER_CASES[case]
    for a, src in [(RNG.standard_normal(shape), RNG.standard_normal(src_shape)),
                   (RNG.integers(-5, 6, shape), RNG.integers(-5, 6, src_shape))]:
        got = tg.tensor(a).scatter_reduce(dim, tg.tensor(index), tg.tensor(src), reduce, include_self=include_self)
        assert got.dtype == a.dtype
        np.testing.assert_allclose(got.data, scatter_reduce_loop(a, dim, index, src, reduce, include_self),
                                   rtol=1e-12, atol=0)


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients_match_finite_differences(reduce, include_self):
    index = np.array([[0, 2, 2, 0, 4], [1, 1, 3, 1, 1]])
    a = RNG.permutation(10).reshape(2, 5) / 3.0 - 1.5  # distinct values: amax and amin are smooth here
    src = RNG.permutation(10).reshape(2, 5) / 7.0 - 0.6
    if reduce == "prod":
        src[0, 1] = 0.0  # a zero among the factors: the product's gradient is exact there
    check_gradients(lambda x, s: x.scatter_reduce(1, index, s, reduce, include_self=include_self), a, src)


def test_scatter_reduce_splits_tied_extrema_evenly():
    """amax's gradient at a tie: shared evenly among the values equal to the result (self and src), as PyTorch's
    amax."""
    a = tg.tensor([3.0, 0.0, 1.0], requires_grad=True)
    src = tg.tensor([3.0, 1.0, 3.0, 2.0], requires_grad=True)
    a.scatter_reduce(0, tg.tensor([0, 0, 0, 2]), src, "amax").sum().backward()
    np.testing.assert_allclose(a.grad.data, [1 / 3, 1, 0])
    np.testing.assert_allclose(src.grad.data, [1 / 3, 0, 1 / 3, 1])


def test_scatter_reduce_without_self_shares_the_tie_among_the_src_values_alone():
    """With include_self=False the tensor's own value takes no part, so two tied src values get half each (the
    gradient sums to 1). PyTorch 2.13 still counts the excluded value when it equals the result and gives a third
    each — a gradient that sums to 2/3; we keep the split among the values that were reduced."""
    a = tg.tensor([3.0, 0.0], requires_grad=True)
    src = tg.tensor([3.0, 1.0, 3.0], requires_grad=True)
    a.scatter_reduce(0, tg.tensor([0, 0, 0]), src, "amax", include_self=False).sum().backward()
    np.testing.assert_allclose(src.grad.data, [0.5, 0, 0.5])
    np.testing.assert_allclose(a.grad.data, [0, 1])


def test_scatter_reduce_in_place_follows_the_in_place_rules():
    x = tg.zeros(2, 3)
    assert x.scatter_reduce_(1, tg.tensor([[2, 2]]), tg.tensor([[5.0, -1.0]]), "amin") is x
    np.testing.assert_array_equal(x.data, [[0, 0, -1], [0, 0, 0]])
    leaf = tg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.scatter_reduce_(0, tg.tensor([0]), tg.tensor([1.0]), "sum")
    src = tg.tensor([2.0, 4.0], requires_grad=True)
    y = tg.ones(3) * 1.0
    y.scatter_reduce_(0, tg.tensor([1, 1]), src, "prod")
    y.sum().backward()
    np.testing.assert_allclose(src.grad.data, [4.0, 2.0])


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda x: x.scatter_reduce(0, tg.tensor([0]), tg.tensor([1.0]), "max"), ValueError, "reduce must be one of"),
    (lambda x: x.scatter_reduce(0, tg.tensor([0.0]), tg.tensor([1.0]), "sum"), TypeError, "integers"),
    (lambda x: x.scatter_reduce(0, tg.tensor([4]), tg.tensor([1.0]), "sum"), IndexError, "out of bounds"),
    (lambda x: x.scatter_reduce(0, tg.tensor([-1]), tg.tensor([1.0]), "sum"), IndexError, "out of bounds"),
    (lambda x: x.scatter_reduce(1, tg.tensor([0]), tg.tensor([1.0]), "sum"), IndexError, "axis 1"),
    (lambda x: x.scatter_reduce(0, tg.tensor([0]), tg.ones(1, 1), "sum"), ValueError, "src has 2"),
    (lambda x: x.scatter_reduce(0, tg.tensor([0, 1]), tg.tensor([1.0]), "sum"), ValueError, "larger than src"),
    (lambda x: x[0].scatter_reduce(0, tg.tensor(0), tg.tensor(1.0), "sum"), ValueError, "at least one dimension"),
])
def test_scatter_reduce_refuses_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(tg.zeros(4))


# ----------------------------------------------------------------------------------------------- index_put
def test_index_put_puts_or_accumulates_as_numpy():
    a = RNG.standard_normal((4, 5))
    rows, cols = np.array([0, 3, 0, -1]), np.array([1, 2, 1, 4])
    values = RNG.standard_normal(4)
    accumulated = a.copy()
    np.add.at(accumulated, (rows, cols), values)
    got = tg.tensor(a).index_put((tg.tensor(rows), tg.tensor(cols)), tg.tensor(values), accumulate=True)
    np.testing.assert_allclose(got.data, accumulated, rtol=1e-15)
    put = a.copy()
    put[rows[1:], cols[1:]] = values[1:]
    got = tg.index_put(tg.tensor(a), (tg.tensor(rows[1:]), tg.tensor(cols[1:])), tg.tensor(values[1:]))
    np.testing.assert_array_equal(got.data, put)
    mask = a > 0  # a bool index and a broadcast value, as x[mask] = 7
    expected = a.copy()
    expected[mask] = 7.0
    np.testing.assert_array_equal(tg.tensor(a).index_put((tg.tensor(mask),), tg.tensor(7.0)).data, expected)
    expected = a.copy()
    expected[np.array([2, 0])] = np.arange(5.0)  # fewer index tensors than axes: whole rows
    np.testing.assert_array_equal(tg.tensor(a).index_put((tg.tensor([2, 0]),), tg.arange(5.0)).data, expected)


@pytest.mark.parametrize("accumulate", [True, False])
def test_index_put_gradients_match_finite_differences(accumulate):
    rows, cols = np.array([0, 3, 2, 0]), np.array([1, 2, 1, 1] if accumulate else [1, 2, 1, 4])
    check_gradients(lambda x, v: x.index_put((tg.tensor(rows), tg.tensor(cols)), v, accumulate=accumulate),
                    RNG.standard_normal((4, 5)), RNG.standard_normal(4))
    check_gradients(lambda x, v: x.index_put((tg.tensor([1, 3]),), v, accumulate=accumulate),
                    RNG.standard_normal((4, 3)), RNG.standard_normal(3))  # one row broadcast over two


def test_index_put_in_place_is_recorded_like_setitem():
    values = tg.tensor([2.0, 3.0], requires_grad=True)
    base = tg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    x = base * 2
    assert x.index_put_((tg.tensor([0, 0]),), values, accumulate=True) is x
    np.testing.assert_array_equal(x.data, [7, 2, 2])
    (x * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(values.grad.data, [1, 1])
    np.testing.assert_array_equal(base.grad.data, [2, 20, 200])
    leaf = tg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.index_put_((tg.tensor([0]),), tg.tensor(1.0))


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda x: x.index_put(tg.tensor([0]), tg.tensor(1.0)), TypeError, "tuple of tensors"),
    (lambda x: x.index_put(([0],), tg.tensor(1.0)), TypeError, "tuple of tensors"),
    (lambda x: x.index_put((tg.tensor([0.5]),), tg.tensor(1.0)), IndexError, "integers or bools"),
    (lambda x: x.index_put((tg.tensor([3]),), tg.tensor(1.0)), IndexError, "index_put: .*out of bounds"),
    (lambda x: x.index_put((tg.tensor([0, 1]),), tg.ones(3, 3)), ValueError, "can't be broadcast"),
])
def test_index_put_refuses_bad_arguments(call, error, match):
    x = tg.zeros(3, 2)
    with pytest.raises(error, match=match):
        call(x)
    np.testing.assert_array_equal(x.data, 0)


# ----------------------------------------------------------------------------------------------- masked_scatter
def test_masked_scatter_writes_source_in_order_where_the_mask_is_true():
    a = RNG.standard_normal((3, 4))
    mask = RNG.random((3, 4)) < 0.5
    source = RNG.standard_normal(20)
    expected = a.copy()
    expected[mask] = source[:mask.sum()]  # numpy's boolean assignment takes the values in row-major order
    np.testing.assert_array_equal(tg.tensor(a).masked_scatter(tg.tensor(mask), tg.tensor(source)).data, expected)
    row = np.array([True, False, False, True])  # a mask broadcast over the rows
    expected = a.copy()
    expected[np.broadcast_to(row, a.shape)] = source[:6]
    np.testing.assert_array_equal(tg.masked_scatter(tg.tensor(a), tg.tensor(row), tg.tensor(source)).data, expected)
    check_gradients(lambda x, s: x.masked_scatter(tg.tensor(mask), s), a, source.reshape(4, 5))


def test_masked_scatter_refuses_bad_arguments():
    x = tg.zeros(2, 3)
    with pytest.raises(TypeError, match="bool"):
        x.masked_scatter(tg.tensor([1, 0, 1]), tg.ones(3))
    with pytest.raises(ValueError, match="selects 6 elements, source has only 5"):
        x.masked_scatter(tg.ones(2, 3, dtype=tg.bool), tg.ones(5))
    with pytest.raises(TypeError, match="dtype"):
        x.masked_scatter(tg.ones(3, dtype=tg.bool), tg.ones(6, dtype=tg.float64))
    with pytest.raises(ValueError, match="broadcast"):
        x.masked_scatter(tg.ones(2, dtype=tg.bool), tg.ones(6))
    y = tg.zeros(4)
    y.masked_scatter_(tg.tensor([False, True, True, False]), tg.tensor([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(y.data, [0, 5, 6, 0])


# ----------------------------------------------------------------------------------------------- diag_embed, rot90
def diag_embed_loop(a, offset, dim1, dim2):
    n = a.shape[-1] + abs(offset)
    out = np.zeros((*a.shape[:-1], n, n))
    for i in range(a.shape[-1]):
        out[..., i + max(-offset, 0), i + max(offset, 0)] = a[..., i]
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


@pytest.mark.parametrize(("shape", "offset", "dim1", "dim2"), [
    ((4,), 0, -2, -1), ((2, 3), 1, 0, 2), ((2, 3), -2, 2, 0), ((2, 3, 2), 0, 1, 3), ((3,), -1, 1, 0),
])
def test_diag_embed_matches_the_loop_and_finite_differences(shape, offset, dim1, dim2):
    a = RNG.standard_normal(shape)
    a[..., 0] = np.inf  # an infinity on the diagonal leaves zeros elsewhere (no 0·inf)
    np.testing.assert_array_equal(tg.tensor(a).diag_embed(offset, dim1, dim2).data,
                                  diag_embed_loop(a, offset, dim1, dim2))
    check_gradients(lambda x: tg.diag_embed(x, offset, dim1, dim2), RNG.standard_normal(shape))


def test_diag_embed_refuses_bad_dims():
    with pytest.raises(ValueError, match="same axis"):
        tg.ones(3).diag_embed(0, 1, -1)
    with pytest.raises(IndexError, match="diag_embed: axis 2"):
        tg.ones(3).diag_embed(0, 0, 2)


@pytest.mark.parametrize("k", range(-5, 6))
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (2, 0), (-1, 1)])
def test_rot90_matches_numpy_and_finite_differences(k, dims):
    a = RNG.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(tg.tensor(a).rot90(k, dims).data, np.rot90(a, k, dims))
    if k in (1, 2, 3):
        check_gradients(lambda x: tg.rot90(x, k, dims), a)


def test_rot90_returns_new_memory_and_refuses_bad_dims():
    x = tg.ones(2, 2)
    x.rot90(4)[0, 0] = 5.0
    assert x[0, 0].item() == 1.0
    for dims, error in [((0,), ValueError), ((0, 0), ValueError), ((0, 2), IndexError)]:
        with pytest.raises(error, match="rot90"):
            x.rot90(1, dims)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tg.ones(3).rot90()


# ----------------------------------------------------------------------------------------------- against PyTorch
def _scatter_reduce_call(reduce, include_self):
    return lambda x, src: x.scatter_reduce(1, _index(x, [[0, 2, 2, 0], [1, 1, 3, 1]]), src, reduce,
                                           include_self=include_self)


TORCH_CASES = [  # (name, call on either framework's tensors, inputs): ties only where PyTorch's rule is ours
    *[(f"scatter_reduce {r} include_self={s}",
       _scatter_reduce_call(r, s),
       [RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))]) for r in REDUCTIONS for s in (True, False)],
    ("scatter_reduce amax ties", lambda x, src: x.scatter_reduce(0, _index(x, [0, 0, 1, 1]), src, "amax"),
     [np.array([2.0, 1.0, 0.5]), np.array([2.0, 2.0, 1.0, -1.0])]),
    ("scatter_reduce prod zeros", lambda x, src: x.scatter_reduce(0, _index(x, [0, 0, 1, 2]), src, "prod"),
     [np.array([2.0, 0.0, 0.5]), np.array([0.0, 3.0, 0.0, -1.0])]),
    ("index_put accumulate", lambda x, v: x.index_put((_index(x, [0, 2, 0]), _index(x, [1, 1, 1])), v, True),
     [RNG.standard_normal((3, 2)), RNG.standard_normal(3)]),
    ("index_put rows", lambda x, v: x.index_put((_index(x, [2, 0]),), v), [RNG.standard_normal((3, 2)),
                                                                        RNG.standard_normal(2)]),
    ("masked_scatter", lambda x, s: x.masked_scatter(_index(x, [[True, False, True], [False, True, True]]), s),
     [RNG.standard_normal((2, 3)), RNG.standard_normal(7)]),
    ("diag_embed", lambda x: x.diag_embed(1, 0, 2), [RNG.standard_normal((2, 3))]),
    ("rot90", lambda x: x.rot90(3, (2, 0)), [RNG.standard_normal((2, 3, 4))]),
]


def _index(like, values):
    """``values`` as a tensor of ``like``'s framework (integers stay int64, bools bool)."""
    return _torch().tensor(values) if type(like).__module__.startswith("torch") else tg.tensor(values)


@pytest.mark.parametrize(("name", "call", "inputs"), TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_forward_and_gradients_match_pytorch(name, call, inputs):
    torch = _torch()
    here = [tg.Tensor(x, requires_grad=True) for x in inputs]
    there = [torch.tensor(x, requires_grad=True) for x in inputs]
    ours, theirs = call(*here), call(*there)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=name)
    weights = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * tg.Tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for k, (a, b) in enumerate(zip(here, there)):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"{name}: {k}")


def test_integer_scatter_reduce_matches_pytorch():
    torch = _torch()
    a, src, index = np.array([[1, -2, 3, 4]]), np.array([[5, -6, 3, 3, 1]]), np.array([[0, 0, 1, 1, 3]])
    for reduce in REDUCTIONS:
        for include_self in (True, False):
            ours = tg.tensor(a).scatter_reduce(1, tg.tensor(index), tg.tensor(src), reduce, include_self=include_self)
            theirs = torch.tensor(a).scatter_reduce(1, torch.tensor(index), torch.tensor(src), reduce,
                                                    include_self=include_self)
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
            np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=f"{reduce} {include_self}")
