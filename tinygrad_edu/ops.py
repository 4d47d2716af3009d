"""The primitive ops: each forward beside its local derivative, one small class per op.

``forward`` computes on the inputs' ndarrays (``a.data``). ``backward`` receives ``grad`` = ∂C/∂z for the op's
output z and returns ∂C/∂a = grad · ∂z/∂a for each input a — the chain rule, one link at a time. The first line
of each docstring states the op and its local derivative (z the output, a and b the inputs, C the cost); the graph
viewer and the op reference show that line.

Every backward here is written once and runs two ways (``Function.array_backward``): on ndarrays in a plain
``backward()`` (fast), and on Tensors under ``create_graph=True`` (recorded, so it can be differentiated again).
``grad``, ``ctx.saved_tensors`` and ``ctx.output`` are always of one kind, so each formula uses only operators and
methods ndarray and Tensor share, plus the few helpers below. When an input was broadcast, its gradient may keep
the broadcast shape: the engine's ``unbroadcast`` sums it back (one place for that rule).

At kinks and NaNs the ops follow PyTorch's conventions (each marked NOTE). Everything else — mean's siblings var
and std, softmax, losses, layers, tan, lerp, logsumexp, norms, gather, sort, pad, kron, … — is composed from these.
A primitive exists where composing would be wrong or slow:

- ``MatMulT`` (z = a @ bᵀ) spares ``nn.Linear`` a transpose op per layer; ``Mean`` is one op where a sum and a
  scaling would be two.
- Digits a composition would lose: ``Log1p`` (log(1 + a)), ``Erf`` and ``Erfc`` (1 − erf a cancels: erfc 5 would
  keep 4 digits), ``Expm1`` (eᵃ − 1 near 0), ``Log2`` and ``Log10`` (exact at powers, so ⌊log₁₀ 1000⌋ is 3, not
  2), ``Hypot`` (a² + b² overflows), ``Remainder`` and ``Fmod`` (a − b·⌊a/b⌋ rounds), ``Sinh`` (eᵃ − e⁻ᵃ cancels
  near 0) with ``Cosh``, each the other's derivative, ``Acos`` (π/2 − asin loses digits near 1), ``Atan2`` (atan(a/b)
  and a quadrant fix lose b = 0), ``Asinh``, ``Acosh``, ``Atanh`` (their log formulas cancel), and
  ``LogCumsumExp`` (one shift per slice underflows the prefixes far below the slice's maximum).
- Functions nothing else builds: ``Sin``, ``Cos``, ``Asin``, ``Atan``; ``Lgamma``, ``Polygamma`` (digamma at
  n = 0), ``Erfinv``, ``Ndtri``, ``I0``, ``I1``; ``Copysign`` and ``Nextafter`` (a composition loses the sign of a
  NaN, and ±inf); ``Logit`` (PyTorch's derivative: NaN outside [0, 1] and ±inf at its ends, where the chain rule
  through ln(a/(1 − a)) is finite or NaN); ``Step``, one op for floor, ceil, round, trunc, sign and //, whose
  gradient is zeros (PyTorch's), not nothing.
- For ``tg.special``: ``Entr`` (PyTorch's +inf derivative at 0, where the where that gives the value 0 would give 0),
  ``Erfcx`` (e^(a²)·erfc a overflows times underflows), ``I0e``, ``I1e`` (scaled: finite where I₀, I₁ overflow),
  ``IncompleteGamma`` and ``Zeta`` (functions nothing else builds; derivatives in one argument only, as PyTorch).
- Slow as compositions: ``Cumsum`` (a triangular matmul would be O(n²)); ``Prod`` and ``Cumprod``, whose
  derivatives need the products of the other elements — exact with zeros, where exp(Σ log) and z/a are not;
  ``Einsum`` (one contraction instead of broadcast products and sums); ``Inv``, ``Det``, ``Slogdet``, ``Solve``
  (LAPACK, with their closed-form derivatives written in these same ops, so second derivatives come free), and so
  ``Pinv``, ``MatrixExp`` and the factorizations ``Cholesky``, ``Eigh``, ``Svd``, ``Qr`` (one ``Factor`` node per
  factor of one LAPACK call; their gradients written in Tensor ops with the factors as nodes), and ``Lu`` (P·L·U by
  partial pivoting, which numpy lacks: written here in numpy as LAPACK's getrf, the same pivots).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np

from .engine import Function

_ARRAYS = (np.ndarray, np.generic)  # what a plain backward carries (numpy returns scalars for 0-d arithmetic)
_CONSTANTS = (np.ndarray, np.generic, int, float)


class Primitive(Function):
    """A built-in op: its forward computes on arrays, its backward on ndarrays as well as on Tensors; it keeps its
    output only if its derivative is written with it (``saves_output``)."""

    array_backward = True
    forward_on_arrays = True
    may_view_input = False
    saves_output = False


# ---- what a backward needs beyond the operators ndarray and Tensor share: each takes an array or a Tensor
def where(condition: Any, x: Any, y: Any) -> Any:
    """x where ``condition`` holds, else y (at least one of x, y is the gradient being passed back)."""
    if isinstance(x, _CONSTANTS) and isinstance(y, _CONSTANTS):
        return np.where(condition, x, y)
    condition = condition if isinstance(condition, _ARRAYS) else condition.data
    return y.where(~condition, x) if isinstance(x, _CONSTANTS) else x.where(condition, y)


def log(x: Any) -> Any:
    return np.log(x) if isinstance(x, _ARRAYS) else x.log()


def exp(x: Any) -> Any:
    return np.exp(x) if isinstance(x, _ARRAYS) else x.exp()


def permute(x: Any, axes: tuple[int, ...]) -> Any:
    return x.transpose(axes) if isinstance(x, _ARRAYS) else x.permute(axes)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if not isinstance(x, _ARRAYS):
        return x.broadcast_to(shape)
    if np.ndim(x) == 0:  # a full reduction's gradient (every loss): a read-only zero-stride view, made in
        view = np.ndarray(shape, x.dtype, np.asarray(x), 0, (0,) * len(shape))  # 0.6 µs where np.broadcast_to
        view.flags.writeable = False  # takes 4
        return view
    return np.broadcast_to(x, shape)


def _same_kind(x: Any, array: np.ndarray) -> Any:
    """``array`` as the kind of value ``x`` is: itself beside an array, a constant Tensor beside a Tensor."""
    return array if isinstance(x, _ARRAYS) else type(x).wrap(array)


def zeros_like(x: Any) -> Any:
    """Zeros of x's shape and dtype: the gradient of a step function (PyTorch gives zeros, not None)."""
    return _same_kind(x, np.zeros(np.shape(x), x.dtype))


def _unary(numpy_function: Any, method: str) -> Any:
    def function(x: Any) -> Any:
        return numpy_function(x) if isinstance(x, _ARRAYS) else getattr(x, method)()
    function.__name__ = method
    return function


sin, cos, sinh, cosh, floor, trunc = (_unary(np.sin, "sin"), _unary(np.cos, "cos"), _unary(np.sinh, "sinh"),
                                      _unary(np.cosh, "cosh"), _unary(np.floor, "floor"), _unary(np.trunc, "trunc"))


def flip(x: Any, axis: int) -> Any:
    """x reversed along ``axis`` (a view, for arrays and Tensors alike)."""
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def cumsum(x: Any, axis: int) -> Any:
    return cumsum_array(x, axis) if isinstance(x, _ARRAYS) else Cumsum.apply(x, axis)


def cumsum_array(x: np.ndarray, axis: int) -> np.ndarray:
    """np.cumsum with integers and bools in int64, and float16 accumulated in float32 (as PyTorch: a float16 running
    sum of ones stalls at 2048)."""
    if x.dtype == np.float16:
        return np.cumsum(x, axis=axis, dtype=np.float32).astype(np.float16)
    return np.cumsum(x, axis=axis, dtype=np.int64 if x.dtype.kind in "biu" else None)


def logcumsumexp(x: Any, axis: int) -> Any:
    return np.logaddexp.accumulate(x, axis=axis) if isinstance(x, _ARRAYS) else LogCumsumExp.apply(x, axis)


def cumprod(x: Any, axis: int) -> Any:
    return np.cumprod(x, axis=axis) if isinstance(x, _ARRAYS) else Cumprod.apply(x, axis)


def concatenate(parts: list, axis: int) -> Any:
    return np.concatenate(parts, axis=axis) if isinstance(parts[0], _ARRAYS) else Cat.apply(*parts, axis=axis)


def inv(x: Any) -> Any:
    return np.linalg.inv(x) if isinstance(x, _ARRAYS) else Inv.apply(x)


def det(x: Any) -> Any:
    return np.linalg.det(x) if isinstance(x, _ARRAYS) else Det.apply(x)


def solve(a: Any, b: Any) -> Any:
    return np.linalg.solve(a, b) if isinstance(b, _ARRAYS) else Solve.apply(a, b)


def einsum(inputs: tuple[str, ...], output: str, *operands: Any) -> Any:
    """``np.einsum`` of operands whose subscripts repeat no letter (the form ``Einsum`` takes)."""
    if isinstance(operands[0], _ARRAYS):
        return _einsum_arrays(inputs, output, [np.asarray(x) for x in operands])
    return Einsum.apply((inputs, output), *operands)


def scatter_add(values: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """zeros(shape) with ``values`` added at ``index``: the adjoint of indexing."""
    return _scatter_add_array(values, index, shape) if isinstance(values, _ARRAYS) else ScatterAdd.apply(
        values, index, shape)


def _kept_for_backward(ctx: Any, index: Any) -> Any:
    """An index, mask or bound that backward reads, in memory of its own when the op is recorded: the caller's
    array is often a tensor's ``.data`` (``x[i]``, ``where(m, …)``), which may be changed in place before backward."""
    if True not in ctx.needs_input_grad:
        return index
    if isinstance(index, tuple):
        return tuple(part.copy() if isinstance(part, np.ndarray) else part for part in index)
    return index.copy() if isinstance(index, np.ndarray) else index


def _scatter_add_array(values: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=values.dtype)
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts):
        np.add.at(out, index, values)  # integer arrays may repeat an element: add every occurrence
    else:
        out[index] = values
    return out


# ----------------------------------------------------------------------------------------------- arithmetic
class Add(Primitive):
    """z = a + b;  ∂z/∂a = 1, ∂z/∂b = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return a.data + b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Primitive):
    """z = a − b;  ∂z/∂a = 1, ∂z/∂b = −1"""

    @staticmethod
    def forward(ctx, a, b):
        return a.data - b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    """z = a · b;  ∂z/∂a = b, ∂z/∂b = a  (for a · a, the cost's square: 2a, the seed's 2(x̂ − y))"""

    @staticmethod
    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad
        ctx.square = a is b  # one tensor twice: decided from the tensor, never from its array (detach shares it)
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)  # each factor for the other's rule
        return a.data * b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if ctx.square:  # the product rule's two terms grad·a + grad·a are one: 2a·grad, sent along one edge
            return grad * a * 2, None
        needs_a, needs_b = ctx.needs_input_grad
        return (grad * b if needs_a else None), (grad * a if needs_b else None)


class Div(Primitive):
    """z = a / b;  ∂z/∂a = 1/b, ∂z/∂b = −a/b²"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a.data / b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        # NOTE: −a/b² as (a/b)/b: b·b would underflow to 0 for tiny b where a/b² is finite
        return (grad / b if needs_a else None), (-grad * (a / b / b) if needs_b else None)


class Pow(Primitive):
    """z = aᵇ;  ∂z/∂a = b·aᵇ⁻¹, ∂z/∂b = aᵇ·ln a"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data**b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        # NOTE: the limits PyTorch takes: ∂z/∂a = 0 where b = 0 (a⁰ = 1 even at a = 0), ∂z/∂b = 0 where a = 0, b ≥ 0
        # NOTE: the exponent b − 1 is taken as 0 where b = 0, and ln a as ln 1 where a = 0, so the branches where()
        # drops stay finite there and their derivatives (recorded under create_graph) are 0, not 0·∞
        zero, base_zero = b == 0, (a == 0) & (b >= 0)
        grad_a = where(zero, 0.0, grad * b * a ** (where(zero, 1.0, b) - 1)) if needs_a else None
        grad_b = where(base_zero, 0.0, grad * ctx.output * log(where(base_zero, 1.0, a))) if needs_b else None
        return grad_a, grad_b


class Neg(Primitive):
    """z = −a;  ∂z/∂a = −1"""

    @staticmethod
    def forward(ctx, a):
        return -a.data

    @staticmethod
    def backward(ctx, grad):
        return -grad


class MatMul(Primitive):
    """z = a @ b;  ∂C/∂a = ∂C/∂z @ bᵀ,  ∂C/∂b = aᵀ @ ∂C/∂z  (a 1-D a acts as a row, a 1-D b as a column)"""

    @staticmethod
    def forward(ctx, a, b):
        x, y = a.data, b.data
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"matmul needs operands of at least 1 dimension, got shapes {x.shape} and {y.shape}")
        inner = y.shape[-2 if y.ndim > 1 else 0]
        if x.shape[-1] != inner:
            raise ValueError(f"matmul: inner dimensions differ: {x.shape} @ {y.shape} ({x.shape[-1]} vs {inner})")
        needs_a, needs_b = ctx.needs_input_grad
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)  # each operand for the other's rule
        ctx.ndims = x.ndim, y.ndim
        return x @ y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        a_ndim, b_ndim = ctx.ndims
        if a_ndim > 1 and b_ndim > 1:  # matrices (or batches of them; the engine sums broadcast batches)
            return (grad @ b.mT if needs_a else None), (a.mT @ grad if needs_b else None)
        # A 1-D operand acts as a row (a) or a column (b): promote it, apply the matrix rule, then drop that axis.
        grad2 = grad if b_ndim > 1 else grad.reshape(*grad.shape, 1)
        grad2 = grad2 if a_ndim > 1 else grad2.reshape(*grad2.shape[:-1], 1, grad2.shape[-1])
        grad_a = grad_b = None
        if needs_a:
            grad_a = grad2 @ (b if b_ndim > 1 else b.reshape(-1, 1)).mT
            grad_a = grad_a if a_ndim > 1 else grad_a.reshape(grad_a.shape[:-2] + grad_a.shape[-1:])
        if needs_b:
            grad_b = (a if a_ndim > 1 else a.reshape(1, -1)).mT @ grad2
            grad_b = grad_b if b_ndim > 1 else grad_b.reshape(grad_b.shape[:-1])
        return grad_a, grad_b


class MatMulT(Primitive):
    """z = a @ bᵀ;  ∂C/∂a = ∂C/∂z @ b,  ∂C/∂b = (∂C/∂z)ᵀ @ a  (nn.Linear's z = W·a for rows a, W stored (out, in))"""

    @staticmethod
    def forward(ctx, a, b):
        x, w = a.data, b.data
        if x.ndim < 2 or w.ndim != 2 or x.shape[-1] != w.shape[-1]:
            raise ValueError(f"a @ bᵀ needs a ≥ 2-D a and a matrix b with as many columns, got {x.shape} and "
                             f"{w.shape}")
        needs_a, needs_b = ctx.needs_input_grad
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        return x @ w.T

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad @ b if needs_a else None), (grad.mT @ a if needs_b else None)


# ----------------------------------------------------------------------------------------------- elementwise
class Exp(Primitive):
    """z = eᵃ;  ∂z/∂a = eᵃ = z"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.exp(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Primitive):
    """z = ln a;  ∂z/∂a = 1/a"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Log1p(Primitive):
    """z = ln(1 + a);  ∂z/∂a = 1/(1 + a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a + 1)


class Logit(Primitive):
    """z = ln(a/(1 − a));  ∂z/∂a = 1/(a(1 − a)), and NaN outside [0, 1]"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a.data / (1 - a.data))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        values = a if isinstance(a, _ARRAYS) else a.data
        # NOTE: PyTorch's NaN outside [0, 1], where z is NaN but the formula finite; ±inf at 0 and 1
        return where((values < 0) | (values > 1), math.nan, grad / (a * (1 - a)))


class Sqrt(Primitive):
    """z = √a;  ∂z/∂a = 1/(2√a) = 1/(2z)"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.output * 2)


class Abs(Primitive):
    """z = |a|;  ∂z/∂a = sign(a)  (0 at a = 0)"""

    @staticmethod
    def forward(ctx, a):
        if ctx.needs_input_grad[0]:
            # NOTE: 0 at a = 0 (the subgradient PyTorch takes at the kink), and at a NaN
            ctx.save_for_backward(np.nan_to_num(np.sign(a.data), nan=0.0))
        return np.abs(a.data)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_tensors
        return grad * sign


class Tanh(Primitive):
    """z = tanh a;  ∂z/∂a = 1 − tanh²(a) = 1 − z²"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.tanh(a.data)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * (1 - z * z)


class Sigmoid(Primitive):
    """z = σ(a) = 1/(1 + e⁻ᵃ);  ∂z/∂a = σ(a)(1 − σ(a)) = z(1 − z)"""

    saves_output = True  # its derivative is written with its output

    SMALL = 256  # up to this many elements, one numpy call less wins; beyond, the cheaper exp per element

    @staticmethod
    def forward(ctx, a):
        if a.data.size <= Sigmoid.SMALL or a.data.dtype.kind != "f" or a.data.dtype.itemsize < 4:
            return np.exp(-np.logaddexp(0, -a.data))  # stable for large |a|
        with np.errstate(over="ignore"):  # far below 0, e⁻ᵃ = inf and 1/(1 + inf) = 0: σ(a) is below the dtype's
            denominator = np.exp(-a.data)  # normal range there (< 10⁻³⁸ in float32), 0 in PyTorch too
        denominator += 1
        return np.reciprocal(denominator, out=denominator)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * z * (1 - z)


class Relu(Primitive):
    """z = max(a, 0);  ∂z/∂a = 1 where a > 0, else 0"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.maximum(a.data, 0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return where(a <= 0, 0.0, grad)  # NOTE: 0 at a = 0 and the gradient passes at a NaN, as PyTorch


class Erf(Primitive):
    """z = erf a;  ∂z/∂a = (2/√π)·e^(−a²)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erf_array(a.data).astype(a.dtype if a.dtype.kind == "f" else np.float32)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * exp(-(a * a)) * (2 / math.sqrt(math.pi))


class Clip(Primitive):
    """z = min(max(a, lo), hi);  ∂z/∂a = 1 inside [lo, hi], 0 outside"""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = _kept_for_backward(ctx, lo), _kept_for_backward(ctx, hi)
        return np.clip(a.data, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        inside = a <= hi if lo is None else (a >= lo if hi is None else (a >= lo) & (a <= hi))
        return where(inside, grad, 0.0), None, None  # NOTE: the bounds themselves pass the gradient, a NaN doesn't


class Maximum(Primitive):
    """z = max(a, b) elementwise;  ∂z/∂a = 1 where a > b, ∂z/∂b = 1 where b > a  (½ each at a tie)"""

    @staticmethod
    def forward(ctx, a, b):
        if True in ctx.needs_input_grad:
            ctx.save_for_backward(a.data > b.data, a.data < b.data, a.data == b.data)
        return np.maximum(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        return _to_the_winner(ctx, grad)


class Minimum(Primitive):
    """z = min(a, b) elementwise;  ∂z/∂a = 1 where a < b, ∂z/∂b = 1 where b < a  (½ each at a tie)"""

    @staticmethod
    def forward(ctx, a, b):
        if True in ctx.needs_input_grad:
            ctx.save_for_backward(a.data < b.data, a.data > b.data, a.data == b.data)
        return np.minimum(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        return _to_the_winner(ctx, grad)


def _to_the_winner(ctx: Any, grad: Any) -> tuple:
    """Maximum's and Minimum's backward, from masks of where a wins, where b wins and where they tie.

    NOTE: PyTorch's rule: a tie sends half to each; where neither wins nor ties (a NaN), both get the gradient.
    """
    a_wins, b_wins, tie = ctx.saved_tensors
    needs_a, needs_b = ctx.needs_input_grad
    shared = where(tie, grad * 0.5, grad)
    return (where(b_wins, 0.0, shared) if needs_a else None), (where(a_wins, 0.0, shared) if needs_b else None)


class Where(Primitive):
    """z = a where c else b;  ∂z/∂a = c, ∂z/∂b = 1 − c"""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(_kept_for_backward(ctx, condition))
        return np.where(condition, a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad[1:]
        # NOTE: a where, not a product with c: a nan or inf in the unselected branch's gradient stays out
        return None, (where(condition, grad, 0.0) if needs_a else None), (where(condition, 0.0, grad)
                                                                           if needs_b else None)


class Cast(Primitive):
    """z = a in another floating dtype;  ∂z/∂a = 1 (the gradient is cast back)"""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return a.data.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.input_dtype), None


class Clone(Primitive):
    """z = a copied to new memory;  ∂z/∂a = 1"""

    @staticmethod
    def forward(ctx, a):
        return a.data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


# ----------------------------------------------------------------------------------------------- reductions
def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(grad: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """A reduction's gradient copied back along the reduced axes, to the input's ``shape``."""
    if 0 < grad.ndim != len(shape):  # put the reduced axes back (a 0-d gradient broadcasts as it is)
        grad = grad.reshape(_keepdims_shape(shape, axes))
    return broadcast_to(grad, shape)


class Sum(Primitive):
    """z = Σᵢ aᵢ;  ∂z/∂aᵢ = 1: ∂C/∂z copied to every summed element"""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.input_shape, ctx.axes = a.shape, axes
        if a.data.dtype.kind == "u":  # PyTorch sums unsigned integers into int64 (numpy: uint64)
            return a.data.sum(axis=axes, keepdims=keepdims, dtype=np.int64)
        if a.data.dtype == np.float16:  # accumulated in float32, as PyTorch (60000 + 60000 is not inf)
            return a.data.sum(axis=axes, keepdims=keepdims, dtype=np.float32).astype(np.float16)
        return a.data.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx.input_shape, ctx.axes), None, None


class Mean(Primitive):
    """z = (1/N)·Σᵢ aᵢ;  ∂z/∂aᵢ = 1/N: ∂C/∂z / N copied to every averaged element"""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.input_shape, ctx.axes = a.shape, axes
        ctx.count = math.prod([a.shape[i] for i in axes])
        half = a.data.dtype == np.float16  # accumulated in float32, as PyTorch
        total = a.data.sum(axis=axes, keepdims=keepdims, dtype=np.float32 if half else None)
        mean = total / ctx.count if ctx.count else total * np.nan  # NOTE: the mean of nothing is nan, as PyTorch
        return mean.astype(np.float16) if half else mean

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad / ctx.count, ctx.input_shape, ctx.axes), None, None


class Max(Primitive):
    """z = maxᵢ aᵢ;  ∂z/∂aᵢ = 1/k at each of the k elements equal to the maximum, 0 elsewhere"""

    @staticmethod
    def forward(ctx, a, axes, keepdims, whole=False):
        return _extremum(ctx, a, axes, keepdims, whole, np.max)

    @staticmethod
    def backward(ctx, grad):
        return _share_back(ctx, grad), None, None, None


class Min(Primitive):
    """z = minᵢ aᵢ;  ∂z/∂aᵢ = 1/k at each of the k elements equal to the minimum, 0 elsewhere"""

    @staticmethod
    def forward(ctx, a, axes, keepdims, whole=False):
        return _extremum(ctx, a, axes, keepdims, whole, np.min)

    @staticmethod
    def backward(ctx, grad):
        return _share_back(ctx, grad), None, None, None


def _extremum(ctx: Any, a: Any, axes: tuple[int, ...], keepdims: bool, whole: bool, reduce: Any) -> np.ndarray:
    """Max's and Min's forward: the extremum, and each element's share of the gradient.

    NOTE: PyTorch's rules: tied extrema share the gradient equally; the reduction of a whole tensor (``x.max()``)
    whose result is NaN shares it among the NaNs; a reduction along axes (``amax``) gives NaN gradients to a slice
    whose extremum is NaN.
    """
    kept = reduce(a.data, axis=axes, keepdims=True)
    if ctx.needs_input_grad[0]:
        chosen = a.data == kept
        if whole and a.dtype.kind == "f" and np.isnan(kept).any():
            chosen = np.isnan(a.data)
        ctx.save_for_backward(chosen)
        ctx.axes = axes
    return kept if keepdims else kept.reshape([n for i, n in enumerate(kept.shape) if i not in axes])


def _share_back(ctx: Any, grad: Any) -> Any:
    """∂C/∂z shared equally among the chosen elements (0/0 = nan where none was chosen, a NaN slice)."""
    (chosen,) = ctx.saved_tensors
    share = chosen / chosen.sum(axis=ctx.axes, keepdims=True)
    return grad.reshape(_keepdims_shape(chosen.shape, ctx.axes)) * share.astype(grad.dtype)


# ----------------------------------------------------------------------------------------------- shape
class Reshape(Primitive):
    """z = a with a new shape;  ∂C/∂a = ∂C/∂z reshaped back"""

    may_view_input = True  # its output may be a view of its input's memory

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return a.data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None


class Transpose(Primitive):
    """z = a with its axes permuted;  ∂C/∂a = ∂C/∂z permuted back"""

    may_view_input = True  # its output may be a view of its input's memory

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return a.data.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return permute(grad, _inverse_permutation(ctx.axes)), None


@functools.cache
def _inverse_permutation(axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(axes)), key=axes.__getitem__))


class Expand(Primitive):
    """z = a broadcast to a larger shape;  ∂C/∂a = ∂C/∂z summed over the broadcast axes (by the engine)"""

    may_view_input = True  # its output may be a view of its input's memory

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a.data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class GetItem(Primitive):
    """z = a[index];  ∂C/∂a = ∂C/∂z scattered into zeros of a's shape (repeated indices add up)"""

    may_view_input = True  # its output may be a view of its input's memory

    @staticmethod
    def forward(ctx, a, index):
        ctx.input_shape, ctx.index = a.shape, _kept_for_backward(ctx, index)
        picked = a.data[index]
        if isinstance(picked, np.ndarray):
            return picked
        return a.data[(*index, ...) if isinstance(index, tuple) else (index, ...)]  # one element: a 0-d view

    @staticmethod
    def backward(ctx, grad):
        return scatter_add(grad, ctx.index, ctx.input_shape), None


class SetItem(Primitive):
    """z = a with z[index] = b;  ∂z/∂a = 1 outside index, 0 at index; ∂C/∂b = (∂C/∂z)[index]"""

    @staticmethod
    def forward(ctx, a, b, index):
        ctx.index = _kept_for_backward(ctx, index)
        ctx.kept = np.ones(a.shape, dtype=bool)
        ctx.kept[index] = False
        out = a.data.copy()
        out[index] = b.data
        return out

    @staticmethod
    def backward(ctx, grad):
        needs_a, needs_b = ctx.needs_input_grad[:2]
        return (where(ctx.kept, grad, 0.0) if needs_a else None), (grad[ctx.index] if needs_b else None), None


class ScatterAdd(Primitive):
    """z = zeros(shape) with a added at index;  ∂C/∂a = (∂C/∂z)[index]  (GetItem's adjoint)"""

    @staticmethod
    def forward(ctx, a, index, shape):
        ctx.index = _kept_for_backward(ctx, index)
        return _scatter_add_array(a.data, index, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index], None, None


class Cat(Primitive):
    """z = [a₁, a₂, …] joined along an axis;  ∂C/∂aₖ = the k-th slice of ∂C/∂z"""

    @staticmethod
    def forward(ctx, *tensors, axis=0):
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [t.shape[axis] for t in tensors]).tolist()
        return np.concatenate([t.data for t in tensors], axis=axis)

    @staticmethod
    def backward(ctx, grad):
        leading = (slice(None),) * ctx.axis
        return tuple(grad[(*leading, slice(start, stop))] for start, stop in itertools.pairwise(ctx.bounds))


# ----------------------------------------------------------------------------------------------- more elementwise math
class OfItsInput(Primitive):
    """A unary elementwise op whose derivative is written with its input a: forward saves a and applies the
    class's ``function`` (a numpy ufunc) to it; each subclass writes only its backward."""

    function: np.ufunc

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.function(a.data)


class Sin(OfItsInput):
    """z = sin a;  ∂z/∂a = cos a"""

    function = np.sin

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * cos(a)


class Cos(OfItsInput):
    """z = cos a;  ∂z/∂a = −sin a"""

    function = np.cos

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * sin(a)


class Asin(OfItsInput):
    """z = arcsin a;  ∂z/∂a = 1/√(1 − a²)"""

    function = np.arcsin

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / ((1 - a) * (1 + a)) ** 0.5  # (1 − a)(1 + a): no cancellation in 1 − a² near |a| = 1


class Acos(OfItsInput):
    """z = arccos a;  ∂z/∂a = −1/√(1 − a²)"""

    function = np.arccos

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad / ((1 - a) * (1 + a)) ** 0.5


class Atan(OfItsInput):
    """z = arctan a;  ∂z/∂a = 1/(1 + a²)"""

    function = np.arctan

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * a + 1)


class Atan2(Primitive):
    """z = atan2(a, b), the angle of the point (b, a);  ∂z/∂a = b/(a² + b²), ∂z/∂b = −a/(a² + b²)  (0 at (0, 0))"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        squared = a * a + b * b
        scaled = grad / where(squared == 0, 1.0, squared)  # NOTE: 0 at the origin, as PyTorch (not 0/0)
        return (scaled * b if needs_a else None), (-scaled * a if needs_b else None)


class Sinh(OfItsInput):
    """z = sinh a;  ∂z/∂a = cosh a"""

    function = np.sinh

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * cosh(a)


class Cosh(OfItsInput):
    """z = cosh a;  ∂z/∂a = sinh a"""

    function = np.cosh

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * sinh(a)


class Asinh(OfItsInput):
    """z = arsinh a;  ∂z/∂a = 1/√(a² + 1)"""

    function = np.arcsinh

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * a + 1) ** 0.5


class Acosh(OfItsInput):
    """z = arcosh a;  ∂z/∂a = 1/√(a² − 1)"""

    function = np.arccosh

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / ((a - 1) * (a + 1)) ** 0.5


class Atanh(OfItsInput):
    """z = artanh a;  ∂z/∂a = 1/(1 − a²)"""

    function = np.arctanh

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / ((1 - a) * (1 + a))


class Expm1(Primitive):
    """z = eᵃ − 1;  ∂z/∂a = eᵃ = z + 1"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.expm1(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.output + 1)


class Log2(OfItsInput):
    """z = log₂ a;  ∂z/∂a = 1/(a·ln 2)"""

    function = np.log2

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(2))


class Log10(OfItsInput):
    """z = log₁₀ a;  ∂z/∂a = 1/(a·ln 10)"""

    function = np.log10

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(10))


class Erfc(Primitive):
    """z = erfc a = 1 − erf a;  ∂z/∂a = −(2/√π)·e^(−a²)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erfc_array(a.data).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * exp(-(a * a)) * (-2 / math.sqrt(math.pi))


class Hypot(Primitive):
    """z = √(a² + b²);  ∂z/∂a = a/z, ∂z/∂b = b/z"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.hypot(a.data, b.data)  # no overflow or underflow in a² + b²

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        scaled = grad / ctx.output  # NOTE: nan at (0, 0), as PyTorch
        return (scaled * a if needs_a else None), (scaled * b if needs_b else None)


class Remainder(Primitive):
    """z = a − b·⌊a/b⌋ (the sign of b, Python's %);  ∂z/∂a = 1, ∂z/∂b = −⌊a/b⌋"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.remainder(a.data, b.data)  # exact, where a − b·floor(a/b) rounds

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, (-grad * floor(a / b) if ctx.needs_input_grad[1] else None)


class Fmod(Primitive):
    """z = a − b·trunc(a/b) (the sign of a, C's fmod);  ∂z/∂a = 1, ∂z/∂b = −trunc(a/b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmod(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, (-grad * trunc(a / b) if ctx.needs_input_grad[1] else None)


class Step(Primitive):
    """z = a step function of a (floor, ceil, round, trunc, sign; of a and b: a // b);  ∂z/∂a = 0 (∂z/∂b = 0)"""

    @staticmethod
    def forward(ctx, function, *operands):
        return function(*(x.data for x in operands))

    @staticmethod
    def backward(ctx, grad):
        # NOTE: zeros (PyTorch's gradient of floor, sign, round, …), not None, for each operand
        return None, *(zeros_like(grad) if needs else None for needs in ctx.needs_input_grad[1:])


# ----------------------------------------------------------------------------------------------- products and scans
class Prod(Primitive):
    """z = Πᵢ aᵢ along the last axis;  ∂z/∂aᵢ = Π_{j≠i} aⱼ  (z/aᵢ where no aⱼ is 0)"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        ctx.has_zero = bool((a.data == 0).any())
        return np.prod(a.data, axis=-1, keepdims=True, dtype=np.int64 if a.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if not ctx.has_zero:
            return grad * (ctx.output / a)
        # NOTE: with a zero, the product of the others from both sides (no division): exact, and differentiable again
        axis = a.ndim - 1
        ones = _same_kind(a, np.ones((*a.shape[:-1], 1), a.dtype))
        before = cumprod(concatenate([ones, a[..., :-1]], axis), axis)
        after = flip(cumprod(concatenate([ones, flip(a[..., 1:], axis)], axis), axis), axis)
        return grad * (before * after)


class Cumsum(Primitive):
    """zₖ = Σ_{j≤k} aⱼ along an axis;  ∂C/∂aᵢ = Σ_{k≥i} ∂C/∂zₖ, the cumulative sum of ∂C/∂z taken backwards"""

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return cumsum_array(a.data, axis)

    @staticmethod
    def backward(ctx, grad):
        return flip(cumsum(flip(grad, ctx.axis), ctx.axis), ctx.axis), None


class Cumprod(Primitive):
    """zₖ = Π_{j≤k} aⱼ along an axis;  ∂C/∂aᵢ = Σ_{k≥i} ∂C/∂zₖ·Π_{j≤k, j≠i} aⱼ  (Σ_{k≥i} ∂C/∂zₖ·zₖ / aᵢ without 0s)"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, axis):
        ctx.save_for_backward(a)
        ctx.axis, ctx.has_zero = axis, bool((a.data == 0).any())
        return np.cumprod(a.data, axis=axis, dtype=np.int64 if a.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        axis = ctx.axis
        if not ctx.has_zero:
            return flip(cumsum(flip(grad * ctx.output, axis), axis), axis) / a, None
        # NOTE: with a zero, no division: sᵢ = Σ_{k≥i} ∂C/∂zₖ·Π_{i<j≤k} aⱼ by Horner's rule from the end,
        # sᵢ = gᵢ + aᵢ₊₁·sᵢ₊₁, times Π_{j<i} aⱼ. A polynomial in a, so its derivatives are right at every order
        # (as PyTorch's O(n²) formula in grad mode); one step per position along the axis.
        leading = (slice(None),) * axis
        at = [(*leading, slice(i, i + 1)) for i in range(a.shape[axis])]
        sums = [grad[at[-1]]]
        for i in range(len(at) - 2, -1, -1):
            sums.append(grad[at[i]] + a[at[i + 1]] * sums[-1])
        ones = _same_kind(a, np.ones(a[at[0]].shape, a.dtype))
        before = cumprod(concatenate([ones, a[(*leading, slice(None, -1))]], axis), axis)
        return concatenate(sums[::-1], axis) * before, None


# ----------------------------------------------------------------------------------------------- linear algebra
class LogCumsumExp(Primitive):
    """zₖ = ln Σ_{j≤k} e^(aⱼ) along an axis;  ∂C/∂aᵢ = Σ_{k≥i} ∂C/∂zₖ·e^(aᵢ − zₖ)

    A primitive, not ``log(cumsum(exp(a − max)))``: one shift per slice underflows the prefixes far below the
    slice's maximum (ln 0 = −inf where the answer is finite). numpy's ``logaddexp.accumulate`` is exact at every
    prefix, in one pass."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, axis):
        ctx.save_for_backward(a)
        ctx.axis = axis
        return np.logaddexp.accumulate(a.data, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        z, axis = ctx.output, ctx.axis
        # NOTE: ∂C/∂aᵢ = e^(aᵢ)·Σ_{k≥i} gₖ·e^(−zₖ), the sum taken from the end in log space for g's positive and
        # negative parts apart: e^(aᵢ + ln Σ_{k≥i} g⁺ₖ·e^(−zₖ)) never overflows, as aᵢ ≤ zᵢ ≤ zₖ. Where zₖ = −inf (a
        # prefix of −infs; PyTorch: NaN) e^(aₖ − zₖ) is taken as 1 and 0 before it: gₖ goes to its last element.
        dead = np.isneginf(z if isinstance(z, _ARRAYS) else z.data)
        signs = grad if isinstance(grad, _ARRAYS) else grad.data
        total = where(dead, grad, 0.0)
        for sign in (1.0, -1.0):
            chosen = (signs * sign > 0) & ~dead
            terms = where(chosen, log(where(chosen, grad * sign, 1.0)) - z, -np.inf)  # ln(|gₖ|·e^(−zₖ))
            total = total + sign * exp(a + flip(logcumsumexp(flip(terms, axis), axis), axis))
        return total, None


class Inv(Primitive):
    """z = a⁻¹;  ∂C/∂a = −zᵀ·(∂C/∂z)·zᵀ"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.linalg.inv(a.data)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return -(z.mT @ grad @ z.mT)


class Det(Primitive):
    """z = det a;  ∂z/∂a = the cofactor matrix of a  (det(a)·a⁻ᵀ where a is invertible)"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        z = np.linalg.det(a.data)
        ctx.singular = bool((z == 0).any())
        return z

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad.reshape(*grad.shape, 1, 1) * _cofactors(a, ctx.output, ctx.singular)


class Slogdet(Primitive):
    """z = ln|det a| (its sign apart);  ∂z/∂a = a⁻ᵀ"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        sign, z = np.linalg.slogdet(a.data)
        ctx.singular = bool((sign == 0).any())
        return z

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if ctx.singular:  # NOTE: the cofactors over det = 0: ±inf (nan where a cofactor is 0 too), as PyTorch
            return grad.reshape(*grad.shape, 1, 1) * (_cofactors(a, None, True) / 0.0)
        return grad.reshape(*grad.shape, 1, 1) * inv(a).mT


def _cofactors(a: Any, determinant: Any, singular: bool) -> Any:
    """The cofactor matrix Cᵢⱼ = (−1)ⁱ⁺ʲ·det(a without row i and column j) = ∂ det a/∂aᵢⱼ, for a batch of matrices.

    det(a)·a⁻ᵀ where every matrix is invertible; otherwise (a singular matrix has no inverse, but its cofactors
    are defined) the determinants of the minors, one per element, each differentiable again.
    """
    if not singular:
        return determinant.reshape(*determinant.shape, 1, 1) * inv(a).mT
    n = a.shape[-1]
    others = np.array([[j for j in range(n) if j != i] for i in range(n)], dtype=np.intp).reshape(n, n - 1)
    minors = a[..., others[:, None, :, None], others[None, :, None, :]]  # (…, n, n, n − 1, n − 1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return det(minors) * signs.astype(a.dtype)


class Solve(Primitive):
    """z = a⁻¹b (the solution of a·z = b);  ∂C/∂b = a⁻ᵀ·∂C/∂z, ∂C/∂a = −(a⁻ᵀ·∂C/∂z)·zᵀ"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a)
        return np.linalg.solve(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        grad_b = solve(a.mT, grad)
        return (-(grad_b @ ctx.output.mT) if ctx.needs_input_grad[0] else None), grad_b


# ---- factorizations: one LAPACK call per matrix, one node per factor (so each factor's gradient is exact whichever
# of them a loss uses: the others' cotangents are absent, as PyTorch's undefined gradients, not zeros)
class LinAlgError(RuntimeError):
    """A matrix a factorization cannot take (PyTorch's ``torch.linalg.LinAlgError``, also a RuntimeError)."""


class Factor(Primitive):
    """One factor of a factorization whose factors (arrays) were computed together; ``gradient`` is the
    factorization's, written in Tensor ops with the factors as nodes of the graph, so it differentiates again."""

    array_backward = False  # the gradient needs the factors as Tensors (see backward), never a plain array formula

    @staticmethod
    def forward(ctx, a, factors, index):
        ctx.save_for_backward(a)
        ctx.factors, ctx.index = factors, index
        return factors[index].copy()  # the output is the user's: changing it must not change what backward uses

    def factor_gradient(self, grad: Any) -> Any:
        """∂C/∂a from ∂C/∂(this factor) alone, through the factorization's ``gradient``."""
        (a,) = self.saved_tensors
        factors = [type(self).apply(a, self.factors, i) for i in range(len(self.factors))]  # graph nodes
        cotangents = [None] * len(factors)
        cotangents[self.index] = grad
        return type(self).gradient(*cotangents, *factors), None, None


def _eye(x: Any, n: int) -> Any:
    return _same_kind(x, np.eye(n, dtype=x.dtype))


def _diag_embed(v: Any) -> Any:
    """The (batch of) diagonal matrices with v on the diagonal."""
    return v.unsqueeze(-1) * _eye(v, v.shape[-1])


def _differences(x: Any) -> Any:
    """Eᵢⱼ = xⱼ − xᵢ off the diagonal, 1 on it (the divisor of the eigen- and singular-vector gradients)."""
    return where(np.eye(x.shape[-1], dtype=bool), 1.0, x.unsqueeze(-2) - x.unsqueeze(-1))


class Cholesky(Factor):
    """z = L, lower triangular with L·Lᵀ = a;  ∂C/∂a = sym(L⁻ᵀ·Φ(Lᵀ·∂C/∂L)·L⁻¹)

    Φ is the lower triangle with its diagonal halved, sym(x) = (x + xᵀ)/2 (Murray 2016; PyTorch's cholesky_backward).
    """

    @staticmethod
    def backward(ctx, grad):
        return ctx.factor_gradient(grad)

    @staticmethod
    def gradient(grad, L):
        phi = (L.mT @ grad).tril() * (1 - 0.5 * _eye(L, L.shape[-1]))
        inverse = inv(L)
        g = inverse.mT @ phi @ inverse
        return (g + g.mT) * 0.5


def cholesky_factor(a: np.ndarray) -> np.ndarray:
    """numpy's lower Cholesky factor, or PyTorch's error naming the batch element and the leading minor that fail."""
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        pass
    matrices = a.reshape(-1, *a.shape[-2:])
    for element, matrix in enumerate(matrices):
        for order in range(1, matrix.shape[-1] + 1):
            try:
                np.linalg.cholesky(matrix[:order, :order])
            except np.linalg.LinAlgError:
                where_ = f"(Batch element {element}): " if a.ndim > 2 else ""
                raise LinAlgError(f"linalg.cholesky: {where_}The factorization could not be completed because the "
                                  f"input is not positive-definite (the leading minor of order {order} is not "
                                  "positive-definite).") from None
    raise LinAlgError("linalg.cholesky: the factorization could not be completed")  # numpy failed on the whole only


class Eigh(Factor):
    """z = (w, V), a = V·diag(w)·Vᵀ for symmetric a;  ∂C/∂a = V·(diag(∂C/∂w) + skew(Vᵀ·∂C/∂V)/E)·Vᵀ

    skew(x) = (x − xᵀ)/2, Eᵢⱼ = wⱼ − wᵢ (NOTE: ±inf/nan for repeated eigenvalues where V is used, as PyTorch).
    """

    @staticmethod
    def backward(ctx, grad):
        return ctx.factor_gradient(grad)

    @staticmethod
    def gradient(grad_w, grad_V, w, V):
        if grad_V is None:
            return V @ _diag_embed(grad_w) @ V.mT
        projected = V.mT @ grad_V
        return V @ ((projected - projected.mT) * 0.5 / _differences(w)) @ V.mT


class Svd(Factor):
    """z = (U, S, Vh), a = U·diag(S)·Vh;  ∂C/∂a = U·diag(∂C/∂S)·Vh, and PyTorch's svd_backward for U and Vh

    That one divides by Eᵢⱼ = Sⱼ² − Sᵢ² (NOTE: ±inf/nan for repeated singular values); full_matrices' extra columns
    are ignored.
    """

    @staticmethod
    def backward(ctx, grad):
        return ctx.factor_gradient(grad)

    @staticmethod
    def gradient(grad_U, grad_S, grad_Vh, U, S, Vh):
        k = S.shape[-1]
        U, Vh = U[..., :k], Vh[..., :k, :]  # full_matrices: the columns past min(m, n) are an arbitrary basis
        if grad_S is not None:
            return (U * grad_S.unsqueeze(-2)) @ Vh
        if grad_U is not None:
            grad_U = grad_U[..., :k]
            projected = U.mT @ grad_U
            inner = (projected - projected.mT) / _differences(S * S) * S.unsqueeze(-2)
            if U.shape[-2] == k:
                return U @ inner @ Vh
            scaled = grad_U / S.unsqueeze(-2)  # (I − U·Uᵀ)·∂C/∂U·S⁻¹: the part outside U's columns
            return (U @ inner + scaled - U @ (U.mT @ scaled)) @ Vh
        grad_V, V = grad_Vh[..., :k, :].mT, Vh.mT
        projected = V.mT @ grad_V
        inner = S.unsqueeze(-1) * ((projected - projected.mT) / _differences(S * S))
        if V.shape[-2] == k:
            return U @ inner @ Vh
        scaled = (grad_V / S.unsqueeze(-2)).mT
        return U @ (inner @ Vh + scaled - (scaled @ V) @ Vh)


class Qr(Factor):
    """z = (Q, R), a = Q·R, Qᵀ·Q = I, R upper triangular;  ∂C/∂a = (∂C/∂Q + Q·copyltu(M))·R⁻ᵀ for m ≥ n

    M = triu(∂C/∂R·Rᵀ − Qᵀ·∂C/∂Q), copyltu(M) = M + M's strict upper triangle transposed (PyTorch's
    linalg_qr_backward); for m < n the chain rule through a = Q·[X | Y], X the R of a's first m columns,
    Y = Qᵀ·(the rest).
    """

    @staticmethod
    def backward(ctx, grad):
        return ctx.factor_gradient(grad)

    @staticmethod
    def gradient(grad_Q, grad_R, Q, R):
        if Q.ndim == 1:  # mode='r' computed no Q
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        m, n = Q.shape[-2], R.shape[-1]
        if Q.shape[-1] > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_tall_gradient(grad_Q, grad_R, Q, R)
        X, Y = R[..., :m], R[..., m:]
        if grad_R is None:
            no_change = _same_kind(Q, np.zeros(Y.shape, Q.dtype))  # Y's columns reach C only through Y
            return concatenate([_qr_tall_gradient(grad_Q, None, Q, X), no_change], R.ndim - 1)
        grad_Y = grad_R[..., m:]
        grad_Q = (Q @ Y) @ grad_Y.mT + (0 if grad_Q is None else grad_Q)  # Y = Qᵀ·(a's last n − m columns)
        return concatenate([_qr_tall_gradient(grad_Q, grad_R[..., :m], Q, X), Q @ grad_Y], R.ndim - 1)


def _qr_tall_gradient(grad_Q: Any, grad_R: Any, Q: Any, R: Any) -> Any:
    """∂C/∂a of a = Q·R for m ≥ n, either cotangent possibly absent (None)."""
    M = (0 if grad_R is None else grad_R @ R.mT) - (0 if grad_Q is None else Q.mT @ grad_Q)
    M = M.triu()
    g = Q @ (M + M.triu(1).mT)
    if grad_Q is not None:
        g = g + grad_Q
    return solve(R, g.mT).mT



class Lu(Factor):
    """z = (L, U, P), a = P·L·U by partial pivoting;  ∂C/∂a = P·L⁻ᵀ·(tril₋₁(Lᵀ·∂C/∂L) + triu(∂C/∂U·Uᵀ))·U⁻ᵀ (square a)

    PyTorch's linalg_lu_backward. Wide a = P·L·[U₁ U₂] and tall a = P·[L₁; L₂]·U fold the extra block's cotangent
    into the square block's by the chain rule. NOTE: P is piecewise constant: its cotangent contributes nothing.
    """

    @staticmethod
    def backward(ctx, grad):
        return ctx.factor_gradient(grad)

    @staticmethod
    def gradient(grad_L, grad_U, grad_P, L, U, P):
        m, n = L.shape[-2], U.shape[-1]
        if grad_L is None and grad_U is None:
            return _same_kind(L, np.zeros((*L.shape[:-1], n), L.dtype))
        if m < n:  # a₂ = P·L·U₂: U₂ = L⁻¹·Pᵀ·a₂ − …, so ∂C/∂a₂ = P·L⁻ᵀ·∂C/∂U₂ and L gains −L⁻ᵀ·∂C/∂U₂·U₂ᵀ
            extra = solve(L.mT, grad_U[..., m:]) if grad_U is not None else _same_kind(
                L, np.zeros((*L.shape[:-1], n - m), L.dtype))
            if grad_U is not None:
                grad_L = (0 if grad_L is None else grad_L) - extra @ U[..., m:].mT
            square = _lu_square_gradient(grad_L, None if grad_U is None else grad_U[..., :m], L, U[..., :m])
            return P @ concatenate([square, extra], L.ndim - 1)
        if m > n:  # a₂ = P·L₂·U: ∂C/∂a₂ = P·∂C/∂L₂·U⁻ᵀ, and U gains −L₂ᵀ·∂C/∂L₂·U⁻ᵀ
            extra = solve(U, grad_L[..., n:, :].mT).mT if grad_L is not None else _same_kind(
                L, np.zeros((*L.shape[:-2], m - n, n), L.dtype))
            if grad_L is not None:
                grad_U = (0 if grad_U is None else grad_U) - L[..., n:, :].mT @ extra
            square = _lu_square_gradient(None if grad_L is None else grad_L[..., :n, :], grad_U, L[..., :n, :], U)
            return P @ concatenate([square, extra], L.ndim - 2)
        return P @ _lu_square_gradient(grad_L, grad_U, L, U)


def _lu_square_gradient(grad_L: Any, grad_U: Any, L: Any, U: Any) -> Any:
    """Pᵀ·∂C/∂a of a square Pᵀ·a = L·U: L⁻ᵀ·(tril₋₁(Lᵀ·∂C/∂L) + triu(∂C/∂U·Uᵀ))·U⁻ᵀ, either cotangent maybe absent."""
    phi = 0
    if grad_L is not None:
        phi = (L.mT @ grad_L).tril(-1)
    if grad_U is not None:
        phi = phi + (grad_U @ U.mT).triu()
    return solve(L.mT, solve(U, phi.mT).mT)


def lu_factor_array(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LU, pivots, info) of LAPACK's getrf: Gaussian elimination with partial pivoting (the first largest |pivot|),
    L's multipliers below U in LU, pivots 1-based int32 row swaps, info the first k with U[k,k] = 0 (1-based)."""
    m, n = a.shape[-2:]
    work = a.reshape(-1, m, n).copy()
    pivots = np.zeros((work.shape[0], min(m, n)), np.int32)
    batch = np.arange(work.shape[0])
    for j in range(min(m, n)):
        row = j + np.argmax(np.abs(work[:, j:, j]), axis=1)
        pivots[:, j] = row + 1
        top = work[batch, j].copy()
        work[batch, j] = work[batch, row]
        work[batch, row] = top
        pivot = work[:, j, j:j + 1]
        work[:, j + 1:, j] /= np.where(pivot == 0, 1, pivot)  # a zero pivot leaves its (zero) column as it is
        work[:, j + 1:, j + 1:] -= work[:, j + 1:, j:j + 1] * work[:, j:j + 1, j + 1:]
    zero = np.diagonal(work, axis1=-2, axis2=-1) == 0
    info = np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32)
    batch_shape = a.shape[:-2]
    return work.reshape(a.shape), pivots.reshape(*batch_shape, -1), info.reshape(batch_shape)


def permutation_from_pivots(pivots: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """P (m × m, batched) with a = P·L·U from getrf's 1-based row swaps: row j was swapped with row pivots[j]."""
    flat = pivots.reshape(-1, pivots.shape[-1]).astype(np.intp) - 1
    order = np.broadcast_to(np.arange(m), (flat.shape[0], m)).copy()
    batch = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        swapped = order[batch, flat[:, j]].copy()
        order[batch, flat[:, j]] = order[:, j]
        order[:, j] = swapped
    P = np.zeros((flat.shape[0], m, m), dtype)
    P[batch[:, None], order, np.arange(m)] = 1  # (Pᵀ·a)[i] = a[order[i]]
    return P.reshape(*pivots.shape[:-1], m, m)

class Pinv(Primitive):
    """z = a⁺ (the Moore–Penrose pseudo-inverse);  ∂C/∂a = PyTorch's pinv_backward

    Exact where the rank is constant near a (a of full rank, say).
    """

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, rtol, atol):
        ctx.save_for_backward(a)
        return _pinv_array(a.data, rtol, atol)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        z = ctx.output
        if a.shape[-2] <= a.shape[-1]:
            K = grad.mT @ z
            Kz = K @ z.mT
            return -(z @ K).mT + Kz - (a @ z) @ Kz + (z.mT @ z) @ (grad.mT - K @ a), None, None
        K = z @ grad.mT
        zK = z.mT @ K
        return -(K @ z).mT + (grad.mT - a @ K) @ z @ z.mT + zK - zK @ z @ a, None, None


def _pinv_array(a: np.ndarray, rtol: Any, atol: Any) -> np.ndarray:
    """a⁺ from the SVD, singular values at most max(atol, rtol·σ₁) dropped (torch.linalg.pinv's rule)."""
    U, S, Vh = np.linalg.svd(a, full_matrices=False)
    largest = S[..., :1] if S.shape[-1] else np.zeros((*S.shape[:-1], 1), a.dtype)
    cutoff = np.maximum(np.asarray(atol, a.dtype)[..., None], np.asarray(rtol, a.dtype)[..., None] * largest)
    kept = cutoff < S
    inverse = np.where(kept, 1 / np.where(kept, S, 1), 0).astype(a.dtype)
    return (Vh.swapaxes(-1, -2) * inverse[..., None, :]) @ U.swapaxes(-1, -2)


class MatrixExp(Primitive):
    """z = exp(a) = Σₖ aᵏ/k!;  ∂C/∂a = the upper-right block of exp([[aᵀ, ∂C/∂z], [0, aᵀ]])

    Mathias 1996, PyTorch's rule for analytic functions of a matrix; written with exp itself, so it differentiates
    again.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _matrix_exp_array(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n, rows, cols = a.shape[-1], a.ndim - 2, a.ndim - 1  # Cat takes its axis counted from the front
        zeros = _same_kind(grad, np.zeros(grad.shape, grad.dtype))
        blocks = concatenate([concatenate([a.mT, grad], cols), concatenate([zeros, a.mT], cols)], rows)
        return matrix_exp(blocks)[..., :n, n:]


def matrix_exp(x: Any) -> Any:
    return _matrix_exp_array(x) if isinstance(x, _ARRAYS) else MatrixExp.apply(x)


_PADE_13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
            10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_PADE_13_THETA = 5.371920351148152  # the largest 1-norm for which the [13/13] Padé approximant is exact in float64


def _matrix_exp_array(a: np.ndarray) -> np.ndarray:
    """exp(a) by scaling and squaring with the [13/13] Padé approximant (Higham 2005), in float64 for any input."""
    x = a.astype(np.float64)
    norms = np.nan_to_num(np.abs(x).sum(-2).max(-1, initial=0.0), nan=0.0, posinf=0.0)
    squarings = np.ceil(np.log2(np.maximum(norms, _PADE_13_THETA) / _PADE_13_THETA)).astype(np.int64)
    x = x / (2.0 ** squarings)[..., None, None]
    b, eye = _PADE_13, np.eye(a.shape[-1])
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    z = np.linalg.solve(v - u, v + u)
    for step in range(int(squarings.max(initial=0))):
        z = np.where((squarings > step)[..., None, None], z @ z, z)
    return z.astype(a.dtype)


class Einsum(Primitive):
    """z = einsum(spec, a₁, a₂, …);  ∂C/∂aₖ = einsum of ∂C/∂z with the other operands, to aₖ's subscripts"""

    @staticmethod
    def forward(ctx, spec, *operands):
        ctx.spec = spec
        ctx.save_for_backward(*operands)
        return _einsum_arrays(*spec, [x.data for x in operands])

    @staticmethod
    def backward(ctx, grad):
        inputs, output = ctx.spec
        operands = ctx.saved_tensors
        grads = []
        for k, needs in enumerate(ctx.needs_input_grad[1:]):
            if not needs:
                grads.append(None)
                continue
            subscripts, others = (output, *inputs[:k], *inputs[k + 1:]), (grad, *operands[:k], *operands[k + 1:])
            present = "".join(c for c in inputs[k] if any(c in s for s in subscripts))
            partial = einsum(subscripts, present, *others)  # a letter of aₖ's alone was summed: spread it back
            kept = [n if c in present else 1 for c, n in zip(inputs[k], operands[k].shape)]
            grads.append(broadcast_to(partial.reshape(kept), operands[k].shape))
        return None, *grads


_EINSUM_OPTIMIZE_FROM = 1 << 16  # below this much work numpy's contraction-order search costs more than it saves


def _einsum_arrays(inputs: tuple[str, ...], output: str, arrays: list[np.ndarray]) -> np.ndarray:
    sizes = {c: n for subscripts, x in zip(inputs, arrays) for c, n in zip(subscripts, x.shape)}
    work = math.prod(sizes.values())
    return np.einsum(",".join(inputs) + "->" + output, *arrays,
                     optimize=len(arrays) > 2 or work >= _EINSUM_OPTIMIZE_FROM)


# ----------------------------------------------------------------------------------------------- erf
_ERF_SERIES_UP_TO = 1.5
_ERF_MACLAURIN = [(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(28)]  # erf(x) = 2/√π·x·Σ cₙx²ⁿ
_ERFC_FRACTION_DEPTH = 100


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf elementwise in float64, within 4 ulp of the exact value (tested against ``math.erf``).

    |x| ≤ 1.5: the Maclaurin series 2/√π·Σ (−1)ⁿx²ⁿ⁺¹/(n!(2n+1)) by Horner's rule (28 terms: the next is below
    2⁻⁵³). Beyond: 1 − erfc(|x|), from Laplace's continued fraction (``_erfc_beyond``).
    """
    values = np.asarray(x, dtype=np.float64)
    size = np.abs(values)
    near = size <= _ERF_SERIES_UP_TO
    out = np.empty_like(values)
    out[near] = _erf_series(size[near])
    out[~near] = 1 - _erfc_beyond(size[~near])
    return np.copysign(out, values)


def erfc_array(x: np.ndarray) -> np.ndarray:
    """erfc = 1 − erf elementwise in float64, without the cancellation of 1 − erf(x) for large x (tested against
    ``math.erfc``): 1 − the series for |x| ≤ 1.5 (where erfc ≥ 0.03), the continued fraction beyond, and
    erfc(x) = 2 − erfc(−x) for negative x."""
    values = np.asarray(x, dtype=np.float64)
    near = np.abs(values) <= _ERF_SERIES_UP_TO
    out = np.empty_like(values)
    out[near] = 1 - _erf_series(values[near])
    far = values[~near]
    with np.errstate(invalid="ignore"):
        tail = _erfc_beyond(np.abs(far))
    out[~near] = np.where(far > 0, tail, 2 - tail)
    return out


def _erf_series(u: np.ndarray) -> np.ndarray:
    squared = u * u
    series = np.full_like(u, _ERF_MACLAURIN[-1])
    for coefficient in reversed(_ERF_MACLAURIN[:-1]):
        series = series * squared + coefficient
    return (2 / math.sqrt(math.pi)) * u * series


def _erfc_beyond(u: np.ndarray) -> np.ndarray:
    """erfc(u) for u > 1.5: e^(−u²)/(√π·K), K = u + (1/2)/(u + (2/2)/(u + (3/2)/(u + …))), the continued fraction
    of Laplace, evaluated from depth 100 up."""
    fraction = _laplace_fraction(u)
    coarse = np.round(u * 16) / 16  # u² = coarse² + (u − coarse)(u + coarse), the first term exact: e^(−u²) keeps
    with np.errstate(invalid="ignore", over="ignore"):  # its digits where exp(−u·u) would lose ~u² ulp
        rest = (u - coarse) * (u + coarse)
        rest[np.isinf(u) | (u > 40)] = 0.0  # erfc(40) underflows; for u ≳ 10⁹, e^(−rest) itself would overflow
        return np.exp(-coarse * coarse) * np.exp(-rest) / (math.sqrt(math.pi) * fraction)


def _laplace_fraction(u: np.ndarray) -> np.ndarray:
    """K = u + (1/2)/(u + (2/2)/(u + (3/2)/(u + …))) from depth 100 up: erfc(u) = e^(−u²)/(√π·K) for u > 1.5."""
    fraction = u.copy()
    for k in range(_ERFC_FRACTION_DEPTH, 0, -1):
        fraction = u + (k / 2) / fraction
    return fraction


# ----------------------------------------------------------------------------------------------- signs and Bessel
class Copysign(Primitive):
    """z = |a| with the sign of b;  ∂z/∂a = z/a (0 at a = 0), ∂z/∂b = 0

    A primitive because PyTorch gives b a zero gradient (a composition through b's sign bit gives it none) and keeps
    a NaN's sign, which −NaN by multiplication does not promise."""

    @staticmethod
    def forward(ctx, a, b):
        z = np.copysign(a.data, b.data)
        if ctx.needs_input_grad[0]:
            with np.errstate(invalid="ignore"):
                # NOTE: PyTorch's ratio z/a: 0 at a = 0, NaN at a = ±inf or NaN
                ctx.save_for_backward(np.where(a.data == 0, 0, z / np.where(a.data == 0, 1, a.data)).astype(z.dtype))
        return z

    @staticmethod
    def backward(ctx, grad):
        needs_a, needs_b = ctx.needs_input_grad
        return (grad * ctx.saved_tensors[0] if needs_a else None), (zeros_like(grad) if needs_b else None)


class Nextafter(Primitive):
    """z = the next representable number after a towards b;  ∂z/∂a = 1, ∂z/∂b = 0 (PyTorch's)

    A primitive because a + (nextafter(a, b) − a) is NaN at a = ±inf."""

    @staticmethod
    def forward(ctx, a, b):
        return np.nextafter(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        return grad, (zeros_like(grad) if ctx.needs_input_grad[1] else None)


class I0(Primitive):
    """z = I₀(a), the modified Bessel function of the first kind of order 0;  ∂z/∂a = I₁(a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.i0(a.data).astype(a.dtype)  # numpy's Chebyshev series (Cephes', as PyTorch's)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * bessel_i1(a)


class I1(Primitive):
    """z = I₁(a), the modified Bessel function of the first kind of order 1;  ∂z/∂a = I₀(a) − I₁(a)/a (½ at a = 0)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return bessel_i1_array(a.data).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        at_zero = a == 0
        return grad * where(at_zero, 0.5, bessel_i0(a) - bessel_i1(a) / where(at_zero, 1.0, a))


def bessel_i0(x: Any) -> Any:
    return np.i0(x) if isinstance(x, _ARRAYS) else I0.apply(x)


def bessel_i1(x: Any) -> Any:
    return bessel_i1_array(x).astype(x.dtype) if isinstance(x, _ARRAYS) else I1.apply(x)


def bessel_i1_array(x: np.ndarray) -> np.ndarray:
    """I₁ elementwise in float64: the midpoint rule on I₁(x) = (1/π)∫₀^π e^(x cos θ) cos θ dθ, whose integrand is
    smooth and periodic, so the rule converges geometrically (its error, the aliased I₂ₙ₋₁(x), is below 2⁻⁵³ once
    n² > 74|x|). For |x| ≤ 1 the integrand is written with expm1 (the 1s cancel); beyond, scaled by e^(−|x|)."""
    values = np.asarray(x, dtype=np.float64)
    flat, out = np.abs(values).reshape(-1), np.empty(values.size)
    for start in range(0, flat.size, _BESSEL_CHUNK):  # the rule's points × elements, a chunk at a time
        out[start:start + _BESSEL_CHUNK] = _bessel_i1_of_size(flat[start:start + _BESSEL_CHUNK])
    return np.copysign(out.reshape(values.shape), values)  # I₁ is odd


_BESSEL_CHUNK = 8192


def _bessel_i1_of_size(size: np.ndarray) -> np.ndarray:
    finite = size[np.isfinite(size)]
    points = int(math.sqrt(80 * min(float(finite.max(initial=0.0)), 720.0))) + 24  # beyond 714, I₁ overflows
    cos = np.cos((np.arange(points) + 0.5) * (math.pi / points))
    near = size <= 1
    out = np.empty_like(size)
    out[near] = (np.expm1(size[near, None] * cos) * cos).mean(axis=-1)
    far = size[~near]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        scaled = (np.exp(far[:, None] * (cos - 1)) * cos).mean(axis=-1)
        # e^|x| · scaled keeps its digits; past e^709 it overflows where I₁ does not yet, so there the log
        out[~near] = np.where(far < 700, np.exp(np.minimum(far, 700)) * scaled, np.exp(far + np.log(scaled)))
    out[(size > 720) & (size < math.inf)] = math.inf  # the rule stops at 720, I₁ overflows before (inf stays NaN)
    return out


# ----------------------------------------------------------------------------------------------- gamma family, erfinv
class Lgamma(Primitive):
    """z = ln|Γ(a)|;  ∂z/∂a = ψ(a), the digamma function"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return lgamma_array(a.data).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * polygamma(0, a)


class Polygamma(Primitive):
    """z = ψ⁽ⁿ⁾(a), the n-th derivative of the digamma function ψ = (ln Γ)′;  ∂z/∂a = ψ⁽ⁿ⁺¹⁾(a)"""

    @staticmethod
    def forward(ctx, a, n):
        ctx.save_for_backward(a)
        ctx.n = n
        return polygamma_array(n, a.data).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, a), None


class Erfinv(Primitive):
    """z = erf⁻¹(a);  ∂z/∂a = (√π/2)·e^(z²)"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return erfinv_array(a.data).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * exp(z * z) * (math.sqrt(math.pi) / 2)


def polygamma(n: int, x: Any) -> Any:
    return polygamma_array(n, x).astype(x.dtype) if isinstance(x, _ARRAYS) else Polygamma.apply(x, n)


def lgamma_array(x: np.ndarray) -> np.ndarray:
    """ln|Γ| elementwise in float64 by the standard library's ``math.lgamma``; +inf at the poles 0, −1, −2, …"""
    values = np.asarray(x, dtype=np.float64)
    poles = (values <= 0) & (values == np.floor(values))
    out = np.asarray(np.frompyfunc(math.lgamma, 1, 1)(np.where(poles, 1.0, values)), dtype=np.float64)
    return np.where(poles, math.inf, out)


_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
              -174611 / 330]  # B₂, B₄, …, B₂₀


def polygamma_array(n: int, x: np.ndarray) -> np.ndarray:
    """ψ⁽ⁿ⁾ elementwise in float64 (n = 0: digamma). For a ≥ ½: the recurrence ψ⁽ⁿ⁾(a) = ψ⁽ⁿ⁾(a + 1) − (−1)ⁿn!/aⁿ⁺¹
    up to a ≥ 20 + 2n, then the asymptotic series with B₂ … B₂₀. Below ½: the reflection formula, the n-th
    derivative of ψ(1 − a) − ψ(a) = π cot πa. At the poles 0, −1, … PyTorch's values: ψ(±0) = ∓inf, NaN at the
    negative integers; for n ≥ 1 the limit from the right, (−1)ⁿ⁺¹·inf."""
    values = np.asarray(x, dtype=np.float64)
    out = np.full(values.shape, math.nan)
    poles = (values <= 0) & (values == np.floor(values))
    out[values == math.inf] = math.inf if n == 0 else 0.0
    if n == 0:
        out[poles] = np.where(values[poles] == 0, -np.copysign(math.inf, values[poles]), math.nan)
    else:
        out[poles] = (-1) ** (n + 1) * math.inf
    right = np.isfinite(values) & (values >= 0.5)
    out[right] = _polygamma_right(n, values[right])
    left = np.isfinite(values) & (values < 0.5) & ~poles
    a = values[left]
    # dⁿ/daⁿ cot(πa) = πⁿ·Pₙ(cot πa), with P₀(c) = c and Pₖ₊₁(c) = −(1 + c²)·Pₖ′(c); cot has period 1
    cot = 1 / np.tan(math.pi * (a - np.round(a)))
    derivative = np.polynomial.Polynomial([0, 1])
    for _ in range(n):
        derivative = -np.polynomial.Polynomial([1, 0, 1]) * derivative.deriv()
    out[left] = (-1) ** n * _polygamma_right(n, 1 - a) - math.pi ** (n + 1) * derivative(cot)
    return out


def _polygamma_right(n: int, a: np.ndarray) -> np.ndarray:
    """ψ⁽ⁿ⁾(a) for finite a ≥ ½: the recurrence up to a ≥ 20 + 2n, then the asymptotic series."""
    threshold = 20 + 2 * n
    steps = np.maximum(np.ceil(threshold - a), 0)
    shifted = a + steps
    factorial = math.factorial(n)
    recurrence = np.zeros_like(a)
    for k in range(int(steps.max(initial=0))):
        term = factorial / (a + k) ** (n + 1)
        recurrence += np.where(k < steps, term, 0.0)
    inverse = 1 / shifted
    if n == 0:
        series = np.log(shifted) - inverse / 2
        terms = [-b / (2 * k) for k, b in enumerate(_BERNOULLI, start=1)]  # −B₂ₖ/(2k·a²ᵏ)
    else:
        series = (math.factorial(n - 1) + factorial / 2 * inverse) * inverse ** n * (-1) ** (n + 1)
        terms = [(-1) ** (n + 1) * b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
                 for k, b in enumerate(_BERNOULLI, start=1)]  # (−1)ⁿ⁺¹B₂ₖ(2k + n − 1)!/((2k)!·a²ᵏ⁺ⁿ)
    squared = inverse * inverse
    tail = np.zeros_like(a)
    for coefficient in reversed(terms):
        tail = (tail + coefficient) * squared
    return series + tail * inverse ** n - (-1) ** n * recurrence


_ERFINV_NEWTON_STEPS = 5  # from the guess's 2·10⁻³: 4·10⁻⁶, 10⁻¹¹, then round-off


class Ndtri(Primitive):
    """z = Φ⁻¹(a), the standard normal quantile;  ∂z/∂a = √(2π)·e^(z²/2)

    A primitive because √2·erf⁻¹(2a − 1) loses the lower tail: 2a − 1 rounds to −1 for a < 10⁻¹⁷."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        p = np.asarray(a.data, dtype=np.float64)
        lower = p < 0.5
        with np.errstate(invalid="ignore"):
            # both operands exact: 2p − 1 for p ≥ ½ (Sterbenz) and 2p in the lower tail, 2(1 − p) above
            size = np.where(lower, 1 - 2 * p, 2 * p - 1)
            complement = np.where(lower, 2 * p, 2 * (1 - p))
            x = np.where((p < 0) | (p > 1), math.nan, _erf_inverse(size, complement))
        return (math.sqrt(2) * np.where(lower, -x, x)).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * exp(z * z / 2) * math.sqrt(2 * math.pi)


def erfinv_array(y: np.ndarray) -> np.ndarray:
    """erf⁻¹ elementwise in float64 (``_erf_inverse``); ±1 give ±inf, |y| > 1 NaN."""
    values = np.asarray(y, dtype=np.float64)
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        return np.copysign(np.where(size > 1, math.nan, _erf_inverse(size, 1 - size)), values)


def _erf_inverse(size: np.ndarray, complement: np.ndarray) -> np.ndarray:
    """x ≥ 0 with erf(x) = size and erfc(x) = complement (= 1 − size, passed exact where it matters): Winitzki's
    closed-form guess (within 2·10⁻³), refined by Newton's method on erf for size ≤ ½ and on ln erfc beyond, where
    erfc keeps the tail's digits. inf at size 1."""
    at_one = complement == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_term = np.log(complement * (1 + size))  # ln(1 − y²)
        spread = 2 / (math.pi * 0.147) + log_term / 2
        x = np.sqrt(np.sqrt(spread * spread - log_term / 0.147) - spread)
        near = size <= 0.5
        far = ~near
        x = np.where(complement > 0, x, 0.0)
        size, complement = size[near], complement[far]
        for _ in range(_ERFINV_NEWTON_STEPS):
            slope = (2 / math.sqrt(math.pi)) * np.exp(-x * x)
            x[near] -= (erf_array(x[near]) - size) / slope[near]
            tail = erfc_array(x[far])  # on erfc, Newton's method in ln erfc: quadratic also where erfc is far below 1
            x[far] += (np.log(tail) - np.log(complement)) * tail / slope[far]
    return np.where(at_one, math.inf, x)  # NaN stays NaN


# ----------------------------------------------------------------------------------------------- tg.special's own
class Entr(Primitive):
    """z = −a·ln a (0 at a = 0, −inf below);  ∂z/∂a = −(1 + ln a)

    A primitive because the value at 0 needs a where, which would make the derivative 0 there, where PyTorch's is
    +inf (NOTE: and NaN below 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        x = a.data
        positive = x > 0
        with np.errstate(invalid="ignore"):
            inside = -x * np.log(np.where(positive, x, 1))
        return np.where(positive, inside, np.where(x == 0, 0, np.where(np.isnan(x), x, -np.inf))).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * -(1 + log(a))


class Erfcx(Primitive):
    """z = e^(a²)·erfc a, the scaled complementary error function;  ∂z/∂a = 2a·z − 2/√π

    A primitive because e^(a²) overflows and erfc a underflows where their product, about 1/(a√π), is fine."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erfcx_array(a.data).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (2 * a * ctx.output - 2 / math.sqrt(math.pi))


def erfcx_array(x: np.ndarray) -> np.ndarray:
    """e^(x²)·erfc x elementwise in float64: 1/(√π·K) with Laplace's fraction K for x > 1.5, else the product with
    x² split as erfc does (an exact coarse square and a small rest), overflowing to inf below about −26.6."""
    values = np.asarray(x, dtype=np.float64)
    far = values > _ERF_SERIES_UP_TO
    out = np.empty_like(values)
    out[far] = 1 / (math.sqrt(math.pi) * _laplace_fraction(values[far]))
    near = values[~far]
    coarse = np.round(near * 16) / 16
    with np.errstate(invalid="ignore", over="ignore"):
        rest = (near - coarse) * (near + coarse)
        rest[np.isinf(near)] = 0.0
        out[~far] = np.exp(coarse * coarse) * np.exp(rest) * erfc_array(near)
    return out


class I0e(Primitive):
    """z = e^(−|a|)·I₀(a), the exponentially scaled I₀;  ∂z/∂a = i1e(a) − sign(a)·z"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return bessel_scaled_array(a.data, 0).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (bessel_i1e(a) - _sign(a) * ctx.output)


class I1e(Primitive):
    """z = e^(−|a|)·I₁(a), the exponentially scaled I₁;  ∂z/∂a = i0e(a) − z·(sign(a) + 1/a) (½ at a = 0)"""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return bessel_scaled_array(a.data, 1).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        at_zero = _is_zero(a)
        return grad * where(at_zero, 0.5, bessel_i0e(a) - ctx.output * (_sign(a) + 1 / where(at_zero, 1.0, a)))


def _sign(x: Any) -> np.ndarray:
    """sign(x) as a constant (its derivative is 0 almost everywhere)."""
    return np.sign(x if isinstance(x, _ARRAYS) else x.data)


def _is_zero(x: Any) -> np.ndarray:
    return (x if isinstance(x, _ARRAYS) else x.data) == 0


def bessel_i0e(x: Any) -> Any:
    return bessel_scaled_array(x, 0).astype(x.dtype) if isinstance(x, _ARRAYS) else I0e.apply(x)


def bessel_i1e(x: Any) -> Any:
    return bessel_scaled_array(x, 1).astype(x.dtype) if isinstance(x, _ARRAYS) else I1e.apply(x)


HANKEL_FROM = 25.0  # beyond, the asymptotic series' smallest term (about e^(−2x)) is far below 2⁻⁵³
_HANKEL_TERMS = 30  # at x = 25 the 30th term is below 10⁻²⁰


def hankel_terms(x: np.ndarray, order: int) -> list[np.ndarray]:
    """aₖ(ν)/xᵏ for k < 30, aₖ(ν) = (4ν² − 1²)(4ν² − 3²)…(4ν² − (2k − 1)²)/(k!·8ᵏ): the terms of the large-x
    expansions of Iᵥ, Kᵥ (A&S 9.7.1, 9.7.2) and Jᵥ, Yᵥ (A&S 9.2.5–9.2.10), for x ≥ 25."""
    terms, term = [], np.ones_like(x)
    for k in range(_HANKEL_TERMS):
        terms.append(term)
        term = term * (4 * order * order - (2 * k + 1) ** 2) / ((k + 1) * 8 * x)
    return terms


def bessel_scaled_array(x: np.ndarray, order: int) -> np.ndarray:
    """e^(−|x|)·Iₙ(x) for n = 0, 1 in float64: the unscaled function times e^(−|x|) below 25, beyond it the
    asymptotic series e^(−x)·Iₙ(x) = Σ (−1)ᵏaₖ(n)/xᵏ / √(2πx), which has no overflow."""
    values = np.asarray(x, dtype=np.float64)
    size = np.abs(values)
    far = size >= HANKEL_FROM
    out = np.empty_like(values)
    near = values[~far]
    with np.errstate(over="ignore", invalid="ignore"):
        unscaled = np.i0(near) if order == 0 else bessel_i1_array(near)
        out[~far] = unscaled * np.exp(-np.abs(near))
        large = size[far]
        terms = hankel_terms(large, order)
        out[far] = sum((-1) ** k * t for k, t in enumerate(terms)) / np.sqrt(2 * math.pi * large)
    return np.copysign(out, values) if order == 1 else out


class IncompleteGamma(Primitive):
    """z = P(a, x) = γ(a, x)/Γ(a) (Q = 1 − P with ``upper``);  ∂P/∂x = xᵃ⁻¹e⁻ˣ/Γ(a) (−that for Q)

    The regularized incomplete gamma functions; no derivative in a (PyTorch raises there too)."""

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        P, Q = incomplete_gamma_array(a.data, x.data)
        return (Q if upper else P).astype(np.result_type(a.dtype, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{'igammac' if ctx.upper else 'igamma'}: input' is not "
                                      "implemented (as PyTorch: gammainc and gammaincc differentiate in x only)")
        a = np.asarray(a if isinstance(a, _ARRAYS) else a.data, dtype=np.float64)  # a constant: no derivative in a
        with np.errstate(divide="ignore", invalid="ignore"):
            density = exp(log(x) * (a - 1).astype(x.dtype) - x - lgamma_array(a).astype(x.dtype))
        return None, grad * (-density if ctx.upper else density), None


_GAMMA_ITERATIONS = 100_000  # the series and the fraction converge in O(√a) steps near x = a


def incomplete_gamma_array(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P, Q) elementwise in float64: the series P = xᵃe⁻ˣ/Γ(a + 1)·Σ xᵏ/((a + 1)…(a + k)) for x < a + 1, else
    Legendre's continued fraction for Q (by Lentz's method), the other as 1 minus it; PyTorch's values at the edges
    (NaN for a < 0, x < 0 and a = x = 0; P = 1 for a = 0 or x = inf; P = 0 for x = 0 or a = inf)."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    P = np.full(a.shape, math.nan)
    P[(a == 0) & (x > 0)] = 1.0
    P[(a > 0) & (x == 0)] = 0.0
    P[(a >= 0) & (x == math.inf) & (a < math.inf)] = 1.0
    P[(a == math.inf) & (x >= 0) & (x < math.inf)] = 0.0
    regular = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    aa, xx = a[regular], x[regular]
    log_prefactor = aa * np.log(xx) - xx - lgamma_array(aa)  # ln(xᵃe⁻ˣ/Γ(a))
    series = xx < aa + 1
    inner = np.empty_like(aa)
    inner[series] = np.exp(log_prefactor[series]) * _gamma_series(aa[series], xx[series])
    inner[~series] = np.exp(log_prefactor[~series]) * _gamma_fraction(aa[~series], xx[~series])
    P[regular] = np.where(series, inner, 1 - inner)
    Q = np.where(regular, 0.0, 1 - P)
    Q[regular] = np.where(series, 1 - inner, inner)
    return P, Q


def _gamma_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σₖ xᵏ/(a(a + 1)…(a + k)), until the terms stop counting."""
    term = 1 / a
    total = term.copy()
    denominator = a.copy()
    for _ in range(_GAMMA_ITERATIONS):
        denominator += 1
        term = term * x / denominator
        total += term
        if (np.abs(term) <= np.abs(total) * 2 ** -54).all():
            break
    return total


def _gamma_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − 2·(2 − a)/(x + 5 − a − …))), by Lentz's method."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full_like(x, 1 / tiny)
    d = 1 / np.where(np.abs(b) < tiny, tiny, b)
    h = d.copy()
    for i in range(1, _GAMMA_ITERATIONS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = 1 / np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        delta = d * c
        h = h * delta
        if (np.abs(delta - 1) <= 2 ** -52).all():  # within an ulp of 1: delta rounds, so no closer
            break
    return h


class Zeta(Primitive):
    """z = ζ(a, b) = Σₖ (b + k)⁻ᵃ, Hurwitz's zeta function;  ∂z/∂b = −a·ζ(a + 1, b)

    No derivative in a (PyTorch raises there too)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return zeta_array(a.data, b.data).astype(np.result_type(a.dtype, b.dtype))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented for its first argument x (as "
                                      "PyTorch; it is for q)")
        a = a if isinstance(a, _ARRAYS) else a.data  # a constant: no derivative in a
        following = zeta_array(a + 1, b).astype(b.dtype) if isinstance(b, _ARRAYS) else Zeta.apply(
            type(b).wrap((a + 1).astype(b.dtype)), b)
        return None, grad * following * (-a).astype(b.dtype)


def zeta_array(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """ζ(x, q) elementwise in float64 by Euler–Maclaurin summation: the first N terms directly (N ≥ 9, q + N ≥ 10),
    the rest as w¹⁻ˣ/(x − 1) + w⁻ˣ/2 + Σⱼ B₂ⱼ/(2j)!·x(x + 1)…(x + 2j − 2)·w⁻ˣ⁻²ʲ⁺¹ (w = q + N, B₂ … B₂₀);
    PyTorch's (Cephes') domain: inf at x = 1 and at q = 0, −1, −2, …; NaN for x < 1 and for q < 0 unless x is an
    integer; for x = inf, inf (q < 1), 1 (q = 1) or NaN; NaN for q = inf."""
    x, q = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(q, dtype=np.float64))
    out = np.full(x.shape, math.nan)
    pole = (q <= 0) & (q == np.floor(q))
    out[(x > 1) & pole] = math.inf
    out[x == 1] = math.inf
    at_infinity = (x == math.inf) & (q > 0) & (q < math.inf)
    out[at_infinity] = np.where(q[at_infinity] < 1, math.inf, np.where(q[at_infinity] == 1, 1.0, math.nan))
    regular = (x > 1) & (x < math.inf) & np.isfinite(q) & ~pole & ((q > 0) | (x == np.floor(x)))
    s, a = x[regular], q[regular]
    count = np.maximum(9, np.ceil(10 - a)).astype(np.int64)
    total = np.zeros_like(s)
    for k in range(int(count.max(initial=0))):
        total += np.where(k < count, (a + k) ** -s, 0.0)
    w = a + count
    total += w ** (1 - s) / (s - 1) + 0.5 * w ** -s
    rising, power = s.copy(), w ** -s / w  # x(x + 1)…(x + 2j − 2) and w⁻ˣ⁻²ʲ⁺¹, for j = 1
    for j, bernoulli in enumerate(_BERNOULLI, start=1):
        total += bernoulli / math.factorial(2 * j) * rising * power
        rising = rising * (s + 2 * j - 1) * (s + 2 * j)
        power = power / (w * w)
    out[regular] = total
    return out
