"""``tg.special``: PyTorch's ``torch.special`` names — aliases of the Tensor's ops, and the functions PyTorch keeps
only here (``i1``, ``ndtr``, ``ndtri``, ``xlog1py``, ``erfcx``, ``zeta``, the Bessel functions, the orthogonal
polynomials, …), composed or written beside their derivative in ``ops``; those PyTorch gives no gradient (the Bessel
functions but i0e/i1e, the polynomials) return a tensor that requires none, as PyTorch's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import ops
from ._tensor import Tensor, get_default_dtype, result_type, tensor, times_log, where
from .functions import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    i0,
    log1p,
    logit,
    logsumexp,
    polygamma,
    round,
    sinc,
    xlogy,
)
from .functions import digamma as psi
from .functions import lgamma as gammaln
from .functions import mvlgamma as multigammaln
from .functions import sigmoid as expit
from .nn.functional import log_softmax, softmax

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i1", "log1p", "log_softmax",
           "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
           "xlog1py", "xlogy"]
__all__ += ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
            "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "entr", "erfcx", "gammainc",
            "gammaincc",
            "hermite_polynomial_h", "hermite_polynomial_he", "i0e", "i1e", "laguerre_polynomial_l",
            "legendre_polynomial_p", "log_ndtr", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
            "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
            "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
            "shifted_chebyshev_polynomial_w", "spherical_bessel_j0", "zeta"]


def _floating(*operands: Any) -> list[Tensor]:
    """The operands as tensors in their common dtype, a floating one (integers give the default float)."""
    dtype = result_type(*operands)
    dtype = dtype if dtype.kind == "f" else np.dtype(get_default_dtype())
    return [x.astype(dtype) if isinstance(x, Tensor) and x.dtype != dtype else
            x if isinstance(x, Tensor) else tensor(x, dtype=dtype) for x in operands]


def i1(input: Any) -> Tensor:
    return ops.I1.apply(*_floating(input))


i1.__doc__ = ops.I1.__doc__


def ndtr(input: Any) -> Tensor:
    """The standard normal CDF Φ(a) = erfc(−a/√2)/2, with the digits of its lower tail;  ∂Φ/∂a = e^(−a²/2)/√(2π)"""
    return (_floating(input)[0] * -math.sqrt(0.5)).erfc() * 0.5


def ndtri(input: Any) -> Tensor:
    return ops.Ndtri.apply(*_floating(input))


ndtri.__doc__ = ops.Ndtri.__doc__


def xlog1py(input: Any, other: Any) -> Tensor:
    """z = a·ln(1 + b), and 0 where a = 0 (unless b is NaN), as PyTorch;  ∂z/∂a = ln(1 + b) (0 at a = 0 where
    b ≤ −1), ∂z/∂b = a/(1 + b)"""
    a, b = _floating(input, other)
    return times_log(a, b, Tensor.log1p, -1.0)


# ----------------------------------------------------------------------------------------------- with a gradient
def entr(input: Any) -> Tensor:
    return ops.Entr.apply(*_floating(input))


def erfcx(input: Any) -> Tensor:
    return ops.Erfcx.apply(*_floating(input))


def i0e(input: Any) -> Tensor:
    return ops.I0e.apply(*_floating(input))


def i1e(input: Any) -> Tensor:
    return ops.I1e.apply(*_floating(input))


entr.__doc__, erfcx.__doc__, i0e.__doc__, i1e.__doc__ = (ops.Entr.__doc__, ops.Erfcx.__doc__, ops.I0e.__doc__,
                                                         ops.I1e.__doc__)


def log_ndtr(input: Any) -> Tensor:
    """ln Φ(a), accurate in both tails: ln(erfcx(−a/√2)/2) − a²/2 for a < 0 (no underflow: −804.6 at a = −40), else
    log1p(−erfc(a/√2)/2);  ∂/∂a = φ(a)/Φ(a), through that composition"""
    x = _floating(input)[0]
    negative = x.data < 0
    u = x * math.sqrt(0.5)
    left = where(negative, x, 0.0)  # not x·x: at a = +∞ its zero upstream gradient times ∞ would be NaN
    lower = (erfcx(where(negative, -u, 0.0)) * 0.5).log() - left * left * 0.5
    upper = (where(negative, 0.0, u).erfc() * -0.5).log1p()
    return where(negative, lower, upper)


def gammainc(input: Any, other: Any) -> Tensor:
    """P(a, x) = γ(a, x)/Γ(a) for a = input, x = other, the regularized lower incomplete gamma function;  ∂P/∂x =
    xᵃ⁻¹e⁻ˣ/Γ(a); none for a (PyTorch raises there too)"""
    return ops.IncompleteGamma.apply(*_incomplete_gamma_operands(input, other, "gammainc"), False)


def gammaincc(input: Any, other: Any) -> Tensor:
    """Q(a, x) = 1 − P(a, x) for a = input, x = other, the regularized upper incomplete gamma function (computed
    directly where it is small);  ∂Q/∂x = −xᵃ⁻¹e⁻ˣ/Γ(a); none for a (PyTorch raises there too)"""
    return ops.IncompleteGamma.apply(*_incomplete_gamma_operands(input, other, "gammaincc"), True)


def _incomplete_gamma_operands(input: Any, other: Any, op: str) -> list[Tensor]:
    """(a, x) in their common floating dtype; integers and bools refused, as PyTorch refuses them."""
    if result_type(input, other).kind in "biu":
        raise TypeError(f"special.{op}: integer or bool inputs are not supported (as PyTorch); pass floating-point "
                        "tensors, e.g. input.double()")
    return _floating(input, other)


def zeta(input: Any, other: Any) -> Tensor:
    """ζ(x, q) = Σₖ (q + k)⁻ˣ for x = input, q = other, Hurwitz's zeta function (Riemann's at q = 1);  ∂ζ/∂q =
    −x·ζ(x + 1, q); none for x (PyTorch raises there too)"""
    return ops.Zeta.apply(*_floating(input, other))


# ----------------------------------------------------------------------------------------------- without one
# PyTorch computes these without recording a graph: the result never requires grad (so its gradient is not
# taken, not even as zero). tinygrad_edu gives the same: pasting PyTorch's code must not change a loss's gradient.
def _untracked(function: Any, input: Any) -> Tensor:
    """``function`` (float64 arrays to float64 arrays) on the input's values, as a tensor that requires no grad."""
    x = _floating(input)[0]
    with np.errstate(all="ignore"):
        return Tensor.wrap(np.asarray(function(x.data.astype(np.float64))).astype(x.dtype))


def modified_bessel_i0(input: Any) -> Tensor:
    """I₀(x), the modified Bessel function of the first kind of order 0 (no gradient, as PyTorch; ``i0`` has one)"""
    return _untracked(np.i0, input)


def modified_bessel_i1(input: Any) -> Tensor:
    """I₁(x), the modified Bessel function of the first kind of order 1 (no gradient, as PyTorch; ``i1`` has one)"""
    return _untracked(ops.bessel_i1_array, input)


def modified_bessel_k0(input: Any) -> Tensor:
    """K₀(x), the modified Bessel function of the second kind of order 0 (inf at 0, NaN below; no gradient, as
    PyTorch)"""
    return _untracked(lambda x: _bessel_k(x, 0, scaled=False), input)


def modified_bessel_k1(input: Any) -> Tensor:
    """K₁(x), the modified Bessel function of the second kind of order 1 (inf at 0, NaN below; no gradient, as
    PyTorch)"""
    return _untracked(lambda x: _bessel_k(x, 1, scaled=False), input)


def scaled_modified_bessel_k0(input: Any) -> Tensor:
    """eˣ·K₀(x), finite where K₀ underflows (no gradient, as PyTorch)"""
    return _untracked(lambda x: _bessel_k(x, 0, scaled=True), input)


def scaled_modified_bessel_k1(input: Any) -> Tensor:
    """eˣ·K₁(x), finite where K₁ underflows (no gradient, as PyTorch)"""
    return _untracked(lambda x: _bessel_k(x, 1, scaled=True), input)


def bessel_j0(input: Any) -> Tensor:
    """J₀(x), the Bessel function of the first kind of order 0 (no gradient, as PyTorch)"""
    return _untracked(lambda x: _bessel_j(x, 0), input)


def bessel_j1(input: Any) -> Tensor:
    """J₁(x), the Bessel function of the first kind of order 1 (no gradient, as PyTorch)"""
    return _untracked(lambda x: _bessel_j(x, 1), input)


def bessel_y0(input: Any) -> Tensor:
    """Y₀(x), the Bessel function of the second kind of order 0 (−inf at 0, NaN below; no gradient, as PyTorch)"""
    return _untracked(lambda x: _bessel_y(x, 0), input)


def bessel_y1(input: Any) -> Tensor:
    """Y₁(x), the Bessel function of the second kind of order 1 (−inf at 0, NaN below; no gradient, as PyTorch)"""
    return _untracked(lambda x: _bessel_y(x, 1), input)


def spherical_bessel_j0(input: Any) -> Tensor:
    """j₀(x) = sin(x)/x, 1 at 0 and 0 at ±inf (no gradient, as PyTorch)"""
    return _untracked(lambda x: np.where(x == 0, 1.0, np.where(np.isinf(x), 0.0, np.sin(x) / np.where(x == 0, 1, x))),
                      input)


_EULER_GAMMA = 0.5772156649015329
_SERIES_UP_TO = 2.0  # the power series below (no cancellation there), the integrals and FFTs between, Hankel's beyond


def _bessel_k(x: np.ndarray, order: int, scaled: bool) -> np.ndarray:
    """Kₙ(x) (eˣKₙ(x) if ``scaled``) for n = 0, 1: the power series (A&S 9.6.13, 9.6.11) up to 2, then the
    trapezoidal rule on eˣKₙ(x) = ∫₀^∞ e^(−x(cosh t − 1))·cosh(nt) dt (even and entire in t: the rule converges
    geometrically, at step 1/32 below 10⁻¹⁶ for x < 25), Hankel's expansion from 25."""
    out = np.full(x.shape, math.nan)
    out[x == 0] = math.inf
    out[x == math.inf] = 0.0
    small, large = (x > 0) & (x <= _SERIES_UP_TO), (x >= ops.HANKEL_FROM) & (x < math.inf)
    middle = (x > _SERIES_UP_TO) & (x < ops.HANKEL_FROM)
    s = x[small]
    quarter = s * s / 4
    logarithm = np.log(s / 2)
    if order == 0:  # K₀ = −(ln(x/2) + γ)·I₀(x) + Σₖ Hₖ·(x²/4)ᵏ/(k!)²
        series, term, harmonic = np.zeros_like(s), np.ones_like(s), 0.0
        for k in range(1, 30):
            term = term * quarter / (k * k)
            harmonic += 1 / k
            series += harmonic * term
        value = -(logarithm + _EULER_GAMMA) * np.i0(s) + series
    else:  # K₁ = 1/x + ln(x/2)·I₁(x) − (x/4)·Σₖ (ψ(k + 1) + ψ(k + 2))·(x²/4)ᵏ/(k!(k + 1)!), ψ(k + 1) = Hₖ − γ
        series, term, harmonic = np.zeros_like(s), np.ones_like(s), 0.0
        for k in range(30):
            series += (2 * harmonic + 1 / (k + 1) - 2 * _EULER_GAMMA) * term
            harmonic += 1 / (k + 1)
            term = term * quarter / ((k + 1) * (k + 2))
        value = 1 / s + logarithm * ops.bessel_i1_array(s) - s / 4 * series
    out[small] = value * np.exp(s) if scaled else value
    m = x[middle]
    t = np.arange(0, 7.0, 1 / 32)
    integrand = np.exp(-m[:, None] * (np.cosh(t) - 1)) * np.cosh(order * t)
    value = (integrand.sum(-1) - integrand[:, 0] / 2) / 32
    out[middle] = value if scaled else value * np.exp(-m)
    b = x[large]
    value = sum(ops.hankel_terms(b, order)) * np.sqrt(math.pi / (2 * b))
    out[large] = value if scaled else value * np.exp(-b)
    return out


_FFT_POINTS = 128  # e^(ix·sin θ) = Σₙ Jₙ(x)·e^(inθ): its discrete Fourier coefficients are Jₙ(x) for |x| < 25 (the
# aliased J₁₂₈₋ₙ(x) below 10⁻³⁰ for n < 64)


def _bessel_j_orders(x: np.ndarray) -> np.ndarray:
    """J₀(x) … J₆₃(x) for |x| ≤ 25, one FFT per element (absolute error about 10⁻¹⁶)."""
    theta = 2 * math.pi * np.arange(_FFT_POINTS) / _FFT_POINTS
    out = np.empty((x.size, _FFT_POINTS // 2))
    for start in range(0, x.size, 4096):
        chunk = x[start:start + 4096]
        out[start:start + 4096] = np.fft.fft(np.exp(1j * chunk[:, None] * np.sin(theta)), axis=-1).real[
            :, :_FFT_POINTS // 2] / _FFT_POINTS
    return out


def _hankel_phase(x: np.ndarray, order: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(P, Q, cos χ, sin χ) of Hankel's expansion of order ν, χ = x − 3π/4 for ν = 1, else x − π/4, with cos χ and
    sin χ from cos x and sin x (x − π/4 would round away the phase of a large x)."""
    terms = ops.hankel_terms(x, order)
    P = sum((-1) ** (k // 2) * t for k, t in enumerate(terms) if k % 2 == 0)
    Q = sum((-1) ** (k // 2) * t for k, t in enumerate(terms) if k % 2 == 1)
    cos, sin = np.cos(x), np.sin(x)
    if order != 1:
        return P, Q, (cos + sin) / math.sqrt(2), (sin - cos) / math.sqrt(2)
    return P, Q, (sin - cos) / math.sqrt(2), -(sin + cos) / math.sqrt(2)


def _bessel_j(x: np.ndarray, order: int) -> np.ndarray:
    """Jₙ(x) for n = 0, 1: the power series Σ (−1)ᵏ(x/2)²ᵏ⁺ⁿ/(k!(k + n)!) for |x| ≤ 2 (digits relative to the
    value), the FFT above to 25, then Hankel's expansion √(2/(πx))·(P cos χ − Q sin χ); J₀ even, J₁ odd."""
    size = np.abs(x)
    out = np.full(x.shape, math.nan)
    small, middle = size <= _SERIES_UP_TO, (size > _SERIES_UP_TO) & (size < ops.HANKEL_FROM)
    large = size >= ops.HANKEL_FROM
    s = size[small]
    term = (s / 2) ** order
    series = np.zeros_like(s)
    for k in range(25):
        series += term
        term = term * -(s * s / 4) / ((k + 1) * (k + 1 + order))
    out[small] = series
    out[middle] = _bessel_j_orders(size[middle])[:, order]
    P, Q, cos, sin = _hankel_phase(size[large], order)
    out[large] = np.sqrt(2 / (math.pi * size[large])) * (P * cos - Q * sin)
    return np.where(x < 0, -out, out) if order == 1 else out


def _bessel_y(x: np.ndarray, order: int) -> np.ndarray:
    """Yₙ(x) for n = 0, 1 and x > 0: Neumann's series below 25, Y₀ = (2/π)(ln(x/2) + γ)·J₀ − (4/π)·Σₖ (−1)ᵏJ₂ₖ/k
    (A&S 9.1.88) and its derivative Y₁ = −Y₀′ = (2/π)((ln(x/2) + γ)·J₁ − J₀/x) + (2/π)·Σₖ (−1)ᵏ(J₂ₖ₋₁ − J₂ₖ₊₁)/k,
    then Hankel's √(2/(πx))·(P sin χ + Q cos χ); −inf at 0, NaN below."""
    out = np.full(x.shape, math.nan)
    out[x == 0] = -math.inf
    near, large = (x > 0) & (x < ops.HANKEL_FROM), x >= ops.HANKEL_FROM
    s = x[near]
    J = _bessel_j_orders(s)
    k = np.arange(1, _FFT_POINTS // 4 - 1)
    signs = (-1.0) ** k
    logarithm = np.log(s / 2) + _EULER_GAMMA
    if order == 0:
        out[near] = 2 / math.pi * logarithm * J[:, 0] - 4 / math.pi * (signs * J[:, 2 * k] / k).sum(-1)
    else:
        differences = (signs * (J[:, 2 * k - 1] - J[:, 2 * k + 1]) / k).sum(-1)
        out[near] = 2 / math.pi * (logarithm * J[:, 1] - J[:, 0] / s + differences)
    P, Q, cos, sin = _hankel_phase(x[large], order)
    out[large] = np.sqrt(2 / (math.pi * x[large])) * (P * sin + Q * cos)
    return out


def airy_ai(input: Any) -> Tensor:
    """Ai(x), the Airy function: the solution of y″ = x·y that decays as x → +inf (NaN at ±inf and no gradient, as
    PyTorch)"""
    return _untracked(_airy_ai, input)


_AIRY_AI_0, _AIRY_AI_PRIME_0 = 0.35502805388781723926, -0.25881940379280679840  # Ai(0), Ai′(0)
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(96)


def _gauss_legendre(integrand: Any, end: np.ndarray) -> np.ndarray:
    """∫₀^end integrand(t) dt per element by 96-point Gauss–Legendre (the integrands here are entire and vary on a
    scale above end/20, so the rule is exact to rounding)."""
    nodes, weights = _GAUSS_LEGENDRE
    t = end[:, None] * (nodes + 1) / 2
    return (integrand(t) * weights).sum(-1) * end / 2


def _airy_ai(x: np.ndarray) -> np.ndarray:
    """Ai for |x| ≤ 1 by its Maclaurin series Ai(0)·f + Ai′(0)·g (f = 1 + x³/3! + 1·4·x⁶/6! + …, g = x + 2·x⁴/4! + …;
    A&S 10.4.2). With ζ = (2/3)|x|^(3/2) beyond: for x > 1, Ai = √(x/3)·K₁/₃(ζ)/π (A&S 10.4.14), K₁/₃ by the
    trapezoidal rule as ``_bessel_k``'s or Hankel's expansion from ζ = 25; for x < −1, Ai(−z) = (√z/3)·(J₁/₃(ζ) +
    J₋₁/₃(ζ)) (A&S 10.4.15), the sum as (2/π)∫₀^π cos(θ/3)cos(ζ sin θ) dθ + (√3/π)∫₀^∞ e^(−ζ sinh t)sinh(t/3) dt
    (Schläfli's integral, A&S 9.1.22), or Hankel's π^(−1/2)z^(−1/4)·(P cos χ − Q sin χ), χ = ζ − π/4."""
    out = np.full(x.shape, math.nan)
    near = np.abs(x) <= 1
    s = x[near]
    cube, f, g = s ** 3, np.ones_like(s), s.copy()
    f_term, g_term = f.copy(), g.copy()
    for k in range(30):
        f_term = f_term * cube / ((3 * k + 2) * (3 * k + 3))
        g_term = g_term * cube / ((3 * k + 3) * (3 * k + 4))
        f, g = f + f_term, g + g_term
    out[near] = _AIRY_AI_0 * f + _AIRY_AI_PRIME_0 * g
    positive, negative = x > 1, x < -1
    z = x[positive]
    zeta = 2 / 3 * z ** 1.5
    scaled = np.empty_like(z)  # e^ζ·K₁/₃(ζ)
    middle = zeta < ops.HANKEL_FROM
    t = np.arange(0, 8.0, 1 / 32)
    integrand = np.exp(-zeta[middle, None] * (np.cosh(t) - 1)) * np.cosh(t / 3)
    scaled[middle] = (integrand.sum(-1) - integrand[:, 0] / 2) / 32
    scaled[~middle] = sum(ops.hankel_terms(zeta[~middle], 1 / 3)) * np.sqrt(math.pi / (2 * zeta[~middle]))
    out[positive] = np.sqrt(z / 3) / math.pi * scaled * np.exp(-zeta)
    z = -x[negative]
    zeta = 2 / 3 * z ** 1.5
    value = np.empty_like(z)
    middle = zeta < ops.HANKEL_FROM
    m = zeta[middle]
    oscillating = _gauss_legendre(lambda theta: np.cos(theta / 3) * np.cos(m[:, None] * np.sin(theta)),
                                  np.full_like(m, math.pi))
    decaying = _gauss_legendre(lambda t: np.exp(-m[:, None] * np.sinh(t)) * np.sinh(t / 3), np.arcsinh(45 / m))
    value[middle] = np.sqrt(z[middle]) / 3 * (2 / math.pi * oscillating + math.sqrt(3) / math.pi * decaying)
    P, Q, cos, sin = _hankel_phase(zeta[~middle], 1 / 3)
    value[~middle] = (P * cos - Q * sin) / (math.sqrt(math.pi) * z[~middle] ** 0.25)
    out[negative] = value
    return out


# ----------------------------------------------------------------------------------------------- polynomials
def _polynomial(x: Any, n: Any, first: Any, step: Any, trigonometric: Any = None) -> Tensor:
    """pₙ(x) elementwise from p₀ = 1, p₁ = first(x) and pₖ₊₁ = step(k, x, pₖ, pₖ₋₁), n truncated to an integer and
    0 for n < 0 (as PyTorch); ``trigonometric(x, n)``, where given, for |x| < 1 and n > 6 (PyTorch's shortcut)."""
    x, n = _floating(x, n)
    dtype = x.dtype
    values, orders = np.broadcast_arrays(x.data.astype(np.float64), n.data)
    with np.errstate(invalid="ignore"):
        orders = np.where(np.isfinite(orders), orders, -1).astype(np.int64)
    with np.errstate(all="ignore"):
        previous, current = np.ones_like(values), first(values)
        out = np.where(orders == 0, 1.0, np.where(orders == 1, current, 0.0))
        for k in range(1, int(orders.max(initial=0))):
            previous, current = current, step(k, values, current, previous)
            out = np.where(orders == k + 1, current, out)
        if trigonometric is not None:
            shortcut = (np.abs(values) < 1) & (orders > 6)
            out = np.where(shortcut, trigonometric(np.arccos(np.clip(values, -1, 1)), orders), out)
    return Tensor.wrap(out.astype(dtype))


def _chebyshev(k: int, x: np.ndarray, current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    return 2 * x * current - previous


_CHEBYSHEV = {  # p₁, and pₙ(cos θ) (Mason & Handscomb): T, U, V (third kind) and W (fourth kind)
    "t": (lambda x: x, lambda theta, n: np.cos(n * theta)),
    "u": (lambda x: 2 * x, lambda theta, n: np.sin((n + 1) * theta) / np.sin(theta)),
    "v": (lambda x: 2 * x - 1, lambda theta, n: np.cos((n + 0.5) * theta) / np.cos(theta / 2)),
    "w": (lambda x: 2 * x + 1, lambda theta, n: np.sin((n + 0.5) * theta) / np.sin(theta / 2)),
}


def chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:
    """Tₙ(x), the Chebyshev polynomial of the first kind: T₀ = 1, T₁ = x, Tₖ₊₁ = 2x·Tₖ − Tₖ₋₁ (cos nθ at x = cos θ);
    n a tensor or number (0 for n < 0); no gradient, as PyTorch"""
    return _polynomial(input, n, _CHEBYSHEV["t"][0], _chebyshev, _CHEBYSHEV["t"][1])


def chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:
    """Uₙ(x), the Chebyshev polynomial of the second kind: U₀ = 1, U₁ = 2x, Uₖ₊₁ = 2x·Uₖ − Uₖ₋₁; no gradient, as
    PyTorch"""
    return _polynomial(input, n, _CHEBYSHEV["u"][0], _chebyshev, _CHEBYSHEV["u"][1])


def chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:
    """Vₙ(x), the Chebyshev polynomial of the third kind: V₀ = 1, V₁ = 2x − 1, Vₖ₊₁ = 2x·Vₖ − Vₖ₋₁; no gradient, as
    PyTorch"""
    return _polynomial(input, n, _CHEBYSHEV["v"][0], _chebyshev, _CHEBYSHEV["v"][1])


def chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:
    """Wₙ(x), the Chebyshev polynomial of the fourth kind: W₀ = 1, W₁ = 2x + 1, Wₖ₊₁ = 2x·Wₖ − Wₖ₋₁; no gradient, as
    PyTorch"""
    return _polynomial(input, n, _CHEBYSHEV["w"][0], _chebyshev, _CHEBYSHEV["w"][1])


def _shifted(kind: str) -> Any:
    def shifted(input: Any, n: Any) -> Tensor:
        x = _floating(input)[0]
        return _polynomial(x * 2 - 1, n, _CHEBYSHEV[kind][0], _chebyshev, _CHEBYSHEV[kind][1])
    shifted.__name__ = f"shifted_chebyshev_polynomial_{kind}"
    shifted.__doc__ = (f"{kind.upper()}*ₙ(x) = {kind.upper()}ₙ(2x − 1), the shifted Chebyshev polynomial (orthogonal "
                       "on [0, 1]); no gradient, as PyTorch")
    return shifted


shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v, \
    shifted_chebyshev_polynomial_w = (_shifted(kind) for kind in "tuvw")


def hermite_polynomial_h(input: Any, n: Any) -> Tensor:
    """Hₙ(x), the physicists' Hermite polynomial: H₀ = 1, H₁ = 2x, Hₖ₊₁ = 2x·Hₖ − 2k·Hₖ₋₁; no gradient, as PyTorch"""
    return _polynomial(input, n, lambda x: 2 * x, lambda k, x, current, previous: 2 * x * current - 2 * k * previous)


def hermite_polynomial_he(input: Any, n: Any) -> Tensor:
    """Heₙ(x), the probabilists' Hermite polynomial: He₀ = 1, He₁ = x, Heₖ₊₁ = x·Heₖ − k·Heₖ₋₁; no gradient, as
    PyTorch"""
    return _polynomial(input, n, lambda x: x, lambda k, x, current, previous: x * current - k * previous)


def laguerre_polynomial_l(input: Any, n: Any) -> Tensor:
    """Lₙ(x), the Laguerre polynomial: L₀ = 1, L₁ = 1 − x, (k + 1)·Lₖ₊₁ = (2k + 1 − x)·Lₖ − k·Lₖ₋₁; no gradient, as
    PyTorch"""
    return _polynomial(input, n, lambda x: 1 - x,
                       lambda k, x, current, previous: ((2 * k + 1 - x) * current - k * previous) / (k + 1))


def legendre_polynomial_p(input: Any, n: Any) -> Tensor:
    """Pₙ(x), the Legendre polynomial: P₀ = 1, P₁ = x, (k + 1)·Pₖ₊₁ = (2k + 1)·x·Pₖ − k·Pₖ₋₁; no gradient, as
    PyTorch"""
    return _polynomial(input, n, lambda x: x,
                       lambda k, x, current, previous: ((2 * k + 1) * x * current - k * previous) / (k + 1))
