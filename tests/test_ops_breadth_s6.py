"""PyTorch's remaining torch-level and Tensor ops (addmv, inner, atleast_2d, hsplit, slice_scatter, gcd, trapezoid,
gradient, histogram, …): forwards against numpy or PyTorch's documented definitions written out in numpy, gradients
against finite differences in float64 (plain and create_graph=True), PyTorch itself when installed (the same line
run on both: names, keywords and values), and the errors for bad arguments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from gradients import check_gradients
from optional_tools import require_module

import tinygrad_edu as tg

RNG = np.random.default_rng(6)


def _torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def _randn(*shape):
    return RNG.standard_normal(shape)


# Each case: (name, call(lib, *tensors) run on tg and on torch, float64 inputs, numpy's truth for the forward)
DIFFERENTIABLE = [
    ("addmv", lambda lib, c, A, v: lib.addmv(c, A, v, beta=0.5, alpha=-2.0), [_randn(3), _randn(3, 4), _randn(4)],
     lambda c, A, v: 0.5 * c - 2.0 * A @ v),
    ("addmv broadcast input", lambda lib, c, A, v: c.addmv(A, v, alpha=3), [_randn(1), _randn(3, 4), _randn(4)],
     lambda c, A, v: c + 3 * A @ v),
    ("addr", lambda lib, c, u, v: lib.addr(c, u, v, beta=2, alpha=0.25), [_randn(3, 4), _randn(3), _randn(4)],
     lambda c, u, v: 2 * c + 0.25 * np.outer(u, v)),
    ("Tensor.addr", lambda lib, c, u, v: c.addr(u, v), [_randn(4), _randn(3), _randn(4)],
     lambda c, u, v: c + np.outer(u, v)),
    ("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b, beta=-1, alpha=1.5), [_randn(2, 5), _randn(3, 2, 4),
                                                                               _randn(3, 4, 5)],
     lambda c, a, b: -c + 1.5 * sum(a[i] @ b[i] for i in range(3))),
    ("Tensor.addmm", lambda lib, c, a, b: c.addmm(a, b, beta=0.5, alpha=2), [_randn(2, 3), _randn(2, 4), _randn(4, 3)],
     lambda c, a, b: 0.5 * c + 2 * a @ b),
    ("Tensor.baddbmm", lambda lib, c, a, b: c.baddbmm(a, b, alpha=-1), [_randn(2, 3, 3), _randn(2, 3, 4),
                                                                         _randn(2, 4, 3)],
     lambda c, a, b: c - a @ b),
    ("Tensor.kron", lambda lib, a, b: a.kron(b), [_randn(2, 3), _randn(3, 2)], np.kron),
    ("inner", lambda lib, a, b: lib.inner(a, b), [_randn(2, 3, 4), _randn(5, 4)], np.inner),
    ("inner 0-d", lambda lib, a, b: a.inner(b), [_randn(), _randn(2, 3)], np.inner),
    ("vdot", lambda lib, a, b: lib.vdot(a, b), [_randn(5), _randn(5)], np.vdot),
    ("dist", lambda lib, a, b: lib.dist(a, b), [_randn(3, 4), _randn(4)],
     lambda a, b: np.sqrt(((a - b) ** 2).sum())),
    ("dist p=3", lambda lib, a, b: a.dist(b, p=3), [_randn(3, 4), _randn(3, 4)],
     lambda a, b: (np.abs(a - b) ** 3).sum() ** (1 / 3)),
    ("dist p=inf", lambda lib, a, b: a.dist(b, math.inf), [_randn(6), _randn(6)], lambda a, b: np.abs(a - b).max()),
    ("dist p=1", lambda lib, a, b: lib.dist(a, b, 1), [_randn(2, 3), _randn(2, 3)],
     lambda a, b: np.abs(a - b).sum()),
]


def _cases(cases):
    return pytest.mark.parametrize(("name", "call", "inputs", "truth"), cases, ids=[c[0] for c in cases])


def compare_with_pytorch(name, call, inputs):
    """The same line run here and in PyTorch on float64 leaves: equal outputs and gradients of a random weighting."""
    torch = _torch()
    here = [tg.tensor(x, requires_grad=True) for x in inputs]
    there = [torch.tensor(x, requires_grad=True) for x in inputs]
    ours, theirs = call(tg, *here), call(torch, *there)
    assert ours.shape == tuple(theirs.shape), name
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
    weights = RNG.standard_normal(ours.shape)
    (ours * tg.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for k, (a, b) in enumerate(zip(here, there)):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"{name}: {k}")


# ----------------------------------------------------------------------------------------------- products with a scale
@pytest.mark.parametrize("op", ["addmv", "addr", "addbmm"])
def test_beta_zero_ignores_nan_in_input(op):
    factors = {"addmv": ([[1.0, 2.0], [3.0, 4.0]], [1.0, -1.0]), "addr": ([1.0, 2.0], [3.0, 4.0]),
               "addbmm": ([[[1.0, 2.0]], [[0.5, 0.5]]], [[[1.0], [2.0]], [[4.0], [2.0]]])}[op]
    shape = {"addmv": (2,), "addr": (2, 2), "addbmm": (1, 1)}[op]
    c = tg.full(shape, math.nan, requires_grad=True)
    a, b = (tg.tensor(f, requires_grad=True) for f in factors)
    out = getattr(tg, op)(c, a, b, beta=0, alpha=2)
    expected = {"addmv": [-2.0, -2.0], "addr": [[6.0, 8.0], [12.0, 16.0]], "addbmm": [[2 * (5.0 + 3.0)]]}[op]
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    np.testing.assert_array_equal(c.grad.data, np.zeros(shape))  # β = 0: input's gradient is 0, not NaN
    assert np.isfinite(a.grad.data).all() and np.isfinite(b.grad.data).all()


def test_integer_products_stay_integers_and_refuse_fractional_scales():
    c, A, v = tg.tensor([1, 2, 3]), tg.ones(3, 2, dtype=tg.int64), tg.tensor([1, 2])
    out = tg.addmv(c, A, v, beta=2, alpha=3)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, 2 * np.array([1, 2, 3]) + 3 * 3)
    with pytest.raises(TypeError, match="addmv: beta and alpha must be integers"):
        tg.addmv(c, A, v, beta=0.5)  # PyTorch truncates 0.5 to 0 silently


@pytest.mark.parametrize("op", ["addmm", "baddbmm"])
def test_addmm_and_baddbmm_keep_integers_and_refuse_fractional_scales_as_the_new_products(op):
    """They returned float 2.5·c + a @ b for integer tensors and beta=0.5 (PyTorch: int, beta truncated to 0)."""
    shape = (2, 2) if op == "addmm" else (1, 2, 2)
    c, a, b = (tg.ones(*shape, dtype=tg.int64) for _ in range(3))
    out = getattr(tg, op)(c, a, b, beta=3, alpha=2)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, np.full(shape, 3 + 2 * 2))  # β·1 + α·(1·1 + 1·1)
    with pytest.raises(TypeError, match=f"{op}: beta and alpha must be integers"):
        getattr(tg, op)(c, a, b, beta=0.5)
    with pytest.raises(TypeError, match=f"{op}: input tensors must have one dtype"):
        getattr(tg, op)(c.float(), a, b)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: tg.addmv(tg.ones(3), tg.ones(3, 4), tg.ones(4, dtype=tg.float64)), TypeError, "addmv: input tensors"),
    (lambda: tg.addmv(tg.ones(2, 3), tg.ones(3, 4), tg.ones(4)), ValueError, "does not broadcast"),
    (lambda: tg.addmv(tg.ones(3), tg.ones(3, 4), tg.ones(4, 1)), ValueError, "addmv: expected 2-D and 1-D"),
    (lambda: tg.addr(tg.ones(2, 2), tg.ones(2, 1), tg.ones(2)), ValueError, "addr: expected 1-D and 1-D"),
    (lambda: tg.addbmm(tg.ones(2, 2), tg.ones(3, 2, 4), tg.ones(2, 4, 2)), ValueError, "addbmm: batch1"),
    (lambda: tg.addr(tg.zeros(2, 2, dtype=tg.bool), tg.ones(2, dtype=tg.bool), tg.ones(2, dtype=tg.bool)),
     TypeError, "addr: bool tensors"),
    (lambda: tg.inner(tg.ones(2, 3), tg.ones(2)), ValueError, "inner: the last dimensions differ"),
    (lambda: tg.vdot(tg.ones(2, 3), tg.ones(2, 3)), ValueError, "vdot: 1-D tensors expected"),
    (lambda: tg.vdot(tg.ones(3), tg.ones(3, dtype=tg.float64)), TypeError, "one dtype"),
    (lambda: tg.dist(tg.tensor([1, 2]), tg.tensor([3, 4])), TypeError, "dist: expected floating-point"),
    (lambda: tg.chain_matmul(), ValueError, "chain_matmul: expected one or more"),
    (lambda: tg.chain_matmul(tg.ones(3), tg.ones(3, 2)), ValueError, "chain_matmul: expected 2-D"),
])
def test_bad_arguments_are_refused_by_name(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(error, match=message):
            call()


def test_dist_p0_counts_differences_and_negative_p_is_the_norm():
    a, b = tg.tensor([1.0, 2.0, 3.0]), tg.tensor([1.0, 0.0, 0.0])
    assert tg.dist(a, b, 0).item() == 2.0
    assert tg.dist(a, b + 0.5, -1).item() == pytest.approx(1 / (1 / 0.5 + 1 / 1.5 + 1 / 2.5), rel=1e-6)
    assert tg.dist(a, a, -1).item() == 0.0  # a zero difference makes a negative-order norm 0, as PyTorch


def test_chain_matmul_is_the_product_in_order_and_warns_like_pytorch():
    mats = [_randn(2, 3), _randn(3, 4), _randn(4, 2)]
    with pytest.warns(UserWarning, match="multi_dot"):
        got = tg.chain_matmul(*[tg.tensor(m) for m in mats])
    np.testing.assert_allclose(got.data, mats[0] @ mats[1] @ mats[2], rtol=1e-12)
    one = tg.tensor(mats[0])
    with pytest.warns(UserWarning):
        alone = tg.chain_matmul(one)
    alone.data[0, 0] = 99.0  # one matrix comes back as a copy, as PyTorch
    assert one.data[0, 0] == mats[0][0, 0]
    check_gradients(lambda a, b, c: tg.chain_matmul(a, b, c), *mats)
    torch = _torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = torch.chain_matmul(*[torch.tensor(m) for m in mats]).numpy()
    np.testing.assert_allclose(got.data, theirs, rtol=1e-12)


# ----------------------------------------------------------------------------------------------- shape helpers
def _flat(outputs):
    """A tensor or a tuple of them as a list of arrays."""
    return [np.asarray(t.detach().numpy() if hasattr(t, "detach") else t) for t in
            (outputs if isinstance(outputs, (tuple, list)) else [outputs])]


# Each case: (name, call(lib, *tensors), inputs, numpy's truth giving an array or a list of arrays)
SHAPE_CASES = [
    ("atleast_1d 0-d", lambda lib, a: lib.atleast_1d(a), [_randn()], np.atleast_1d),
    ("atleast_2d 1-D", lambda lib, a: lib.atleast_2d(a), [_randn(3)], np.atleast_2d),
    ("atleast_2d 0-d", lambda lib, a: lib.atleast_2d(a), [_randn()], np.atleast_2d),
    ("atleast_3d 0-d", lambda lib, a: lib.atleast_3d(a), [_randn()], np.atleast_3d),
    ("atleast_3d 1-D", lambda lib, a: lib.atleast_3d(a), [_randn(3)], np.atleast_3d),
    ("atleast_3d 2-D", lambda lib, a: lib.atleast_3d(a), [_randn(2, 3)], np.atleast_3d),
    ("atleast_3d 4-D", lambda lib, a: lib.atleast_3d(a), [_randn(2, 1, 3, 2)], np.atleast_3d),
    ("atleast_2d several", lambda lib, a, b: lib.atleast_2d(a, b), [_randn(), _randn(4)],
     lambda a, b: list(np.atleast_2d(a, b))),
    ("atleast_3d a tuple", lambda lib, a, b: lib.atleast_3d((a, b)), [_randn(2, 3), _randn(4)],
     lambda a, b: list(np.atleast_3d(a, b))),
    ("atleast_1d a list", lambda lib, a, b: lib.atleast_1d([a, b]), [_randn(), _randn(2)],
     lambda a, b: list(np.atleast_1d(a, b))),
    ("column_stack", lambda lib, a, b, c: lib.column_stack([a, b, c]), [_randn(3), _randn(3, 2), _randn(3)],
     lambda a, b, c: np.column_stack([a, b, c])),
    ("column_stack 0-d", lambda lib, a, b: lib.column_stack((a, b)), [_randn(), _randn()],
     lambda a, b: np.column_stack([a, b])),
    ("column_stack 3-D", lambda lib, a, b: lib.column_stack([a, b]), [_randn(2, 3, 4), _randn(2, 1, 4)],
     lambda a, b: np.column_stack([a, b])),
    ("dstack 1-D", lambda lib, a, b: lib.dstack([a, b]), [_randn(3), _randn(3)], lambda a, b: np.dstack([a, b])),
    ("dstack 2-D", lambda lib, a, b: lib.dstack((a, b)), [_randn(2, 3), _randn(2, 3)], lambda a, b: np.dstack([a, b])),
    ("dstack 0-d", lambda lib, a, b: lib.dstack([a, b]), [_randn(), _randn()], lambda a, b: np.dstack([a, b])),
    ("hsplit sections", lambda lib, a: lib.hsplit(a, 2), [_randn(3, 4)], lambda a: np.hsplit(a, 2)),
    ("hsplit indices", lambda lib, a: a.hsplit([1, 3]), [_randn(3, 4)], lambda a: np.hsplit(a, [1, 3])),
    ("hsplit 1-D", lambda lib, a: lib.hsplit(a, 3), [_randn(6)], lambda a: np.hsplit(a, 3)),
    ("hsplit tuple past the end", lambda lib, a: a.hsplit((2, 7)), [_randn(2, 5)], lambda a: np.hsplit(a, (2, 7))),
    ("vsplit", lambda lib, a: lib.vsplit(a, [1]), [_randn(3, 4)], lambda a: np.vsplit(a, [1])),
    ("vsplit sections", lambda lib, a: a.vsplit(2), [_randn(4, 2, 3)], lambda a: np.vsplit(a, 2)),
    ("dsplit", lambda lib, a: lib.dsplit(a, [2, 7]), [_randn(2, 2, 6)], lambda a: np.dsplit(a, [2, 7])),
    ("dsplit sections", lambda lib, a: a.dsplit(3), [_randn(2, 2, 6)], lambda a: np.dsplit(a, 3)),
    ("diagflat", lambda lib, a: lib.diagflat(a), [_randn(2, 2)], np.diagflat),
    ("diagflat offset", lambda lib, a: a.diagflat(-1), [_randn(2, 2)], lambda a: np.diagflat(a, -1)),
    ("diagflat 0-d", lambda lib, a: lib.diagflat(a, offset=2), [_randn()], lambda a: np.diagflat(a, 2)),
    ("msort", lambda lib, a: lib.msort(a), [_randn(4, 3)], lambda a: np.sort(a, axis=0)),
    ("Tensor.msort", lambda lib, a: a.msort(), [_randn(5)], lambda a: np.sort(a, axis=0)),
    ("narrow_copy", lambda lib, a: lib.narrow_copy(a, 1, 1, 2), [_randn(2, 4)], lambda a: a[:, 1:3]),
    ("adjoint", lambda lib, a: lib.adjoint(a), [_randn(2, 3, 4)], lambda a: np.swapaxes(a, -1, -2)),
    ("Tensor.adjoint", lambda lib, a: a.adjoint(), [_randn(3, 4)], lambda a: a.T),
    ("mH", lambda lib, a: a.mH, [_randn(2, 3, 4)], lambda a: np.swapaxes(a, -1, -2)),
    ("H", lambda lib, a: a.H, [_randn(3, 4)], lambda a: a.T),
]


@_cases(SHAPE_CASES)
def test_shape_helpers_match_numpy(name, call, inputs, truth):
    got, expected = _flat(call(tg, *[tg.tensor(x) for x in inputs])), _flat(truth(*inputs))
    assert len(got) == len(expected), name
    for g, e in zip(got, expected):
        assert g.shape == e.shape, name
        np.testing.assert_array_equal(g, e, err_msg=name)


@_cases(SHAPE_CASES)
def test_shape_helpers_gradients_match_finite_differences(name, call, inputs, truth):
    def joined(*xs):  # every piece weighted differently, so a piece put back in the wrong place shows
        return tg.cat([piece.reshape(-1) * (k + 1) for k, piece in enumerate(_pieces(call(tg, *xs)))])
    check_gradients(joined, *inputs)


def _pieces(outputs):
    return list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]


@_cases(SHAPE_CASES)
def test_shape_helpers_match_pytorch(name, call, inputs, truth):
    torch = _torch()
    ours = _pieces(call(tg, *[tg.tensor(x) for x in inputs]))
    theirs = _pieces(call(torch, *[torch.tensor(x) for x in inputs]))
    assert isinstance(call(tg, *[tg.tensor(x) for x in inputs]), tuple) == isinstance(
        call(torch, *[torch.tensor(x) for x in inputs]), tuple), f"{name}: a tuple there and not here, or back"
    assert len(ours) == len(theirs), name
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.data, b.numpy(), err_msg=name)


def test_atleast_returns_the_tensor_itself_when_it_has_the_dims():
    x = tg.ones(2, 3)
    assert tg.atleast_1d(x) is x and tg.atleast_2d(x) is x
    a, b = tg.atleast_1d(x, tg.tensor(2.0))
    assert a is x and b.shape == (1,)


def test_narrow_copy_is_new_memory_and_H_of_a_scalar_is_itself():
    x = tg.arange(6.0).reshape(2, 3)
    piece = x.narrow_copy(1, 1, 2)
    piece.data[0, 0] = 99.0
    assert x.data[0, 1] == 1.0
    s = tg.tensor(2.0)
    assert s.H.item() == 2.0


def test_broadcast_shapes_matches_pytorch_and_numpy():
    torch = _torch()
    for shapes in [((2, 1), (3,)), (2, (3, 1)), ((1, 4), (5, 1, 1), ()), ((0, 1), (3,))]:
        assert tg.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))
    assert tg.broadcast_shapes((2, 1), (1, 3)) == np.broadcast_shapes((2, 1), (1, 3))
    with pytest.raises(ValueError, match="broadcast_shapes: shapes"):
        tg.broadcast_shapes((2,), (3,))


@pytest.mark.parametrize(("indices", "shape"), [([4, 1, 0, 5], (2, 3)), (5, 6), ([[1, 2], [3, -1]], (2, 3)),
                                                ([7, 0, 23, -24], (2, 3, 4)), ([], (2, 2))])
def test_unravel_index_matches_numpy_and_pytorch(indices, shape):
    flat = np.array(indices, dtype=np.int64)
    got = tg.unravel_index(tg.tensor(flat), shape)
    total = math.prod((shape,) if isinstance(shape, int) else shape)
    expected = np.unravel_index(flat % total, (shape,) if isinstance(shape, int) else shape)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == np.int64
        np.testing.assert_array_equal(g.data, e)
    torch = _torch()
    for g, e in zip(got, torch.unravel_index(torch.tensor(flat), shape)):
        np.testing.assert_array_equal(g.data, e.numpy())


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: tg.hsplit(tg.ones(3, 4), 3), ValueError, "hsplit: dim 1 of size 4 can't be split into 3"),
    (lambda: tg.hsplit(tg.tensor(1.0), 1), ValueError, "hsplit: needs a tensor with at least 1"),
    (lambda: tg.vsplit(tg.ones(6), 3), ValueError, "vsplit: needs a tensor with at least 2"),
    (lambda: tg.dsplit(tg.ones(2, 6), 3), ValueError, "dsplit: needs a tensor with at least 3"),
    (lambda: tg.hsplit(tg.ones(2, 4), 2.0), TypeError, "hsplit: expected an int"),
    (lambda: tg.adjoint(tg.ones(3)), ValueError, "adjoint: needs a matrix"),
    (lambda: tg.ones(3).mH, ValueError, "mH needs a matrix"),
    (lambda: tg.ones(2, 3, 4).H, ValueError, "H is only for matrices"),
    (lambda: tg.unravel_index(tg.tensor([6]), (2, 3)), IndexError, r"unravel_index: indices must lie in \[-6, 6\)"),
    (lambda: tg.unravel_index(tg.tensor([1.0]), (2, 3)), TypeError, "unravel_index: expected integer"),
    (lambda: tg.unravel_index(tg.tensor([1]), (2, -3)), ValueError, "unravel_index: shape"),
    (lambda: tg.narrow_copy(tg.ones(2, 3), 1, 2, 2), IndexError, "narrow: start 2 and length 2"),
])
def test_bad_shape_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------------------------- scatters of a view
def _replaced_view(a, src, view):
    """numpy's truth: a copy of a whose ``view(copy)`` (a writeable numpy view) is overwritten by src."""
    out = a.copy()
    view(out)[...] = src
    return out


def _writeable_diagonal(a, offset, dim1, dim2):
    planes = np.moveaxis(a, (dim1, dim2), (-2, -1))
    rows, cols = planes.shape[-2:]
    i = np.arange(max(-offset, 0), min(rows, cols - offset))
    return _Setter(planes, (Ellipsis, i, i + offset))


class _Setter:
    """``view[...] = src`` for a fancy-indexed place of a numpy view (fancy indexing alone would copy)."""

    def __init__(self, base, index):
        self.base, self.index = base, index

    def __setitem__(self, _, value):
        self.base[self.index] = value


VIEW_SCATTERS = [
    ("diagonal_scatter", lambda lib, a, s: lib.diagonal_scatter(a, s), [_randn(3, 3), _randn(3)],
     lambda a, s: _replaced_view(a, s, lambda x: _writeable_diagonal(x, 0, 0, 1))),
    ("diagonal_scatter offset", lambda lib, a, s: a.diagonal_scatter(s, 1), [_randn(3, 4), _randn(3)],
     lambda a, s: _replaced_view(a, s, lambda x: _writeable_diagonal(x, 1, 0, 1))),
    ("diagonal_scatter dims", lambda lib, a, s: lib.diagonal_scatter(a, s, offset=-1, dim1=2, dim2=0),
     [_randn(3, 2, 4), _randn(2, 3)], lambda a, s: _replaced_view(a, s, lambda x: _writeable_diagonal(x, -1, 2, 0))),
    ("select_scatter", lambda lib, a, s: lib.select_scatter(a, s, 1, -1), [_randn(3, 4), _randn(3)],
     lambda a, s: _replaced_view(a, s, lambda x: x[:, -1])),
    ("Tensor.select_scatter", lambda lib, a, s: a.select_scatter(s, dim=0, index=1), [_randn(2, 3, 2),
                                                                                       _randn(3, 2)],
     lambda a, s: _replaced_view(a, s, lambda x: x[1])),
    ("slice_scatter", lambda lib, a, s: lib.slice_scatter(a, s, 1, -3, None, 2), [_randn(3, 4), _randn(3, 2)],
     lambda a, s: _replaced_view(a, s, lambda x: x[:, -3::2])),
    ("slice_scatter defaults", lambda lib, a, s: a.slice_scatter(s), [_randn(3, 2), _randn(3, 2)],
     lambda a, s: s.copy()),
    ("slice_scatter keywords", lambda lib, a, s: lib.slice_scatter(a, s, dim=0, start=1, end=3),
     [_randn(4, 2), _randn(2, 2)], lambda a, s: _replaced_view(a, s, lambda x: x[1:3])),
    ("slice_scatter past the end", lambda lib, a, s: a.slice_scatter(s, 0, 2, 10), [_randn(3, 2), _randn(1, 2)],
     lambda a, s: _replaced_view(a, s, lambda x: x[2:10])),
    ("put", lambda lib, a, s: lib.put(a, lib.tensor([[1], [-2]]), s), [_randn(2, 3), _randn(1, 2)],
     lambda a, s: _put_loop(a, [1, -2], s, False)),
    ("put accumulate", lambda lib, a, s: a.put(lib.tensor([0, -1, 0, 2]), s, accumulate=True), [_randn(5), _randn(4)],
     lambda a, s: _put_loop(a, [0, -1, 0, 2], s, True)),
]


def _put_loop(a, index, source, accumulate):
    """PyTorch's ``put`` one element at a time on the flattened tensor."""
    out = a.copy().reshape(-1)
    for i, value in zip(index, np.ravel(source)):
        out[i] = out[i] + value if accumulate else value
    return out.reshape(a.shape)


def index_reduce_loop(a, dim, index, source, reduce, include_self):
    """PyTorch's documented index_reduce: slice i of source joins slice index[i] of a; each place is reduced with
    what joined it (and itself, with include_self); places nothing joined keep their value."""
    moved, src = np.moveaxis(a, dim, 0), np.moveaxis(source, dim, 0)
    out = moved.copy()
    for target in range(moved.shape[0]):
        joined = [src[i] for i in range(len(index)) if index[i] == target]
        if not joined:
            continue
        values = np.stack(([moved[target]] if include_self else []) + joined)
        if reduce == "mean":
            out[target] = values.sum(0) // len(values) if a.dtype.kind == "i" else values.mean(0)
        else:
            out[target] = {"prod": np.prod, "amax": np.max, "amin": np.min}[reduce](values, axis=0)
    return np.moveaxis(out, 0, dim)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_matches_the_documented_loop_finite_differences_and_pytorch(reduce, include_self):
    index = np.array([2, 0, 2, 2])
    # distinct values (quarters against fifths shifted by 0.03: no ties), so amax and amin are smooth here
    a, source = RNG.permutation(15).reshape(3, 5) / 4 - 1.5, RNG.permutation(12).reshape(3, 4) / 5 - 1.13
    for x, s in [(a, source), (RNG.integers(-5, 6, (3, 5)), RNG.integers(-5, 6, (3, 4)))]:
        got = tg.tensor(x).index_reduce(1, tg.tensor(index), tg.tensor(s), reduce, include_self=include_self)
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got.data, index_reduce_loop(x, 1, index, s, reduce, include_self), rtol=1e-12)
    check_gradients(lambda x, s: tg.index_reduce(x, 1, index, s, reduce, include_self=include_self), a, source)
    torch = _torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch: "index_reduce() is in beta"
        compare_with_pytorch(
            reduce, lambda lib, x, s: x.index_reduce(1, lib.tensor(index), s, reduce, include_self=include_self),
            [a, source])
        theirs = torch.tensor([[1, 2, 3]]).index_reduce(1, torch.tensor([0, 0, 2]), torch.tensor([[2, 3, 4]]), reduce,
                                                        include_self=include_self)
    ours = tg.tensor([[1, 2, 3]]).index_reduce(1, tg.tensor([0, 0, 2]), tg.tensor([[2, 3, 4]]), reduce,
                                               include_self=include_self)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_in_place_twins_write_into_the_tensor():
    x = tg.zeros(2, 2)
    assert x.put_(tg.tensor([3, 0]), tg.tensor([1.0, 2.0])) is x
    np.testing.assert_array_equal(x.data, [[2.0, 0.0], [0.0, 1.0]])
    c = tg.ones(2)
    c.addmv_(tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.tensor([1.0, 1.0]), beta=2)
    np.testing.assert_array_equal(c.data, [5.0, 9.0])
    m = tg.ones(2, 2)
    m.addr_(tg.tensor([1.0, 2.0]), tg.tensor([1.0, -1.0]), alpha=2)
    np.testing.assert_array_equal(m.data, [[3.0, -1.0], [5.0, -3.0]])
    m.addmm_(tg.eye(2), tg.eye(2), beta=0)
    np.testing.assert_array_equal(m.data, np.eye(2))


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: tg.slice_scatter(tg.zeros(3, 4), tg.ones(3), 1, 0, 1), ValueError,
     r"slice_scatter: src has shape \(3,\), the part it replaces \(3, 1\)"),
    (lambda: tg.slice_scatter(tg.zeros(3, 4), tg.ones(3, 2), 1, 0, 4, 0), ValueError, "slice_scatter: step"),
    (lambda: tg.select_scatter(tg.zeros(3, 4), tg.ones(3), 1, 4), IndexError, "select: index 4"),
    (lambda: tg.diagonal_scatter(tg.zeros(2, 3, 3), tg.ones(3, 2), 0, 1, 2), ValueError, "diagonal_scatter: src"),
    (lambda: tg.index_reduce(tg.ones(2, 3), 0, tg.tensor([0]), tg.ones(1, 3), "sum"), ValueError,
     "index_reduce: reduce must be one of prod"),
    (lambda: tg.index_reduce(tg.ones(2, 3), 0, tg.tensor([0]), tg.ones(1, 3, dtype=tg.float64), "prod"), TypeError,
     "index_reduce: the tensor"),
    (lambda: tg.index_reduce(tg.ones(2, 3), 0, tg.tensor([0]), tg.ones(1, 2), "prod"), ValueError,
     "index_reduce: source of shape"),
    (lambda: tg.index_reduce(tg.ones(2, 3), 0, tg.tensor([2]), tg.ones(1, 3), "prod"), IndexError, "out of bounds"),
    (lambda: tg.put(tg.zeros(5), tg.tensor([5]), tg.tensor([1.0])), IndexError, "put: index 5 is out of range"),
    (lambda: tg.put(tg.zeros(5), tg.tensor([1, 2]), tg.tensor([1.0])), ValueError, "put: source has 1 elements"),
    (lambda: tg.put(tg.zeros(5), tg.tensor([1]), tg.tensor([1])), TypeError, "put: the tensor"),
    (lambda: tg.put(tg.zeros(5), tg.tensor([1.0]), tg.tensor([1.0])), TypeError, "put: index must hold integers"),
])
def test_bad_scatter_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------------------------- integers, exponents
SIGNED = np.array([-12, 0, 18, -9, 7, 0, 2**40, -(2**31)])
OTHERS = np.array([18, 0, -12, 0, -21, 5, 2**20, 6])


def _euclid(a, b):
    """gcd by Euclid's algorithm in Python integers: the textbook definition, |gcd| ≥ 0."""
    a, b = abs(int(a)), abs(int(b))
    while b:
        a, b = b, a % b
    return a


def test_gcd_and_lcm_match_euclid_and_pytorch():
    gcd = [_euclid(a, b) for a, b in zip(SIGNED, OTHERS)]
    lcm = [0 if g == 0 else abs(int(a) * int(b)) // g for a, b, g in zip(SIGNED, OTHERS, gcd)]
    got_gcd, got_lcm = tg.gcd(tg.tensor(SIGNED), tg.tensor(OTHERS)), tg.tensor(SIGNED).lcm(tg.tensor(OTHERS))
    assert got_gcd.dtype == got_lcm.dtype == np.int64
    np.testing.assert_array_equal(got_gcd.data, gcd)
    np.testing.assert_array_equal(got_lcm.data, lcm)
    assert tg.gcd(tg.tensor([4], dtype=tg.int32), tg.tensor([6])).dtype == np.int64  # PyTorch's promotion
    assert tg.gcd(tg.tensor([4], dtype=tg.int16), tg.tensor([6], dtype=tg.int16)).dtype == np.int16
    torch = _torch()
    np.testing.assert_array_equal(got_gcd.data, torch.gcd(torch.tensor(SIGNED), torch.tensor(OTHERS)).numpy())
    np.testing.assert_array_equal(got_lcm.data, torch.lcm(torch.tensor(SIGNED), torch.tensor(OTHERS)).numpy())
    x = tg.tensor([4, 9])
    assert x.gcd_(tg.tensor([6, 6])) is x
    np.testing.assert_array_equal(x.data, [2, 3])


def test_ldexp_is_a_times_two_to_the_b():
    a, b = _randn(3, 4), RNG.integers(-5, 6, (4,))
    np.testing.assert_array_equal(tg.ldexp(tg.tensor(a), tg.tensor(b)).data, np.ldexp(a, b))
    assert tg.ldexp(tg.tensor([1, 3]), tg.tensor([2, -1])).dtype == np.float32  # integers become floats
    assert tg.tensor([1.0], dtype=tg.float64).ldexp(tg.tensor([2])).dtype == np.float64
    check_gradients(lambda x, e: tg.ldexp(x, e), a, RNG.uniform(-2, 2, (3, 4)))
    compare_with_pytorch("ldexp", lambda lib, x, e: lib.ldexp(x, e),
                                             [a, RNG.uniform(-2, 2, (3, 4))])


def test_frexp_splits_mantissa_and_exponent_as_numpy_and_pytorch():
    values = np.array([0.0, 1.0, -3.0, 0.5, np.inf, -np.inf, np.nan, -0.0, 1e-40, 3e38], dtype=np.float32)
    mantissa, exponent = tg.frexp(tg.tensor(values))
    expected_m, expected_e = np.frexp(values)
    np.testing.assert_array_equal(mantissa.data, expected_m)
    np.testing.assert_array_equal(exponent.data, expected_e)
    assert mantissa.dtype == np.float32 and exponent.dtype == np.int32
    assert tg.tensor(values).frexp().mantissa is not None
    torch = _torch()
    theirs = torch.frexp(torch.tensor(values))
    np.testing.assert_array_equal(mantissa.data, theirs.mantissa.numpy())
    np.testing.assert_array_equal(exponent.data, theirs.exponent.numpy())
    x = _randn(5) * 100
    check_gradients(lambda t: tg.frexp(t).mantissa, x)  # piecewise 2^−e: finite differences see it away from 2ᵏ
    compare_with_pytorch("frexp", lambda lib, t: lib.frexp(t).mantissa, [x])


def test_isin_isneginf_isposinf_isreal_match_numpy_and_pytorch():
    torch = _torch()
    cases = [(np.array([1, 2, 3]), np.array([2, 5])), (np.array([1.0, np.nan, 2.0]), np.array([np.nan, 2.0])),
             (np.array([1, 2]), np.array([1.5, 2.0])), (np.array([[1, 2], [3, 4]]), np.array([[4]]))]
    for elements, tests in cases:
        for invert in (False, True):
            got = tg.isin(tg.tensor(elements), tg.tensor(tests), invert=invert)
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got.data, np.isin(elements, tests, invert=invert))
            np.testing.assert_array_equal(got.data, torch.isin(torch.tensor(elements), torch.tensor(tests),
                                                               invert=invert).numpy())
    assert tg.isin(2, tg.tensor([2, 3])).item() is True
    np.testing.assert_array_equal(tg.isin(tg.tensor([1.0, 2.0]), 2.0).data, [False, True])
    v = np.array([1.0, np.inf, -np.inf, np.nan, 0.0])
    for name in ("isneginf", "isposinf", "isreal"):
        for values in (v, np.array([1, -2])):
            got = getattr(tg, name)(tg.tensor(values))
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got.data, getattr(torch, name)(torch.tensor(values)).numpy())
            np.testing.assert_array_equal(got.data, getattr(tg.tensor(values), name)().data)
    np.testing.assert_array_equal(tg.isneginf(tg.tensor(v)).data, np.isneginf(v))
    np.testing.assert_array_equal(tg.isposinf(tg.tensor(v)).data, np.isposinf(v))


def test_hardshrink_method_matches_the_functional_and_pytorch():
    x = np.array([-1.0, -0.5, 0.2, 0.5, 0.7, np.nan])
    np.testing.assert_array_equal(tg.tensor(x).hardshrink().data, tg.nn.functional.hardshrink(tg.tensor(x)).data)
    np.testing.assert_array_equal(tg.hardshrink(tg.tensor(x), lambd=0.6).data,
                                  np.where(np.abs(x) > 0.6, x, 0) + np.where(np.isnan(x), np.nan, 0))
    check_gradients(lambda t: t.hardshrink(0.3), np.array([-1.0, -0.1, 0.2, 0.6]))
    compare_with_pytorch("hardshrink", lambda lib, t: t.hardshrink(lambd=0.3),
                                             [np.array([-1.0, -0.1, 0.2, 0.6])])


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: tg.gcd(tg.tensor([1.0]), tg.tensor([2.0])), TypeError, "gcd: needs integer tensors"),
    (lambda: tg.lcm(tg.tensor([True]), tg.tensor([True])), TypeError, "lcm: needs integer tensors"),
    (lambda: tg.gcd(tg.tensor([4]), 6), TypeError, "gcd: other must be a tensor"),
    (lambda: tg.frexp(tg.tensor([1])), TypeError, "frexp: only floating-point"),
    (lambda: tg.tensor([1, 2]).hardshrink(), TypeError, "hardshrink: needs a floating-point"),
])
def test_bad_integer_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------------------------- integrals, derivatives
def cumulative_trapezoid_loop(y, x=None, dx=1.0, axis=-1):
    """The running trapezoid rule, one interval at a time: the area up to each sample after the first."""
    y = np.moveaxis(y, axis, -1)
    widths = np.diff(np.moveaxis(x, axis, -1) if x is not None and x.ndim == y.ndim else x) if x is not None \
        else np.full(y.shape[-1] - 1, dx)
    out, total = [], 0.0
    for i in range(y.shape[-1] - 1):
        total = total + (widths[..., i] if np.ndim(widths) else widths) * (y[..., i] + y[..., i + 1]) / 2
        out.append(total)
    return np.moveaxis(np.stack(out, -1) if out else y[..., :0], -1, axis)


POINTS = np.array([0.0, 0.4, 1.5, 1.7, 3.0])
INTEGRALS = [
    ("trapezoid", lambda lib, y: lib.trapezoid(y), [_randn(3, 5)], lambda y: np.trapezoid(y)),
    ("trapezoid dx", lambda lib, y: lib.trapezoid(y, dx=0.5, dim=0), [_randn(5, 2)],
     lambda y: np.trapezoid(y, dx=0.5, axis=0)),
    ("trapezoid x 1-D", lambda lib, y: lib.trapezoid(y, lib.tensor(POINTS)), [_randn(2, 5)],
     lambda y: np.trapezoid(y, POINTS)),
    ("trapezoid x and y", lambda lib, y, x: lib.trapezoid(y, x, dim=1), [_randn(2, 5), np.cumsum(_randn(2, 5), 1)],
     lambda y, x: np.trapezoid(y, x, axis=1)),
    ("trapz", lambda lib, y: lib.trapz(y, lib.tensor(POINTS)), [_randn(5)], lambda y: np.trapezoid(y, POINTS)),
    ("trapz dx", lambda lib, y: lib.trapz(y, dx=2.0), [_randn(4, 3)], lambda y: np.trapezoid(y, dx=2.0)),
    ("cumulative_trapezoid", lambda lib, y: lib.cumulative_trapezoid(y), [_randn(3, 5)],
     lambda y: cumulative_trapezoid_loop(y)),
    ("cumulative_trapezoid dx", lambda lib, y: lib.cumulative_trapezoid(y, dx=0.5, dim=0), [_randn(4, 2)],
     lambda y: cumulative_trapezoid_loop(y, dx=0.5, axis=0)),
    ("cumulative_trapezoid x", lambda lib, y: lib.cumulative_trapezoid(y, lib.tensor(POINTS)), [_randn(2, 5)],
     lambda y: cumulative_trapezoid_loop(y, POINTS)),
    ("cumulative_trapezoid x and y", lambda lib, y, x: lib.cumulative_trapezoid(y, x),
     [_randn(2, 4), np.cumsum(_randn(2, 4), 1)], lambda y, x: cumulative_trapezoid_loop(y, x)),
]


def test_integrals_of_integers_empty_and_single_samples_as_pytorch():
    torch = _torch()
    for line in ["trapezoid({t}([1, 4, 9]))", "cumulative_trapezoid({t}([1, 4, 9, 16]), dx=2)",
                 "trapezoid({t}([[1.0], [2.0]]))", "cumulative_trapezoid({t}([[1.0], [2.0]]))",
                 "trapezoid({t}([[], []]))", "cumulative_trapezoid({t}([[], []]))"]:
        ours = eval(line.format(t="tg.tensor"), {"trapezoid": tg.trapezoid,
                                                  "cumulative_trapezoid": tg.cumulative_trapezoid, "tg": tg})
        theirs = eval(line.format(t="torch.tensor"), {"trapezoid": torch.trapezoid,
                                                      "cumulative_trapezoid": torch.cumulative_trapezoid,
                                                      "torch": torch})
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), line
        np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=line)


GRADIENTS = [  # (name, keyword arguments with tg or torch, input's shape, numpy.gradient's positional spacing, axes)
    ("default", lambda lib: {}, (6,), (), None),
    ("2-D", lambda lib: {}, (4, 5), (), None),
    ("a spacing", lambda lib: {"spacing": 0.5}, (4, 5), (0.5,), None),
    ("one per dim", lambda lib: {"spacing": [2.0, 0.25]}, (4, 5), (2.0, 0.25), None),
    ("coordinates", lambda lib: {"spacing": (lib.tensor(np.array([0.0, 1.0, 1.5, 3.5])), lib.tensor(POINTS))}, (4, 5),
     (np.array([0.0, 1.0, 1.5, 3.5]), POINTS), None),
    ("dim", lambda lib: {"dim": 1}, (3, 5, 2), (), 1),
    ("dims with coordinates", lambda lib: {"spacing": [lib.tensor(POINTS), lib.tensor(np.array([0.0, 2.0, 2.5]))],
                                           "dim": [1, 0]}, (3, 5), (POINTS, np.array([0.0, 2.0, 2.5])), (1, 0)),
]


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize(("name", "kwargs", "shape", "spacing", "axes"), GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_gradient_matches_numpy_finite_differences_and_pytorch(name, kwargs, shape, spacing, axes, edge_order):
    f = _randn(*shape)
    got = tg.gradient(tg.tensor(f), edge_order=edge_order, **kwargs(tg))
    expected = np.gradient(f, *spacing, axis=axes, edge_order=edge_order)
    expected = [expected] if isinstance(expected, np.ndarray) else list(expected)
    assert isinstance(got, tuple) and len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.data, e, rtol=1e-12, atol=1e-12, err_msg=name)
    for k in range(len(got)):
        check_gradients(lambda x, k=k: tg.gradient(x, edge_order=edge_order, **kwargs(tg))[k], f)
    torch = _torch()
    theirs = torch.gradient(torch.tensor(f), edge_order=edge_order, **kwargs(torch))
    for g, t in zip(got, theirs):
        np.testing.assert_allclose(g.data, t.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)


def test_gradient_of_integers_is_float_and_of_a_scalar_is_empty():
    got = tg.gradient(tg.tensor([1, 4, 9, 16]))
    assert got[0].dtype == np.float32
    np.testing.assert_array_equal(got[0].data, [3.0, 4.0, 6.0, 7.0])
    assert tg.gradient(tg.tensor(1.0)) == ()


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: tg.trapezoid(tg.ones(3), tg.ones(3), dx=2), TypeError, "trapezoid: pass the sample points x or"),
    (lambda: tg.trapezoid(tg.ones(2, 3), tg.tensor([0.0, 1.0])), ValueError, "trapezoid: there must be one x"),
    (lambda: tg.trapezoid(tg.ones(3), 2.0), TypeError, "trapezoid: x must be a tensor"),
    (lambda: tg.cumulative_trapezoid(tg.ones(3), dim=1), IndexError, "cumulative_trapezoid: axis 1"),
    (lambda: tg.gradient(tg.tensor([1.0, 4.0]), edge_order=2), ValueError, "gradient: each dim must have at least"),
    (lambda: tg.gradient(tg.tensor([1.0, 4.0]), edge_order=3), ValueError, "gradient: edge_order must be 1 or 2"),
    (lambda: tg.gradient(tg.ones(2, 2), spacing=[3.0]), ValueError, "gradient: spacing must be a number or"),
    (lambda: tg.gradient(tg.ones(3), spacing=(tg.tensor(2.0),)), ValueError, "gradient: the coordinates of dim 0"),
    (lambda: tg.gradient(tg.ones(3), spacing=tg.ones(3)), TypeError, "gradient: spacing must be a number, or"),
    (lambda: tg.gradient(tg.ones(3), spacing=(tg.ones(3, requires_grad=True),)), ValueError, "require grad"),
    (lambda: tg.gradient(tg.ones(3, 3), dim=(0, -2)), ValueError, "gradient: dim .* names a dimension twice"),
])
def test_bad_integral_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------------------------- counting, sampling
def histogram_loop(values, edges, weights=None, density=False):
    """PyTorch's documented histogram, one value at a time: value v goes to bin i when eᵢ ≤ v < eᵢ₊₁, or to the last
    bin when v is the last edge; values outside and NaNs are dropped."""
    hist = np.zeros(len(edges) - 1)
    for k, v in enumerate(np.ravel(values)):
        for i in range(len(edges) - 1):
            if edges[i] <= v < edges[i + 1] or (i == len(edges) - 2 and v == edges[-1]):
                hist[i] += 1 if weights is None else np.ravel(weights)[k]
                break
    return hist / (hist.sum() * np.diff(edges)) if density else hist


HISTOGRAMS = [  # (values, bins, keyword arguments: a weight as an array, made a tensor of the values' dtype)
    (np.array([1.0, 2.0, 1.0, 4.0, 2.5]), 3, {}),
    (RNG.standard_normal((4, 5)), 6, {"range": (-1.0, 1.5)}),
    (RNG.standard_normal(20), 4, {"density": True}),
    (np.array([1.0, 2.0, 1.0, 4.0, 2.5]), "edges", {"weight": np.array([1.0, 2.0, 3.0, 4.0, 5.0])}),
    (np.array([3.0, 3.0]), 2, {}),
    (np.array([1.0, np.nan, 7.0, 5.0]), 2, {"range": (0.0, 5.0), "density": True}),
    (np.zeros(0), 2, {}),
]


@pytest.mark.parametrize("case", range(len(HISTOGRAMS)))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_histogram_matches_the_documented_loop_numpy_and_pytorch(case, dtype):
    values, bins, options = HISTOGRAMS[case]
    values = values.astype(dtype)

    def kwargs(lib):
        return {k: lib.tensor(v.astype(dtype)) if k == "weight" else v for k, v in options.items()}
    edges_given = np.array([0.0, 1.5, 2.0, 5.0], dtype=dtype)
    hist, edges = tg.histogram(tg.tensor(values), tg.tensor(edges_given) if bins == "edges" else bins,
                               **kwargs(tg))
    assert hist.dtype == edges.dtype == dtype
    weights = options.get("weight")
    finite = values[~np.isnan(values)]
    expected_edges = edges_given if bins == "edges" else np.histogram(finite, bins, range=options.get("range"))[1]
    np.testing.assert_allclose(edges.data, expected_edges, rtol=1e-6 if dtype == np.float32 else 1e-15)
    np.testing.assert_allclose(hist.data, histogram_loop(values, edges.data, weights, options.get("density", False)),
                               rtol=1e-6)
    torch = _torch()
    theirs = torch.histogram(torch.tensor(values), torch.tensor(edges_given) if bins == "edges" else bins,
                             **kwargs(torch))
    np.testing.assert_allclose(hist.data, theirs.hist.numpy(), rtol=1e-6)
    np.testing.assert_allclose(edges.data, theirs.bin_edges.numpy(), rtol=1e-6)
    assert tg.tensor(values).histogram(bins if bins != "edges" else tg.tensor(edges_given)).bin_edges is not None


UNIQUE_RUNS = [
    (np.array([1.0, 1.0, 2.0, 2.0, 3.0, 1.0, 1.0, np.nan, np.nan]), None),
    (np.array([[1, 1, 2], [1, 1, 2], [3, 1, 2]]), None),
    (np.array([[1, 1, 2], [1, 1, 2], [3, 1, 2]]), 0),
    (np.array([[1, 1, 2], [1, 1, 2], [3, 1, 2]]), 1),
    (np.array([[[1, 2]], [[1, 2]], [[1, 3]]]), -3),
    (np.array(5), None),
    (np.zeros((0, 3)), 0),
    (np.zeros(0), None),
]


def unique_consecutive_loop(values, dim):
    """Runs found by walking the slices in order (np.array_equal: NaN equals nothing) — the documented definition."""
    slices = list(np.ravel(values)) if dim is None else [np.take(values, i, axis=dim)
                                                         for i in range(values.shape[dim])]
    kept, inverse, counts = [], [], []
    for piece in slices:
        if not kept or not np.array_equal(piece, kept[-1]):
            kept.append(piece)
            counts.append(0)
        counts[-1] += 1
        inverse.append(len(kept) - 1)
    if dim is None:
        return np.array(kept, dtype=values.dtype), np.array(inverse).reshape(values.shape), np.array(counts)
    out = np.stack(kept, axis=dim) if kept else np.take(values, [], axis=dim)
    return out, np.array(inverse, dtype=np.int64), np.array(counts, dtype=np.int64)


@pytest.mark.parametrize("case", range(len(UNIQUE_RUNS)))
def test_unique_consecutive_matches_the_loop_and_pytorch(case):
    values, dim = UNIQUE_RUNS[case]
    got = tg.unique_consecutive(tg.tensor(values), return_inverse=True, return_counts=True, dim=dim)
    for g, e in zip(got, unique_consecutive_loop(values, dim)):
        assert g.shape == e.shape
        np.testing.assert_array_equal(g.data, e)
    assert got[1].dtype == got[2].dtype == np.int64
    torch = _torch()
    theirs = torch.unique_consecutive(torch.tensor(values), return_inverse=True, return_counts=True, dim=dim)
    for g, t in zip(got, theirs):
        np.testing.assert_array_equal(g.data, t.numpy())
    alone = tg.tensor(values).unique_consecutive(dim=dim)
    np.testing.assert_array_equal(alone.data, got[0].data)
    assert len(tg.tensor(values).unique_consecutive(return_counts=True, dim=dim)) == 2


def test_random_fills_follow_pytorch_ranges():
    tg.manual_seed(0)
    assert set(tg.zeros(2000).random_(3, 6).data.tolist()) == {3.0, 4.0, 5.0}
    assert set(tg.zeros(2000, dtype=tg.int64).random_(4).data.tolist()) == {0, 1, 2, 3}
    small = tg.zeros(4000, dtype=tg.int8).random_()
    assert small.data.min() >= 0 and small.data.max() <= 127 and small.data.max() > 100
    floats = tg.zeros(4000).random_()
    assert floats.data.min() >= 0 and floats.data.max() <= 2**24 and floats.data.max() > 2**23
    assert np.all(floats.data == np.round(floats.data))
    x = tg.zeros(3)
    assert x.random_(5) is x
    coins = tg.zeros(20000).bernoulli_(0.25)
    assert set(coins.data.tolist()) == {0.0, 1.0} and abs(coins.data.mean() - 0.25) < 0.02
    per_place = tg.zeros(2, 10000).bernoulli_(tg.tensor([[0.0], [1.0]]))
    np.testing.assert_array_equal(per_place.data, np.repeat([[0.0], [1.0]], 10000, axis=1))
    draws = tg.tensor([0.2, 0.8]).bernoulli().data
    assert set(draws.tolist()) <= {0.0, 1.0}
    picks = tg.tensor([0.0, 1.0, 3.0]).multinomial(4000, replacement=True).data
    assert set(picks.tolist()) == {1, 2} and abs((picks == 2).mean() - 0.75) < 0.03
    ints = tg.randint_like(tg.ones(3000), 2, 5)
    assert ints.dtype == np.float32 and set(ints.data.tolist()) == {2.0, 3.0, 4.0}
    assert tg.randint_like(tg.ones(5, dtype=tg.int32), 10).dtype == np.int32
    assert tg.randint_like(tg.ones(2, 2), 10, dtype=tg.int64).shape == (2, 2)
    torch = _torch()
    assert torch.randint_like(torch.ones(2), 10).dtype == torch.float32  # the dtype rule checked against PyTorch


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: tg.histogram(tg.tensor([1, 2]), 2), TypeError, "histogram: needs a floating-point"),
    (lambda: tg.histogram(tg.tensor([1.0, 2.0]), 2, range=(3.0, 1.0)), ValueError, "histogram: range's min"),
    (lambda: tg.histogram(tg.tensor([1.0, math.inf]), 2), ValueError, "histogram: the range .* is not finite"),
    (lambda: tg.histogram(tg.tensor([1.0]), 0), TypeError, "histogram: bins must be a positive int"),
    (lambda: tg.histogram(tg.tensor([1.0]), tg.tensor([2.0, 1.0])), ValueError, "histogram: bin edges"),
    (lambda: tg.histogram(tg.tensor([1.0]), 2, weight=tg.ones(2)), ValueError, "histogram: weight has shape"),
    (lambda: tg.histogram(tg.tensor([1.0]), 2, weight=tg.ones(1, dtype=tg.float64)), TypeError,
     "histogram: weight's dtype"),
    (lambda: tg.unique_consecutive(tg.ones(2), dim=1), IndexError, "unique_consecutive: axis 1"),
    (lambda: tg.zeros(2).random_(5, 2), ValueError, "random_: expects from < to"),
    (lambda: tg.zeros(2).bernoulli_(1.5), ValueError, "bernoulli_: probabilities"),
])
def test_bad_counting_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------------------------- complex numbers' names
def test_angle_of_real_numbers_is_pi_or_zero_with_a_zero_gradient_as_pytorch():
    values = np.array([-1.5, 0.0, 2.0, np.nan, -0.0, -np.inf, np.inf])
    got = tg.angle(tg.tensor(values))
    np.testing.assert_array_equal(got.data, np.where(np.isnan(values), np.nan, np.where(values < 0, np.pi, 0.0)))
    assert np.angle(-1.5) == np.pi and tg.tensor(values).angle().dtype == np.float64
    assert tg.angle(tg.tensor([-1, 0, 2])).dtype == np.float32  # integers become floats
    check_gradients(lambda t: t.angle(), np.array([-1.5, 0.3, 2.0]))  # zero away from 0: finite differences agree
    x = tg.tensor(values, requires_grad=True)
    tg.angle(x).sum().backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, np.zeros(7))  # 0 at inf and NaN too (not NaN), as PyTorch
    torch = _torch()
    theirs = torch.tensor(values, requires_grad=True)
    torch.angle(theirs).sum().backward()
    np.testing.assert_array_equal(got.data, torch.angle(torch.tensor(values)).numpy())
    np.testing.assert_array_equal(x.grad.data, theirs.grad.numpy())
    assert str(torch.angle(torch.tensor([-1, 0])).dtype) == "torch.float32"


def test_real_is_the_tensor_itself_and_imag_refuses_as_pytorch():
    x = tg.tensor([1.0, -2.0])
    assert x.real is x and tg.real(x) is x
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        x.imag  # noqa: B018 - the property access is the test
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        tg.imag(x)
    torch = _torch()
    t = torch.tensor([1.0, -2.0])
    assert t.real is t
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        t.imag  # noqa: B018


@pytest.mark.parametrize(("call", "alternative"), [
    (lambda: tg.polar(tg.ones(2), tg.zeros(2)), "abs \\* angle.cos\\(\\)"),
    (lambda: tg.complex(tg.ones(2), tg.zeros(2)), "two real tensors"),
    (lambda: tg.view_as_complex(tg.ones(2, 2)), r"input\[..., 0\]"),
])
def test_complex_producing_ops_refuse_and_name_the_real_alternative(call, alternative):
    with pytest.raises(TypeError, match=f"complex dtypes are not supported here.*{alternative}"):
        call()


# ----------------------------------------------------------------------------------------------- every smooth case
ALL_DIFFERENTIABLE = DIFFERENTIABLE + VIEW_SCATTERS + INTEGRALS


@_cases(ALL_DIFFERENTIABLE)
def test_forward_matches_numpy(name, call, inputs, truth):
    got = call(tg, *[tg.tensor(x) for x in inputs])
    np.testing.assert_allclose(got.data, truth(*inputs), rtol=1e-12, atol=1e-12, err_msg=name)


@_cases(ALL_DIFFERENTIABLE)
def test_gradients_match_finite_differences(name, call, inputs, truth):
    check_gradients(lambda *xs: call(tg, *xs), *inputs)


@_cases(ALL_DIFFERENTIABLE)
def test_forward_and_gradients_match_pytorch(name, call, inputs, truth):
    compare_with_pytorch(name, call, inputs)
