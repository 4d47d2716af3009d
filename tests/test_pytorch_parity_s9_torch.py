"""The PyTorch lines of issues 14 and 15 run in PyTorch 2.13 itself and here: the same values (or an error in
both), and the same gradients in float64. Skips without torch; under CI=true a missing torch fails."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg

torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
RNG = np.random.default_rng(15)


def run(lib, call: Callable, arrays: list[np.ndarray], gradients: bool) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """call(lib, *leaves) in one framework: its value and the gradients of Σ w·value for the float leaves."""
    leaves = [lib.tensor(a, requires_grad=gradients and a.dtype.kind == "f") for a in arrays]
    value = call(lib, *leaves)
    weights = np.random.default_rng(0).standard_normal(tuple(value.shape))
    if value.requires_grad:
        (value * lib.tensor(weights)).sum().backward()
    out = value.detach().numpy() if lib is torch else value.numpy()
    grads = [None if t.grad is None else np.asarray(t.grad.numpy()) for t in leaves]
    return np.asarray(out), grads


def same_in_both(call: Callable, *arrays: np.ndarray, gradients: bool = True) -> None:
    """The line means here what it means in PyTorch: its value, its dtype's kind and each leaf's gradient."""
    arrays = [np.asarray(a) for a in arrays]
    try:
        theirs, their_grads = run(torch, call, arrays, gradients)
    except (RuntimeError, IndexError, ValueError, TypeError):
        with pytest.raises((IndexError, ValueError, TypeError)):
            run(tg, call, arrays, gradients)
        return
    ours, our_grads = run(tg, call, arrays, gradients)
    assert ours.shape == theirs.shape and ours.dtype.kind == theirs.dtype.kind
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    for i, (mine, other) in enumerate(zip(our_grads, their_grads)):
        assert (mine is None) == (other is None), f"leaf {i}: a gradient in one framework only"
        if mine is not None:
            np.testing.assert_allclose(mine, other, rtol=1e-10, atol=1e-12, err_msg=f"leaf {i}")


X = np.arange(6.0).reshape(2, 3) + RNG.standard_normal((2, 3))
NEGATIVE_INDEX_LINES = {
    "take": lambda m, x: m.take(x, m.tensor([-1, 0, 5, -6])),
    "take 0-d": lambda m, x: m.take(x, m.tensor(-2)),
    "take too negative": lambda m, x: m.take(x, m.tensor([-7])),
    "take too large": lambda m, x: m.take(x, m.tensor([6])),
    "put": lambda m, x: x.put(m.tensor([-2, 0]), m.tensor([9.0, 8.0], dtype=m.float64)),
    "put accumulate": lambda m, x: x.put(m.tensor([-1, 5]), m.tensor([9.0, 1.0], dtype=m.float64), accumulate=True),
    "put too negative": lambda m, x: x.put(m.tensor([-7]), m.tensor([9.0], dtype=m.float64)),
    "index_fill": lambda m, x: x.index_fill(1, m.tensor([-1]), 0),
    "index_fill wrapped twice": lambda m, x: x.index_fill(1, m.tensor([-3, 0, 2]), -1.0),
    "index_fill 0-d index": lambda m, x: x.index_fill(0, m.tensor(-1), 7.0),
    "index_fill too negative": lambda m, x: x.index_fill(1, m.tensor([-4]), 0),
    "index_fill too large": lambda m, x: x.index_fill(1, m.tensor([3]), 0),
    "take_along_dim": lambda m, x: m.take_along_dim(x, m.tensor([[-1], [0]]), 1),
    "take_along_dim modulo": lambda m, x: m.take_along_dim(x, m.tensor([[-4, 3, 100], [-100, 5, -1]]), 1),
    "take_along_dim dim 0": lambda m, x: x.take_along_dim(m.tensor([[-1, 1, -2]]), 0),
    "take_along_dim dim -1 broadcast": lambda m, x: m.take_along_dim(x, m.tensor([[-1, 2]]), -1),
    "take_along_dim flat negative": lambda m, x: m.take_along_dim(x, m.tensor([-1])),
    "take_along_dim flat too large": lambda m, x: m.take_along_dim(x, m.tensor([6])),
    "index_select negative": lambda m, x: x.index_select(1, m.tensor([-1])),
    "gather negative": lambda m, x: x.gather(1, m.tensor([[-1], [0]])),
    "scatter negative": lambda m, x: x.scatter(1, m.tensor([[-1], [0]]), 9.0),
    "scatter_add negative": lambda m, x: x.scatter_add(1, m.tensor([[-1], [0]]), x[:, :1]),
    "scatter_reduce negative": lambda m, x: x.scatter_reduce(1, m.tensor([[-1], [0]]), x[:, :1], "amax"),
    "index_add negative": lambda m, x: x.index_add(1, m.tensor([-1, 0]), x[:, :2]),
    "index_copy negative": lambda m, x: x.index_copy(1, m.tensor([-1, 0]), x[:, :2]),
    "index_put negative": lambda m, x: x.index_put((m.tensor([0, -1]), m.tensor([-1, -3])), x[0, :2]),
    "index_put accumulate wrapped twice": lambda m, x: x.index_put((m.tensor([0, 0]), m.tensor([-1, 2])), x[1, :2],
                                                                  accumulate=True),
    "index_put too negative": lambda m, x: x.index_put((m.tensor([0]), m.tensor([-4])), x[0, 0]),
    "getitem negative": lambda m, x: x[:, m.tensor([-1, 2, 0])],
}


@pytest.mark.parametrize("name", NEGATIVE_INDEX_LINES)
def test_negative_and_out_of_range_indices_as_pytorch(name):
    same_in_both(NEGATIVE_INDEX_LINES[name], X)


ZERO_D_LINES = {
    "scatter": lambda m, a, r, v: a.scatter(0, m.tensor(0), v),
    "scatter dim -1": lambda m, a, r, v: a.scatter(-1, m.tensor(0), v),
    "scatter a value": lambda m, a, r, v: a.scatter(0, m.tensor(0), 7.0),
    "scatter out of range": lambda m, a, r, v: a.scatter(0, m.tensor(1), v),
    "scatter twice": lambda m, a, r, v: a.scatter(0, m.tensor([0, 0]), r[:2]),
    "scatter a 1-d src": lambda m, a, r, v: a.scatter(0, m.tensor(0), r),
    "scatter into 1-d": lambda m, a, r, v: r.scatter(0, m.tensor(2), v),
    "scatter 0-d index into 2-d": lambda m, a, r, v: r.reshape(1, 3).scatter(0, m.tensor(0), v),
    "scatter_add": lambda m, a, r, v: a.scatter_add(0, m.tensor(0), v),
    "scatter_add twice": lambda m, a, r, v: a.scatter_add(0, m.tensor([0, 0]), r[:2]),
    "scatter_add into 1-d": lambda m, a, r, v: r.scatter_add(0, m.tensor(2), v),
    **{f"scatter_reduce {reduce} {keep}": lambda m, a, r, v, reduce=reduce, keep=keep: a.scatter_reduce(
        0, m.tensor([0, 0]), r[1:], reduce, include_self=keep)
       for reduce in ("sum", "prod", "mean", "amax", "amin") for keep in (True, False)},
    "scatter_reduce 0-d src": lambda m, a, r, v: a.scatter_reduce(0, m.tensor(0), v, "prod"),
    "scatter_reduce into 1-d": lambda m, a, r, v: r.scatter_reduce(0, m.tensor(1), v, "amax"),
    "gather": lambda m, a, r, v: a.gather(0, m.tensor(0)),
    "gather out of range": lambda m, a, r, v: a.gather(0, m.tensor(-1)),
    "gather twice": lambda m, a, r, v: a.gather(0, m.tensor([0, 0])),
    "gather from 1-d": lambda m, a, r, v: r.gather(0, m.tensor(2)),
    "gather from 2-d": lambda m, a, r, v: r.reshape(1, 3).gather(0, m.tensor(0)),
    "index_select": lambda m, a, r, v: a.index_select(0, m.tensor(0)),
    "index_select twice": lambda m, a, r, v: a.index_select(0, m.tensor([0, 0])),
    "index_select from 1-d": lambda m, a, r, v: r.index_select(0, m.tensor(2)),
    "take_along_dim with a dim": lambda m, a, r, v: m.take_along_dim(a, m.tensor(0), 0),
    "take_along_dim flat": lambda m, a, r, v: m.take_along_dim(a, m.tensor(0)),
    "take_along_dim 0-d indices": lambda m, a, r, v: m.take_along_dim(r, m.tensor(2)),
    "take_along_dim 0-d indices with a dim": lambda m, a, r, v: m.take_along_dim(r, m.tensor(2), 0),
    "index_fill": lambda m, a, r, v: a.index_fill(0, m.tensor(-1), 1.0),
    "index_add": lambda m, a, r, v: a.index_add(0, m.tensor(0), v),
    "index_add 0-d source into 1-d": lambda m, a, r, v: r.index_add(0, m.tensor(1), v),
    "index_copy": lambda m, a, r, v: a.index_copy(0, m.tensor(0), v),
    "index_copy into 1-d": lambda m, a, r, v: r.index_copy(0, m.tensor(1), v),
    "index_reduce": lambda m, a, r, v: a.index_reduce(0, m.tensor(0), v, "amax", include_self=False),
    "put": lambda m, a, r, v: a.put(m.tensor(0), v),
    "take": lambda m, a, r, v: a.take(m.tensor(-1)),
}

VALUES_ONLY = {  # the gradients are checked by finite differences in test_pytorch_parity_s9.py
    "scatter twice",  # PyTorch also sends a gradient to the overwritten element (docs/reliability.md)
    "scatter a 1-d src",  # PyTorch's backward fails: "ScatterBackward0 returned an invalid gradient"
}


@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("name", ZERO_D_LINES)
def test_0d_inputs_as_pytorch(name):
    same_in_both(ZERO_D_LINES[name], np.array(3.0), RNG.standard_normal(3), np.array(5.0),
                 gradients=name not in VALUES_ONLY)


REPEAT_INTERLEAVE_LINES = {
    "per column": lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=1),
    "per row": lambda m, x: x.repeat_interleave(m.tensor([2, 1]), dim=0),
    "one count": lambda m, x: x.repeat_interleave(m.tensor([3]), dim=-1),
    "a 0-d count": lambda m, x: x.repeat_interleave(m.tensor(2), dim=1),
    "flattened": lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2, 1, 1, 3])),
    "int32 counts": lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2], dtype=m.int32), dim=1),
    "output_size": lambda m, x: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=1, output_size=3),
    "wrong output_size": lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=1, output_size=4),
    "wrong number of counts": lambda m, x: x.repeat_interleave(m.tensor([1, 2]), dim=1),
    "a negative count": lambda m, x: x.repeat_interleave(m.tensor([1, -1, 2]), dim=1),
    "float counts": lambda m, x: x.repeat_interleave(m.tensor([1.0, 1.0, 2.0]), dim=1),
    "only counts": lambda m, x: m.repeat_interleave(m.tensor([1, 0, 2])),
    "only counts by keyword": lambda m, x: m.repeat_interleave(repeats=m.tensor([2, 0, 1]), output_size=3),
    "only int32 counts": lambda m, x: m.repeat_interleave(m.tensor([1, 2], dtype=m.int32)),
    "only 0-d counts": lambda m, x: m.repeat_interleave(m.tensor(3)),
    "only no counts": lambda m, x: m.repeat_interleave(m.tensor([], dtype=m.int64)),
    "a 0-d tensor": lambda m, x: x[0, 0].repeat_interleave(m.tensor([3])),
    "a 0-d tensor with a dim": lambda m, x: x[0, 0].repeat_interleave(m.tensor(3), dim=0),
}


@pytest.mark.parametrize("name", REPEAT_INTERLEAVE_LINES)
def test_repeat_interleave_with_a_tensor_as_pytorch(name):
    same_in_both(REPEAT_INTERLEAVE_LINES[name], X)


EINSUM_LINES = {
    "with the output": lambda m, a, b, c: m.einsum(a, [0, 1], b, [1, 2], [0, 2]),
    "implicit output": lambda m, a, b, c: m.einsum(a, [0, 1], b, [1, 2]),
    "implicit output, letters sorted": lambda m, a, b, c: m.einsum(a, [1, 0], b, [0, 2]),
    "ellipsis": lambda m, a, b, c: m.einsum(c, [..., 0, 1], b, [1, 2], [..., 0, 2]),
    "ellipsis, implicit output": lambda m, a, b, c: m.einsum(c, [Ellipsis, 0, 1], b, [1, 2]),
    "ellipsis moved": lambda m, a, b, c: m.einsum(c, [..., 0, 1], [1, ...]),
    "tuples": lambda m, a, b, c: m.einsum(a, (0, 1), b, (1, 2), (0, 2)),
    "both cases of letters": lambda m, a, b, c: m.einsum(a, [25, 26]),
    "the largest subscript": lambda m, a, b, c: m.einsum(a, [51, 0], [51, 0]),
    "a trace": lambda m, a, b, c: m.einsum(b[:, :3], [0, 0]),
    "a diagonal": lambda m, a, b, c: m.einsum(b[:, :3], [0, 0], [0]),
    "a sum": lambda m, a, b, c: m.einsum(a, [0, 1], []),
    "three operands": lambda m, a, b, c: m.einsum(a[0], [0], b[:, 0], [1], a[:, 0], [2], [2, 0, 1]),
    "subscript out of range": lambda m, a, b, c: m.einsum(a, [52, 0], [52, 0]),
    "negative subscript": lambda m, a, b, c: m.einsum(a, [-1, 0], [0]),
    "too few subscripts": lambda m, a, b, c: m.einsum(a, [0], [0]),
    "output repeats": lambda m, a, b, c: m.einsum(a, [0, 1], [0, 0]),
    "output unknown": lambda m, a, b, c: m.einsum(a, [0, 1], [2]),
}


@pytest.mark.parametrize("name", EINSUM_LINES)
def test_einsum_sublists_as_pytorch(name):
    same_in_both(EINSUM_LINES[name], RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4)),
                 RNG.standard_normal((5, 2, 3)))


CONTAINER_LINES = [  # statements in both frameworks; the last expression is compared (modules by type, in order)
    "a = nn.ModuleList([nn.ReLU(), nn.Linear(2, 2)]); a + nn.ModuleList([nn.Tanh()])",
    "a = nn.ModuleList([nn.ReLU()]); a + [nn.Tanh(), nn.Sigmoid()]",
    "a = nn.ModuleList([nn.ReLU()]); b = a; a += nn.ModuleList([nn.Tanh()]); b",
    "a = nn.ModuleList([nn.ReLU()]); a + 3",
    "a = nn.ModuleList([nn.ReLU()]); a + [3]",
    "a = nn.ModuleList([nn.ReLU()]); a * 2",
    "s = nn.Sequential(nn.ReLU(), nn.Linear(2, 2)); s + nn.Sequential(nn.Tanh())",
    "s = nn.Sequential(OrderedDict([('x', nn.ReLU())])); s + nn.Sequential(OrderedDict([('y', nn.Tanh())]))",
    "s = nn.Sequential(nn.ReLU()); s + nn.ModuleList([nn.Tanh()])",
    "s = nn.Sequential(nn.ReLU()); s + [nn.Tanh()]",
    "s = nn.Sequential(OrderedDict([('x', nn.ReLU())])); t = s; s += nn.Sequential(nn.Tanh()); t",
    "s = nn.Sequential(nn.ReLU()); s += [nn.Tanh()]",
    "s = nn.Sequential(nn.ReLU(), nn.Linear(2, 2)); s * 3",
    "s = nn.Sequential(nn.ReLU(), nn.Linear(2, 2)); 2 * s",
    "s = nn.Sequential(nn.ReLU(), nn.Linear(2, 2)); s * True",
    "s = nn.Sequential(nn.ReLU()); s * 0",
    "s = nn.Sequential(nn.ReLU()); s * -1",
    "s = nn.Sequential(nn.ReLU()); s * 2.0",
    "s = nn.Sequential(nn.ReLU()); s * np.int64(2)",
    "s = nn.Sequential(nn.ReLU()); 'a' * s",
    "s = nn.Sequential(nn.ReLU(), nn.Linear(2, 2)); t = s; s *= 3; t",
    "s = nn.Sequential(nn.ReLU()); s *= 0",
]


def outcome(lib, line: str) -> object:
    """What the line gives in one framework: a container's type, child names and child types, or the error type."""
    *statements, last = line.split("; ")
    env = {"nn": lib.nn, "OrderedDict": OrderedDict, "np": np}
    try:
        for statement in statements:
            exec(statement, env)
        value = eval(last, env)
    except Exception as error:
        return type(error).__name__ if isinstance(error, (ValueError, TypeError)) else "another error"
    return type(value).__name__, list(value._modules), [type(m).__name__ for m in value]


@pytest.mark.parametrize("line", CONTAINER_LINES)
def test_container_operators_as_pytorch(line):
    assert outcome(tg, line) == outcome(torch, line)
