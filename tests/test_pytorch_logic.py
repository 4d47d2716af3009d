"""Logic as PyTorch has it (issue 13, item 2): any/all, isnan/isinf/isfinite, isclose/allclose/equal and
logical_and/or/not/xor, as Tensor methods and ``tg.`` functions.

The truths: Python's own truth of each float (``bool(nan)`` is True: a number is true when nonzero), the documented
formula of isclose written out per element with Python floats, and, where PyTorch is installed (always in CI), the
same calls in PyTorch."""

import itertools
import math

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg

NAN, INF = float("nan"), float("inf")
SPECIAL = [0.0, -0.0, 1.0, -2.5, NAN, INF, -INF, 1e-300]
A = np.array([[0.0, 1.0, NAN], [INF, -2.0, 0.0]])
B = np.array([[0.0, 1.0 + 1e-7, NAN], [INF, -2.1, 1e-9]])


def truth(values) -> np.ndarray:
    """Python's truth of each element: nonzero is true, NaN included."""
    return np.array([bool(v) for v in np.ravel(values)]).reshape(np.shape(values))


# ----------------------------------------------------------------------------------------------- any, all
@pytest.mark.parametrize("name", ["any", "all"])
def test_any_and_all_reduce_python_truth_along_either_spelling(name):
    reduce = {"any": any, "all": all}[name]  # Python's builtins over Python's truth: the independent reference
    x = tg.tensor(A)
    expected_rows = [reduce(truth(row)) for row in A]
    expected_columns = [reduce(truth(column)) for column in A.T]
    assert getattr(x, name)().item() is reduce(truth(A).ravel())
    np.testing.assert_array_equal(getattr(x, name)(dim=1).data, expected_rows)
    np.testing.assert_array_equal(getattr(x, name)(axis=0).data, expected_columns)
    np.testing.assert_array_equal(getattr(x, name)(1, keepdim=True).data, np.array(expected_rows)[:, None])
    np.testing.assert_array_equal(getattr(tg, name)(x, dim=0, keepdims=True).data, [expected_columns])
    assert getattr(x, name)(dim=(0, 1)).shape == () and getattr(x, name)().dtype == np.bool_
    assert getattr(tg.tensor(2.0), name)(dim=0).item() is True and getattr(tg, name)([0, 0]).item() is False
    with pytest.raises(IndexError, match=f"{name}: axis 2 is out of range"):
        getattr(x, name)(dim=2)
    with pytest.raises(TypeError, match="not both"):
        getattr(x, name)(dim=0, axis=0)


def test_any_of_nothing_is_false_all_of_nothing_is_true_and_uint8_stays_uint8():
    empty = tg.zeros(0)
    assert empty.any().item() is False and empty.all().item() is True
    flags = tg.tensor(np.array([0, 3], np.uint8))  # PyTorch keeps uint8 for any/all of uint8
    assert flags.any().dtype == np.uint8 and flags.any().item() == 1 and flags.all().item() == 0


# ------------------------------------------------------------------------------------------ isnan, isinf, isfinite
def test_isnan_isinf_isfinite_classify_every_special_value():
    x = tg.tensor(np.array(SPECIAL))
    for name, expected in [("isnan", [math.isnan(v) for v in SPECIAL]), ("isinf", [math.isinf(v) for v in SPECIAL]),
                           ("isfinite", [math.isfinite(v) for v in SPECIAL])]:
        np.testing.assert_array_equal(getattr(x, name)().data, expected)
        np.testing.assert_array_equal(getattr(tg, name)(x).data, expected)
    integers = tg.tensor([1, -5])
    assert not integers.isnan().any().item() and not integers.isinf().any().item() and integers.isfinite().all().item()


# ----------------------------------------------------------------------------------------------- logical
@pytest.mark.parametrize(("name", "rule"), [("logical_and", lambda p, q: p and q), ("logical_or", lambda p, q: p or q),
                                            ("logical_xor", lambda p, q: p != q)])
def test_logical_binary_ops_follow_python_truth_of_any_dtype(name, rule):
    left, right = zip(*itertools.product(SPECIAL, [0.0, NAN, 3.0]))
    expected = [rule(bool(p), bool(q)) for p, q in zip(left, right)]
    a, b = tg.tensor(np.array(left)), tg.tensor(np.array(right))
    np.testing.assert_array_equal(getattr(a, name)(b).data, expected)
    np.testing.assert_array_equal(getattr(tg, name)(a, b).data, expected)
    np.testing.assert_array_equal(getattr(tg, name)(tg.tensor([0, 2]), tg.tensor([True, True])).data,
                                  [rule(False, True), rule(True, True)])  # ints and bools mix
    assert getattr(a, name)(b).dtype == np.bool_


def test_logical_not_is_the_negated_truth():
    np.testing.assert_array_equal(tg.logical_not(tg.tensor(np.array(SPECIAL))).data, [not v for v in SPECIAL])
    np.testing.assert_array_equal(tg.tensor([0, 7]).logical_not().data, [True, False])


# ----------------------------------------------------------------------------------------- isclose, allclose, equal
def close_by_formula(a: float, b: float, rtol: float, atol: float, equal_nan: bool) -> bool:
    """PyTorch's documented isclose, one pair of Python floats: |a − b| ≤ atol + rtol·|b|, or equal (infinities)."""
    if math.isnan(a) or math.isnan(b):
        return equal_nan and math.isnan(a) and math.isnan(b)
    return a == b or (math.isfinite(a - b) and abs(a - b) <= atol + rtol * abs(b))


@pytest.mark.parametrize(("rtol", "atol", "equal_nan"), [(1e-5, 1e-8, False), (0.0, 0.0, True), (1e-1, 0.5, True)])
def test_isclose_is_the_documented_formula_elementwise(rtol, atol, equal_nan):
    values = [*SPECIAL, 1.0 + 1e-6, 2.0]
    left, right = zip(*itertools.product(values, values))
    expected = [close_by_formula(a, b, rtol, atol, equal_nan) for a, b in zip(left, right)]
    a, b = tg.tensor(np.array(left)), tg.tensor(np.array(right))
    np.testing.assert_array_equal(a.isclose(b, rtol=rtol, atol=atol, equal_nan=equal_nan).data, expected)
    np.testing.assert_array_equal(tg.isclose(a, b, rtol, atol, equal_nan).data, expected)
    assert tg.allclose(a, b, rtol, atol, equal_nan) is all(expected)


def test_isclose_broadcasts_promotes_and_refuses_negative_tolerances():
    x = tg.tensor(np.array([[1.0], [2.0]]))
    assert x.isclose(tg.tensor([1.0, 2.0])).shape == (2, 2) and tg.allclose(tg.ones(2, 2), tg.ones(2))
    third = tg.tensor(np.array([1 / 3]))  # float64; its float32 neighbour differs by 1e-8, far below rtol
    assert third.isclose(third.float()).item() and not third.isclose(third.float(), rtol=0, atol=0).item()
    assert tg.tensor(np.float64(0.1)).isclose(0.1, rtol=0, atol=0).item()  # a Python float is not rounded to float32
    assert tg.tensor([1, 2]).isclose(tg.tensor([1, 3])).data.tolist() == [True, False]
    assert tg.isclose(tg.tensor([True, False]), tg.tensor([True, True])).data.tolist() == [True, False]  # bools
    for bad in ({"rtol": -1.0}, {"atol": -1e-9}, {"rtol": NAN}):
        with pytest.raises(ValueError, match="rtol and atol must be ≥ 0"):
            x.isclose(x, **bad)


def test_equal_needs_one_shape_and_equal_values_and_nan_equals_nothing():
    x = tg.tensor(A)
    assert x.equal(tg.tensor(A)) is False  # the NaN
    finite = tg.tensor([[1.0, 2.0]])
    assert finite.equal(finite.clone()) is True and tg.equal(finite, finite.double())  # dtypes may differ
    assert finite.equal(tg.tensor([1, 2]).reshape(1, 2)) and not finite.equal(tg.tensor([1.0, 2.0]))  # no broadcast
    assert not finite.equal(tg.tensor([[1.0, 2.5]])) and tg.equal(tg.zeros(0), tg.zeros(0))


def test_logic_results_carry_no_gradient():
    w = tg.tensor([1.0, NAN], requires_grad=True)
    for result in (w.isnan(), w.isclose(w), w.logical_not(), w.any(), (w > 0).logical_and(w)):
        assert not result.requires_grad and result.grad_fn is None


# ----------------------------------------------------------------------------------------------- against PyTorch
def test_the_same_calls_in_pytorch_agree():
    torch = require_module("torch", "pip install torch==2.13.0")
    ours, theirs = (tg.tensor(A), tg.tensor(B)), (torch.tensor(A), torch.tensor(B))
    calls = [
        lambda t, a, b: t.isclose(a, b), lambda t, a, b: t.isclose(a, b, equal_nan=True),
        lambda t, a, b: t.isclose(a, b, rtol=0.1, atol=0.01), lambda t, a, b: a.isnan(), lambda t, a, b: t.isinf(b),
        lambda t, a, b: a.isfinite(), lambda t, a, b: t.logical_and(a, b), lambda t, a, b: a.logical_or(b),
        lambda t, a, b: t.logical_xor(a, b), lambda t, a, b: t.logical_not(a), lambda t, a, b: a.any(dim=1),
        lambda t, a, b: t.all(a, dim=0, keepdim=True), lambda t, a, b: b.all(), lambda t, a, b: t.any(a > 5),
        lambda t, a, b: t.tensor(t.allclose(a[:, :2], b[:, :2], rtol=1e-3)), lambda t, a, b: t.tensor(t.equal(a, a)),
        lambda t, a, b: t.tensor(t.equal(a[:, :2], a[:, :2].clone())), lambda t, a, b: t.tensor(t.equal(a, b)),
    ]
    for call in calls:
        mine, reference = call(tg, *ours), call(torch, *theirs)
        assert mine.dtype == np.bool_ and str(reference.dtype) == "torch.bool"
        np.testing.assert_array_equal(mine.data, reference.numpy())
