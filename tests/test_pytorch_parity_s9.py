"""PyTorch lines that failed here (issues 14 and 15), checked without PyTorch: negative indices where PyTorch wraps
them, 0-d inputs to the gather/scatter family, repeat_interleave with a tensor of repeats, einsum's sublist format
and the containers' operators — against numpy's own semantics, loops and values written by hand, and finite
differences for every gradient."""

from __future__ import annotations

import numpy as np
import pytest
from gradients import check_gradients

import tinygrad_edu as tg

RNG = np.random.default_rng(9)
X = np.arange(6, dtype=np.float32).reshape(2, 3)


# ------------------------------------------------------------------------------ negative indices
def test_take_and_put_count_negative_indices_from_the_end_as_numpy_does():
    for index in ([-1, 0], [-6, 5, -3], [[-1, 0], [2, -3]], -2):
        np.testing.assert_array_equal(tg.take(tg.tensor(X), tg.tensor(index)).data, np.take(X.ravel(), index))
    for index in ([-7], [6]):
        with pytest.raises(IndexError, match=rf"take: index {index[0]} is out of range for dim 0 of size 6"):
            tg.take(tg.tensor(X), tg.tensor(index))
    expected = X.ravel().copy()
    np.put(expected, [-2, 0], [9.0, 8.0])  # numpy's put wraps negative indices the same way
    np.testing.assert_array_equal(tg.tensor(X).put(tg.tensor([-2, 0]), tg.tensor([9.0, 8.0])).data.ravel(), expected)


def test_index_fill_counts_negative_indices_from_the_end():
    assert tg.tensor(X).index_fill(1, tg.tensor([-1]), 0).tolist() == [[0, 1, 0], [3, 4, 0]]
    assert tg.tensor(X).index_fill(1, tg.tensor([-3, 1]), -1.0).tolist() == [[-1, -1, 2], [-1, -1, 5]]
    assert tg.tensor(X).index_fill(0, tg.tensor(-1), 7.0).tolist() == [[0, 1, 2], [7, 7, 7]]
    for index in (-4, 3):
        with pytest.raises(IndexError, match=rf"index_fill: index {index} is out of range for dim 1 of size 3"):
            tg.tensor(X).index_fill(1, tg.tensor([index]), 0)


def test_take_along_dim_takes_every_index_modulo_the_size_as_pytorchs_reference():
    # PyTorch's _refs.take_along_dim: indices % size, then gather — so -1 is the last and 3 the first of 3
    index = np.array([[-1, 3, -4, 100], [0, -3, 5, -100]])
    expected = [[X[i, int(index[i, j]) % 3] for j in range(4)] for i in range(2)]
    assert tg.tensor(X).take_along_dim(tg.tensor(index), 1).tolist() == expected
    assert tg.take_along_dim(tg.tensor(X), tg.tensor([[-1], [0]]), 1).tolist() == [[2], [3]]
    assert tg.tensor(X).take_along_dim(tg.tensor([[-1, 1, 0]]), dim=0).tolist() == [[3, 4, 2]]
    with pytest.raises(IndexError, match="out of bounds"):  # without a dim PyTorch's gather refuses them
        tg.take_along_dim(tg.tensor(X), tg.tensor([-1]))
    with pytest.raises(IndexError, match="dim 1 is empty"):
        tg.tensor(np.ones((2, 0))).take_along_dim(tg.tensor(np.zeros((2, 1), np.int64)), 1)


@pytest.mark.parametrize("op", ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
                                "index_copy", "index_reduce"])
def test_the_gather_and_scatter_family_refuses_negative_indices_as_pytorch(op):
    x = tg.tensor(X)
    calls = {"gather": lambda i: x.gather(1, tg.tensor([[i], [0]])),
             "scatter": lambda i: x.scatter(1, tg.tensor([[i], [0]]), 9.0),
             "scatter_add": lambda i: x.scatter_add(1, tg.tensor([[i], [0]]), tg.ones(2, 1)),
             "scatter_reduce": lambda i: x.scatter_reduce(1, tg.tensor([[i], [0]]), tg.ones(2, 1), "sum"),
             "index_select": lambda i: x.index_select(1, tg.tensor([i])),
             "index_add": lambda i: x.index_add(1, tg.tensor([i]), tg.ones(2, 1)),
             "index_copy": lambda i: x.index_copy(1, tg.tensor([i]), tg.ones(2, 1)),
             "index_reduce": lambda i: x.index_reduce(1, tg.tensor([i]), tg.ones(2, 1), "prod")}
    for index in (-1, 3):
        with pytest.raises(IndexError, match=f"index {index} is out of bounds"):
            calls[op](index)


def test_gradients_with_wrapped_indices_add_up_where_two_indices_meet():
    x = RNG.standard_normal(3)
    # -1 and 2 are one element of 3: its gradient is the sum of both upstream values (1 + 10), the first gets 100
    leaf = tg.tensor(x, requires_grad=True)
    tg.take(leaf, tg.tensor([-1, 2, 0])).backward(tg.tensor([1.0, 10.0, 100.0], dtype=tg.float64))
    assert leaf.grad.tolist() == [100, 0, 11]
    leaf = tg.tensor(x, requires_grad=True)
    leaf.take_along_dim(tg.tensor([-1, 2, 5, 0]), 0).backward(tg.tensor([1.0, 10.0, 1000.0, 100.0], dtype=tg.float64))
    assert leaf.grad.tolist() == [100, 0, 1011]
    grid = RNG.standard_normal((2, 3))
    check_gradients(lambda t: tg.take(t, tg.tensor([[-1, 5], [0, -6]])), grid)
    check_gradients(lambda t: t.take_along_dim(tg.tensor([[-1, 2, 4], [-3, 0, 0]]), 1), grid)
    check_gradients(lambda t: t.index_fill(1, tg.tensor([-1, 2]), 0.5), grid)
    check_gradients(lambda t, s: t.put(tg.tensor([-1, 5, 0]), s, accumulate=True), grid, RNG.standard_normal(3))
    check_gradients(lambda t, v: t.index_fill(1, tg.tensor([-3]), v), grid, np.array(0.25))


# ------------------------------------------------------------------------------ 0-d inputs
def test_the_gather_and_scatter_family_reads_a_0d_input_as_one_element():
    three, five = tg.tensor(3.0), tg.tensor(5.0)
    assert three.scatter(0, tg.tensor(0), five).item() == 5.0 and three.scatter(0, tg.tensor(0), five).shape == ()
    assert three.scatter(-1, tg.tensor(0), 7.0).item() == 7.0
    assert three.scatter(0, tg.tensor([0, 0]), tg.tensor([5.0, 6.0])).item() == 6.0  # the last write wins
    assert tg.tensor([1.0, 2.0, 3.0]).scatter(0, tg.tensor(2), tg.tensor([4.0, 5.0])).tolist() == [1, 2, 4]
    assert three.scatter_add(0, tg.tensor([0, 0]), tg.tensor([5.0, 1.0])).item() == 9.0
    assert tg.tensor([1.0, 2.0, 3.0]).scatter_add(0, tg.tensor(2), five).tolist() == [1, 2, 8]
    for reduce, include_self, expected in [("sum", True, 8), ("prod", True, 15), ("mean", True, 4), ("amax", True, 5),
                                           ("amin", True, 3), ("amin", False, 5), ("sum", False, 5)]:
        assert three.scatter_reduce(0, tg.tensor(0), five, reduce, include_self=include_self).item() == expected
    assert three.gather(0, tg.tensor(0)).shape == () and three.gather(0, tg.tensor([0, 0])).tolist() == [3, 3]
    assert tg.tensor([1.0, 2.0, 3.0]).gather(0, tg.tensor(2)).item() == 3.0
    assert three.index_select(0, tg.tensor(0)).shape == ()
    assert tg.tensor([1.0, 2.0]).index_select(0, tg.tensor(1)).tolist() == [2.0]
    assert tg.take_along_dim(three, tg.tensor(0)).shape == (1,)  # without a dim both are flattened
    assert three.index_fill(0, tg.tensor(-1), 1.0).item() == 1.0
    assert three.index_add(0, tg.tensor(0), five).item() == 8.0 and three.index_copy(0, tg.tensor(0), five).item() == 5
    assert tg.zeros(2, 3).index_add(0, tg.tensor(1), tg.ones(1, 3)).tolist() == [[0, 0, 0], [1, 1, 1]]


def test_0d_inputs_that_pytorch_refuses_are_refused():
    three = tg.tensor(3.0)
    for call, error in [(lambda: three.scatter(0, tg.tensor(1), tg.tensor(5.0)), "index 1 is out of bounds"),
                        (lambda: three.gather(0, tg.tensor(-1)), "index -1 is out of bounds"),
                        (lambda: tg.ones(2, 3).gather(0, tg.tensor(0)), "index has 0 dimension"),
                        (lambda: three.take_along_dim(tg.tensor(0), 0), "a 0-d tensor has no dim 0"),
                        (lambda: three.scatter(1, tg.tensor(0), tg.tensor(5.0)), "axis 1 is out of range")]:
        with pytest.raises((IndexError, ValueError), match=error):
            call()


def test_gradients_through_0d_gathers_and_scatters():
    a, b, row = np.array(3.0), np.array(5.0), RNG.standard_normal(3)
    check_gradients(lambda s, v: s.scatter(0, tg.tensor(0), v), a, b)
    check_gradients(lambda s, v: s.scatter(0, tg.tensor([0, 0]), v), a, RNG.standard_normal(2))
    check_gradients(lambda r, v: r.scatter(0, tg.tensor(2), v), row, b)
    check_gradients(lambda s, v: s.scatter_add(0, tg.tensor(0), v), a, b)
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        check_gradients(lambda s, v, r=reduce: s.scatter_reduce(0, tg.tensor([0, 0]), v, r), a, np.array([2.0, 4.5]))
    check_gradients(lambda r, v: r.scatter_reduce(0, tg.tensor(1), v, "prod"), row, b)
    check_gradients(lambda s: s.gather(0, tg.tensor([0, 0])), a)
    check_gradients(lambda r: r.gather(0, tg.tensor(2)), row)
    check_gradients(lambda s, v: s.index_add(0, tg.tensor(0), v), a, b)
    check_gradients(lambda r, v: r.index_copy(0, tg.tensor(1), v), row, b)
    check_gradients(lambda s, v: s.scatter(0, tg.tensor(0), v), a, RNG.standard_normal(3))  # PyTorch's fails here


# ------------------------------------------------------------------------------ repeat_interleave with a tensor
def test_repeat_interleave_with_a_tensor_of_counts_is_numpys_repeat():
    x = RNG.standard_normal((2, 3))
    for counts, dim in [([1, 0, 2], 1), ([2, 1], 0), ([3], 1), (2, 0), ([1, 0, 2, 1, 1, 3], None), ([2], None)]:
        expected = np.repeat(x if dim is not None else x.ravel(), np.broadcast_to(counts, x.shape[dim] if dim is not
                             None else x.size), axis=dim if dim is not None else 0)
        np.testing.assert_array_equal(tg.tensor(x).repeat_interleave(tg.tensor(counts), dim=dim).data, expected)
        check_gradients(lambda t, c=counts, d=dim: t.repeat_interleave(tg.tensor(c), d), x)  # Σ over the copies
    assert tg.repeat_interleave(tg.tensor(x), tg.tensor([1, 0, 2]), dim=-1, output_size=3).shape == (2, 3)
    assert tg.tensor(5.0).repeat_interleave(tg.tensor([3])).tolist() == [5, 5, 5]


def test_repeat_interleave_with_only_counts_gives_the_repeated_indices():
    assert tg.repeat_interleave(tg.tensor([1, 0, 2])).tolist() == [0, 2, 2]
    assert tg.repeat_interleave(repeats=tg.tensor([2, 1]), output_size=3).tolist() == [0, 0, 1]
    assert tg.repeat_interleave(tg.tensor([1, 2], dtype=tg.int32)).dtype == tg.int32  # the counts' dtype
    assert tg.repeat_interleave(tg.tensor([], dtype=tg.int64)).shape == (0,)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: tg.ones(2, 3).repeat_interleave(tg.tensor([1, 2]), dim=1), ValueError, "2 counts, the tensor 3"),
    (lambda: tg.ones(2, 3).repeat_interleave(tg.tensor([1, -1, 2]), dim=1), ValueError, "can not be negative"),
    (lambda: tg.ones(2, 3).repeat_interleave(tg.tensor([1.0, 1.0, 2.0]), dim=1), TypeError, "integers"),
    (lambda: tg.ones(2, 3).repeat_interleave(tg.tensor([[1, 1, 2]]), dim=1), ValueError, "1-D or 0-d"),
    (lambda: tg.ones(2, 3).repeat_interleave(tg.tensor([1, 0, 2]), dim=1, output_size=4), ValueError, "output_size"),
    (lambda: tg.tensor(5.0).repeat_interleave(tg.tensor(3), dim=0), IndexError, "a 0-d tensor has no dim 0"),
    (lambda: tg.repeat_interleave(tg.tensor(3)), ValueError, "1-D tensor"),
    (lambda: tg.repeat_interleave(tg.tensor([1, 0]), output_size=2), ValueError, "output_size 2"),
])
def test_repeat_interleave_refuses_what_pytorch_refuses(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------------------ einsum's sublist format
EINSUM_SUBLISTS = [  # (the arguments from the operands, the operands' shapes); numpy's einsum reads the same format
    (lambda a, b: (a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)]),
    (lambda a, b: (a, [0, 1], b, [1, 2]), [(2, 3), (3, 4)]),
    (lambda a, b: (a, [1, 0], b, [0, 2]), [(2, 3), (3, 4)]),  # implicit output: the letters used once, sorted
    (lambda c, b: (c, [..., 0, 1], b, [1, 2], [..., 0, 2]), [(5, 2, 3), (3, 4)]),
    (lambda c, b: (c, [Ellipsis, 0, 1], b, [1, 2]), [(5, 2, 3), (3, 4)]),
    (lambda a: (a, (51, 0), (51, 0)), [(2, 3)]),
    (lambda a: (a, [26, 25]), [(2, 3)]),  # A–Z sort before a–z
    (lambda s: (s, [7, 7]), [(3, 3)]),  # a trace
    (lambda a: (a, [0, 1], []), [(2, 3)]),
    (lambda a, b, c: (a, [0], b, [1], c, [2], [2, 0, 1]), [(2,), (3,), (4,)]),
]


@pytest.mark.parametrize(("arguments", "shapes"), EINSUM_SUBLISTS)
def test_einsum_sublists_are_numpys(arguments, shapes):
    arrays = [RNG.standard_normal(shape) for shape in shapes]
    ours = tg.einsum(*arguments(*[tg.tensor(a) for a in arrays]))
    np.testing.assert_allclose(ours.data, np.einsum(*arguments(*arrays)), rtol=1e-12)
    check_gradients(lambda *ts: tg.einsum(*arguments(*ts)), *arrays)


def test_einsum_sublists_refuse_what_pytorch_refuses():
    a = tg.ones(2, 3)
    for bad in ([52, 0], [-1, 0], [0, 1.0]):
        with pytest.raises(ValueError, match=r"sublist subscripts must be ints in \[0, 52\)"):
            tg.einsum(a, bad, [0])
    with pytest.raises(TypeError, match="each operand is followed by a list of its subscripts"):
        tg.einsum(a, a)
    with pytest.raises(ValueError, match="do not fit an operand of shape"):
        tg.einsum(a, [0], [0])


# ------------------------------------------------------------------------------ containers' operators
def test_module_list_plus_is_a_new_list_of_the_same_modules():
    relu, linear, tanh = tg.nn.ReLU(), tg.nn.Linear(2, 2), tg.nn.Tanh()
    first, second = tg.nn.ModuleList([relu, linear]), tg.nn.ModuleList([tanh])
    joined = first + second
    assert isinstance(joined, tg.nn.ModuleList) and list(joined) == [relu, linear, tanh] and len(first) == 2
    assert list(dict(joined.named_children())) == ["0", "1", "2"] and joined[1].weight is linear.weight
    assert list(first + [tanh]) == [relu, linear, tanh]  # noqa: RUF005 — any iterable of modules, as PyTorch
    alias = first
    first += (m for m in [tanh])
    assert alias is first and list(alias) == [relu, linear, tanh]
    with pytest.raises(TypeError, match="not iterable"):
        first + 3
    with pytest.raises(TypeError, match="holds Modules, got int"):
        first + [3]  # noqa: RUF005 — ModuleList's +, the operator under test
    with pytest.raises(TypeError):
        first * 2  # PyTorch's ModuleList has no *


def test_sequential_plus_and_times_as_pytorch():
    relu, linear, tanh = tg.nn.ReLU(), tg.nn.Linear(2, 2), tg.nn.Tanh()
    net = tg.nn.Sequential(relu, linear)
    named = tg.nn.Sequential({"x": relu}) + tg.nn.Sequential({"y": tanh})
    assert isinstance(named, tg.nn.Sequential) and list(dict(named.named_children())) == ["0", "1"]  # numbered
    assert list(net + tg.nn.Sequential(tanh)) == [relu, linear, tanh] and len(net) == 2
    assert list(net * 3) == [relu, linear] * 3 and list(2 * net) == [relu, linear] * 2 and len(net * True) == 2
    x = tg.tensor([[0.5, -1.0]])
    np.testing.assert_allclose((net * 2)(x).data, net(net(x)).data)  # the same modules, applied again
    alias = net
    net *= 2
    assert alias is net and list(net) == [relu, linear] * 2
    net += tg.nn.Sequential(tanh)
    assert alias is net and list(dict(net.named_children()))[-1] == "4"
    for bad in (tg.nn.ModuleList([tanh]), [tanh]):
        with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
            net + bad
        with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
            net += bad
    for bad, error in [(0, ValueError), (-1, ValueError), (2.0, TypeError), (np.int64(2), TypeError)]:
        with pytest.raises(error, match=r"multiplication factor|unsupported operand"):
            net * bad
        with pytest.raises(error, match=r"multiplication factor|unsupported operand"):
            net *= bad
    assert len(net) == 5  # the refused operations changed nothing
