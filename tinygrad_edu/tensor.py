"""The user's object: ``Tensor``, an ndarray that remembers the ops that made it, and its factories.

Every differentiable method here is a thin call into a primitive of ``ops`` (or a composition in
``functional``); the calculus lives there, the graph walk in ``engine``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Axis = int | tuple[int, ...] | None
DTypeLike = Any

_FLOAT_KINDS = "fc"


def _as_dtype(dtype: DTypeLike) -> np.dtype:
    return np.dtype(dtype)


def _to_array(data: Any, dtype: DTypeLike = None) -> np.ndarray:
    """Convert user data to an ndarray: Python floats/lists become float32, float arrays keep their dtype."""
    if isinstance(data, Tensor):
        array = data.data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    else:
        array = np.array(data)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        elif array.dtype.kind == "O":
            raise TypeError(f"cannot make a Tensor from {type(data).__name__} data of mixed or ragged shape")
    if dtype is not None:
        array = array.astype(_as_dtype(dtype), copy=False)
    return array


def _shape_args(shape: tuple) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor:
    """An n-dimensional array that records the ops applied to it, so ``backward()`` can apply the chain rule."""

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_retains_grad", "_hooks", "__weakref__")
    __array_ufunc__ = None  # ``ndarray + Tensor`` defers to Tensor.__radd__ and gives a Tensor

    def __init__(self, data: Any, requires_grad: bool = False, dtype: DTypeLike = None) -> None:
        array = _to_array(data, dtype)
        if requires_grad and array.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {array.dtype}")
        self.data = array
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self._retains_grad = False
        self._hooks: dict[int, Callable] | None = None

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Fast internal constructor for op outputs: no conversion, no checks."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._retains_grad = False
        t._hooks = None
        return t

    def _constant(self, value: Any) -> Tensor:
        """Wrap a non-Tensor operand; a Python number takes this tensor's dtype (``x * 2`` stays float32)."""
        if isinstance(value, Tensor):
            return value
        if type(value) is float and self.data.dtype.kind == "f":  # the common case, x * 0.5: no ABC checks
            return Tensor._make(np.array(value, dtype=self.data.dtype), False, None)
        if isinstance(value, numbers.Number) and not isinstance(value, np.generic):
            dtype = self.data.dtype if self.data.dtype.kind in _FLOAT_KINDS or isinstance(value, int) else None
            return Tensor._make(np.asarray(value, dtype=dtype), False, None)
        return Tensor._make(np.asarray(value), False, None)

    # ------------------------------------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that records grad."""
        return self.grad_fn is None

    def numel(self) -> int:
        return self.data.size

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ------------------------------------------------------------------------------------------- autograd
    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) · gradient into ``.grad`` of every leaf that requires grad."""
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): gradient can be omitted only for a single-element output, got shape {self.shape}"
                )
            gradient = Tensor._make(np.ones(self.data.shape, self.data.dtype), False, None)
        else:
            gradient = self._constant(gradient)
            if gradient.shape != self.shape:
                raise ValueError(f"backward(): gradient has shape {gradient.shape}, expected {self.shape}")
            if gradient.dtype != self.dtype:
                gradient = gradient.astype(self.dtype)
        if retain_graph is None:
            retain_graph = create_graph
        _engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor._make(self.data, False, None)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if requires_grad and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        if not requires_grad and not self.is_leaf:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor: use detach() instead")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _engine.RemovableHandle:
        """Call ``hook(grad)`` when the gradient for this tensor is computed; a returned tensor replaces it.

        A leaf keeps its hooks; a computed tensor's hooks live on its ``grad_fn`` (as in PyTorch), so they still
        run after the tensor itself is dropped.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook() on a tensor that does not require grad")
        owner = self if self.grad_fn is None else self.grad_fn
        if owner._hooks is None:
            owner._hooks = {}
        handle = _engine.RemovableHandle(owner._hooks)
        owner._hooks[handle.id] = hook
        return handle

    def zero_(self) -> Tensor:
        self.data[...] = 0
        return self

    def astype(self, dtype: DTypeLike) -> Tensor:
        """Cast to ``dtype`` (differentiable between float dtypes)."""
        return _ops.Cast.apply(self, _as_dtype(dtype))

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    # ------------------------------------------------------------------------------------------- arithmetic
    def _binary(self, op: Any, other: Any, reflected: bool = False) -> Tensor:
        """Apply a binary primitive; an integer operand beside a float one takes the float dtype (as PyTorch)."""
        if type(other) is not Tensor:
            other = self._constant(other)
        a, b = (other, self) if reflected else (self, other)
        if a.data.dtype is not b.data.dtype:
            a, b = _promote_int_to_float(a, b)
        return op.apply(a, b)

    def __add__(self, other: Any) -> Tensor:
        return self._binary(_ops.Add, other)

    def __radd__(self, other: Any) -> Tensor:
        return self._binary(_ops.Add, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(_ops.Sub, other)

    def __rsub__(self, other: Any) -> Tensor:
        return self._binary(_ops.Sub, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return self._binary(_ops.Mul, other)

    def __rmul__(self, other: Any) -> Tensor:
        return self._binary(_ops.Mul, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return self._binary(_ops.Div, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._binary(_ops.Div, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        return self._binary(_ops.Pow, other)

    def __rpow__(self, other: Any) -> Tensor:
        return self._binary(_ops.Pow, other, reflected=True)

    def __matmul__(self, other: Any) -> Tensor:
        return self._binary(_ops.MatMul, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._binary(_ops.MatMul, other, reflected=True)

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    add, sub, mul, div, pow, matmul = __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__

    # ------------------------------------------------------------------------------------------- comparisons
    def _compare(self, other: Any, compare: Callable) -> Tensor:
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._make(np.asarray(compare(self.data, other)), False, None)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==`` as a bool tensor (``==`` itself stays identity, so tensors can key dicts)."""
        return self._compare(other, np.equal)

    # ------------------------------------------------------------------------------------------- elementwise
    def exp(self) -> Tensor:
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        return _ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _ops.Abs.apply(self)

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return _ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return _ops.Relu.apply(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Limit values to ``[lo, hi]`` (either may be None)."""
        return _ops.Clip.apply(self, lo, hi)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return self._binary(_ops.Maximum, other)

    def minimum(self, other: Any) -> Tensor:
        return self._binary(_ops.Minimum, other)

    def softmax(self, axis: int = -1) -> Tensor:
        return _functional.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _functional.log_softmax(self, axis)

    # ------------------------------------------------------------------------------------------- reductions
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.Sum.apply(self, _normalize_axes(axis, self.ndim), keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        axes = _normalize_axes(axis, self.ndim)
        count = math.prod([self.data.shape[a] for a in axes])
        return _ops.Sum.apply(self, axes, keepdims, 1.0 / count)  # the mean is a scaled sum: one op

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.Max.apply(self, _normalize_axes(axis, self.ndim), keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return -(-self).max(axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        """Variance with PyTorch's default ``correction=1`` (unbiased); pass ``correction=0`` for numpy's."""
        return _functional.var(self, axis, keepdims, correction)

    def std(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        return self.var(axis, keepdims, correction).sqrt()

    # ------------------------------------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        return _ops.Reshape.apply(self, _shape_args(shape))

    view = reshape

    def transpose(self, *axes: int) -> Tensor:
        """Permute axes as numpy does (no axes: reverse them); ``permute`` is the same, ``swapaxes`` swaps two."""
        axes = _shape_args(axes)
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        wrapped = tuple(a % self.ndim for a in axes) if self.ndim else axes
        if sorted(wrapped) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the axes of shape {self.shape}")
        return _ops.Transpose.apply(self, wrapped)

    permute = transpose

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return self.transpose(*axes)

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's and PyTorch's name
        """All axes reversed (the matrix transpose for 2-D)."""
        return _ops.Transpose.apply(self, tuple(range(self.data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """Swap the last two axes (batched matrix transpose)."""
        n = self.data.ndim
        if n < 2:
            raise ValueError(f"mT needs at least 2 dimensions, got shape {self.shape}")
        return _ops.Transpose.apply(self, (*range(n - 2), n - 1, n - 2))

    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_axis % self.ndim, end_axis % self.ndim
        return self.reshape(*self.shape[:start], -1, *self.shape[end + 1 :])

    def squeeze(self, axis: Axis = None) -> Tensor:
        axes = _normalize_axes(axis, self.ndim)
        axes = tuple(a for a in axes if self.shape[a] == 1)
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, axis: int) -> Tensor:
        axis = axis % (self.ndim + 1)
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def broadcast_to(self, *shape: Any) -> Tensor:
        shape = _shape_args(shape)
        return self if shape == self.shape else _ops.Expand.apply(self, shape)

    def expand(self, *shape: Any) -> Tensor:
        """PyTorch's expand: like ``broadcast_to``, and -1 keeps a dimension's size."""
        shape = _shape_args(shape)
        offset = len(shape) - self.ndim
        return self.broadcast_to(tuple(self.shape[i - offset] if n == -1 else n for i, n in enumerate(shape)))

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.GetItem.apply(self, _normalize_index(index))


def _promote_int_to_float(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """float32 × int64 stays float32 (numpy alone would give float64); other mixes follow numpy."""
    a_float, b_float = a.data.dtype.kind in _FLOAT_KINDS, b.data.dtype.kind in _FLOAT_KINDS
    if a.data.dtype == b.data.dtype:
        return a, b
    if a_float and not b_float:
        return a, Tensor._make(b.data.astype(a.data.dtype), False, None)
    if b_float and not a_float:
        return Tensor._make(a.data.astype(b.data.dtype), False, None), b
    return a, b


def _normalize_axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """``None`` → all axes; negative axes wrapped; always a sorted tuple."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if axes and not (-ndim <= min(axes) and max(axes) < ndim):
        raise ValueError(f"axis {axis} is out of range for a tensor with {ndim} dimension(s)")
    return tuple(sorted({a % ndim for a in axes}))


def _normalize_index(index: Any) -> Any:
    """Replace Tensors and lists inside an index by ndarrays, so numpy's rules apply unchanged."""
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ----------------------------------------------------------------------------------------------- free functions
def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if not tensors:
        raise ValueError("cat() needs at least one tensor")
    return _ops.Cat.apply(*[_as_tensor(t) for t in tensors], axis=axis)


concatenate = cat


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    if not tensors:
        raise ValueError("stack() needs at least one tensor")
    shapes = {_as_tensor(t).shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack() needs tensors of one shape, got {sorted(shapes)}")
    return cat([_as_tensor(t).unsqueeze(axis) for t in tensors], axis=axis)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (broadcasting); the condition carries no gradient."""
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    x, y = _as_tensor(x), _as_tensor(y)
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError("where() needs tensors or numbers")
    return _ops.Where.apply(condition, x, y)


def maximum(a: Any, b: Any) -> Tensor:
    return _as_tensor(a).maximum(b)


def minimum(a: Any, b: Any) -> Tensor:
    return _as_tensor(a).minimum(b)


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


# ----------------------------------------------------------------------------------------------- factories
_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Make ``randn``/``rand`` (and everything initialised with them) reproducible."""
    global _rng
    _rng = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The random generator that ``manual_seed`` controls (for layers' initialisation, dropout, shuffling)."""
    return _rng


def _factory(array: np.ndarray, dtype: DTypeLike, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, dtype=np.float32 if dtype is None else dtype)


def zeros(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.zeros(_shape_args(shape)), dtype, requires_grad)


def ones(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.ones(_shape_args(shape)), dtype, requires_grad)


def full(shape: Any, fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.full(_shape_args((shape,)), fill_value), dtype, requires_grad)


def randn(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded generator."""
    return _factory(_rng.standard_normal(_shape_args(shape)), dtype, requires_grad)


def rand(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator."""
    return _factory(_rng.random(_shape_args(shape)), dtype, requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: DTypeLike = None,
           requires_grad: bool = False) -> Tensor:
    """Like ``np.arange``; integer arguments give int64, others float32."""
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(array, requires_grad=requires_grad, dtype=dtype if dtype is not None else
                  (np.int64 if array.dtype.kind in "iu" else np.float32))


def eye(n: int, m: int | None = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.eye(n, m), dtype, requires_grad)


def zeros_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data, dtype=dtype), requires_grad=requires_grad)


from . import engine as _engine  # noqa: E402  (imports flow tensor → ops → engine; see engine's last line)
from . import functional as _functional  # noqa: E402
from . import ops as _ops  # noqa: E402
