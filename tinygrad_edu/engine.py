"""The engine: grad mode, the ``Function`` node every op is recorded as, and the reverse-mode walk.

A ``Tensor`` produced by an op points at its ``grad_fn``: the ``Function`` instance (the ``ctx``) that made it.
The graph is made of these nodes, as in PyTorch: each ``ctx`` holds its ``edges`` (for every input, the op that
produced it, or the tensor itself for a leaf or a constant) and whatever the op saved for its local derivative,
but not the intermediate tensors themselves, so a value nobody saved is freed as soon as nobody holds it.
``backward`` walks the nodes once, in reverse topological order, summing each node's incoming gradients before
passing them on.
"""

from __future__ import annotations

import contextlib
import math
import threading
import traceback
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

_PACKAGE_DIR = __file__.rsplit("/", 1)[0]


class _ThreadState(threading.local):
    """Per-thread switches: grad mode, anomaly detection and the stack of modules being called."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.arrays = False  # inside a plain backward(): backwards that can, run on ndarrays
        self.keep_outputs = False  # inside keep_outputs(): ops keep their output tensors alive (for drawing)
        self.module_path: tuple = ()


_state = _ThreadState()


# ----------------------------------------------------------------------------------------------- grad mode
def is_grad_enabled() -> bool:
    """True when ops record themselves into the graph (the default)."""
    return _state.grad_enabled


class _GradModeSwitch(contextlib.ContextDecorator):
    """Sets grad mode for the duration of a ``with`` block or a decorated call, then restores it."""

    enabled: bool

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_state.grad_enabled)
        _state.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _state.grad_enabled = self._previous.pop()

    def _recreate_cm(self) -> _GradModeSwitch:
        return type(self)()  # a fresh switch per decorated call keeps threads and recursion apart


class no_grad(_GradModeSwitch):  # noqa: N801 - PyTorch's name
    """Context manager and decorator: ops inside record no graph (inference, parameter updates)."""

    enabled = False


class enable_grad(_GradModeSwitch):  # noqa: N801 - PyTorch's name
    """Context manager and decorator: turn recording back on inside a ``no_grad`` region."""

    enabled = True


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager setting grad mode to ``mode``."""
    previous, _state.grad_enabled = _state.grad_enabled, bool(mode)
    try:
        yield
    finally:
        _state.grad_enabled = previous


class keep_outputs:  # noqa: N801 - used like a function: ``with keep_outputs():``
    """Context manager: ops recorded inside keep their output tensor alive as long as their graph lives.

    The graph normally holds only what backward needs, so an intermediate nobody holds is freed at once; this
    keeps it for inspection (``viz.keep_intermediates`` draws with it). Op and output then refer to each other,
    so such a graph is freed by Python's cycle collector rather than at once.
    """

    def __enter__(self) -> None:
        self._previous, _state.keep_outputs = _state.keep_outputs, True

    def __exit__(self, *exc: object) -> None:
        _state.keep_outputs = self._previous


# ----------------------------------------------------------------------------------------------- anomaly mode
@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every forward output and backward gradient for NaN/inf; raise at the first, naming op and line."""
    previous, _state.anomaly = _state.anomaly, True
    try:
        yield
    finally:
        _state.anomaly = previous


def _user_frame() -> str:
    """The innermost stack frame outside tinygrad_edu, as 'file:line in function: code'."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"


def _check_finite(values: np.ndarray, what: str, fn: Function) -> None:
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        kind = "nan" if np.isnan(values).any() else "inf"
        error = FloatingPointError(
            f"detect_anomaly: {fn.name()} produced {kind} in its {what}; the op was created at {fn.created_at}"
        )
        error.detail = f"{kind} in the {what} of {type(fn).__name__}"
        raise error


# ----------------------------------------------------------------------------------------------- module scope
class module_scope:  # noqa: N801 - used like a function: ``with module_scope(module):``
    """Record ``module`` as the innermost module for ops created inside (used by ``nn.Module.__call__``).

    A class rather than a generator-based context manager: it runs once per module call, on the hot path.
    """

    __slots__ = ("_module", "_previous")

    def __init__(self, module: Any) -> None:
        self._module = module

    def __enter__(self) -> None:
        self._previous = _state.module_path
        _state.module_path = (*self._previous, self._module)

    def __exit__(self, *exc: object) -> None:
        _state.module_path = self._previous


# ----------------------------------------------------------------------------------------------- Function
class Function:
    """An op in the graph. Subclass with ``@staticmethod forward(ctx, *inputs)`` and ``backward(ctx, grad)``.

    ``forward`` computes the output (an ndarray or a Tensor) and may ``ctx.save_for_backward(...)``;
    ``backward`` returns one gradient per forward input (None where there is none), written with Tensor ops
    so that ``create_graph=True`` can differentiate it again. Call the op as ``MyOp.apply(*inputs)``.
    The instance is the ``ctx`` during both calls and becomes the output's ``grad_fn``; its ``edges`` say where
    each input came from (the op that made it, or the tensor itself for a leaf or a constant).
    """

    saves_output = True
    """Keep the output's array for ``ctx.output`` in backward. On by default, so a custom op can always use
    ``ctx.output``; the built-in ops keep it only where their derivative uses it, so the other outputs are freed as
    soon as nobody holds them."""

    array_backward = False
    """True when ``backward``'s formula also runs on ndarrays (operators, methods ndarray shares with Tensor,
    and the helpers in ``ops``). A plain ``backward()`` then runs it on the raw arrays, with no Tensor wrappers;
    ``create_graph=True`` runs the same formula on Tensors, which records it. All built-in ops set it."""

    edges: tuple
    needs_input_grad: tuple[bool, ...]
    _hooks: dict[int, Callable] | None = None  # hooks registered on the output tensor
    _released = False
    _saved: tuple = ()
    module_path: tuple
    created_at: str = "<unknown: the graph was built outside detect_anomaly()>"

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a @staticmethod forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a @staticmethod backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the inputs and, in grad mode, record the op as the output's ``grad_fn``."""
        ctx = cls.__new__(cls)
        state = _state
        if state.grad_enabled:
            flags, edges = [], []
            for a in args:  # a plain loop: cheaper than a comprehension's frame for one or two inputs
                if type(a) is Tensor:
                    flags.append(a.requires_grad)
                    edges.append(a if a.grad_fn is None else a.grad_fn)  # a leaf or constant, else its op
                else:
                    flags.append(False)
                    edges.append(a)
            needs = tuple(flags)
            record = True in needs
        else:  # the fast path: backward passes and parameter updates run here
            needs, record = _NO_GRADS[len(args)] if len(args) < 4 else (False,) * len(args), False
        ctx.needs_input_grad = needs
        try:
            if record:
                state.grad_enabled = False  # a forward written in Tensor ops must not record itself
                try:
                    result = cls.forward(ctx, *args, **kwargs)
                finally:
                    state.grad_enabled = True
            else:
                result = cls.forward(ctx, *args, **kwargs)
        except ValueError as error:
            shapes = " and ".join(str(a.shape) for a in args if type(a) is Tensor)
            raise ValueError(f"{cls.__name__} on shapes {shapes}: {error}") from None
        data = result if type(result) is np.ndarray else _forward_result(cls, result)
        if state.anomaly:  # every op, recorded or not (no_grad regions, ops inside a backward)
            ctx.created_at = _user_frame()
            _check_finite(data, "forward output", ctx)
        out = Tensor.__new__(Tensor)  # Tensor._make, inlined: this line runs for every op
        out.data, out.grad, out.requires_grad, out._retains_grad, out._hooks = data, None, record, False, None
        out.grad_fn = ctx if record else None
        if record:
            ctx.edges = tuple(edges)
            ctx.module_path = state.module_path
            ctx._output = weakref.ref(out)
            ctx._shape, ctx._dtype = data.shape, data.dtype
            if cls.saves_output:
                ctx._output_data = data
            if state.keep_outputs:
                ctx._kept_output = out
        return out

    # ---- the ctx interface
    def save_for_backward(self, *values: Any) -> None:
        """Keep tensors (or arrays) needed by ``backward``; freed after backward unless ``retain_graph``."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` stored, in order (their arrays, when ``backward`` runs on arrays)."""
        if self._released:
            raise RuntimeError(_SECOND_BACKWARD)
        if _state.arrays and self.array_backward:
            return tuple([v.data if type(v) is Tensor else v for v in self._saved])
        return self._saved

    @property
    def output(self) -> Any:
        """The tensor this op produced (its array, when ``backward`` runs on arrays). The graph holds it weakly;
        once nobody holds it, an equal tensor is rebuilt from the kept array (see ``saves_output``)."""
        out = self._output()
        if _state.arrays and self.array_backward:
            return out.data if out is not None else self._kept_output()
        return out if out is not None else Tensor._make(self._kept_output(), True, self)

    def _kept_output(self) -> np.ndarray:
        if self._released:
            raise RuntimeError(_SECOND_BACKWARD)
        data = getattr(self, "_output_data", None)
        if data is None:
            raise RuntimeError(f"{self.name()}: ctx.output is gone (the output tensor was freed); set "
                               f"saves_output = True on {type(self).__name__} to keep it for backward")
        return data

    @classmethod
    def name(cls) -> str:
        """PyTorch-style node name, e.g. ``MulBackward``."""
        return cls.__name__ + "Backward"

    @classmethod
    def local_derivative(cls) -> str:
        """The op's forward and local derivative in one line: the first paragraph of its class docstring."""
        doc = (cls.__doc__ or "").strip().split("\n\n")[0]
        return " ".join(doc.split()) or f"{cls.__name__}: no docstring; its local derivative is in its backward()"

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of the tensor this op produced."""
        return self._shape

    @property
    def output_dtype(self) -> np.dtype:
        """dtype of the tensor this op produced."""
        return self._dtype

    def live_output(self) -> Any:
        """The tensor this op produced if someone still holds it, else None."""
        return self._output()

    def __repr__(self) -> str:
        return f"<{self.name()}>"


_NO_GRADS = ((), (False,), (False, False), (False, False, False))  # needs_input_grad of unrecorded ops


def _forward_result(cls: type, result: Any) -> np.ndarray:
    """A forward's non-ndarray result (a Tensor, a numpy scalar, a number) as an array; one output only."""
    if type(result) is Tensor:
        result = result.data
        if type(result) is np.ndarray:
            return result
    if isinstance(result, np.generic):  # e.g. a full sum: numpy returns a scalar, not a 0-d array
        return np.asarray(result)
    if result is None or isinstance(result, (tuple, list)):
        raise TypeError(
            f"{cls.__name__}.forward returned {type(result).__name__}; it must return one ndarray or Tensor "
            "(a Function has exactly one output)"
        )
    data = np.asarray(result)
    if data.dtype.kind == "O":
        raise TypeError(f"{cls.__name__}.forward returned {type(result).__name__}, not an ndarray or Tensor")
    return data


_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time: its saved values were freed by the first backward(). "
    "Pass retain_graph=True to the first backward() if you need to call it again."
)


# ----------------------------------------------------------------------------------------------- the walk
def topological_order(root: Tensor) -> list[Any]:
    """The graph's nodes reachable from ``root`` that need a gradient: its ops (``Function``s) and leaf tensors,
    each before every node it was computed from.

    Iterative depth-first search (no recursion limit); the drawing in ``viz`` walks the graph with it too.
    """
    post_order: list[Any] = []
    expanded: set[Any] = set()  # ops and tensors hash by identity
    stack: list[tuple[Any, bool]] = [(root if root.grad_fn is None else root.grad_fn, False)]
    push, pop, finish = stack.append, stack.pop, post_order.append  # bound once: this loop runs for every node
    while stack:
        node, inputs_done = pop()
        if inputs_done:
            finish(node)
            continue
        if node in expanded:
            continue
        expanded.add(node)
        push((node, True))
        if type(node) is not Tensor:  # an op: the nodes its inputs came from follow
            for edge, needs_grad in zip(node.edges, node.needs_input_grad):
                if needs_grad and edge not in expanded:
                    push((edge, False))
    post_order.reverse()
    return post_order


def live_tensors(root: Tensor) -> list[Tensor]:
    """The tensors of ``root``'s graph that still exist, in topological order: its leaves, and the outputs of its
    ops that someone (the user, or an op that saved it for backward) still holds."""
    found = (node if type(node) is Tensor else node._output() for node in topological_order(root))
    return [tensor for tensor in found if tensor is not None]


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` back to ``shape``: the chain rule for an input that numpy broadcast up to ``grad.shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if grad.shape[extra:] == shape:  # only leading axes were added (a bias row): one sum, no reshape
        if grad.size == math.prod(shape):  # ... each of size 1 (a batch of one): the sum is a reshape
            return grad.reshape(shape)
        return grad.sum(axis=tuple(range(extra)))
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _is_broadcastable_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    extra = len(target) - len(shape)
    if extra < 0:
        return False
    return target[extra:] == shape or all(n == m or n == 1 for n, m in zip(shape, target[extra:]))


def _is_scalar_like(grad: Any, shape: tuple[int, ...], dtype: np.dtype) -> bool:
    """A numpy scalar (what numpy returns for 0-d arithmetic) fit for a 0-d input: kept, made 0-d when popped."""
    return isinstance(grad, np.generic) and shape == () and grad.dtype == dtype


def _conform(fn: Function, index: int, shape: tuple[int, ...], dtype: np.dtype, grad: Any, arrays: bool) -> Any:
    """Bring a gradient from ``fn.backward`` to its input's shape and dtype (as an ndarray when ``arrays``, else a
    Tensor), or explain why it can't be."""
    if arrays:
        grad = grad.data if type(grad) is Tensor else np.asarray(grad)
    elif type(grad) is not Tensor:
        grad = Tensor._make(np.asarray(grad), False, None)
    if grad.shape != shape:
        if not _is_broadcastable_to(shape, grad.shape):
            raise RuntimeError(
                f"{fn.name()}: gradient for input {index} has shape {grad.shape}, which does not match "
                f"and cannot be summed back to the input's shape {shape}"
            )
        grad = unbroadcast(grad, shape)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _accumulate(tensor: Tensor, grad: Any, create_graph: bool) -> None:
    """Add ``grad`` (an ndarray, or a Tensor under ``create_graph``) into ``tensor.grad``; a gradient the user
    holds is never mutated."""
    if create_graph:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is None:
        if not grad.flags.writeable:
            grad = grad.copy()  # e.g. a broadcast view from sum's backward
        tensor.grad = Tensor._make(grad, False, None)
    else:
        tensor.grad = Tensor._make(np.asarray(tensor.grad.data + grad), False, None)


def _tensor_backward(fn: Function, grad: np.ndarray) -> Any:
    """Run a backward written for Tensors only (a custom op without ``array_backward``) inside a plain backward."""
    return type(fn).backward(fn, Tensor._make(grad, False, None))


def backward(root: Tensor, gradient: Tensor, retain_graph: bool = False, create_graph: bool = False,
             observer: Callable | None = None) -> None:
    """Reverse mode from ``root`` seeded with ``gradient``; accumulate into leaves' (and retained) ``.grad``.

    Each tensor's gradient is the sum over its consumers, complete when its turn comes in the topological
    order; it is then popped, so intermediate gradients die as soon as they have been passed on. A plain
    backward carries raw ndarrays between the ops; ``create_graph`` carries Tensors, so the walk is recorded.
    ``observer(node, grad, input_grads)``, if given, is called for every node processed (``viz.stepper``).
    """
    state = _state
    anomaly = state.anomaly
    arrays = not create_graph
    value_type = np.ndarray if arrays else Tensor
    grads: dict[Any, Any] = {root if root.grad_fn is None else root.grad_fn: gradient.data if arrays else gradient}
    previous_modes = state.grad_enabled, state.arrays  # a plain save/restore: no generator on this path
    state.grad_enabled, state.arrays = bool(create_graph), arrays
    try:
        for node in topological_order(root):
            grad = grads.pop(node, None)
            if grad is None:
                continue
            if arrays and type(grad) is not np.ndarray:
                grad = np.asarray(grad)  # numpy returns a scalar, not a 0-d array, when adding 0-d gradients
            if type(node) is Tensor:  # a leaf: its gradient is complete
                if node._hooks:
                    grad = _run_hooks(node._hooks, grad, arrays, node.data.shape, node.data.dtype)
                if observer is not None:
                    observer(node, grad, ())
                _accumulate(node, grad, create_graph)
                continue
            fn = node
            if fn._hooks:
                grad = _run_hooks(fn._hooks, grad, arrays, fn._shape, fn._dtype)
            out = fn._output()  # the tensor this op made, if anyone still holds it
            if out is not None and out._retains_grad:
                _accumulate(out, grad, create_graph)
            if fn._released:
                raise RuntimeError(_SECOND_BACKWARD)
            try:
                if arrays and not fn.array_backward:
                    input_grads = _tensor_backward(fn, grad)
                else:
                    input_grads = type(fn).backward(fn, grad)
            except FloatingPointError as error:
                if not anomaly:
                    raise
                detail = getattr(error, "detail", str(error))
                raise FloatingPointError(  # an op inside fn's backward made the nan/inf: blame fn, not that op
                    f"detect_anomaly: {fn.name()} produced a non-finite value while computing its backward "
                    f"({detail}, an op inside it); the op was created at {fn.created_at}"
                ) from error
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if len(input_grads) != len(fn.edges):
                input_grads = _one_per_input(fn, input_grads)
            sent = [None] * len(fn.edges) if observer is not None else None
            for index, (edge, input_grad, needs_grad) in enumerate(zip(fn.edges, input_grads, fn.needs_input_grad)):
                if input_grad is None or not needs_grad:
                    continue
                if type(edge) is Tensor:
                    shape, dtype = edge.data.shape, edge.data.dtype
                else:  # the op that made this input
                    shape, dtype = edge._shape, edge._dtype
                if (type(input_grad) is not value_type or input_grad.shape != shape
                        or input_grad.dtype is not dtype) and not _is_scalar_like(input_grad, shape, dtype):
                    input_grad = _conform(fn, index, shape, dtype, input_grad, arrays)
                if anomaly:
                    _check_finite(input_grad if arrays else input_grad.data,
                                  f"backward gradient for input {index}", fn)
                if sent is not None:
                    sent[index] = input_grad
                previous = grads.get(edge)
                grads[edge] = input_grad if previous is None else previous + input_grad
            if sent is not None:
                observer(fn, grad, tuple(sent))
            if not retain_graph:
                fn._saved, fn._output_data, fn._released = None, None, True
    finally:
        state.grad_enabled, state.arrays = previous_modes


def _run_hooks(hooks: dict[int, Callable], grad: Any, arrays: bool, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Call a tensor's hooks in registration order (each gets a Tensor); a hook may return a replacement."""
    if arrays:
        grad = Tensor._make(grad, False, None)
    for hook in tuple(hooks.values()):
        replacement = hook(grad)
        if replacement is not None:
            grad = _hook_result(replacement, shape, dtype)
    return grad.data if arrays else grad


def _one_per_input(fn: Function, grads: tuple) -> tuple:
    """Drop extra trailing None gradients (e.g. for a defaulted forward argument that was not passed), or explain."""
    n = len(fn.edges)
    if len(grads) > n and all(g is None for g in grads[n:]):
        return grads[:n]
    raise RuntimeError(
        f"{fn.name()}: backward returned {len(grads)} gradient(s) but forward took "
        f"{n} input(s); return one gradient per forward input (None for inputs without one)"
    )


def _hook_result(replacement: Any, shape: tuple[int, ...], dtype: np.dtype) -> Tensor:
    if type(replacement) is not Tensor:
        raise TypeError(f"a hook must return a Tensor or None, got {type(replacement).__name__}")
    if replacement.shape != shape:
        raise RuntimeError(f"a hook returned a gradient of shape {replacement.shape} for a tensor of shape {shape}")
    return replacement if replacement.dtype == dtype else replacement.astype(dtype)


class RemovableHandle:
    """Returned by ``Tensor.register_hook``; ``.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Callable]) -> None:
        self._hooks = hooks
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


from .tensor import Tensor  # noqa: E402  (tensor.py imports ops, whose classes need Function above)
