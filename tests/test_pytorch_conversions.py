"""Construction and conversion with PyTorch's spellings (issue 13, item 5): ``tg.tensor``, ``tg.from_numpy``,
``tg.as_tensor``, dtype names, ``x.size()``/``x.size(d)`` beside numpy's ``x.size``, ``contiguous``, ``to``, the dtype
methods, ``__format__``, ``abs``/``+``, ``clamp(min=, max=)`` and ``dim()``.

The truths: PyTorch's documented rules written out (dtype inference, truncation toward zero, the clamp formula), the
memory numpy reports (``np.shares_memory``), Python's own ``format``; PyTorch itself for the lines of the issue."""

import copy
import math
import pickle

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812

X = np.array([[1.5, -2.0, 0.0], [0.5, 4.0, -1.0]])


# ----------------------------------------------------------------------------------------------- tg.tensor
INFERENCE = [  # (data, PyTorch's inferred dtype: Python floats → the default float dtype, the rest keep theirs)
    ([1, 2], np.int64), ([0.5, 1], np.float32), ([True, False], np.bool_), ([True, 2], np.int64), (3, np.int64),
    (2.5, np.float32), (np.float64(2.5), np.float64), ([np.float64(1.0), 2.0], np.float64),
    ([np.float32(1.0), 2.0], np.float32), ([np.float16(1.0), np.float16(2.0)], np.float16),
    ([np.float16(1.0), 2.0], np.float32), ([[1.0], [np.float64(2.0)]], np.float64), (np.arange(3), np.int64),
    (np.ones(2, np.float64), np.float64), ([np.ones(2), np.ones(2)], np.float64), (np.ones(2, np.int8), np.int8),
    ([np.int32(1), 2], np.int64),
]


@pytest.mark.parametrize(("data", "expected"), INFERENCE)
def test_tensor_infers_the_dtype_as_pytorch(data, expected):
    assert tg.tensor(data).dtype == expected and tg.Tensor(data).dtype == expected


def test_tensor_takes_dtype_and_requires_grad_and_copies_its_data():
    source = np.array([0.1, 0.2])
    x = tg.tensor(source, dtype=tg.float32, requires_grad=True)
    source[0] = 5.0
    assert x.dtype == np.float32 and x.requires_grad and x.is_leaf and x.data[0] == np.float32(0.1)
    assert tg.tensor([0.1], dtype=tg.float64).item() == 0.1  # exact: not rounded through float32 on the way
    assert tg.tensor([1, 0], dtype=bool).dtype == np.bool_ and tg.tensor([1.7], dtype=tg.long).item() == 1
    y = tg.tensor(x)  # a copy, cut from the graph (PyTorch warns and does the same)
    assert not y.requires_grad and not np.shares_memory(y.data, x.data)
    assert tg.tensor([1.5], device="cpu").item() == 1.5
    with pytest.raises(RuntimeError, match="no device 'cuda'"):
        tg.tensor([1.0], device="cuda")
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="strings"):
        tg.tensor(["a"])


def test_python_floats_follow_the_default_dtype():
    try:
        tg.set_default_dtype(tg.float64)
        assert tg.tensor([0.5]).dtype == np.float64 and tg.tensor([1, 2]).dtype == np.int64
    finally:
        tg.set_default_dtype(tg.float32)


# ----------------------------------------------------------------------------------------------- from_numpy, as_tensor
def test_from_numpy_shares_memory_both_ways_and_keeps_the_dtype():
    array = np.arange(4.0)
    x = tg.from_numpy(array)
    assert x.dtype == np.float64 and np.shares_memory(x.data, array)
    array[0] = 7.0
    x.data[1] = 8.0
    assert x.tolist() == [7.0, 8.0, 2.0, 3.0] and array.tolist() == [7.0, 8.0, 2.0, 3.0]
    with pytest.raises(TypeError, match=r"expected a numpy\.ndarray, got list"):
        tg.from_numpy([1.0, 2.0])
    for bad in (np.array(["a"]), np.array([1 + 2j]), np.array([None])):
        with pytest.raises(TypeError, match=f"not dtype {bad.dtype}"):
            tg.from_numpy(bad)


def test_as_tensor_shares_what_it_can_and_copies_the_rest():
    array = np.ones(3)
    assert np.shares_memory(tg.as_tensor(array).data, array)
    assert not np.shares_memory(tg.as_tensor(array, dtype=tg.float32).data, array)
    x = tg.ones(2)
    assert tg.as_tensor(x) is x and tg.as_tensor(x, tg.float64).dtype == np.float64
    assert tg.as_tensor([1.0, 2.0]).dtype == np.float32


# ----------------------------------------------------------------------------------------------- dtype names
def test_dtype_names_are_numpy_dtypes_compared_as_pytorch_compares_them():
    x = tg.tensor([1.0])
    assert x.dtype == tg.float32 and x.dtype is tg.float32 and x.double().dtype is tg.float64
    pairs = {"float16": np.float16, "half": np.float16, "float32": np.float32, "float": np.float32,
             "float64": np.float64, "double": np.float64, "uint8": np.uint8, "int8": np.int8, "int16": np.int16,
             "short": np.int16, "int32": np.int32, "int": np.int32, "int64": np.int64, "long": np.int64,
             "bool": np.bool_, "bool_": np.bool_}  # torch.int is int32 and torch.float float32, as here
    for name, numpy_type in pairs.items():
        assert getattr(tg, name) == np.dtype(numpy_type) and tg.zeros(1, dtype=getattr(tg, name)).dtype == numpy_type


def test_a_star_import_keeps_pythons_builtins():
    namespace: dict = {}
    exec("from tinygrad_edu import *", namespace)
    assert "tensor" in namespace and "float32" in namespace
    assert not {"bool", "int", "float", "any", "all"} & set(namespace)


# ----------------------------------------------------------------------------------------------- size
def test_size_is_numpys_element_count_and_pytorchs_size_when_called():
    x = tg.tensor(np.zeros((2, 3, 4)))
    assert x.size == 24 and isinstance(x.size, int) and x.size * 2 == 48 and np.zeros(x.size).shape == (24,)
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4 and x.size(dim=1) == 3
    assert type(x.size + 0) is int and type(copy.deepcopy(x.size)) is int and pickle.loads(pickle.dumps(x.size)) == 24
    with pytest.raises(IndexError, match="size: axis 3 is out of range"):
        x.size(3)
    scalar = tg.tensor(1.0)
    assert scalar.size == 1 and scalar.size() == ()
    with pytest.raises(IndexError, match="a 0-d tensor has no dimensions"):
        scalar.size(0)


def test_dim_and_numel():
    x = tg.tensor(X)
    assert x.dim() == 2 == x.ndim and tg.tensor(1.0).dim() == 0 and x.numel() == 6


# ----------------------------------------------------------------------------------------------- contiguous, to
def test_contiguous_is_the_tensor_itself_or_a_row_major_copy_with_the_identity_gradient():
    x = tg.tensor(X, requires_grad=True)
    assert x.contiguous() is x
    transposed = x.T
    assert not transposed.data.flags.c_contiguous
    made = transposed.contiguous()
    assert made.data.flags.c_contiguous and not np.shares_memory(made.data, x.data)
    np.testing.assert_array_equal(made.data, X.T)
    (made * tg.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.arange(6.0).reshape(3, 2).T)


def test_to_converts_dtypes_accepts_the_cpu_and_refuses_other_devices():
    x = tg.tensor(X, dtype=tg.float32, requires_grad=True)
    assert x.to(tg.float32) is x and x.to("cpu") is x and x.to(device="cpu") is x and x.cpu() is x
    assert x.device == "cpu" and x.to("cpu:0") is x
    assert x.to(tg.float64).dtype == np.float64 and x.to("cpu", tg.float64).dtype == np.float64
    assert x.to(dtype=tg.float16).dtype == np.float16 and x.to(tg.tensor([1])).dtype == np.int64  # other's dtype
    copied = x.to(tg.float32, copy=True)
    assert copied is not x and not np.shares_memory(copied.data, x.data)
    x.to(tg.float64).sum().backward()  # a differentiable cast; the gradient comes back in the leaf's dtype
    assert x.grad.dtype == np.float32 and (x.grad.data == 1).all()
    for device in ("cuda", "cuda:0", "mps", 0):
        with pytest.raises(RuntimeError, match=f"numpy on the CPU; there is no device '{device}'"):
            x.to(device)
    with pytest.raises(RuntimeError, match="there is no device 'float32'"):  # a string is a device, as in PyTorch
        x.to("float32")
    with pytest.raises(RuntimeError, match="no device 'cuda'"):
        x.cuda()
    with pytest.raises(TypeError, match="one dtype and one device at most"):
        x.to(tg.float32, tg.float64)


def test_dtype_methods_convert_truncating_toward_zero_and_return_the_tensor_when_nothing_changes():
    x = tg.tensor([-1.7, -0.5, 0.5, 2.9])
    for name, dtype in [("float", np.float32), ("double", np.float64), ("half", np.float16), ("long", np.int64),
                        ("int", np.int32), ("short", np.int16), ("bool", np.bool_)]:
        converted = getattr(x, name)()
        assert converted.dtype == dtype and getattr(converted, name)() is converted
        if np.dtype(dtype).kind in "iu":
            assert converted.tolist() == [math.trunc(v) for v in x.tolist()]  # PyTorch truncates toward zero
    assert x.float() is x and x.bool().tolist() == [True, True, True, True]
    assert tg.tensor([3, 250]).byte().dtype == np.uint8


# ----------------------------------------------------------------------------------------------- Python protocols
def test_format_of_a_one_element_tensor_is_the_numbers():
    loss = tg.tensor(np.float64(0.123456789))
    assert f"{loss:.4f}" == "0.1235" and f"{loss}" == "0.123456789" and f"{loss:>8.2e}" == format(0.123456789, ">8.2e")
    assert f"{tg.tensor(7):d}" == "7" and f"{tg.tensor([2.5]):.1f}" == "2.5"  # one element, any shape
    x = tg.tensor([1.0, 2.0])
    assert f"{x}" == str(x)
    with pytest.raises(TypeError, match=r"format spec '.2f' needs a tensor of one element, got shape \(2,\)"):
        format(x, ".2f")


def test_abs_and_unary_plus():
    x = tg.tensor([-1.5, 0.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal(abs(x).data, [1.5, 0.0, 2.0])
    abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])  # sign(x), 0 at the kink as PyTorch
    assert +x is x
    with pytest.raises(TypeError, match="the \\+ operator is not supported on a bool tensor"):
        _ = +tg.tensor([True])


# ----------------------------------------------------------------------------------------------- clamp
def test_clamp_takes_pytorchs_min_and_max_and_clip_is_the_same():
    x = tg.tensor(X, requires_grad=True)
    np.testing.assert_array_equal(x.clamp(min=0).data, np.where(X < 0, 0, X))
    np.testing.assert_array_equal(x.clamp(max=1.0).data, np.where(X > 1, 1, X))
    np.testing.assert_array_equal(x.clamp(-1, 1).data, x.clip(min=-1, max=1).data)
    np.testing.assert_array_equal(x.clip(-1, 1).data, [[1, -1, 0], [0.5, 1, -1]])
    np.testing.assert_array_equal(x.clamp(min=3, max=1).data, np.ones_like(X))  # min > max: all max, as PyTorch
    x.clamp(-1, 1.5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 0, 1], [1, 0, 1]])  # inside and at a bound: 1; outside: 0
    with pytest.raises(ValueError, match="at least one of min and max"):
        x.clamp()


def test_clamp_promotes_as_pytorch_and_takes_tensor_bounds_that_need_no_gradient():
    assert tg.tensor([1, 5]).clamp(min=2.5).dtype == np.float32  # an int tensor and a float bound
    assert tg.tensor([1, 5]).clamp(min=2.5).tolist() == [2.5, 5.0]
    assert tg.tensor([True, False]).clamp(min=0).dtype == np.int64
    assert tg.tensor(np.float64(0.0)).clamp(min=0.1).item() == 0.1  # a Python float bound is not rounded
    lows = tg.tensor([0.0, 3.0])
    assert tg.tensor([1.0, 1.0]).clamp(min=lows).tolist() == [1.0, 3.0]
    with pytest.raises(TypeError, match="a bound that requires grad is not supported"):
        tg.tensor([1.0]).clamp(min=tg.tensor([0.0], requires_grad=True))


# ----------------------------------------------------------------------------------------------- the issue's lines
def test_the_lines_that_used_to_fail_with_unhelpful_errors_work():
    """The issue's list: tg.tensor([1, 2]), x.size(0), x.sum(dim=1), softmax(dim=1), nn.Softmax(dim=1),
    x.clamp(min=0), f"{loss:.4f}", abs(x) — each against its closed form."""
    x = tg.tensor(X)
    softmax = np.exp(X) / np.exp(X).sum(axis=1, keepdims=True)
    loss = (x * x).mean()
    assert tg.tensor([1, 2]).tolist() == [1, 2] and tg.tensor([1, 2]).dtype == np.int64
    assert x.size(0) == 2
    np.testing.assert_allclose(x.sum(dim=1).data, X.sum(axis=1))
    np.testing.assert_allclose(x.softmax(dim=1).data, softmax, rtol=1e-6)
    np.testing.assert_allclose(F.softmax(x, dim=1).data, softmax, rtol=1e-6)
    np.testing.assert_allclose(tg.softmax(x, dim=1).data, softmax, rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).data, softmax, rtol=1e-6)
    np.testing.assert_array_equal(x.clamp(min=0).data, np.maximum(X, 0))
    assert f"{loss:.4f}" == f"{(X * X).mean():.4f}"
    np.testing.assert_array_equal(abs(x).data, np.abs(X))


def test_the_issues_lines_give_what_pytorch_gives():
    torch = require_module("torch", "pip install torch==2.13.0")
    for library, functional in ((tg, F), (torch, torch.nn.functional)):
        x = library.tensor(X, dtype=library.float32)
        loss = (x * x).mean()
        results = [library.tensor([1, 2]), x.size(0), x.sum(dim=1), x.softmax(dim=1), functional.softmax(x, dim=1),
                   library.nn.Softmax(dim=1)(x), x.clamp(min=0), f"{loss:.4f}", abs(x)]
        if library is tg:
            ours = results
    for mine, theirs in zip(ours, results):
        if isinstance(mine, tg.Tensor):
            assert str(mine.dtype) == str(theirs.dtype).removeprefix("torch.") and mine.shape == tuple(theirs.shape)
            np.testing.assert_allclose(mine.data, theirs.numpy(), rtol=1e-6)
        else:
            assert mine == theirs
