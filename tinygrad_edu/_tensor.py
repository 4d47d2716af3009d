"""The user's object: ``Tensor``, an ndarray that remembers the ops that made it, and its factories.

Every differentiable method is a call into a primitive of ``ops``, or a composition of such calls (softmax, var,
std): the calculus lives in ``ops``, the graph and the walk in ``engine``. (The module is ``_tensor`` so that the
package's ``tensor(...)`` factory can have PyTorch's name.)
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import operator
import string
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


def _size_args(shape: tuple, size: Any, op: str, keyword: str = "size") -> tuple[int, ...]:
    """A shape: ``f(2, 3)``, ``f((2, 3))`` or PyTorch's keyword ``f(size=(2, 3))`` (``keyword`` names it)."""
    if size is None:
        return _shape_args(shape)
    if shape:
        raise TypeError(f"{op}: pass the shape once, positionally or as {keyword}=")
    return _shape_args((size,))


def _on_the_cpu(factory: Callable) -> Callable:
    """A factory that also takes PyTorch's ``device=``: "cpu" (or None) is the one device; any other is refused,
    naming it."""

    @functools.wraps(factory)
    def made(*args: Any, device: Any = None, **kwargs: Any) -> Any:
        _check_device(device, factory.__name__)
        return factory(*args, **kwargs)

    return made


def _math(op: type) -> Callable:
    """A Tensor method applying the unary primitive ``op``, integers and bools first in the default float dtype (as
    PyTorch's torch.sin(int) is float32); its docstring is the op's, so the calculus is written once."""
    def method(self: Tensor) -> Tensor:
        return op.apply(self if self.data.dtype.kind == "f" else self._floating())  # the usual case without a call
    method.__name__ = method.__qualname__ = op.__name__.lower()
    method.__doc__ = op.__doc__
    return method


class Tensor:
    """An n-dimensional array that records the ops applied to it, so ``backward()`` can apply the chain rule.

    The engine reads and writes ``grad``, ``requires_grad``, ``grad_fn``, ``retains_grad``, ``backward_hooks``,
    ``post_accumulate_grad_hooks`` and
    ``version_counter`` (see ``engine.version_of``). Those the engine rarely sets start as the class's defaults, so
    making the output of an op costs three assignments.
    """

    __array_ufunc__ = None  # ``ndarray + Tensor`` defers to Tensor.__radd__ and gives a Tensor
    _requires_grad = False
    grad_fn = None
    retains_grad = False
    viewed_without_grad = False  # a view made under no_grad of a tensor that requires grad (engine marks it)
    backward_hooks: dict[int, Callable] | None = None
    post_accumulate_grad_hooks: dict[int, Callable] | None = None  # a leaf's, run after backward fills its .grad
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
        tensor.data, tensor._requires_grad, tensor.grad_fn = data, requires_grad, grad_fn
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

    def _set_requires_grad(self, requires_grad: bool) -> None:
        """PyTorch's rules: a bool; True only on a floating-point tensor; False only on a leaf (else ``detach()``)."""
        if requires_grad is True:
            if self.dtype.kind != "f":
                raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        elif requires_grad is not False:
            raise TypeError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
        elif self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach()")
        self._requires_grad = requires_grad

    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad,  # a C getter: every op reads it
                             doc="Whether ops on this tensor are recorded so ``backward()`` reaches it.")

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that records grad."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was modified in place (PyTorch's name)."""
        return engine.version_of(self)

    copies_keep_grad = True
    """Whether ``copy.deepcopy`` copies ``.grad`` too (PyTorch's tensors: yes; its Parameters: no). Pickling never
    keeps it, as PyTorch's."""

    def __getstate__(self) -> dict[str, Any]:
        """What pickle takes: a leaf's state without its version counter (the copy is new memory, at version 0) or
        its ``.grad``, as PyTorch's pickle. A tensor computed in a graph is refused, as PyTorch's deepcopy refuses
        it."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol (and pickling, here): copy or save t.detach() instead. If this is a "
                               "module's attribute, it may come from nn.utils.weight_norm or spectral_norm.")
        return {name: value for name, value in self.__dict__.items() if name not in ("version_counter", "_grad")}

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """``copy.deepcopy``: pickle's state copied, and ``.grad`` with it where ``copies_keep_grad`` says so."""
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update(copy.deepcopy(self.__getstate__(), memo))
        if self.copies_keep_grad and self._grad is not None:
            copied._grad = copy.deepcopy(self._grad, memo)
        return copied

    def __copy__(self) -> Tensor:
        """``copy.copy``: one more tensor over the same memory, so it shares the version counter."""
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        engine.share_memory(copied, self)
        return copied

    @property
    def grad(self) -> Tensor | None:
        """∂C/∂(this tensor), accumulated by ``backward()`` (leaves, and tensors that ``retain_grad()``)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value.data.shape != self.data.shape:
                raise RuntimeError(f"assigned grad has shape {value.shape}, the tensor has shape {self.shape}")
            if value.data.dtype != self.data.dtype:
                raise RuntimeError(f"assigned grad has dtype {value.dtype}, the tensor has dtype {self.dtype}")
        self._grad = value

    def numel(self) -> int:
        return self.data.size

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray (shared, not copied); PyTorch's ``force=True`` gives the same array here."""
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

    def __index__(self) -> int:
        """An integer tensor of one element as a Python int where Python wants an index (``range(t)``,
        ``items[t]``), as PyTorch."""
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index, got dtype "
                            f"{self.dtype} and shape {self.shape}")
        return int(self.data.reshape(()))

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
    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Tensor | Sequence[Tensor] | None = None) -> None:
        """Accumulate d(self)/d(leaf) · gradient into ``.grad`` of every leaf that requires grad — or, given
        ``inputs``, into ``.grad`` of those tensors only (leaves or not), as PyTorch."""
        if inputs is not None:
            inputs = _backward_inputs(inputs)
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
                        create_graph=create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """The same data (and the same version counter), cut from the graph."""
        detached = Tensor.wrap(self.data)
        engine.share_memory(detached, self)
        return detached

    def detach_(self) -> Tensor:
        """``detach()`` in place: this tensor becomes a leaf that does not require grad. A view of another tensor
        refuses, as in PyTorch."""
        if self.data.base is not None and engine.shares_memory_with_another(self):
            raise RuntimeError("detach_(): can't detach views in-place (as PyTorch); use detach(), which returns a "
                               "new tensor")
        engine.cut_from_graph(self)
        return self

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
        self.retains_grad = self.grad_fn is not None  # a leaf keeps its .grad anyway (retains_grad stays False)

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

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> engine.RemovableHandle:
        """Call ``hook(self)`` after backward has added into this leaf's ``.grad`` (not for ``autograd.grad``,
        which fills no ``.grad``), as PyTorch: e.g. to update a parameter as soon as its gradient is complete."""
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook(): cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook(): post accumulate grad hooks cannot be "
                               "registered on non-leaf tensors (register_hook sees a non-leaf's gradient)")
        if self.post_accumulate_grad_hooks is None:
            self.post_accumulate_grad_hooks = {}
        handle = engine.RemovableHandle(self.post_accumulate_grad_hooks)
        self.post_accumulate_grad_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------------------------------- in place
    def _in_place(self, what: str, result: Callable[[Tensor], Tensor]) -> Tensor:
        """Make this tensor ``result(its current self)``, in place, with PyTorch's rules: on a leaf that requires
        grad only under ``no_grad``; in a recorded graph the tensor takes the op's place (``engine.take_over``) and
        the op sees the values from before; otherwise the values are written into the tensor's own memory, which
        its views share. Every change bumps the version."""
        recording = self._check_in_place(what)
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

    def _check_in_place(self, what: str) -> bool:
        """Refuse an in-place change PyTorch refuses (a leaf that requires grad in grad mode; a view made under
        no_grad, changed with grad mode on); return whether grad mode is on."""
        recording = grad_mode.state.grad_enabled
        if recording and self.viewed_without_grad:
            raise RuntimeError(f"{what}: a view was made under no_grad of a tensor that requires grad, and is being "
                               "changed in place with grad mode on: the change could not be recorded. Make the view "
                               "and the change both inside the no_grad block (untracked), or both outside (tracked), "
                               "as PyTorch requires")
        if recording and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(f"{what}: a leaf Variable that requires grad is being used in an in-place operation; "
                               "do it inside `with tg.no_grad():` (a parameter update), or on a copy")
        return recording

    def _view_in_place(self, what: str, view: Callable[[Tensor], Tensor]) -> Tensor:
        """PyTorch's in-place view ops (``x.unsqueeze_(0)``): the tensor becomes ``view(x)`` over its own memory,
        recorded in grad mode. The change of shape counts as an in-place change, as in PyTorch: an op that saved
        the tensor refuses backward after it."""
        if not self._check_in_place(what) and self.grad_fn is not None:
            raise RuntimeError(f"{what}: under no_grad, on a tensor in a recorded graph, whose op would keep the old "
                               f"shape; call it with grad mode on, or use {what[:-1]}() out of place")
        out = view(Tensor.wrap(self.data, self.requires_grad, self.grad_fn, engine.version_counter_of(self)))
        if out.grad_fn is not None:
            engine.take_over(self, out, same_memory=True)
        else:
            self.data = out.data
            engine.bump_version(self)
        return self

    def fill_(self, value: float) -> Tensor:
        """Fill with ``value`` in place; in a recorded graph the old values get a gradient of 0."""
        return self._in_place("fill_", lambda x: _replaced(x, value))

    def zero_(self) -> Tensor:
        """Fill with zeros in place (bumps the version: backward refuses a saved value changed since)."""
        return self.fill_(0)

    def copy_(self, other: Any, non_blocking: bool = False) -> Tensor:
        """Copy ``other`` (broadcast to this shape, cast to this dtype) in; differentiable with respect to it, and
        the old values get a gradient of 0. ``non_blocking`` changes nothing on the CPU, as in PyTorch."""
        return self._in_place("copy_", lambda x: _replaced(x, other if isinstance(other, Tensor) else Tensor(other)))

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
        steps = _pytorch_order(index, self.data.ndim)
        value = _without_leading_ones(value)
        if not grad_mode.state.grad_enabled or not (self.requires_grad or getattr(value, "requires_grad", False)):
            self._in_place("__setitem__", lambda x: _assigned(x, index if steps is None else steps, value))
            return
        value = _as_dtype(value, self.dtype)
        if steps is None:
            self._in_place("__setitem__", lambda x: ops.SetItem.apply(x, value, index))
        else:  # the block the integers pick, with value set in it, set back into x
            self._in_place("__setitem__", lambda x: ops.SetItem.apply(
                x, ops.SetItem.apply(ops.GetItem.apply(x, steps[0]), value, steps[1]), steps[0]))

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

    def __ipow__(self, other: Any) -> Tensor:
        return self._in_place("**=", lambda x: x**other)

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self._in_place("//=", lambda x: x // other)

    def __imod__(self, other: Any) -> Tensor:
        return self._in_place("%=", lambda x: x % other)

    def __iand__(self, other: Any) -> Tensor:
        return self._in_place("&=", lambda x: x & other)

    def __ior__(self, other: Any) -> Tensor:
        return self._in_place("|=", lambda x: x | other)

    def __ixor__(self, other: Any) -> Tensor:
        return self._in_place("^=", lambda x: x ^ other)

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
        own = self.data.dtype
        if type(other) is not Tensor or other.data.dtype is not own or own.kind != "f":  # all but the usual case
            if (type(other) is float or type(other) is int) and own.kind == "f":  # x * 0.5: x's dtype
                other = _constant(other, own)
            elif (not isinstance(other, Tensor) or other.data.dtype is not own
                  or (own.kind != "f" and (op is ops.Div or op is ops.Pow))):  # integer / and ** are checked below
                if isinstance(other, np.bool_) and own.kind != "f":
                    raise TypeError(f"{op.__name__.lower()}: a numpy bool scalar with a {own} tensor is a float in "
                                    "PyTorch (torch.tensor([1, 2]) * np.bool_(True) is float32) and a bool in numpy: "
                                    "pass float(b) or bool(b)")
                dtype = result_type(self, other)
                if op is ops.Div and dtype.kind != "f":
                    dtype = _default_float  # true division of integers: the default float dtype, as PyTorch
                elif op is ops.Pow and dtype.kind == "b":
                    raise TypeError("pow: not defined for two bools (as PyTorch; numpy would give int8): convert "
                                    "one with .long() first")
                elif op is ops.Pow and dtype.kind != "f" and not reflected and _negative_integer(other):
                    raise ValueError(f"pow: integers to negative integer powers are not allowed (as PyTorch): make "
                                     f"the base a float tensor (x.float() ** {other})")
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

    mul, matmul, true_divide, neg = __mul__, __matmul__, __truediv__, __neg__

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent, under PyTorch's keyword name ``exponent=``."""
        return self._binary(ops.Pow, exponent)

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self + alpha·other (PyTorch's ``add``), alpha·other in the result dtype of self and other."""
        return self + (other if alpha == 1 else _scaled(other, alpha, result_type(self, other), "add"))

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self − alpha·other (PyTorch's ``sub``), alpha·other in the result dtype of self and other."""
        return self - (other if alpha == 1 else _scaled(other, alpha, result_type(self, other), "sub"))

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other; ``rounding_mode="floor"`` rounds the quotient down (``//``), ``"trunc"`` toward zero, as
        PyTorch (both keep an integer dtype, and have a gradient of 0)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self.floor_divide(other)
        if rounding_mode != "trunc":
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        a, b = self._integral_pair("div", other)
        return ops.Step.apply(_truncated_quotient, a, b)

    multiply, subtract, divide, negative = mul, sub, div, neg

    def positive(self) -> Tensor:
        """The tensor itself (PyTorch's ``positive``, unary +)."""
        return self

    def clamp_min(self, min: Any) -> Tensor:
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:
        return self.clamp(max=max)

    # ------------------------------------------------------------------------------------------- comparisons, logic
    def _elementwise(self, function: Callable, other: Any = None) -> Tensor:
        """A function of the values that carries no gradient (comparisons, logic), as a new tensor."""
        if other is None:
            return Tensor.wrap(np.asarray(function(self.data)))
        return Tensor.wrap(np.asarray(function(self.data, other.data if isinstance(other, Tensor) else other)))

    def _in_result_dtype(self, function: Callable, other: Any) -> Tensor:
        """``function`` of both values element by element, carrying no gradient, made in PyTorch's result dtype of the
        two (comparisons and bitwise ops: a float64 0-d tensor or number against float32 values counts as float32)."""
        dtype = result_type(self, other)
        return Tensor.wrap(np.asarray(function(_array_in(self, dtype), _array_in(other, dtype))))

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None or isinstance(other, str):
            return False  # PyTorch's answer: a tensor is not None, nor a string
        return self._in_result_dtype(np.equal, _not_a_sequence(other, "=="))

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None or isinstance(other, str):
            return True
        return self._in_result_dtype(np.not_equal, _not_a_sequence(other, "!="))

    def __lt__(self, other: Any) -> Tensor:
        return self._in_result_dtype(np.less, other)

    def __le__(self, other: Any) -> Tensor:
        return self._in_result_dtype(np.less_equal, other)

    def __gt__(self, other: Any) -> Tensor:
        return self._in_result_dtype(np.greater, other)

    def __ge__(self, other: Any) -> Tensor:
        return self._in_result_dtype(np.greater_equal, other)

    __hash__ = object.__hash__  # tensors key dicts and sets by identity, as in PyTorch

    def _bitwise(self, function: Callable, other: Any) -> Tensor:
        """& | ^ of bool or integer tensors, in PyTorch's result dtype (a Python int keeps the tensor's)."""
        dtype = result_type(self, other)
        if dtype.kind not in "biu":
            raise TypeError(f"{function.__name__}: needs bool or integer tensors, got dtype {dtype}")
        return self._in_result_dtype(function, other)

    def __and__(self, other: Any) -> Tensor:
        return self._bitwise(np.bitwise_and, other)

    def __or__(self, other: Any) -> Tensor:
        return self._bitwise(np.bitwise_or, other)

    def __xor__(self, other: Any) -> Tensor:
        return self._bitwise(np.bitwise_xor, other)

    def __invert__(self) -> Tensor:
        return self._elementwise(np.invert)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def isnan(self) -> Tensor:
        return self._elementwise(np.isnan)

    # ------------------------------------------------------------------------------------------- elementwise
    exp, log, log1p, sqrt = _math(ops.Exp), _math(ops.Log), _math(ops.Log1p), _math(ops.Sqrt)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    absolute = abs

    tanh, sigmoid = _math(ops.Tanh), _math(ops.Sigmoid)

    def relu(self) -> Tensor:
        return ops.Relu.apply(self)

    erf = _math(ops.Erf)

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
    def sum(self, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
            keepdims: bool | None = None, dtype: DTypeLike = None) -> Tensor:
        """Σ over the axes (all by default), of the tensor cast to ``dtype`` first if given (PyTorch's)."""
        axes, keep = reduction_args("sum", self.ndim, axis, keepdims, dim, keepdim)
        return _in_dtype(ops.Sum.apply(self if dtype is None else self.to(dtype), axes, keep), dtype)

    def mean(self, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
             keepdims: bool | None = None, dtype: DTypeLike = None) -> Tensor:
        """The mean over the axes (all by default), of the tensor cast to ``dtype`` first if given (PyTorch's)."""
        axes, keep = reduction_args("mean", self.ndim, axis, keepdims, dim, keepdim)
        x = self if dtype is None else self.to(dtype)
        if x.data.dtype.kind != "f":
            _refuse_integers("mean", x.data.dtype)
        return ops.Mean.apply(x, axes, keep)

    def max(self, dim: Any = None, keepdim: bool | None = None, *, axis: Axis = None,
            keepdims: bool | None = None, other: Tensor | None = None) -> Any:
        """PyTorch's three meanings: ``max()`` the largest element; ``max(dim)`` (or ``dim=``) the named tuple
        ``(values, indices)``; ``max(other)`` the elementwise ``maximum``. numpy's ``max(axis=…)`` gives the values."""
        return self._extremum("max", ops.Max, _other_tensor(dim, other, "max"), keepdim, axis,
                              keepdims)

    def min(self, dim: Any = None, keepdim: bool | None = None, *, axis: Axis = None,
            keepdims: bool | None = None, other: Tensor | None = None) -> Any:
        """The smallest: the mirror of ``max`` (``min()``, ``min(dim)`` → (values, indices), ``min(other)``)."""
        return self._extremum("min", ops.Min, _other_tensor(dim, other, "min"), keepdim, axis,
                              keepdims)

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

    def amax(self, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
        """The largest values along the axes (all by default); tied maxima share the gradient."""
        axes, keep = reduction_args("amax", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Max.apply(self, axes, keep, False)

    def amin(self, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
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
        if self.data.size == 0 and (axis is None or self.shape[normalize_axis(axis, self.ndim, name)] == 0):
            raise ValueError(f"{name} of an empty tensor (shape {self.shape}) along an empty axis")
        if self.ndim == 0:  # PyTorch lets a 0-d tensor take dim 0 or -1: its one element is at index 0
            normalize_axis(0 if axis is None else axis, 0, name)
            return Tensor.wrap(np.zeros((), np.int64))
        if axis is None:
            index = find(self.data)
            return Tensor.wrap(np.asarray(index, dtype=np.int64).reshape((1,) * self.ndim if keep else ()))
        return Tensor.wrap(find(self.data, axis=normalize_axis(axis, self.ndim, name), keepdims=keep).astype(np.int64))

    def var(self, dim: Axis = None, unbiased: bool | None = None, keepdim: bool | None = None, *,
            correction: int | None = None, ddof: int | None = None, axis: Axis = None,
            keepdims: bool | None = None) -> Tensor:
        """Σ(x − mean)² / (N − correction) along the axes: PyTorch's default ``correction=1`` (unbiased; its older
        ``unbiased=False`` is ``correction=0``, and ``var(dim, unbiased, keepdim)`` and ``var(unbiased)`` read as in
        PyTorch); numpy's ``ddof`` is the same number under its name (pass ``ddof=0`` for numpy's default)."""
        dim, unbiased = _unbiased_overload(dim, unbiased)
        if unbiased is not None and not isinstance(unbiased, (bool, np.bool_)):
            raise TypeError(f"var/std: the second argument is PyTorch's unbiased (a bool), got {unbiased!r}; pass "
                            "keepdims= (or keepdim=) by name")
        correction = _correction(_unbiased(correction, unbiased), ddof, "var")
        if self.data.dtype.kind != "f":
            _refuse_integers("var/std", self.data.dtype)
        axes, keep = reduction_args("var", self.ndim, axis, keepdims, dim, keepdim)
        if self.data.dtype == np.float16:  # as PyTorch, accumulated in float32 (300² overflows float16)
            return self.float().var(axis=axes, keepdims=keep, correction=correction).half()
        centered = self - self.mean(axis=axes, keepdims=True)
        count = math.prod([self.shape[a] for a in axes])
        # NOTE: N − correction ≤ 0 gives inf (or nan for no spread), as PyTorch
        return (centered * centered).sum(axis=axes, keepdims=keep) / float(max(count - correction, 0))

    def std(self, dim: Axis = None, unbiased: bool | None = None, keepdim: bool | None = None, *,
            correction: int | None = None, ddof: int | None = None, axis: Axis = None,
            keepdims: bool | None = None) -> Tensor:
        """√var (same arguments as ``var``).  NOTE: where the variance is 0 the gradient is 0, as PyTorch (not the
        chain rule's 0 · ∞ = nan through √0)."""
        variance = self.var(dim, unbiased, keepdim, correction=correction, ddof=ddof, axis=axis, keepdims=keepdims)
        spread = variance.data != 0
        return where(spread, where(spread, variance, 1.0).sqrt(), 0.0)

    def softmax(self, axis: int | None = None, dtype: DTypeLike = None, *, dim: int | None = None) -> Tensor:
        """exp(x) / Σ exp(x) along an axis (the last by default), of x cast to ``dtype`` first if given; shifting by
        the (detached) max keeps it finite. Integers and bools in the default float dtype (PyTorch refuses them;
        x − max would wrap round in uint8)."""
        if dtype is not None:
            return self.to(dtype).softmax(axis, dim=dim)
        axis = _softmax_axis(axis, dim, self.ndim, "softmax")
        x = self._floating()
        shifted = x - x.amax(axis=axis, keepdims=True).detach() if x.size else x  # empty: nothing to shift
        e = shifted.exp()
        return e / e.sum(axis=axis, keepdims=True)

    def log_softmax(self, axis: int | None = None, dtype: DTypeLike = None, *, dim: int | None = None) -> Tensor:
        """x − log Σ exp(x) along an axis (the last by default), computed as (x − m) − log Σ exp(x − m), of x cast to
        ``dtype`` first if given (integers and bools in the default float dtype, as ``softmax``)."""
        if dtype is not None:
            return self.to(dtype).log_softmax(axis, dim=dim)
        axis = _softmax_axis(axis, dim, self.ndim, "log_softmax")
        x = self._floating()
        shifted = x - x.amax(axis=axis, keepdims=True).detach() if x.size else x
        return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()

    # ------------------------------------------------------------------------------------------- shape
    def reshape(self, *sizes: Any, shape: Any = None) -> Tensor:
        try:
            shape = _size_args(sizes, shape, "reshape", "shape")
            if shape and min(shape) < -1:  # numpy reads any negative size as -1; PyTorch refuses it
                raise ValueError(f"reshape: invalid size {min(shape)} in {shape} (-1 alone infers a size)")
            return ops.Reshape.apply(self, shape)
        except TypeError:
            if len(sizes) == 1 and _is_dtype(sizes[0]):  # PyTorch's view(dtype) reads the same bits as another dtype
                raise TypeError(f"view({sizes[0]}): reinterpreting the bits as another dtype is not supported; "
                                "x.to(dtype) converts the values") from None
            raise

    def view(self, *sizes: Any, size: Any = None) -> Tensor:
        """``reshape`` that never copies, as PyTorch's (also under its keyword name ``size=``): memory that can't be
        seen in the new shape (a transposed tensor's, say) is an error naming ``reshape``, which copies."""
        viewed = self.reshape(*_size_args(sizes, size, "view")) if size is not None else self.reshape(*sizes)
        if viewed.data.size and not np.may_share_memory(viewed.data, self.data):
            raise RuntimeError(f"view{viewed.shape}: this tensor's memory (strides {self.data.strides}) can't be seen "
                               "in that shape without a copy, as PyTorch says; use .reshape(...), which copies")
        return viewed

    def transpose(self, *axes: int, dim0: int | None = None, dim1: int | None = None) -> Tensor:
        """Two axes: swap them (PyTorch's ``transpose(d0, d1)``, also by its names ``dim0=``, ``dim1=``). Otherwise
        numpy's meaning: no axes reverses them, a full permutation permutes (``permute`` is the same)."""
        if dim0 is not None or dim1 is not None:
            return self.swapaxes(*axes, *(d for d in (dim0, dim1) if d is not None))
        axes = _shape_args(axes)
        return self.swapaxes(*axes) if len(axes) == 2 else self.permute(*axes)

    def permute(self, *axes: int, dims: Any = None) -> Tensor:
        """Reorder the axes: output axis i is input axis ``axes[i]`` (no axes: reverse them); PyTorch's ``dims=``
        names the same sequence."""
        if dims is not None:
            if axes:
                raise TypeError("permute: pass the axes once, positionally or as dims=")
            axes = (dims,)
        axes = _shape_args(axes)
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        if len(axes) != self.ndim:
            raise ValueError(f"permute: {len(axes)} axes given for a tensor of {self.ndim} dimension(s)")
        wrapped = tuple(normalize_axis(a, self.ndim, "permute") for a in axes)
        if sorted(wrapped) != list(range(self.ndim)):
            raise ValueError(f"permute: axes {axes} repeat an axis (tensor of {self.ndim} dimension(s))")
        return ops.Transpose.apply(self, wrapped)

    def swapaxes(self, axis0: int | None = None, axis1: int | None = None, *, axis2: int | None = None) -> Tensor:
        """Swap two axes: PyTorch's names ``axis0=``, ``axis1=`` or numpy's ``axis1=``, ``axis2=`` (a swap is
        symmetric, so either reading is the same swap)."""
        given = [a for a in (axis0, axis1, axis2) if a is not None]
        if len(given) != 2:
            raise TypeError(f"swapaxes: takes two axes, got {len(given)}")
        axes = list(range(self.ndim))
        first, second = (normalize_axis(a, self.ndim, "swapaxes") for a in given)
        axes[first], axes[second] = axes[second], axes[first]
        return ops.Transpose.apply(self, tuple(axes))

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's and PyTorch's name
        """All axes reversed (the matrix transpose for 2-D)."""
        return ops.Transpose.apply(self, tuple(range(self.data.ndim - 1, -1, -1)))

    def t(self) -> Tensor:
        """The matrix transpose of a tensor of at most 2 dimensions (PyTorch's ``t``); a 0-D or 1-D one as it is."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}; use x.mT or "
                             "x.transpose(-2, -1) to swap the last two")
        return self.T

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """``swapaxes`` under PyTorch's names ``dim0=``, ``dim1=``."""
        return self.swapaxes(dim0, dim1)

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

    def broadcast_to(self, *shape: Any, size: Any = None) -> Tensor:
        shape = _size_args(shape, size, "broadcast_to")
        return self if shape == self.shape else ops.Expand.apply(self, shape)

    def expand(self, *shape: Any, size: Any = None) -> Tensor:
        """PyTorch's expand: like ``broadcast_to``, and -1 keeps a dimension's size."""
        shape = _size_args(shape, size, "expand")
        offset = len(shape) - self.ndim
        if offset < 0:
            raise ValueError(f"expand: the new shape {shape} has fewer dimensions than the tensor's {self.shape}")
        if any(n == -1 for n in shape[:offset]):
            raise ValueError(f"expand: -1 is not allowed for a new leading dimension, got {shape} for {self.shape}")
        return self.broadcast_to(tuple(self.shape[i - offset] if n == -1 else n for i, n in enumerate(shape)))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def ravel(self) -> Tensor:
        return self.reshape(-1)

    def __getitem__(self, index: Any) -> Tensor:
        index = _normalize_index(index)
        steps = _pytorch_order(index, self.data.ndim)
        if steps is None:
            return ops.GetItem.apply(self, index)
        return ops.GetItem.apply(ops.GetItem.apply(self, steps[0]), steps[1])

    # ------------------------------------------------------------------------------------------- conversions
    # PyTorch's spellings for dtypes, devices and Python's protocols; each returns the tensor itself when nothing
    # changes, as PyTorch does (so an in-place change through the result is a change of the tensor).
    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return self.data.ndim

    ndimension = dim

    def nelement(self) -> int:
        """The number of elements (PyTorch's other name for ``numel``)."""
        return self.data.size

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of all the elements."""
        return self.data.nbytes

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """Always False: tensors hold bool, integer or floating-point numbers."""
        return False

    def is_signed(self) -> bool:
        return self.data.dtype.kind in "if"

    def is_contiguous(self) -> bool:
        """Whether the memory is in row-major order (a transpose's view is not; ``contiguous()`` makes a copy)."""
        return bool(self.data.flags.c_contiguous)

    is_cuda = False

    def type(self, dtype: DTypeLike = None) -> Tensor:
        """``type(dtype)``: cast, as ``astype`` (the tensor itself if it has the dtype). PyTorch's ``type()`` without
        a dtype returns a string such as 'torch.FloatTensor'; there are no such strings here: read ``dtype``."""
        if dtype is None:
            raise TypeError("type(): tinygrad_edu has no tensor-type strings; read x.dtype (a numpy dtype)")
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype (the tensor itself if it has it)."""
        return self.to(other.dtype)

    @_on_the_cpu
    def new_tensor(self, data: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
        """A new leaf from ``data``, in this tensor's dtype unless ``dtype`` says otherwise (as PyTorch)."""
        return tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)

    @_on_the_cpu
    def new_zeros(self, *shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
        """Zeros of ``size``, in this tensor's dtype unless ``dtype`` says otherwise."""
        return zeros(*shape, size=size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)

    @_on_the_cpu
    def new_ones(self, *shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
        """Ones of ``size``, in this tensor's dtype unless ``dtype`` says otherwise."""
        return ones(*shape, size=size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)

    @_on_the_cpu
    def new_empty(self, *shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
        """An uninitialised tensor of ``size``, in this tensor's dtype unless ``dtype`` says otherwise."""
        return empty(*shape, size=size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)

    @_on_the_cpu
    def new_full(self, size: Any, fill_value: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
        """``fill_value`` everywhere in ``size``, in this tensor's dtype unless ``dtype`` says otherwise."""
        return full(size, fill_value, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)

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
        device is ``"cpu"``; a string is always a device. The tensor itself when nothing changes, unless ``copy``.
        Bools after the target are PyTorch's positional ``non_blocking`` and ``copy``."""
        if args and isinstance(args[-1], bool):
            args, copy = _positional_flags(args, copy)
        dtype = to_arguments(args, dtype, device, "to")
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

    # ------------------------------------------------------------------------------------------- elementwise math
    # Integer and bool tensors become the default float dtype first, as in PyTorch (torch.sin(int) is float32).
    sin, cos, asin, acos, atan = _math(ops.Sin), _math(ops.Cos), _math(ops.Asin), _math(ops.Acos), _math(ops.Atan)
    sinh, cosh, asinh, acosh, atanh = (_math(ops.Sinh), _math(ops.Cosh), _math(ops.Asinh), _math(ops.Acosh),
                                       _math(ops.Atanh))
    expm1, log2, log10, erfc = _math(ops.Expm1), _math(ops.Log2), _math(ops.Log10), _math(ops.Erfc)
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh  # numpy's names

    def _floating(self) -> Tensor:
        """This tensor, or its values in the default float dtype if it holds integers or bools."""
        return self if self.data.dtype.kind == "f" else Tensor.wrap(self.data.astype(_default_float))

    def _floating_pair(self, other: Any) -> tuple[Tensor, Tensor]:
        """This tensor and ``other`` in their common dtype, a floating one (integers give the default float)."""
        dtype = result_type(self, other)
        dtype = dtype if dtype.kind == "f" else _default_float
        return self._as(dtype), _as_dtype(other, dtype)

    def tan(self) -> Tensor:
        """z = tan a = sin a / cos a;  ∂z/∂a = 1/cos² a = 1 + z²"""
        x = self._floating()
        return x.sin() / x.cos()

    def atan2(self, other: Any) -> Tensor:
        return ops.Atan2.apply(*self._floating_pair(other))

    atan2.__doc__ = ops.Atan2.__doc__
    arctan2 = atan2

    def hypot(self, other: Any) -> Tensor:
        return ops.Hypot.apply(*self._floating_pair(other))

    hypot.__doc__ = ops.Hypot.__doc__

    def exp2(self) -> Tensor:
        """z = 2ᵃ;  ∂z/∂a = 2ᵃ·ln 2"""
        return 2.0 ** self._floating()

    def square(self) -> Tensor:
        """z = a²;  ∂z/∂a = 2a"""
        if self.data.dtype.kind == "b":  # PyTorch squares bools as pow(a, 2): int64, as bool ** 2 is here
            return self**2
        return self * self

    def rsqrt(self) -> Tensor:
        """z = 1/√a;  ∂z/∂a = −1/(2a√a)"""
        return self._floating().sqrt().reciprocal()  # not a ** −0.5, which gives 0 at −∞ where √ gives NaN

    def reciprocal(self) -> Tensor:
        """z = 1/a;  ∂z/∂a = −1/a²"""
        return 1.0 / self._floating()

    def floor(self) -> Tensor:
        """z = ⌊a⌋, the largest integer ≤ a;  ∂z/∂a = 0"""
        return self._rounded("floor", np.floor)

    def ceil(self) -> Tensor:
        """z = ⌈a⌉, the smallest integer ≥ a;  ∂z/∂a = 0"""
        return self._rounded("ceil", np.ceil)

    def trunc(self) -> Tensor:
        """z = a with its fraction dropped (rounded towards 0);  ∂z/∂a = 0"""
        return self._rounded("trunc", np.trunc)

    fix = trunc

    def round(self, decimals: int = 0) -> Tensor:
        """z = a rounded to ``decimals`` places, halves to even (as numpy and PyTorch);  ∂z/∂a = 0"""
        if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
            raise TypeError(f"round: decimals must be an int, got {decimals!r}")
        if decimals and self.data.dtype.kind != "f":
            raise TypeError(f"round: decimals need a floating tensor, got dtype {self.dtype} (as PyTorch)")
        return self._rounded("round", functools.partial(np.round, decimals=int(decimals)))

    def _rounded(self, name: str, function: Callable) -> Tensor:
        if self.data.dtype.kind == "b":
            raise TypeError(f"{name}: not defined for bool tensors (as PyTorch)")
        if self.data.dtype.kind != "f":
            return Tensor.wrap(self.data.copy())  # integers are already whole
        return ops.Step.apply(function, self)

    def frac(self) -> Tensor:
        """z = a − trunc(a), the fractional part with a's sign;  ∂z/∂a = 1"""
        if self.data.dtype.kind != "f":
            raise TypeError(f"frac: needs a floating tensor, got dtype {self.dtype} (as PyTorch)")
        return self - self.trunc()

    def sign(self) -> Tensor:
        """z = −1, 0 or 1 as a < 0, a = 0 (or NaN, as PyTorch) or a > 0;  ∂z/∂a = 0"""
        if self.data.dtype.kind == "b":
            return Tensor.wrap(self.data.copy())
        if self.data.dtype.kind != "f":
            return Tensor.wrap(np.sign(self.data))
        return ops.Step.apply(_sign, self)

    sgn = sign  # PyTorch's sign that also covers complex numbers; tensors here are real

    def floor_divide(self, other: Any) -> Tensor:
        """z = ⌊a/b⌋ (Python's //, as PyTorch since 1.13);  ∂z/∂a = ∂z/∂b = 0"""
        a, b = self._integral_pair("floor_divide", other)
        return ops.Step.apply(np.floor_divide, a, b)

    def __floordiv__(self, other: Any) -> Tensor:
        return self.floor_divide(other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _as_tensor(other.item() if isinstance(other, np.generic) else other).floor_divide(self)

    def remainder(self, other: Any) -> Tensor:
        a, b = self._integral_pair("remainder", other)
        return ops.Remainder.apply(a, b)

    remainder.__doc__ = ops.Remainder.__doc__

    def __mod__(self, other: Any) -> Tensor:
        return self.remainder(other)

    def __rmod__(self, other: Any) -> Tensor:
        return _as_tensor(other.item() if isinstance(other, np.generic) else other).remainder(self)

    def fmod(self, other: Any) -> Tensor:
        a, b = self._integral_pair("fmod", other)
        return ops.Fmod.apply(a, b)

    fmod.__doc__ = ops.Fmod.__doc__

    def _integral_pair(self, name: str, other: Any) -> tuple[Tensor, Tensor]:
        """Both operands of //, % or fmod in their result dtype; integers must not divide by zero (as PyTorch)."""
        dtype = result_type(self, other)
        if dtype.kind == "b":
            raise TypeError(f"{name}: not defined for bool tensors (as PyTorch)")
        a, b = self._as(dtype), _as_dtype(other, dtype)
        if dtype.kind != "f" and not b.data.all():
            raise ZeroDivisionError(f"{name}: integer division by zero")
        return a, b

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """z = a + w·(b − a), from a (w = 0) to b (w = 1);  ∂z/∂a = 1 − w, ∂z/∂b = w, ∂z/∂w = b − a"""
        dtype = result_type(self, end)
        if dtype.kind != "f":
            raise TypeError(f"lerp: needs floating tensors, got dtype {dtype} (as PyTorch)")
        dtype = result_type(self._as(dtype), weight)
        start, end, weight = self._as(dtype), _as_dtype(end, dtype), _as_dtype(weight, dtype)
        difference = end - start
        # PyTorch's two exact forms: from the start for small weights, from the end for large ones (so w = 1 gives b)
        return where(np.abs(weight.data) < 0.5, start + weight * difference, end - difference * (1.0 - weight))

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
        """z = a where finite; ``nan``, ``posinf`` or ``neginf`` (the dtype's extremes by default) where not;
        ∂z/∂a = 1 where a is finite, else 0"""
        if self.data.dtype.kind != "f":
            return Tensor.wrap(self.data.copy())
        replaced = np.nan_to_num(self.data, nan=nan, posinf=posinf, neginf=neginf)
        return where(np.isfinite(self.data), self, Tensor.wrap(replaced))

    # ------------------------------------------------------------------------------------------- reductions and scans
    def prod(self, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None, keepdims: bool | None = None,
             dtype: DTypeLike = None) -> Tensor:
        """z = Πᵢ aᵢ over the axes (all by default);  ∂z/∂aᵢ = Π_{j≠i} aⱼ, exact with zeros"""
        axes, keep = reduction_args("prod", self.ndim, axis, keepdims, dim, keepdim)
        x = self if dtype is None else self.astype(dtype)
        kept = [n for i, n in enumerate(self.shape) if i not in axes]
        reduced = math.prod(self.shape[a] for a in axes)  # named: -1 is ambiguous beside an empty axis
        rows = x.permute(*(i for i in range(self.ndim) if i not in axes), *axes).reshape(*kept, reduced)
        product = ops.Prod.apply(rows)
        return _in_dtype(product.reshape([1 if i in axes else n for i, n in enumerate(self.shape)] if keep else kept),
                         dtype)

    def logsumexp(self, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
                  keepdims: bool | None = None) -> Tensor:
        """z = ln Σᵢ e^(aᵢ) over the axes (all by default);  ∂z/∂aᵢ = e^(aᵢ − z) = softmax(a)ᵢ"""
        axes, keep = reduction_args("logsumexp", self.ndim, axis, keepdims, dim, keepdim)
        x = self._floating()
        shift = np.max(x.data, axis=axes, keepdims=True, initial=-np.inf)
        shift = Tensor.wrap(np.where(np.isfinite(shift), shift, 0).astype(x.dtype))  # NOTE: all −inf gives −inf
        total = (x - shift).exp().sum(axis=axes, keepdims=True).log() + shift
        return total if keep else total.reshape([n for i, n in enumerate(self.shape) if i not in axes])

    def norm(self, p: float | str | None = "fro", dim: Axis = None, keepdim: bool = False, *, dtype: DTypeLike = None,
             axis: Axis = None, keepdims: bool | None = None) -> Tensor:
        """z = ‖a‖ₚ, the vector p-norm over ``dim`` (all axes by default; 'fro' is p = 2), of x cast to ``dtype``
        first if given, as PyTorch's ``Tensor.norm``;  ∂z/∂a as ``tg.linalg.vector_norm``"""
        axes = _one_spelling(axis, None if isinstance(dim, (tuple, list)) and not dim else dim, "norm", "axis", "dim")
        keep = bool(_one_spelling(keepdims, keepdim or None, "norm", "keepdims", "keepdim"))
        if p == "nuc":
            raise NotImplementedError("norm: p='nuc' is not supported by Tensor.norm; use "
                                      "tg.linalg.matrix_norm(x, 'nuc') (from the singular values)")
        return vector_norm(self, 2 if p in ("fro", None) else p, axes, keep, dtype=dtype)

    def cumsum(self, axis: int | None = None, *, dim: int | None = None, dtype: DTypeLike = None) -> Tensor:
        """zₖ = Σ_{j≤k} aⱼ along an axis (numpy: the flattened tensor without one);  ∂C/∂aᵢ = Σ_{k≥i} ∂C/∂zₖ"""
        return self._scan(ops.Cumsum, "cumsum", axis, dim, dtype)

    def cumprod(self, axis: int | None = None, *, dim: int | None = None, dtype: DTypeLike = None) -> Tensor:
        return self._scan(ops.Cumprod, "cumprod", axis, dim, dtype)

    cumprod.__doc__ = ops.Cumprod.__doc__

    def _scan(self, op: Any, name: str, axis: int | None, dim: int | None, dtype: DTypeLike) -> Tensor:
        """A scan primitive along one axis, after a cast to ``dtype`` (numpy: the flattened tensor without an axis)."""
        axis = _one_spelling(axis, dim, name, "axis", "dim")
        x = self if dtype is None else self.astype(dtype)
        if axis is None:
            return _in_dtype(op.apply(x.reshape(-1), 0), dtype)
        axis = normalize_axis(axis, x.ndim, name)
        return _in_dtype(op.apply(x, axis) if x.ndim else op.apply(x.reshape(1), 0).reshape(()), dtype)

    def cummax(self, axis: int | None = None, *, dim: int | None = None) -> ValuesIndices:
        """zₖ = max_{j≤k} aⱼ along an axis, with where each was found (the latest of ties; a NaN propagates);
        ∂zₖ/∂aᵢ = 1 at that index"""
        return self._running_extremum("cummax", np.maximum, axis, dim)

    def cummin(self, axis: int | None = None, *, dim: int | None = None) -> ValuesIndices:
        """zₖ = min_{j≤k} aⱼ along an axis, with where each was found (the latest of ties; a NaN propagates);
        ∂zₖ/∂aᵢ = 1 at that index"""
        return self._running_extremum("cummin", np.minimum, axis, dim)

    def _running_extremum(self, name: str, pick: np.ufunc, axis: int | None, dim: int | None) -> ValuesIndices:
        axis = _one_spelling(axis, dim, name, "axis", "dim")
        if axis is None:
            raise TypeError(f"{name}: say along which axis (dim=)")
        x = self if self.ndim else self.reshape(1)
        axis = normalize_axis(axis, x.ndim, name)
        running = pick.accumulate(x.data, axis=axis)
        positions = np.arange(x.shape[axis]).reshape([-1 if i == axis else 1 for i in range(x.ndim)])
        found = (x.data == running) | (np.isnan(x.data) if x.dtype.kind == "f" else False)
        indices = np.maximum.accumulate(np.where(found, positions, 0), axis=axis)
        values = take_along_axis(x, Tensor.wrap(indices), axis)
        return ValuesIndices(values.reshape(self.shape), Tensor.wrap(indices.reshape(self.shape)))

    def median(self, axis: int | None = None, keepdims: bool | None = None, *, dim: int | None = None,
               keepdim: bool | None = None) -> Any:
        """z = the lower median (the ⌈n/2⌉-th smallest; NaN if any is NaN); ``median(dim)`` gives (values,
        indices);  ∂z/∂aᵢ = 1 at the median (shared among equal elements for the whole tensor, as PyTorch)"""
        axis = _one_spelling(axis, dim, "median", "axis", "dim")
        keep = bool(_one_spelling(keepdims, keepdim, "median", "keepdims", "keepdim"))
        if axis is not None:
            return self._order_statistic("median", lambda n: (n - 1) // 2, axis, keep)
        if self.data.size == 0:
            return Tensor.wrap(np.array(np.nan, dtype=self._floating().dtype))
        flat = self.reshape(-1)
        value = flat.data[np.argsort(flat.data, kind="stable")[(flat.data.size - 1) // 2]]
        nan = flat.dtype.kind == "f" and np.isnan(flat.data).any()
        chosen = np.flatnonzero(np.isnan(flat.data) if nan else flat.data == value)
        # NOTE: the maximum of the elements equal to the median: tied medians share the gradient, as PyTorch
        return ops.Max.apply(flat[chosen], (0,), False, True)

    def kthvalue(self, k: int, axis: int = -1, keepdims: bool | None = None, *, dim: int | None = None,
                 keepdim: bool | None = None) -> ValuesIndices:
        """The k-th smallest value along an axis and its index (the first of ties);  ∂z/∂aᵢ = 1 at that index"""
        axis = _one_spelling(None if axis == -1 else axis, dim, "kthvalue", "axis", "dim")
        keep = bool(_one_spelling(keepdims, keepdim, "kthvalue", "keepdims", "keepdim"))
        return self._order_statistic("kthvalue", lambda n: _checked_k(k, n, "kthvalue") - 1,
                                     -1 if axis is None else axis, keep, nan_first=False)

    def _order_statistic(self, name: str, position: Callable[[int], int], axis: int, keep: bool,
                         nan_first: bool = True) -> ValuesIndices:
        """The element at ``position(n)`` of each slice sorted stably along ``axis`` (with ``nan_first``, a slice's
        first NaN if it has one) and its index."""
        x = self if self.ndim else self.reshape(1)
        axis = normalize_axis(axis, x.ndim, name)
        if x.shape[axis] == 0:
            raise IndexError(f"{name}: axis {axis} is empty (shape {self.shape})")
        order = np.argsort(x.data, axis=axis, kind="stable")
        indices = np.take(order, [position(x.shape[axis])], axis=axis)
        if nan_first and x.dtype.kind == "f":
            nan = np.isnan(x.data)
            indices = np.where(nan.any(axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True), indices)
        return _picked(self, x, indices.astype(np.int64), axis, keep)

    def mode(self, axis: int = -1, keepdims: bool | None = None, *, dim: int | None = None,
             keepdim: bool | None = None) -> ValuesIndices:
        """The most frequent value along an axis (the smallest of ties) and its last index;  ∂z/∂aᵢ = 1 there"""
        axis = _one_spelling(None if axis == -1 else axis, dim, "mode", "axis", "dim")
        keep = bool(_one_spelling(keepdims, keepdim, "mode", "keepdims", "keepdim"))
        x = self if self.ndim else self.reshape(1)
        axis = normalize_axis(-1 if axis is None else axis, x.ndim, "mode")
        if x.shape[axis] == 0:
            raise IndexError(f"mode: axis {axis} is empty (shape {self.shape})")
        ordered = np.sort(np.moveaxis(x.data, axis, -1), axis=-1)
        n = ordered.shape[-1]
        positions = np.arange(n)
        starts = np.concatenate([np.ones((*ordered.shape[:-1], 1), bool), ordered[..., 1:] != ordered[..., :-1]], -1)
        run_start = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)
        ends = np.concatenate([ordered[..., 1:] != ordered[..., :-1], np.ones((*ordered.shape[:-1], 1), bool)], -1)
        run_end = np.flip(np.minimum.accumulate(np.flip(np.where(ends, positions, n), -1), axis=-1), -1)
        value = np.take_along_axis(ordered, np.argmax(run_end - run_start, axis=-1)[..., None], axis=-1)
        moved = np.moveaxis(x.data, axis, -1)
        same = (moved == value) | (np.isnan(moved) & np.isnan(value)) if x.dtype.kind == "f" else moved == value
        last = np.max(np.where(same, positions, -1), axis=-1, keepdims=True)
        return _picked(self, x, np.moveaxis(last, -1, axis).astype(np.int64), axis, keep)

    def count_nonzero(self, dim: Axis = None, *, axis: Axis = None) -> Tensor:
        """The number of elements that are not 0 over the axes (all by default), as int64 (no gradient)"""
        dim = None if isinstance(dim, (tuple, list)) and not dim else dim  # PyTorch: dim=() counts over every axis
        axes = normalize_axes(_one_spelling(axis, dim, "count_nonzero", "axis", "dim"), self.ndim, "count_nonzero")
        return Tensor.wrap(np.asarray(np.count_nonzero(self.data, axis=axes), dtype=np.int64))

    # ------------------------------------------------------------------------------------------- indexing and gathering
    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
        """zᵢⱼₖ = a[i, index[i, j, k], k] (for dim 1);  ∂C/∂a = ∂C/∂z added at the gathered places"""
        if sparse_grad:
            raise NotImplementedError("gather: sparse_grad=True is not supported; the gradient is dense (drop it)")
        index = _index_array(index, "gather")
        dim = normalize_axis(dim, self.ndim, "gather")
        if _reads_0d_as_1d(self, index):
            return _as_1d(self).gather(dim, _as_1d(index)).reshape(index.shape)
        if index.ndim != self.ndim:
            raise ValueError(f"gather: index has {index.ndim} dimension(s), the tensor {self.ndim}")
        if any(m > n for i, (m, n) in enumerate(zip(index.shape, self.shape)) if i != dim):
            raise ValueError(f"gather: index of shape {index.shape} is larger than the tensor's {self.shape} outside "
                             f"dim {dim}")
        _check_bounds(index, self.shape[dim], "gather", dim)
        return take_along_axis(self, Tensor.wrap(index), dim)

    def take_along_dim(self, indices: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """z = a at ``indices`` along an axis (modulo its size, as PyTorch), both broadcast against each other (the
        flattened tensor without an axis, indices in range);  ∂C/∂a = ∂C/∂z added at the picked places"""
        dim = _one_spelling(axis, dim, "take_along_dim", "axis", "dim")
        indices = _index_array(indices, "take_along_dim")
        if dim is None:
            flat = self.reshape(-1)
            _check_bounds(indices, flat.shape[0], "take_along_dim", 0)
            return flat[indices.reshape(-1)]
        if not self.ndim:
            raise IndexError(f"take_along_dim: a 0-d tensor has no dim {dim} (as PyTorch; without a dim it is read "
                             "flattened)")
        dim = normalize_axis(dim, self.ndim, "take_along_dim")
        if indices.ndim != self.ndim:
            raise ValueError(f"take_along_dim: indices have {indices.ndim} dimension(s), the tensor {self.ndim}")
        if not self.shape[dim] and indices.size:
            raise IndexError(f"take_along_dim: dim {dim} is empty, there is nothing to take (indices of shape "
                             f"{indices.shape})")
        indices = indices % max(self.shape[dim], 1)  # PyTorch wraps every index modulo the size, not only negatives
        outer = np.broadcast_shapes(tuple(n for i, n in enumerate(self.shape) if i != dim),
                                    tuple(n for i, n in enumerate(indices.shape) if i != dim))
        outer = list(outer)
        x = self.broadcast_to(*outer[:dim], self.shape[dim], *outer[dim:])
        indices = np.broadcast_to(indices, (*outer[:dim], indices.shape[dim], *outer[dim:]))
        return take_along_axis(x, Tensor.wrap(indices), dim)

    take_along_axis = take_along_dim

    def index_select(self, dim: int, index: Any) -> Tensor:
        """z = a at the positions ``index`` (1-D) along ``dim``;  ∂C/∂a = ∂C/∂z added at those positions"""
        index = _index_array(index, "index_select")
        if index.ndim > 1:
            raise ValueError(f"index_select: index must be 1-D, got shape {index.shape}")
        dim = normalize_axis(dim, self.ndim, "index_select")
        _check_bounds(index, self.shape[dim] if self.ndim else 1, "index_select", dim)
        if not self.ndim:  # a 0-d tensor is one element along its one "dim": the result stays 0-d, as PyTorch's
            if index.size != 1:
                raise IndexError(f"index_select: a 0-d tensor takes one index, got {index.size}")
            return self.reshape(1)[index.reshape(-1)].reshape(())
        return self[(slice(None),) * dim + (index.reshape(-1),)]

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
        """z = a with ``src`` (or ``value``) written at index along dim (the last write of a repeated index wins);
        ∂C/∂a = ∂C/∂z where nothing was written, ∂C/∂src = ∂C/∂z at the place each element landed (0 if overwritten)"""
        if reduce is not None:
            raise TypeError("scatter: reduce= is deprecated in PyTorch; use scatter_add (reduce='add')")
        if isinstance(src, (int, float, np.number)) and value is None:  # PyTorch's scatter(dim, index, value)
            src, value = None, src
        if (src is None) == (value is None):
            raise TypeError("scatter: pass either src (a tensor) or value (a number)")
        index = _index_array(index, "scatter")
        if _reads_0d_as_1d(self, index, src):
            return _as_1d(self).scatter(dim, _as_1d(index), _as_1d(src), value=value).reshape(self.shape)
        source = self._scatter_source(dim, index, src, value, "scatter")
        places = self._scatter_places(dim, index, "scatter")
        landed = np.zeros(self.shape, dtype=bool)
        flat = np.ravel_multi_index(np.broadcast_arrays(*places), self.shape).reshape(-1)
        last = flat.size - 1 - np.unique(flat[::-1], return_index=True)[1]  # the last write to each place wins
        winners = np.zeros(flat.size, dtype=bool)
        winners[last] = True
        landed.reshape(-1)[flat[last]] = True
        zero = Tensor.wrap(np.zeros((), self.dtype))
        written = ops.ScatterAdd.apply(where(winners.reshape(index.shape), source, zero), places, self.shape)
        return where(landed, written, self)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """z = a with ``src`` added at index along dim (repeated indices add up);  ∂C/∂a = ∂C/∂z,
        ∂C/∂src = ∂C/∂z at the place each element was added"""
        index = _index_array(index, "scatter_add")
        if _reads_0d_as_1d(self, index, src):
            return _as_1d(self).scatter_add(dim, _as_1d(index), _as_1d(src)).reshape(self.shape)
        source = self._scatter_source(dim, index, src, None, "scatter_add")
        return self + ops.ScatterAdd.apply(source, self._scatter_places(dim, index, "scatter_add"), self.shape)

    def _scatter_source(self, dim: int, index: np.ndarray, src: Any, value: Any, name: str) -> Tensor:
        """The part of ``src`` (or ``value`` repeated) that ``index`` scatters, in this tensor's dtype."""
        if src is None:
            return Tensor.wrap(np.full(index.shape, value, dtype=self.dtype))
        source = _as_dtype(src, self.dtype)
        if source.ndim != index.ndim or any(m > n for m, n in zip(index.shape, source.shape)):
            raise ValueError(f"{name}: index of shape {index.shape} must not be larger than src of shape "
                             f"{source.shape}")
        return source if source.shape == index.shape else source[tuple(slice(n) for n in index.shape)]

    def _scatter_places(self, dim: int, index: np.ndarray, name: str) -> tuple:
        dim = normalize_axis(dim, self.ndim, name)
        if index.ndim != self.ndim or any(m > n for i, (m, n) in enumerate(zip(index.shape, self.shape)) if i != dim):
            raise ValueError(f"{name}: index of shape {index.shape} does not fit the tensor's {self.shape} outside "
                             f"dim {dim}")
        _check_bounds(index, self.shape[dim], name, dim)
        places = list(np.ogrid[tuple(slice(n) for n in index.shape)])
        places[dim] = index
        return tuple(places)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """z = ``value`` where mask, else a (broadcast together);  ∂C/∂a = ∂C/∂z where not mask, ∂C/∂value = Σ over
        the mask"""
        mask = _bool_mask(mask, "masked_fill")
        if isinstance(value, Tensor):
            if value.ndim:
                raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
            value = value._as(self.dtype)
        else:
            value = Tensor.wrap(np.asarray(value).astype(self.dtype))
        return where(mask, value, self)

    def masked_select(self, mask: Any) -> Tensor:
        """z = the elements of a where mask (broadcast together), as a 1-D tensor;  ∂C/∂a = ∂C/∂z at those places"""
        mask = _bool_mask(mask, "masked_select")
        shape = np.broadcast_shapes(self.shape, mask.shape)
        return self.broadcast_to(shape)[np.broadcast_to(mask, shape)]

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the elements that are not 0: an (n, ndim) int64 tensor, or one 1-D tensor per axis with
        ``as_tuple=True`` (no gradient)"""
        if as_tuple:
            return tuple(Tensor.wrap(i.astype(np.int64)) for i in np.nonzero(self.data.reshape(-1) if not self.ndim
                                                                             else self.data))
        return Tensor.wrap(np.argwhere(self.data).astype(np.int64))

    def argsort(self, axis: int = -1, descending: bool = False, *, dim: int | None = None,
                stable: bool = False) -> Tensor:
        """The indices that sort the tensor along an axis (ascending; NaN last), int64 (no gradient)"""
        axis = _one_spelling(None if axis == -1 else axis, dim, "argsort", "axis", "dim")
        return Tensor.wrap(self._sorting_order(-1 if axis is None else axis, descending)[0].reshape(self.shape))

    def sort(self, axis: int = -1, descending: bool = False, *, dim: int | None = None,
             stable: bool = False) -> ValuesIndices:
        """The values sorted along an axis (NaN as the largest) and their original indices; ties keep their order;
        ∂C/∂a = ∂C/∂z put back where each value came from"""
        axis = _one_spelling(None if axis == -1 else axis, dim, "sort", "axis", "dim")
        x = self if self.ndim else self.reshape(1)
        order, axis = x._sorting_order(-1 if axis is None else axis, descending)
        return ValuesIndices(take_along_axis(x, Tensor.wrap(order), axis).reshape(self.shape),
                             Tensor.wrap(order.reshape(self.shape)))

    def _sorting_order(self, axis: int, descending: bool) -> tuple[np.ndarray, int]:
        """The stable sorting permutation along ``axis`` as int64 (descending: NaN first, ties in their order)."""
        data = self.data if self.ndim else self.data.reshape(1)
        axis = normalize_axis(axis, data.ndim, "sort")
        if not descending:
            order = np.argsort(data, axis=axis, kind="stable")
        else:  # sort the reversed slices ascending, then reverse: largest first, equal values in their order
            n = data.shape[axis]
            order = n - 1 - np.flip(np.argsort(np.flip(data, axis), axis=axis, kind="stable"), axis)
        return order.astype(np.int64), axis

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
             axis: int | None = None) -> ValuesIndices:
        """The k largest (or smallest) values along an axis, in order, and their indices (NaN as the largest; the
        first of ties);  ∂C/∂a = ∂C/∂z put back at those indices"""
        dim = _one_spelling(axis, None if dim == -1 else dim, "topk", "axis", "dim")
        x = self if self.ndim else self.reshape(1)
        axis = normalize_axis(-1 if dim is None else dim, x.ndim, "topk")
        k = _checked_k(k, x.shape[axis], "topk", zero=True)
        order, _ = x._sorting_order(axis, descending=largest)
        indices = np.take(order, np.arange(k), axis=axis)
        values = take_along_axis(x, Tensor.wrap(indices), axis)
        if not self.ndim:
            return ValuesIndices(values.reshape(()), Tensor.wrap(indices.reshape(())))
        return ValuesIndices(values, Tensor.wrap(indices))

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
               dim: int | None = None, *, axis: int | None = None) -> Any:
        """The distinct values (or slices along ``dim``), sorted, each NaN its own value as PyTorch; with their
        inverse indices and counts on request (no gradient)"""
        dim = _one_spelling(axis, dim, "unique", "axis", "dim")
        if dim is not None:
            dim = normalize_axis(dim, self.ndim, "unique")
        values, inverse, counts = np.unique(self.data, return_inverse=True, return_counts=True, axis=dim,
                                            equal_nan=False)
        results = [Tensor.wrap(values)]
        if return_inverse:
            results.append(Tensor.wrap(inverse.reshape(self.shape if dim is None else -1).astype(np.int64)))
        if return_counts:
            results.append(Tensor.wrap(counts.astype(np.int64)))
        return results[0] if len(results) == 1 else tuple(results)

    # ------------------------------------------------------------------------------------------- shape, more
    def repeat(self, *sizes: Any, repeats: Any = None) -> Tensor:
        """z = a tiled ``sizes`` times along each axis (PyTorch's repeat, numpy's tile);  ∂C/∂a = Σ over the copies"""
        sizes = _size_args(sizes, repeats, "repeat", "repeats")
        if any(not isinstance(n, (int, np.integer)) or n < 0 for n in sizes):
            raise ValueError(f"repeat: sizes must be non-negative ints, got {sizes}")
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: {len(sizes)} sizes for a tensor of {self.ndim} dimensions (pass at least one "
                             "per dimension; tile() accepts fewer)")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        interleaved = [n for pair in zip([1] * len(shape), shape) for n in pair]
        tiled = [n for pair in zip(sizes, shape) for n in pair]
        copies = self.reshape(interleaved).broadcast_to(tiled).reshape([n * m for n, m in zip(sizes, shape)])
        return _in_new_memory(copies, self)

    def tile(self, *sizes: Any, dims: Any = None) -> Tensor:
        """z = a tiled ``dims`` times (fewer dims than axes repeat the last axes);  ∂C/∂a = Σ over the copies"""
        dims = _size_args(sizes, dims, "tile", "dims")
        return self.repeat(*((1,) * (self.ndim - len(dims)) + tuple(dims)))

    def repeat_interleave(self, repeats: int | Tensor, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """z = each element repeated ``repeats`` times along ``dim`` (flattened without one; numpy's repeat), or
        ``repeats[i]`` times for a tensor of counts;  ∂C/∂a = Σ over the copies"""
        if isinstance(repeats, Tensor):
            return self._repeated_per_element(repeats, dim, output_size)
        if not isinstance(repeats, (int, np.integer)) or repeats < 0:
            raise TypeError(f"repeat_interleave: repeats must be a non-negative int, got {repeats!r}")
        x = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else normalize_axis(dim, self.ndim, "repeat_interleave")
        if output_size is not None and output_size != x.shape[axis] * repeats:  # PyTorch's hint of the result's size
            raise ValueError(f"repeat_interleave: output_size {output_size} is not the result's size "
                             f"{x.shape[axis] * repeats}")
        expanded = x.unsqueeze(axis + 1)
        shape = list(expanded.shape)
        shape[axis + 1] = repeats
        return _in_new_memory(expanded.broadcast_to(shape).reshape(*x.shape[:axis], -1, *x.shape[axis + 1:]), self)

    def _repeated_per_element(self, repeats: Tensor, dim: int | None, output_size: int | None) -> Tensor:
        """Element i along ``dim`` repeated ``repeats[i]`` times (one count for all if it holds one)."""
        if dim is not None and not self.ndim:
            raise IndexError(f"repeat_interleave: a 0-d tensor has no dim {dim} (as PyTorch; leave out dim)")
        x = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else normalize_axis(dim, self.ndim, "repeat_interleave")
        counts = repeat_counts(repeats, "repeat_interleave", vector=False).reshape(-1)
        if counts.size not in (1, x.shape[axis]):
            raise ValueError(f"repeat_interleave: repeats has {counts.size} counts, the tensor {x.shape[axis]} "
                             f"elements along dim {axis} (pass one, or one per element)")
        positions = np.repeat(np.arange(x.shape[axis]), np.broadcast_to(counts, x.shape[axis]))
        if output_size is not None and output_size != positions.size:
            raise ValueError(f"repeat_interleave: output_size {output_size} is not the result's size {positions.size}")
        return x.index_select(axis, positions)

    def flip(self, dims: Any = None, *more: int, axis: Axis = None) -> Tensor:
        """z = a reversed along ``dims`` (all axes without any, as numpy), in new memory (as PyTorch; ``x[::-1]`` is the
        view);  ∂C/∂a = ∂C/∂z reversed back"""
        dims = _one_spelling(axis, dims, "flip", "axis", "dims")
        dims = (dims, *more) if more else dims
        axes = normalize_axes(dims, self.ndim, "flip")
        return self[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(self.ndim))].clone()

    def fliplr(self) -> Tensor:
        """Reversed along axis 1 (left to right); needs at least 2 dimensions."""
        if self.ndim < 2:
            raise ValueError(f"fliplr: needs at least 2 dimensions, got shape {self.shape}")
        return self.flip(1)

    def flipud(self) -> Tensor:
        """Reversed along axis 0 (up to down); needs at least 1 dimension."""
        if self.ndim < 1:
            raise ValueError("flipud: needs at least 1 dimension, got a 0-D tensor")
        return self.flip(0)

    def roll(self, shifts: Any, dims: Any = None, *, axis: Any = None) -> Tensor:
        """z = a shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor without dims);  ∂C/∂a = ∂C/∂z
        shifted back"""
        dims = _one_spelling(axis, dims, "roll", "axis", "dims")
        if dims is None:
            if not isinstance(shifts, (int, np.integer)):
                raise TypeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
            return self.reshape(-1).roll(shifts, 0).reshape(self.shape)
        shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
        x = self
        for shift, dim in zip(shifts, dims):
            axis = normalize_axis(dim, self.ndim, "roll")
            n = self.shape[axis]
            shift = int(shift) % n if n else 0
            if shift:  # the last `shift` elements come first
                leading = (slice(None),) * axis
                x = cat([x[(*leading, slice(n - shift, None))], x[(*leading, slice(0, n - shift))]], axis=axis)
        return _in_new_memory(x, self)

    def split(self, split_size_or_sections: Any = None, dim: int = 0, *, split_size: Any = None
              ) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along dim (the last smaller), or of the listed sizes (PyTorch's meaning, not
        numpy's);  ∂C/∂a = the pieces' gradients side by side"""
        split_size_or_sections = _one_spelling(split_size_or_sections, split_size, "split", "split_size_or_sections",
                                               "split_size")
        if split_size_or_sections is None:
            raise TypeError("split: missing the size of the pieces (split_size) or their sizes")
        axis = normalize_axis(dim, self.ndim, "split")
        n = self.shape[axis]
        if isinstance(split_size_or_sections, (int, np.integer)):
            if split_size_or_sections <= 0 and n:
                raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
            size = int(split_size_or_sections)
            sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n or min(sizes, default=0) < 0:
                raise ValueError(f"split: sizes {sizes} must be non-negative and add up to {n}, the size of dim "
                                 f"{dim}")
        bounds = np.cumsum([0, *sizes]).tolist()
        leading = (slice(None),) * axis
        return tuple(self[(*leading, slice(start, stop))] for start, stop in itertools.pairwise(bounds))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` pieces along dim, each of ⌈n/chunks⌉ (the last smaller; fewer pieces if they run out);
        ∂C/∂a = the pieces' gradients side by side"""
        if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = normalize_axis(dim, self.ndim, "chunk")
        n = self.shape[axis]
        if n == 0:  # an empty axis: ``chunks`` empty pieces, as PyTorch
            return tuple(self.narrow(axis, 0, 0) for _ in range(chunks))
        return self.split(-(-n // chunks), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along dim, that axis removed;  ∂C/∂a = their gradients stacked"""
        axis = normalize_axis(dim, self.ndim, "unbind")
        return tuple(self[(slice(None),) * axis + (i,)] for i in range(self.shape[axis]))

    def tril(self, diagonal: int = 0) -> Tensor:
        """z = a on and below the diagonal (of the last two axes), 0 above;  ∂C/∂a = ∂C/∂z there, 0 above"""
        return self._triangle("tril", diagonal, lower=True)

    def triu(self, diagonal: int = 0) -> Tensor:
        """z = a on and above the diagonal (of the last two axes), 0 below;  ∂C/∂a = ∂C/∂z there, 0 below"""
        return self._triangle("triu", diagonal, lower=False)

    def _triangle(self, name: str, diagonal: int, lower: bool) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"{name}: needs at least 2 dimensions, got shape {self.shape}")
        rows, cols = self.shape[-2:]
        below = np.tri(rows, cols, diagonal, dtype=bool) if lower else ~np.tri(rows, cols, diagonal - 1, dtype=bool)
        return where(below, self, Tensor.wrap(np.zeros((), self.dtype)))

    def diag(self, diagonal: int = 0) -> Tensor:
        """1-D a: the square matrix with a on the ``diagonal``-th diagonal; 2-D a: that diagonal;  ∂C/∂a = ∂C/∂z's
        diagonal, or ∂C/∂z placed on it"""
        if self.ndim == 2:
            return self.diagonal(diagonal).clone()  # a copy, as PyTorch's diag (diagonal() is the view)
        if self.ndim != 1:
            raise ValueError(f"diag: needs a 1-D or 2-D tensor, got shape {self.shape}")
        n = self.shape[0] + abs(diagonal)
        rows = np.arange(self.shape[0]) + max(-diagonal, 0)
        return ops.ScatterAdd.apply(self, (rows, rows + diagonal), (n, n))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """z = the ``offset``-th diagonal of the planes (dim1, dim2), as a last axis;  ∂C/∂a = ∂C/∂z placed on it"""
        first, second = normalize_axis(dim1, self.ndim, "diagonal"), normalize_axis(dim2, self.ndim, "diagonal")
        if first == second:
            raise ValueError(f"diagonal: dim1 and dim2 are the same axis ({dim1}, {dim2})")
        planes = self.movedim((first, second), (-2, -1))
        rows, cols = planes.shape[-2:]
        start, stop = max(-offset, 0), min(rows, cols - offset)
        i = np.arange(start, max(stop, start))
        picked = planes[..., i, i + offset]  # the graph: indexing, whose gradient places ∂C/∂z on the diagonal
        return _shown_as_view(picked, _diagonal_view(self.data, offset, first, second), self)

    def trace(self) -> Tensor:
        """z = Σᵢ aᵢᵢ of a matrix;  ∂z/∂a = the identity"""
        if self.ndim != 2:
            raise ValueError(f"trace: expected a matrix, got shape {self.shape}")
        return self.diagonal().sum()

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """z = a with axis ``dim`` split into ``sizes`` (one may be −1);  ∂C/∂a = ∂C/∂z reshaped back"""
        axis = normalize_axis(dim, self.ndim, "unflatten")
        return self.reshape(*self.shape[:axis], *sizes, *self.shape[axis + 1:])

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """z = a with axes ``source`` moved to ``destination``, the others in order;  ∂C/∂a = ∂C/∂z moved back"""
        source = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
        destination = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
        if len(source) != len(destination):
            raise ValueError(f"movedim: {len(source)} source and {len(destination)} destination axes")
        moved = [normalize_axis(a, self.ndim, "movedim") for a in source]
        targets = [normalize_axis(a, self.ndim, "movedim") for a in destination]
        if len(set(moved)) != len(moved) or len(set(targets)) != len(targets):
            raise ValueError(f"movedim: repeated axes in {source} or {destination}")
        rest = iter(a for a in range(self.ndim) if a not in moved)
        placed = dict(zip(targets, moved))
        return self.permute(*(placed[i] if i in placed else next(rest) for i in range(self.ndim)))

    moveaxis = movedim

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """z = ``length`` elements from ``start`` along dim (a view);  ∂C/∂a = ∂C/∂z placed there"""
        axis = normalize_axis(dim, self.ndim, "narrow")
        n = self.shape[axis]
        begin = start + n if start < 0 else start
        if not 0 <= begin <= n or length < 0 or begin + length > n:
            raise IndexError(f"narrow: start {start} and length {length} do not fit in dim {dim} of size {n}")
        return self[(slice(None),) * axis + (slice(begin, begin + length),)]

    # ------------------------------------------------------------------------------------------- linear algebra
    def dot(self, tensor: Tensor) -> Tensor:
        """z = Σᵢ aᵢbᵢ of two 1-D tensors of one dtype;  ∂z/∂a = b, ∂z/∂b = a"""
        other = tensor
        if self.ndim != 1 or other.ndim != 1 or self.shape != other.shape:
            raise ValueError(f"dot: needs two 1-D tensors of one size, got shapes {self.shape} and {other.shape}")
        if self.dtype != other.dtype:
            raise TypeError(f"dot: expected both vectors to have one dtype, got {self.dtype} and {other.dtype}")
        return self @ other

    def mm(self, mat2: Tensor) -> Tensor:
        """z = a @ b for two matrices;  ∂C/∂a = ∂C/∂z @ bᵀ, ∂C/∂b = aᵀ @ ∂C/∂z"""
        _check_ndims("mm", (self, 2), (mat2, 2))
        return self @ mat2

    def mv(self, vec: Tensor) -> Tensor:
        """z = a @ v for a matrix and a vector;  ∂C/∂a = ∂C/∂z·vᵀ, ∂C/∂v = aᵀ @ ∂C/∂z"""
        _check_ndims("mv", (self, 2), (vec, 1))
        return self @ vec

    def bmm(self, mat2: Tensor) -> Tensor:
        """z = a @ b for two batches of matrices of one batch size (no broadcasting, as PyTorch);  ∂C/∂a = ∂C/∂z @ bᵀ,
        ∂C/∂b = aᵀ @ ∂C/∂z"""
        _check_ndims("bmm", (self, 3), (mat2, 3))
        if self.shape[0] != mat2.shape[0]:
            raise ValueError(f"bmm: batch sizes differ: {self.shape} and {mat2.shape}")
        return self @ mat2

    def outer(self, vec2: Tensor) -> Tensor:
        """zᵢⱼ = aᵢbⱼ of two 1-D tensors;  ∂C/∂a = ∂C/∂z @ b, ∂C/∂b = (∂C/∂z)ᵀ @ a"""
        _check_ndims("outer", (self, 1), (vec2, 1))
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def inverse(self) -> Tensor:
        return inv(self)

    inverse.__doc__ = ops.Inv.__doc__

    def det(self) -> Tensor:
        return det(self)

    det.__doc__ = ops.Det.__doc__

    def slogdet(self) -> SignLogAbsDet:
        """(sign, ln|det a|) of a (batch of) square matrices: see ``slogdet``"""
        return slogdet(self)

    def logdet(self) -> Tensor:
        """ln det a of a (batch of) square matrices (nan where det a < 0, −inf where it is 0): see ``logdet``"""
        return logdet(self)

    def matrix_exp(self) -> Tensor:
        return matrix_exp(self)

    matrix_exp.__doc__ = ops.MatrixExp.__doc__

    def kron(self, other: Tensor) -> Tensor:
        """The Kronecker product of self and other (``kron``);  ∂C/∂a, ∂C/∂b through the broadcast product"""
        return kron(self, other)

    # ------------------------------------------------------------------------------------------- more of PyTorch's ops
    # Compositions of the ops above: each gradient is the chain rule through them.
    def addcmul(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        """z = a + value·t₁·t₂ (broadcast together, in the result dtype of the three)"""
        dtype = result_type(self, tensor1, tensor2)
        return self + _scaled(_as_dtype(tensor1, dtype) * _as_dtype(tensor2, dtype), value, dtype, "addcmul")

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        """z = a + value·t₁/t₂ (broadcast together)"""
        tensor1 = _as_tensor(tensor1)
        if tensor1.dtype.kind in "biu" and result_type(tensor2).kind in "biu":
            raise TypeError("addcdiv: integer division is not supported (PyTorch refuses it too); make tensor1 or "
                            "tensor2 a float tensor, or write a + value * (t1 / t2)")
        return self + value * tensor1 / tensor2

    def logaddexp(self, other: Any) -> Tensor:
        """z = ln(eᵃ + eᵇ) = max(a, b) + ln(1 + e^−|a−b|), without overflow;  ∂z/∂a = σ(a − b)"""
        return self._log_of_sum(other, 1.0)

    def logaddexp2(self, other: Any) -> Tensor:
        """z = log₂(2ᵃ + 2ᵇ) = max(a, b) + log₂(1 + 2^−|a−b|), without overflow;  ∂z/∂a = σ((a − b)·ln 2)"""
        return self._log_of_sum(other, math.log(2))

    def _log_of_sum(self, other: Any, ln_base: float) -> Tensor:
        """log_base(baseᵃ + baseᵇ) as t + log_base(1 + base^(u−t)), t the larger of a and b and u the other: exact
        to every order (a smooth formula on each side, ties included), no overflow, and each infinity its limit
        (∂z/∂a = 1, ∂z/∂b = 0 for a = ±inf above any b)."""
        other = _as_tensor(other)
        first_larger = self.data >= other.data
        top, bottom = where(first_larger, self, other), where(first_larger, other, self)
        tied_infinities = (self.data == other.data) & np.isinf(self.data)
        if tied_infinities.any():  # NOTE: no limit there; z = ±inf, ½ to each (PyTorch: nan), and not inf − inf
            gap = where(tied_infinities, 0.0, bottom) - where(tied_infinities, 0.0, top)
            top = where(tied_infinities, (self + other) * 0.5, top)
        else:
            gap = bottom - top  # ≤ 0: base^gap never overflows
        return top + (gap * ln_base).exp().log1p() / ln_base

    def logit(self, eps: float | None = None) -> Tensor:
        """z = ln(p / (1 − p)), p clamped to [eps, 1 − eps] when eps is given;  ∂z/∂p = 1/(p(1 − p))"""
        p = self._floating() if eps is None else self._floating().clamp(eps, 1 - eps)
        return ops.Logit.apply(p)

    def xlogy(self, other: Any) -> Tensor:
        """z = a·ln b, and 0 where a = 0 (unless b is NaN), as PyTorch;  ∂z/∂a = ln b (0 at a = 0 where b ≤ 0),
        ∂z/∂b = a/b"""
        a, b = self._floating_pair(other)  # a numpy float64 scalar counts as a Python float, as in PyTorch
        return times_log(a, b, Tensor.log, 0.0)

    def deg2rad(self) -> Tensor:
        return self._floating() * (math.pi / 180)

    def rad2deg(self) -> Tensor:
        return self._floating() * (180 / math.pi)

    def fmax(self, other: Any) -> Tensor:
        """The larger of a and b, a NaN losing to a number (numpy's fmax; ``maximum`` propagates NaN); at a tie the
        gradient goes to a, as PyTorch's"""
        other = _as_tensor(other)
        return where(np.isnan(self.data) & ~np.isnan(other.data), other,  # both NaN: a (its gradient too), as PyTorch
                     where(np.isnan(other.data), self, where(self.data >= other.data, self, other)))

    def fmin(self, other: Any) -> Tensor:
        """The smaller of a and b, a NaN losing to a number (numpy's fmin; ``minimum`` propagates NaN); at a tie
        the gradient goes to a, as PyTorch's"""
        other = _as_tensor(other)
        return where(np.isnan(self.data) & ~np.isnan(other.data), other,  # both NaN: a (its gradient too), as PyTorch
                     where(np.isnan(other.data), self, where(self.data <= other.data, self, other)))

    def nansum(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
               keepdims: bool | None = None) -> Tensor:
        """Σ over the axes with NaNs counted as 0;  ∂C/∂a = ∂C/∂z where a is a number, 0 at a NaN"""
        numbers = where(self.isnan(), 0.0, self) if self.data.dtype.kind == "f" else self  # integers have no NaN
        axes, keep = reduction_args("nansum", self.ndim, axis, keepdims, dim, keepdim or None)
        return numbers.sum(axis=axes, keepdims=keep)

    def nanmean(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
                keepdims: bool | None = None) -> Tensor:
        """The mean of the numbers along the axes, NaNs left out (NaN where there are none)"""
        if self.data.dtype.kind != "f":
            _refuse_integers("nanmean", self.data.dtype)
        axes, keep = reduction_args("nanmean", self.ndim, axis, keepdims, dim, keepdim or None)
        counted = (~self.isnan()).sum(axis=axes, keepdims=keep)
        return self.nansum(axis=axes, keepdims=keep) / counted

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
        """(min, max) along ``dim`` (over everything without one), as PyTorch's ``aminmax``"""
        return MinMax(self.amin(dim=dim, keepdim=keepdim), self.amax(dim=dim, keepdim=keepdim))

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """z = aᵢ₊₁ − aᵢ along ``dim`` (aᵢ₊₁ xor aᵢ for bools), ``n`` times, after joining ``prepend`` and ``append``
        on;  ∂C/∂a through the slices"""
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
        axis = normalize_axis(dim, self.ndim, "diff")
        x = cat([t for t in (prepend, self, append) if t is not None], dim=axis)
        for _ in range(min(n, x.shape[axis])):  # an empty axis stays empty (PyTorch's), however large n
            later, earlier = x.narrow(axis, 1, x.shape[axis] - 1), x.narrow(axis, 0, x.shape[axis] - 1)
            x = later ^ earlier if x.dtype == np.bool_ else later - earlier  # bools: PyTorch's xor
        return x

    def cross(self, other: Any, dim: int | None = None) -> Tensor:
        """z = a × b, the cross product of 3-vectors along ``dim`` (the first axis of size 3 without one, as
        ``torch.cross``);  ∂C/∂a = b × ∂C/∂z, ∂C/∂b = ∂C/∂z × a"""
        other = _as_tensor(other)
        a, b = broadcast_tensors(self, other)
        if dim is None:
            sizes = [i for i, n in enumerate(a.shape) if n == 3]
            if not sizes:
                raise ValueError(f"cross: no dimension of size 3 in shape {a.shape}")
            dim = sizes[0]
        axis = normalize_axis(dim, a.ndim, "cross")
        if a.shape[axis] != 3:
            raise ValueError(f"cross: dim {dim} has size {a.shape[axis]}, not 3")
        a1, a2, a3 = a.unbind(axis)
        b1, b2, b3 = b.unbind(axis)
        return stack([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], dim=axis)

    def select(self, dim: int, index: int) -> Tensor:
        """z = a at position ``index`` of ``dim``, which disappears (a view, as ``x[:, index]``)"""
        axis = normalize_axis(dim, self.ndim, "select")
        if not -self.shape[axis] <= index < self.shape[axis]:
            raise IndexError(f"select: index {index} is out of range for dim {dim} of size {self.shape[axis]}")
        return self[(slice(None),) * axis + (int(index),)]

    def take(self, index: Any) -> Tensor:
        """z = the flattened a at ``index`` (any shape; negative ones from the end);  ∂C/∂a = ∂C/∂z added at those
        places"""
        index = _wrapped_index(_index_array(index, "take"), self.data.size, "take", 0)
        return self.reshape(-1)[Tensor.wrap(index)] if index.ndim else self.reshape(-1)[int(index)]

    def argwhere(self) -> Tensor:
        """The (n, ndim) indices of the nonzero elements (``nonzero``)"""
        return self.nonzero()

    def tensor_split(self, indices_or_sections: Any = None, dim: int = 0, *, sections: int | None = None,
                     indices: Any = None) -> tuple[Tensor, ...]:
        """``sections`` nearly equal pieces along dim (the first ones one longer), or pieces cut at the listed
        indices (numpy's ``array_split``; ``split`` takes sizes)"""
        indices_or_sections = _split_points(indices_or_sections, sections, indices)
        axis = normalize_axis(dim, self.ndim, "tensor_split")
        n = self.shape[axis]
        if isinstance(indices_or_sections, (int, np.integer)):
            if indices_or_sections <= 0:
                raise ValueError(f"tensor_split: sections must be positive, got {indices_or_sections}")
            size, extra = divmod(n, int(indices_or_sections))
            sizes = [size + 1] * extra + [size] * (int(indices_or_sections) - extra)
            bounds = np.cumsum([0, *sizes]).tolist()
        else:
            cuts = [min(max(int(i) + n if i < 0 else int(i), 0), n) for i in indices_or_sections]
            bounds = [0, *cuts, n]
        return tuple(self.narrow(axis, start, max(stop - start, 0)) for start, stop in itertools.pairwise(bounds))

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        """z = a with alpha·source added at positions ``index`` (1-D) of ``dim`` (repeats add up);  ∂C/∂a = ∂C/∂z,
        ∂C/∂source = alpha·∂C/∂z at those positions"""
        source = _as_tensor(source)
        places = self._index_places(dim, index, source, "index_add")
        return self.scatter_add(dim, places, source if alpha == 1 else _scaled(source, alpha, self.dtype, "index_add"))

    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        """z = a with source written at positions ``index`` (1-D) of ``dim``;  ∂C/∂source = ∂C/∂z there"""
        source = _as_tensor(source)
        if not source.ndim and self.ndim <= 1:  # PyTorch reads a 0-d source (and tensor) as one element
            return _as_1d(self).index_copy(dim, index, source.reshape(1)).reshape(self.shape)
        axis, index = self._checked_index(dim, index, source, "index_copy")
        return self._written(((slice(None),) * axis) + (index,), source)

    def _written(self, index: Any, values: Tensor) -> Tensor:
        """z = a with ``values`` written at a[index] (of repeated places, the last write wins), as ``x[index] = values``
        out of place;  ∂C/∂values = ∂C/∂z at each value's place, repeats included, as PyTorch's index_put"""
        return ops.SetItem.apply(self, _as_dtype(values, self.dtype), index)

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """z = a with ``value`` at positions ``index`` of ``dim`` (negative ones from the end);  ∂C/∂a = ∂C/∂z
        elsewhere"""
        if not self.ndim:  # PyTorch reads a 0-d tensor as one element along its one dim
            return self.reshape(1).index_fill(dim, index, value).reshape(())
        axis = normalize_axis(dim, self.ndim, "index_fill")
        index = _wrapped_index(_index_array(index, "index_fill").reshape(-1), self.shape[axis], "index_fill", axis)
        mask = np.zeros(self.shape[axis], dtype=bool)
        mask[index] = True
        return self.masked_fill(mask.reshape([-1 if i == axis else 1 for i in range(self.ndim)]), value)

    def _checked_index(self, dim: int, index: Any, source: Tensor, op: str) -> tuple[int, np.ndarray]:
        """``dim`` as an axis, and ``index`` as a 1-D array with one in-range entry per slice of ``source`` along it."""
        axis = normalize_axis(dim, self.ndim, op)
        given = _index_array(index, op)
        index = _as_1d(given)  # PyTorch reads a 0-d index as one entry
        if index.ndim != 1 or source.ndim != self.ndim or _as_1d(source).shape[axis] != len(index):
            raise ValueError(f"{op}: index must be 1-D with one entry per slice of source along dim {dim}; got index "
                             f"of shape {given.shape}, source of shape {source.shape}, tensor of shape {self.shape}")
        _check_bounds(index, _as_1d(self).shape[axis], op, axis)
        return axis, index

    def _index_places(self, dim: int, index: Any, source: Tensor, op: str) -> np.ndarray:
        """The 1-D ``index`` spread over ``source``'s shape along ``dim``: where each source element goes."""
        axis, index = self._checked_index(dim, index, source, op)
        return np.broadcast_to(index.reshape([-1 if i == axis else 1 for i in range(self.ndim)]), source.shape)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last axis (a view, as
        PyTorch's);  ∂C/∂a = the windows' gradients added back where they overlap"""
        if not self.ndim:
            raise ValueError("unfold: needs a tensor of at least one dimension")
        axis = normalize_axis(dimension, self.ndim, "unfold")
        n = self.shape[axis]
        if size < 0 or size > n or step <= 0:
            raise ValueError(f"unfold: size {size} and step {step} do not fit dimension {dimension} of size {n}")
        starts = np.arange(0, n - size + 1, step)
        windows = self.movedim(axis, -1)[..., starts[:, None] + np.arange(size)].movedim(-2, axis)  # the graph
        view = np.lib.stride_tricks.sliding_window_view(self.data, size, axis, writeable=self.data.flags.writeable)
        return _shown_as_view(windows, view[(slice(None),) * axis + (slice(None, None, step),)], self)

    def bitwise_not(self) -> Tensor:
        """~a for bool and integer tensors"""
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"bitwise_not: needs bool or integer tensors, got dtype {self.dtype}")
        return ~self

    def bitwise_and(self, other: Any) -> Tensor:
        return self & other

    def bitwise_or(self, other: Any) -> Tensor:
        return self | other

    def bitwise_xor(self, other: Any) -> Tensor:
        return self ^ other

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        """How often each value 0, 1, … occurs in a 1-D non-negative integer tensor (summed ``weights`` if given;
        no gradient, as PyTorch)"""
        if self.ndim != 1 or self.data.dtype.kind not in "iu":
            raise ValueError(f"bincount: needs a 1-D integer tensor, got shape {self.shape} and dtype {self.dtype}")
        if self.data.size and self.data.min() < 0:
            raise ValueError("bincount: values must be non-negative")
        if weights is None:
            return Tensor.wrap(np.bincount(self.data, None, minlength).astype(np.int64))
        weights = _index_free(weights)
        counted = np.bincount(self.data, weights, minlength)
        # PyTorch sums float32 weights in float32 and every other weight dtype in float64
        return Tensor.wrap(counted.astype(np.float32) if weights.dtype == np.float32 else counted)

    # ------------------------------------------------------------------------------------------- scatter, put, embed
    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
        """z = a with each place reduced ('sum', 'prod', 'mean', 'amax', 'amin') with the ``src`` elements
        scattered to it along ``dim`` (and itself, with ``include_self``);  ∂C/∂a, ∂C/∂src are the reduction's own
        (prod exact with zeros; amax, amin split evenly among the tied values that took part; PyTorch, with
        include_self=False, also counts the excluded self)"""
        if reduce not in SCATTER_REDUCTIONS:
            raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(SCATTER_REDUCTIONS)}, got {reduce!r}")
        index = _index_array(index, "scatter_reduce")
        source = _as_tensor(src)
        if _reads_0d_as_1d(self, index, source):
            return _as_1d(self).scatter_reduce(dim, _as_1d(index), _as_1d(source), reduce,
                                               include_self=include_self).reshape(self.shape)
        if source.ndim != self.ndim:
            raise ValueError(f"scatter_reduce: src has {source.ndim} dimension(s), the tensor {self.ndim}")
        source = self._scatter_source(dim, index, source, None, "scatter_reduce")
        places = self._scatter_places(dim, index, "scatter_reduce")
        targets = np.ravel_multi_index(np.broadcast_arrays(*places), self.shape).reshape(-1)
        pool = cat([self.reshape(-1), source.reshape(-1)])
        counts = np.bincount(targets, minlength=self.data.size)
        order = np.argsort(targets, kind="stable")  # the src elements grouped by target, in their order
        starts = np.concatenate([[0], np.cumsum(counts)])
        reduced = Tensor.wrap(np.zeros(self.data.size, self.dtype))
        for size in np.unique(counts[counts > 0]):  # one matrix per group size: memory stays that of src
            rows = np.flatnonzero(counts == size)
            members = order[starts[rows][:, None] + np.arange(size)] + self.data.size
            if include_self:
                members = np.concatenate([rows[:, None], members], axis=1)
            rows_reduced = _reduced_rows(pool[members], reduce)._as(self.dtype)
            reduced = reduced + ops.ScatterAdd.apply(rows_reduced, (rows,), reduced.shape)
        return where((counts > 0).reshape(self.shape), reduced.reshape(self.shape), self)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """z = a with ``values`` put at ``a[indices]`` (a tuple of index tensors, as ``x[indices] = values``), or
        added there with ``accumulate`` (repeats add up);  ∂C/∂values = ∂C/∂z there (summed over broadcasting)"""
        if not isinstance(indices, (tuple, list)) or not all(isinstance(i, Tensor) for i in indices):
            raise TypeError("index_put: indices must be a tuple of tensors (x.index_put((rows, cols), values))")
        for i in indices:
            if i.data.dtype.kind not in "iub":
                raise IndexError(f"index_put: index tensors must hold integers or bools, got dtype {i.dtype}")
        positions = np.arange(self.data.size).reshape(self.shape)
        try:
            positions = positions[tuple(i.data for i in indices)]
        except IndexError as error:
            raise IndexError(f"index_put: {error} (tensor of shape {self.shape})") from None
        values = _as_dtype(values, self.dtype)
        _broadcast_shape(values.shape, positions.shape, f"index_put: values of shape {values.shape} can't be "
                         f"broadcast to the indexed shape {positions.shape}")
        values = values.broadcast_to(positions.shape).reshape(-1)
        flat = self.reshape(-1)
        put = flat.scatter_add(0, positions.reshape(-1), values) if accumulate else \
            flat._written(positions.reshape(-1), values)
        return put.reshape(self.shape)

    def masked_scatter(self, mask: Any, source: Any) -> Tensor:
        """z = a with the elements of ``source``, in order, written where ``mask`` (broadcast with a) is True;
        ∂C/∂a = ∂C/∂z where not mask, ∂C/∂source = ∂C/∂z at the place each element landed (0 if unused)"""
        mask = _bool_mask(mask, "masked_scatter")
        source = _as_tensor(source)
        if source.dtype != self.dtype:
            raise TypeError(f"masked_scatter: source has dtype {source.dtype}, the tensor {self.dtype} (PyTorch "
                            "requires them equal)")
        shape = _broadcast_shape(self.shape, mask.shape, f"masked_scatter: mask of shape {mask.shape} does not "
                                 f"broadcast with the tensor's {self.shape}")
        positions = np.flatnonzero(np.broadcast_to(mask, shape))
        if positions.size > source.data.size:
            raise ValueError(f"masked_scatter: the mask selects {positions.size} elements, source has only "
                             f"{source.data.size}")
        written = self.broadcast_to(shape).reshape(-1).scatter(0, positions, source.reshape(-1)[:positions.size])
        return written.reshape(shape)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """z = matrices with a's last axis on their ``offset``-th diagonal, in the planes (dim1, dim2) of the
        result;  ∂C/∂a = ∂C/∂z's diagonal"""
        first, second = (normalize_axis(d, self.ndim + 1, "diag_embed") for d in (dim1, dim2))
        if first == second:
            raise ValueError(f"diag_embed: dim1 and dim2 are the same axis ({dim1}, {dim2})")
        x = self if self.ndim else self.reshape(1)
        n = x.shape[-1] + abs(offset)
        rows = np.arange(x.shape[-1]) + max(-offset, 0)
        leading = np.ogrid[tuple(slice(k) for k in x.shape[:-1])] if x.ndim > 1 else []
        places = (*(p[..., None] for p in leading), rows, rows + offset)
        planes = ops.ScatterAdd.apply(x, places, (*x.shape[:-1], n, n))
        return planes.movedim((-2, -1), (first, second))

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        """z = a turned by k·90° in the plane ``dims``, from the first axis toward the second (numpy's rot90);
        ∂C/∂a = ∂C/∂z turned back"""
        if len(dims) != 2:
            raise ValueError(f"rot90: dims must name two axes, got {dims!r}")
        if self.ndim < 2:
            raise ValueError(f"rot90: needs a tensor of at least 2 dimensions, got shape {self.shape}")
        first, second = (normalize_axis(d, self.ndim, "rot90") for d in dims)
        if first == second:
            raise ValueError(f"rot90: dims name the same axis twice ({dims[0]}, {dims[1]})")
        turns = int(k) % 4
        if turns == 0:
            return self.clone()
        if turns == 2:
            return self.flip((first, second))
        swapped = self.transpose(first, second)
        return swapped.flip(first) if turns == 1 else swapped.flip(second)

    # ------------------------------------------------------------------------------------------- scans, quantiles
    def logcumsumexp(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """zₖ = ln Σ_{j≤k} e^(aⱼ) along ``dim``, exact at every prefix;  ∂C/∂aᵢ = Σ_{k≥i} ∂C/∂zₖ·e^(aᵢ − zₖ)"""
        axis = _one_spelling(axis, dim, "logcumsumexp", "axis", "dim")
        if axis is None:
            raise TypeError("logcumsumexp: say along which axis (dim=)")
        if self.dtype.kind != "f":
            raise TypeError(f"logcumsumexp: needs a floating-point tensor, got dtype {self.dtype} (as PyTorch)")
        return self._scan(ops.LogCumsumExp, "logcumsumexp", axis, None, None)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
                  keepdims: bool | None = None) -> Any:
        """z = the lower median of the values that are not NaN (NaN if all are); ``nanmedian(dim)`` gives (values,
        indices);  ∂z/∂aᵢ = 1 at the median (shared among equal elements for the whole tensor, as PyTorch)"""
        axis = _one_spelling(axis, dim, "nanmedian", "axis", "dim")
        keep = bool(_one_spelling(keepdims, keepdim or None, "nanmedian", "keepdims", "keepdim"))
        if self.dtype.kind != "f":
            return self.median(axis, keep) if axis is not None else self.median()
        if axis is None:
            flat = self.reshape(-1)
            numbers = flat.data[~np.isnan(flat.data)]
            if not numbers.size:
                return flat.median()  # NaN, its gradient shared among the NaNs, as PyTorch
            value = np.sort(numbers)[(numbers.size - 1) // 2]
            # NOTE: tied medians share the gradient, as median's
            return ops.Max.apply(flat[np.flatnonzero(flat.data == value)], (0,), False, True)
        x = self if self.ndim else self.reshape(1)
        axis = normalize_axis(axis, x.ndim, "nanmedian")
        if x.shape[axis] == 0:
            raise IndexError(f"nanmedian: axis {axis} is empty (shape {self.shape})")
        order = np.argsort(x.data, axis=axis, kind="stable")  # NaN last
        numbers = np.sum(~np.isnan(x.data), axis=axis, keepdims=True)
        indices = np.take_along_axis(order, np.maximum(numbers - 1, 0) // 2, axis=axis)
        indices = np.where(numbers > 0, indices, 0)  # an all-NaN slice: NaN at index 0, as PyTorch
        return _picked(self, x, indices.astype(np.int64), axis, keep)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        """z = the q-th quantiles along ``dim`` (the flattened tensor without one), between the sorted values at
        ⌊q·(n − 1)⌋ and ⌈q·(n − 1)⌉ by ``interpolation`` (NaN if the slice holds a NaN); a 1-D q adds a first
        axis;  ∂C/∂a through the sort and the interpolation's weights"""
        return self._quantile("quantile", q, dim, keepdim, interpolation, skip_nan=False)

    def nanquantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        """``quantile`` of the values that are not NaN (NaN where a slice has none);  ∂C/∂a as ``quantile``"""
        return self._quantile("nanquantile", q, dim, keepdim, interpolation, skip_nan=True)

    def _quantile(self, name: str, q: Any, dim: int | None, keepdim: bool, interpolation: str,
                  skip_nan: bool) -> Tensor:
        if self.dtype.kind != "f":
            raise TypeError(f"{name}: needs a floating-point tensor, got dtype {self.dtype} (as PyTorch)")
        if interpolation not in QUANTILE_INTERPOLATIONS:
            raise ValueError(f"{name}: interpolation must be one of {', '.join(QUANTILE_INTERPOLATIONS)}, got "
                             f"{interpolation!r}")
        if isinstance(q, Tensor) and q.dtype != self.dtype:
            raise TypeError(f"{name}: q has dtype {q.dtype}, the tensor {self.dtype} (PyTorch requires them equal)")
        levels = np.asarray(q.data if isinstance(q, Tensor) else q, dtype=self.dtype)  # ranks in its dtype
        if levels.ndim > 1 or np.any(np.isnan(levels)) or np.any((levels < 0) | (levels > 1)):
            raise ValueError(f"{name}: q must be a number or a 1-D tensor of values in [0, 1], got {q!r}")
        x = self.reshape(-1) if dim is None else (self if self.ndim else self.reshape(1))
        axis = 0 if dim is None else normalize_axis(dim, x.ndim, name)
        if x.shape[axis] == 0:
            raise IndexError(f"{name}: the reduced axis is empty (shape {self.shape})")
        ordered = x.sort(axis).values.movedim(axis, -1)  # NaN last
        nan = np.isnan(ordered.data)
        count = np.sum(~nan, axis=-1, keepdims=True) if skip_nan else np.full((*nan.shape[:-1], 1), nan.shape[-1])
        empty = (count == 0) if skip_nan else nan.any(axis=-1, keepdims=True)
        rank = levels.reshape(-1, *([1] * ordered.ndim)) * (count - 1).astype(self.dtype)  # (levels, …, 1)
        # NOTE: a slice without an answer picks a NaN, where PyTorch does: quantile its last, nanquantile its first
        rank = np.where(empty, 0 if skip_nan else nan.shape[-1] - 1, rank)
        below, above = np.floor(rank), np.ceil(rank)
        if interpolation == "nearest":
            below = above = np.round(rank)  # half to even, as PyTorch's round
        elif interpolation == "lower":
            above = below
        elif interpolation == "higher":
            below = above
        weight = 0.5 if interpolation == "midpoint" else rank - below
        stacked = ordered.unsqueeze(0).broadcast_to(levels.size, *ordered.shape)
        low = take_along_axis(stacked, Tensor.wrap(below.astype(np.int64)), stacked.ndim - 1)
        high = take_along_axis(stacked, Tensor.wrap(above.astype(np.int64)), stacked.ndim - 1)
        weight = np.broadcast_to(np.asarray(weight, dtype=self.dtype), low.shape)
        result = low.lerp(high, Tensor.wrap(np.where(below == above, 0, weight).astype(self.dtype)))
        result = result.squeeze(-1)  # (levels, …), the reduced axis gone
        if keepdim:
            result = result.unsqueeze(axis + 1) if dim is not None else result.reshape(
                levels.size, *([1] * self.ndim))
        return result if levels.ndim else result[0]

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
        """The counts of the elements in ``bins`` equal-width bins over [min, max] (the data's range when both are
        0; elements outside are left out; the last bin holds max), in the tensor's dtype (no gradient)"""
        if self.dtype.kind != "f":
            raise TypeError(f"histc: needs a floating-point tensor, got dtype {self.dtype} (as PyTorch)")
        if not isinstance(bins, (int, np.integer)) or bins <= 0:
            raise ValueError(f"histc: bins must be a positive int, got {bins!r}")
        low, high = float(min), float(max)
        if low > high:
            raise ValueError(f"histc: max ({high}) must be larger than or equal to min ({low})")
        if low == high and self.data.size:
            low, high = float(self.data.min()), float(self.data.max())
        if low == high:
            low, high = low - 1, high + 1
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError(f"histc: the range [{low}, {high}] is not finite")
        values = self.data.reshape(-1)
        inside = values[(values >= low) & (values <= high)]
        # PyTorch's bin: ⌊(x − min)·bins / (max − min)⌋, the maximum in the last bin
        positions = np.minimum(((inside - low) * bins / (high - low)).astype(np.int64), bins - 1)
        return Tensor.wrap(np.bincount(positions, minlength=bins).astype(self.dtype))

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        """The covariance matrix of the variables in the rows (observations in the columns; a 1-D tensor is one
        variable), with frequency and importance weights and ``correction`` (PyTorch's algorithm);  ∂C/∂a by the
        chain rule"""
        if self.ndim > 2:
            raise ValueError(f"cov: expected a tensor of at most 2 dimensions, got shape {self.shape}")
        x = self.reshape(1, -1) if self.ndim < 2 else self
        if x.dtype.kind != "f":
            x = x.astype(_default_float)
        n = x.shape[1]
        weights = None
        for name, given in (("fweights", fweights), ("aweights", aweights)):
            if given is None:
                continue
            array = _index_free(given)
            if array.ndim > 1 or array.size != n:
                raise ValueError(f"cov: {name} must be 1-D with one entry per observation ({n}), got shape "
                                 f"{array.shape}")
            if name == "fweights" and array.dtype.kind not in "iu":
                raise TypeError(f"cov: fweights must hold integers, got dtype {array.dtype}")
            if name == "aweights" and array.dtype.kind != "f":
                raise TypeError(f"cov: aweights must be floating-point, got dtype {array.dtype}")
            if np.any(array < 0):
                raise ValueError(f"cov: {name} must be non-negative")
            weights = array.astype(x.dtype) if weights is None else weights * array.astype(x.dtype)
        weights = np.ones(n, x.dtype) if weights is None else weights
        total = weights.sum()
        mean = (x * Tensor.wrap(weights)).sum(axis=1, keepdims=True) / Tensor.wrap(np.asarray(total, x.dtype))
        if aweights is None:
            normalizer = total - correction
        else:
            normalizer = total - correction * (weights * _index_free(aweights)).sum() / total
        centred = x - mean
        product = centred @ (centred * Tensor.wrap(weights)).T
        result = product / Tensor.wrap(np.asarray(np.maximum(normalizer, 0), x.dtype))
        return result.reshape(()) if result.shape == (1, 1) else result

    def corrcoef(self) -> Tensor:
        """The Pearson correlation coefficients of the variables in the rows: cov / √(varᵢ·varⱼ), clipped to
        [−1, 1];  ∂C/∂a by the chain rule"""
        c = self.cov()
        if not c.ndim:
            return c / c
        deviations = c.diagonal().sqrt()
        return (c / deviations.unsqueeze(1) / deviations.unsqueeze(0)).clamp(-1, 1)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        """z = a with each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled to that norm, by
        maxnorm / (‖slice‖ₚ + 1e-7) as PyTorch;  ∂C/∂a through the norm too"""
        if self.dtype.kind != "f":
            raise TypeError(f"renorm: needs a floating-point tensor, got dtype {self.dtype} (as PyTorch)")
        if p <= 0:
            raise ValueError(f"renorm: p must be positive, got {p}")
        if maxnorm < 0:
            raise ValueError(f"renorm: maxnorm must be non-negative, got {maxnorm}")
        axis = normalize_axis(dim, self.ndim, "renorm")
        others = tuple(i for i in range(self.ndim) if i != axis)
        norms = vector_norm(self, p, others, True) if others else self.abs()  # 1-D: each element its own slice
        factor = where(norms.data > maxnorm, maxnorm / (norms + 1e-7), Tensor.wrap(np.ones((), self.dtype)))
        return self * factor._as(self.dtype)

    # ------------------------------------------------------------------------------------------- signs, bits, Bessel
    def signbit(self) -> Tensor:
        """Whether a's sign bit is set: True at −0.0 and −NaN too, never for bools or unsigned integers; no gradient"""
        return self._elementwise(np.signbit)

    def copysign(self, other: Any) -> Tensor:
        return ops.Copysign.apply(*self._floating_pair(other))

    copysign.__doc__ = ops.Copysign.__doc__

    def nextafter(self, other: Any) -> Tensor:
        dtype = result_type(self, other)
        if dtype.kind != "f":
            raise TypeError(f"nextafter: needs floating-point tensors, got dtype {dtype} (as PyTorch)")
        return ops.Nextafter.apply(self._as(dtype), _as_dtype(other, dtype))

    nextafter.__doc__ = ops.Nextafter.__doc__

    def float_power(self, exponent: Any) -> Tensor:
        """z = aᵇ computed and returned in float64 whatever the inputs' dtypes (PyTorch's float_power);
        ∂z/∂a = b·aᵇ⁻¹, ∂z/∂b = aᵇ·ln a"""
        return self._as(np.dtype(np.float64)) ** _as_dtype(exponent, np.dtype(np.float64))

    def heaviside(self, values: Tensor) -> Tensor:
        """0 where a < 0 (or NaN), ``values`` (a tensor of a's dtype) where a = 0, 1 where a > 0; no gradient (PyTorch
        has no derivative for it)"""
        if not isinstance(values, Tensor):
            raise TypeError(f"heaviside: values must be a Tensor (as PyTorch), not {type(values).__name__}")
        if values.dtype != self.dtype:
            raise TypeError(f"heaviside: the input ({self.dtype}) and values ({values.dtype}) must have one dtype "
                            "(as PyTorch)")
        if grad_mode.state.grad_enabled and (self.requires_grad or values.requires_grad):
            raise RuntimeError("heaviside: has no derivative (PyTorch raises at backward); call it on detached "
                               "tensors, or under tg.no_grad()")
        return Tensor.wrap(np.where(self.data == 0, values.data, self.data > 0).astype(self.dtype))

    def sinc(self) -> Tensor:
        """z = sin(πa)/(πa), and 1 at a = 0;  ∂z/∂a = (cos(πa) − z)/a, 0 at a = 0"""
        t = self._floating() * math.pi
        near_zero = np.abs(t.data) < _SINC_TAYLOR_BELOW
        far = where(near_zero, 1.0, t)
        u = where(near_zero, t, 0.0) ** 2  # sinc = 1 − u/3! + u²/5! − u³/7! with u = (πa)²: exact there in float64,
        taylor = 1 - u * (1 / 6 - u * (1 / 120 - u / 5040))  # and its derivatives of every order right at 0
        return where(near_zero, taylor, far.sin() / far)

    def i0(self) -> Tensor:
        return ops.I0.apply(self._floating())

    i0.__doc__ = ops.I0.__doc__

    def _shift(self, name: str, other: Any, left: bool, reflected: bool = False) -> Tensor:
        """a << s or a >> s on integers in PyTorch's result dtype, with its rule past the width: a shift by a negative
        amount or by ≥ the bit width gives 0 to the left, and the sign (0 or −1) to the right."""
        dtype = result_type(self, other)
        if dtype.kind not in "iu":
            raise NotImplementedError(f"{name}: needs integer tensors, got dtype {dtype} (PyTorch shifts no bool or "
                                      "floating-point values either)")
        a, s = _array_in(self, dtype), _array_in(other, dtype)
        if reflected:
            a, s = s, a
        outside = (s < 0) | (s >= dtype.itemsize * 8)
        inside = np.where(outside, 0, s)
        if left:
            shifted = np.where(outside, 0, np.left_shift(a, inside))
        else:
            shifted = np.where(outside, np.where(a < 0, -1, 0), np.right_shift(a, inside))
        return Tensor.wrap(np.asarray(shifted).astype(dtype))

    def bitwise_left_shift(self, other: Any) -> Tensor:
        """a·2ˢ with the integer's wrap-around (a << s); 0 for s < 0 or s ≥ the bit width, as PyTorch; no gradient"""
        return self._shift("bitwise_left_shift", other, left=True)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        """⌊a/2ˢ⌋ (a >> s, arithmetic); the sign (0 or −1) for s < 0 or s ≥ the bit width, as PyTorch; no gradient"""
        return self._shift("bitwise_right_shift", other, left=False)

    def __lshift__(self, other: Any) -> Tensor:
        return self._shift("<<", other, left=True)

    def __rshift__(self, other: Any) -> Tensor:
        return self._shift(">>", other, left=False)

    def __rlshift__(self, other: Any) -> Tensor:
        return self._shift("<<", other, left=True, reflected=True)

    def __rrshift__(self, other: Any) -> Tensor:
        return self._shift(">>", other, left=False, reflected=True)

    def __ilshift__(self, other: Any) -> Tensor:
        return self._in_place("<<=", lambda x: x << other)

    def __irshift__(self, other: Any) -> Tensor:
        return self._in_place(">>=", lambda x: x >> other)

    # ------------------------------------------------------------------------------------------- gamma family, erfinv
    def lgamma(self) -> Tensor:
        return ops.Lgamma.apply(self._floating())

    lgamma.__doc__ = ops.Lgamma.__doc__

    def digamma(self) -> Tensor:
        """z = ψ(a) = Γ′(a)/Γ(a);  ∂z/∂a = ψ⁽¹⁾(a). At the poles PyTorch's values: ψ(±0) = ∓inf, NaN at −1, −2, …"""
        return ops.Polygamma.apply(self._floating(), 0)

    def polygamma(self, n: int) -> Tensor:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"polygamma: n must be an int, got {n!r}")
        if n < 0:
            raise ValueError(f"polygamma: n must be ≥ 0 (as PyTorch), got {n}")
        return ops.Polygamma.apply(self._floating(), int(n))

    polygamma.__doc__ = ops.Polygamma.__doc__

    def erfinv(self) -> Tensor:
        return ops.Erfinv.apply(self._floating())

    erfinv.__doc__ = ops.Erfinv.__doc__

    def mvlgamma(self, p: int) -> Tensor:
        """z = ln Γₚ(a) = p(p − 1)/4·ln π + Σᵢ₌₀^(p−1) ln Γ(a − i/2), the multivariate log-gamma function;
        ∂z/∂a = Σᵢ ψ(a − i/2). Every element must exceed (p − 1)/2, as PyTorch requires"""
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
            raise ValueError(f"mvlgamma: p must be an int ≥ 1, got {p!r}")
        a = self._floating()
        if not (a.data > (p - 1) / 2).all():
            raise ValueError(f"mvlgamma: all elements must be greater than (p - 1)/2 = {(p - 1) / 2} (as PyTorch)")
        halves = Tensor.wrap(np.arange(p, dtype=a.data.dtype) / 2)
        return (a.unsqueeze(-1) - halves).lgamma().sum(-1) + p * (p - 1) / 4 * math.log(math.pi)

    # ------------------------------------------------------------------------------------------- products with a scale
    # PyTorch's β·input + α·(product) family: beta=0 ignores input (NaN included), as PyTorch.
    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """z = β·c + α·(a @ b) for c = this tensor: see ``addmm``"""
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """z = β·c + α·(a @ b) for batches of matrices, c = this tensor: see ``baddbmm``"""
        return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """z = β·c + α·(A @ v) for c = this tensor (broadcast to A @ v's shape);  ∂z/∂c = β, ∂C/∂A = α·∂C/∂z·vᵀ,
        ∂C/∂v = α·Aᵀ @ ∂C/∂z"""
        _check_ndims("addmv", (mat, 2), (vec, 1))
        return _scaled_product("addmv", self, (mat, vec), mat @ vec, beta, alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """z = β·c + α·(u ⊗ v) for c = this tensor;  ∂z/∂c = β, ∂C/∂u = α·∂C/∂z @ v, ∂C/∂v = α·(∂C/∂z)ᵀ @ u"""
        _check_ndims("addr", (vec1, 1), (vec2, 1))
        return _scaled_product("addr", self, (vec1, vec2), vec1.outer(vec2), beta, alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """z = β·c + α·Σᵦ aᵦ @ bᵦ for c = this tensor and batches a, b of matrices (one product: the batch joined
        to the inner axis);  ∂z/∂c = β, ∂C/∂aᵦ = α·∂C/∂z @ bᵦᵀ, ∂C/∂bᵦ = α·aᵦᵀ @ ∂C/∂z"""
        _check_ndims("addbmm", (batch1, 3), (batch2, 3))
        (count, rows, inner), (count2, inner2, columns) = batch1.shape, batch2.shape
        if count != count2 or inner != inner2:
            raise ValueError(f"addbmm: batch1 {batch1.shape} and batch2 {batch2.shape} need one batch size and "
                             "matching inner sizes")
        product = batch1.permute(1, 0, 2).reshape(rows, count * inner) @ batch2.reshape(count * inner, columns)
        return _scaled_product("addbmm", self, (batch1, batch2), product, beta, alpha)

    def inner(self, other: Any) -> Tensor:
        """z = Σ over the last axis of a and b of a·b (shape a.shape[:-1] + b.shape[:-1]; a product if either is
        0-d);  ∂C/∂a, ∂C/∂b through ``tensordot``"""
        other = _as_tensor(other)
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        if self.shape[-1] != other.shape[-1]:
            raise ValueError(f"inner: the last dimensions differ: shapes {self.shape} and {other.shape}")
        return tensordot(self, other, ([-1], [-1]))

    def vdot(self, other: Tensor) -> Tensor:
        """z = Σᵢ conj(aᵢ)·bᵢ of two 1-D tensors: ``dot`` for real numbers (the only kind);  ∂z/∂a = b, ∂z/∂b = a"""
        if self.ndim != 1 or other.ndim != 1:
            raise ValueError(f"vdot: 1-D tensors expected, got shapes {self.shape} and {other.shape}")
        return self.dot(other)

    def dist(self, other: Any, p: float = 2) -> Tensor:
        """‖a − b‖ₚ over all elements of the broadcast difference (p = 0, ±inf as ``vector_norm``);  the gradient
        through the norm"""
        other = _as_tensor(other)
        if self.dtype.kind != "f" or other.dtype.kind != "f":
            raise TypeError(f"dist: expected floating-point tensors, got dtypes {self.dtype} and {other.dtype} (as "
                            "PyTorch)")
        return vector_norm(self - other, p)

    # ------------------------------------------------------------------------------------------- numpy's shape helpers
    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """``sections`` equal pieces, or pieces cut at the listed indices, along dim 1 (dim 0 for a 1-D tensor), as
        numpy's and PyTorch's ``hsplit``;  ∂C/∂a = the pieces' gradients side by side"""
        return self._numpy_split("hsplit", indices_or_sections, 1 if self.ndim > 1 else 0, 1)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """``sections`` equal pieces, or pieces cut at the listed indices, along dim 0 of a tensor of ≥ 2 dims;
        ∂C/∂a = the pieces' gradients side by side"""
        return self._numpy_split("vsplit", indices_or_sections, 0, 2)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """``sections`` equal pieces, or pieces cut at the listed indices, along dim 2 of a tensor of ≥ 3 dims;
        ∂C/∂a = the pieces' gradients side by side"""
        return self._numpy_split("dsplit", indices_or_sections, 2, 3)

    def _numpy_split(self, op: str, indices_or_sections: Any, dim: int, min_ndim: int) -> tuple[Tensor, ...]:
        if self.ndim < min_ndim:
            raise ValueError(f"{op}: needs a tensor with at least {min_ndim} dimensions, got shape {self.shape}")
        if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(indices_or_sections, bool):
            size = self.shape[dim]
            if indices_or_sections <= 0 or size % indices_or_sections:
                raise ValueError(f"{op}: dim {dim} of size {size} can't be split into {indices_or_sections} equal "
                                 "pieces; pass the indices to cut at, or use tensor_split")
        elif not isinstance(indices_or_sections, (list, tuple)):
            raise TypeError(f"{op}: expected an int or a list or tuple of indices, got {indices_or_sections!r}")
        return self.tensor_split(indices_or_sections, dim)

    def diagflat(self, offset: int = 0) -> Tensor:
        """The square matrix with the flattened tensor on its ``offset``-th diagonal;  ∂C/∂a = ∂C/∂z's diagonal"""
        return self.reshape(-1).diag(offset)

    def msort(self) -> Tensor:
        """The values sorted along dim 0 (``sort(dim=0).values``);  ∂C/∂a = ∂C/∂z put back where each came from"""
        return self.sort(dim=0).values

    def narrow_copy(self, dim: int, start: int, length: int) -> Tensor:
        """``narrow`` in new memory (a change to the result never reaches the tensor);  ∂C/∂a = ∂C/∂z placed there"""
        return self.narrow(dim, start, length).clone()

    def adjoint(self) -> Tensor:
        """The conjugate transpose of the last two axes: for real numbers ``mT``;  ∂C/∂a = (∂C/∂z)ᵀ"""
        if self.ndim < 2:
            raise ValueError(f"adjoint: needs a matrix or a batch of matrices, got shape {self.shape}")
        return self.mT

    @property
    def mH(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of the last two axes: for real numbers ``mT``."""
        if self.ndim < 2:
            raise ValueError(f"mH needs a matrix or a batch of matrices, got shape {self.shape}")
        return self.mT

    @property
    def H(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix (a 0-D tensor as it is), as PyTorch: for real numbers ``T``."""
        if self.ndim not in (0, 2):
            raise ValueError(f"H is only for matrices (2-D tensors), got shape {self.shape}; use x.mH for batches")
        return self.T

    # ------------------------------------------------------------------------------------------- scatters of a view
    # Each writes src where a view of the tensor would be, out of place: z = a with that view replaced by src;
    # ∂C/∂a = ∂C/∂z elsewhere (0 there), ∂C/∂src = ∂C/∂z there (a ``scatter`` of flat positions).
    def diagonal_scatter(self, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """z = a with its ``diagonal(offset, dim1, dim2)`` replaced by src;  ∂C/∂a = ∂C/∂z off it, ∂C/∂src =
        ∂C/∂z's diagonal"""
        places = Tensor.wrap(self._positions()).diagonal(offset, dim1, dim2).data
        return self._view_scattered("diagonal_scatter", places, src)

    def select_scatter(self, src: Any, dim: int, index: int) -> Tensor:
        """z = a with ``select(dim, index)`` replaced by src;  ∂C/∂a = ∂C/∂z elsewhere, ∂C/∂src = ∂C/∂z there"""
        places = Tensor.wrap(self._positions()).select(dim, index).data
        return self._view_scattered("select_scatter", places, src)

    def slice_scatter(self, src: Any, dim: int = 0, start: int | None = None, end: int | None = None,
                      step: int = 1) -> Tensor:
        """z = a with the slice ``start:end:step`` of ``dim`` replaced by src;  ∂C/∂a = ∂C/∂z elsewhere, ∂C/∂src =
        ∂C/∂z there"""
        axis = normalize_axis(dim, self.ndim, "slice_scatter")
        if not isinstance(step, (int, np.integer)) or step <= 0:
            raise ValueError(f"slice_scatter: step must be a positive int, got {step!r}")
        places = self._positions()[(slice(None),) * axis + (slice(start, end, step),)]
        return self._view_scattered("slice_scatter", places, src)

    def _positions(self) -> np.ndarray:
        """Each element's flat position, in the tensor's shape."""
        return np.arange(self.data.size).reshape(self.shape)

    def _view_scattered(self, op: str, places: np.ndarray, src: Any) -> Tensor:
        source = _as_dtype(src, self.dtype)
        if source.shape != places.shape:
            raise ValueError(f"{op}: src has shape {source.shape}, the part it replaces {places.shape}")
        return self.reshape(-1).scatter(0, places.reshape(-1), source.reshape(-1)).reshape(self.shape)

    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Tensor:
        """z = a with each slice ``index[i]`` of ``dim`` reduced ('prod', 'mean', 'amax', 'amin') with source's
        slice i (and itself, with ``include_self``);  the gradient of ``scatter_reduce``"""
        if reduce not in ("prod", "mean", "amax", "amin"):
            raise ValueError(f"index_reduce: reduce must be one of prod, mean, amax or amin, got {reduce!r}")
        source = _as_tensor(source)
        if source.dtype != self.dtype:
            raise TypeError(f"index_reduce: the tensor ({self.dtype}) and source ({source.dtype}) must have one "
                            "dtype (as PyTorch)")
        places = self._index_places(dim, index, source, "index_reduce")
        axis = normalize_axis(dim, self.ndim, "index_reduce")
        if any(n != m for d, (n, m) in enumerate(zip(source.shape, self.shape)) if d != axis):
            raise ValueError(f"index_reduce: source of shape {source.shape} must match the tensor's shape "
                             f"{self.shape} in every dim but {dim}")
        return self.scatter_reduce(axis, places, source, reduce, include_self=include_self)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """z = a (as if flattened) with source's elements at the flat positions ``index`` (negative ones from the
        end), or added there with ``accumulate``;  ∂C/∂a = ∂C/∂z (0 where replaced), ∂C/∂source = ∂C/∂z there"""
        index = _index_array(index, "put").reshape(-1)
        source = _as_tensor(source)
        if source.dtype != self.dtype:
            raise TypeError(f"put: the tensor ({self.dtype}) and source ({source.dtype}) must have one dtype (as "
                            "PyTorch)")
        if source.data.size != index.size:
            raise ValueError(f"put: source has {source.data.size} elements and index {index.size}: they must match")
        places = _wrapped_index(index, self.data.size, "put", 0)
        flat, values = self.reshape(-1), source.reshape(-1)
        put = flat.scatter_add(0, places, values) if accumulate else flat._written(places, values)
        return put.reshape(self.shape)

    # ------------------------------------------------------------------------------------------- integers, exponents
    def gcd(self, other: Any) -> Tensor:
        """The greatest common divisor of integer tensors, ≥ 0 (gcd(0, 0) = 0), in their result dtype (no gradient)"""
        return self._in_result_dtype(np.gcd, self._integers_only("gcd", other))

    def lcm(self, other: Any) -> Tensor:
        """The least common multiple of integer tensors, ≥ 0 (0 if either is 0), in their result dtype (no gradient)"""
        return self._in_result_dtype(np.lcm, self._integers_only("lcm", other))

    def _integers_only(self, op: str, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            raise TypeError(f"{op}: other must be a tensor (as PyTorch), got {type(other).__name__}")
        if self.dtype.kind not in "iu" or other.dtype.kind not in "iu":
            raise TypeError(f"{op}: needs integer tensors (as PyTorch), got dtypes {self.dtype} and {other.dtype}")
        return other

    def ldexp(self, other: Any) -> Tensor:
        """z = a·2ᵇ, a floating-point result (as PyTorch: a·2.0**b);  ∂z/∂a = 2ᵇ, ∂z/∂b = z·ln 2"""
        return self * 2.0 ** _as_tensor(other)  # 2.0 ** b is floating: the product is, in PyTorch's result dtype

    def frexp(self) -> MantissaExponent:
        """(mantissa, exponent) with a = mantissa·2^exponent, 0.5 ≤ |mantissa| < 1 (0, inf, NaN: themselves and
        exponent 0), exponent int32;  ∂mantissa/∂a = 2^−exponent"""
        if self.dtype.kind != "f":
            raise TypeError(f"frexp: only floating-point tensors (as PyTorch), got dtype {self.dtype}")
        exponent = np.frexp(self.data)[1].astype(np.int32)
        # two exact factors, each a representable power of two (2^−exponent alone overflows for subnormals)
        half = -exponent // 2
        mantissa = self * Tensor.wrap(np.ldexp(np.ones((), self.dtype), half)) * Tensor.wrap(
            np.ldexp(np.ones((), self.dtype), -exponent - half))
        return MantissaExponent(mantissa, Tensor.wrap(exponent))

    def isneginf(self) -> Tensor:
        """Where the tensor is −inf (all False for integers; no gradient)"""
        return self._elementwise(lambda a: a == -np.inf)

    def isposinf(self) -> Tensor:
        """Where the tensor is +inf (all False for integers; no gradient)"""
        return self._elementwise(lambda a: a == np.inf)

    def isreal(self) -> Tensor:
        """Where the imaginary part is 0: everywhere, as every dtype here is real (no gradient)"""
        return Tensor.wrap(np.ones(self.shape, dtype=bool))

    def hardshrink(self, lambd: float = 0.5) -> Tensor:
        """z = a where |a| > λ, else 0;  ∂z/∂a = 1 there, else 0 (``F.hardshrink``)"""
        if self.dtype.kind != "f":
            raise TypeError(f"hardshrink: needs a floating-point tensor (as PyTorch), got dtype {self.dtype}")
        return where(np.abs(self.data) <= lambd, 0.0, self)  # NOTE: a NaN stays NaN (not ≤), as PyTorch

    # ------------------------------------------------------------------------------------------- counting, sampling
    def histogram(self, bins: Any = 100, *, range: tuple[float, float] | None = None, weight: Any = None,
                  density: bool = False) -> HistogramResult:
        """(hist, bin_edges): the count (or summed ``weight``) of the values in each bin [eᵢ, eᵢ₊₁) — the last one
        closed — of ``bins`` equal bins over ``range`` (the values' min and max by default) or of the given edges;
        with ``density`` hist/(total·width). Values outside the edges and NaNs are not counted (no gradient)"""
        if self.dtype.kind != "f":
            raise TypeError(f"histogram: needs a floating-point tensor (as PyTorch), got dtype {self.dtype}")
        values = self.data.reshape(-1)
        if isinstance(bins, Tensor):
            if bins.ndim != 1 or bins.shape[0] < 2 or np.any(np.diff(bins.data) < 0):
                raise ValueError(f"histogram: bin edges must be a 1-D tensor of ≥ 2 increasing values, got {bins}")
            edges = bins.data.astype(self.dtype)
        elif isinstance(bins, (int, np.integer)) and not isinstance(bins, bool) and bins > 0:
            edges = np.linspace(*self._histogram_range(values, range), int(bins) + 1).astype(self.dtype)
        else:
            raise TypeError(f"histogram: bins must be a positive int or a 1-D tensor of edges, got {bins!r}")
        weights = None
        if weight is not None:
            weights = _as_tensor(weight).data
            if weights.shape != self.shape:
                raise ValueError(f"histogram: weight has shape {weights.shape}, the input {self.shape}")
            if weights.dtype != self.dtype:
                raise TypeError(f"histogram: weight's dtype {weights.dtype} must be the input's, {self.dtype} (as "
                                "PyTorch)")
            weights = weights.reshape(-1)
        counted = ~np.isnan(values)
        hist = np.histogram(values[counted], edges, weights=None if weights is None else weights[counted])[0]
        if density:
            hist = hist / (hist.sum() * np.diff(edges.astype(np.float64)))
        return HistogramResult(Tensor.wrap(hist.astype(self.dtype)), Tensor.wrap(edges))

    @staticmethod
    def _histogram_range(values: np.ndarray, range: tuple[float, float] | None) -> tuple[float, float]:
        """The leftmost and rightmost edge: ``range`` or the values' own, widened by ½ each way when they are one
        number (numpy's and PyTorch's rule), (0, 1) for no values."""
        if range is not None:
            low, high = float(range[0]), float(range[1])
        elif values.size == 0:
            low, high = 0.0, 1.0
        else:
            low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"histogram: the range [{low}, {high}] is not finite; pass range=(min, max)")
        if low > high:
            raise ValueError(f"histogram: range's min {low} exceeds its max {high}")
        return (low - 0.5, high + 0.5) if low == high else (low, high)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        """Each run of equal consecutive values (or slices along ``dim``) kept once, in order (NaN equals nothing);
        with each element's run index and each run's length on request (no gradient)"""
        if dim is None:
            rows = self.data.reshape(-1, 1)
        else:
            axis = normalize_axis(dim, self.ndim, "unique_consecutive")
            rows = np.moveaxis(self.data, axis, 0).reshape(self.shape[axis], self.data.size // (self.shape[axis] or 1))
        starts = np.ones(len(rows), dtype=bool)
        starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
        first = np.flatnonzero(starts)
        if dim is None:
            values = self.data.reshape(-1)[first]
            inverse = (np.cumsum(starts) - 1).reshape(self.shape)
        else:
            values = np.take(self.data, first, axis=axis)
            inverse = np.cumsum(starts) - 1
        results = [Tensor.wrap(values)]
        if return_inverse:
            results.append(Tensor.wrap(inverse.astype(np.int64)))
        if return_counts:
            results.append(Tensor.wrap(np.diff(np.append(first, len(rows))).astype(np.int64)))
        return results[0] if len(results) == 1 else tuple(results)

    def random_(self, from_: int = 0, to: int | None = None, *, generator: Generator | None = None) -> Tensor:
        """Fill in place with integers uniform in [from, to − 1] (``random_(to)``: [0, to − 1]; no bounds: [0, 2ᵐ]
        for floats with an m-bit mantissa, the dtype's largest value for integers), as PyTorch"""
        if to is None and from_ != 0:
            from_, to = 0, from_  # random_(to)
        if to is None:
            to = 2 ** (np.finfo(self.dtype).nmant + 1) + 1 if self.dtype.kind == "f" else \
                int(np.iinfo(self.dtype).max) + 1 if self.dtype.kind in "iu" else 2
        if to <= from_:
            raise ValueError(f"random_: expects from < to, got from={from_}, to={to}")
        values = _stream(generator).integers(from_, to, self.shape)
        return self._in_place("random_", lambda before: Tensor.wrap(values.astype(self.dtype)))

    def bernoulli(self, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
        """1 with probability given by this tensor (or ``p``), else 0: see ``bernoulli``"""
        return bernoulli(self, p, generator=generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
        """Fill in place with 1 with probability ``p`` (a number or a tensor broadcasting to this one), else 0"""
        probabilities = np.broadcast_to(_index_free(p), self.shape)
        if not np.all((probabilities >= 0) & (probabilities <= 1)):
            raise ValueError("bernoulli_: probabilities must lie in [0, 1]")
        draws = _stream(generator).random(self.shape) < probabilities
        return self._in_place("bernoulli_", lambda before: Tensor.wrap(draws.astype(self.dtype)))

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Generator | None = None) -> Tensor:
        """Indices drawn with probabilities proportional to this tensor's rows: see ``multinomial``"""
        return multinomial(self, num_samples, replacement, generator=generator)

    # ------------------------------------------------------------------------------------------- complex numbers' names
    # Every dtype here is real: each name means what PyTorch means for a real tensor, or refuses.
    def angle(self) -> Tensor:
        """The argument of each (real) number: π for negatives, 0 otherwise (NaN stays NaN), as PyTorch;  ∂z/∂a = 0"""
        a = self._floating()
        values = np.where(np.isnan(a.data), a.data, np.where(a.data < 0, np.pi, 0.0)).astype(a.dtype)
        return where(np.ones(self.shape, dtype=bool), Tensor.wrap(values), a)  # joined to a with a zero gradient

    @property
    def real(self) -> Tensor:
        """The real part: the tensor itself, as PyTorch's ``x.real`` of a real tensor."""
        return self

    @property
    def imag(self) -> Tensor:
        """The imaginary part: refused for real tensors, as PyTorch (complex dtypes are not supported here)."""
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes (as PyTorch); complex "
                           "numbers are not supported here: keep the imaginary part as a tensor of its own")


_SINC_TAYLOR_BELOW = 0.01  # |πa| below which sinc is its Taylor polynomial (the first term left out, u⁴/9!, < 1e-21)


def times_log(a: Tensor, b: Tensor, log: Callable[[Tensor], Tensor], lowest: float) -> Tensor:
    """z = a·log(b) by PyTorch's xlogy rules: 0 where a = 0 and b is not NaN, also where log(b) has no real value (b ≤
    ``lowest``, there ∂z/∂a = 0) or is ∞ (a value only: ∂z/∂a stays ∞); +0.0, never −0.0, at a = 0."""
    undefined = (a.data == 0) & ~(b.data > lowest) & ~np.isnan(b.data)
    z = a * log(where(undefined, lowest + 1, b)) + 0.0  # log(lowest + 1) = 0; + 0.0 turns 0·(−x) into +0.0
    zero_times_infinity = (a.data == 0) & (b.data == np.inf)
    if zero_times_infinity.any():
        z.data[zero_times_infinity] = 0.0
    return z


def _backward_inputs(inputs: Any) -> list[Tensor]:
    """``backward(inputs=...)`` checked: one tensor or a non-empty sequence of them, each requiring grad."""
    found = [inputs] if isinstance(inputs, Tensor) else list(inputs) if isinstance(inputs, (list, tuple)) else None
    if found is None or not all(isinstance(w, Tensor) for w in found):
        raise TypeError(f"backward(inputs=...) takes a Tensor or a list or tuple of Tensors, got {inputs!r}")
    if not found:
        raise RuntimeError("backward(): the `inputs` argument cannot be empty")
    for index, w in enumerate(found):
        if not w.requires_grad:
            raise RuntimeError(f"backward(): input {index} in `inputs` does not require grad, so it can get no .grad")
    return found


def _in_place_twin(name: str, view: bool = False) -> Callable[..., Tensor]:
    """``x.name_(...)``: ``x.name(...)`` written into x, with ``_in_place``'s rules (leaves, graphs, versions); for
    a view op (``view``), x becomes that view of its own memory (``_view_in_place``)."""
    method, change = getattr(Tensor, name), Tensor._view_in_place if view else Tensor._in_place

    def in_place(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return change(self, f"{name}_", lambda before: method(before, *args, **kwargs))

    in_place.__name__ = in_place.__qualname__ = f"{name}_"
    in_place.__doc__ = (f"``{name}`` in place: this tensor becomes that view of its own memory, and is returned."
                        if view else f"``{name}`` in place: the result is written into this tensor, which is returned.")
    return in_place


IN_PLACE_TWINS = (  # PyTorch's x.name_(...) for each name: the same values, written into x
    "abs", "absolute", "acos", "acosh", "add", "addcdiv", "addcmul", "asin", "asinh", "atan", "atan2", "atanh",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "ceil", "clamp", "clamp_max", "clamp_min", "clip",
    "cos", "cosh", "deg2rad", "div", "divide", "erf", "erfc", "exp", "exp2", "expm1", "floor", "floor_divide",
    "fmod", "frac", "hypot", "index_add", "index_copy", "index_fill", "lerp", "log", "log10", "log1p", "log2",
    "logit", "masked_fill", "mul", "multiply", "nan_to_num", "neg", "negative", "pow", "rad2deg", "reciprocal",
    "relu", "remainder", "round", "rsqrt", "scatter", "scatter_add", "sigmoid", "sign", "sin", "sinh", "sqrt",
    "square", "sub", "subtract", "tan", "tanh", "tril", "triu", "true_divide", "trunc", "xlogy",
)
for _name in ("unsqueeze", "squeeze", "t", "transpose", "swapdims", "swapaxes"):
    setattr(Tensor, f"{_name}_", _in_place_twin(_name, view=True))
for _name in IN_PLACE_TWINS:
    setattr(Tensor, f"{_name}_", _in_place_twin(_name))
for _name in ("bitwise_left_shift", "bitwise_right_shift", "copysign", "nextafter", "sinc", "i0", "lgamma",
              "digamma", "polygamma", "erfinv", "mvlgamma"):
    setattr(Tensor, f"{_name}_", _in_place_twin(_name))  # this session's ops (kept apart, so merges stay easy)

for _name in ("scatter_reduce", "index_put", "masked_scatter"):  # the in-place twins of the session-5 ops
    setattr(Tensor, f"{_name}_", _in_place_twin(_name))

for _name in ("addmm", "baddbmm", "addmv", "addr", "addbmm", "index_reduce", "put", "gcd", "lcm", "ldexp"):
    setattr(Tensor, f"{_name}_", _in_place_twin(_name))  # the scaled products, index_reduce, put, gcd, lcm, ldexp

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


_constants: dict[tuple[Any, np.dtype], Tensor] = {}  # (number, dtype) → a read-only constant tensor


def _constant(number: float, dtype: np.dtype) -> Tensor:
    """A Python number as a constant tensor of ``dtype``, made once per (number, dtype) and shared: read-only, so no
    graph that holds it can see it change. ``y = y * 1.0001`` in a loop makes no tensor per op (and none for the
    cycle collector to track). Zero is made afresh: 0.0 == -0.0 as a key, but not as a factor."""
    key = (number, dtype)
    constant = _constants.get(key)
    if constant is None:
        constant = Tensor.wrap(np.array(number, dtype=dtype))
        if not number:
            return constant
        constant.data.flags.writeable = False
        if len(_constants) >= 256:
            _constants.clear()
        _constants[key] = constant
    return constant


def _scaled(value: Any, factor: Any, dtype: np.dtype, name: str) -> Tensor:
    """factor·value in ``dtype``, the result dtype of the op (PyTorch's ``alpha=``/``value=``): an integer result
    refuses a fractional factor (PyTorch refuses or truncates it), a bool result takes the factor as a bool."""
    if dtype.kind in "iu" and isinstance(factor, (float, np.floating)) and not float(factor).is_integer():
        raise TypeError(f"{name}: an integer result can't be scaled by {factor} (PyTorch refuses or truncates it): "
                        "make the tensors float")
    value = _as_dtype(value, dtype)
    if dtype.kind == "b":
        return value & bool(factor)
    return value if factor == 1 else value * (factor if dtype.kind == "f" else int(factor))


def _as_dtype(value: Any, dtype: np.dtype) -> Tensor:
    """An operand in ``dtype``: a tensor cast (differentiably if it requires grad), anything else converted."""
    if isinstance(value, Tensor):
        return value._as(dtype)
    return Tensor.wrap(as_array(value, dtype))  # straight to dtype: a Python float is not rounded to float32 first


def _correction(correction: int | None, ddof: int | None, op: str) -> int:
    if correction is not None and ddof is not None:
        raise TypeError(f"{op}: pass correction= (PyTorch's name) or ddof= (numpy's), not both")
    value = ddof if correction is None else correction
    return 1 if value is None else value


class ValuesIndices(NamedTuple):
    """What ``max(dim)``, ``min(dim)`` (and ops like them) return, as PyTorch's ``torch.return_types``."""

    values: Tensor
    indices: Tensor


def _split_points(indices_or_sections: Any, sections: Any, indices: Any) -> Any:
    """tensor_split's one argument, positional or under PyTorch's keywords ``sections=`` (an int) or ``indices=``."""
    given = [value for value in (indices_or_sections, sections, indices) if value is not None]
    if len(given) != 1:
        raise TypeError("tensor_split: pass one of indices_or_sections, sections= or indices=")
    if sections is not None and not isinstance(sections, (int, np.integer)):
        raise TypeError(f"tensor_split: sections= takes an int, got {type(sections).__name__}")
    if indices is not None and isinstance(indices, (int, np.integer)):
        raise TypeError("tensor_split: indices= takes a sequence of indices; sections= takes a number of pieces")
    return given[0]


def _other_tensor(dim: Any, other: Any, op: str) -> Any:
    """``max``/``min``'s first argument, or PyTorch's ``other=``: a tensor (the elementwise extremum), never an axis."""
    if other is None:
        return dim
    if dim is not None or not isinstance(other, Tensor):
        raise TypeError(f"{op}(other=...) takes one tensor and no dim, got other of type {type(other).__name__}")
    return other


def _one_spelling(numpy_value: Any, torch_value: Any, op: str, numpy_name: str, torch_name: str) -> Any:
    """The argument given under numpy's name or PyTorch's; both is an error naming the two."""
    if torch_value is None:
        return numpy_value
    if numpy_value is not None:
        raise TypeError(f"{op}: pass {torch_name}= (PyTorch's spelling) or {numpy_name}= (numpy's), not both")
    return torch_value


def reduction_args(op: str, ndim: int, axis: Axis, keepdims: bool | None, dim: Axis,
                   keepdim: bool | None) -> tuple[tuple[int, ...], bool]:
    """A reduction's axes (checked, sorted) and keepdims, from either spelling. ``dim=()`` reduces every axis, as in
    PyTorch (but ``any``/``all``, where PyTorch reduces none); numpy's ``axis=()`` reduces none."""
    if isinstance(dim, (tuple, list)) and not dim and op not in ("any", "all"):
        dim = tuple(range(ndim))
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
    """A copy of ``tensor`` with ``value`` assigned at ``index`` (numpy's rules; a list of two indices: the second
    inside the block the first picks), outside any graph."""
    values = tensor.data.copy()
    block = values[index[0]] if isinstance(index, list) else values
    block[index[1] if isinstance(index, list) else index] = value.data if isinstance(value, Tensor) else value
    return Tensor.wrap(values)


def _without_leading_ones(value: Any) -> Any:
    """A value to assign, its leading axes of size 1 dropped, as PyTorch does before broadcasting it to the place
    (so ``x[0, 1] = tensor([5.0])`` fills one element)."""
    shape = getattr(value, "shape", ())
    ones = next((k for k, n in enumerate(shape) if n != 1), len(shape))
    return value.reshape(shape[ones:]) if ones else value


def _pytorch_order(index: Any, ndim: int) -> list[tuple] | None:
    """An index that mixes integers with advanced indices (arrays, masks) as the two steps PyTorch takes: the
    integers first (a view, every other axis kept), then the rest on what is left — so ``x[0, :, [0, 2]]`` has
    shape (3, 2), where numpy, counting 0 as an advanced index, moves the advanced axes to the front. None when
    numpy's order is PyTorch's."""
    if not isinstance(index, tuple):
        return None
    integers = [isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in index]
    if not any(integers) or not any(isinstance(i, np.ndarray) for i in index):
        return None
    def consumed(entry: Any) -> int:
        if entry is None or entry is Ellipsis or isinstance(entry, (bool, np.bool_)):
            return 0
        return entry.ndim if isinstance(entry, np.ndarray) and entry.dtype == np.bool_ else 1
    first: list = []
    then: list = []
    for entry, integer in zip(index, integers):
        if integer:
            first.append(entry)
        elif entry is Ellipsis:
            first.extend([slice(None)] * (ndim - sum(consumed(e) for e in index)))
            then.append(Ellipsis)
        else:
            first.extend([slice(None)] * consumed(entry))
            then.append(entry)
    return [tuple(first), tuple(then)]


def _normalize_index(index: Any) -> Any:
    """Replace Tensors and lists inside an index by ndarrays, so numpy's rules apply unchanged; a 0-d integer
    tensor is an int (a view, as in PyTorch)."""
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    if isinstance(index, np.ndarray) and index.ndim == 0 and index.dtype.kind in "iu":
        return int(index)  # a 0-d integer array is an integer, as PyTorch reads it
    if isinstance(index, Tensor):
        if index.data.dtype == np.uint8:
            raise IndexError("a uint8 index tensor: PyTorch reads it as a mask (deprecated), numpy as indices; use "
                             "x[mask.bool()] or x[indices.long()]")
        return int(index.data) if index.data.ndim == 0 and index.data.dtype.kind in "iu" else index.data
    if isinstance(index, list):
        if len(index) < 32 and any(isinstance(i, (list, tuple, np.ndarray, Tensor, slice)) or i is None or i is Ellipsis
                                   for i in index):
            raise IndexError("x[[...]] with lists, tensors or slices inside: PyTorch still reads the outer list as a "
                             "tuple, numpy as one index array; write x[tuple(seq)] or x[tg.tensor(seq)]")
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


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` holds, else ``other`` (broadcasting); the condition carries no gradient. With the
    condition alone: its nonzero indices, one tensor per axis (``condition.nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return _as_tensor(condition).nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: pass both input and other, or the condition alone")
    x, y = input, other
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor or array, got dtype {condition.dtype}")
    dtype = result_type(x, y)
    return ops.Where.apply(condition, _as_dtype(x, dtype), _as_dtype(y, dtype))


def maximum(input: Any, other: Any) -> Tensor:
    return _as_tensor(input).maximum(other)


def minimum(input: Any, other: Any) -> Tensor:
    return _as_tensor(input).minimum(other)


def _refuse_integers(name: str, dtype: np.dtype) -> None:
    """PyTorch's refusal of a mean or a variance of integers or bools (numpy would give float64)."""
    raise TypeError(f"{name}: needs a floating-point tensor, got dtype {dtype} (PyTorch refuses it too): convert it "
                    "first with .float()" + (" or pass dtype=tg.float32" if name == "mean" else ""))


def _negative_integer(value: Any) -> bool:
    """Whether ``value`` is a negative Python or numpy integer (not a bool, not a tensor)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value < 0


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


@_on_the_cpu
def zeros(*shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.zeros(_size_args(shape, size, "zeros")), dtype, requires_grad)


@_on_the_cpu
def ones(*shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.ones(_size_args(shape, size, "ones")), dtype, requires_grad)


@_on_the_cpu
def full(size: Any, fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; without ``dtype``, a bool fills a bool tensor, an int an int64 one, a float one of
    the default float dtype (as PyTorch)."""
    if dtype is None and isinstance(fill_value, (bool, np.bool_, int, np.integer)):
        dtype = np.bool_ if isinstance(fill_value, (bool, np.bool_)) else np.int64
    return _factory(np.full(_shape_args((size,)), fill_value), dtype, requires_grad)


@_on_the_cpu
def randn(*shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False,
          generator: Generator | None = None) -> Tensor:
    """Standard normal samples from the seeded generator (or ``generator``'s own stream)."""
    return _factory(_stream(generator).standard_normal(_size_args(shape, size, "randn")), dtype, requires_grad)


@_on_the_cpu
def rand(*shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False,
         generator: Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator (or ``generator``'s own stream)."""
    return _factory(_stream(generator).random(_size_args(shape, size, "rand")), dtype, requires_grad)


@_on_the_cpu
def arange(start: float = 0, stop: float | None = None, step: float = 1, dtype: DTypeLike = None,
           requires_grad: bool = False, *, end: float | None = None) -> Tensor:
    """Like ``np.arange`` (``end=`` is PyTorch's name for ``stop``); integer arguments give int64, others the default
    float dtype."""
    stop = _one_spelling(stop, end, "arange", "stop", "end")
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(array, requires_grad=requires_grad, dtype=dtype if dtype is not None else
                  (np.int64 if array.dtype.kind in "iu" else _default_float))


@_on_the_cpu
def eye(n: int, m: int | None = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _factory(np.eye(n, m), dtype, requires_grad)


@_on_the_cpu
def zeros_like(input: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(input.data, dtype=dtype), requires_grad=requires_grad)


@_on_the_cpu
def ones_like(input: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(input.data, dtype=dtype), requires_grad=requires_grad)


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


def to_arguments(args: tuple, dtype: DTypeLike, device: Any, op: str) -> np.dtype | None:
    """The dtype PyTorch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other)`` asks for (None: keep
    it), after checking that the device is the one there is, ``"cpu"``; a string is always a device."""
    dtypes, devices = [d for d in (dtype,) if d is not None], [d for d in (device,) if d is not None]
    for arg in args:
        if isinstance(arg, Tensor):
            dtypes.append(arg.dtype)
        elif isinstance(arg, (str, int)) or not _is_dtype(arg):
            devices.append(arg)
        else:
            dtypes.append(arg)
    if len(dtypes) > 1 or len(devices) > 1:
        raise TypeError(f"{op}: one dtype and one device at most, got dtypes {dtypes} and devices {devices}")
    _check_device((devices or [None])[0], op)
    return np.dtype(dtypes[0]) if dtypes else None


def _positional_flags(args: tuple, copy: bool) -> tuple[tuple, bool]:
    """PyTorch's ``to(target, non_blocking, copy)``: the target arguments and ``copy`` (non_blocking means nothing on
    the CPU)."""
    flags = [arg for arg in args if isinstance(arg, bool)]
    target = args[: len(args) - len(flags)]
    if len(flags) > 2 or not target or any(isinstance(arg, bool) for arg in target):
        raise TypeError(f"to: after the dtype, device or tensor come non_blocking and copy (two bools at most), got "
                        f"{args!r}")
    return target, copy or (len(flags) == 2 and flags[1])


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


# ----------------------------------------------------------------------------------------------- helpers of the new ops
class MinMax(NamedTuple):
    """What ``aminmax`` returns, as PyTorch's ``torch.return_types.aminmax``."""

    min: Tensor
    max: Tensor


class HistogramResult(NamedTuple):
    """What ``histogram`` returns, as PyTorch's ``torch.return_types.histogram``."""

    hist: Tensor
    bin_edges: Tensor


class MantissaExponent(NamedTuple):
    """What ``frexp`` returns, as PyTorch's ``torch.return_types.frexp``."""

    mantissa: Tensor
    exponent: Tensor


class SignLogAbsDet(NamedTuple):
    """What ``slogdet`` returns, as PyTorch's ``torch.return_types.slogdet``."""

    sign: Tensor
    logabsdet: Tensor


def _not_a_sequence(other: Any, op: str) -> Any:
    """A list or tuple compared with ``==``/``!=`` is refused: PyTorch compares it by identity (``x == [1, 2]`` is
    False there), numpy elementwise."""
    if isinstance(other, (list, tuple)):
        raise TypeError(f"x {op} {type(other).__name__}: PyTorch compares a {type(other).__name__} by identity (always "
                        f"{op == '!='}), numpy element by element; compare with tg.tensor([...]) for that")
    return other


def _in_new_memory(result: Tensor, source: Tensor) -> Tensor:
    """``result``, copied if it still views ``source``'s memory: PyTorch's repeat, roll and repeat_interleave always
    return new memory, so a change to the result never reaches the source."""
    return result.clone() if np.may_share_memory(result.data, source.data) else result


def _in_dtype(result: Tensor, dtype: DTypeLike) -> Tensor:
    """A result asked for in ``dtype``: numpy sums and multiplies small integers in int64; cast back (integers carry
    no gradient)."""
    if dtype is None or result.data.dtype == np.dtype(dtype):
        return result
    return Tensor.wrap(result.data.astype(dtype))


def _shown_as_view(result: Tensor, view: np.ndarray, base: Tensor) -> Tensor:
    """``result`` (its graph made by indexing, which copies) holding ``view`` instead: the same values in ``base``'s
    memory, as PyTorch's ``diagonal`` and ``unfold`` are views, noted as a view of ``base`` like any other."""
    result.data = view
    engine.note_view(result, base)
    return result


def _diagonal_view(array: np.ndarray, offset: int, axis1: int, axis2: int) -> np.ndarray:
    """``np.diagonal``'s view, writeable wherever ``array`` is (numpy's own is read-only)."""
    start = [slice(None)] * array.ndim
    start[axis2 if offset >= 0 else axis1] = slice(abs(offset), None)
    shifted = array[tuple(start)]
    diagonal = np.diagonal(shifted, 0, axis1, axis2)
    return np.lib.stride_tricks.as_strided(shifted, diagonal.shape, diagonal.strides)


def _index_free(values: Any) -> np.ndarray:
    """Values as an array, outside any graph."""
    return np.asarray(values.data if isinstance(values, Tensor) else values)


def _truncated_quotient(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b rounded toward zero, exact for integers (a float quotient would round large int64 values)."""
    if a.dtype.kind == "f":
        return np.trunc(a / b)
    floored = np.floor_divide(a, b)
    return floored + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0))).astype(floored.dtype)


def _sign(a: np.ndarray) -> np.ndarray:
    """−1, 0 or 1 in a's dtype, and 0 for NaN (PyTorch's sign; numpy's gives NaN)."""
    return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)


def _index_array(index: Any, op: str) -> np.ndarray:
    """An index tensor or array-like as an integer ndarray."""
    array = np.asarray(index.data if isinstance(index, Tensor) else index)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {array.dtype}")
    return array


def _check_bounds(index: np.ndarray, size: int, op: str, dim: int) -> None:
    """Indices must lie in [0, size) (PyTorch's gather family takes no negative indices)."""
    if index.size and (index.min() < 0 or index.max() >= size):
        raise IndexError(f"{op}: index {index.min() if index.min() < 0 else index.max()} is out of bounds for dim "
                         f"{dim} of size {size}")


def repeat_counts(repeats: Any, op: str, vector: bool) -> np.ndarray:
    """A tensor of repeat counts as an array: integers, none negative, 1-D (or 0-d unless ``vector``), as PyTorch."""
    counts = _index_free(repeats)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"{op}: repeats must hold integers, got dtype {counts.dtype}")
    if counts.ndim > 1 or (vector and counts.ndim != 1):
        raise ValueError(f"{op}: repeats must be a 1-D{'' if vector else ' or 0-d'} tensor, got shape {counts.shape}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"{op}: repeats can not be negative, got {counts.min()}")
    return counts


def _reads_0d_as_1d(*inputs: Any) -> bool:
    """Whether PyTorch's gather and scatter read these inputs with the 0-d ones as of shape (1,): some tensor or
    array among them is 0-d and none has more than one dim."""
    dims = [x.ndim for x in inputs if isinstance(x, (Tensor, np.ndarray))]
    return 0 in dims and max(dims) <= 1


def _as_1d(value: Any) -> Any:
    """A 0-d tensor or array as shape (1,); anything else as it is."""
    return value.reshape(1) if isinstance(value, (Tensor, np.ndarray)) and not value.ndim else value


def _wrapped_index(index: np.ndarray, size: int, op: str, dim: int) -> np.ndarray:
    """Indices in [-size, size), the negative ones counted from the end (PyTorch's take, put, index_fill)."""
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"{op}: index {index.min() if index.min() < -size else index.max()} is out of range for dim "
                         f"{dim} of size {size} (expected in [{-size}, {size - 1}])")
    return np.where(index < 0, index + size, index)


def _bool_mask(mask: Any, op: str) -> np.ndarray:
    array = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if array.dtype != np.bool_:
        raise TypeError(f"{op}: the mask must be a bool tensor, got dtype {array.dtype}")
    return array


def _checked_k(k: int, n: int, op: str, zero: bool = False) -> int:
    if not isinstance(k, (int, np.integer)) or not (0 if zero else 1) <= k <= n:
        raise IndexError(f"{op}: k = {k!r} is out of range for a dimension of size {n}")
    return int(k)


def _check_ndims(op: str, *pairs: tuple[Tensor, int]) -> None:
    if any(t.ndim != n for t, n in pairs):
        expected, got = " and ".join(f"{n}-D" for _, n in pairs), " and ".join(str(t.shape) for t, _ in pairs)
        raise ValueError(f"{op}: expected {expected} tensors, got shapes {got}")


def _picked(original: Tensor, x: Tensor, indices: np.ndarray, axis: int, keep: bool) -> ValuesIndices:
    """(values, indices) of x at ``indices`` (kept dims) along ``axis``, shaped for ``original`` (0-d stays 0-d)."""
    values = take_along_axis(x, Tensor.wrap(indices), axis)
    if not keep:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    if not original.ndim:
        values, indices = values.reshape(()), indices.reshape(())
    return ValuesIndices(values, Tensor.wrap(indices))


def _floating_tensor(x: Any, op: str) -> Tensor:
    x = _as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got dtype {x.dtype} (as PyTorch)")
    return x


# ----------------------------------------------------------------------------------------------- reductions, free
def std_mean(input: Tensor, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over ``dim`` (all axes by default), PyTorch's ``correction=1`` unless given, its positional
    ``(dim, unbiased, keepdim)`` and ``(unbiased)`` too;  the gradients of ``std`` and ``mean``"""
    dim, unbiased = _unbiased_overload(dim, unbiased)
    correction = _unbiased(correction, unbiased)
    return input.std(dim=dim, correction=correction, keepdim=keepdim), input.mean(dim=dim, keepdim=keepdim)


def var_mean(input: Tensor, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over ``dim`` (all axes by default), PyTorch's ``correction=1`` unless given, its positional
    ``(dim, unbiased, keepdim)`` and ``(unbiased)`` too;  the gradients of ``var`` and ``mean``"""
    dim, unbiased = _unbiased_overload(dim, unbiased)
    correction = _unbiased(correction, unbiased)
    return input.var(dim=dim, correction=correction, keepdim=keepdim), input.mean(dim=dim, keepdim=keepdim)


def _unbiased_overload(dim: Any, unbiased: bool | None) -> tuple[Any, bool | None]:
    """PyTorch's ``var(unbiased)`` overload: a bool where the axis goes is ``unbiased``, over all axes."""
    if isinstance(dim, (bool, np.bool_)) and unbiased is None:
        return None, dim
    return dim, unbiased


def _unbiased(correction: int | None, unbiased: bool | None) -> int | None:
    if unbiased is None:
        return correction
    if correction is not None:
        raise TypeError("pass correction= or PyTorch's older unbiased=, not both")
    return int(bool(unbiased))


# ----------------------------------------------------------------------------------------------- linear algebra, free
def _norm_input(x: Any, dtype: DTypeLike, op: str) -> Tensor:
    """A norm's input: floating point, then cast to ``dtype`` if given (never a narrower one, as PyTorch)."""
    x = _floating_tensor(x, op)
    if dtype is None:
        return x
    if np.promote_types(x.dtype, dtype) != np.dtype(dtype):
        raise TypeError(f"{op}: dtype={np.dtype(dtype)} would narrow the input's {x.dtype}; pass a wider dtype")
    return x.to(dtype)


def vector_norm(x: Tensor, ord: float = 2, dim: Axis = None, keepdim: bool = False, *,
                dtype: DTypeLike = None) -> Tensor:
    """‖a‖ₚ = (Σᵢ |aᵢ|ᵖ)^(1/p) over ``dim`` (all axes by default; p = ±inf the largest or smallest |aᵢ|, 0 the
    number of non-zeros), of x cast to ``dtype`` first if given;  ∂‖a‖ₚ/∂aᵢ = sign(aᵢ)·|aᵢ|ᵖ⁻¹/‖a‖ₚᵖ⁻¹ (0 where
    ‖a‖ₚ = 0, as PyTorch)"""
    x = _norm_input(x, dtype, "vector_norm")
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"vector_norm: ord must be a number (inf included), got {ord!r}")
    if x.dtype == np.float16:  # as PyTorch, half-precision norms are accumulated in float32 (300² overflows float16)
        return vector_norm(x.astype(np.float32), ord, dim, keepdim).astype(np.float16)
    axes = reduction_args("vector_norm", x.ndim, None, None, dim, keepdim)[0]  # dim=() is every axis, as PyTorch
    if ord == math.inf:
        return x.abs().amax(axis=axes, keepdims=keepdim)
    if ord == -math.inf:
        return x.abs().amin(axis=axes, keepdims=keepdim)
    if ord == 0:
        return Tensor.wrap(np.count_nonzero(x.data, axis=axes, keepdims=keepdim).astype(x.dtype))
    if ord == 1:
        return x.abs().sum(axis=axes, keepdims=keepdim)
    if ord == 2:
        return _root_or_zero((x * x).sum(axis=axes, keepdims=keepdim), 0.5)
    # NOTE: scaled by the largest |aᵢ| (a constant: the norm is homogeneous), so |aᵢ|ᵖ cannot overflow; zeros are
    # left out of the powers, so their gradient is 0 and not 0·∞
    largest = np.max(np.abs(x.data), axis=axes, keepdims=True, initial=0)
    scale = Tensor.wrap(np.where(np.isfinite(largest) & (largest > 0), largest, 1).astype(x.dtype))
    nonzero = x.data != 0
    powered = (where(nonzero, x, 1.0).abs() / scale) ** float(ord)
    if ord > 0:
        total = _root_or_zero(where(nonzero, powered, 0.0).sum(axis=axes, keepdims=True), 1 / float(ord)) * scale
    else:  # a zero makes a negative-order norm 0, with a gradient of 0 (as PyTorch), not ∞·0
        total = where(~nonzero.all(axis=axes, keepdims=True), 0.0,
                      powered.sum(axis=axes, keepdims=True) ** (1 / float(ord)) * scale)
    return total if keepdim else total.reshape([n for i, n in enumerate(x.shape) if i not in axes])


def _root_or_zero(total: Tensor, power: float) -> Tensor:
    """total ** power, and 0 with a zero gradient where total is 0 (PyTorch's norm at 0; not ∞·0)."""
    nonzero = total.data != 0  # NaN stays NaN: a norm must not hide one
    return where(nonzero, where(nonzero, total, 1.0) ** power, 0.0)


def matrix_norm(A: Tensor, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,
                dtype: DTypeLike = None) -> Tensor:
    """‖A‖ over the matrices in ``dim``: 'fro' = √Σ aᵢⱼ², 1 / −1 the largest / smallest column sum of |A|, inf / −inf
    of row sums, of A cast to ``dtype`` first if given;  the gradient of that composition (ties share)"""
    A = _norm_input(A, dtype, "matrix_norm")
    if len(dim) != 2:
        raise ValueError(f"matrix_norm: dim must name two axes, got {dim!r}")
    rows, cols = (normalize_axis(d, A.ndim, "matrix_norm") for d in dim)
    if rows == cols:
        raise ValueError(f"matrix_norm: dim names one axis twice: {dim!r}")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"matrix_norm: ord={ord!r} needs singular values: use tg.linalg.matrix_norm, "
                                  "which computes them")
    if ord not in (1, -1, math.inf, -math.inf):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', ±1, ±2 or ±inf, got {ord!r}")
    summed, over = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = A.abs().sum(axis=summed, keepdims=True)
    total = sums.amax(axis=over, keepdims=True) if ord > 0 else sums.amin(axis=over, keepdims=True)
    return total if keepdim else total.squeeze((rows, cols))


def linalg_norm(A: Tensor, ord: float | str | None = None, dim: Axis = None, keepdim: bool = False, *,
                dtype: DTypeLike = None) -> Tensor:
    """torch.linalg.norm: a vector norm over one axis, a matrix norm over two, and without ``dim`` the 2-norm of all
    elements (``ord`` then needs a 1-D or 2-D tensor), of A cast to ``dtype`` first if given;  the gradient of the
    norm it picks"""
    A = _norm_input(A, dtype, "norm")
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} without dim needs a 1-D or 2-D tensor, got shape {A.shape}")
        dim = 0 if A.ndim == 1 else (0, 1)
    if dim is None or isinstance(dim, (int, np.integer)):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
    return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim)


def _square_matrices(A: Any, op: str) -> Tensor:
    A = _floating_tensor(A, op)
    if A.dtype == np.float16:
        raise TypeError(f"{op}: float16 is not supported by linear algebra (as PyTorch); use float32 or float64")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op}: expected a square matrix or a batch of them, got shape {A.shape}")
    return A


def inv(A: Tensor) -> Tensor:
    return ops.Inv.apply(_square_matrices(A, "inv"))


inv.__doc__ = ops.Inv.__doc__


def det(A: Tensor) -> Tensor:
    return ops.Det.apply(_square_matrices(A, "det"))


det.__doc__ = ops.Det.__doc__


def slogdet(A: Tensor) -> SignLogAbsDet:
    """(sign, ln|det A|) of a (batch of) square matrices, finite where det A itself would overflow;  ∂ln|det A|/∂A
    = A⁻ᵀ (the sign has no gradient)"""
    A = _square_matrices(A, "slogdet")
    return SignLogAbsDet(Tensor.wrap(np.linalg.slogdet(A.data)[0]), ops.Slogdet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """ln det A, nan where det A < 0 and −inf where it is 0 (as PyTorch);  ∂ln det A/∂A = A⁻ᵀ (0 where det A < 0,
    ±inf where it is 0, as PyTorch)"""
    sign, logabsdet = slogdet(_square_matrices(input, "logdet"))
    return where(sign.data < 0, Tensor.wrap(np.array(np.nan, logabsdet.dtype)), logabsdet)


def matrix_exp(input: Tensor) -> Tensor:
    return ops.MatrixExp.apply(_square_matrices(input, "matrix_exp"))


matrix_exp.__doc__ = ops.MatrixExp.__doc__


def solve(A: Tensor, B: Any, *, left: bool = True) -> Tensor:
    """X with A·X = B (X·A = B with ``left=False``); B a matrix, a batch of them, or of vectors (PyTorch's rule);
    ∂C/∂B = A⁻ᵀ·∂C/∂X, ∂C/∂A = −(A⁻ᵀ·∂C/∂X)·Xᵀ"""
    A, B = _square_matrices(A, "solve"), _as_tensor(B)
    dtype = result_type(A, B)
    A, B = A._as(dtype), B._as(dtype)
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if (B.shape[-1] if vector else B.shape[-2] if B.ndim > 1 else -1) != A.shape[-1]:
        raise ValueError(f"solve: A of shape {A.shape} and B of shape {B.shape} do not fit")
    X = ops.Solve.apply(A, B.unsqueeze(-1) if vector else B)
    return X.squeeze(-1) if vector else X


def einsum(equation: str | Tensor, *operands: Any) -> Tensor:
    """z = the sum over the letters not in the output of the products of the operands' elements (numpy's and
    PyTorch's einsum: a repeated letter takes a diagonal, '...' broadcasts; PyTorch's sublists too);  ∂C/∂aₖ =
    einsum of ∂C/∂z with the other operands"""
    if not isinstance(equation, str):
        equation, operands = _sublist_equation((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    tensors = [_as_tensor(t) for t in operands]
    dtype = result_type(*tensors)
    tensors = [t._as(dtype) for t in tensors]
    inputs, output = _einsum_subscripts(equation.replace(" ", ""), tensors)
    sizes: dict[str, int] = {}
    for subscripts, t in zip(inputs, tensors):
        for letter, n in zip(subscripts, t.shape):
            if sizes.setdefault(letter, n) != n and 1 not in (n, sizes[letter]):
                raise ValueError(f"einsum: letter {letter!r} has sizes {sizes[letter]} and {n} in {equation!r}")
            sizes[letter] = n if sizes[letter] == 1 else sizes[letter]
    distinct, prepared = [], []
    for subscripts, t in zip(inputs, tensors):
        while len(set(subscripts)) != len(subscripts):  # a repeated letter: its diagonal, as a last axis
            letter = next(c for c in subscripts if subscripts.count(c) > 1)
            first = subscripts.index(letter)
            second = subscripts.index(letter, first + 1)
            t = t.diagonal(0, first, second)
            subscripts = "".join(c for i, c in enumerate(subscripts) if i not in (first, second)) + letter
        full = tuple(sizes[c] for c in subscripts)
        distinct.append(subscripts)
        prepared.append(t if t.shape == full else t.broadcast_to(full))  # size-1 axes broadcast, as PyTorch
    return ops.Einsum.apply((tuple(distinct), output), *prepared)


def _sublist_equation(args: tuple) -> tuple[str, tuple]:
    """PyTorch's sublist format ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as its equation ('AB,BC->AC') and the
    operands: subscripts 0–25 are A–Z, 26–51 a–z, Ellipsis '...'; an odd number of arguments ends with the output."""
    def letters(sublist: Any) -> str:
        if not isinstance(sublist, (list, tuple)):
            raise TypeError(f"einsum: in the sublist format each operand is followed by a list of its subscripts, got "
                            f"{type(sublist).__name__}")
        if any(s is not Ellipsis and not (isinstance(s, (int, np.integer)) and 0 <= s < 52) for s in sublist):
            raise ValueError(f"einsum: sublist subscripts must be ints in [0, 52) or Ellipsis, got {list(sublist)}")
        return "".join("..." if s is Ellipsis else string.ascii_letters[(s + 26) % 52] for s in sublist)
    equation = ",".join(letters(sublist) for sublist in args[1::2])
    if len(args) % 2:
        return f"{equation}->{letters(args[-1])}", args[:-1:2]
    return equation, args[::2]


def _einsum_subscripts(equation: str, tensors: list[Tensor]) -> tuple[list[str], str]:
    """Each operand's subscripts and the output's, with '...' written out as letters the equation does not use."""
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(tensors):
        raise ValueError(f"einsum: {equation!r} names {len(inputs)} operand(s), {len(tensors)} given")
    letters = set(equation) - {".", ",", "-", ">"}
    if any(not c.isalpha() for c in letters):
        raise ValueError(f"einsum: subscripts must be letters, got {equation!r}")
    free = [c for c in string.ascii_letters if c not in letters]
    widths = [t.ndim - (len(s) - 3) for s, t in zip(inputs, tensors) if "..." in s]
    ellipsis = "".join(free[: max(widths, default=0)])
    written = []
    for subscripts, t in zip(inputs, tensors):
        if "..." in subscripts:
            width = t.ndim - (len(subscripts) - 3)
            subscripts = subscripts.replace("...", ellipsis[len(ellipsis) - width:] if width > 0 else "")
        if len(subscripts) != t.ndim or "." in subscripts:
            raise ValueError(f"einsum: subscripts {subscripts!r} do not fit an operand of shape {t.shape}")
        written.append(subscripts)
    if arrow:
        output = right.replace("...", ellipsis)
    else:  # numpy's and PyTorch's implicit output: the ellipsis, then the letters used once, in order
        joined = "".join(written)
        output = ellipsis + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ellipsis))
    if len(set(output)) != len(output) or any(c not in "".join(written) for c in output) or "." in output:
        raise ValueError(f"einsum: the output {right!r} repeats a letter or names one no operand has")
    return written, output


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """z = the sum over the paired axes of a·b (the last ``dims`` of a with the first of b, or two lists of axes);
    ∂C/∂a, ∂C/∂b through the matrix product it is written as"""
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} for tensors of {a.ndim} and {b.ndim} dimensions")
        a_axes, b_axes = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        a_axes, b_axes = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        a_axes = [normalize_axis(d, a.ndim, "tensordot") for d in a_axes]
        b_axes = [normalize_axis(d, b.ndim, "tensordot") for d in b_axes]
    if [a.shape[d] for d in a_axes] != [b.shape[d] for d in b_axes]:
        raise ValueError(f"tensordot: the paired axes differ in size: {a.shape} {a_axes} and {b.shape} {b_axes}")
    a_free, b_free = [d for d in range(a.ndim) if d not in a_axes], [d for d in range(b.ndim) if d not in b_axes]
    inner = math.prod(a.shape[d] for d in a_axes)  # sizes written out: -1 is ambiguous beside an empty axis
    left = a.permute(*a_free, *a_axes).reshape(math.prod(a.shape[d] for d in a_free), inner)
    right = b.permute(*b_axes, *b_free).reshape(inner, math.prod(b.shape[d] for d in b_free))
    return (left @ right).reshape(*(a.shape[d] for d in a_free), *(b.shape[d] for d in b_free))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: z[i·m + k, …] = a[i, …]·b[k, …];  ∂C/∂a, ∂C/∂b through the broadcast product"""
    a, b = _as_tensor(input), _as_tensor(other)
    n = max(a.ndim, b.ndim)
    a, b = a.reshape((1,) * (n - a.ndim) + a.shape), b.reshape((1,) * (n - b.ndim) + b.shape)
    spread_a = a.reshape([m for size in a.shape for m in (size, 1)])
    spread_b = b.reshape([m for size in b.shape for m in (1, size)])
    return (spread_a * spread_b).reshape([m * k for m, k in zip(a.shape, b.shape)])


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """z = β·c + α·(a @ b) for c = input, a = mat1, b = mat2;  ∂z/∂c = β, ∂C/∂a = α·∂C/∂z @ bᵀ,
    ∂C/∂b = α·aᵀ @ ∂C/∂z (β = 0 ignores c, NaN included, as PyTorch)"""
    return _scaled_product("addmm", _as_tensor(input), (mat1, mat2), mat1.mm(mat2), beta, alpha)


def baddbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """z = β·c + α·(a @ b) for batches of matrices a, b (as ``addmm``);  ∂z/∂c = β, ∂C/∂a = α·∂C/∂z @ bᵀ,
    ∂C/∂b = α·aᵀ @ ∂C/∂z"""
    return _scaled_product("baddbmm", _as_tensor(input), (batch1, batch2), batch1.bmm(batch2), beta, alpha)


def _scaled_sum(input: Any, product: Tensor, beta: float, alpha: float) -> Tensor:
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        if isinstance(input, Tensor) and input.requires_grad:  # input's gradient is zeros (not None), as PyTorch
            return product + _replaced(input, 0)
        return product.broadcast_to(np.broadcast_shapes(np.shape(input.data if isinstance(input, Tensor) else
                                                                 input), product.shape))
    return product + (input if beta == 1 else _as_tensor(input) * beta)


def _scaled_product(op: str, input: Tensor, factors: tuple[Tensor, Tensor], product: Tensor, beta: Any,
                    alpha: Any) -> Tensor:
    """β·input + α·product for ``addmv``, ``addr``, ``addbmm``, with PyTorch's checks: one dtype for all three,
    input broadcastable to the product's shape, integer β and α for integer tensors."""
    dtypes = {input.dtype, *(t.dtype for t in factors)}
    if len(dtypes) > 1:
        raise TypeError(f"{op}: input tensors must have one dtype (as PyTorch), got {sorted(map(str, dtypes))}")
    if input.dtype == np.bool_:
        raise TypeError(f"{op}: bool tensors are not supported here; convert them with .int() first")
    if input.dtype.kind in "iu" and any(not isinstance(s, (bool, int, np.integer)) for s in (beta, alpha)):
        raise TypeError(f"{op}: beta and alpha must be integers for integer tensors, got beta={beta!r}, "
                        f"alpha={alpha!r} (PyTorch would truncate them)")
    if np.broadcast_shapes(input.shape, product.shape) != product.shape:
        raise ValueError(f"{op}: input of shape {input.shape} does not broadcast to the product's shape "
                         f"{product.shape}")
    return _scaled_sum(input, product, beta, alpha)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: 'ij' (PyTorch's default) gives shape (n₁, n₂, …), 'xy' swaps the first two
    (numpy's default);  each grid's gradient sums back to its tensor"""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    vectors = [_as_tensor(t) for t in tensors]
    if any(v.ndim > 1 for v in vectors):
        raise ValueError(f"meshgrid: expects 0-D or 1-D tensors (as PyTorch), got shapes {[v.shape for v in vectors]}")
    vectors = [v.reshape(-1) for v in vectors]
    sizes = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(vectors) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        axis = (1 - i if i < 2 else i) if indexing == "xy" and len(vectors) > 1 else i
        grids.append(v.reshape([-1 if k == axis else 1 for k in range(len(vectors))]).broadcast_to(sizes))
    return tuple(grids)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors broadcast to their common shape;  each gradient sums back to its tensor's shape"""
    tensors = [_as_tensor(t) for t in tensors]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.broadcast_to(shape) for t in tensors)


# ----------------------------------------------------------------------------------------------- factories, more
class Generator:
    """An independent stream of random numbers (PyTorch's ``torch.Generator``): pass it as ``generator=`` to the
    random factories; ``manual_seed`` makes it reproducible without touching the global stream."""

    def __init__(self, device: str = "cpu") -> None:
        if str(device) != "cpu":
            raise ValueError(f"Generator: tinygrad_edu runs on the CPU only, got device {device!r}")
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        self._initial_seed = int(seed)
        self.numpy = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy) % 2**63)
        return self._initial_seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        """The stream's state (numpy's bit-generator state), for ``set_state``."""
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self.numpy.bit_generator.state = state
        return self


def _stream(generator: Generator | None) -> np.random.Generator:
    if generator is None:
        return _rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a tg.Generator, got {type(generator).__name__}")
    return generator.numpy


@_on_the_cpu
def linspace(start: float, end: float, steps: int, *, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included (the default float dtype)"""
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return _factory(np.linspace(start, end, steps), dtype, requires_grad)


@_on_the_cpu
def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: DTypeLike = None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps)"""
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"logspace: steps must be a non-negative int, got {steps!r}")
    return _factory(np.float64(base) ** np.linspace(start, end, steps), dtype, requires_grad)


@_on_the_cpu
def empty(*shape: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values you mean to overwrite (here: zeros, so nothing is ever uninitialised)"""
    return zeros(*shape, size=size, dtype=dtype, requires_grad=requires_grad)


@_on_the_cpu
def empty_like(input: Tensor, *, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


@_on_the_cpu
def full_like(input: Tensor, fill_value: float, *, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor of input's shape and dtype (or ``dtype``) filled with ``fill_value`` (cast to that dtype)"""
    return Tensor(np.full(input.shape, fill_value).astype(input.dtype if dtype is None else dtype),
                  requires_grad=requires_grad)


@_on_the_cpu
def rand_like(input: Tensor, *, dtype: DTypeLike = None, requires_grad: bool = False,
              generator: Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1) of t's shape and (floating) dtype"""
    return Tensor(_stream(generator).random(input.shape), dtype=input.dtype if dtype is None else dtype,
                  requires_grad=requires_grad)


@_on_the_cpu
def randn_like(input: Tensor, *, dtype: DTypeLike = None, requires_grad: bool = False,
               generator: Generator | None = None) -> Tensor:
    """Standard normal samples of t's shape and (floating) dtype"""
    return Tensor(_stream(generator).standard_normal(input.shape), dtype=input.dtype if dtype is None else dtype,
                  requires_grad=requires_grad)


@_on_the_cpu
def randint(low: int = 0, high: int | None = None, size: Any = None, *, generator: Generator | None = None,
            dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)`` (any of them by
    keyword, as PyTorch), int64 by default"""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None or high is None:
        raise TypeError("randint: pass randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be larger than low ({low})")
    values = _stream(generator).integers(low, high, _shape_args((size,)))
    return Tensor(values, dtype=np.int64 if dtype is None else dtype, requires_grad=requires_grad)


@_on_the_cpu
def randperm(n: int, *, generator: Generator | None = None, dtype: DTypeLike = np.int64) -> Tensor:
    """A random permutation of 0 … n − 1"""
    return Tensor(_stream(generator).permutation(int(n)), dtype=dtype)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: DTypeLike = None) -> Tensor:
    """Normal samples: mean and std tensors broadcast together, or numbers and a ``size`` (no gradient)"""
    means, stds = (np.asarray(v.data if isinstance(v, Tensor) else v) for v in (mean, std))
    if np.any(stds < 0):
        raise ValueError("normal: std must be non-negative")
    shape = _shape_args((size,)) if size is not None else np.broadcast_shapes(means.shape, stds.shape)
    if dtype is None:
        floats = [v.dtype for v in (mean, std) if isinstance(v, Tensor) and v.dtype.kind == "f"]
        dtype = np.result_type(*floats) if floats else _default_float
    return Tensor(_stream(generator).normal(means, stds, shape), dtype=dtype)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (or ``p``) and 0 otherwise, elementwise, in input's dtype (no gradient)"""
    probabilities = np.full(input.shape, p) if p is not None else input.data
    if not np.all((probabilities >= 0) & (probabilities <= 1)):
        raise ValueError("bernoulli: probabilities must lie in [0, 1]")
    draws = _stream(generator).random(input.shape) < probabilities
    return Tensor.wrap(draws.astype(input.dtype if input.dtype.kind == "f" else _default_float))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn with probabilities proportional to the rows of ``input`` (1-D or 2-D), int64"""
    weights = np.asarray(input.data, dtype=np.float64)
    if weights.ndim not in (1, 2) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("multinomial: input must be a 1-D or 2-D tensor of finite non-negative weights")
    rows = weights.reshape(-1, weights.shape[-1])
    rng = _stream(generator)
    samples = []
    for row in rows:
        if row.sum() == 0:
            raise ValueError("multinomial: a row of weights sums to 0")
        if not replacement and num_samples > np.count_nonzero(row):
            raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(row)} non-zero weights")
        samples.append(rng.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()))
    return Tensor.wrap(np.array(samples, dtype=np.int64).reshape(*weights.shape[:-1], num_samples))


# ---------------------------------------------------------------- helpers of scatter_reduce, index_put, masked_scatter
SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
QUANTILE_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _reduced_rows(values: Tensor, reduce: str) -> Tensor:
    """Each row of ``values`` reduced to one value (``scatter_reduce``'s reductions; an integer mean rounds down,
    as PyTorch's)."""
    if reduce == "mean":
        if values.dtype.kind in "iub":
            return Tensor.wrap(np.floor_divide(values.data.sum(axis=1), values.shape[1]))
        return values.sum(axis=1) / values.shape[1]
    return {"sum": Tensor.sum, "prod": Tensor.prod, "amax": Tensor.amax, "amin": Tensor.amin}[reduce](values, 1)


def _broadcast_shape(first: tuple[int, ...], second: tuple[int, ...], error: str) -> tuple[int, ...]:
    """The shape two shapes broadcast to, or a ValueError saying ``error``."""
    try:
        return np.broadcast_shapes(first, second)
    except ValueError:
        raise ValueError(error) from None


# ---------------------------------------------------------------- searching, index factories, combinatorics, distances
def searchsorted(sorted_sequence: Any, values: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Any = None) -> Tensor:
    """Where each of ``values`` would go in the last axis of ``sorted_sequence`` to keep it sorted (the first such
    place, or the last with ``right=True`` / ``side='right'``), int64 (no gradient)"""
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: right=True and side='left' contradict each other")
        right = side == "right"
    boundaries = _index_free(sorted_sequence)
    scalar = not isinstance(values, Tensor) and np.ndim(values) == 0
    targets = _index_free(values)
    if boundaries.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least one dimension")
    if sorter is not None:
        order = _index_array(sorter, "searchsorted")
        if order.shape != boundaries.shape:
            raise ValueError(f"searchsorted: sorter of shape {order.shape} must match sorted_sequence's "
                             f"{boundaries.shape}")
        _check_bounds(order, boundaries.shape[-1], "searchsorted", boundaries.ndim - 1)
        boundaries = np.take_along_axis(boundaries, order, axis=-1)
    which = "right" if right else "left"
    if boundaries.ndim == 1:
        found = np.searchsorted(boundaries, targets, side=which)
    else:
        if scalar or targets.shape[:-1] != boundaries.shape[:-1]:
            raise ValueError(f"searchsorted: values of shape {targets.shape} must match sorted_sequence of shape "
                             f"{boundaries.shape} in every axis but the last")
        rows = boundaries.reshape(-1, boundaries.shape[-1])
        found = np.stack([np.searchsorted(row, wanted, side=which)
                          for row, wanted in zip(rows, targets.reshape(len(rows), -1))]).reshape(targets.shape)
    return Tensor.wrap(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each element of ``input`` among the 1-D sorted ``boundaries``: i with bᵢ₋₁ < x ≤ bᵢ (with
    ``right=True``: bᵢ₋₁ ≤ x < bᵢ), int64 (no gradient)"""
    if _index_free(boundaries).ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {_index_free(boundaries).shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: DTypeLike = np.int64) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a row × col matrix (below its ``offset``-th
    diagonal included), in row-major order"""
    return _triangle_indices("tril_indices", row, col, offset, dtype, np.tril_indices)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: DTypeLike = np.int64) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a row × col matrix (above its ``offset``-th
    diagonal included), in row-major order"""
    return _triangle_indices("triu_indices", row, col, offset, dtype, np.triu_indices)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: DTypeLike, indices: Callable) -> Tensor:
    for label, value in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: {label} must be an int, got {value!r}")
    if row < 0 or col < 0:
        raise ValueError(f"{name}: row and col must be non-negative, got {row} and {col}")
    if np.dtype(dtype).kind not in "iu":
        raise TypeError(f"{name}: dtype must be an integer type, got {np.dtype(dtype)}")
    return Tensor.wrap(np.stack(indices(row, offset, col)).astype(dtype).reshape(2, -1))


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (itertools.product's order);  each
    gradient sums back over the rows it appears in"""
    if not tensors:
        raise TypeError("cartesian_prod: expects at least one tensor")
    for t in tensors:
        if _as_tensor(t).ndim != 1:
            raise ValueError(f"cartesian_prod: expects 1-D tensors, got shape {_as_tensor(t).shape}")
    if len(tensors) == 1:
        return _as_tensor(tensors[0])
    dtype = result_type(*tensors)
    grids = meshgrid(*(_as_tensor(t)._as(dtype) for t in tensors), indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-D tensor's elements as rows (itertools.combinations' order, or
    combinations_with_replacement's);  ∂C/∂a sums back over the rows each element appears in"""
    x = _as_tensor(input)
    if x.ndim != 1:
        raise ValueError(f"combinations: expects a 1-D tensor, got shape {x.shape}")
    if not isinstance(r, (int, np.integer)) or r < 0:
        raise ValueError(f"combinations: r must be a non-negative int, got {r!r}")
    if r == 0:
        return Tensor.wrap(np.zeros(0, x.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    chosen = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[chosen]


def block_diag(*tensors: Tensor) -> Tensor:
    """The matrices (2-D; a 1-D tensor is one row, a 0-d one 1 × 1) along the diagonal of a block matrix, zeros
    elsewhere, in their common dtype;  each gradient is its block of ∂C/∂z"""
    blocks = []
    for t in (_as_tensor(t) for t in tensors):
        if t.ndim > 2:
            raise ValueError(f"block_diag: expects tensors of at most 2 dimensions, got shape {t.shape}")
        blocks.append(t.reshape(1, -1) if t.ndim == 1 else t.reshape(1, 1) if t.ndim == 0 else t)
    dtype = result_type(*blocks) if blocks else _default_float
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        pieces = [Tensor.wrap(np.zeros((b.shape[0], left), dtype)), b._as(dtype),
                  Tensor.wrap(np.zeros((b.shape[0], width - left - b.shape[1]), dtype))]
        rows.append(cat(pieces, dim=1))
        left += b.shape[1]
    return cat(rows, dim=0) if rows else Tensor.wrap(np.zeros((0, 0), dtype))


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D x: columns x^(N−1), …, x, 1 (``increasing``: 1, x, …), N = len(x) by
    default, built by a running product as PyTorch;  ∂C/∂x by the chain rule"""
    x = _as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a 1-D tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"vander: N must be a non-negative int, got {N!r}")
    x = x._as(np.int64) if x.dtype.kind in "biu" else x
    if n == 0:
        return Tensor.wrap(np.zeros((x.shape[0], 0), x.dtype))
    ones = Tensor.wrap(np.ones((x.shape[0], 1), x.dtype))
    powers = cat([ones, x.unsqueeze(1).broadcast_to(x.shape[0], n - 1)], dim=1).cumprod(1)
    return powers if increasing else powers.flip(1)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distances ‖x1ᵢ − x2ⱼ‖ₚ between the rows of (batches of) two matrices, computed from the
    differences (PyTorch's matrix-product shortcut for p = 2 is not taken: no cancellation);  ∂C/∂x as the norm's,
    0 at a zero distance as PyTorch"""
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: unknown compute_mode {compute_mode!r}")
    a, b = _as_tensor(x1), _as_tensor(x2)
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise TypeError(f"cdist: needs floating-point tensors, got {a.dtype} and {b.dtype} (as PyTorch)")
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: expects (…, P, M) and (…, R, M) tensors, got shapes {a.shape} and {b.shape}")
    if p < 0:
        raise ValueError(f"cdist: p must be non-negative, got {p}")
    return vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, -1)


def write_in_place(tensor: Tensor, what: str, result: Callable[[Tensor], Tensor]) -> Tensor:
    """``tensor`` made ``result(its values before)`` in place, with the rules of every in-place method here (leaves,
    recorded graphs, versions): what ``nn.functional``'s in-place activations (``F.elu_``) are built on."""
    return tensor._in_place(what, result)
