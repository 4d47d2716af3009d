"""Signs, bits and special functions (signbit, copysign, float_power, nextafter, heaviside, sinc, i0, i1, the shifts,
``tg.special``): forward against numpy, closed forms and series written out here, gradients against finite
differences in float64 (plain and create_graph=True, and second derivatives), and against PyTorch itself when it is
installed (under CI=true a missing torch fails)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradients import check_gradients
from optional_tools import require_module

import tinygrad_edu as tg

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(0)


def second_derivative(op, x: np.ndarray) -> np.ndarray:
    """d²op/da² elementwise by create_graph=True, for an elementwise op."""
    a = tg.tensor(x, dtype=tg.float64, requires_grad=True)
    (first,) = tg.autograd.grad(op(a).sum(), a, create_graph=True)
    (second,) = tg.autograd.grad(first.sum(), a)
    return second.data


def first_derivative_by_differences(op, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d op/da elementwise by central differences of the op's first derivative (from backward), in float64."""
    def derivative(values: np.ndarray) -> np.ndarray:
        a = tg.tensor(values, dtype=tg.float64, requires_grad=True)
        op(a).sum().backward()
        return a.grad.data
    return (derivative(x + eps) - derivative(x - eps)) / (2 * eps)


def bessel_series(x: float, order: int) -> float:
    """I₀ or I₁ by its power series Σ (x/2)^(2k+n)/(k!(k+n)!), summed exactly enough with fsum (|x| ≤ 30)."""
    return math.fsum((x / 2) ** (2 * k + order) / (math.factorial(k) * math.factorial(k + order)) for k in range(90))


# ---- signbit, copysign, nextafter, float_power, heaviside
def test_signbit_reads_the_sign_bit_of_every_dtype():
    values = np.array([-2.0, -0.0, 0.0, 3.0, NAN, -np.float64(NAN), -INF])
    np.testing.assert_array_equal(tg.tensor(values).signbit().data, np.signbit(values))
    assert tg.signbit(tg.tensor([-1, 0, 2])).data.tolist() == [True, False, False]
    assert tg.tensor([True, False]).signbit().data.tolist() == [False, False]
    assert tg.tensor([-1.0]).signbit().dtype == tg.bool_


def test_copysign_forward_and_pytorch_gradient():
    a = np.array([1.0, -2.0, 0.0, 3.0, -0.0, NAN])
    b = np.array([-1.0, -1.0, -0.0, 2.0, 1.0, -1.0])
    x, y = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    z = tg.copysign(x, y)
    np.testing.assert_array_equal(np.signbit(z.data), np.signbit(np.copysign(a, b)))  # −NaN keeps its sign
    np.testing.assert_array_equal(z.data, np.copysign(a, b))
    z.sum().backward()
    # ∂z/∂a = z/a: +1 where the sign is kept, −1 where flipped, 0 at a = ±0; NaN at a NaN (PyTorch's ratio)
    np.testing.assert_array_equal(x.grad.data, [-1.0, 1.0, 0.0, 1.0, 0.0, NAN])
    np.testing.assert_array_equal(y.grad.data, np.zeros(6))  # a gradient of zeros, not None
    away_from_zero = RNG.uniform(0.5, 2.0, (3, 4)) * RNG.choice([-1, 1], (3, 4))
    check_gradients(lambda p, q: p.copysign(q), away_from_zero, RNG.standard_normal((3, 4)))
    assert tg.copysign(tg.tensor([1, 2]), -1).dtype == tg.get_default_dtype()  # integers become floats


def test_nextafter_steps_one_unit_and_passes_the_gradient():
    for dtype, eps in ((tg.float32, np.finfo(np.float32).eps), (tg.float64, np.finfo(np.float64).eps)):
        z = tg.nextafter(tg.tensor([1.0, 1.0], dtype=dtype), tg.tensor([2.0, 1.0], dtype=dtype))
        assert z.dtype == dtype and z.data.tolist() == [1.0 + eps, 1.0]
    a = tg.tensor([1.0, INF, -3.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([2.0, 0.0, -INF], dtype=tg.float64, requires_grad=True)
    z = a.nextafter(b)
    assert z.data[1] == np.finfo(np.float64).max  # a composition a + (nextafter − a) would give NaN here
    (z * tg.tensor([3.0, 5.0, 7.0], dtype=tg.float64)).sum().backward()
    assert a.grad.data.tolist() == [3.0, 5.0, 7.0] and b.grad.data.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(TypeError, match="nextafter: needs floating-point"):
        tg.tensor([1, 2]).nextafter(tg.tensor([2, 1]))


def test_float_power_computes_in_float64():
    x = tg.tensor([2.0, 3.0], requires_grad=True)  # float32
    z = x.float_power(2)
    assert z.dtype == tg.float64 and z.data.tolist() == [4.0, 9.0]
    z.sum().backward()
    assert x.grad.dtype == tg.float32 and x.grad.data.tolist() == [4.0, 6.0]
    assert tg.float_power(tg.tensor([2]), -1).data.tolist() == [0.5]  # an integer base to a negative power
    third = tg.float_power(tg.tensor([1 / 3], dtype=tg.float32), tg.tensor([1.0]))
    assert third.data[0] == np.float64(np.float32(1 / 3))  # the float32 value itself, not rounded again
    check_gradients(lambda a, b: a.float_power(b), RNG.uniform(0.5, 2.0, (3, 4)), RNG.standard_normal((3, 4)))


def test_heaviside_values_and_refusals():
    x = tg.tensor([-1.0, -0.0, 0.0, 2.0, NAN])
    assert x.heaviside(tg.tensor([0.5])).data.tolist() == [0.0, 0.5, 0.5, 1.0, 0.0]  # NaN → 0, as PyTorch
    assert tg.heaviside(tg.tensor([-2, 0, 3]), tg.tensor([7])).data.tolist() == [0, 7, 1]
    with pytest.raises(TypeError, match="heaviside: values must be a Tensor"):
        x.heaviside(0.5)
    with pytest.raises(TypeError, match="must have one dtype"):
        x.heaviside(tg.tensor([0.5], dtype=tg.float64))
    leaf = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="heaviside: has no derivative"):
        leaf.heaviside(tg.tensor([0.5]))
    with tg.no_grad():
        assert leaf.heaviside(tg.tensor([0.5])).data.tolist() == [1.0]


# ---- sinc and the Bessel functions
def test_sinc_closed_forms_and_derivatives_at_zero():
    x = np.array([0.0, 0.5, 1.0, 2.5, -3.0, 1e-4])
    expected = [1.0, 2 / math.pi, 0.0, 2 / (5 * math.pi), 0.0, math.sin(math.pi * 1e-4) / (math.pi * 1e-4)]
    np.testing.assert_allclose(tg.sinc(tg.tensor(x, dtype=tg.float64)).data, expected, rtol=1e-15, atol=1e-16)
    assert tg.sinc(tg.tensor([0, 1])).dtype == tg.get_default_dtype()
    # sinc(a) = 1 − (πa)²/6 + …: the first derivative at 0 is 0, the second −π²/3
    a = tg.tensor([0.0], dtype=tg.float64, requires_grad=True)
    a.sinc().sum().backward()
    assert a.grad.data.tolist() == [0.0]
    np.testing.assert_allclose(second_derivative(tg.sinc, np.array([0.0, 1e-5])), -math.pi**2 / 3, rtol=1e-9)
    check_gradients(tg.sinc, RNG.uniform(-3, 3, (3, 4)))


def test_sinc_taylor_branch_agrees_with_the_sine_formula_at_its_edge():
    """The Taylor polynomial near 0 is a shortcut: on both sides of its edge it must give sin(πa)/(πa)."""
    edge = 0.01 / math.pi
    x = np.concatenate([[edge * 0.999, edge * 0.5, edge * 1.001, edge * 1.5], np.linspace(edge, 0.5, 101)])
    expected = [math.sin(math.pi * v) / (math.pi * v) for v in x]
    np.testing.assert_allclose(tg.sinc(tg.tensor(x, dtype=tg.float64)).data, expected, rtol=2e-16)
    derivative = [(math.cos(math.pi * v) - math.sin(math.pi * v) / (math.pi * v)) / v for v in x]
    a = tg.tensor(x, dtype=tg.float64, requires_grad=True)
    a.sinc().sum().backward()
    np.testing.assert_allclose(a.grad.data, derivative, rtol=1e-10)  # the formula itself cancels ~1e-12 here


def test_i0_and_i1_against_their_series():
    x = np.concatenate([np.linspace(-30, 30, 121), [1e-300, 1e-8, 0.999, 1.0, 1.001]])
    for op, order in ((tg.i0, 0), (tg.special.i1, 1)):
        series = [bessel_series(v, order) if v >= 0 else (-1) ** order * bessel_series(-v, order) for v in x]
        np.testing.assert_allclose(op(tg.tensor(x, dtype=tg.float64)).data, series, rtol=2e-15, atol=0)
        assert op(tg.tensor([1, 2])).dtype == tg.get_default_dtype()
    assert tg.special.i1(tg.tensor([0.0])).data.tolist() == [0.0]
    large = tg.special.i1(tg.tensor([713.0, -713.0, 715.0], dtype=tg.float64)).data
    assert np.isfinite(large[:2]).all() and large[0] == -large[1] and large[2] == INF


def test_i0_and_i1_gradients_and_second_derivatives():
    x = RNG.uniform(-4, 4, (3, 4))
    check_gradients(tg.i0, x)
    check_gradients(tg.special.i1, x)
    points = np.array([-3.0, -0.5, 0.0, 0.7, 2.0])
    for op in (tg.i0, tg.special.i1):
        np.testing.assert_allclose(second_derivative(op, points), first_derivative_by_differences(op, points),
                                   rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(second_derivative(tg.special.i1, np.array([0.0])), [0.0], atol=1e-15)  # I₁ is odd


# ---- shifts
def shifted(a: int, s: int, left: bool, bits: int, signed: bool) -> int:
    """PyTorch's shift on one integer, from Python's unbounded ones: past the width (or negative) a left shift
    gives 0 and a right shift the sign; inside, a left shift wraps around to the width."""
    if s < 0 or s >= bits:
        return 0 if left else (-1 if a < 0 else 0)
    if not left:
        return a >> s  # Python's >> floors, as an arithmetic shift does
    wrapped = (a << s) & ((1 << bits) - 1)
    return wrapped - (1 << bits) if signed and wrapped >= 1 << (bits - 1) else wrapped


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_shifts_follow_pytorchs_rule_past_the_width(dtype):
    info = np.iinfo(dtype)
    bits, signed = info.bits, info.min < 0
    values = np.array([1, 5, info.max, info.min, 100 % (info.max + 1)] + ([-1, -8] if signed else []), dtype=dtype)
    shifts = [0, 1, 3, bits - 1, bits, bits + 1, 100] + ([-1] if signed else [])
    for s in shifts:
        amount = np.full(values.shape, s, dtype=dtype)
        for left, method in ((True, tg.Tensor.__lshift__), (False, tg.Tensor.__rshift__)):
            got = method(tg.tensor(values), tg.tensor(amount))
            expected = [shifted(int(a), s, left, bits, signed) for a in values]
            assert got.dtype == np.dtype(dtype) and got.data.tolist() == expected, (dtype, s, left)


def test_shift_spellings_dtypes_and_refusals():
    x = tg.tensor([3, -4])
    assert (x << 2).data.tolist() == [12, -16] and tg.bitwise_left_shift(x, 2).data.tolist() == [12, -16]
    assert (x >> 1).data.tolist() == [1, -2] and x.bitwise_right_shift(1).data.tolist() == [1, -2]
    assert (1 << tg.tensor([1, 2])).data.tolist() == [2, 4] and (64 >> tg.tensor([1, 2])).data.tolist() == [32, 16]
    small = tg.tensor([1, 2], dtype=tg.int8)
    assert (small << 1).dtype == tg.int8 and (small << tg.tensor([1, 1])).dtype == tg.int64
    y = tg.tensor([1, 2], dtype=tg.int8)
    y <<= tg.tensor([1, 3])
    assert y.dtype == tg.int8 and y.data.tolist() == [2, 16]
    y >>= 1
    assert y.data.tolist() == [1, 8]
    y.bitwise_left_shift_(2)
    assert y.data.tolist() == [4, 32]
    assert (tg.tensor([True]) << 1).data.tolist() == [2]  # a bool and an int shift as int64, as in PyTorch
    for bad, amount in ((tg.tensor([1.0]), 1), (tg.tensor([True]), tg.tensor([True]))):
        with pytest.raises(NotImplementedError, match="<<: needs integer tensors"):
            bad << amount
    with pytest.raises(NotImplementedError, match="bitwise_right_shift: needs integer tensors, got dtype float32"):
        tg.tensor([3]).bitwise_right_shift(1.5)


# ---- tg.special and the package's functions
def test_special_names_are_pytorchs_definitions():
    x = tg.tensor(RNG.uniform(0.05, 0.95, (2, 3)), dtype=tg.float64)
    assert tg.special.expit(x).data.tolist() == x.sigmoid().data.tolist()
    for name in ("erf", "erfc", "exp2", "expm1", "log1p", "logit", "i0", "sinc", "round"):
        assert getattr(tg.special, name)(x).data.tolist() == getattr(x, name)().data.tolist(), name
    assert tg.special.softmax(x, 1).data.tolist() == tg.softmax(x, 1).data.tolist()
    assert tg.special.log_softmax(x, 0).data.tolist() == tg.log_softmax(x, 0).data.tolist()
    assert tg.special.logsumexp(x, 1).data.tolist() == x.logsumexp(1).data.tolist()
    assert tg.special.xlogy(x, x).data.tolist() == x.xlogy(x).data.tolist()
    # Φ against its closed form at ±√2·c, and its far lower tail, where 1 + erf(a/√2) would round to 0
    values = tg.special.ndtr(tg.tensor([0.0, math.sqrt(2), -math.sqrt(2), -20.0], dtype=tg.float64)).data
    np.testing.assert_allclose(values, [0.5, (1 + math.erf(1)) / 2, math.erfc(1) / 2, math.erfc(20 / math.sqrt(2)) / 2],
                               rtol=1e-13)  # the tail magnifies the rounding of a/√2 by 2a²: 1e-16 → 4e-14
    check_gradients(tg.special.ndtr, RNG.standard_normal((3, 4)))
    tiny = tg.special.xlog1py(tg.tensor([0.0, 2.0, 0.0, 3.0]), tg.tensor([NAN, 1e-20, -1.0, 1.0]))
    np.testing.assert_array_equal(tiny.data, np.array([NAN, 2e-20, 0.0, 3 * math.log(2)], dtype=np.float32))
    check_gradients(tg.special.xlog1py, RNG.standard_normal((3, 4)), RNG.uniform(-0.5, 2.0, (3, 4)))


# ---- against PyTorch itself
def test_against_pytorch():
    torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
    odd = np.array([-3.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.5, 6.0, NAN, INF, -INF, 1e-5])
    other = np.roll(odd, 3)
    unary = {"sinc": "sinc", "i0": "i0", "signbit": "signbit"}
    for ours_name, theirs_name in unary.items():
        for dtype in ("float32", "float64"):
            ours = getattr(tg.tensor(odd, dtype=dtype), ours_name)().data
            theirs = getattr(torch.tensor(odd, dtype=getattr(torch, dtype)), theirs_name)().numpy()
            np.testing.assert_allclose(ours, theirs, rtol=4e-7 if dtype == "float32" else 1e-14, err_msg=ours_name)
    np.testing.assert_allclose(tg.special.i1(tg.tensor(odd, dtype=tg.float64)).data,
                               torch.special.i1(torch.tensor(odd)).numpy(), rtol=1e-14)
    binary = [("copysign", tg.copysign, torch.copysign), ("nextafter", tg.nextafter, torch.nextafter),
              ("float_power", tg.float_power, torch.float_power),
              ("xlog1py", tg.special.xlog1py, torch.special.xlog1py)]
    for name, ours_op, theirs_op in binary:
        ours_in = [tg.tensor(v, dtype=tg.float64, requires_grad=True) for v in (odd, other)]
        theirs_in = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (odd, other)]
        ours_out, theirs_out = ours_op(*ours_in), theirs_op(*theirs_in)
        np.testing.assert_allclose(ours_out.data, theirs_out.detach().numpy(), rtol=1e-15, err_msg=name)
        weights = np.linspace(-1, 1, odd.size)
        (ours_out * tg.tensor(weights)).sum().backward()
        (theirs_out * torch.tensor(weights)).sum().backward()
        for ours, theirs in zip(ours_in, theirs_in):
            expected = theirs.grad.numpy()
            if name == "xlog1py":  # ∂z/∂b = 0 where a = 0, as our xlogy: PyTorch's 0/(1 + b) is NaN at b = −1
                expected = np.where((odd == 0) & (other == -1), 0.0, expected)
            np.testing.assert_allclose(ours.grad.data, expected, rtol=1e-14, err_msg=name)
    smooth = np.array([-2.5, -0.3, 0.0, 0.4, 1.7])  # gradients of the unary ops where PyTorch's are right
    for ours_op, theirs_op in ((tg.sinc, torch.sinc), (tg.i0, torch.i0), (tg.special.i1, torch.special.i1),
                               (tg.special.ndtr, torch.special.ndtr)):
        a, t = tg.tensor(smooth, dtype=tg.float64, requires_grad=True), torch.tensor(smooth, requires_grad=True)
        ours_op(a).sum().backward()
        theirs_op(t).sum().backward()
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-13, atol=1e-16)
    for dtype in ("int8", "uint8", "int32", "int64"):
        values = np.array([1, 7, 100, 0], dtype=dtype) * (1 if dtype == "uint8" else np.array([1, -1, 1, -1], dtype))
        shifts = np.array([0, 3, 9, 70], dtype=dtype)
        for op in ("__lshift__", "__rshift__"):
            ours = getattr(tg.tensor(values), op)(tg.tensor(shifts)).data
            theirs = getattr(torch.tensor(values), op)(torch.tensor(shifts)).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{dtype} {op}")


# ---- the gamma family, erfinv, ndtri
EULER_GAMMA = 0.5772156649015329
ZETA_3 = 1.2020569031595942


def test_lgamma_closed_forms_and_poles():
    whole = np.arange(1.0, 21.0)
    np.testing.assert_allclose(tg.lgamma(tg.tensor(whole, dtype=tg.float64)).data,
                               [math.log(math.factorial(int(n) - 1)) for n in whole], rtol=1e-15, atol=1e-15)
    halves = tg.lgamma(tg.tensor([0.5, -0.5, 1.5], dtype=tg.float64)).data  # Γ(½) = √π, Γ(−½) = −2√π, Γ(3/2) = √π/2
    np.testing.assert_allclose(halves, [math.log(math.sqrt(math.pi)), math.log(2 * math.sqrt(math.pi)),
                                        math.log(math.sqrt(math.pi) / 2)], rtol=1e-15, atol=2e-16)
    assert tg.lgamma(tg.tensor([0.0, -0.0, -1.0, -7.0, INF, -INF])).data.tolist() == [INF] * 6
    assert tg.special.gammaln(tg.tensor([1, 2])).dtype == tg.get_default_dtype()
    check_gradients(tg.lgamma, RNG.uniform(0.2, 6.0, (3, 4)) * RNG.choice([-1, 1], (3, 4)))


def test_digamma_closed_forms_and_poles():
    x = tg.tensor([1.0, 0.5, 5.0, -0.5, 30.5], dtype=tg.float64)
    expected = [-EULER_GAMMA, -EULER_GAMMA - 2 * math.log(2), -EULER_GAMMA + 1 + 1 / 2 + 1 / 3 + 1 / 4,
                2 - EULER_GAMMA - 2 * math.log(2),  # ψ(−½) = ψ(3/2), as π cot(−π/2) = 0
                -EULER_GAMMA - 2 * math.log(2) + sum(1 / (k + 0.5) for k in range(30))]  # ψ(x + 1) = ψ(x) + 1/x
    np.testing.assert_allclose(tg.digamma(x).data, expected, rtol=4e-15, atol=1e-15)  # the closed forms cancel
    assert tg.special.psi is tg.special.digamma
    poles = tg.tensor([0.0, -0.0, -1.0, -3.0, INF, -INF, NAN]).digamma().data
    np.testing.assert_array_equal(poles, [-INF, INF, NAN, NAN, INF, NAN, NAN])  # PyTorch's (scipy's) values
    check_gradients(tg.digamma, RNG.uniform(0.2, 6.0, (3, 4)) * RNG.choice([-1, 1], (3, 4)))


def test_polygamma_closed_forms_reflection_and_recurrence():
    one = tg.tensor([1.0], dtype=tg.float64)
    for n, expected in ((1, math.pi**2 / 6), (2, -2 * ZETA_3), (3, math.pi**4 / 15), (5, 120 * math.pi**6 / 945)):
        np.testing.assert_allclose(tg.polygamma(n, one).data, [expected], rtol=2e-15)  # (−1)ⁿ⁺¹n!ζ(n + 1)
    np.testing.assert_allclose(tg.special.polygamma(1, tg.tensor([0.5], dtype=tg.float64)).data, [math.pi**2 / 2],
                               rtol=2e-15)
    x = np.array([-2.3, -0.7, 0.2, 0.45])  # ψ⁽¹⁾(x) + ψ⁽¹⁾(1 − x) = π²/sin²(πx)
    pair = tg.tensor(x, dtype=tg.float64).polygamma(1).data + tg.tensor(1 - x, dtype=tg.float64).polygamma(1).data
    np.testing.assert_allclose(pair, math.pi**2 / np.sin(math.pi * x) ** 2, rtol=2e-14)
    for n in (1, 2, 4):  # ψ⁽ⁿ⁾(x + 1) − ψ⁽ⁿ⁾(x) = (−1)ⁿn!/xⁿ⁺¹, across the switch to the asymptotic series
        x = np.array([0.7, 3.2, 19.6, 20.0 + 2 * n - 0.5, 57.3])
        step = tg.tensor(x + 1, dtype=tg.float64).polygamma(n).data - tg.tensor(x, dtype=tg.float64).polygamma(n).data
        np.testing.assert_allclose(step, (-1) ** n * math.factorial(n) / x ** (n + 1), rtol=1e-12)
    poles = tg.tensor([0.0, -0.0, -2.0])
    assert poles.polygamma(1).data.tolist() == [INF] * 3 and poles.polygamma(2).data.tolist() == [-INF] * 3
    assert tg.polygamma(1, tg.tensor([INF])).data.tolist() == [0.0]
    check_gradients(lambda a: a.polygamma(1), RNG.uniform(0.3, 5.0, (3, 4)))
    check_gradients(lambda a: a.polygamma(2), RNG.uniform(-3.0, -0.2, (3, 4)) + 0.05)
    with pytest.raises(ValueError, match="polygamma: n must be ≥ 0"):
        tg.polygamma(-1, one)
    with pytest.raises(TypeError, match="polygamma: n must be an int"):
        one.polygamma(1.5)


def test_second_derivatives_of_the_gamma_family_and_erfinv():
    x = np.array([0.3, 1.1, 2.5, -0.4, -2.7])
    for op in (tg.lgamma, tg.digamma, lambda a: a.polygamma(1)):
        np.testing.assert_allclose(second_derivative(op, x), first_derivative_by_differences(op, x), rtol=1e-6)
    y = np.array([-0.9, -0.3, 0.0, 0.6, 0.97])
    for op in (tg.erfinv, lambda a: tg.special.ndtri((a + 1) / 2)):
        np.testing.assert_allclose(second_derivative(op, y), first_derivative_by_differences(op, y), rtol=1e-6,
                                   atol=1e-8)


def test_erfinv_inverts_erf_to_the_last_digits():
    x = np.linspace(-0.47, 0.47, 95)  # |erf x| ≤ ½: erfinv(erf(x)) = x, as erf is well conditioned here
    y = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(tg.erfinv(tg.tensor(y, dtype=tg.float64)).data, x, rtol=2e-15, atol=1e-17)
    # beyond: erfc(erfinv(y)) = 1 − y, exact for y ≥ ½, down to the tail where 1 − erf(x) has no digits left
    y = np.concatenate([np.linspace(0.5, 0.999, 50), 1 - np.logspace(-4, -15, 12)])
    z = tg.erfinv(tg.tensor(y, dtype=tg.float64)).data
    np.testing.assert_allclose([math.erfc(v) for v in z], 1 - y, rtol=2e-14 * z.max() ** 2)
    assert tg.erfinv(tg.tensor([1.0, -1.0, 1.5, -2.0, NAN, 0.0])).data.tolist()[:2] == [INF, -INF]
    assert np.isnan(tg.special.erfinv(tg.tensor([1.5, -2.0, NAN])).data).all()
    assert tg.erfinv(tg.tensor([0, 1])).dtype == tg.get_default_dtype()
    check_gradients(tg.erfinv, RNG.uniform(-0.95, 0.95, (3, 4)))


def test_ndtri_keeps_the_lower_tail():
    p = np.array([1e-300, 1e-20, 1e-5, 0.025, 0.5, 0.975, 1 - 1e-12])
    z = tg.special.ndtri(tg.tensor(p, dtype=tg.float64)).data
    # Φ(z) = erfc(−z/√2)/2 back to p; the tail magnifies z's rounding by z²: 1e-16 → 1.5e-13 at z = −37
    relative = np.abs(np.array([math.erfc(-v / math.sqrt(2)) / 2 for v in z]) - p) / p
    assert (relative <= 2e-16 * np.maximum(z**2, 20)).all(), relative  # erfc itself: ~4 ulp below 2
    assert tg.special.ndtri(tg.tensor([0.0, 1.0])).data.tolist() == [-INF, INF]
    assert np.isnan(tg.special.ndtri(tg.tensor([-0.1, 1.1, NAN])).data).all()
    check_gradients(tg.special.ndtri, RNG.uniform(0.02, 0.98, (3, 4)))


def test_mvlgamma_is_the_multivariate_log_gamma():
    a = np.array([1.5, 2.0, 7.25])
    ours = tg.tensor(a, dtype=tg.float64).mvlgamma(2).data  # ln Γ₂(a) = ½ ln π + ln Γ(a) + ln Γ(a − ½)
    np.testing.assert_allclose(ours, [0.5 * math.log(math.pi) + math.lgamma(v) + math.lgamma(v - 0.5) for v in a],
                               rtol=1e-15)
    assert tg.special.multigammaln(tg.tensor(a), 1).data.tolist() == tg.lgamma(tg.tensor(a)).data.tolist()
    with pytest.raises(ValueError, match=r"mvlgamma: all elements must be greater than \(p - 1\)/2 = 1.0"):
        tg.mvlgamma(tg.tensor([1.0, 3.0]), 3)
    with pytest.raises(ValueError, match="mvlgamma: p must be an int ≥ 1"):
        tg.mvlgamma(tg.tensor([3.0]), 0)
    check_gradients(lambda x: x.mvlgamma(3), RNG.uniform(1.2, 4.0, (3, 4)))


def test_gamma_family_and_erfinv_against_pytorch():
    torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(0.05, 40.0, 40), rng.uniform(-8.0, 0.0, 20), [0.5, 1.0, 2.0, 1e-8, 1e3]])
    x = x[(x > 0) | (np.abs(x - np.round(x)) > 0.05)]  # off the poles, where float32 digits run out
    y = np.concatenate([rng.uniform(-1, 1, 40), [0.0, 0.5, -0.999999, 1 - 1e-12]])
    p = np.concatenate([rng.uniform(0, 1, 20), [1e-10, 1e-100]])
    cases = [("lgamma", tg.lgamma, torch.lgamma, x, 1e-13), ("digamma", tg.digamma, torch.digamma, x, 1e-12),
             ("polygamma(3)", lambda t: tg.polygamma(3, t), lambda t: torch.polygamma(3, t), x, 1e-12),
             ("erfinv", tg.erfinv, torch.erfinv, y, 1e-14), ("ndtri", tg.special.ndtri, torch.special.ndtri, p, 1e-14),
             ("mvlgamma", lambda t: t.mvlgamma(3), lambda t: t.mvlgamma(3), x[x > 1.01], 1e-14)]
    for name, ours_op, theirs_op, values, rtol in cases:
        for dtype, tolerance in (("float64", rtol), ("float32", 1e-5)):
            a = tg.tensor(values, dtype=dtype, requires_grad=True)
            t = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
            ours, theirs = ours_op(a), theirs_op(t)
            assert ours.dtype == np.dtype(dtype), name
            np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=tolerance, atol=1e-30, err_msg=name)
            ours.sum().backward()
            theirs.sum().backward()
            # PyTorch computes float32 in float32 (ψ⁽¹⁾ near a pole to ~5e-5), we in float64 and round
            np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=max(tolerance * 10, 1e-9), err_msg=name)


def test_i1_in_chunks_agrees_with_each_element_alone():
    """I₁ runs a chunk of elements at a time, with as many points as the chunk's largest |x| needs: a big tensor must
    give each element what it gives alone (to rounding), whichever chunk it lands in."""
    x = np.random.default_rng(2).uniform(-12, 12, 20_000)
    x[[97, 9000, 19_999]] = [700.0, 0.3, -1e-9]  # 700 needs 4 times the points of its chunk's others
    together = tg.special.i1(tg.tensor(x, dtype=tg.float64)).data
    alone = np.array([tg.special.i1(tg.tensor([v], dtype=tg.float64)).data[0] for v in x[::97]])
    np.testing.assert_allclose(together[::97], alone, rtol=2e-15)
    np.testing.assert_allclose(together[[9000, 19_999]], [bessel_series(0.3, 1), -bessel_series(1e-9, 1)], rtol=2e-15)


def test_xlogy_gradient_at_a_zero_is_the_derivative_of_a_ln_b_where_ln_b_exists():
    """z = a·ln b is 0 at a = 0 by definition, but it is smooth in a there when b > 0: ∂z/∂a = ln b (PyTorch's too);
    where ln b has no real value (b ≤ 0) z stays 0 and so does ∂z/∂a."""
    a = tg.tensor([0.0, 0.0, 0.0, 0.0, 1.0, 2.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([2.0, 0.5, 0.0, -1.0, 3.0, -1.0], dtype=tg.float64, requires_grad=True)
    z = tg.xlogy(a, b)
    z.sum().backward()
    assert z.data[:5].tolist() == [0.0, 0.0, 0.0, 0.0, math.log(3.0)] and np.isnan(z.data[5])
    assert not np.signbit(z.data[:4]).any()  # +0.0, as PyTorch (0·ln ½ alone would be −0.0)
    np.testing.assert_allclose(a.grad.data[:5], [math.log(2.0), math.log(0.5), 0.0, 0.0, math.log(3.0)], rtol=1e-15)
    np.testing.assert_allclose(b.grad.data, [0.0, 0.0, 0.0, 0.0, 1 / 3, -2.0], rtol=1e-15)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_send_the_gradient_to_a_where_both_are_nan_as_pytorch(name):
    a = tg.tensor([NAN, NAN, 1.0, 2.0], requires_grad=True)
    b = tg.tensor([NAN, 3.0, NAN, 2.0], requires_grad=True)
    z = getattr(tg, name)(a, b)
    z.sum().backward()
    assert np.isnan(z.data[0]) and z.data[1:].tolist() == [3.0, 1.0, 2.0]
    assert a.grad.tolist() == [1.0, 0.0, 1.0, 1.0] and b.grad.tolist() == [0.0, 1.0, 0.0, 0.0]


def test_nextafter_gradient_is_one_for_a_also_where_a_equals_b():
    """z is within one ulp of a on both sides of a = b, so ∂z/∂a = 1 there too (PyTorch's backward says 0, which
    makes nextafter(x, x) — that is, x — differentiate to 0); the central difference of z(x) = nextafter(x, x) is 1."""
    a = tg.tensor([3.0, 3.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([5.0, 3.0], dtype=tg.float64, requires_grad=True)
    tg.nextafter(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [0.0, 0.0]
    x = tg.tensor([3.0], dtype=tg.float64, requires_grad=True)
    tg.nextafter(x, x).backward()
    step = 1e-6
    central = (np.nextafter(3.0 + step, 3.0 + step) - np.nextafter(3.0 - step, 3.0 - step)) / (2 * step)
    assert x.grad.item() == pytest.approx(central, rel=1e-8)


def test_diff_of_bools_is_pytorchs_xor():
    flags = tg.tensor([True, False, False, True])
    assert flags.diff().tolist() == [True, False, True] and flags.diff().dtype == tg.bool
    assert flags.diff(n=2).tolist() == [True, True]
