"""The primitive ops: each forward beside its local derivative, one small class per op.

``forward`` computes on the inputs' ndarrays. ``backward`` receives ``grad`` = ∂C/∂(output) and returns
∂C/∂(input) = grad · ∂(output)/∂(input) for each input — the chain rule, one link at a time. Each derivative is
written once, with operators and methods that ndarray and Tensor share (plus the few helpers below), so the same
line runs on raw arrays in a plain ``backward()`` (fast) and on Tensors under ``create_graph=True`` (recorded,
so it can be differentiated again). When an input was broadcast, its gradient may keep the broadcast shape: the
engine's ``unbroadcast`` sums it back (one place for that rule). Everything else (mean, var, softmax, losses,
layers) is composed from these.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np

from .engine import Function
from .tensor import Tensor


class Primitive(Function):
    """A built-in op: its backward runs on ndarrays as well as on Tensors (see ``Function.array_backward``);
    it keeps its output only if its derivative is written in terms of it (``saves_output``)."""

    array_backward = True
    saves_output = False


# ---- the few helpers a backward needs beyond shared operators and methods: each works on an array or a Tensor
def _values(x: Any) -> np.ndarray:
    """The array behind ``x``: for constants computed from a saved input (masks, signs)."""
    return x.data if type(x) is Tensor else x


def _mask(condition: np.ndarray, like: Any) -> np.ndarray:
    """A 0/1 (or share) array in the gradient's dtype: multiplying by it keeps or drops gradient elements."""
    return condition.astype(like.dtype)


def _log(x: Any) -> Any:
    return x.log() if type(x) is Tensor else np.log(x)


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if type(x) is Tensor:
        return x.broadcast_to(shape)
    if x.ndim == 0:  # a full reduction's gradient (every loss): a read-only view with zero strides, made in
        view = np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))  # 0.6 µs where np.broadcast_to takes 4
        view.flags.writeable = False
        return view
    return np.broadcast_to(x, shape)


def _where(condition: np.ndarray, x: Any, y: Any) -> Any:
    if type(x) is not Tensor and type(y) is not Tensor:
        return np.where(condition, x, y)
    x, y = (v if type(v) is Tensor else Tensor._make(np.asarray(v), False, None) for v in (x, y))
    return Where.apply(condition, x, y)


def _scatter_add(grad: Any, index: Any, shape: tuple[int, ...]) -> Any:
    return ScatterAdd.apply(grad, index, shape) if type(grad) is Tensor else _scatter_add_array(grad, index, shape)


# ----------------------------------------------------------------------------------------------- arithmetic
class Add(Primitive):
    """z = a + b;  ∂z/∂a = 1, ∂z/∂b = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data + b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Primitive):
    """z = a - b;  ∂z/∂a = 1, ∂z/∂b = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data - b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    """z = a · b;  ∂z/∂a = b, ∂z/∂b = a.  For a · a (the cost's square) that is 2a: the seed's 2(x̂ − y)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data * b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a is b:  # both factors are the same tensor: the product rule's two terms b·grad + a·grad are one, 2a·grad
            return grad * a * 2, None
        needs_a, needs_b = ctx.needs_input_grad
        return (grad * b if needs_a else None), (grad * a if needs_b else None)


class Div(Primitive):
    """z = a / b;  ∂z/∂a = 1/b, ∂z/∂b = -a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data / b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad / b if needs_a else None), (-grad * a / (b * b) if needs_b else None)


class Pow(Primitive):
    """z = aᵇ;  ∂z/∂a = b·aᵇ⁻¹ (for the cost's square: 2(x̂ − y)), ∂z/∂b = aᵇ·ln a."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data**b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if needs_a else None
        grad_b = grad * ctx.output * _log(a) if needs_b else None
        return grad_a, grad_b


class Neg(Primitive):
    """z = -a;  ∂z/∂a = -1."""

    @staticmethod
    def forward(ctx, a):
        return -a.data

    @staticmethod
    def backward(ctx, grad):
        return -grad


class MatMul(Primitive):
    """z = a @ b;  ∂C/∂a = ∂C/∂z @ bᵀ,  ∂C/∂b = aᵀ @ ∂C/∂z  (1-D operands act as a row / a column).

    ``transpose_b=True`` computes z = a @ bᵀ for a matrix b (``nn.Linear``'s z = W·a with W stored (out, in)),
    as BLAS takes a transpose flag: one op instead of a Transpose and a MatMul. Then ∂C/∂a = ∂C/∂z @ b and
    ∂C/∂b = (aᵀ @ ∂C/∂z)ᵀ = ∂C/∂zᵀ @ a.
    """

    @staticmethod
    def forward(ctx, a, b, transpose_b=False):
        x, y = a.data, b.data
        if transpose_b:
            if y.ndim != 2 or x.ndim < 2:
                raise ValueError(f"matmul with transpose_b needs a matrix b and a ≥ 2-D, got {x.shape} and {y.shape}")
            y = y.T
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"matmul needs operands of at least 1 dimension, got shapes {x.shape} and {y.shape}")
        inner = y.shape[-2 if y.ndim > 1 else 0]
        if x.shape[-1] != inner:
            raise ValueError(f"matmul: inner dimensions differ: {x.shape} @ {y.shape} ({x.shape[-1]} vs {inner})")
        ctx.save_for_backward(a, b)
        ctx.transpose_b = transpose_b
        return x @ y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        if ctx.transpose_b:
            return (grad @ b if needs_a else None), (grad.mT @ a if needs_b else None)
        if a.ndim > 1 and b.ndim > 1:  # matrices (or batches of them; the engine sums broadcast batches)
            grad_a = _matmul_in_layout_of(a, grad, b.mT) if needs_a else None
            grad_b = _matmul_in_layout_of(b, a.mT, grad) if needs_b else None
            return grad_a, grad_b
        # A 1-D operand acts as a row (a) or a column (b): promote it, apply the matrix rule, then drop that axis.
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        grad2 = grad if b.ndim > 1 else grad.reshape(*grad.shape, 1)
        grad2 = grad2 if a.ndim > 1 else grad2.reshape(*grad2.shape[:-1], 1, grad2.shape[-1])
        grad_a = grad_b = None
        if needs_a:
            grad_a = grad2 @ b2.mT
            grad_a = grad_a if a.ndim > 1 else grad_a.squeeze(-2)
        if needs_b:
            grad_b = a2.mT @ grad2
            grad_b = grad_b if b.ndim > 1 else grad_b.squeeze(-1)
        return grad_a, grad_b


def _matmul_in_layout_of(operand: Any, x: Any, y: Any) -> Any:
    """x @ y, laid out in memory like ``operand`` (whose gradient it is), as PyTorch's gradient layout contract.

    In ``x @ W.T`` the operand is a transposed view of W; its gradient computed as xᵀ@g directly would be
    transposed too, and the optimizer's in-place update over mismatched layouts is 5-18× slower than over
    matching ones (docs/performance.md). (yᵀ @ xᵀ)ᵀ is the same product, written by BLAS in the other order.
    (``nn.Linear`` avoids the view altogether with ``transpose_b``.)
    """
    strides = _values(operand).strides
    if len(strides) == 2 and strides[0] < strides[1]:  # a transposed matrix: its rows are the short stride
        return (y.mT @ x.mT).mT
    return x @ y


# ----------------------------------------------------------------------------------------------- elementwise
class Exp(Primitive):
    """z = eᵃ;  ∂z/∂a = eᵃ = z."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.exp(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Primitive):
    """z = ln a;  ∂z/∂a = 1/a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Primitive):
    """z = √a;  ∂z/∂a = 1/(2√a) = 1/(2z)."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.5 / ctx.output


class Abs(Primitive):
    """z = |a|;  ∂z/∂a = sign(a).  NOTE: at a = 0 the gradient is 0 (a subgradient, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sign(_values(a))


class Tanh(Primitive):
    """z = tanh a;  g'(a) = 1 − tanh²(a) = 1 − z²."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.tanh(a.data)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * (1 - z * z)


class Sigmoid(Primitive):
    """z = σ(a) = 1/(1 + e⁻ᵃ);  σ'(a) = σ(a)(1 − σ(a)) = z(1 − z)."""

    saves_output = True  # its derivative is written with its output

    @staticmethod
    def forward(ctx, a):
        return np.exp(-np.logaddexp(0, -a.data))  # stable for large |a|

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * z * (1 - z)


class Relu(Primitive):
    """z = max(a, 0);  ∂z/∂a = 1 where a > 0 else 0.  NOTE: at a = 0 the gradient is 0, as PyTorch."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.maximum(a.data, 0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _mask(_values(a) > 0, grad)


class Clip(Primitive):
    """z = min(max(a, lo), hi);  ∂z/∂a = 1 inside [lo, hi], 0 outside.  NOTE: the bounds themselves pass."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a.data >= lo
        if hi is not None:
            inside &= a.data <= hi
        ctx.save_for_backward(inside)
        return np.clip(a.data, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * _mask(inside, grad), None, None


class Maximum(Primitive):
    """z = max(a, b) elementwise;  the gradient goes to the larger.  NOTE: ties split it half and half."""

    @staticmethod
    def forward(ctx, a, b):
        share_a = (a.data > b.data) + 0.5 * (a.data == b.data)
        ctx.save_for_backward(share_a)
        return np.maximum(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        (share_a,) = ctx.saved_tensors
        return grad * _mask(share_a, grad), grad * _mask(1 - share_a, grad)


class Minimum(Primitive):
    """z = min(a, b) elementwise;  the gradient goes to the smaller.  NOTE: ties split it half and half."""

    @staticmethod
    def forward(ctx, a, b):
        share_a = (a.data < b.data) + 0.5 * (a.data == b.data)
        ctx.save_for_backward(share_a)
        return np.minimum(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        (share_a,) = ctx.saved_tensors
        return grad * _mask(share_a, grad), grad * _mask(1 - share_a, grad)


class Where(Primitive):
    """z = x where c else y;  ∂z/∂x = c, ∂z/∂y = 1 − c.  NOTE: an unsafe branch's nan·0 still poisons nothing."""

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return np.where(condition, x.data, y.data)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        needs_x, needs_y = ctx.needs_input_grad[1:]
        grad_x = _where(condition, grad, zero) if needs_x else None
        grad_y = _where(condition, zero, grad) if needs_y else None
        return None, grad_x, grad_y


class Cast(Primitive):
    """z = a as another dtype;  ∂z/∂a = 1 (the gradient is cast back)."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.save_for_backward(a.dtype)
        return a.data.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (dtype,) = ctx.saved_tensors
        return grad.astype(dtype), None


# ----------------------------------------------------------------------------------------------- reductions
def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Primitive):
    """z = s·Σ_axes a (s = 1; s = 1/N makes it the mean);  ∂z/∂a = s for every summed element: the gradient is
    copied back along the axes."""

    @staticmethod
    def forward(ctx, a, axes, keepdims, scale=1.0):
        ctx.save_for_backward(a.shape, axes)
        ctx.scale = scale
        total = a.data.sum(axis=axes, keepdims=keepdims)
        return total if scale == 1.0 else total * scale

    @staticmethod
    def backward(ctx, grad):
        shape, axes = ctx.saved_tensors
        if ctx.scale != 1.0:
            grad = grad * ctx.scale
        if 0 < grad.ndim != len(shape):  # put the summed axes back (a 0-d gradient broadcasts as it is)
            grad = grad.reshape(_keepdims_shape(shape, axes))
        return _broadcast_to(grad, shape), None, None, None


class Max(Primitive):
    """z = max_axes a;  ∂z/∂a = 1 at the maximum, 0 elsewhere.  NOTE: tied maxima share the gradient equally."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        kept = a.data.max(axis=axes, keepdims=True)
        is_max = a.data == kept
        ctx.save_for_backward(is_max / is_max.sum(axis=axes, keepdims=True), axes)
        return kept if keepdims else kept.reshape([n for i, n in enumerate(kept.shape) if i not in axes])

    @staticmethod
    def backward(ctx, grad):
        share, axes = ctx.saved_tensors
        return grad.reshape(_keepdims_shape(share.shape, axes)) * _mask(share, grad), None, None


# ----------------------------------------------------------------------------------------------- shape
class Reshape(Primitive):
    """z = a with a new shape;  the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.save_for_backward(a.shape)
        return a.data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        (shape,) = ctx.saved_tensors
        return grad.reshape(shape), None


class Transpose(Primitive):
    """z = a with permuted axes;  the gradient is permuted back by the inverse permutation."""

    @staticmethod
    def forward(ctx, a, axes):
        ctx.save_for_backward(axes)
        return a.data.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        (axes,) = ctx.saved_tensors
        return grad.transpose(_inverse_permutation(axes)), None


@functools.cache
def _inverse_permutation(axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(axes)), key=axes.__getitem__))


class Expand(Primitive):
    """z = a broadcast to a larger shape;  the engine's ``unbroadcast`` sums the gradient back to a's shape."""

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a.data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _has_integer_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


class GetItem(Primitive):
    """z = a[index];  the gradient is scattered back into zeros of a's shape (repeated indices add up)."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.save_for_backward(a.shape, index)
        return a.data[index]

    @staticmethod
    def backward(ctx, grad):
        shape, index = ctx.saved_tensors
        return _scatter_add(grad, index, shape), None


def _scatter_add_array(values: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=values.dtype)
    if _has_integer_array(index):
        np.add.at(out, index, values)  # integer arrays may repeat an element: add every occurrence
    else:
        out[index] = values
    return out


class ScatterAdd(Primitive):
    """z = zeros(shape) with g added at index — the adjoint of ``GetItem``, whose backward is ``GetItem``."""

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.save_for_backward(index)
        return _scatter_add_array(g.data, index, shape)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return grad[index], None, None


class Cat(Primitive):
    """z = [a₁, a₂, …] along an axis;  each input's gradient is its slice of z's gradient."""

    @staticmethod
    def forward(ctx, *tensors, axis=0):
        axis = axis % tensors[0].ndim
        ctx.save_for_backward(axis, np.cumsum([0] + [t.shape[axis] for t in tensors]).tolist())
        return np.concatenate([t.data for t in tensors], axis=axis)

    @staticmethod
    def backward(ctx, grad):
        axis, bounds = ctx.saved_tensors
        leading = (slice(None),) * axis
        return tuple(grad[(*leading, slice(start, stop))] for start, stop in itertools.pairwise(bounds))
