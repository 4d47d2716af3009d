"""Result dtypes and values of integer and bool inputs, as PyTorch gives them (or refuses them), found by a
differential sweep against PyTorch 2.13: each expectation is PyTorch's documented answer written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

INTEGERS = [tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64]


@pytest.mark.parametrize("dtype", [*INTEGERS, tg.bool])
@pytest.mark.parametrize("exponent", [-1, -2, np.int64(-1)])
def test_integers_to_negative_integer_powers_are_refused(dtype, exponent):
    """PyTorch: "Integers to negative integer powers are not allowed". uint8 used to wrap −1 round to 255 and give
    3²⁵⁵ mod 256 = 171 for 3 ** -1."""
    x = tg.tensor([1, 2, 3]).to(dtype)
    with pytest.raises(ValueError, match="negative integer powers"):
        x ** exponent
    with pytest.raises(ValueError, match="negative integer powers"):
        x.pow(exponent)


def test_integer_powers_that_pytorch_allows_still_work():
    x = tg.tensor([1, 2, 3], dtype=tg.uint8)
    assert (x**2).tolist() == [1, 4, 9] and (x**2).dtype == tg.uint8
    assert (x**0).tolist() == [1, 1, 1]
    assert (x.float() ** -1).tolist() == [1.0, 0.5, pytest.approx(1 / 3)]
    assert (x**-1.0).dtype == tg.float32  # a float exponent: the default float dtype
    assert (2 ** tg.tensor([0, 1, 3])).tolist() == [1, 2, 8]


def test_bools_to_bool_powers_are_refused():
    """PyTorch: "pow" not implemented for 'Bool'; numpy's bool ** bool is int8, a dtype PyTorch never gives."""
    m = tg.tensor([True, False])
    for power in (lambda: m**m, lambda: m**True, lambda: True**m, lambda: m.pow(m)):
        with pytest.raises(TypeError, match="two bools"):
            power()
    assert (m**2).dtype == tg.int64 and (m**2).tolist() == [1, 0]  # bool ** int is int64, as PyTorch


def test_add_and_sub_scale_other_in_the_result_dtype():
    """PyTorch's add(other, alpha): alpha·other is computed in result_type(self, other); for bools alpha is a bool."""
    m = tg.tensor([True, False, False])
    both = m.add(m, alpha=2)
    assert both.dtype == tg.bool and both.tolist() == [True, False, False]  # True + 2·True is True, not 3
    assert m.add(m, alpha=0).tolist() == [True, False, False]
    small = tg.tensor([1, 2, 3], dtype=tg.int8)
    assert small.add(m, alpha=2).dtype == tg.int8 and small.add(m, alpha=2).tolist() == [3, 2, 3]
    assert small.sub(m, alpha=2).tolist() == [-1, 2, 3]
    x = tg.tensor([0.5, 1.0, 2.0])
    big = tg.tensor([100, 100, 100], dtype=tg.int8)
    assert x.add(big, alpha=300).dtype == tg.float32  # 300·100 in float32, not wrapped round in int8
    assert x.add(big, alpha=300).tolist() == [30000.5, 30001.0, 30002.0]
    with pytest.raises(TypeError, match=r"scaled by 0\.5"):
        small.add(small, alpha=0.5)  # PyTorch: "For integral input tensors, argument alpha must not be a floating…"


def test_addcmul_computes_in_the_result_dtype_of_its_three_tensors():
    m = tg.tensor([True, False])
    small = tg.tensor([1, 2], dtype=tg.int8)
    result = small.addcmul(m, m, value=2)
    assert result.dtype == tg.int8 and result.tolist() == [3, 2]  # 1 + 2·1·1, 2 + 0
    hundreds = tg.tensor([100, 100], dtype=tg.int8)
    x = tg.tensor([1.0, 2.0])
    assert x.addcmul(hundreds, hundreds).tolist() == [10001.0, 10002.0]  # in float32: 100·100 doesn't wrap
    assert small.addcmul(small, small, value=2.0).tolist() == [3, 10]  # a whole float value is its integer
    with pytest.raises(TypeError, match=r"scaled by 0\.5"):
        small.addcmul(small, small, value=0.5)  # PyTorch truncates 0.5 to 0 here: refused rather than differ


def test_addcdiv_refuses_integer_division_as_pytorch():
    i = tg.tensor([1, 2])
    with pytest.raises(TypeError, match="integer division"):
        tg.tensor([1.0, 2.0]).addcdiv(i, i)
    assert i.addcdiv(tg.tensor([1.0, 4.0]), i).tolist() == [2.0, 4.0]  # one float tensor: true division


def test_sum_with_an_integer_dtype_gives_that_dtype():
    """PyTorch sums in the dtype asked for, so int8 wraps round as int8 arithmetic does: 100 + 100 = −56."""
    assert tg.tensor([1, 2, 3]).sum(dtype=tg.int32).dtype == tg.int32
    assert tg.tensor([100, 100], dtype=tg.int8).sum(dtype=tg.int8).item() == -56
    assert tg.tensor([True, True]).sum(dtype=tg.int16).dtype == tg.int16
    assert tg.tensor([1.5, 2.5]).sum(dtype=tg.int32).item() == 3  # cast first (1 + 2), then summed


def test_a_numpy_float64_scalar_is_a_python_float_in_xlogy():
    """np.float64 is a subclass of float, which PyTorch treats as a Python number: the default float dtype."""
    result = tg.tensor([1, 2], dtype=tg.int8).xlogy(np.float64(2.0))
    assert result.dtype == tg.float32
    np.testing.assert_allclose(result.data, [np.log(2.0), 2 * np.log(2.0)], rtol=1e-6)


def test_a_numpy_scalar_passed_first_to_a_function_is_a_python_number():
    small = tg.tensor([1, 2], dtype=tg.uint8)
    assert tg.add(np.float64(2.5), small).dtype == tg.float32 and tg.add(np.float64(2.5), small).tolist() == [3.5, 4.5]
    assert tg.mul(np.int64(3), small).dtype == tg.uint8 and tg.mul(np.int64(3), small).tolist() == [3, 6]


@pytest.mark.parametrize("dtype", [tg.uint8, tg.int8, tg.int64])
def test_softmax_of_integers_is_computed_in_floats(dtype):
    """x − max(x) in uint8 wrapped round (1 − 2 = 255) and gave NaN; PyTorch refuses integers, numpy's meaning is
    e^x / Σ e^x of the values."""
    values = np.array([[1, 0, 2], [1, 3, 2]])
    x = tg.tensor(values).to(dtype)
    expected = np.exp(values) / np.exp(values).sum(axis=-1, keepdims=True)
    assert x.softmax(-1).dtype == tg.float32
    np.testing.assert_allclose(x.softmax(-1).data, expected, rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(-1).data, np.log(expected), rtol=1e-6)


def test_square_of_bools_is_int64():
    """torch.square is pow(a, 2): bool ** 2 is int64."""
    squared = tg.tensor([True, False]).square()
    assert squared.dtype == tg.int64 and squared.tolist() == [1, 0]


@pytest.mark.parametrize("dtype", [*INTEGERS, tg.bool])
def test_mean_var_and_std_refuse_integers_as_pytorch(dtype):
    """PyTorch: "mean(): could not infer output dtype", "std and var only support floating point"; numpy would
    give float64, a dtype PyTorch's users would not expect."""
    x = tg.tensor([1, 0, 1]).to(dtype)
    for reduce in (x.mean, x.var, x.std, x.nanmean, lambda: x.mean(dtype=tg.int64), lambda: tg.std_mean(x)):
        with pytest.raises(TypeError, match="floating-point"):
            reduce()
    assert x.mean(dtype=tg.float64).item() == pytest.approx(2 / 3) and x.float().var().item() == pytest.approx(1 / 3)


def test_ldexp_result_dtype_is_pytorchs_for_its_product():
    """z = a·2.0**b: the floating power decides with a under PyTorch's rules (a 0-d float64 b makes it float64)."""
    assert tg.ldexp(tg.tensor([1, 2]), tg.tensor(1.5, dtype=tg.float64)).dtype == tg.float64
    assert tg.ldexp(tg.tensor([1, 2]), tg.tensor([1, 2])).dtype == tg.float32
    assert tg.ldexp(tg.tensor([1.0], dtype=tg.float64), tg.tensor([3])).tolist() == [8.0]


@pytest.mark.parametrize("values", [[1, 2], [True, False]])
def test_a_numpy_bool_scalar_with_an_integer_or_bool_tensor_is_refused_naming_both_readings(values):
    """PyTorch reads np.bool_ as a float (an int or bool tensor times it is float32), numpy as a bool: the two
    disagree on the dtype and values, so the line raises; with a float tensor both give the same and it runs."""
    with pytest.raises(TypeError, match=r"numpy bool scalar .* pass float\(b\) or bool\(b\)"):
        tg.tensor(values) * np.bool_(True)
    with pytest.raises(TypeError, match="numpy bool scalar"):
        np.bool_(True) + tg.tensor(values)
    assert (tg.tensor([1.5]) * np.bool_(True)).tolist() == [1.5]
