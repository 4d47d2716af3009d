"""Shape ops (issue 14): forwards against numpy (whose names sometimes mean other things: PyTorch's meaning wins),
gradients against finite differences in both backward modes, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from gradients import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import tinygrad_edu as tg

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4))


def test_repeat_is_numpys_tile_and_repeat_interleave_is_numpys_repeat():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.Tensor(x).repeat(2, 1, 3).data, np.tile(x, (2, 1, 3)))
    np.testing.assert_array_equal(tg.Tensor(x).tile(2).data, np.tile(x, 2))
    np.testing.assert_array_equal(tg.Tensor(x).repeat_interleave(2, dim=1).data, np.repeat(x, 2, axis=1))
    np.testing.assert_array_equal(tg.Tensor(x).repeat_interleave(3).data, np.repeat(x, 3))
    check_gradients(lambda t: t.repeat(2, 2), x)
    check_gradients(lambda t: t.repeat_interleave(2, 0), x)
    with pytest.raises(ValueError, match="tile\\(\\) accepts fewer"):
        tg.Tensor(x).repeat(2)


@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_flip_and_roll(shape, data):
    x = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1))).standard_normal(shape)
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    shifts = data.draw(st.lists(st.integers(-6, 6), min_size=len(axes), max_size=len(axes)))
    np.testing.assert_array_equal(tg.Tensor(x).flip(axes).data, np.flip(x, axes))
    np.testing.assert_array_equal(tg.Tensor(x).roll(shifts, axes).data, np.roll(x, shifts, axes))
    np.testing.assert_array_equal(tg.Tensor(x).roll(shifts[0]).data, np.roll(x, shifts[0]))
    check_gradients(lambda t: t.flip(axes), x)
    check_gradients(lambda t: t.roll(shifts, axes), x)


def test_flip_spellings():
    assert tg.Tensor(X).flip(0, 2).tolist() == np.flip(X, (0, 2)).tolist()
    assert tg.Tensor(X).flip(dims=[1]).tolist() == np.flip(X, 1).tolist()
    assert tg.Tensor(X).flip().tolist() == np.flip(X).tolist()  # numpy: every axis
    assert tg.flip(tg.Tensor(X), axis=-1).tolist() == np.flip(X, -1).tolist()


def test_split_and_chunk_mean_what_they_mean_in_pytorch():
    x = tg.Tensor(np.arange(10.0))
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]  # pieces of 4 (numpy: 4 pieces)
    assert [p.shape for p in x.split([1, 9])] == [(1,), (9,)]
    assert [p.shape for p in tg.Tensor(np.arange(6.0)).chunk(4)] == [(2,), (2,), (2,)]  # ⌈6/4⌉ = 2: three pieces
    assert [p.shape for p in tg.Tensor(np.arange(5.0)).chunk(3)] == [(2,), (2,), (1,)]
    with pytest.raises(ValueError, match="add up to 10"):
        x.split([1, 3])
    check_gradients(lambda t: t.split([1, 2], 1)[1] * 2 + t.split([1, 2], 1)[0], X[:, :3, 0])
    check_gradients(lambda t: t.chunk(2, -1)[0] - t.chunk(2, -1)[1], X)


def test_unbind_and_narrow():
    parts = tg.Tensor(X).unbind(1)
    assert len(parts) == 3 and all(np.array_equal(p.data, X[:, i]) for i, p in enumerate(parts))
    np.testing.assert_array_equal(tg.Tensor(X).narrow(2, -3, 2).data, X[:, :, 1:3])
    check_gradients(lambda t: tg.stack(list(t.unbind(2))[::-1], 0), X)
    check_gradients(lambda t: t.narrow(1, 1, 2), X)
    with pytest.raises(IndexError, match="do not fit"):
        tg.Tensor(X).narrow(1, 2, 2)


@pytest.mark.parametrize("diagonal", [-2, -1, 0, 1, 3])
def test_tril_triu_diag_diagonal(diagonal):
    m = RNG.standard_normal((4, 5))
    np.testing.assert_array_equal(tg.Tensor(X).tril(diagonal).data, np.tril(X, diagonal))
    np.testing.assert_array_equal(tg.Tensor(X).triu(diagonal).data, np.triu(X, diagonal))
    np.testing.assert_array_equal(tg.Tensor(m).diag(diagonal).data, np.diag(m, diagonal))
    np.testing.assert_array_equal(tg.Tensor(m[0]).diag(diagonal).data, np.diag(m[0], diagonal))
    np.testing.assert_array_equal(tg.Tensor(X).diagonal(diagonal, 0, 2).data, np.diagonal(X, diagonal, 0, 2))
    check_gradients(lambda t: t.tril(diagonal), X)
    check_gradients(lambda t: t.diag(diagonal), m)
    check_gradients(lambda t: t.diag(diagonal), m[0])
    check_gradients(lambda t: t.diagonal(diagonal, -1, 0), X)


def test_diag_of_a_matrix_is_a_copy_as_in_pytorch_and_diagonal_is_the_view():
    m = tg.ones(3, 3)
    copied, viewed = tg.diag(m, 1), m.diagonal(1)
    with tg.no_grad():
        m.zero_()
        copied.fill_(5.0)
    assert copied.tolist() == [5.0, 5.0] and viewed.tolist() == [0.0, 0.0] and m.sum().item() == 0.0


def test_trace_tril_of_integers_and_errors():
    assert tg.Tensor(np.arange(9).reshape(3, 3)).trace().item() == 12
    assert tg.Tensor(np.arange(4, dtype=np.int32).reshape(2, 2)).tril().dtype == np.int32
    check_gradients(lambda t: t.trace(), X[0])
    with pytest.raises(ValueError, match="expected a matrix"):
        tg.Tensor(X).trace()
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tg.Tensor([1.0]).tril()


def test_unflatten_movedim_meshgrid_broadcast_tensors():
    assert tg.Tensor(X).unflatten(2, (2, -1)).shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(tg.Tensor(X).movedim((0, 1), (2, 0)).data, np.moveaxis(X, (0, 1), (2, 0)))
    np.testing.assert_array_equal(tg.Tensor(X).moveaxis(-1, 0).data, np.moveaxis(X, -1, 0))
    a, b = np.arange(2.0), np.arange(3.0)
    for indexing in ("ij", "xy"):
        for ours, theirs in zip(tg.meshgrid(tg.Tensor(a), tg.Tensor(b), indexing=indexing),
                                np.meshgrid(a, b, indexing=indexing)):
            np.testing.assert_array_equal(ours.data, theirs)
    assert tg.meshgrid(tg.Tensor(a), tg.Tensor(b))[0].shape == (2, 3)  # PyTorch's default is 'ij'
    check_gradients(lambda u, v: tg.meshgrid(u, v)[0] * tg.meshgrid(u, v)[1], a, b)
    shapes = [t.shape for t in tg.broadcast_tensors(tg.Tensor(np.ones((3, 1))), tg.Tensor(np.ones(4)))]
    assert shapes == [(3, 4), (3, 4)]
    check_gradients(lambda u, v: tg.broadcast_tensors(u, v)[0] * 2 + tg.broadcast_tensors(u, v)[1],
                    RNG.standard_normal((3, 1)), RNG.standard_normal(4))


def test_view_never_copies_as_in_pytorch_and_names_reshape_where_it_would_have_to():
    m = tg.zeros(2, 3)
    flat = m.view(-1)
    with tg.no_grad():
        flat[0] = 5.0
    assert m[0, 0].item() == 5.0  # one memory, as PyTorch's view
    with pytest.raises(RuntimeError, match=r"view\(6,\).*use \.reshape"):
        m.t().view(-1)  # a copy would lose writes through it; PyTorch raises here too
    with pytest.raises(RuntimeError, match=r"use \.reshape"):
        m.t().view_as(flat)
    assert m.t().reshape(-1).tolist() == [5.0, 0.0, 0.0, 0.0, 0.0, 0.0]
