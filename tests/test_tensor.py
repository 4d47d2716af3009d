"""The Tensor object: construction, dtypes, properties, numpy interop, repr, factories."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def test_python_data_becomes_float32_and_float_arrays_keep_dtype():
    assert tg.Tensor(1.5).dtype == np.float32
    assert tg.Tensor([[1.0, 2.0]]).dtype == np.float32
    assert tg.Tensor(np.zeros(2)).dtype == np.float64
    assert tg.Tensor(np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert tg.Tensor([1, 2]).dtype == np.int64
    assert tg.Tensor(3).dtype == np.int64
    assert tg.Tensor([True]).dtype == np.bool_
    assert tg.Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert tg.Tensor(tg.Tensor([1.0])).dtype == np.float32


def test_construction_copies_user_data():
    source = np.array([1.0, 2.0])
    t = tg.Tensor(source)
    source[0] = 99
    assert t.data[0] == 1.0


@pytest.mark.parametrize("data", [[1, 2], True, np.arange(3)])
def test_requires_grad_on_integer_or_bool_raises(data):
    with pytest.raises(TypeError, match="floating-point"):
        tg.Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        tg.Tensor(data).requires_grad_()


def test_ragged_data_raises():
    with pytest.raises((TypeError, ValueError)):
        tg.Tensor([[1.0, 2.0], [3.0]])


def test_properties():
    t = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64 and t.requires_grad
    assert t.is_leaf and t.grad is None and t.grad_fn is None
    assert t.data is t.numpy() and isinstance(t.data, np.ndarray)
    assert len(t) == 2
    assert tg.Tensor(2.5).item() == 2.5
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError):
        len(tg.Tensor(1.0))
    with pytest.raises(ValueError, match="one element"):
        t.item()


def test_grad_is_assignable():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, tg.Tensor)
    x.grad = None
    assert x.grad is None


def test_repr_in_pytorch_style():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert "dtype=float64" in repr(tg.Tensor(np.zeros(1)))
    assert repr(tg.Tensor(3)) == "tensor(3)"
    assert (x + 1).grad_fn.name() == "AddBackward"


@pytest.mark.parametrize("factory", [tg.zeros, tg.ones, tg.randn, tg.rand])
def test_shape_factories(factory):
    assert factory(2, 3).shape == (2, 3)
    assert factory((2, 3)).shape == (2, 3)
    assert factory(2, dtype=np.float64).dtype == np.float64
    assert factory(2).dtype == np.float32
    t = factory(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_factories_values():
    np.testing.assert_array_equal(tg.zeros(2).data, [0, 0])
    np.testing.assert_array_equal(tg.ones(2).data, [1, 1])
    np.testing.assert_array_equal(tg.full((2,), 7.0).data, [7, 7])
    np.testing.assert_array_equal(tg.eye(2).data, np.eye(2))
    assert tg.arange(3).dtype == np.int64 and tg.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(tg.arange(1, 7, 2).data, [1, 3, 5])
    base = tg.Tensor(np.zeros((2, 2)))
    assert tg.zeros_like(base).dtype == np.float64 and tg.ones_like(base).shape == (2, 2)
    np.testing.assert_array_equal(tg.ones_like(base).data, np.ones((2, 2)))
    uniform = tg.rand(1000).data
    assert uniform.min() >= 0 and uniform.max() < 1


def test_manual_seed_makes_random_factories_reproducible():
    tg.manual_seed(123)
    first = tg.randn(5).data, tg.rand(5).data
    tg.manual_seed(123)
    second = tg.randn(5).data, tg.rand(5).data
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    tg.manual_seed(124)
    assert not np.array_equal(tg.randn(5).data, first[0])


def test_ndarray_on_the_left_gives_a_tensor_with_grad():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    out = np.array([3.0, 4.0], dtype=np.float32) * w
    assert isinstance(out, tg.Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [3, 4])


def test_truth_value_of_a_big_tensor_is_ambiguous():
    with pytest.raises(RuntimeError, match="ambiguous"):  # PyTorch's error type
        bool(tg.ones(2))
    assert bool(tg.ones(1))


def test_a_python_number_operand_is_one_shared_read_only_constant_and_signed_zeros_stay_apart():
    """``y * 1.0001`` in a loop reuses one read-only constant per (number, dtype) rather than making a tensor per
    op; zero is never shared (0.0 == -0.0 as a key), and dtypes never mix."""
    x = tg.Tensor(np.array([1.0, -2.0], np.float32), requires_grad=True)
    first, second = x * 1.5, x * 1.5
    constant = first.grad_fn.edges[1]
    assert second.grad_fn.edges[1] is constant and not constant.data.flags.writeable
    assert (x.double() * 1.5).grad_fn.edges[1].dtype == np.float64
    for zero in (0.0, -0.0, 0.0):
        np.testing.assert_array_equal(np.signbit((x * zero).data), np.signbit(x.data * zero))
        np.testing.assert_array_equal(np.signbit((x + zero).data), np.signbit(x.data + zero))
    (first * 1.5).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.25, 2.25])
    from tinygrad_edu import _tensor

    for k in range(1, 600):  # a loop over many distinct numbers keeps a bounded cache
        x * (1 + k / 1000)
    assert len(_tensor._constants) <= 256


def test_a_pickled_tensor_drops_its_grad_and_a_deep_copy_keeps_it_as_in_pytorch():
    import copy
    import pickle

    t = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (t * 3.0).sum().backward()
    assert pickle.loads(pickle.dumps(t)).grad is None  # torch.load of a saved leaf: no .grad
    copied = copy.deepcopy(t)
    np.testing.assert_array_equal(copied.grad.data, [3.0, 3.0])
    assert copied.grad is not t.grad and not np.shares_memory(copied.grad.data, t.grad.data)
    assert copied.requires_grad and not np.shares_memory(copied.data, t.data)
    parameter = tg.nn.Parameter(tg.Tensor(np.ones(2)))
    (parameter * 2.0).sum().backward()
    assert copy.deepcopy(parameter).grad is None and pickle.loads(pickle.dumps(parameter)).grad is None
