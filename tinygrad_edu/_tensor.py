"""The user's object: ``Tensor``, an ndarray that remembers the ops that made it, and its factories.

Every differentiable method is a call into a primitive of ``ops``, or a composition of such calls (softmax, var,
std): the calculus lives in ``ops``, the graph and the walk in ``engine``. (The module is ``_tensor`` so that the
package's ``tensor(...)`` factory can have PyTorch's name.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import engine, grad_mode, ops

Axis = int | tuple[int, ...] | None
DTypeLike = Any


def _shape_args(shape: tuple) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor:
    """An n-dimensional array that records the ops applied to it, so ``backward()`` can apply the chain rule.

    The engine reads and writes ``grad``, ``requires_grad``, ``grad_fn``, ``retains_grad``, ``backward_hooks`` and
    ``version_counter`` (see ``engine.version_of``). Those the engine rarely sets start as the class's defaults, so
    making the output of an op costs three assignments.
    """

    __array_ufunc__ = None  # ``ndarray + Tensor`` defers to Tensor.__radd__ and gives a Tensor
    requires_grad = False
    grad_fn = None
    retains_grad = False
    backward_hooks: dict[int, Callable] | None = None
    version_counter: list | None = None  # created when first needed (engine.version_counter_of)
    _grad: Tensor | None = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: DTypeLike = None) -> None:
        self.data = as_array(data, dtype)
        if requires_grad:
            if self.data.dtype.kind != "f":
                raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
            self.requires_grad = True

    @classmethod
    def wrap(cls, data: np.ndarray, requires_grad: bool = False, grad_fn: Any = None,
             version_counter: list | None = None) -> Tensor:
        """A tensor over ``data`` as it is — no copy, no checks: how ops and the engine make their results; with
        ``version_counter``, one more tensor over the memory that counter counts the changes of."""
        tensor = object.__new__(cls)
        tensor.data, tensor.requires_grad, tensor.grad_fn = data, requires_grad, grad_fn
        if version_counter is not None:
            engine.share_version_counter(tensor, version_counter)
        return tensor

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
    def size(self) -> ElementCount:
        """numpy's number of elements (an int), which PyTorch's ``x.size()`` and ``x.size(d)`` can call."""
        return ElementCount(self.data.size, self.data.shape)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that records grad."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was modified in place (PyTorch's name)."""
        return engine.version_of(self)

    @property
    def grad(self) -> Tensor | None:
        """∂C/∂(this tensor), accumulated by ``backward()`` (leaves, and tensors that ``retain_grad()``)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has shape {value.shape}, the tensor has shape {self.shape}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has dtype {value.dtype}, the tensor has dtype {self.dtype}")
        self._grad = value

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
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
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
            gradient = Tensor.wrap(np.ones(self.data.shape, self.data.dtype))
        else:
            gradient = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=self.dtype)
            if gradient.shape != self.shape:
                raise RuntimeError(f"backward(): gradient has shape {gradient.shape}, expected {self.shape}")
            if gradient.dtype != self.dtype:
                gradient = gradient.astype(self.dtype)
        engine.backward(self, gradient, retain_graph=create_graph if retain_graph is None else retain_graph,
                        create_graph=create_graph)

    def detach(self) -> Tensor:
        """The same data (and the same version counter), cut from the graph."""
        return Tensor.wrap(self.data, False, None, engine.version_counter_of(self))

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        if not requires_grad and not self.is_leaf:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor: use detach() instead")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self.retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> engine.RemovableHandle:
        """Call ``hook(grad)`` when the gradient for this tensor is computed; a returned tensor replaces it.

        A leaf keeps its hooks; a computed tensor's hooks live on its ``grad_fn`` (as in PyTorch), so they still
        run after the tensor itself is dropped.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook() on a tensor that does not require grad")
        owner = self if self.grad_fn is None else self.grad_fn
        if owner.backward_hooks is None:
            owner.backward_hooks = {}
        handle = engine.RemovableHandle(owner.backward_hooks)
        owner.backward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------------------------------- in place
    def _in_place(self, what: str, result: Callable[[Tensor], Tensor]) -> Tensor:
        """Make this tensor ``result(its current self)``, in place, with PyTorch's rules: on a leaf that requires
        grad only under ``no_grad``; in a recorded graph the tensor takes the op's place (``engine.take_over``) and
        the op sees the values from before; otherwise the values are written into the tensor's own memory, which
        its views share. Every change bumps the version."""
        recording = grad_mode.state.grad_enabled
        if recording and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(f"{what}: a leaf Variable that requires grad is being used in an in-place operation; "
                               "do it inside `with tg.no_grad():` (a parameter update), or on a copy")
        if recording and self.grad_fn is not None and self.grad_fn.may_view_input and self.grad_fn.array_backward:
            raise RuntimeError(f"{what}: an in-place operation on a view of a tensor in a recorded graph; change the "
                               "tensor it views, or compute the result out of place")
        before = Tensor.wrap(self.data, self.requires_grad, self.grad_fn)  # what the op reads (and may save)
        out = result(before)
        if out.shape != self.shape:
            raise RuntimeError(f"{what}: the result has shape {out.shape}, which can't be written into a tensor of "
                               f"shape {self.shape}")
        if _category(out.dtype) > _category(self.dtype):
            raise RuntimeError(f"{what}: the result type {out.dtype} can't be cast to the tensor's dtype {self.dtype}")
        if out.requires_grad:
            engine.take_over(self, out if out.dtype == self.dtype else out.astype(self.dtype))
        else:
            np.copyto(self.data, out.data, casting="unsafe")
            engine.bump_version(self)
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._in_place("add_", lambda x: x + (other if alpha == 1 else other * alpha))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._in_place("sub_", lambda x: x - (other if alpha == 1 else other * alpha))

    def mul_(self, other: Any) -> Tensor:
        return self._in_place("mul_", lambda x: x * other)

    def div_(self, other: Any) -> Tensor:
        return self._in_place("div_", lambda x: x / other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        return self._in_place("clamp_", lambda x: x.clip(min, max))

    def fill_(self, value: float) -> Tensor:
        """Fill with ``value`` in place; in a recorded graph the old values get a gradient of 0."""
        return self._in_place("fill_", lambda x: _replaced(x, value))

    def zero_(self) -> Tensor:
        """Fill with zeros in place (bumps the version: backward refuses a saved value changed since)."""
        return self.fill_(0)

    def copy_(self, source: Any) -> Tensor:
        """Copy ``source`` (broadcast to this shape, cast to this dtype) in; differentiable with respect to it, and
        the old values get a gradient of 0."""
        return self._in_place("copy_", lambda x: _replaced(x, source if isinstance(source, Tensor) else Tensor(source)))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples of N(mean, std²) from the seeded generator, in place."""
        return self._in_place("normal_", lambda x: Tensor.wrap(_rng.normal(mean, std, x.shape).astype(x.dtype)))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples of U(a, b) from the seeded generator, in place."""
        return self._in_place("uniform_", lambda x: Tensor.wrap(_rng.uniform(a, b, x.shape).astype(x.dtype)))

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value``: in place; in a recorded graph differentiable with respect to ``value`` and the
        elements of ``x`` it leaves alone."""
        index = _normalize_index(index)
        if not grad_mode.state.grad_enabled or not (self.requires_grad or getattr(value, "requires_grad", False)):
            self._in_place("__setitem__", lambda x: _assigned(x, index, value))
            return
        value = _as_dtype(value, self.dtype)
        self._in_place("__setitem__", lambda x: ops.SetItem.apply(x, value, index))

    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place("+=", lambda x: x + other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place("-=", lambda x: x - other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place("*=", lambda x: x * other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place("/=", lambda x: x / other)

    def __imatmul__(self, other: Any) -> Tensor:
        return self._in_place("@=", lambda x: x @ other)

    # ------------------------------------------------------------------------------------------- dtype
    def astype(self, dtype: DTypeLike) -> Tensor:
        """Cast to ``dtype``: differentiable between float dtypes; an integer or bool result carries no graph."""
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf":
            raise TypeError(f"astype: tensors hold bool, integer or floating-point numbers, not {dtype}")
        if dtype.kind != "f":
            return Tensor.wrap(self.data.astype(dtype))
        return ops.Cast.apply(self, dtype)

    def clone(self) -> Tensor:
        """A copy in new memory; differentiable (its gradient is the identity)."""
        return ops.Clone.apply(self)

    # ------------------------------------------------------------------------------------------- arithmetic
    def _binary(self, op: Any, other: Any, reflected: bool = False) -> Tensor:
        """Apply a binary primitive to this tensor and ``other``, both in PyTorch's result dtype (``result_type``)."""
        if (type(other) is float or type(other) is int) and self.data.dtype.kind == "f":  # x * 0.5: x's dtype
            other = Tensor.wrap(np.array(other, dtype=self.data.dtype))
        elif not isinstance(other, Tensor) or other.data.dtype != self.data.dtype or (
                op is ops.Div and self.data.dtype.kind != "f"):
            dtype = result_type(self, other)
            if op is ops.Div and dtype.kind != "f":
                dtype = _default_float  # true division of integers: the default float dtype, as PyTorch
            return op.apply(*((_as_dtype(other, dtype), self._as(dtype)) if reflected else
                              (self._as(dtype), _as_dtype(other, dtype))))
        return op.apply(other, self) if reflected else op.apply(self, other)

    def _as(self, dtype: np.dtype) -> Tensor:
        """This tensor in ``dtype``: itself, a differentiable cast between floats, or an unrecorded conversion."""
        if self.data.dtype == dtype:
            return self
        return self.astype(dtype) if self.requires_grad else Tensor.wrap(self.data.astype(dtype))

    def __add__(self, other: Any) -> Tensor:
        return self._binary(ops.Add, other)

    def __radd__(self, other: Any) -> Tensor:
        return self._binary(ops.Add, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(ops.Sub, other)

    def __rsub__(self, other: Any) -> Tensor:
        return self._binary(ops.Sub, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return self._binary(ops.Mul, other)

    def __rmul__(self, other: Any) -> Tensor:
        return self._binary(ops.Mul, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return self._binary(ops.Div, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._binary(ops.Div, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        return self._binary(ops.Pow, other)

    def __rpow__(self, other: Any) -> Tensor:
        return self._binary(ops.Pow, other, reflected=True)

    def __matmul__(self, other: Any) -> Tensor:
        return self._binary(ops.MatMul, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._binary(ops.MatMul, other, reflected=True)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    add, sub, mul, div, pow, matmul = __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__

    # ------------------------------------------------------------------------------------------- comparisons, logic
    def _elementwise(self, function: Callable, other: Any = None) -> Tensor:
        """A function of the values that carries no gradient (comparisons, logic), as a new tensor."""
        if other is None:
            return Tensor.wrap(np.asarray(function(self.data)))
        return Tensor.wrap(np.asarray(function(self.data, other.data if isinstance(other, Tensor) else other)))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._elementwise(np.equal, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._elementwise(np.not_equal, other)

    def __lt__(self, other: Any) -> Tensor:
        return self._elementwise(np.less, other)

    def __le__(self, other: Any) -> Tensor:
        return self._elementwise(np.less_equal, other)

    def __gt__(self, other: Any) -> Tensor:
        return self._elementwise(np.greater, other)

    def __ge__(self, other: Any) -> Tensor:
        return self._elementwise(np.greater_equal, other)

    __hash__ = object.__hash__  # tensors key dicts and sets by identity, as in PyTorch

    def __and__(self, other: Any) -> Tensor:
        return self._elementwise(np.bitwise_and, other)

    def __or__(self, other: Any) -> Tensor:
        return self._elementwise(np.bitwise_or, other)

    def __xor__(self, other: Any) -> Tensor:
        return self._elementwise(np.bitwise_xor, other)

    def __invert__(self) -> Tensor:
        return self._elementwise(np.invert)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def isnan(self) -> Tensor:
        return self._elementwise(np.isnan)

    # ------------------------------------------------------------------------------------------- elementwise
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def log1p(self) -> Tensor:
        return ops.Log1p.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ops.Relu.apply(self)

    def erf(self) -> Tensor:
        return ops.Erf.apply(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Limit values to ``[min, max]`` (either may be None; numbers, or tensors that need no gradient), in
        PyTorch's result dtype. ``clip`` is the same (numpy's ``clip(a_min, a_max)`` has the bounds in this order)."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if any(isinstance(bound, Tensor) and bound.requires_grad for bound in (min, max)):
            raise TypeError("clamp: a bound that requires grad is not supported (its gradient would be lost); use "
                            "x.maximum(lo) / x.minimum(hi), which differentiate with respect to both")
        dtype = result_type(self, *(bound for bound in (min, max) if bound is not None))
        lo, hi = (None if bound is None else _as_dtype(bound, dtype).data for bound in (min, max))
        return ops.Clip.apply(self._as(dtype), lo, hi)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        return self._binary(ops.Maximum, other)

    def minimum(self, other: Any) -> Tensor:
        return self._binary(ops.Minimum, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` holds, else ``other`` (PyTorch's ``Tensor.where``)."""
        return where(condition, self, other)

    # ------------------------------------------------------------------------------------------- reductions
    # Each takes numpy's ``axis=``/``keepdims=`` and PyTorch's ``dim=``/``keepdim=`` (one spelling at a time).
    def sum(self, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        axes, keep = reduction_args("sum", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Sum.apply(self, axes, keep)

    def mean(self, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        axes, keep = reduction_args("mean", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Mean.apply(self, axes, keep)

    def max(self, dim: Any = None, keepdim: bool | None = None, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """PyTorch's three meanings: ``max()`` the largest element; ``max(dim)`` (or ``dim=``) the named tuple
        ``(values, indices)``; ``max(other)`` the elementwise ``maximum``. numpy's ``max(axis=…)`` gives the values."""
        return self._extremum("max", ops.Max, dim, keepdim, axis, keepdims)

    def min(self, dim: Any = None, keepdim: bool | None = None, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """The smallest: the mirror of ``max`` (``min()``, ``min(dim)`` → (values, indices), ``min(other)``)."""
        return self._extremum("min", ops.Min, dim, keepdim, axis, keepdims)

    def _extremum(self, name: str, op: Any, dim: Any, keepdim: bool | None, axis: Axis,
                  keepdims: bool | None) -> Any:
        if isinstance(dim, Tensor):
            if keepdim is not None or axis is not None or keepdims is not None:
                raise TypeError(f"{name}(other) takes no axis: it is the elementwise {name}imum")
            return self._binary(ops.Maximum if name == "max" else ops.Minimum, dim)
        if dim is not None:  # PyTorch: one axis, the values and where they are
            if isinstance(dim, (tuple, list)):
                raise TypeError(f"{name}(dim) takes one axis; use a{name}(dim={tuple(dim)}) or {name}(axis=...) "
                                "for several")
            if axis is not None:
                raise TypeError(f"{name}: pass dim (PyTorch's spelling) or axis (numpy's), not both")
            keep = _one_spelling(keepdims, keepdim, name, "keepdims", "keepdim")
            axis = normalize_axis(dim, self.ndim, name)
            indices = (self.argmax if name == "max" else self.argmin)(axis=axis, keepdims=True)
            values = take_along_axis(self, indices, axis)
            return ValuesIndices(values if keep else values.squeeze(axis), indices if keep else indices.squeeze(axis))
        axes, keep = reduction_args(name, self.ndim, axis, keepdims, None, keepdim)
        return op.apply(self, axes, keep, axis is None)

    def amax(self, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        """The largest values along the axes (all by default); tied maxima share the gradient."""
        axes, keep = reduction_args("amax", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Max.apply(self, axes, keep, False)

    def amin(self, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        """The smallest values along the axes (all by default); tied minima share the gradient."""
        axes, keep = reduction_args("amin", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Min.apply(self, axes, keep, False)

    def argmax(self, axis: int | None = None, keepdims: bool | None = None, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:
        """Indices (int64) of the largest values along one axis, or into the flattened tensor; the first of ties."""
        return self._arg("argmax", np.argmax, axis, keepdims, dim, keepdim)

    def argmin(self, axis: int | None = None, keepdims: bool | None = None, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:
        """Indices (int64) of the smallest values along one axis, or into the flattened tensor; the first of ties."""
        return self._arg("argmin", np.argmin, axis, keepdims, dim, keepdim)

    def _arg(self, name: str, find: Callable, axis: int | None, keepdims: bool | None, dim: int | None,
             keepdim: bool | None) -> Tensor:
        axis = _one_spelling(axis, dim, name, "axis", "dim")
        keep = bool(_one_spelling(keepdims, keepdim, name, "keepdims", "keepdim"))
        if self.data.size == 0:
            raise ValueError(f"{name} of an empty tensor (shape {self.shape})")
        if self.ndim == 0:  # PyTorch lets a 0-d tensor take dim 0 or -1: its one element is at index 0
            normalize_axis(0 if axis is None else axis, 0, name)
            return Tensor.wrap(np.zeros((), np.int64))
        if axis is None:
            index = find(self.data)
            return Tensor.wrap(np.asarray(index, dtype=np.int64).reshape((1,) * self.ndim if keep else ()))
        return Tensor.wrap(find(self.data, axis=normalize_axis(axis, self.ndim, name), keepdims=keep).astype(np.int64))

    def var(self, axis: Axis = None, keepdims: bool | None = None, *, correction: int | None = None,
            ddof: int | None = None, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Σ(x − mean)² / (N − correction) along the axes: PyTorch's default ``correction=1`` (unbiased); numpy's
        ``ddof`` is the same number under its name (pass ``ddof=0`` for numpy's default)."""
        correction = _correction(correction, ddof, "var")
        axes, keep = reduction_args("var", self.ndim, axis, keepdims, dim, keepdim)
        centered = self - self.mean(axis=axes, keepdims=True)
        count = math.prod([self.shape[a] for a in axes])
        # NOTE: N − correction ≤ 0 gives inf (or nan for no spread), as PyTorch
        return (centered * centered).sum(axis=axes, keepdims=keep) / float(max(count - correction, 0))

    def std(self, axis: Axis = None, keepdims: bool | None = None, *, correction: int | None = None,
            ddof: int | None = None, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """√var (same arguments as ``var``).  NOTE: where the variance is 0 the gradient is 0, as PyTorch (not the
        chain rule's 0 · ∞ = nan through √0)."""
        variance = self.var(axis, keepdims, correction=correction, ddof=ddof, dim=dim, keepdim=keepdim)
        spread = variance.data != 0
        return where(spread, where(spread, variance, 1.0).sqrt(), 0.0)

    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """exp(x) / Σ exp(x) along an axis (the last by default); shifting by the (detached) max keeps it finite."""
        axis = _softmax_axis(axis, dim, self.ndim, "softmax")
        shifted = self - self.amax(axis=axis, keepdims=True).detach()
        e = shifted.exp()
        return e / e.sum(axis=axis, keepdims=True)

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """x − log Σ exp(x) along an axis (the last by default), computed as (x − m) − log Σ exp(x − m)."""
        axis = _softmax_axis(axis, dim, self.ndim, "log_softmax")
        shifted = self - self.amax(axis=axis, keepdims=True).detach()
        return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()

    # ------------------------------------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        return ops.Reshape.apply(self, _shape_args(shape))

    view = reshape

    def transpose(self, *axes: int) -> Tensor:
        """Two axes: swap them (PyTorch's ``transpose(d0, d1)``). Otherwise numpy's meaning: no axes reverses them,
        a full permutation permutes (``permute`` is the same)."""
        axes = _shape_args(axes)
        return self.swapaxes(*axes) if len(axes) == 2 else self.permute(*axes)

    def permute(self, *axes: int) -> Tensor:
        """Reorder the axes: output axis i is input axis ``axes[i]`` (no axes: reverse them)."""
        axes = _shape_args(axes)
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        if len(axes) != self.ndim:
            raise ValueError(f"permute: {len(axes)} axes given for a tensor of {self.ndim} dimension(s)")
        wrapped = tuple(normalize_axis(a, self.ndim, "permute") for a in axes)
        if sorted(wrapped) != list(range(self.ndim)):
            raise ValueError(f"permute: axes {axes} repeat an axis (tensor of {self.ndim} dimension(s))")
        return ops.Transpose.apply(self, wrapped)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        axes = list(range(self.ndim))
        first, second = normalize_axis(axis1, self.ndim, "swapaxes"), normalize_axis(axis2, self.ndim, "swapaxes")
        axes[first], axes[second] = axes[second], axes[first]
        return ops.Transpose.apply(self, tuple(axes))

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's and PyTorch's name
        """All axes reversed (the matrix transpose for 2-D)."""
        return ops.Transpose.apply(self, tuple(range(self.data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """Swap the last two axes (batched matrix transpose)."""
        n = self.data.ndim
        if n < 2:
            raise ValueError(f"mT needs at least 2 dimensions, got shape {self.shape}")
        return ops.Transpose.apply(self, (*range(n - 2), n - 1, n - 2))

    def flatten(self, start_axis: int = 0, end_axis: int = -1, *, start_dim: int | None = None,
                end_dim: int | None = None) -> Tensor:
        start_axis = _one_spelling(None if start_axis == 0 else start_axis, start_dim, "flatten", "start_axis",
                                   "start_dim") or 0
        end_axis = _one_spelling(None if end_axis == -1 else end_axis, end_dim, "flatten", "end_axis", "end_dim")
        end_axis = -1 if end_axis is None else end_axis
        if self.ndim == 0:
            return self.reshape(1)
        start, end = normalize_axis(start_axis, self.ndim, "flatten"), normalize_axis(end_axis, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start axis {start_axis} comes after end axis {end_axis} (ndim {self.ndim})")
        return self.reshape(*self.shape[:start], -1, *self.shape[end + 1 :])

    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        axes = normalize_axes(_one_spelling(axis, dim, "squeeze", "axis", "dim"), self.ndim, "squeeze")
        axes = tuple(a for a in axes if self.shape[a] == 1)
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        axis = _one_spelling(axis, dim, "unsqueeze", "axis", "dim")
        if axis is None:
            raise TypeError("unsqueeze: say where the new axis goes (axis= or dim=)")
        axis = normalize_axis(axis, self.ndim + 1, "unsqueeze")
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def broadcast_to(self, *shape: Any) -> Tensor:
        shape = _shape_args(shape)
        return self if shape == self.shape else ops.Expand.apply(self, shape)

    def expand(self, *shape: Any) -> Tensor:
        """PyTorch's expand: like ``broadcast_to``, and -1 keeps a dimension's size."""
        shape = _shape_args(shape)
        offset = len(shape) - self.ndim
        if offset < 0:
            raise ValueError(f"expand: the new shape {shape} has fewer dimensions than the tensor's {self.shape}")
        if any(n == -1 for n in shape[:offset]):
            raise ValueError(f"expand: -1 is not allowed for a new leading dimension, got {shape} for {self.shape}")
        return self.broadcast_to(tuple(self.shape[i - offset] if n == -1 else n for i, n in enumerate(shape)))

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, _normalize_index(index))

    # ------------------------------------------------------------------------------------------- conversions
    # PyTorch's spellings for dtypes, devices and Python's protocols; each returns the tensor itself when nothing
    # changes, as PyTorch does (so an in-place change through the result is a change of the tensor).
    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return self.data.ndim

    def contiguous(self) -> Tensor:
        """The tensor itself if its memory is in row-major order, else a row-major copy (differentiable)."""
        return self if self.data.flags.c_contiguous else self.clone()

    @property
    def device(self) -> str:
        """Always ``"cpu"``: tinygrad_edu computes with numpy."""
        return "cpu"

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Refused: there is no GPU here."""
        raise RuntimeError(_no_device_message("cuda" if device is None else f"cuda:{device}", "cuda()"))

    def to(self, *args: Any, dtype: DTypeLike = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False) -> Tensor:
        """PyTorch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` and ``to(other)`` (other's dtype). The one
        device is ``"cpu"``; a string is always a device. The tensor itself when nothing changes, unless ``copy``."""
        dtypes, devices = [d for d in (dtype,) if d is not None], [d for d in (device,) if d is not None]
        for arg in args:
            if isinstance(arg, Tensor):
                dtypes.append(arg.dtype)
            elif isinstance(arg, (str, int)) or not _is_dtype(arg):
                devices.append(arg)
            else:
                dtypes.append(arg)
        if len(dtypes) > 1 or len(devices) > 1:
            raise TypeError(f"to: one dtype and one device at most, got dtypes {dtypes} and devices {devices}")
        dtype, device = (dtypes or [None])[0], (devices or [None])[0]
        _check_device(device, "to")
        converted = self if dtype is None else self._converted(dtype)
        return converted.clone() if copy and converted is self else converted

    def _converted(self, dtype: DTypeLike) -> Tensor:
        """This tensor in ``dtype``: itself if it already is, else ``astype(dtype)``."""
        return self if self.data.dtype == dtype else self.astype(dtype)

    def float(self) -> Tensor:
        return self._converted(np.float32)

    def double(self) -> Tensor:
        return self._converted(np.float64)

    def half(self) -> Tensor:
        return self._converted(np.float16)

    def long(self) -> Tensor:
        return self._converted(np.int64)

    def int(self) -> Tensor:
        return self._converted(np.int32)

    def short(self) -> Tensor:
        return self._converted(np.int16)

    def byte(self) -> Tensor:
        return self._converted(np.uint8)

    def bool(self) -> Tensor:
        return self._converted(np.bool_)

    def __format__(self, spec: str) -> str:
        """A one-element tensor formats as its number (``f"{loss:.4f}"``); without a spec, any tensor as ``str``."""
        if self.data.size == 1 and (spec or self.ndim == 0):
            return format(self.data.item(), spec)
        if spec:
            raise TypeError(f"format spec {spec!r} needs a tensor of one element, got shape {self.shape}; format "
                            "its elements (.tolist()) instead")
        return str(self)

    def __abs__(self) -> Tensor:
        return self.abs()

    def __pos__(self) -> Tensor:
        """The tensor itself (PyTorch's ``+x``); refused for bool tensors, as in PyTorch."""
        if self.data.dtype == np.bool_:
            raise TypeError("the + operator is not supported on a bool tensor")
        return self

    # ------------------------------------------------------------------------------------------- logic
    # Results are bool tensors with no gradient; a number is true when nonzero, so NaN is true (as PyTorch, numpy).
    def any(self, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """Whether any element along the axes (all by default) is nonzero (uint8 for a uint8 tensor, as PyTorch)."""
        return self._truth("any", np.any, axis, keepdims, dim, keepdim)

    def all(self, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """Whether every element along the axes (all by default) is nonzero (uint8 for a uint8 tensor, as PyTorch)."""
        return self._truth("all", np.all, axis, keepdims, dim, keepdim)

    def _truth(self, name: str, reduce: Callable, axis: Axis, keepdims: bool | None, dim: Axis,
               keepdim: bool | None) -> Tensor:
        axes, keep = reduction_args(name, self.ndim, axis, keepdims, dim, keepdim)
        found = reduce(self.data, axis=axes, keepdims=keep)
        return Tensor.wrap(np.asarray(found, dtype=np.uint8 if self.data.dtype == np.uint8 else np.bool_))

    def isinf(self) -> Tensor:
        return self._elementwise(np.isinf)

    def isfinite(self) -> Tensor:
        return self._elementwise(np.isfinite)

    def logical_not(self) -> Tensor:
        return self._elementwise(np.logical_not)

    def logical_and(self, other: Any) -> Tensor:
        return self._elementwise(np.logical_and, other)

    def logical_or(self, other: Any) -> Tensor:
        return self._elementwise(np.logical_or, other)

    def logical_xor(self, other: Any) -> Tensor:
        return self._elementwise(np.logical_xor, other)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
        """|self − other| ≤ atol + rtol·|other| elementwise, in the promoted dtype (PyTorch's and numpy's test);
        equal infinities are close, NaNs only with ``equal_nan``."""
        if not (rtol >= 0 and atol >= 0):
            raise ValueError(f"isclose: rtol and atol must be ≥ 0, got rtol={rtol}, atol={atol}")
        dtype = result_type(self, other)
        if dtype.kind == "b":
            dtype = _default_float  # PyTorch compares bools as numbers of the default float dtype
        a, b = _array_in(self, dtype), _array_in(other, dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            difference = np.abs(a - b)
            allowed = atol + rtol * np.abs(b if dtype.kind == "f" else b.astype(_default_float))
            close = (a == b) | (np.isfinite(difference) & (difference <= allowed))
        if equal_nan and dtype.kind == "f":
            close |= np.isnan(a) & np.isnan(b)
        return Tensor.wrap(close)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """Whether ``isclose`` holds everywhere (broadcasting), as a Python bool."""
        return bool(self.isclose(other, rtol, atol, equal_nan).data.all())

    def equal(self, other: Any) -> bool:
        """Whether ``other`` has this shape and these values (no broadcasting; NaN equals nothing; the dtypes may
        differ: values are compared in the promoted dtype), as ``torch.equal``."""
        dtype = result_type(self, other)
        other = _array_in(other, dtype)
        return other.shape == self.shape and bool((_array_in(self, dtype) == other).all())


engine.register_tensor_class(Tensor)


def as_array(data: Any, dtype: DTypeLike = None) -> np.ndarray:
    """User data as a new ndarray of numbers: Python floats take the default float dtype, arrays keep theirs.
    Strings, objects, dates, complex numbers and ragged lists are refused, naming what was found."""
    if isinstance(data, Tensor):
        array = data.data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    else:
        try:
            array = np.array(data)
        except ValueError as error:  # a ragged list
            raise TypeError(f"cannot make a Tensor from ragged or mixed data: {error}") from None
        if array.dtype == np.float64 and dtype is None and not _holds_float64_values(data):
            array = array.astype(_default_float)  # Python floats take the default float dtype
    if array.dtype.kind not in "biuf":
        found = {"U": "strings", "S": "bytes", "O": "Python objects (or ragged lists)", "M": "datetimes",
                 "m": "timedeltas", "c": "complex numbers"}.get(array.dtype.kind, f"dtype {array.dtype}")
        raise TypeError(f"a Tensor holds bool, integer or floating-point numbers; got {found} "
                        f"({type(data).__name__} of dtype {array.dtype})")
    if dtype is not None:
        target = np.dtype(dtype)
        if target.kind not in "biuf":
            raise TypeError(f"a Tensor holds bool, integer or floating-point numbers, not dtype {target}")
        array = array.astype(target, copy=False)
    return array


def _holds_float64_values(data: Any) -> bool:
    """Whether nested lists hold a float64 array, numpy scalar or tensor, which makes the whole float64 (PyTorch's
    inference: Python floats count as the default float dtype, everything else as its own dtype)."""
    pending = [data] if isinstance(data, (list, tuple)) else []
    while pending:
        items = pending.pop()
        kinds = set(map(type, items))
        if np.float64 in kinds:
            return True
        if kinds <= {float, int, bool}:
            continue  # the common case, decided at C speed
        for item in items:
            if isinstance(item, (list, tuple)):
                pending.append(item)
            elif isinstance(item, (Tensor, np.ndarray, np.generic)) and item.dtype == np.float64:
                return True
    return False


def clear_grads(tensors: Iterable[Tensor], set_to_none: bool = True) -> None:
    """What every ``zero_grad`` does: each ``.grad`` to None, or zeroed in place (PyTorch's ``set_to_none=False``;
    a gradient recorded under ``create_graph`` is replaced by zeros instead)."""
    for tensor in tensors:
        if set_to_none or tensor.grad is None:
            tensor.grad = None
        elif tensor.grad.grad_fn is not None:
            tensor.grad = Tensor.wrap(np.zeros_like(tensor.data))
        else:
            with grad_mode.no_grad():
                tensor.grad.zero_()


_default_float = np.dtype(np.float32)


def set_default_dtype(dtype: DTypeLike) -> None:
    """The floating dtype of Python floats, float factories and integer true division (float32 unless set)."""
    global _default_float
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: the default must be a floating dtype, got {dtype}")
    _default_float = dtype


def get_default_dtype() -> np.dtype:
    return _default_float


def _category(dtype: np.dtype) -> int:
    return 2 if dtype.kind == "f" else 1 if dtype.kind in "iu" else 0  # float > integer > bool


def _promote(a: np.ndarray | np.dtype, b: np.dtype) -> np.dtype:
    """The smallest dtype holding both (float32 with int64 stays float32, where numpy says float64)."""
    a, b = np.dtype(a), np.dtype(b)
    if _category(a) != _category(b):
        return a if _category(a) > _category(b) else b
    return np.promote_types(a, b)


def result_type(*operands: Any) -> np.dtype:
    """PyTorch's type promotion: tensors with dimensions decide; 0-d tensors, then Python and numpy scalars, only
    where they bring a higher category (bool < integer < float), a float scalar in the default float dtype."""
    ranked: list[np.dtype | None] = [None, None, None]  # tensors with dimensions, 0-d tensors, scalars
    for value in operands:
        if isinstance(value, Tensor):
            rank, dtype = (0 if value.ndim else 1), value.data.dtype
        elif isinstance(value, (bool, np.bool_)):
            rank, dtype = 2, np.dtype(np.bool_)
        elif isinstance(value, (int, np.integer)):
            rank, dtype = 2, np.dtype(np.int64)
        elif isinstance(value, (float, np.floating)):
            rank, dtype = 2, _default_float
        else:
            array = as_array(value)
            rank, dtype = (0 if array.ndim else 1), array.dtype
        ranked[rank] = dtype if ranked[rank] is None else _promote(ranked[rank], dtype)
    dimensioned, zero_d, scalar = ranked
    return _combine(dimensioned, _combine(zero_d, scalar))


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """Two ranks of operands (PyTorch's combine_categories): the higher rank's dtype, unless the lower one is of a
    higher category (a float beside integers, an integer beside bools), which then promotes it."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    if higher.kind == "f":
        return higher
    return _promote(higher, lower) if higher.kind == "b" or lower.kind == "f" else higher


def _as_dtype(value: Any, dtype: np.dtype) -> Tensor:
    """An operand in ``dtype``: a tensor cast (differentiably if it requires grad), anything else converted."""
    if isinstance(value, Tensor):
        return value._as(dtype)
    return Tensor.wrap(as_array(value, dtype))


def _correction(correction: int | None, ddof: int | None, op: str) -> int:
    if correction is not None and ddof is not None:
        raise TypeError(f"{op}: pass correction= (PyTorch's name) or ddof= (numpy's), not both")
    value = ddof if correction is None else correction
    return 1 if value is None else value


class ValuesIndices(NamedTuple):
    """What ``max(dim)``, ``min(dim)`` (and ops like them) return, as PyTorch's ``torch.return_types``."""

    values: Tensor
    indices: Tensor


def _one_spelling(numpy_value: Any, torch_value: Any, op: str, numpy_name: str, torch_name: str) -> Any:
    """The argument given under numpy's name or PyTorch's; both is an error naming the two."""
    if torch_value is None:
        return numpy_value
    if numpy_value is not None:
        raise TypeError(f"{op}: pass {torch_name}= (PyTorch's spelling) or {numpy_name}= (numpy's), not both")
    return torch_value


def reduction_args(op: str, ndim: int, axis: Axis, keepdims: bool | None, dim: Axis,
                   keepdim: bool | None) -> tuple[tuple[int, ...], bool]:
    """A reduction's axes (checked, sorted) and keepdims, from either spelling."""
    axes = normalize_axes(_one_spelling(axis, dim, op, "axis", "dim"), ndim, op)
    return axes, bool(_one_spelling(keepdims, keepdim, op, "keepdims", "keepdim"))


def _softmax_axis(axis: int | None, dim: int | None, ndim: int, op: str) -> int:
    axis = _one_spelling(axis, dim, op, "axis", "dim")
    return normalize_axis(-1 if axis is None else axis, ndim, op)


def take_along_axis(x: Tensor, indices: Tensor, axis: int) -> Tensor:
    """``x`` at ``indices`` along ``axis`` (numpy's ``take_along_axis``; the gradient goes to the picked elements)."""
    if x.ndim == 0:
        return x.reshape(())
    grid = list(np.ogrid[tuple(slice(n) for n in indices.shape)])
    grid[axis] = indices.data
    return x[tuple(grid)]


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    """One axis wrapped into [0, ndim); out of range is an IndexError naming the op (0-d tensors accept 0 and −1)."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: an axis must be an int, got {type(axis).__name__}")
    size = max(ndim, 1)
    if not -size <= axis < size:
        raise IndexError(f"{op}: axis {axis} is out of range for a tensor of {ndim} dimension(s) "
                         f"(expected in [{-size}, {size - 1}])")
    return int(axis) % size if ndim else 0


def normalize_axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...]:
    """``None`` → all axes; each axis wrapped and checked; a sorted tuple. A repeated axis is a ValueError."""
    if axis is None:
        return tuple(range(ndim))
    axes = [normalize_axis(a, ndim, op) for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis)]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axis {axis} repeats an axis (tensor of {ndim} dimension(s))")
    return tuple(sorted(a for a in axes if a < ndim))


def _replaced(old: Tensor, value: Any) -> Tensor:
    """``value`` broadcast to ``old``'s shape in its dtype; in a graph still joined to ``old`` with a zero gradient
    (a ``where``, so an inf or nan among the old values can't leak into it), as PyTorch's fill_ and copy_."""
    if not (old.requires_grad or getattr(value, "requires_grad", False)):
        return Tensor.wrap(np.broadcast_to(_as_dtype(value, old.dtype).data, old.shape).copy())
    return where(np.ones(old.shape, dtype=bool), _as_dtype(value, old.dtype), old)


def _assigned(tensor: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of ``tensor`` with ``value`` assigned at ``index`` (numpy's rules), outside any graph."""
    values = tensor.data.copy()
    values[index] = value.data if isinstance(value, Tensor) else value
    return Tensor.wrap(values)


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
def cat(tensors: Sequence[Tensor], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (the first by default)."""
    axis = _one_spelling(axis, dim, "cat", "axis", "dim") or 0
    if not tensors:
        raise ValueError("cat() needs at least one tensor")
    tensors = [_as_tensor(t) for t in tensors]
    if tensors[0].ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be joined; use stack()")
    dtype = result_type(*tensors)
    return ops.Cat.apply(*[t._as(dtype) for t in tensors], axis=normalize_axis(axis, tensors[0].ndim, "cat"))


concatenate = cat


def stack(tensors: Sequence[Tensor], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along a new axis (the first by default)."""
    axis = _one_spelling(axis, dim, "stack", "axis", "dim") or 0
    if not tensors:
        raise ValueError("stack() needs at least one tensor")
    tensors = [_as_tensor(t) for t in tensors]
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack() needs tensors of one shape, got {sorted(shapes)}")
    axis = normalize_axis(axis, tensors[0].ndim + 1, "stack")
    return cat([t.unsqueeze(axis) for t in tensors], axis=axis)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (broadcasting); the condition carries no gradient."""
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor or array, got dtype {condition.dtype}")
    dtype = result_type(x, y)
    return ops.Where.apply(condition, _as_dtype(x, dtype), _as_dtype(y, dtype))


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
    return Tensor(array, requires_grad=requires_grad, dtype=_default_float if dtype is None else dtype)


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
    """Like ``np.arange``; integer arguments give int64, others the default float dtype."""
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(array, requires_grad=requires_grad, dtype=dtype if dtype is not None else
                  (np.int64 if array.dtype.kind in "iu" else _default_float))


def eye(n: int, m: int | None = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.eye(n, m), dtype, requires_grad)


def zeros_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data, dtype=dtype), requires_grad=requires_grad)


# ----------------------------------------------------------------------------------------------- conversions
class ElementCount(int):
    """``x.size``: numpy's number of elements, an int, that PyTorch's ``x.size()`` (the shape) and ``x.size(d)``
    (the length of dimension d) can call."""

    def __new__(cls, count: int, shape: tuple[int, ...]) -> ElementCount:
        element_count = super().__new__(cls, count)
        element_count.shape = shape
        return element_count

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if not self.shape:
            raise IndexError(f"size({dim}): a 0-d tensor has no dimensions")
        return self.shape[normalize_axis(dim, len(self.shape), "size")]

    def __reduce__(self) -> tuple:
        return int, (int(self),)  # copies and pickles are plain ints


def tensor(data: Any, *, dtype: DTypeLike = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays, tensors), as ``torch.tensor``: Python
    floats take the default float dtype, ints int64, bools bool; arrays and numpy scalars keep their dtype."""
    _check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor over ``array``'s own memory, as ``torch.from_numpy``: a change to one shows in the other (a write
    through the array is not tracked by version counters, as a write through ``.data``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: a Tensor holds bool, integer or floating-point numbers, not dtype {array.dtype}")
    return Tensor.wrap(array)


def as_tensor(data: Any, dtype: DTypeLike = None, device: Any = None) -> Tensor:
    """``data`` as a tensor without a copy where possible, as ``torch.as_tensor``: a tensor itself (or ``to(dtype)``),
    an ndarray's memory shared when its dtype is kept, anything else copied as ``tensor`` does."""
    _check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def _is_dtype(value: Any) -> bool:
    """Whether numpy reads ``value`` as a dtype (``tg.float32``, ``np.int64``, ``bool``, ``"float32"``)."""
    if value is None:
        return False
    try:
        np.dtype(value)
    except TypeError:
        return False
    return True


def _check_device(device: Any, op: str) -> None:
    """Accept the one device, ``"cpu"`` (or None); refuse any other, naming it."""
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(_no_device_message(device, op))


def _no_device_message(device: Any, op: str) -> str:
    return (f"{op}: tinygrad_edu computes with numpy on the CPU; there is no device {str(device)!r} (use 'cpu', "
            "or leave the device out)")


def _array_in(value: Any, dtype: np.dtype) -> np.ndarray:
    """A tensor's (or any data's) values as an array in ``dtype``, outside the graph."""
    return value.data.astype(dtype, copy=False) if isinstance(value, Tensor) else as_array(value, dtype)
