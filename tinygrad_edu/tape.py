"""``compile(step)``: run a training step once, note the numpy calls it makes, and replay them into buffers made once.

The first call runs the step eagerly (its answer is eager's) while a tracer notes each op's forward, the backward
walk, ``zero_grad`` and the optimizer's update, and writes them as a *tape*: a flat list of numpy calls with
``out=`` into preallocated buffers. Each call is run once at capture and its result compared with eager's, so a
tape that would compute something else is never kept. Later calls check guards (argument shapes, dtypes and
``requires_grad``, grad mode, the parameters' arrays, module edits, optimizer settings) and replay the tape: no
Tensors, no graph. A failed guard captures the step again; a step the tape can't replay faithfully (a custom op,
a tensor hook, an in-place change, a value read into Python, random numbers) runs eagerly every time, or raises
with ``strict=True``. docs/compile.md says what is captured and what isn't.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import engine, grad_mode, ops
from ._tensor import Tensor
from .nn import Module
from .optim import LBFGS, SGD, Adam, AdamW, Optimizer

_SCALARS = (int, float, bool, str, type(None))
_CAPTURE_LOCK = threading.Lock()  # one capture at a time: each patches the classes it watches


class _Capturing(threading.local):
    active = False


_CAPTURING = _Capturing()
_VALUE_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__array__")


class CaptureError(RuntimeError):
    """Why a step can't be captured (raised by a ``strict`` compiled step; otherwise the step runs eagerly)."""


class _UnsoundError(Exception):
    """Raised inside the tracer: what the step did that a tape can't replay."""


def compile(step: Callable[..., Any], *, strict: bool = False) -> CompiledStep:
    """A callable that runs ``step`` eagerly once, captures it as a tape of numpy calls and replays the tape on
    later calls while its guards hold. ``strict=True``: raise ``CaptureError`` where the step can't be captured."""
    if isinstance(step, Module):
        raise TypeError("tg.compile captures a whole training step, not a module (torch.compile(model) has no "
                        "equivalent here): compile a function that runs the model, computes the loss, calls "
                        "loss.backward() and optimizer.step(), and returns the loss")
    if not callable(step):
        raise TypeError(f"compile() takes a callable (the training step), got {type(step).__name__}")
    return CompiledStep(step, strict)


class CompiledStep:
    """A step with its captured tapes, one per call signature (a batch of 64 and the last, smaller one).
    ``last_run`` says what the latest call did ("captured", "replayed", or "eager: <why>"); ``tape_text()`` lists
    the numpy calls of the latest call's tape."""

    KEPT_TAPES = 8
    RETRY_AFTER = 50  # eager calls of a step found uncapturable before it is traced again

    def __init__(self, step: Callable[..., Any], strict: bool) -> None:
        self.step, self.strict = step, strict
        self.tapes: dict[tuple, Tape] = {}
        self.tape: Tape | None = None
        self.uncapturable: dict[tuple, tuple[int, str, int]] = {}  # signature → (module edits, why, calls left)
        self.last_run = "not run yet"
        self.captures = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _CAPTURING.active:  # called inside another step being captured: that capture sees its ops
            return self.step(*args, **kwargs)
        signature = call_signature(args, kwargs)
        tape = self.tapes.get(signature)  # a signature of None finds nothing
        if tape is not None and tape.holds(signature, args, kwargs):
            self.tape, self.last_run = tape, "replayed"
            return tape.replay(args, kwargs)
        self.tape = None
        if signature is None:
            return self._eager("an argument is not a Tensor, a Python number, a string or a tuple/list of them",
                               args, kwargs)
        if grad_mode.state.anomaly:
            return self._eager("anomaly mode is on (detect_anomaly checks every eager op)", args, kwargs)
        edits, why, calls_left = self.uncapturable.get(signature, (None, "", 0))
        if edits == Module.edits and calls_left:
            self.uncapturable[signature] = edits, why, calls_left - 1
            return self._eager(why, args, kwargs)
        return self._capture(signature, args, kwargs)

    def _capture(self, signature: tuple, args: tuple, kwargs: dict) -> Any:
        """Run the step eagerly under the tracer; keep its tape, or note why it has none."""
        self.tapes.pop(signature, None)
        tracer = Tracer(args, kwargs, self.argument_names(args, kwargs))
        with _CAPTURE_LOCK, tracer.tracing():  # the lock before the patches: they read the classes' methods
            result = self.step(*args, **kwargs)
        try:
            tape = tracer.finish(result, signature)
        except _UnsoundError as why:
            tracer.reason = tracer.reason or str(why)
        except Exception as error:  # the step ran; its tape could not be written
            tracer.reason = f"the tape could not be written ({type(error).__name__}: {error})"
        if tracer.reason is not None:
            if self.strict:
                raise CaptureError(f"compile(strict=True): the step can't be captured: {tracer.reason} (this call "
                                   "ran it eagerly, once)")
            self.uncapturable[signature] = Module.edits, tracer.reason, self.RETRY_AFTER
            self.last_run = f"eager: {tracer.reason}"
            return result
        if len(self.tapes) >= self.KEPT_TAPES:
            self.tapes.pop(next(iter(self.tapes)))  # the oldest
        self.tapes[signature] = self.tape = tape
        self.uncapturable.pop(signature, None)
        self.captures += 1
        self.last_run = "captured"
        return result

    def argument_names(self, args: tuple, kwargs: dict) -> list[str]:
        """What the tape's text calls each argument tensor: the step's parameter name where it has one."""
        try:
            bound = inspect.signature(self.step).bind(*args, **kwargs).arguments
        except (TypeError, ValueError):
            bound = {}
        named = {id(value): name for name, value in bound.items() if isinstance(value, Tensor)}
        return [named.get(id(t), f"input{i}") for i, t in enumerate(flat_tensors(args, kwargs))]

    def _eager(self, reason: str, args: tuple, kwargs: dict) -> Any:
        if self.strict:
            raise CaptureError(f"compile(strict=True): the step can't be captured: {reason}")
        self.last_run = f"eager: {reason}"
        return self.step(*args, **kwargs)

    def tape_text(self) -> str:
        """The captured tape as numpy calls, one a line (after the first call)."""
        if self.tape is None:
            raise RuntimeError(f"no tape: {self.last_run}")
        return "\n".join(self.tape.texts)


# ----------------------------------------------------------------------------------------------- guards
def call_signature(args: tuple, kwargs: dict) -> tuple | None:
    """What a tape is specific to: grad mode, and per argument its kind, shape, dtype, requires_grad and aliasing
    (or its value, for a Python number or string). None if an argument is of a kind a tape can't take."""
    parts: list[Any] = [grad_mode.state.grad_enabled, tuple(kwargs)]
    arrays: list[np.ndarray] = []
    for value in _arguments(args, kwargs, parts):
        if isinstance(value, Tensor):
            data = value.data
            alias = -1 if not arrays else next((i for i, seen in enumerate(arrays) if seen is data), -1)
            arrays.append(data)
            parts.append((type(value), data.shape, data.dtype, value.requires_grad, value.grad_fn is None, alias))
        elif type(value) is float:
            parts.append((float, value.hex()))  # tells -0.0 from 0.0, and a nan equals itself
        elif type(value) in _SCALARS:
            parts.append((type(value), value))
        else:
            return None
    return tuple(parts)


def flat_tensors(args: tuple, kwargs: dict) -> list[Tensor]:
    """The tensors among the arguments, in the order ``call_signature`` visits them."""
    return [value for value in _arguments(args, kwargs, []) if isinstance(value, Tensor)]


def _arguments(args: tuple, kwargs: dict, containers: list) -> tuple | list:
    """Every argument, depth first, tuples and lists opened (each noted in ``containers`` with its length)."""
    if not kwargs:
        for a in args:
            if type(a) is tuple or type(a) is list:
                break
        else:
            return args  # the usual call: a few tensors and numbers
    found, stack = [], [*reversed(kwargs.values()), *reversed(args)]
    while stack:
        value = stack.pop()
        if type(value) in (tuple, list):
            containers.append((type(value), len(value)))
            stack.extend(reversed(value))
        else:
            found.append(value)
    return found


# ----------------------------------------------------------------------------------------------- the tape
class Tape:
    """The captured step: its numpy calls (bound to buffers), the guards that keep them valid, and how to build
    the step's result."""

    def __init__(self, tracer: Tracer, result_builder: Callable[[], Any], signature: tuple) -> None:
        self.calls = tracer.calls
        self.texts = tracer.texts
        self.signature = signature
        self.module_edits = Module.edits
        self.inputs, self.rebound = tracer.split_inputs()
        self.current = tracer.current  # the argument tensors of the running call (leaf gradients go to them)
        self.bound = list(tracer.bound.values())  # (tensor, its array, requires_grad)
        self.grad_states = [(tensor, grad, None if grad is None else grad.data)  # the .grad a call must start with
                            for tensor, grad in tracer.grad_states]
        self.argument_grads = tracer.argument_grads  # positions of argument leaves whose .grad must be None
        self.checks = tracer.checks  # optimizer guards: callables that return True while the tape holds
        self.build_result = result_builder

    def holds(self, signature: tuple | None, args: tuple, kwargs: dict) -> bool:
        """Whether replaying gives what running the step eagerly would."""
        if signature != self.signature or Module.edits != self.module_edits or grad_mode.state.anomaly:
            return False
        for tensor, array, requires_grad in self.bound:
            if tensor.data is not array or tensor.requires_grad is not requires_grad:
                return False
        for tensor, grad, array in self.grad_states:
            if tensor.grad is not grad or (grad is not None and grad.data is not array):
                return False
        if self.argument_grads:
            tensors = flat_tensors(args, kwargs)
            if any(tensors[i].grad is not None for i in self.argument_grads):
                return False
        return all([check() for check in self.checks])

    def replay(self, args: tuple, kwargs: dict) -> Any:
        tensors = flat_tensors(args, kwargs)
        for position, buffer in self.inputs:
            np.copyto(buffer, tensors[position].data)
        for entry in self.rebound:  # an argument the calls read directly: rebind them if its array is another
            array = tensors[entry[0]].data
            if array is not entry[2]:
                self.rebind(entry, array)
        self.current[:] = tensors
        for call in self.calls:
            call()
        self.current.clear()
        return self.build_result()


    def rebind(self, entry: list, array: np.ndarray) -> None:
        """Make the calls that read an argument's array read ``array`` instead."""
        _, indices, old = entry
        for index in indices:
            call = self.calls[index]
            self.calls[index] = functools.partial(call.func, *[array if a is old else a for a in call.args],
                                                  **call.keywords)
        entry[2] = array


class _Text:
    """Text to show as it is in a rendered call."""

    def __init__(self, text: str) -> None:
        self.text = text


class Slot:
    """A buffer standing in for a Tensor when an op's own forward is replayed (it reads ``.data``, shape, dtype)."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray) -> None:
        self.data = data

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)


class ReplayContext:
    """The ``ctx`` an op's own forward and backward see on replay: what forward saves, as arrays for backward."""

    def __init__(self, op: type, needs_input_grad: tuple[bool, ...], output: np.ndarray) -> None:
        self.op = op
        self.needs_input_grad, self.output, self.saved = needs_input_grad, output, ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.op, name)  # the op's class attributes, as on a real ctx (a unary op's ``function``)

    def save_for_backward(self, *values: Any) -> None:
        self.saved = values

    @property
    def saved_tensors(self) -> tuple:
        return tuple(v.data if isinstance(v, Slot) else v for v in self.saved)


class Node:
    """What the tracer knows of one recorded op: its class, input buffers (None for a non-tensor argument), its
    eager arguments, output buffer, and the context its own backward replays with (None: a rule writes it)."""

    def __init__(self, cls: type, inputs: list, args: tuple, output: np.ndarray, ctx: ReplayContext | None,
                 needs: tuple[bool, ...]) -> None:
        self.cls, self.inputs, self.args, self.output, self.ctx, self.needs = cls, inputs, args, output, ctx, needs


# ----------------------------------------------------------------------------------------------- the tracer
class Tracer:
    """Watches one eager run of the step (on this thread) and writes the tape, checking each call against eager."""

    def __init__(self, args: tuple, kwargs: dict, names: list[str]) -> None:
        self.thread = threading.get_ident()
        self.reason: str | None = None
        self.calls: list[Callable[[], Any]] = []
        self.texts: list[Callable[[], str]] = []  # rendered when the capture ends, when every buffer has its name
        self.buffers: dict[int, np.ndarray] = {}  # id(an array eager made or read) → the tape's buffer for it
        self.names: dict[int, str] = {}  # id(buffer) → its name in the tape's text
        self.count = 0  # buffers named t1, t2, ... in the order the tape's text shows them
        self.buffer_ids: set[int] = set()
        self.views: dict[int, tuple[np.ndarray, str]] = {}  # id(view) → (the buffer it views, how to show it)
        self.keep: list[Any] = []  # keeps every array and tensor whose id is a key above alive while tracing
        self.created: set[int] = set()  # tensors made during the step outside ops
        self.constants: set[int] = set()  # buffers no call of the tape writes (numbers made in the step)
        self.nodes: dict[Any, Node] = {}
        self.walked: set[Any] = set()  # the ops a backward in the step went through (their graph is spent)
        self.bound: dict[int, tuple[Tensor, np.ndarray, bool]] = {}
        self.grad_states: list[tuple[Tensor, Tensor | None]] = []
        self.argument_grads: list[int] = []
        self.argument_grad_buffers: list[int] = []
        self.checks: list[Callable[[], bool]] = []
        self.leaf_grads: dict[int, tuple[Tensor, np.ndarray]] = {}  # id(leaf) → (its .grad tensor, buffer)
        self.cleared: dict[int, int] = {}  # leaves whose .grad a traced zero_grad set to None → where in the tape
        self.dropped: set[int] = set()  # positions of calls a later call makes useless
        self.current: list[Tensor] = []
        self.in_engine = False
        self.opaque = False  # the tape has calls whose buffers it can't see (an op's own forward or backward)
        self.accesses: list[tuple | None] = []  # per call: (arrays read, array written, elementwise) or None
        self.returned: list[np.ndarray] = []  # buffers the step's result is copied from
        self.arguments = flat_tensors(args, kwargs)
        self.inputs: list[tuple[int, np.ndarray]] = []
        self.finished: list[tuple[Tensor, np.ndarray]] = []
        self.published: list[tuple[str, Tensor, Tensor]] = []  # the .grad each leaf gets at the end of a backward
        self.running = True  # run each call as it is written (not for the optimizer's: eager has just run them)
        self.active = False  # watching the step (the patches are in place)
        for position, tensor in enumerate(self.arguments):
            if id(tensor.data) not in self.buffers:
                buffer = self.buffer_like(tensor.data, names[position])
                np.copyto(buffer, tensor.data)
                self.remember(tensor.data, buffer)
                self.inputs.append((position, buffer))

    # ---- naming and buffers
    def new_name(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def buffer_like(self, array: np.ndarray, name: str | None = None) -> np.ndarray:
        """A new buffer of ``array``'s shape and dtype, named in the tape's text."""
        buffer = np.empty(array.shape, array.dtype)
        self.buffer_ids.add(id(buffer))
        if name is not None:
            self.names[id(buffer)] = name
        self.keep.append(buffer)
        return buffer

    def remember(self, eager_array: np.ndarray, buffer: np.ndarray) -> None:
        self.keep.append(eager_array)
        self.buffers[id(eager_array)] = buffer

    def name(self, value: Any) -> str:
        """How the tape's text shows a value: a buffer's name (t1, t2, ... in order of appearance), a view of one,
        a parameter's name, or a number."""
        if isinstance(value, _Text):
            return value.text
        if not isinstance(value, np.ndarray):
            return repr(value)
        known = self.names.get(id(value))
        if known is not None:
            return known
        if id(value) in self.views:
            base, pattern = self.views[id(value)]
            return pattern.format(self.name(base))
        if value.ndim == 0 and id(value) not in self.buffer_ids:
            return str(value[()])
        self.names[id(value)] = name = self.new_name()
        self.keep.append(value)
        return name

    def view(self, base: np.ndarray, array: np.ndarray, pattern: str) -> np.ndarray:
        """A fixed view of a buffer (``W.T``), shown as ``pattern`` with the buffer's name in its braces."""
        self.views[id(array)] = base, pattern
        self.keep.append(array)
        return array

    def emit(self, spelling: str, function: Callable, *args: Any, out: np.ndarray | None = None,
             **kwargs: Any) -> None:
        """Add one numpy call to the tape and run it now, so its result can be compared with eager's. A call on
        constants only (the seed's 1 divided by N) is run once here and left out of the tape."""
        if isinstance(function, np.ufunc) and not kwargs and function not in (np.maximum, np.minimum):
            call = functools.partial(function, *args, out)  # out= by position: a little faster (not for maximum
            # and minimum, where numpy 2.4 deprecates it)
        elif function is np.add.reduce:
            call = functools.partial(function, *args, kwargs["axis"], None, out, kwargs.get("keepdims", False))
        else:
            call = functools.partial(function, *args, **kwargs, **({} if out is None else {"out": out}))
        reads = [a for a in args if isinstance(a, np.ndarray)]
        access = (reads[1:], reads[0], False) if function is np.copyto else (
            reads, out, isinstance(function, np.ufunc) and function is not np.matmul)
        if self.running:
            with np.errstate(all="ignore"):
                call()
            if out is not None and all(id(a) in self.constants or self.is_literal(a)
                                       for a in args if isinstance(a, np.ndarray)):
                self.constants.add(id(out))
                if out.ndim == 0:
                    self.names[id(out)] = str(out[()])
                return
        self.texts.append(functools.partial(self.render, spelling, args, kwargs, out))
        self.calls.append(call)
        self.accesses.append(access)

    def is_literal(self, array: np.ndarray) -> bool:
        """A number a rule made (0.5, N), not a buffer, a view or a tensor's array."""
        return id(array) not in self.buffer_ids and id(array) not in self.names and id(array) not in self.views

    def render(self, spelling: str, args: tuple, kwargs: dict, out: np.ndarray | None) -> str:
        """A numpy call as the tape's text shows it, with the names its buffers have at the end of the capture."""
        shown = [self.name(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        if out is not None:
            shown.append(f"out={self.name(out)}")
        return f"{spelling}({', '.join(shown)})"

    def emit_python(self, text: str | Callable[[], str], function: Callable[[], Any], run_now: bool = False) -> None:
        """A step of the tape that is Python, not numpy (setting ``.grad``, counting an optimizer's steps); run at
        capture only where the tape needs its effect (eager does the rest). ``text`` may be made at the end."""
        self.texts.append(text if callable(text) else functools.partial(str, text))
        self.calls.append(function)
        self.accesses.append(None)
        if run_now:  # an op's own code, which may read any buffer (the arguments' included)
            self.opaque = True
            function()

    def unsound(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    # ---- the patches: what the tracer watches while the step runs
    @contextlib.contextmanager
    def tracing(self) -> Iterator[None]:
        tracer, apply = self, engine.Function.__dict__["apply"].__func__
        backward, bump, take_over = engine.backward, engine.bump_version, engine.take_over
        step, zero_grad, module_zero_grad = Optimizer.step, Optimizer.zero_grad, Module.zero_grad
        lbfgs_step = LBFGS.step
        init, wrap = Tensor.__init__, Tensor.__dict__["wrap"].__func__

        def mine() -> bool:
            return tracer.active and threading.get_ident() == tracer.thread and tracer.reason is None

        def traced_apply(cls, *args, **kwargs):
            out = apply(cls, *args, **kwargs)
            if mine() and not tracer.in_engine:
                tracer.guarded(tracer.forward, cls, args, kwargs, out)
            return out

        def traced_backward(root, gradient, retain_graph=False, create_graph=False, observer=None, inputs=None):
            if not mine():
                return backward(root, gradient, retain_graph, create_graph, observer, inputs)
            if inputs is not None:
                tracer.unsound("backward(inputs=...) fills the .grad of chosen tensors only")
            tracer.guarded(tracer.backward, root, gradient, create_graph or retain_graph, observer)
            tracer.in_engine = True  # the walk adds into an existing .grad in place: the tape does that too
            try:
                backward(root, gradient, retain_graph, create_graph, observer, inputs)
            finally:
                tracer.in_engine = False
            if mine():
                tracer.guarded(tracer.after_backward)

        def traced_bump(tensor):
            if mine() and not tracer.in_engine:
                tracer.unsound("the step changes a tensor in place outside an optimizer's step (an in-place op, "
                               "a gradient clipped or a state loaded)")
            bump(tensor)

        def traced_take_over(tensor, result, same_memory=False):
            if mine():
                tracer.unsound("the step records an in-place op (x += ..., x[i] = ...)")
            take_over(tensor, result, same_memory)

        def traced_step(optimizer, closure=None):
            if not mine():
                return step(optimizer, closure)
            if closure is not None:
                tracer.unsound("optimizer.step(closure) evaluates the loss again inside the step; call the closure's "
                               "work in the step function and optimizer.step() without one")
                return step(optimizer, closure)
            tracer.guarded(tracer.before_step, optimizer)
            tracer.in_engine = True  # the optimizer's own updates are in place
            try:
                result = step(optimizer)
            finally:
                tracer.in_engine = False
            tracer.guarded(tracer.after_step, optimizer)
            return result

        def traced_lbfgs_step(optimizer, closure=None):
            if mine():
                tracer.unsound("LBFGS.step(closure) evaluates the closure again and again, deciding in Python when "
                               "to stop (line search, tolerances): a tape can't replay it")
            return lbfgs_step(optimizer, closure)

        def traced_zero_grad(owner, set_to_none=True):
            if mine():
                parameters = (list(owner.named_parameters()) if isinstance(owner, Module)
                              else [(None, p) for group in owner.param_groups for p in group["params"]])
                tracer.guarded(tracer.zero_grad, parameters, set_to_none)
            (module_zero_grad if isinstance(owner, Module) else zero_grad)(owner, set_to_none)

        def traced_init(tensor, *args, **kwargs):
            init(tensor, *args, **kwargs)
            if mine():
                tracer.note_created(tensor)

        def traced_wrap(cls, *args, **kwargs):
            tensor = wrap(cls, *args, **kwargs)
            if mine():
                tracer.note_created(tensor)
            return tensor

        def value_read(name):
            original = getattr(Tensor, name)

            def read(tensor, *args, **kwargs):
                if mine():
                    tracer.unsound(f"the step reads a tensor's values into Python or numpy (Tensor.{name}): a "
                                   "tape can't follow a decision made on them")
                return original(tensor, *args, **kwargs)

            return original, read

        patches = [(engine.Function, "apply", engine.Function.__dict__["apply"], classmethod(traced_apply)),
                   (engine, "backward", backward, traced_backward), (engine, "bump_version", bump, traced_bump),
                   (engine, "take_over", take_over, traced_take_over), (Optimizer, "step", step, traced_step),
                   (Optimizer, "zero_grad", zero_grad, traced_zero_grad),
                   (LBFGS, "step", lbfgs_step, traced_lbfgs_step),
                   (Module, "zero_grad", module_zero_grad, traced_zero_grad),
                   (Tensor, "__init__", init, traced_init),
                   (Tensor, "wrap", Tensor.__dict__["wrap"], classmethod(traced_wrap))]
        patches += [(Tensor, name, *value_read(name)) for name in _VALUE_READS]
        for owner, name, _, patched in patches:
            setattr(owner, name, patched)
        self.active, self.optimizer_step, _CAPTURING.active = True, step, True
        try:
            yield
        finally:
            self.active = _CAPTURING.active = False
            for owner, name, original, _ in patches:
                setattr(owner, name, original)

    def guarded(self, method: Callable, *args: Any) -> None:
        """Run a tracing step; what it finds unsound ends the capture, not the step — as does a failure of the
        tracer itself (the eager step it watches must run as if it were not there)."""
        if self.reason is not None:
            return
        try:
            method(*args)
        except _UnsoundError as why:
            self.unsound(str(why))
        except Exception as error:  # reported as the reason the step runs eagerly
            self.unsound(f"the tracer could not follow the step ({type(error).__name__}: {error})")

    def note_created(self, tensor: Tensor) -> None:
        self.created.add(id(tensor))
        self.keep.append(tensor)

    # ---- values
    def value_of(self, tensor: Tensor) -> np.ndarray:
        """The tape's buffer for a tensor an op reads: an op's output, an argument, a tensor from before the step
        (read live: a parameter), or a one-element constant made in the step (a Python number)."""
        known = self.buffers.get(id(tensor.data))
        if known is not None:
            return known
        if id(tensor) in self.created:
            if tensor.data.size > 1:
                raise _UnsoundError("the step makes a tensor of several values outside the ops (random numbers, a "
                               "comparison's mask, a tensor from an array): a tape would replay its first values")
            constant = np.array(tensor.data)
            self.remember(tensor.data, constant)
            self.constants.add(id(constant))
            return constant
        if tensor.grad_fn is not None:
            raise _UnsoundError("the step uses a tensor computed before it, with a graph of its own")
        self.bound[id(tensor)] = (tensor, tensor.data, tensor.requires_grad)
        self.remember(tensor.data, tensor.data)
        self.names.setdefault(id(tensor.data), self.parameter_name(tensor))
        return tensor.data

    def parameter_name(self, tensor: Tensor) -> str:
        return f"p{len(self.bound) - 1}"

    # ---- forward
    def forward(self, cls: type, args: tuple, kwargs: dict, out: Tensor) -> None:
        if cls.__module__ != ops.__name__:
            raise _UnsoundError(f"{cls.__name__} is not a built-in op: a custom Function has no capture rule")
        for value in (*args, *kwargs.values()):
            if not isinstance(value, Tensor) and _holds_array(value):
                raise _UnsoundError(f"{cls.__name__} takes an array argument (an index or a mask): a tape would replay "
                               "the first call's array")
        inputs = [self.value_of(a) if isinstance(a, Tensor) else None for a in args]
        ctx = out.grad_fn if out.requires_grad and out.grad_fn is not None and type(out.grad_fn) is cls else None
        needs = ctx.needs_input_grad if ctx is not None else (False,) * len(args)
        rule = FORWARD_RULES.get(cls)
        output = rule(self, inputs, args, out) if rule is not None else None
        replay_ctx = None
        if output is None:
            output, replay_ctx = self.replayed_forward(cls, inputs, args, kwargs, needs)
        if not _same(output, out.data):
            raise _UnsoundError(f"replaying {cls.__name__}'s forward gave other values than eager's")
        self.remember(out.data, output)
        if ctx is not None:
            self.nodes[ctx] = Node(cls, inputs, args, output, replay_ctx, needs)

    def replayed_forward(self, cls: type, inputs: list, args: tuple, kwargs: dict,
                         needs: tuple[bool, ...]) -> tuple[np.ndarray, Any]:
        """An op without a rule replays its own forward on the buffers (keeping its context for its backward); its
        result is copied into a buffer, or kept as a view where the op views its input (a reshape, a slice)."""
        slots: dict[int, Slot] = {}
        replay_args = [slots.setdefault(id(a), Slot(buffer)) if buffer is not None else a
                       for a, buffer in zip(args, inputs)]
        ctx = ReplayContext(cls, needs, np.empty(0))

        def run() -> np.ndarray:
            return np.asarray(cls.forward(ctx, *replay_args, **kwargs))

        with np.errstate(all="ignore"):
            result = run()
        views = [b for b in inputs if b is not None and np.may_share_memory(result, b)]
        if views and ctx.saved == () and cls.may_view_input:
            ctx.output = result
            return self.view(views[0], result, f"{cls.__name__}({{}})"), ctx  # a fixed view of a fixed buffer
        output = self.buffer_like(result)
        ctx.output = output
        shown = ", ".join(self.name(b) if b is not None else repr(a) for a, b in zip(args, inputs))
        self.emit_python(f"np.copyto({self.name(output)}, {cls.__name__}.forward({shown}))  # the op's own forward",
                         functools.partial(_copy_result, output, run), run_now=True)
        return output, ctx

    # ---- backward
    def backward(self, root: Tensor, gradient: Tensor, keeps_graph: bool, observer: Any) -> None:
        if keeps_graph or observer is not None:
            raise _UnsoundError("a backward with create_graph, retain_graph or an observer")
        order = engine.topological_order(root)
        self.walked.update(node for node in order if isinstance(node, engine.Function))
        pending: dict[Any, tuple[np.ndarray, bool]] = {order[0]: (self.value_of(gradient), False)}
        for node in order:
            if node.backward_hooks or (isinstance(node, Tensor) and node.post_accumulate_grad_hooks):
                raise _UnsoundError("a tensor in the graph has a hook (register_hook, "
                                    "register_post_accumulate_grad_hook)")
            entry = pending.pop(node, None)
            if entry is None:
                continue
            grad, fresh = entry
            if not isinstance(node, engine.Function):
                self.leaf_gradient(node, grad, fresh)
                continue
            info = self.nodes.get(node)
            if info is None:
                raise _UnsoundError(f"the graph reaches {node.name()}, an op recorded before the step")
            out = node.live_output()
            if out is not None and out.retains_grad:
                raise _UnsoundError("a tensor in the graph retains its gradient (retain_grad)")
            rule = BACKWARD_RULES.get(info.cls) if info.ctx is None else None
            results = rule(self, info, grad) if rule is not None else self.replayed_backward(info, grad)
            for edge, needs, result in zip(node.edges, node.needs_input_grad, results):
                if result is None or not needs:
                    continue
                shape, dtype = (edge.output_shape, edge.output_dtype) if isinstance(edge, engine.Function) else (
                    edge.data.shape, edge.data.dtype)
                result = self.conformed(result, shape, dtype)
                if edge in pending:
                    pending[edge] = self.summed(pending[edge], result[0]), True
                else:
                    pending[edge] = result
        if self.published:  # one Python call sets every leaf's .grad
            texts, pairs = [text for text, _, _ in self.published], [(leaf, h) for _, leaf, h in self.published]
            self.emit_python("\n".join(texts), functools.partial(_publish_grads, pairs))
            self.published = []

    def conformed(self, result: tuple[np.ndarray, bool], shape: tuple, dtype: np.dtype) -> tuple[np.ndarray, bool]:
        """A gradient brought to its input's shape (the engine's ``unbroadcast``) and dtype, into a new buffer."""
        grad, _ = result
        if grad.shape != shape:
            summed = self.buffer_like(np.empty(shape, grad.dtype))
            extra = grad.ndim - len(shape)
            if grad.shape[extra:] == shape:
                self.emit("np.add.reduce", np.add.reduce, grad, axis=tuple(range(extra)), out=summed)
            else:
                self.emit_python(functools.partial(self.render, "np.copyto", (summed, _Text(
                    f"unbroadcast({self.name(grad)}, {shape})")), {}, None),
                    functools.partial(_unbroadcast_into, summed, grad), run_now=True)
            result = grad, _ = summed, True
        if grad.dtype != dtype:
            cast = self.buffer_like(np.empty(shape, dtype))
            self.emit("np.copyto", np.copyto, cast, grad, casting="unsafe")
            result = cast, True
        return result

    def summed(self, pending: tuple[np.ndarray, bool], grad: np.ndarray) -> np.ndarray:
        """Σ over consumers: added into the pending sum's own buffer, or into a new one."""
        total, owned = pending
        target = total if owned else self.buffer_like(total)
        self.emit("np.add", np.add, total, grad, out=target)
        return target

    def replayed_backward(self, info: Node, grad: np.ndarray) -> list:
        """An op without a backward rule: its own backward on arrays, each result copied into a buffer."""
        cls, ctx = info.cls, info.ctx
        targets = [self.buffer_like(b) if b is not None and needs else None
                   for b, needs in zip(info.inputs, info.needs)]

        def run() -> None:
            results = cls.backward(ctx, grad)
            for target, result in zip(targets, results if type(results) is tuple else (results,)):
                if target is not None and result is not None:
                    result = np.asarray(result)
                    np.copyto(target, result if result.shape == target.shape else engine.unbroadcast(
                        result, target.shape), casting="unsafe")

        self.emit_python(functools.partial(self.render_backward, cls, targets, grad), run, run_now=True)
        return [(t, True) if t is not None else None for t in targets]

    def render_backward(self, cls: type, targets: list, grad: np.ndarray) -> str:
        shown = ", ".join(self.name(t) if t is not None else "_" for t in targets)
        return f"{shown} = {cls.__name__}.backward({self.name(grad)})  # the op's own backward"

    def leaf_gradient(self, leaf: Tensor, grad: np.ndarray, fresh: bool) -> None:
        """Where a leaf's gradient goes: into its own buffer, which becomes its ``.grad`` (or is added into the
        ``.grad`` it has, as eager accumulates)."""
        argument = next((i for i, t in enumerate(self.arguments) if t is leaf), None)
        name = f"grad({self.name(leaf.data)})"
        if leaf.grad is None:
            if argument is not None:
                self.argument_grads.append(argument)
                self.argument_grad_buffers.append(id(grad))
                self.emit_python(f"{self.name(leaf.data)}.grad = Tensor({self.name(grad)}.copy())",
                                 functools.partial(_set_argument_grad, self.current, argument, grad))
                self.finished.append((leaf, grad))
                return
            if id(leaf) in self.cleared:
                self.dropped.add(self.cleared[id(leaf)])
            else:
                self.grad_states.append((leaf, None))
            if not fresh:
                owned = self.buffer_like(grad, name)
                self.emit("np.copyto", np.copyto, owned, grad)
                grad = owned
            self.names[id(grad)] = name
            holder = Tensor.wrap(grad)
            self.published.append((f"{self.name(leaf.data)}.grad = Tensor({name})", leaf, holder))
            self.leaf_grads[id(leaf)] = holder, grad
        else:
            holder = leaf.grad
            if argument is not None or holder.requires_grad or not holder.data.flags.writeable:
                raise _UnsoundError("a gradient accumulates into an argument's .grad, or into one that can't be "
                               "changed in place")
            self.grad_states.append((leaf, holder))
            self.names[id(holder.data)] = name
            expected = holder.data + grad
            self.running = False  # eager adds it in place; the tape's sum is compared with eager's after
            self.emit("np.add", np.add, holder.data, grad, out=holder.data)
            self.running = True
            self.published.append((f"bump_version({self.name(leaf.data)}.grad)", leaf, holder))
            self.leaf_grads[id(leaf)] = holder, holder.data
            grad = expected
        self.finished.append((leaf, grad))

    def after_backward(self) -> None:
        """Eager's gradients against the tape's (both ran); then each leaf holds the tape's gradient tensor, as
        after a replay."""
        for leaf, expected in self.finished:
            holder, _ = self.leaf_grads.get(id(leaf), (None, None))
            if leaf.grad is None or not _same(expected, leaf.grad.data):
                raise _UnsoundError("the tape's gradient differs from eager's")
            if holder is not None:
                leaf.grad = holder
        self.finished = []

    # ---- zero_grad and the optimizer
    def zero_grad(self, parameters: list[tuple[str | None, Tensor]], set_to_none: bool) -> None:
        """Each parameter's ``.grad`` to None (dropped from the tape again where the backward then sets it)."""
        if not set_to_none:
            raise _UnsoundError("zero_grad(set_to_none=False) (zeroing in place)")
        for name, p in parameters:
            if name is not None:
                self.names.setdefault(id(p.data), name)
            self.cleared[id(p)] = len(self.calls)
            self.emit_python(f"{self.name(p.data)}.grad = None", functools.partial(_set_grad, p, None))

    def before_step(self, optimizer: Optimizer) -> None:
        mro = type(optimizer).__mro__
        if any("step" in vars(cls) for cls in mro[:mro.index(Optimizer)]):
            raise _UnsoundError(f"{type(optimizer).__name__} overrides step()")
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    holder, buffer = self.leaf_grads.get(id(p), (None, None))
                    if holder is not p.grad or buffer is not p.grad.data:
                        raise _UnsoundError("an optimizer steps on a gradient the tape did not compute in this step")
        self.snapshot = [p.data for group in optimizer.param_groups for p in group["params"]]

    def after_step(self, optimizer: Optimizer) -> None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        if any(p.data is not before for p, before in zip(params, self.snapshot)):
            raise _UnsoundError("the optimizer replaced a parameter's array")
        rule = OPTIMIZER_RULES.get(type(optimizer))
        if rule is None:
            self.emit_python(f"{type(optimizer).__name__}.step()  # the optimizer's own update",
                             functools.partial(self.optimizer_step, optimizer))
            return
        self.running = False  # eager's step has just updated the parameters: the tape's update must not again
        for group in optimizer.param_groups:
            hyper = {key: group[key] for key in optimizer.defaults}
            members = list(group["params"])
            self.checks.append(functools.partial(_group_unchanged, group, list(hyper), list(hyper.values()),
                                                 [id(p) for p in members]))
            numbers = {key: float(v) if type(v) is int else v for key, v in hyper.items()}  # as the step takes them
            updated = [p for p in members if p.grad is not None]
            for p in updated:
                rule(self, optimizer, p, self.leaf_grads[id(p)][1], **numbers)
            self.emit_python(f"bump_version({', '.join(self.name(p.data) for p in updated)})",
                             functools.partial(_bump_versions, updated))
        self.running = True
        state = optimizer.state
        self.checks.append(lambda: optimizer.state is state)

    def split_inputs(self) -> tuple[list[tuple[int, np.ndarray]], list[list]]:
        """The argument buffers a replay copies into, and those whose calls are bound to the argument's array
        itself ([position, indices of the calls that read it, the array they read]): no copy, where every call
        that reads it is a numpy call the tape can rebind (no op's own code, no view, not returned)."""
        copied, rebound = [], []
        viewed = {id(base) for base, _ in self.views.values()}
        for position, buffer in self.inputs:
            if self.opaque or id(buffer) in viewed or any(buffer is r for r in self.returned):
                copied.append((position, buffer))
                continue
            readers = [i for i, call in enumerate(self.calls) if isinstance(call, functools.partial)
                       and any(a is buffer for a in call.args)]
            rebound.append([position, readers, buffer])
        return copied, rebound

    def finish(self, result: Any, signature: tuple) -> Tape:
        if self.reason is not None:
            raise _UnsoundError(self.reason)
        kept = [i for i in range(len(self.calls)) if i not in self.dropped]
        self.calls, self.texts = [self.calls[i] for i in kept], [self.texts[i] for i in kept]
        self.accesses = [self.accesses[i] for i in kept]
        build_result = self.result_builder(result)
        if not self.opaque:
            self.share_buffers()
        self.texts = [text() for text in self.texts]
        return Tape(self, build_result, signature)

    def share_buffers(self) -> None:
        """Let a buffer whose last reader has run hold a later result of its shape: an elementwise call writes
        into an input that dies with it (``np.tanh(t2, out=t2)``), any other into a buffer freed before it. Fewer,
        warmer buffers; the same values (each logical buffer is written before it is read, and read only while
        alive). Buffers seen from outside the numpy calls keep their own memory: the arguments', the gradients,
        the result's, views' and constants."""
        pinned = {id(b) for _, b in self.inputs} | {id(b) for b in self.returned} | self.constants
        pinned |= {id(buffer) for _, buffer in self.leaf_grads.values()} | set(self.argument_grad_buffers)
        pinned |= set(self.views) | {id(base) for base, _ in self.views.values()}
        born: dict[int, int] = {}
        last: dict[int, int] = {}
        for index, access in enumerate(self.accesses):
            if access is None:
                continue
            reads, written, _ = access
            for array in reads:
                if id(array) not in born:
                    pinned.add(id(array))  # read before the tape writes it (a value from the capture)
                last[id(array)] = index
            if written is not None:
                born.setdefault(id(written), index)
                last[id(written)] = index
        shared = {id(a): a for access in self.accesses if access for a in (*access[0], access[1]) if a is not None}
        movable = {key for key in shared if key in self.buffer_ids and key not in pinned}
        home: dict[int, np.ndarray] = {}  # a movable buffer's id → the memory it uses
        free: dict[tuple, list[np.ndarray]] = {}
        for index, access in enumerate(self.accesses):
            if access is None:
                continue
            reads, written, elementwise = access
            taken = None
            if written is not None and id(written) in movable and born[id(written)] == index:
                kind = (written.shape, written.dtype)
                dying = [a for a in reads if id(a) in movable and last[id(a)] == index and (a.shape, a.dtype) == kind]
                if elementwise and dying:
                    taken = home.get(id(dying[0]), dying[0])
                elif free.get(kind):
                    taken = free[kind].pop()
                if taken is not None:
                    home[id(written)] = taken
            for key in {id(a) for a in (*reads, written) if a is not None}:
                if key in movable and last[key] == index:
                    memory = home.get(key, shared[key])
                    if memory is not taken:
                        free.setdefault((memory.shape, memory.dtype), []).append(memory)
        if home:
            self.calls = [_moved(call, home) for call in self.calls]
            self.texts = [_moved(text, home) for text in self.texts]

    def result_builder(self, result: Any) -> Callable[[], Any]:
        """How a replay builds the step's result: a fresh tensor per tensor the step returned (a copy of its buffer),
        Python numbers and strings as they were."""
        if isinstance(result, Tensor):
            buffer = self.buffers.get(id(result.data))
            if buffer is None or buffer is result.data:
                raise _UnsoundError("the step returns a tensor the tape does not compute")
            if result.grad_fn is not None and result.grad_fn not in self.walked:
                raise _UnsoundError("the step returns a tensor with a graph a later backward could use (a replay "
                                    "returns tensors without one): call backward inside the step")
            self.returned.append(buffer)
            return lambda: Tensor.wrap(buffer.copy())
        if type(result) in (tuple, list):
            parts = [self.result_builder(r) for r in result]
            kind = type(result)
            return lambda: kind(part() for part in parts)
        if type(result) in _SCALARS:
            return lambda: result
        raise _UnsoundError(f"the step returns a {type(result).__name__} (a tape returns tensors, numbers, strings)")


def _moved(call: Any, home: dict[int, np.ndarray]) -> Any:
    """``call`` (a partial) with each array that moved replaced by the memory it moved to."""
    if not isinstance(call, functools.partial):
        return call

    def place(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return home.get(id(value), value)
        if isinstance(value, tuple):
            return tuple(place(v) for v in value)
        return value

    return functools.partial(call.func, *[place(a) for a in call.args],
                             **{k: place(v) for k, v in call.keywords.items()})


def _holds_array(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (tuple, list)) and any(_holds_array(v) for v in value)


def _same(tape: np.ndarray, eager: np.ndarray) -> bool:
    """The tape's value against eager's: equal to float round-off (numpy may order a sum differently with out=)."""
    if tape.shape != eager.shape or tape.dtype != eager.dtype:
        return False
    if tape.dtype.kind != "f":
        return bool(np.array_equal(tape, eager))
    tolerance = 8 * np.finfo(tape.dtype).eps
    return bool(np.allclose(tape, eager, rtol=tolerance, atol=tolerance * max(1.0, float(np.abs(eager).max(
        initial=0.0, where=np.isfinite(eager)))), equal_nan=True))


def _set_grad(tensor: Tensor, grad: Tensor | None) -> None:
    tensor.grad = grad


def _publish_grads(pairs: list[tuple[Tensor, Tensor]]) -> None:
    """Each leaf's .grad is its gradient tensor, whose values are new: a graph that saved it must notice."""
    for leaf, grad in pairs:
        if leaf.grad is not grad:
            leaf.grad = grad
        engine.bump_version(grad)


def _unbroadcast_into(target: np.ndarray, grad: np.ndarray) -> None:
    np.copyto(target, engine.unbroadcast(grad, target.shape))


def _copy_result(target: np.ndarray, run: Callable[[], np.ndarray]) -> None:
    np.copyto(target, run())


def _bump_versions(tensors: list[Tensor]) -> None:
    for tensor in tensors:  # engine.bump_version is looked up when the tape runs: while tracing, it is the tracer's
        engine.bump_version(tensor)


def _set_argument_grad(current: list[Tensor], position: int, grad: np.ndarray) -> None:
    if current:
        current[position].grad = Tensor.wrap(grad.copy())


def _group_unchanged(group: dict, keys: list[str], values: list, members: list[int]) -> bool:
    """An optimizer group's settings and parameters (by id: the tape holds them) are the ones the tape was written
    for (a scheduler's new lr captures again)."""
    return list(map(group.__getitem__, keys)) == values and list(map(id, group["params"])) == members


# ----------------------------------------------------------------------------------------------- rules
# A forward rule writes an op's result into a new buffer with out= and returns it (None: no rule for these inputs);
# a backward rule returns, per input, (buffer, fresh) — fresh when the buffer is new, not the incoming gradient —
# or None. Each mirrors the op's own formula in ops.py call for call, so the tape computes what eager computes.
def _output(tracer: Tracer, out: Tensor) -> np.ndarray:
    return tracer.buffer_like(out.data)


def _binary_forward(spelling: str, function: np.ufunc) -> Callable:
    def rule(tracer, inputs, args, out):
        output = _output(tracer, out)
        tracer.emit(spelling, function, *inputs, out=output)
        return output
    return rule


def _tanh_forward(tracer, inputs, args, out):
    output = _output(tracer, out)
    tracer.emit("np.tanh", np.tanh, inputs[0], out=output)
    return output


def _matmul_t_forward(tracer, inputs, args, out):
    a, w = inputs
    if a.ndim != 2 or w.ndim != 2:
        return None
    output = _output(tracer, out)
    tracer.emit("np.matmul", np.matmul, a, tracer.view(w, w.T, "{}.T"), out=output)
    return output


def _mean_forward(tracer, inputs, args, out):
    (a,), axes, keepdims = inputs[:1], args[1], args[2]
    count = math.prod([a.shape[i] for i in axes])
    if not count:
        return None
    output = _output(tracer, out)
    tracer.emit("np.add.reduce", np.add.reduce, a, axis=axes, keepdims=keepdims, out=output)
    tracer.emit("np.divide", np.divide, output, np.array(count, output.dtype), out=output)
    return output


def _pass(grad: np.ndarray) -> tuple[np.ndarray, bool]:
    return grad, False


def _new(tracer: Tracer, shape: tuple, dtype: np.dtype) -> np.ndarray:
    return tracer.buffer_like(np.empty(shape, dtype))


def _add_backward(tracer, info, grad):
    return [_pass(grad) if needs else None for needs in info.needs]


def _sub_backward(tracer, info, grad):
    needs_a, needs_b = info.needs
    negated = None
    if needs_b:
        negated = _new(tracer, grad.shape, grad.dtype)
        tracer.emit("np.negative", np.negative, grad, out=negated)
    return [_pass(grad) if needs_a else None, (negated, True) if needs_b else None]


def _mul_backward(tracer, info, grad):
    a, b = info.inputs
    if info.args[0] is info.args[1]:  # grad·a·2, the product rule's two equal terms
        result = _new(tracer, np.broadcast_shapes(grad.shape, a.shape), np.result_type(grad, a))
        tracer.emit("np.multiply", np.multiply, grad, a, out=result)
        tracer.emit("np.multiply", np.multiply, result, np.array(2, result.dtype), out=result)
        return [(result, True), None]
    results = []
    for needs, other in zip(info.needs, (b, a)):
        if not needs:
            results.append(None)
            continue
        result = _new(tracer, np.broadcast_shapes(grad.shape, other.shape), np.result_type(grad, other))
        tracer.emit("np.multiply", np.multiply, grad, other, out=result)
        results.append((result, True))
    return results


def _matmul_t_backward(tracer, info, grad):
    a, w = info.inputs
    needs_a, needs_b = info.needs
    grad_a = grad_w = None
    if needs_a:
        grad_a = _new(tracer, a.shape, np.result_type(grad, w))
        tracer.emit("np.matmul", np.matmul, grad, w, out=grad_a)
    if needs_b:
        grad_w = _new(tracer, w.shape, np.result_type(grad, a))
        tracer.emit("np.matmul", np.matmul, tracer.view(grad, grad.T, "{}.T"), a, out=grad_w)
    return [(grad_a, True) if needs_a else None, (grad_w, True) if needs_b else None]


def _tanh_backward(tracer, info, grad):
    z = info.output
    derivative, result = _new(tracer, z.shape, z.dtype), _new(tracer, grad.shape, np.result_type(grad, z))
    tracer.emit("np.multiply", np.multiply, z, z, out=derivative)
    tracer.emit("np.subtract", np.subtract, np.array(1, z.dtype), derivative, out=derivative)
    tracer.emit("np.multiply", np.multiply, grad, derivative, out=result)
    return [(result, True)]


def _mean_backward(tracer, info, grad):
    a = info.inputs[0]
    shape, axes = a.shape, info.args[1]
    count = math.prod([shape[i] for i in axes])
    scaled = _new(tracer, grad.shape, grad.dtype)
    tracer.emit("np.divide", np.divide, grad, np.array(count, grad.dtype), out=scaled)
    spread = scaled
    if 0 < scaled.ndim != len(shape):
        spread = scaled.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    spread = np.broadcast_to(spread, shape)
    return [(tracer.view(scaled, spread, f"np.broadcast_to({{}}, {shape})"), False), None, None]


FORWARD_RULES: dict[type, Callable] = {
    ops.Add: _binary_forward("np.add", np.add),
    ops.Sub: _binary_forward("np.subtract", np.subtract),
    ops.Mul: _binary_forward("np.multiply", np.multiply),
    ops.MatMulT: _matmul_t_forward,
    ops.Tanh: _tanh_forward,
    ops.Mean: _mean_forward,
}
BACKWARD_RULES: dict[type, Callable] = {
    ops.Add: _add_backward,
    ops.Sub: _sub_backward,
    ops.Mul: _mul_backward,
    ops.MatMulT: _matmul_t_backward,
    ops.Tanh: _tanh_backward,
    ops.Mean: _mean_backward,
}


# ---- the optimizers' updates, steady state (the captured step made their state): each mirrors its ``_update``
def _sgd_update(tracer: Tracer, optimizer: Optimizer, p: Tensor, grad: np.ndarray, lr: float, momentum: float,
                dampening: float, weight_decay: float, nesterov: bool, maximize: bool) -> None:
    data, dtype = p.data, p.data.dtype
    if maximize:
        grad = _into(tracer, "np.negative", np.negative, grad)
    if weight_decay:
        decay = _into(tracer, "np.multiply", np.multiply, np.array(weight_decay, dtype), data)
        tracer.emit("np.add", np.add, grad, decay, out=decay)
        grad = decay
    if momentum:
        state = optimizer.state[p]
        buffer = state["momentum_buffer"]
        tracer.names[id(buffer)] = f"momentum({tracer.name(data)})"
        tracer.emit("np.multiply", np.multiply, buffer, np.array(momentum, dtype), out=buffer)
        step = _into(tracer, "np.multiply", np.multiply, np.array(1 - dampening, dtype), grad)
        tracer.emit("np.add", np.add, buffer, step, out=buffer)
        tracer.checks.append(lambda: optimizer.state.get(p) is state and state["momentum_buffer"] is buffer)
        if nesterov:
            ahead = _into(tracer, "np.multiply", np.multiply, np.array(momentum, dtype), buffer)
            tracer.emit("np.add", np.add, grad, ahead, out=ahead)
            grad = ahead
        else:
            grad = buffer
    change = _into(tracer, "np.multiply", np.multiply, np.array(lr, dtype), grad)
    tracer.emit("np.subtract", np.subtract, data, change, out=data)


def _adam_update(tracer: Tracer, optimizer: Optimizer, p: Tensor, grad: np.ndarray, lr: float, betas: tuple,
                 eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                 decoupled_weight_decay: bool) -> None:
    data, dtype = p.data, p.data.dtype
    beta1, beta2 = (float(b) for b in betas)
    if maximize:
        grad = _into(tracer, "np.negative", np.negative, grad)
    if weight_decay and decoupled_weight_decay:
        tracer.emit("np.multiply", np.multiply, data, np.array(1 - lr * weight_decay, dtype), out=data)
    elif weight_decay:
        decay = _into(tracer, "np.multiply", np.multiply, np.array(weight_decay, dtype), data)
        tracer.emit("np.add", np.add, grad, decay, out=decay)
        grad = decay
    state = optimizer.state[p]
    m, v, peak = state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq")
    step_size, root_correction = np.empty((), dtype), np.empty((), dtype)
    tracer.names.update({id(step_size): "step_size", id(root_correction): "root_correction",
                         id(m): f"exp_avg({tracer.name(data)})", id(v): f"exp_avg_sq({tracer.name(data)})"})
    tracer.emit_python(f"count the step of {tracer.name(data)}: step_size = lr/(1 − β₁ᵗ), root_correction = "
                       "1/√(1 − β₂ᵗ)",
                       functools.partial(_count_adam_step, state, step_size, root_correction, lr, beta1, beta2))
    tracer.emit("np.multiply", np.multiply, m, np.array(beta1, dtype), out=m)
    tracer.emit("np.add", np.add, m, _into(tracer, "np.multiply", np.multiply, np.array(1 - beta1, dtype), grad),
                out=m)
    tracer.emit("np.multiply", np.multiply, v, np.array(beta2, dtype), out=v)
    square = _into(tracer, "np.multiply", np.multiply, np.array(1 - beta2, dtype), grad)
    tracer.emit("np.multiply", np.multiply, square, grad, out=square)
    tracer.emit("np.add", np.add, v, square, out=v)
    if amsgrad:
        tracer.emit("np.maximum", np.maximum, peak, v, out=peak)
    denominator = _into(tracer, "np.sqrt", np.sqrt, peak if amsgrad else v)
    tracer.emit("np.multiply", np.multiply, denominator, root_correction, out=denominator)
    tracer.emit("np.add", np.add, denominator, np.array(eps, dtype), out=denominator)
    change = _into(tracer, "np.multiply", np.multiply, step_size, m)
    tracer.emit("np.divide", np.divide, change, denominator, out=change)
    tracer.emit("np.subtract", np.subtract, data, change, out=data)
    tracer.checks.append(lambda: optimizer.state.get(p) is state and state["exp_avg"] is m
                         and state["exp_avg_sq"] is v and state.get("max_exp_avg_sq") is peak)


def _count_adam_step(state: dict, step_size: np.ndarray, root_correction: np.ndarray, lr: float, beta1: float,
                     beta2: float) -> None:
    state["step"] += 1
    t = state["step"]
    step_size[...] = lr / (1 - beta1**t)
    root_correction[...] = 1 / math.sqrt(1 - beta2**t)


def _into(tracer: Tracer, spelling: str, function: np.ufunc, *args: np.ndarray) -> np.ndarray:
    """``function(*args)`` written into a new buffer."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    result = _new(tracer, shape, np.result_type(*args))
    tracer.emit(spelling, function, *args, out=result)
    return result


OPTIMIZER_RULES: dict[type, Callable] = {SGD: _sgd_update, Adam: _adam_update, AdamW: _adam_update}
