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
    (lambda x: x[0].scatter_reduce(0, tg.tensor(1), tg.tensor(1.0), "sum"), IndexError, "1 is out of bounds"),
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


# ----------------------------------------------------------------------------------------------- logcumsumexp
def logcumsumexp_loop(a, axis):
    """Each prefix's ln Σ e^x shifted by that prefix's own maximum (the textbook stable formula)."""
    moved = np.moveaxis(a, axis, -1)
    out = np.empty_like(moved)
    for k in range(moved.shape[-1]):
        top = moved[..., :k + 1].max(axis=-1, keepdims=True)
        out[..., k] = (top + np.log(np.exp(moved[..., :k + 1] - top).sum(axis=-1, keepdims=True)))[..., 0]
    return np.moveaxis(out, -1, axis)


def test_logcumsumexp_matches_the_prefix_formula_and_stays_finite_far_from_the_maximum():
    a = RNG.standard_normal((3, 6)) * 3
    for axis in (0, 1, -1):
        np.testing.assert_allclose(tg.tensor(a).logcumsumexp(axis).data, logcumsumexp_loop(a, axis), rtol=1e-13)
    far = np.array([-1000.0, 0.0, -2000.0, 1000.0])  # one shift per slice would give ln 0 = −inf at the start
    np.testing.assert_allclose(tg.logcumsumexp(tg.tensor(far), 0).data, [-1000.0, 0.0, 0.0, 1000.0], rtol=1e-15)
    assert tg.tensor(far, dtype=tg.float32).logcumsumexp(0).dtype == np.float32


def test_logcumsumexp_gradients_match_finite_differences_to_second_order():
    a = RNG.standard_normal((3, 5)) * 3
    check_gradients(lambda x: x.logcumsumexp(1), a)
    check_gradients(lambda x: x.logcumsumexp(0), a)
    direction = RNG.standard_normal(a.shape)

    def directional(values):  # the recorded first derivative, differentiated again below
        x = tg.tensor(values, requires_grad=True)
        (gradient,) = tg.autograd.grad((x.logcumsumexp(1) * tg.tensor(direction)).sum(), x, create_graph=True)
        return x, gradient

    x, gradient = directional(a)
    weights = RNG.standard_normal(a.shape)
    (second,) = tg.autograd.grad((gradient * tg.tensor(weights)).sum(), x)
    numeric = np.zeros_like(a)
    for place in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[place] = 1e-6
        up, down = (float((directional(a + s)[1].data * weights).sum()) for s in (step, -step))
        numeric[place] = (up - down) / 2e-6
    np.testing.assert_allclose(second.data, numeric, rtol=1e-5, atol=1e-7)


def test_logcumsumexp_at_minus_infinity_gives_each_prefix_gradient_to_its_last_element():
    """PyTorch gives NaN at −inf entries. The derivative of z₀ = a₀ is 1 whatever a₀ is, and a prefix of −infs
    hands its gradient to its last element, so each zₖ's gradient still sums to 1 over its prefix."""
    x = tg.tensor([-np.inf, 0.0, -np.inf, 1.0], requires_grad=True)
    x.logcumsumexp(0)[0].backward()
    np.testing.assert_array_equal(x.grad.data, [1, 0, 0, 0])
    y = tg.tensor([-np.inf, -np.inf, 0.0], requires_grad=True)
    (gradient,) = tg.autograd.grad(y.logcumsumexp(0).sum(), y, create_graph=True)
    np.testing.assert_array_equal(gradient.data, [1, 1, 1])
    assert np.all(np.isfinite(tg.autograd.grad(gradient.sum(), y)[0].data))


def test_logcumsumexp_refuses_integers_and_a_missing_dim():
    with pytest.raises(TypeError, match="floating-point"):
        tg.tensor([1, 2]).logcumsumexp(0)
    with pytest.raises(TypeError, match="dim="):
        tg.ones(3).logcumsumexp()
    with pytest.raises(IndexError, match="logcumsumexp: axis 1"):
        tg.ones(3).logcumsumexp(1)


# ----------------------------------------------------------------------------------------------- nanmedian, quantile
NAN = np.nan
WITH_NANS = np.array([[NAN, NAN, NAN, NAN], [3.0, NAN, 1.0, 2.0], [2.0, 2.0, 5.0, -1.0], [4.0, 1.0, 3.0, 2.0]])


def lower_median_without_nans(values):
    numbers = np.sort(values[~np.isnan(values)])
    return numbers[(numbers.size - 1) // 2] if numbers.size else NAN


def test_nanmedian_is_the_lower_median_of_the_numbers():
    values, indices = tg.tensor(WITH_NANS).nanmedian(1)
    expected = [lower_median_without_nans(row) for row in WITH_NANS]
    np.testing.assert_array_equal(values.data, expected)
    assert indices.tolist()[0] == 0  # an all-NaN row: NaN at index 0, as PyTorch
    for row, value, index in zip(WITH_NANS[1:], values.data[1:], indices.data[1:]):
        assert row[index] == value
    kept = tg.nanmedian(tg.tensor(WITH_NANS), 0, keepdim=True)
    assert kept.values.shape == (1, 4)
    np.testing.assert_array_equal(kept.values.data[0], [lower_median_without_nans(c) for c in WITH_NANS.T])
    assert tg.tensor(WITH_NANS).nanmedian().item() == lower_median_without_nans(WITH_NANS.ravel())
    assert tg.tensor([3, 1, 2, 8]).nanmedian().item() == 2  # integers: median
    check_gradients(lambda x: x.nanmedian(1).values, WITH_NANS[1:] + RNG.random((3, 4)) * 0.1)


def test_nanmedian_of_the_whole_tensor_shares_the_gradient_among_ties():
    x = tg.tensor([1.0, NAN, 2.0, 1.0, 3.0], requires_grad=True)
    x.nanmedian().backward()
    np.testing.assert_array_equal(x.grad.data, [0.5, 0, 0, 0.5, 0])


INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_matches_numpy(interpolation):
    a = RNG.standard_normal((4, 5))
    levels = np.array([0.0, 0.125, 0.375, 0.5, 0.625, 0.9, 1.0])
    got = tg.tensor(a).quantile(tg.tensor(levels, dtype=tg.float64), dim=1, interpolation=interpolation)
    np.testing.assert_allclose(got.data, np.quantile(a, levels, axis=1, method=interpolation), rtol=1e-13)
    got = tg.quantile(tg.tensor(a), 0.3, dim=0, keepdim=True, interpolation=interpolation)
    np.testing.assert_allclose(got.data, np.quantile(a, 0.3, axis=0, keepdims=True, method=interpolation),
                               rtol=1e-13)
    got = tg.tensor(a).quantile(tg.tensor(levels[:2], dtype=tg.float64), keepdim=True, interpolation=interpolation)
    assert got.shape == (2, 1, 1)
    np.testing.assert_allclose(got.data.ravel(), np.quantile(a, levels[:2], method=interpolation), rtol=1e-13)
    ranks = np.arange(8.0)  # q·(n − 1) at exact halves: 'nearest' rounds half to even, as PyTorch and numpy
    halves = tg.tensor([1 / 14, 3 / 14, 5 / 14], dtype=tg.float64)
    np.testing.assert_array_equal(tg.tensor(ranks).quantile(halves, interpolation="nearest").data, [0, 2, 2])
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(tg.tensor(WITH_NANS).nanquantile(tg.tensor(levels, dtype=tg.float64), dim=1,
                                                                    interpolation=interpolation).data,
                                   np.nanquantile(WITH_NANS, levels, axis=1, method=interpolation), rtol=1e-13)
    assert np.isnan(tg.tensor(WITH_NANS).quantile(0.5, dim=1).data[:2]).all()  # a NaN makes the slice's NaN


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_gradients_match_finite_differences(interpolation):
    a = RNG.permutation(20).reshape(4, 5) / 3.0  # distinct values: the sort is smooth here
    levels = tg.tensor([0.1, 0.5, 0.8], dtype=tg.float64)
    check_gradients(lambda x: x.quantile(levels, dim=1, interpolation=interpolation), a)
    check_gradients(lambda x: x.nanquantile(0.3, interpolation=interpolation), a)


def test_quantile_refuses_bad_arguments():
    x = tg.ones(3, 4)
    for call, error, match in [
        (lambda: x.quantile(1.5), ValueError, r"\[0, 1\]"),
        (lambda: x.quantile(tg.ones(2, 2) / 2), ValueError, "1-D"),
        (lambda: x.quantile(tg.tensor([0.5], dtype=tg.float64)), TypeError, "dtype"),
        (lambda: x.quantile(0.5, interpolation="cubic"), ValueError, "interpolation"),
        (lambda: tg.tensor([1, 2]).quantile(0.5), TypeError, "floating-point"),
        (lambda: x.nanquantile(0.5, dim=2), IndexError, "nanquantile: axis 2"),
        (lambda: tg.ones(0).quantile(0.5), IndexError, "empty"),
    ]:
        with pytest.raises(error, match=match):
            call()


# ----------------------------------------------------------------------------------------------- histc, searchsorted
def test_histc_counts_like_numpys_histogram():
    a = RNG.uniform(-3, 3, 200)
    np.testing.assert_array_equal(tg.tensor(a).histc(7, -2, 2).data, np.histogram(a, 7, (-2, 2))[0])
    np.testing.assert_array_equal(tg.histc(tg.tensor(a), 5).data, np.histogram(a, 5)[0])  # the data's range
    counts = tg.tensor([1.0, 2.0, 1.0, 4.0]).histc(4, 0, 0)  # the maximum lands in the last bin
    np.testing.assert_array_equal(counts.data, [2, 1, 0, 1])
    assert counts.dtype == np.float32 and not counts.requires_grad
    np.testing.assert_array_equal(tg.tensor([3.0, 3.0]).histc(2).data, [0, 2])  # one value: [v − 1, v + 1]
    for call, error in [(lambda: tg.tensor([1, 2]).histc(), TypeError), (lambda: tg.ones(2).histc(0), ValueError),
                        (lambda: tg.ones(2).histc(3, 2, 1), ValueError)]:
        with pytest.raises(error, match="histc"):
            call()


def count_below(boundaries, value, right):
    return int(np.sum(boundaries <= value if right else boundaries < value))


def test_searchsorted_and_bucketize_count_the_boundaries_below():
    rows = np.sort(RNG.integers(0, 6, (3, 5)), axis=1).astype(float)
    values = RNG.integers(-1, 7, (3, 4)).astype(float)
    for right in (False, True):
        got = tg.searchsorted(tg.tensor(rows), tg.tensor(values), right=right)
        expected = [[count_below(r, v, right) for v in vs] for r, vs in zip(rows, values)]
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.data, expected)
        side = tg.searchsorted(tg.tensor(rows[0]), tg.tensor(values), side="right" if right else "left",
                               out_int32=True)
        assert side.dtype == np.int32
        np.testing.assert_array_equal(side.data, [[count_below(rows[0], v, right) for v in vs] for vs in values])
        np.testing.assert_array_equal(tg.bucketize(tg.tensor(values), tg.tensor(rows[0]), right=right).data,
                                      side.data)
    assert tg.searchsorted(tg.tensor([1.0, 2.0, 3.0]), 2.5).shape == ()
    unsorted = np.array([3.0, 1.0, 2.0])
    got = tg.searchsorted(tg.tensor(unsorted), tg.tensor([2.5]), sorter=tg.tensor(np.argsort(unsorted)))
    assert got.tolist() == [2]
    for call, match in [(lambda: tg.searchsorted(tg.tensor([1.0]), tg.ones(2), right=True, side="left"),
                         "contradict"),
                        (lambda: tg.searchsorted(tg.ones(2, 3), tg.ones(3, 1)), "every axis but the last"),
                        (lambda: tg.bucketize(tg.ones(2), tg.ones(2, 2)), "1-D"),
                        (lambda: tg.searchsorted(tg.ones(3), tg.ones(2), side="middle"), "side")]:
        with pytest.raises(ValueError, match=match):
            call()


# ----------------------------------------------------------------------------------------------- factories and friends
@pytest.mark.parametrize(("row", "col", "offset"), [(3, 4, 0), (4, 3, 1), (4, 3, -2), (0, 3, 0), (3, 3, 5),
                                                    (3, 3, -5)])
def test_triangle_indices_list_the_triangle_in_row_major_order(row, col, offset):
    places = [(i, j) for i in range(row) for j in range(col)]
    lower = tg.tril_indices(row, col, offset)
    upper = tg.triu_indices(row, col, offset)
    assert lower.dtype == np.int64 and lower.shape[0] == 2
    assert list(zip(*lower.tolist())) == [(i, j) for i, j in places if j - i <= offset]
    assert list(zip(*upper.tolist())) == [(i, j) for i, j in places if j - i >= offset]
    with pytest.raises(ValueError, match="non-negative"):
        tg.tril_indices(-1, 2)
    with pytest.raises(TypeError, match="integer type"):
        tg.triu_indices(2, 2, dtype=tg.float32)


def test_cartesian_prod_and_combinations_follow_itertools():
    import itertools

    a, b, c = RNG.standard_normal(2), RNG.standard_normal(3), RNG.standard_normal(2)
    np.testing.assert_array_equal(tg.cartesian_prod(tg.tensor(a), tg.tensor(b), tg.tensor(c)).data,
                                  list(itertools.product(a, b, c)))
    np.testing.assert_array_equal(tg.cartesian_prod(tg.tensor(a)).data, a)
    assert tg.cartesian_prod(tg.tensor([1, 2]), tg.tensor([3.5])).dtype == np.float32
    check_gradients(lambda x, y: tg.cartesian_prod(x, y), a, b)
    v = RNG.standard_normal(4)
    for r in range(1, 5):
        for with_replacement in (False, True):
            pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
            got = tg.combinations(tg.tensor(v), r, with_replacement)
            assert got.shape == (len(list(pick(v, r))), r)
            np.testing.assert_array_equal(got.data, np.array(list(pick(v, r))).reshape(-1, r))
    assert tg.combinations(tg.tensor(v), 0).shape == (0,)  # as PyTorch
    check_gradients(lambda x: tg.combinations(x, 3), v)
    for call in (lambda: tg.combinations(tg.ones(2, 2)), lambda: tg.cartesian_prod(tg.ones(2, 2)),
                 lambda: tg.combinations(tg.ones(2), -1)):
        with pytest.raises(ValueError, match=r"combinations|cartesian_prod"):
            call()


def test_block_diag_places_the_blocks_on_the_diagonal():
    blocks = [RNG.standard_normal((2, 3)), RNG.standard_normal(2), np.array(np.inf)]
    expected = np.zeros((4, 6))
    expected[:2, :3], expected[2, 3:5], expected[3, 5] = blocks
    np.testing.assert_array_equal(tg.block_diag(*(tg.tensor(b) for b in blocks)).data, expected)
    assert tg.block_diag(tg.tensor([[1, 2]]), tg.tensor([[3.5]])).dtype == np.float32
    check_gradients(lambda a, b: tg.block_diag(a, b), blocks[0], blocks[1])
    with pytest.raises(ValueError, match="block_diag"):
        tg.block_diag(tg.ones(2, 2, 2))


def test_vander_is_numpys_vander():
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(tg.vander(tg.tensor(x)).data, np.vander(x), rtol=1e-14)
    np.testing.assert_allclose(tg.vander(tg.tensor(x), N=6, increasing=True).data, np.vander(x, 6, True),
                               rtol=1e-14)
    ints = tg.vander(tg.tensor([1, 2, -3], dtype=tg.int32), 3)
    assert ints.dtype == np.int64 and ints.tolist() == np.vander([1, 2, -3], 3).tolist()
    assert tg.vander(tg.tensor(x), 0).shape == (4, 0)
    check_gradients(lambda t: tg.vander(t, 5), np.append(x, 0.0))  # with a zero among the points
    for call in (lambda: tg.vander(tg.ones(2, 2)), lambda: tg.vander(tg.ones(2), -1)):
        with pytest.raises(ValueError, match="vander"):
            call()


# ----------------------------------------------------------------------------------------------- cov, renorm, cdist
def test_cov_and_corrcoef_match_numpy():
    m = RNG.standard_normal((3, 6))
    fweights, aweights = np.array([1, 2, 0, 3, 1, 1]), RNG.random(6)
    for correction in (0, 1, 2):
        for f, w in [(None, None), (fweights, None), (None, aweights), (fweights, aweights)]:
            got = tg.tensor(m).cov(correction=correction, fweights=None if f is None else tg.tensor(f),
                                   aweights=None if w is None else tg.tensor(w))
            np.testing.assert_allclose(got.data, np.cov(m, ddof=correction, fweights=f, aweights=w), rtol=1e-12)
    np.testing.assert_allclose(tg.cov(tg.tensor(m[0])).data, np.cov(m[0]), rtol=1e-13)
    assert tg.cov(tg.tensor(m[0])).shape == ()
    np.testing.assert_allclose(tg.corrcoef(tg.tensor(m)).data, np.corrcoef(m), rtol=1e-12)
    ints = tg.tensor([[1, 2, 4], [3, 1, 0]]).cov()  # integers: the default float dtype, as PyTorch
    assert ints.dtype == np.float32
    np.testing.assert_allclose(ints.data, np.cov([[1, 2, 4], [3, 1, 0]]), rtol=1e-6)
    check_gradients(lambda x: x.cov(fweights=tg.tensor(fweights), aweights=tg.tensor(aweights)), m)
    check_gradients(lambda x: x.corrcoef(), m)
    for call, error in [(lambda: tg.ones(2, 2, 2).cov(), ValueError),
                        (lambda: tg.ones(2, 3).cov(fweights=tg.tensor([1, 1])), ValueError),
                        (lambda: tg.ones(2, 3).cov(fweights=tg.ones(3)), TypeError),
                        (lambda: tg.ones(2, 3).cov(aweights=tg.tensor([1, 1, 1])), TypeError),
                        (lambda: tg.ones(2, 3).cov(fweights=tg.tensor([1, -1, 1])), ValueError)]:
        with pytest.raises(error, match="cov"):
            call()


def renorm_loop(a, p, dim, maxnorm):
    out = np.moveaxis(a.copy(), dim, 0)
    for i, piece in enumerate(out):
        norm = np.sum(np.abs(piece) ** p) ** (1 / p)
        if norm > maxnorm:
            out[i] = piece * (maxnorm / (norm + 1e-7))  # PyTorch's documented epsilon
    return np.moveaxis(out, 0, dim)


@pytest.mark.parametrize(("p", "dim", "maxnorm"), [(2, 0, 1.0), (1, 1, 0.5), (3, 2, 1.0), (2, 1, 100.0)])
def test_renorm_matches_the_loop_and_finite_differences(p, dim, maxnorm):
    a = RNG.standard_normal((3, 4, 2))
    np.testing.assert_allclose(tg.renorm(tg.tensor(a), p, dim, maxnorm).data, renorm_loop(a, p, dim, maxnorm),
                               rtol=1e-13)
    check_gradients(lambda x: x.renorm(p, dim, maxnorm), a)


def test_renorm_of_a_vector_scales_each_element_as_its_own_slice():
    """PyTorch refuses 1-D input; here each element is a slice of norm |aᵢ| (the loop's answer), not the whole
    vector's norm (an empty set of other axes is not "every axis" there)."""
    a = np.array([1.3, -0.9, 0.7, -2.0])
    np.testing.assert_allclose(tg.tensor(a).renorm(2, 0, 1.0).data, renorm_loop(a, 2, 0, 1.0), rtol=1e-13)
    check_gradients(lambda x: x.renorm(2, 0, 1.0), a)


def test_renorm_refuses_bad_arguments():
    for call, error in [(lambda: tg.tensor([1, 2]).renorm(2, 0, 1), TypeError),
                        (lambda: tg.ones(2).renorm(0, 0, 1), ValueError),
                        (lambda: tg.ones(2).renorm(2, 0, -1), ValueError),
                        (lambda: tg.ones(2).renorm(2, 1, 1), IndexError)]:
        with pytest.raises(error, match="renorm"):
            call()


def distance(u, v, p):
    d = np.abs(u - v)
    if p == 0:
        return float(np.count_nonzero(d))
    return float(d.max()) if p == np.inf else float(np.sum(d ** p) ** (1 / p))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, np.inf, 0.0])
def test_cdist_and_pdist_are_the_pairwise_norms(p):
    x1, x2 = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 5, 3))
    got = tg.cdist(tg.tensor(x1), tg.tensor(x2), p)
    np.testing.assert_allclose(got.data, [[[distance(u, v, p) for v in b] for u in a] for a, b in zip(x1, x2)],
                               rtol=1e-13)
    rows = x1[0]
    np.testing.assert_allclose(tg.nn.functional.pdist(tg.tensor(rows), p).data,
                               [distance(rows[i], rows[j], p) for i in range(4) for j in range(i + 1, 4)],
                               rtol=1e-13)
    if p >= 1:  # smooth away from zero distances
        check_gradients(lambda a, b: tg.cdist(a, b, p), x1, x2)
        check_gradients(lambda a: tg.nn.functional.pdist(a, p), rows)


def test_cdist_gradient_at_a_zero_distance_is_zero_as_pytorch():
    x1 = tg.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    x2 = tg.tensor([[1.0, 2.0]], requires_grad=True)
    tg.cdist(x1, x2).sum().backward()
    np.testing.assert_array_equal(x1.grad.data[0], [0, 0])
    np.testing.assert_allclose(x1.grad.data[1], -np.array([1.0, 2.0]) / np.sqrt(5))
    rows = tg.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 2.0]], requires_grad=True)
    tg.nn.functional.pdist(rows).sum().backward()
    np.testing.assert_array_equal(rows.grad.data, [[1, 0], [1, 0], [-2, 0]])


def test_cdist_and_pdist_refuse_bad_arguments():
    for call, error in [(lambda: tg.cdist(tg.ones(2, 3), tg.ones(2, 4)), ValueError),
                        (lambda: tg.cdist(tg.ones(3), tg.ones(3)), ValueError),
                        (lambda: tg.cdist(tg.tensor([[1, 2]]), tg.tensor([[1, 2]])), TypeError),
                        (lambda: tg.cdist(tg.ones(1, 2), tg.ones(1, 2), -1.0), ValueError),
                        (lambda: tg.cdist(tg.ones(1, 2), tg.ones(1, 2), compute_mode="fast"), ValueError),
                        (lambda: tg.nn.functional.pdist(tg.ones(3)), ValueError)]:
        with pytest.raises(error, match=r"cdist|pdist"):
            call()


# ----------------------------------------------------------------------------------------------- more, against PyTorch
MIXED = RNG.standard_normal((3, 5)) * 2


def _quantile_call(name, interpolation):
    return lambda L, x: getattr(L, name)(x, L.tensor([0.1, 0.5, 1.0], dtype=L.float64), dim=1, keepdim=True,
                                         interpolation=interpolation)


LIBRARY_CASES = [  # (name, call(library, *tensors), inputs): the same line with tg or torch as the library
    ("logcumsumexp", lambda L, x: L.logcumsumexp(x, 1), [np.array([[-1000.0, 0.0, 3.0], [1.0, 1.0, -2.0]])]),
    ("nanmedian dim", lambda L, x: x.nanmedian(1).values, [WITH_NANS[1:]]),
    ("nanmedian", lambda L, x: x.nanmedian(), [np.array([1.0, NAN, 2.0, 1.0, 3.0])]),
    *[(f"quantile {i}", _quantile_call("quantile", i), [MIXED]) for i in INTERPOLATIONS],
    *[(f"nanquantile {i}", _quantile_call("nanquantile", i), [WITH_NANS]) for i in INTERPOLATIONS],
    ("quantile of a NaN slice", lambda L, x: L.quantile(x, 0.4, dim=1), [WITH_NANS]),
    ("cov", lambda L, x: L.cov(x, correction=0, fweights=L.tensor([1, 2, 0, 3, 1]),
                               aweights=L.tensor([0.5, 1.0, 2.0, 0.1, 1.0], dtype=L.float64)), [MIXED]),
    ("corrcoef", lambda L, x: L.corrcoef(x), [MIXED]),
    ("renorm", lambda L, x: x.renorm(1.5, 0, 2.0), [MIXED]),
    ("cdist with a zero distance", lambda L, a, b: L.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
     [MIXED[:2], MIXED[1:]]),
    ("cdist p=1", lambda L, a, b: L.cdist(a, b, 1.0), [MIXED[:2], MIXED[1:]]),
    ("pdist with a zero distance", lambda L, a: L.nn.functional.pdist(a), [MIXED[[0, 1, 0]]]),
    ("cartesian_prod", lambda L, a, b: L.cartesian_prod(a, b), [MIXED[0, :2], MIXED[1, :3]]),
    ("combinations", lambda L, a: L.combinations(a, 2, with_replacement=True), [MIXED[0, :3]]),
    ("block_diag", lambda L, a, b: L.block_diag(a, b), [MIXED[:2, :2], MIXED[2]]),
]


@pytest.mark.parametrize(("name", "call", "inputs"), LIBRARY_CASES, ids=[c[0] for c in LIBRARY_CASES])
def test_more_forwards_and_gradients_match_pytorch(name, call, inputs):
    torch = _torch()
    here = [tg.Tensor(x, requires_grad=True) for x in inputs]
    there = [torch.tensor(x, requires_grad=True) for x in inputs]
    ours, theirs = call(tg, *here), call(torch, *there)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14, equal_nan=True,
                               err_msg=name)
    weights = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * tg.Tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for k, (a, b) in enumerate(zip(here, there)):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12, equal_nan=True,
                                   err_msg=f"{name}: {k}")


WITHOUT_GRADIENTS = [  # (name, call(library, *tensors), inputs)
    ("histc", lambda L, x: L.histc(x, 7, -2, 2), [MIXED]),
    ("histc of the data's range", lambda L, x: x.histc(5), [MIXED.astype(np.float32)]),
    ("searchsorted", lambda L, s, v: L.searchsorted(s, v, right=True), [np.sort(MIXED, 1), MIXED]),
    ("searchsorted 1-D", lambda L, s, v: L.searchsorted(s, v, side="left", out_int32=True),
     [np.sort(MIXED[0]), MIXED]),
    ("bucketize", lambda L, s, v: L.bucketize(v, s), [np.sort(MIXED[0]), MIXED[:, :3].round()]),
    ("tril_indices", lambda L: L.tril_indices(4, 3, -1), []),
    ("triu_indices", lambda L: L.triu_indices(3, 5, 2), []),
    ("vander", lambda L, x: L.vander(x, 4), [MIXED[0]]),
    ("vander of ints", lambda L, x: L.vander(x, increasing=True), [np.array([2, -1, 3], np.int32)]),
    ("cov of ints", lambda L, x: L.cov(x).round(decimals=4), [np.array([[1, 2, 4], [3, 1, 0]])]),
]


@pytest.mark.parametrize(("name", "call", "inputs"), WITHOUT_GRADIENTS, ids=[c[0] for c in WITHOUT_GRADIENTS])
def test_results_without_gradients_match_pytorch(name, call, inputs):
    torch = _torch()
    ours, theirs = call(tg, *(tg.tensor(x) for x in inputs)), call(torch, *(torch.tensor(x) for x in inputs))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), name
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, err_msg=name)
