"""Differential fuzzing: random graphs of every differentiable op, checked against numpy and finite differences.

Hypothesis writes small programs over a pool of values: float64 leaves (one may share another's array), constants,
detached aliases, views, and the results of ops applied to any pool members (so values are reused). Each program
runs twice, side by side: in tinygrad_edu, and as plain numpy written independently in ``CATALOG``. Then:
- forward values agree with numpy;
- every leaf's gradient of a random weighting of the results agrees with central finite differences of the numpy
  program (detached values held at their unperturbed value), in a plain backward and with ``create_graph=True``;
- for a sample, a Hessian-vector product from the recorded backward agrees with finite differences of gradients;
- a program that changes a saved value in place (through a detached alias) raises instead of differentiating.
Kinks where PyTorch's convention is not the symmetric difference (relu, clip, leaky_relu) are kept at a distance.
``--hypothesis-profile=long`` runs many more programs (tests/conftest.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.gradcheck import finite_difference_jacobians
from tinygrad_edu.nn import functional as F  # noqa: N812

KINK_MARGIN = 1e-4  # ≫ the finite-difference step 1e-6
FUZZ = settings(max_examples=3 * settings.default.max_examples)  # the profile's count, tripled
_erf = np.vectorize(math.erf)


@dataclass(frozen=True)
class Op:
    """An op of the catalog: tinygrad_edu's spelling and an independent numpy one, with what its inputs need."""

    arity: int
    ours: Callable
    numpy: Callable
    kinks: Callable | None = None  # numpy inputs → distances to points where the op isn't smooth
    fits: Callable = lambda *shapes: True
    ties: Callable | None = None  # numpy inputs → whether the op sits exactly on a tie, where PyTorch's symmetric
    # rule (half each, shared among equals) is the first derivative but the gradient jumps: no second derivative


def _broadcastable(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


def _softmax(a: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _gap(a: np.ndarray, axis: int | None) -> np.ndarray:
    """Distance between the largest value and the next different one (ties are fine; near-ties are kinks)."""
    values = np.sort(np.moveaxis(a, axis, -1) if axis is not None else a.reshape(-1), axis=-1)
    gaps = np.abs(values[..., -1:] - values)
    return np.where(gaps == 0, np.inf, gaps)


def _tied(a: np.ndarray, axis: int | None) -> bool:
    """Whether the largest value along the axis appears more than once."""
    return bool(np.any((a == np.max(a, axis=axis, keepdims=True)).sum(axis=axis) > 1)) if a.size else False


def _last_axis(*shapes: tuple[int, ...]) -> bool:
    return len(shapes[0]) >= 1


def _to_whole(a: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """Distance to the nearest jump of floor/ceil/trunc (offset 0) or of round (offset ½)."""
    shifted = a - offset
    return np.abs(shifted - np.round(shifted))


def _to_tie(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """The gaps between neighbouring values along ``axis``: sorting and picking by index jump where two values meet,
    and at an exact tie the gradient goes to one index (PyTorch's rule), where finite differences split it."""
    if a.ndim == 0 or a.shape[axis] < 2:
        return np.array([np.inf])
    return np.diff(np.sort(a, axis=axis), axis=axis)


def _running_kinks(a: np.ndarray, pick: np.ufunc) -> np.ndarray:
    """How close each element comes to the running extremum before it (where cummax/cummin switch index)."""
    if a.ndim == 0 or a.shape[-1] < 2:
        return np.array([np.inf])
    return np.abs(a[..., 1:] - pick.accumulate(a, axis=-1)[..., :-1])  # an exact tie too: the latest index wins


def _atan2_kinks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """atan2 is smooth away from the origin and from its cut (a = 0, b < 0), where it jumps by 2π."""
    return np.minimum(np.hypot(a, b), np.where(b < 0, np.abs(a), np.inf))


def _spd(a: np.ndarray) -> np.ndarray:
    """a·aᵀ + I: a symmetric positive definite matrix (or batch) from any ≥ 2-D array."""
    return a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-2])


def _spd_tensor(a: tg.Tensor) -> tg.Tensor:
    return a @ a.mT + tg.eye(a.shape[-2], dtype=a.dtype)


def _reflect(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """Mirror padding of the last axis by the definition: index −k copies k, index n − 1 + k copies n − 1 − k."""
    n = a.shape[-1]
    positions = [abs(p) if p < n else 2 * (n - 1) - p for p in range(-before, n + after)]
    return a[..., positions]


def _two_d(*shapes: tuple[int, ...]) -> bool:
    return len(shapes[0]) == 2


def _at_least(ndim: int, last: int = 1) -> Callable:
    return lambda *shapes: len(shapes[0]) >= ndim and shapes[0][-1] >= last


def _same(s: tuple[int, ...], t: tuple[int, ...]) -> bool:
    return s == t


CATALOG: dict[str, Op] = {
    "add": Op(2, lambda a, b: a + b, np.add, fits=_broadcastable),
    "sub": Op(2, lambda a, b: a - b, np.subtract, fits=_broadcastable),
    "mul": Op(2, lambda a, b: a * b, np.multiply, fits=_broadcastable),
    "div": Op(2, lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5), fits=_broadcastable),
    "pow": Op(2, lambda a, b: (a * a + 0.5) ** b, lambda a, b: (a * a + 0.5) ** b, fits=_broadcastable),
    "rpow": Op(1, lambda a: 1.7**a, lambda a: 1.7**a),
    "square": Op(1, lambda a: a**2, lambda a: a**2),
    "cube": Op(1, lambda a: a**3.0, lambda a: a**3),
    "root": Op(1, lambda a: (a * a + 0.2) ** 0.5, lambda a: np.sqrt(a * a + 0.2)),
    "neg": Op(1, lambda a: -a, np.negative),
    "exp": Op(1, lambda a: a.tanh().exp(), lambda a: np.exp(np.tanh(a))),
    "log": Op(1, lambda a: (a * a + 0.1).log(), lambda a: np.log(a * a + 0.1)),
    "log1p": Op(1, lambda a: (a * a).log1p(), lambda a: np.log1p(a * a)),
    "sqrt": Op(1, lambda a: (a * a + 0.1).sqrt(), lambda a: np.sqrt(a * a + 0.1)),
    "abs": Op(1, lambda a: a.abs(), np.abs, ties=lambda a: np.any(a == 0)),
    "tanh": Op(1, lambda a: a.tanh(), np.tanh),
    "sigmoid": Op(1, lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    "erf": Op(1, lambda a: a.erf(), _erf),
    "gelu": Op(1, F.gelu, lambda a: a * 0.5 * (1 + _erf(a / math.sqrt(2)))),
    "gelu_tanh": Op(1, lambda a: F.gelu(a, "tanh"),
                    lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))),
    "softplus": Op(1, F.softplus, lambda a: np.logaddexp(0, a)),
    "relu": Op(1, lambda a: a.relu(), lambda a: np.maximum(a, 0), kinks=np.abs),
    "leaky_relu": Op(1, lambda a: F.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a), kinks=np.abs),
    "clip": Op(1, lambda a: a.clip(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7),
               kinks=lambda a: np.minimum(np.abs(a + 0.5), np.abs(a - 0.7))),
    "maximum": Op(2, lambda a, b: a.maximum(b), np.maximum, fits=_broadcastable,
                  kinks=lambda a, b: np.where(a == b, np.inf, np.abs(a - b)), ties=lambda a, b: np.any(a == b)),
    "minimum": Op(2, lambda a, b: tg.minimum(a, b), np.minimum, fits=_broadcastable,
                  kinks=lambda a, b: np.where(a == b, np.inf, np.abs(a - b)), ties=lambda a, b: np.any(a == b)),
    "where": Op(2, lambda a, b: tg.where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b), fits=_broadcastable,
                kinks=lambda a, b: np.abs(a)),
    "matmul": Op(2, lambda a, b: a @ b, np.matmul,
                 fits=lambda s, t: len(s) >= 1 and len(t) >= 1 and s[-1] == t[-2 if len(t) > 1 else 0]
                 and _broadcastable(s[:-2], t[:-2])),
    "linear": Op(2, lambda a, w: F.linear(a, w), lambda a, w: a @ w.T,
                 fits=lambda s, t: len(s) >= 2 and len(t) == 2 and s[-1] == t[-1]),
    "sum": Op(1, lambda a: a.sum(), np.sum),
    "sum_axis": Op(1, lambda a: a.sum(axis=-1, keepdims=True), lambda a: a.sum(axis=-1, keepdims=True),
                   fits=_last_axis),
    "mean_axis0": Op(1, lambda a: a.mean(axis=0), lambda a: a.mean(axis=0), fits=_last_axis),
    "mean": Op(1, lambda a: a.mean(), np.mean),
    "max": Op(1, lambda a: a.max(), np.max, kinks=lambda a: _gap(a, None), ties=lambda a: _tied(a, None)),
    "max_axis": Op(1, lambda a: a.max(axis=-1), lambda a: a.max(axis=-1), kinks=lambda a: _gap(a, -1),
                   ties=lambda a: _tied(a, -1),
                   fits=_last_axis),
    "min_axis0": Op(1, lambda a: a.min(axis=0, keepdims=True), lambda a: a.min(axis=0, keepdims=True),
                    kinks=lambda a: _gap(-a, 0), ties=lambda a: _tied(-a, 0), fits=_last_axis),
    "var": Op(1, lambda a: a.var(axis=-1), lambda a: a.var(axis=-1, ddof=1),
              fits=lambda s: len(s) >= 1 and s[-1] >= 2),
    "var_biased": Op(1, lambda a: a.var(ddof=0), np.var),
    "std": Op(1, lambda a: a.std(correction=0), np.std, kinks=lambda a: np.atleast_1d(a.std())),
    "softmax": Op(1, lambda a: a.softmax(axis=-1), lambda a: _softmax(a, -1), fits=_last_axis),
    "log_softmax": Op(1, lambda a: a.log_softmax(axis=0), lambda a: np.log(_softmax(a, 0)), fits=_last_axis),
    "reshape": Op(1, lambda a: a.reshape(-1), lambda a: a.reshape(-1)),
    "transpose": Op(1, lambda a: a.T, lambda a: a.T),
    "mT": Op(1, lambda a: a.mT, lambda a: np.swapaxes(a, -1, -2), fits=lambda s: len(s) >= 2),
    "unsqueeze": Op(1, lambda a: a.unsqueeze(0), lambda a: a[None]),
    "squeeze": Op(1, lambda a: a.squeeze(), np.squeeze),
    "expand": Op(1, lambda a: a.broadcast_to((2, *a.shape)), lambda a: np.broadcast_to(a, (2, *a.shape))),
    "flip": Op(1, lambda a: a[::-1], lambda a: a[::-1], fits=_last_axis),
    "slice": Op(1, lambda a: a[..., 1:], lambda a: a[..., 1:], fits=lambda s: len(s) >= 1 and s[-1] >= 2),
    "gather": Op(1, lambda a: a[np.array([0, 0, -1])], lambda a: a[np.array([0, 0, -1])], fits=_last_axis),
    "mask": Op(1, lambda a: a[a.data > 0], lambda a: a[a > 0], fits=_last_axis, kinks=np.abs),
    "cat": Op(2, lambda a, b: tg.cat([a, b], axis=-1), lambda a, b: np.concatenate([a, b], axis=-1),
              fits=lambda s, t: len(s) == len(t) >= 1 and s[:-1] == t[:-1]),
    "stack": Op(2, lambda a, b: tg.stack([a, b], axis=0), lambda a, b: np.stack([a, b]),
                fits=lambda s, t: s == t),
    "clone": Op(1, lambda a: a.clone(), np.copy),
    # in-place, where legal: on a fresh intermediate, recorded in the graph
    "iadd": Op(2, lambda a, b: _changed(a, lambda x: x.__iadd__(b)), np.add,
               fits=lambda s, t: _broadcastable(s, t) and np.broadcast_shapes(s, t) == s),
    "imul": Op(2, lambda a, b: _changed(a, lambda x: x.mul_(b)), np.multiply,
               fits=lambda s, t: _broadcastable(s, t) and np.broadcast_shapes(s, t) == s),
    "setitem": Op(2, lambda a, b: _changed(a, lambda x: x.__setitem__(0, b.sum())),
                  lambda a, b: np.concatenate([np.full((1, *a.shape[1:]), b.sum()), a[1:]]), fits=_last_axis),
    # issue 14: elementwise math (domains kept where each op is smooth; step functions away from their jumps)
    "sin": Op(1, lambda a: a.sin(), np.sin),
    "cos": Op(1, tg.cos, np.cos),
    "tan": Op(1, lambda a: a.tanh().tan(), lambda a: np.tan(np.tanh(a))),
    "asin": Op(1, lambda a: (a.tanh() * 0.9).asin(), lambda a: np.arcsin(0.9 * np.tanh(a))),
    "acos": Op(1, lambda a: (a.tanh() * 0.9).acos(), lambda a: np.arccos(0.9 * np.tanh(a))),
    "atan": Op(1, lambda a: a.atan(), np.arctan),
    "atan2": Op(2, tg.atan2, np.arctan2, fits=_broadcastable, kinks=_atan2_kinks),
    "sinh": Op(1, lambda a: a.sinh(), np.sinh),
    "cosh": Op(1, lambda a: a.cosh(), np.cosh),
    "asinh": Op(1, lambda a: a.asinh(), np.arcsinh),
    "acosh": Op(1, lambda a: (a * a + 1.1).acosh(), lambda a: np.arccosh(a * a + 1.1)),
    "atanh": Op(1, lambda a: (a.tanh() * 0.9).atanh(), lambda a: np.arctanh(0.9 * np.tanh(a))),
    "exp2": Op(1, lambda a: a.tanh().exp2(), lambda a: 2.0 ** np.tanh(a)),
    "expm1": Op(1, lambda a: a.tanh().expm1(), lambda a: np.exp(np.tanh(a)) - 1),
    "log2": Op(1, lambda a: (a * a + 0.1).log2(), lambda a: np.log(a * a + 0.1) / np.log(2)),
    "log10": Op(1, lambda a: (a * a + 0.1).log10(), lambda a: np.log(a * a + 0.1) / np.log(10)),
    "square_method": Op(1, lambda a: a.square(), lambda a: a * a),
    "rsqrt": Op(1, lambda a: (a * a + 0.2).rsqrt(), lambda a: 1 / np.sqrt(a * a + 0.2)),
    "reciprocal": Op(1, lambda a: (a * a + 0.5).reciprocal(), lambda a: 1 / (a * a + 0.5)),
    "erfc": Op(1, lambda a: a.erfc(), lambda a: 1 - _erf(a)),
    "floor": Op(1, lambda a: a.floor() * a, lambda a: np.floor(a) * a, kinks=_to_whole),
    "ceil": Op(1, lambda a: a.ceil(), np.ceil, kinks=_to_whole),
    "round": Op(1, lambda a: a.round() + a, lambda a: np.round(a) + a, kinks=lambda a: _to_whole(a, 0.5)),
    "trunc": Op(1, tg.trunc, np.trunc, kinks=_to_whole),
    "frac": Op(1, lambda a: a.frac(), lambda a: a - np.trunc(a), kinks=_to_whole),
    "sign": Op(1, lambda a: a.sign() * a, lambda a: np.sign(a) * a, kinks=np.abs),
    "hypot": Op(2, tg.hypot, lambda a, b: np.sqrt(a * a + b * b), fits=_broadcastable,
                kinks=lambda a, b: np.hypot(a, b)),
    "remainder": Op(2, lambda a, b: a % (b * b + 0.5), lambda a, b: a - (b * b + 0.5) * np.floor(a / (b * b + 0.5)),
                    fits=_broadcastable, kinks=lambda a, b: _to_whole(a / (b * b + 0.5))),
    "fmod": Op(2, lambda a, b: tg.fmod(a, b * b + 0.5), lambda a, b: a - (b * b + 0.5) * np.trunc(a / (b * b + 0.5)),
               fits=_broadcastable, kinks=lambda a, b: _to_whole(a / (b * b + 0.5))),
    "floor_divide": Op(2, lambda a, b: a // (b * b + 0.5) + b, lambda a, b: np.floor(a / (b * b + 0.5)) + b,
                       fits=_broadcastable, kinks=lambda a, b: _to_whole(a / (b * b + 0.5))),
    "lerp": Op(2, lambda a, b: a.lerp(b, 0.3), lambda a, b: a + 0.3 * (b - a), fits=_broadcastable),
    "lerp_weight": Op(2, lambda a, w: a.lerp(a * 2.0, w.sigmoid()), lambda a, w: a + a / (1 + np.exp(-w)),
                      fits=_broadcastable),
    "nan_to_num": Op(1, lambda a: a.nan_to_num(), lambda a: a),
    # issue 14: activations (kinks guarded where the first or the second derivative jumps)
    "silu": Op(1, F.silu, lambda a: a / (1 + np.exp(-a))),
    "elu": Op(1, lambda a: F.elu(a, 0.7), lambda a: np.where(a > 0, a, 0.7 * (np.exp(a) - 1)), kinks=np.abs),
    "selu": Op(1, F.selu, lambda a: 1.0507009873554805 * np.where(a > 0, a, 1.6732632423543772 * (np.exp(a) - 1)),
               kinks=np.abs),
    "celu": Op(1, lambda a: F.celu(a, 2.0), lambda a: np.where(a > 0, a, 2.0 * (np.exp(a / 2) - 1)), kinks=np.abs),
    "mish": Op(1, F.mish, lambda a: a * np.tanh(np.logaddexp(0, a))),
    "hardtanh": Op(1, F.hardtanh, lambda a: np.clip(a, -1, 1), kinks=lambda a: np.abs(np.abs(a) - 1)),
    "relu6": Op(1, lambda a: F.relu6(a * 4), lambda a: np.clip(a * 4, 0, 6),
                kinks=lambda a: np.minimum(np.abs(a), np.abs(a - 1.5))),
    "hardsigmoid": Op(1, lambda a: F.hardsigmoid(a * 3), lambda a: np.clip(a * 3 + 3, 0, 6) / 6,
                      kinks=lambda a: np.abs(np.abs(a) - 1)),
    "hardswish": Op(1, lambda a: F.hardswish(a * 3), lambda a: a * 3 * np.clip(a * 3 + 3, 0, 6) / 6,
                    kinks=lambda a: np.abs(np.abs(a) - 1)),
    "logsigmoid": Op(1, F.logsigmoid, lambda a: -np.logaddexp(0, -a)),
    "softsign": Op(1, F.softsign, lambda a: a / (1 + np.abs(a)), kinks=np.abs),
    "tanhshrink": Op(1, F.tanhshrink, lambda a: a - np.tanh(a)),
    "glu": Op(1, lambda a: F.glu(a, 0), lambda a: a[: a.shape[0] // 2] / (1 + np.exp(-a[a.shape[0] // 2:])),
              fits=lambda s: len(s) >= 1 and s[0] % 2 == 0),
    "prelu": Op(2, lambda a, w: F.prelu(a, w.reshape(-1)[:1]), lambda a, w: np.where(a > 0, a, w.reshape(-1)[0] * a),
                kinks=lambda a, w: np.abs(a)),
    "softmin": Op(1, lambda a: F.softmin(a, -1), lambda a: _softmax(-a, -1), fits=_last_axis),
    # issue 14: reductions and scans
    "prod": Op(1, lambda a: a.prod(), np.prod),
    "prod_axis": Op(1, lambda a: a.prod(dim=-1, keepdim=True), lambda a: np.multiply.reduce(a, axis=-1, keepdims=True),
                    fits=_last_axis),
    "logsumexp": Op(1, lambda a: a.logsumexp(-1), lambda a: np.log(np.exp(a).sum(axis=-1)), fits=_last_axis),
    "norm": Op(1, lambda a: a.norm(), lambda a: np.sqrt((a * a).sum()), kinks=lambda a: np.atleast_1d(np.abs(a).sum())),
    "norm_1": Op(1, lambda a: a.norm(p=1, dim=-1), lambda a: np.abs(a).sum(axis=-1), fits=_last_axis, kinks=np.abs),
    "norm_3": Op(1, lambda a: tg.linalg.vector_norm(a, 3), lambda a: (np.abs(a) ** 3).sum() ** (1 / 3),
                 kinks=lambda a: np.atleast_1d(np.abs(a).max(initial=0))),
    "norm_inf": Op(1, lambda a: tg.linalg.vector_norm(a, math.inf, -1), lambda a: np.abs(a).max(axis=-1),
                   fits=_last_axis, kinks=lambda a: np.minimum(_gap(np.abs(a), -1), np.abs(a).max(axis=-1,
                                                                                              keepdims=True)),
                   ties=lambda a: _tied(np.abs(a), -1)),
    "matrix_norm_1": Op(1, lambda a: tg.linalg.matrix_norm(a, 1), lambda a: np.abs(a).sum(axis=-2).max(axis=-1),
                        fits=lambda s: len(s) >= 2,
                        kinks=lambda a: np.minimum(np.abs(a), _gap(np.abs(a).sum(axis=-2), -1).min()),
                        ties=lambda a: _tied(np.abs(a).sum(axis=-2), -1)),
    "std_mean": Op(1, lambda a: tg.std_mean(a, -1)[0] + tg.std_mean(a, -1)[1],
                   lambda a: a.std(axis=-1, ddof=1) + a.mean(axis=-1), fits=lambda s: len(s) >= 1 and s[-1] >= 2,
                   kinks=lambda a: np.atleast_1d(a.std(axis=-1))),
    "cumsum": Op(1, lambda a: a.cumsum(-1), lambda a: np.add.accumulate(a, axis=-1), fits=_last_axis),
    "cumsum_flat": Op(1, lambda a: a.cumsum(), lambda a: np.cumsum(a.reshape(-1))),
    "cumprod": Op(1, lambda a: a.cumprod(0), lambda a: np.multiply.accumulate(a, axis=0), fits=_last_axis),
    "cummax": Op(1, lambda a: a.cummax(-1).values, lambda a: np.maximum.accumulate(a, axis=-1), fits=_last_axis,
                 kinks=lambda a: _running_kinks(a, np.maximum)),
    "cummin": Op(1, lambda a: a.cummin(-1).values, lambda a: np.minimum.accumulate(a, axis=-1), fits=_last_axis,
                 kinks=lambda a: _running_kinks(a, np.minimum)),
    "median": Op(1, lambda a: a.median(), lambda a: np.sort(a.reshape(-1))[(a.size - 1) // 2],
                 kinks=lambda a: _gap(a, None) if a.size < 2 else np.where(_to_tie(a.reshape(-1)) == 0, np.inf,
                                                                           _to_tie(a.reshape(-1))),
                 ties=lambda a: a.size and np.count_nonzero(a == np.sort(a.reshape(-1))[(a.size - 1) // 2]) > 1),
    "median_axis": Op(1, lambda a: a.median(-1).values, lambda a: np.sort(a, axis=-1)[..., (a.shape[-1] - 1) // 2],
                      fits=_last_axis, kinks=_to_tie),
    "kthvalue": Op(1, lambda a: a.kthvalue(1, -1, keepdim=True).values, lambda a: np.sort(a, axis=-1)[..., :1],
                   fits=_at_least(1, 1), kinks=_to_tie),
    # issue 14: indexing and gathering
    "gather_dim": Op(1, lambda a: a.gather(-1, tg.Tensor(np.zeros(a.shape, np.int64))),
                     lambda a: np.repeat(a[..., :1], a.shape[-1], axis=-1), fits=_last_axis),
    "take_along_dim": Op(1, lambda a: a.take_along_dim(tg.Tensor(np.array([0, 0, -1]) % a.size)),
                         lambda a: a.reshape(-1)[np.array([0, 0, -1]) % a.size]),
    "index_select": Op(1, lambda a: a.index_select(0, tg.Tensor([0, 0])), lambda a: np.stack([a[0], a[0]]),
                       fits=_last_axis),
    "scatter_add": Op(2, lambda a, b: a.scatter_add(0, tg.Tensor(np.zeros(b.shape, np.int64)), b),
                      lambda a, b: np.concatenate([a[:1] + b.sum(axis=0, keepdims=True), a[1:]]),
                      fits=lambda s, t: len(s) == len(t) >= 1 and s[1:] == t[1:] and s[0] >= 1),
    "scatter": Op(2, lambda a, b: a.scatter(0, tg.Tensor(np.zeros(b.shape, np.int64)), b),
                  lambda a, b: np.concatenate([b[-1:], a[1:]]),  # the last write to row 0 wins
                  fits=lambda s, t: len(s) == len(t) >= 1 and s[1:] == t[1:] and s[0] >= 1),
    "masked_fill": Op(2, lambda a, b: a.masked_fill(b.data > 0, 0.5), lambda a, b: np.where(b > 0, 0.5, a),
                      fits=_broadcastable, kinks=lambda a, b: np.abs(b)),
    "masked_fill_value": Op(1, lambda a: a.masked_fill(a.data > 0, a.sum()), lambda a: np.where(a > 0, a.sum(), a),
                            kinks=np.abs),
    "masked_select": Op(1, lambda a: a.masked_select(a.data < 0), lambda a: a[a < 0], kinks=np.abs),
    "sort": Op(1, lambda a: a.sort(-1, descending=True).values, lambda a: -np.sort(-a, axis=-1), fits=_last_axis,
               kinks=_to_tie),
    "topk": Op(1, lambda a: a.topk(1, 0).values, lambda a: a.max(axis=0, keepdims=True), fits=_last_axis,
               kinks=lambda a: _to_tie(a, 0)),
    # issue 14: shape
    "pad_constant": Op(1, lambda a: F.pad(a, (1, 2), value=0.5), lambda a: np.concatenate(
        [np.full((*a.shape[:-1], 1), 0.5), a, np.full((*a.shape[:-1], 2), 0.5)], axis=-1), fits=_last_axis),
    "pad_reflect": Op(1, lambda a: F.pad(a, (2, 1), mode="reflect"), lambda a: _reflect(a, 2, 1),
                      fits=_at_least(1, 3)),
    "pad_replicate": Op(1, lambda a: F.pad(a, (1, 1, 2, 0), mode="replicate"),
                        lambda a: np.pad(a, [(0, 0)] * (a.ndim - 2) + [(2, 0), (1, 1)], mode="edge"),
                        fits=lambda s: len(s) >= 2),
    "pad_circular": Op(1, lambda a: F.pad(a, (1, -1), mode="circular"),
                       lambda a: np.concatenate([a[..., -2:-1], a[..., :-1]], axis=-1), fits=_at_least(1, 2)),
    "repeat": Op(1, lambda a: a.repeat(2, *([1] * a.ndim)), lambda a: np.stack([a, a])),
    "tile": Op(1, lambda a: a.tile(2), lambda a: np.concatenate([a, a], axis=-1), fits=_last_axis),
    "repeat_interleave": Op(1, lambda a: a.repeat_interleave(2),
                            lambda a: np.stack([a.reshape(-1)] * 2, -1).reshape(-1)),
    "flip_dims": Op(1, lambda a: a.flip(-1), lambda a: a[..., ::-1], fits=_last_axis),
    "roll": Op(1, lambda a: a.roll(1, -1), lambda a: np.concatenate([a[..., -1:], a[..., :-1]], axis=-1),
               fits=_last_axis),
    "split": Op(1, lambda a: a.split(1, -1)[-1] * 2 - a.split(1, -1)[0], lambda a: a[..., -1:] * 2 - a[..., :1],
                fits=_last_axis),
    "chunk": Op(1, lambda a: a.chunk(2, 0)[0], lambda a: a[: -(-a.shape[0] // 2)], fits=_last_axis),
    "unbind": Op(1, lambda a: a.unbind(0)[-1], lambda a: a[-1], fits=_last_axis),
    "tril": Op(1, lambda a: a.tril(), lambda a: a * (np.arange(a.shape[-1]) <= np.arange(a.shape[-2])[:, None]),
               fits=lambda s: len(s) >= 2),
    "triu": Op(1, lambda a: a.triu(1), lambda a: a * (np.arange(a.shape[-1]) > np.arange(a.shape[-2])[:, None]),
               fits=lambda s: len(s) >= 2),
    "diag_matrix": Op(1, lambda a: a.diag(), lambda a: np.array([a[i, i] for i in range(min(a.shape))]),
                      fits=_two_d),
    "diag_vector": Op(1, lambda a: a.reshape(-1).diag(1), lambda a: np.eye(a.size + 1, k=1) * np.concatenate(
        [[0], a.reshape(-1)])[None, :]),
    "diagonal": Op(1, lambda a: a.diagonal(0, -2, -1), lambda a: np.einsum("...ii->...i", a[..., : min(a.shape[-2:]),
                                                                                          : min(a.shape[-2:])]),
                   fits=lambda s: len(s) >= 2),
    "trace": Op(1, lambda a: a.trace(), lambda a: sum(a[i, i] for i in range(min(a.shape))), fits=_two_d),
    "unflatten": Op(1, lambda a: a.reshape(-1).unflatten(0, (1, -1)), lambda a: a.reshape(1, -1)),
    "movedim": Op(1, lambda a: a.movedim(0, -1), lambda a: np.moveaxis(a, 0, -1), fits=_last_axis),
    "narrow": Op(1, lambda a: a.narrow(-1, 1, a.shape[-1] - 1), lambda a: a[..., 1:], fits=_at_least(1, 2)),
    "meshgrid": Op(2, lambda a, b: tg.meshgrid(a.reshape(-1), b.reshape(-1))[0] * tg.meshgrid(a.reshape(-1),
                                                                                               b.reshape(-1))[1],
                   lambda a, b: np.outer(a.reshape(-1), b.reshape(-1))),
    "broadcast_tensors": Op(2, lambda a, b: tg.broadcast_tensors(a, b)[0] - tg.broadcast_tensors(a, b)[1],
                            lambda a, b: a - b, fits=_broadcastable),
    # issue 14: linear algebra
    "einsum_contract": Op(2, lambda a, b: tg.einsum("...i,...i->...", a, b), lambda a, b: (a * b).sum(axis=-1),
                          fits=lambda s, t: len(s) >= 1 and len(t) >= 1 and _broadcastable(s, t)),
    "einsum_outer": Op(2, lambda a, b: tg.einsum("i,j->ij", a.reshape(-1), b.reshape(-1)),
                       lambda a, b: a.reshape(-1)[:, None] * b.reshape(-1)[None, :]),
    "einsum_trace": Op(1, lambda a: tg.einsum("ii", a @ a.T), lambda a: (a * a).sum(), fits=_two_d),
    "tensordot": Op(2, lambda a, b: tg.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
                    fits=lambda s, t: len(s) >= 1 and len(t) >= 1 and s[-1] == t[0]),
    "outer": Op(2, lambda a, b: a.reshape(-1).outer(b.reshape(-1)), lambda a, b: np.multiply.outer(a.reshape(-1),
                                                                                                  b.reshape(-1))),
    "dot": Op(2, lambda a, b: a.reshape(-1).dot(b.reshape(-1)), lambda a, b: (a.reshape(-1) * b.reshape(-1)).sum(),
              fits=lambda s, t: math.prod(s) == math.prod(t)),
    "kron": Op(2, tg.kron, np.kron),
    "bmm": Op(1, lambda a: a.unsqueeze(0).bmm(a.unsqueeze(0).mT), lambda a: np.einsum("ij,kj->ik", a, a)[None],
              fits=_two_d),
    "inv": Op(1, lambda a: tg.linalg.inv(_spd_tensor(a)), lambda a: np.linalg.inv(_spd(a)), fits=lambda s: len(s) >= 2),
    "det": Op(1, lambda a: tg.linalg.det(_spd_tensor(a)), lambda a: np.linalg.det(_spd(a)), fits=lambda s: len(s) >= 2),
    "slogdet": Op(1, lambda a: tg.linalg.slogdet(_spd_tensor(a)).logabsdet, lambda a: np.log(np.linalg.det(_spd(a))),
                  fits=lambda s: len(s) >= 2),
    "solve": Op(2, lambda a, b: tg.linalg.solve(_spd_tensor(a), b), lambda a, b: np.linalg.inv(_spd(a)) @ b,
                fits=lambda s, t: len(s) == 2 and len(t) == 2 and t[0] == s[0]),
    "cholesky": Op(1, lambda a: tg.linalg.cholesky(_spd_tensor(a)), lambda a: np.linalg.cholesky(_spd(a)),
                   fits=lambda s: len(s) >= 2),
    "eigh": Op(1, lambda a: tg.linalg.eigh(_spd_tensor(a)).eigenvectors ** 2
               * tg.linalg.eigvalsh(_spd_tensor(a)).unsqueeze(-2),
               lambda a: np.linalg.eigh(_spd(a))[1] ** 2 * np.linalg.eigvalsh(_spd(a))[..., None, :],
               kinks=lambda a: np.diff(np.linalg.eigvalsh(_spd(a)), axis=-1), fits=lambda s: len(s) >= 2),
    "svd": Op(1, lambda a: tg.linalg.svd(a, full_matrices=False).U ** 2 * tg.linalg.svdvals(a).unsqueeze(-2),
              lambda a: np.linalg.svd(a, full_matrices=False)[0] ** 2 * np.linalg.svd(a)[1][..., None, :],
              kinks=lambda a: np.concatenate([np.linalg.svd(a)[1], -np.diff(np.linalg.svd(a)[1], axis=-1)], -1),
              fits=lambda s: len(s) >= 2),
    "qr": Op(1, lambda a: tg.linalg.qr(a).R, lambda a: np.linalg.qr(a)[1],
             kinks=lambda a: np.abs(np.diagonal(np.linalg.qr(a)[1], axis1=-2, axis2=-1)), fits=lambda s: len(s) >= 2),
    "pinv": Op(1, tg.linalg.pinv, np.linalg.pinv, kinks=lambda a: np.linalg.svd(a)[1], fits=lambda s: len(s) >= 2),
    "matrix_exp": Op(1, lambda a: tg.linalg.matrix_exp(_spd_tensor(a) * 0.1),  # symmetric: exp from its eigenvalues
                     lambda a: (lambda w, v: (v * np.exp(w)[..., None, :]) @ np.swapaxes(v, -1, -2))(
                         *np.linalg.eigh(_spd(a) * 0.1)), fits=lambda s: len(s) >= 2),
    "addcmul": Op(2, lambda a, b: a.addcmul(a, b, value=0.5), lambda a, b: a + 0.5 * a * b, fits=_broadcastable),
    "addcdiv": Op(2, lambda a, b: a.addcdiv(b, b * b + 0.5, value=2), lambda a, b: a + 2 * b / (b * b + 0.5),
                  fits=_broadcastable),
    "logaddexp": Op(2, lambda a, b: a.logaddexp(b), np.logaddexp, fits=_broadcastable),
    "logit": Op(1, lambda a: (a.tanh() * 0.4 + 0.5).logit(),
                lambda a: np.log((0.5 + 0.4 * np.tanh(a)) / (0.5 - 0.4 * np.tanh(a)))),
    "binary_cross_entropy": Op(2, lambda a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid(), reduction="none"),
                               lambda a, b: np.logaddexp(0, -a) / (1 + np.exp(-b))
                               + np.logaddexp(0, a) / (1 + np.exp(b)), fits=_same),
    "xlogy": Op(2, lambda a, b: a.xlogy(b * b + 0.5), lambda a, b: a * np.log(b * b + 0.5), fits=_broadcastable),
    "deg2rad": Op(1, lambda a: a.deg2rad(), np.deg2rad),
    "nansum": Op(1, lambda a: a.nansum(-1), lambda a: np.nansum(a, -1), fits=_last_axis),
    "diff": Op(1, lambda a: a.diff(n=2), lambda a: np.diff(a, n=2, axis=-1), fits=_at_least(1, 3)),
    "cross": Op(2, lambda a, b: a.cross(b, dim=-1), lambda a, b: np.cross(a, b),
                fits=lambda s, t: s == t and len(s) >= 1 and s[-1] == 3),
    "select": Op(1, lambda a: a.select(-1, 1), lambda a: a[..., 1], fits=_at_least(1, 2)),
    "take": Op(1, lambda a: a.take(tg.tensor([[1, 0], [1, 1]])), lambda a: a.reshape(-1)[[[1, 0], [1, 1]]],
               fits=lambda s: math.prod(s) >= 2),
    "index_add": Op(2, lambda a, b: a.index_add(a.ndim - 1, tg.tensor(np.arange(a.shape[-1])[::-1].copy()), b),
                    lambda a, b: a + b[..., ::-1], fits=lambda s, t: s == t and len(s) >= 1),
    "unfold": Op(1, lambda a: a.unfold(-1, 2, 1), lambda a: np.lib.stride_tricks.sliding_window_view(a, 2, -1),
                 fits=_at_least(1, 2)),
}
_lgamma = np.vectorize(math.lgamma)


def _digamma(x: np.ndarray) -> np.ndarray:
    """ψ(x) = −γ + Σₖ (x − 1)/((k + 1)(k + x)) for x > 0: 1000 terms, then the Euler–Maclaurin tail
    ∫ + f(N)/2 − f′(N)/12 at N = 1000 (within 2e-14 of mpmath's ψ on [½, 10⁵]; a five-point difference of
    math.lgamma, used before, erred by 3e-11 near ½, which a later cancellation made a failure)."""
    n, k = 1000.0, np.arange(1000.0)
    terms = (x[..., None] - 1) / ((k + 1) * (k + x[..., None]))
    f_n = (x - 1) / ((n + 1) * (n + x))
    slope_n = -(x - 1) * (2 * n + 1 + x) / ((n + 1) ** 2 * (n + x) ** 2)
    return -np.euler_gamma + terms.sum(axis=-1) + np.log1p((x - 1) / (n + 1)) + f_n / 2 - slope_n / 12


def _trigamma(x: np.ndarray) -> np.ndarray:
    """ψ⁽¹⁾(x) = Σₖ 1/(x + k)²: 1000 terms, then the Euler–Maclaurin tail 1/y + 1/(2y²) + 1/(6y³) at y = x + 1000."""
    y = x + 1000
    return sum(1 / (x + k) ** 2 for k in range(1000)) + 1 / y + 1 / (2 * y * y) + 1 / (6 * y**3)


def _erfinv(y: np.ndarray) -> np.ndarray:
    """erf⁻¹ by bisection on math.erf (|y| < 1): 80 halvings of [−6, 6]."""
    low, high = np.full(np.shape(y), -6.0), np.full(np.shape(y), 6.0)
    for _ in range(80):
        middle = (low + high) / 2
        below = _erf(middle) < y
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return (low + high) / 2


def _bessel_i1(x: np.ndarray) -> np.ndarray:
    return sum((x / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1)) for k in range(30))


CATALOG.update({  # signs and special functions
    "copysign": Op(2, lambda a, b: a.copysign(b), np.copysign, fits=_broadcastable,
                   kinks=lambda a, b: np.minimum(np.abs(a), np.abs(b))),
    "nextafter": Op(2, lambda a, b: a.nextafter(b), np.nextafter, fits=_broadcastable),
    "float_power": Op(2, lambda a, b: (a * a + 0.5).float_power(b), lambda a, b: (a * a + 0.5) ** b,
                      fits=_broadcastable),
    "sinc": Op(1, lambda a: a.sinc(), np.sinc),
    "i0": Op(1, lambda a: a.i0(), np.i0),
    "i1": Op(1, tg.special.i1, _bessel_i1),
    "lgamma": Op(1, lambda a: (a * a + 0.5).lgamma(), lambda a: _lgamma(a * a + 0.5)),
    "digamma": Op(1, lambda a: (a * a + 0.5).digamma(), lambda a: _digamma(a * a + 0.5)),
    "polygamma": Op(1, lambda a: (a * a + 0.5).polygamma(1), lambda a: _trigamma(a * a + 0.5)),
    "erfinv": Op(1, lambda a: (a.tanh() * 0.9).erfinv(), lambda a: _erfinv(np.tanh(a) * 0.9)),
    "ndtri": Op(1, lambda a: tg.special.ndtri(a.sigmoid()),
                lambda a: math.sqrt(2) * _erfinv(2 / (1 + np.exp(-a)) - 1)),
})

CATALOG.update({  # scans, shapes and special functions
    "logcumsumexp": Op(1, lambda a: a.logcumsumexp(-1), lambda a: np.log(np.cumsum(np.exp(a), axis=-1)),
                       fits=_last_axis),
    "rot90": Op(1, lambda a: a.rot90(1, (-2, -1)), lambda a: np.rot90(a, 1, (-2, -1)), fits=_at_least(2)),
    "renorm": Op(1, lambda a: a.renorm(2, 0, 1.0), lambda a: a * np.minimum(
        1.0, 1.0 / (np.sqrt((a * a).reshape(len(a), -1).sum(1)) + 1e-7)).reshape(-1, *[1] * (a.ndim - 1)),
        kinks=lambda a: np.abs(np.sqrt((a * a).reshape(len(a), -1).sum(1)) - 1.0), fits=_at_least(1)),
})



def _dominant(a: np.ndarray) -> np.ndarray:
    """0.1·(a·aᵀ + I) + 2I: diagonally dominant by columns for the inputs drawn here, so LU's partial pivoting swaps no
    rows and Doolittle's elimination below is its truth."""
    return 0.1 * _spd(a) + 2 * np.eye(a.shape[-2])


def _doolittle(m: np.ndarray) -> np.ndarray:
    """L − I + U packed, by elimination without pivoting."""
    packed = m.copy()
    for j in range(m.shape[-1]):
        packed[..., j + 1:, j] /= packed[..., j, j, None]
        packed[..., j + 1:, j + 1:] -= packed[..., j + 1:, j, None] * packed[..., j, None, j + 1:]
    return packed


def _column_dominance(m: np.ndarray) -> np.ndarray:
    """|mⱼⱼ| − Σᵢ≠ⱼ |mᵢⱼ|: positive keeps partial pivoting from swapping rows."""
    return 2 * np.abs(np.diagonal(m, axis1=-2, axis2=-1)) - np.abs(m).sum(-2)


def _erfcx(a: np.ndarray) -> np.ndarray:
    """e^(a²)·erfc a: by math.erfc below 25, beyond by the asymptotic series 1/(a√π)·Σ (−1)ᵏ(2k − 1)!!/(2a²)ᵏ."""
    with np.errstate(over="ignore", invalid="ignore"):
        near = np.exp(np.minimum(a, 25) ** 2) * np.vectorize(math.erfc)(np.minimum(a, 25))
        far = sum((-1) ** k * math.prod(range(1, 2 * k, 2)) / (2 * a * a) ** k for k in range(10)) / (
            a * math.sqrt(math.pi))
    return np.where(a < 25, near, far)


def _i1e(a: np.ndarray) -> np.ndarray:
    """e^(−|a|)·I₁(a): the power series (70 terms) below 30, beyond the asymptotic series (A&S 9.7.1, 15 terms)."""
    size = np.minimum(np.abs(a), 30)
    series = sum((size / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1)) for k in range(70))
    x = np.maximum(np.abs(a), 30)
    asymptotic = sum((-1) ** k * math.prod((4 - (2 * j - 1) ** 2) / (8 * j) for j in range(1, k + 1)) / x ** k
                     for k in range(15)) / np.sqrt(2 * math.pi * x)
    return np.sign(a) * np.where(np.abs(a) < 30, series * np.exp(-size), asymptotic)


CATALOG.update({  # LU and tg.special's functions with a gradient
    "lu_factor": Op(1, lambda a: tg.linalg.lu_factor(0.1 * _spd_tensor(a) + 2 * tg.eye(a.shape[-2], dtype=a.dtype)).LU,
                    lambda a: _doolittle(_dominant(a)), kinks=lambda a: _column_dominance(_dominant(a)),
                    fits=lambda s: len(s) >= 2),
    "entr": Op(1, lambda a: tg.special.entr(a * a + 0.5), lambda a: -(a * a + 0.5) * np.log(a * a + 0.5)),
    "erfcx": Op(1, tg.special.erfcx, lambda a: _erfcx(a)),
    "i0e": Op(1, tg.special.i0e, lambda a: np.i0(a) * np.exp(-np.abs(a)), kinks=np.abs),
    "i1e": Op(1, tg.special.i1e, lambda a: _i1e(a), kinks=np.abs),
    "gammainc": Op(1, lambda a: tg.special.gammainc(2.0, a * a + 0.5),  # P(2, x) = 1 − e⁻ˣ(1 + x)
                   lambda a: 1 - np.exp(-(a * a + 0.5)) * (1.5 + a * a)),
    "gammaincc": Op(1, lambda a: tg.special.gammaincc(3.0, a * a + 0.5),  # Q(3, x) = e⁻ˣ(1 + x + x²/2)
                    lambda a: np.exp(-(a * a + 0.5)) * (1.5 + a * a + (a * a + 0.5) ** 2 / 2)),
    "zeta": Op(1, lambda a: tg.special.zeta(3.0, a * a + 0.5),  # 1000 terms, then ∫ + half a term + B₂'s
               lambda a: sum((a * a + 0.5 + k) ** -3.0 for k in range(1000)) + (a * a + 1000.5) ** -2.0 / 2
               + (a * a + 1000.5) ** -3.0 / 2 + (a * a + 1000.5) ** -4.0 / 4),
})


def _changed(a: tg.Tensor, change: Callable) -> tg.Tensor:
    """A fresh copy of ``a`` changed in place (an intermediate of the graph, as ``y = x * 1; y += …`` makes)."""
    x = a * 1.0
    change(x)
    return x


LEAF_SHAPES = [(3,), (2, 3), (1, 3), (2, 1), (3, 2), (2, 2, 3), ()]


@dataclass
class Program:
    """A pool of values, each known by how to compute it in tinygrad_edu and in numpy from the leaves' values."""

    leaf_values: list[np.ndarray]
    constants: list[np.ndarray]
    twin: int | None = None  # the last leaf is a second leaf over this leaf's array
    steps: list[tuple] = field(default_factory=list)  # (kind, op name, operand indices)
    shapes: list[tuple[int, ...]] = field(default_factory=list)
    at_tie: bool = False  # an op sits exactly on a tie: first derivatives hold, second derivatives don't exist

    def run_ours(self, leaves: list[tg.Tensor], held: list[np.ndarray] | None = None) -> list[tg.Tensor]:
        """The program in tinygrad_edu; with ``held``, a detached value is that constant (the unperturbed run's)."""
        pool: list[tg.Tensor] = [*leaves, *(tg.Tensor(c) for c in self.constants)]
        for kind, name, operands in self.steps:
            if kind == "detach":
                pool.append(pool[operands[0]].detach() if held is None else tg.Tensor(held[operands[0]]))
            else:
                pool.append(CATALOG[name].ours(*(pool[i] for i in operands)))
        return pool

    def run_numpy(self, leaf_values: list[np.ndarray], held: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """The same program in numpy. A detached value is a constant: taken from ``held`` (the unperturbed run)."""
        pool: list[np.ndarray] = [*leaf_values, *self.constants]
        for kind, name, operands in self.steps:
            if kind == "detach":
                pool.append((pool if held is None else held)[operands[0]])
            else:
                pool.append(np.asarray(CATALOG[name].numpy(*(pool[i] for i in operands)), dtype=np.float64))
        return pool

    def leaves(self) -> list[tg.Tensor]:
        """Fresh float64 leaves; a twin is a second leaf over its partner's array (``x.detach().requires_grad_()``)."""
        leaves = [tg.Tensor(v, requires_grad=True) for v in self.leaf_values]
        if self.twin is not None:
            leaves[-1] = leaves[self.twin].detach().requires_grad_()
        return leaves

    def numeric_gradients(self, take: list[int], weights: list[np.ndarray]) -> list[np.ndarray]:
        """∂/∂leaf of Σ w·result by central differences of the numpy program."""
        held = self.run_numpy(self.leaf_values)

        def scalar(values: list[np.ndarray]) -> float:
            pool = self.run_numpy(values, held)
            return float(sum((pool[i] * w).sum() for i, w in zip(take, weights)))

        return [j.reshape(v.shape) for j, v in
                zip(finite_difference_jacobians(scalar, self.leaf_values), self.leaf_values)]


@st.composite
def programs(draw: st.DrawFn) -> Program:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_leaves = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(LEAF_SHAPES)) for _ in range(n_leaves)]
    leaf_values = [rng.standard_normal(s) for s in shapes]
    twin = 0 if n_leaves > 1 and draw(st.booleans()) else None  # a second leaf over the first one's memory
    if twin is not None:
        shapes[-1], leaf_values[-1] = shapes[0], leaf_values[0].copy()
    constants = [rng.standard_normal(draw(st.sampled_from(LEAF_SHAPES)))]
    program = Program(leaf_values, constants, twin, shapes=[*shapes, constants[0].shape])
    names = sorted(CATALOG)
    for _ in range(draw(st.integers(1, 7))):
        if draw(st.integers(0, 9)) == 0:
            program.steps.append(("detach", "detach", (draw(st.integers(0, len(program.shapes) - 1)),)))
            program.shapes.append(program.shapes[program.steps[-1][2][0]])
            continue
        name = draw(st.sampled_from(names))
        op = CATALOG[name]
        first = draw(st.integers(0, len(program.shapes) - 1))
        operands = [first]
        if op.arity == 2:
            partners = [i for i, s in enumerate(program.shapes) if op.fits(program.shapes[first], s)]
            assume(partners)
            operands.append(draw(st.sampled_from(partners)))
        elif not op.fits(program.shapes[first]):
            continue
        values = program.run_numpy(program.leaf_values)
        inputs = [values[i] for i in operands]
        try:
            result = np.asarray(op.numpy(*inputs))
        except (ValueError, IndexError):
            continue
        if op.kinks is not None:
            assume(np.all(op.kinks(*inputs) > KINK_MARGIN))
        if op.ties is not None and op.ties(*inputs):
            if program.at_tie:  # a tie of ties: PyTorch's halves compound (¾ and ¼), central differences don't
                continue
            program.at_tie = True
        assume(np.all(np.isfinite(result)) and np.all(np.abs(result) < 1e4))
        program.steps.append(("op", name, tuple(operands)))
        program.shapes.append(result.shape)
    assume(program.steps)
    return program


def objective(results: list, weights: list[np.ndarray], take: list[int]) -> tg.Tensor:
    total = None
    for i, w in zip(take, weights):
        term = (results[i] * tg.Tensor(w)).sum()
        total = term if total is None else total + term
    return total


@FUZZ
@given(programs(), st.integers(0, 2**32 - 1), st.booleans())
def test_random_graphs_match_numpy_and_finite_differences(program: Program, seed: int, check_second: bool):
    note(f"steps: {program.steps}, twin: {program.twin}")
    check_program(program, np.random.default_rng(seed), check_second)


def check_program(program: Program, rng: np.random.Generator, check_second: bool) -> None:
    """Forward against numpy, gradients against finite differences in both backward modes, and (if asked, and no op
    sits on a tie) a Hessian-vector product, for a random weighting of the last and one other result."""
    n_leaves = len(program.leaf_values)
    take = sorted({len(program.shapes) - 1, int(rng.integers(n_leaves, len(program.shapes)))})
    expected = program.run_numpy(program.leaf_values)
    weights = [rng.standard_normal(expected[i].shape) for i in take]
    numeric = program.numeric_gradients(take, weights)
    for create_graph in (False, True):
        leaves = program.leaves()
        results = program.run_ours(leaves)
        for ours, theirs in zip(results, expected):
            np.testing.assert_allclose(ours.data, theirs, rtol=1e-10, atol=1e-12, err_msg="forward")
        total = objective(results, weights, take)
        if not total.requires_grad:
            assert all(np.all(g == 0) for g in numeric)
            return
        total.backward(create_graph=create_graph)
        for index, (leaf, expected_grad) in enumerate(zip(leaves, numeric)):
            got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
            np.testing.assert_allclose(got, expected_grad, rtol=1e-4, atol=1e-6,
                                       err_msg=f"leaf {index}, create_graph={create_graph}")
    if check_second and not program.at_tie:
        _check_hessian_vector_product(program, weights, take, rng)


def _check_hessian_vector_product(program: Program, weights: list[np.ndarray], take: list[int],
                                  rng: np.random.Generator) -> None:
    """d/dx ⟨v, ∂C/∂x⟩ from a recorded backward against finite differences of plain-backward gradients."""
    vs = [rng.standard_normal(v.shape) for v in program.leaf_values]
    held = program.run_numpy(program.leaf_values)

    def first_derivative(values: list[np.ndarray]) -> float:
        leaves = [tg.Tensor(v, requires_grad=True) for v in values]
        objective(program.run_ours(leaves, held), weights, take).backward()
        return float(sum((leaf.grad.data * v).sum() for leaf, v in zip(leaves, vs) if leaf.grad is not None))

    numeric = finite_difference_jacobians(first_derivative, program.leaf_values, eps=1e-5)
    leaves = [tg.Tensor(v, requires_grad=True) for v in program.leaf_values]
    total = objective(program.run_ours(leaves), weights, take)
    grads = tg.transforms.vjp_grads([total], [tg.Tensor(np.ones(()))], leaves, create_graph=True)
    terms = [(g * tg.Tensor(v)).sum() for g, v in zip(grads, vs) if g.requires_grad]
    if not terms:
        return
    inner = terms[0]
    for term in terms[1:]:
        inner = inner + term
    for leaf in leaves:
        leaf.grad = None
    inner.backward()
    for index, (leaf, expected) in enumerate(zip(leaves, numeric)):
        got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
        np.testing.assert_allclose(got.reshape(-1), expected.reshape(-1), rtol=1e-3, atol=1e-5,
                                   err_msg=f"second derivative, leaf {index}")


@FUZZ
@given(programs(), st.integers(0, 2**32 - 1))
def test_changing_a_saved_value_in_place_raises_or_leaves_the_gradient_right(program: Program, seed: int):
    """Zeroing a leaf's memory (through a detached alias) after the graph is built: backward either refuses (an op
    saved the leaf) or gives the gradient of the function as it was built (no op needed the leaf's values)."""
    rng = np.random.default_rng(seed)
    take = [len(program.shapes) - 1]
    weights = [rng.standard_normal(program.shapes[take[0]])]
    numeric = program.numeric_gradients(take, weights)
    leaves = program.leaves()
    total = objective(program.run_ours(leaves), weights, take)
    assume(total.requires_grad)
    leaves[int(rng.integers(len(leaves)))].detach().zero_()
    try:
        total.backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return
    for leaf, expected_grad in zip(leaves, numeric):
        got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
        np.testing.assert_allclose(got, expected_grad, rtol=1e-4, atol=1e-6)


def _shapes_that_fit(op: Op) -> tuple[tuple[int, ...], ...] | None:
    """Input shapes for one call of ``op``: the first of a few that it accepts."""
    candidates = [((2, 3),) * op.arity, ((3,),) * op.arity, ((2, 3), (3, 2)), ((2, 3), (2, 3))]
    return next((s for s in candidates if len(s) == op.arity and op.fits(*s)), None)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_catalog_op_alone_matches_numpy_and_finite_differences(name):
    """Each op of the catalog as a one-step program, on a shape it accepts and inputs away from its kinks: forward,
    gradients in both backward modes and a Hessian-vector product. Random programs draw each op only now and then
    (the catalog is large); this checks every one on every run, and a typo can't hide an op."""
    op = CATALOG[name]
    shapes = _shapes_that_fit(op)
    if shapes is None:
        pytest.fail(f"no test shape fits {name}")
    for seed in range(20):
        rng = np.random.default_rng(seed)
        values = [rng.standard_normal(s) + 0.3 for s in shapes]
        if op.kinks is None or np.all(op.kinks(*values) > KINK_MARGIN):
            break
    else:
        pytest.fail(f"no inputs away from {name}'s kinks")
    program = Program(values, [], shapes=list(shapes), steps=[("op", name, tuple(range(op.arity)))])
    program.shapes.append(np.shape(op.numpy(*values)))
    program.at_tie = op.ties is not None and bool(op.ties(*values))
    check_program(program, np.random.default_rng(0), check_second=True)


def test_every_built_in_forward_computes_on_arrays_alone(monkeypatch):
    """Built-in ops run their forward with grad mode left on (``forward_on_arrays``): it must not apply an op itself,
    or that op would be recorded into the graph. Every catalog op (and the cast) runs with a spy that raises at an
    op applied inside a built-in forward; every built-in op must be among those run."""
    from tinygrad_edu import engine, ops

    apply, inside, applied = engine.Function.apply.__func__, [], set()

    def spy(cls, *args, **kwargs):
        if inside:
            raise AssertionError(f"{inside[-1].__name__}.forward applied {cls.__name__}")
        applied.add(cls)
        if not cls.forward_on_arrays:
            return apply(cls, *args, **kwargs)
        inside.append(cls)
        try:
            return apply(cls, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(engine.Function, "apply", classmethod(spy))
    for op in CATALOG.values():
        op.ours(*[tg.Tensor(np.random.default_rng(0).standard_normal(s) + 0.3, requires_grad=True)
                  for s in _shapes_that_fit(op)])
    tg.ones(2, requires_grad=True).astype(np.float32)
    built_in = {c for c in vars(ops).values() if isinstance(c, type) and issubclass(c, ops.Primitive)}
    assert {c.__name__ for c in built_in - applied} == {"Primitive", "OfItsInput", "Factor"}  # (abstract)
    assert all(c.forward_on_arrays for c in built_in)
