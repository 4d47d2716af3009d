"""float16 and the small integer dtypes (issue 14): created and computed on with numpy's overflow semantics,
float16 differentiable (its gradients agree with float64's to float16 precision), PyTorch's promotion rule."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F  # noqa: N812

INTEGERS = [tg.int8, tg.uint8, tg.int16, tg.int32]


@pytest.mark.parametrize("dtype", INTEGERS)
def test_small_integers_are_created_and_wrap_around_as_numpy(dtype):
    info = np.iinfo(dtype)
    x = tg.Tensor([info.max, info.min, 3], dtype=dtype)
    assert x.dtype == dtype and tg.zeros(2, dtype=dtype).dtype == dtype and tg.arange(3, dtype=dtype).dtype == dtype
    data = np.array([info.max, info.min, 3], dtype=dtype)
    with np.errstate(over="ignore"):
        for ours, theirs in [(x + 1, data + dtype.type(1)), (x * 2, data * dtype.type(2)), (x - x, data - data),
                             (x // 2, data // dtype.type(2)), (x % 3, data % dtype.type(3)), (-x, -data)]:
            assert ours.dtype == dtype
            np.testing.assert_array_equal(ours.data, theirs)
    assert x.sum().dtype == np.int64 and x.sum().item() == data.astype(np.int64).sum()  # PyTorch: int64 sums
    assert x.cumsum(0).dtype == np.int64 and x.prod().dtype == np.int64
    assert x.max().item() == info.max and x.sort().values.tolist() == sorted(data.tolist())
    assert (x > 0).dtype == np.bool_ and x[np.array([2, 0])].tolist() == [3, info.max]
    assert x.gather(0, tg.Tensor([2])).tolist() == [3] and x.flip(0).tolist() == data[::-1].tolist()
    assert x.sin().dtype == np.float32  # math on integers gives the default float dtype, as PyTorch


def test_integer_promotion_is_pytorchs():
    assert (tg.Tensor([1], dtype=tg.int8) + tg.Tensor([1], dtype=tg.int16)).dtype == np.int16
    assert (tg.Tensor([1], dtype=tg.uint8) + tg.Tensor([1], dtype=tg.int8)).dtype == np.int16
    assert (tg.Tensor([1], dtype=tg.int8) + 1000).dtype == np.int8  # a number never widens a tensor's dtype
    assert (tg.Tensor([1], dtype=tg.int32) * 1.5).dtype == np.float32
    assert (tg.Tensor([1], dtype=tg.float16) + tg.Tensor([1], dtype=tg.int32)).dtype == np.float16
    assert (tg.Tensor([1], dtype=tg.float16) * tg.Tensor(np.float32(2))).dtype == np.float16  # 0-d: same category


OPS_IN_HALF = {
    "exp": lambda t: t.exp(), "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(), "sin": lambda t: t.sin(),
    "atan": lambda t: t.atan(), "expm1": lambda t: t.expm1(), "erf": lambda t: t.erf(), "erfc": lambda t: t.erfc(),
    "square": lambda t: t.square(), "softmax": lambda t: t.softmax(-1), "logsumexp": lambda t: t.logsumexp(-1),
    "prod": lambda t: t.prod(-1), "cumsum": lambda t: t.cumsum(-1), "cumprod": lambda t: t.cumprod(-1),
    "norm": lambda t: t.norm(dim=-1), "var": lambda t: t.var(-1), "matmul": lambda t: t @ t.mT,
    "einsum": lambda t: tg.einsum("ij,kj->ik", t, t), "sort": lambda t: t.sort(-1).values,
    "silu": F.silu, "gelu": F.gelu, "softplus": F.softplus, "mish": F.mish, "hardswish": F.hardswish,
    "pad": lambda t: F.pad(t, (1, 2), mode="reflect"), "lerp": lambda t: t.lerp(t * 2, 0.3),
    "atan2": lambda t: tg.atan2(t, t + 2), "remainder": lambda t: t % 0.7,
}


@pytest.mark.parametrize("name", OPS_IN_HALF)
def test_float16_computes_and_differentiates_like_float64_to_its_precision(name):
    op = OPS_IN_HALF[name]
    values = np.random.default_rng(0).uniform(-1.5, 1.5, (3, 4))
    results = {}
    for dtype in (np.float16, np.float64):
        x = tg.Tensor(values.astype(dtype), requires_grad=True)
        out = op(x)
        out.backward(tg.Tensor(np.ones(out.shape, dtype)))
        assert out.dtype == dtype and x.grad.dtype == dtype, name
        results[dtype] = out.data.astype(np.float64), x.grad.data.astype(np.float64)
    for half, double in zip(results[np.float16], results[np.float64]):
        np.testing.assert_allclose(half, double, rtol=2e-2, atol=2e-2, err_msg=name)


def test_float16_names_and_linear_algebra_refuses_it_as_pytorch():
    assert tg.half is tg.float16 and tg.Tensor([1.0], dtype=tg.half).dtype == np.float16
    assert tg.long is tg.int64 and tg.int is tg.int32 and tg.double is tg.float64 and tg.short is tg.int16
    with pytest.raises(TypeError, match="float16 is not supported"):
        tg.linalg.inv(tg.Tensor(np.eye(2), dtype=tg.float16))


def test_python_floats_go_straight_to_the_requested_dtype():
    """Not through float32 first: Tensor([0.1], dtype=float64) is 0.1, and a float64 where/lerp keeps 0.3 exact."""
    assert tg.Tensor([0.1], dtype=tg.float64).item() == 0.1
    x = tg.Tensor(np.array([1.0]))
    assert tg.where(np.array([False]), x, 0.3).item() == 0.3
    assert tg.Tensor(np.array([0.0])).lerp(x, 0.3).item() == 0.3
    assert tg.Tensor([0.1]).dtype == np.float32 and tg.Tensor([0.1]).item() == np.float32(0.1)
