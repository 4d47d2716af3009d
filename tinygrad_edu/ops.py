"""The primitive ops: each forward beside its local derivative, one small class per op.

``forward`` computes on the inputs' ndarrays. ``backward`` receives ``grad`` = ∂C/∂(output) and returns
∂C/∂(input) = grad · ∂(output)/∂(input) for each input — the chain rule, one link at a time. Backwards are
written in Tensor ops, so ``create_graph=True`` differentiates them again. When an input was broadcast, its
gradient may keep the broadcast shape: the engine's ``unbroadcast`` sums it back (one place for that rule).
Everything else (mean, var, softmax, losses, layers) is composed from these.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .engine import Function
from .tensor import Tensor


def _const(array: Any) -> Tensor:
    """A constant (no-grad) tensor inside a backward: masks, signs, counts."""
    return Tensor._make(np.asarray(array), False, None)


def _mask(condition: np.ndarray, like: Tensor) -> Tensor:
    return _const(condition.astype(like.dtype))


# ----------------------------------------------------------------------------------------------- arithmetic
class Add(Function):
    """z = a + b;  ∂z/∂a = 1, ∂z/∂b = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data + b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """z = a - b;  ∂z/∂a = 1, ∂z/∂b = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data - b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = a · b;  ∂z/∂a = b, ∂z/∂b = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data * b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad * b if needs_a else None), (grad * a if needs_b else None)


class Div(Function):
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


class Pow(Function):
    """z = aᵇ;  ∂z/∂a = b·aᵇ⁻¹ (for the cost's square: 2(x̂ − y)), ∂z/∂b = aᵇ·ln a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data**b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if needs_a else None
        grad_b = grad * ctx.output * a.log() if needs_b else None
        return grad_a, grad_b


class Neg(Function):
    """z = -a;  ∂z/∂a = -1."""

    @staticmethod
    def forward(ctx, a):
        return -a.data

    @staticmethod
    def backward(ctx, grad):
        return -grad


class MatMul(Function):
    """z = a @ b;  ∂C/∂a = ∂C/∂z @ bᵀ,  ∂C/∂b = aᵀ @ ∂C/∂z  (1-D operands act as a row / a column)."""

    @staticmethod
    def forward(ctx, a, b):
        x, y = a.data, b.data
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"matmul needs operands of at least 1 dimension, got shapes {x.shape} and {y.shape}")
        inner = y.shape[-2 if y.ndim > 1 else 0]
        if x.shape[-1] != inner:
            raise ValueError(f"matmul: inner dimensions differ: {x.shape} @ {y.shape} ({x.shape[-1]} vs {inner})")
        ctx.save_for_backward(a, b)
        return x @ y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        if a.data.ndim > 1 and b.data.ndim > 1:  # matrices (or batches of them; the engine sums broadcast batches)
            return (grad @ b.mT if needs_a else None), (a.mT @ grad if needs_b else None)
        # A 1-D operand acts as a row (a) or a column (b): promote it, apply the matrix rule, then drop that axis.
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        grad2 = grad if b.ndim > 1 else grad.unsqueeze(-1)
        grad2 = grad2 if a.ndim > 1 else grad2.unsqueeze(-2)
        grad_a = grad_b = None
        if needs_a:
            grad_a = grad2 @ b2.mT
            grad_a = grad_a if a.ndim > 1 else grad_a.squeeze(-2)
        if needs_b:
            grad_b = a2.mT @ grad2
            grad_b = grad_b if b.ndim > 1 else grad_b.squeeze(-1)
        return grad_a, grad_b


# ----------------------------------------------------------------------------------------------- elementwise
class Exp(Function):
    """z = eᵃ;  ∂z/∂a = eᵃ = z."""

    @staticmethod
    def forward(ctx, a):
        return np.exp(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """z = ln a;  ∂z/∂a = 1/a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    """z = √a;  ∂z/∂a = 1/(2√a) = 1/(2z)."""

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.5 / ctx.output


class Abs(Function):
    """z = |a|;  ∂z/∂a = sign(a).  NOTE: at a = 0 the gradient is 0 (a subgradient, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _const(np.sign(a.data))


class Tanh(Function):
    """z = tanh a;  g'(a) = 1 − tanh²(a) = 1 − z²."""

    @staticmethod
    def forward(ctx, a):
        return np.tanh(a.data)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * (1 - z * z)


class Sigmoid(Function):
    """z = σ(a) = 1/(1 + e⁻ᵃ);  σ'(a) = σ(a)(1 − σ(a)) = z(1 − z)."""

    @staticmethod
    def forward(ctx, a):
        return np.exp(-np.logaddexp(0, -a.data))  # stable for large |a|

    @staticmethod
    def backward(ctx, grad):
        z = ctx.output
        return grad * z * (1 - z)


class Relu(Function):
    """z = max(a, 0);  ∂z/∂a = 1 where a > 0 else 0.  NOTE: at a = 0 the gradient is 0, as PyTorch."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.maximum(a.data, 0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _mask(a.data > 0, grad)


class Clip(Function):
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


class Maximum(Function):
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


class Minimum(Function):
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


class Where(Function):
    """z = x where c else y;  ∂z/∂x = c, ∂z/∂y = 1 − c.  NOTE: an unsafe branch's nan·0 still poisons nothing."""

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return np.where(condition, x.data, y.data)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = _const(np.zeros((), dtype=grad.dtype))
        needs_x, needs_y = ctx.needs_input_grad[1:]
        grad_x = Where.apply(condition, grad, zero) if needs_x else None
        grad_y = Where.apply(condition, zero, grad) if needs_y else None
        return None, grad_x, grad_y


class Cast(Function):
    """z = a as another dtype;  ∂z/∂a = 1 (the gradient is cast back)."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.save_for_backward(a.dtype)
        return a.data.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (dtype,) = ctx.saved_tensors
        return Cast.apply(grad, dtype), None


# ----------------------------------------------------------------------------------------------- reductions
def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """z = Σ_axes a;  ∂z/∂a = 1 for every summed element: the gradient is copied back along the axes."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.save_for_backward(a.shape, axes)
        return a.data.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        shape, axes = ctx.saved_tensors
        if 0 < grad.ndim != len(shape):  # put the summed axes back (a 0-d gradient broadcasts as it is)
            grad = grad.reshape(_keepdims_shape(shape, axes))
        return grad.broadcast_to(shape), None, None


class Max(Function):
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
class Reshape(Function):
    """z = a with a new shape;  the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.save_for_backward(a.shape)
        return a.data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        (shape,) = ctx.saved_tensors
        return grad.reshape(shape), None


class Transpose(Function):
    """z = a with permuted axes;  the gradient is permuted back by the inverse permutation."""

    @staticmethod
    def forward(ctx, a, axes):
        ctx.save_for_backward(axes)
        return a.data.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        (axes,) = ctx.saved_tensors
        inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        return Transpose.apply(grad, inverse), None


class Expand(Function):
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


class GetItem(Function):
    """z = a[index];  the gradient is scattered back into zeros of a's shape (repeated indices add up)."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.save_for_backward(a.shape, index)
        return a.data[index]

    @staticmethod
    def backward(ctx, grad):
        shape, index = ctx.saved_tensors
        return ScatterAdd.apply(grad, index, shape), None


class ScatterAdd(Function):
    """z = zeros(shape) with g added at index — the adjoint of ``GetItem``, whose backward is ``GetItem``."""

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.save_for_backward(index)
        out = np.zeros(shape, dtype=g.dtype)
        if _has_integer_array(index):
            np.add.at(out, index, g.data)  # integer arrays may repeat an element: add every occurrence
        else:
            out[index] = g.data
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return GetItem.apply(grad, index), None, None


class Cat(Function):
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
