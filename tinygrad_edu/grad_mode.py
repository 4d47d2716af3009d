"""The recording switches, one set per thread: grad mode, anomaly detection, kept outputs, the module being called.

Each switch is set for a ``with`` block (or a decorated call) and restored after it, by the one ``Switch`` class
below. The engine reads them through ``state`` when it records an op.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from typing import Any


class _State(threading.local):
    """The switches of one thread (each thread starts from these defaults)."""

    def __init__(self) -> None:
        self.grad_enabled = True  # ops record themselves into the graph
        self.anomaly = False  # every forward output and backward gradient is checked for nan/inf
        self.keep_outputs = False  # recorded ops keep their output tensors alive (for drawing)
        self.module_path: tuple = ()  # the nn.Modules being called, outermost first


state = _State()

# How many anomaly or keep_outputs blocks are open, in every thread together. Reading a thread's switch costs five
# times a plain attribute, so the engine reads these two, which are nearly always off, only while this is non-zero.
rare_switches_on = [0]
_rare_lock = threading.Lock()


class Switch(contextlib.ContextDecorator):
    """Set one switch of ``state`` for a ``with`` block or a decorated call, then restore its previous value."""

    switch = ""  # the attribute of ``state`` a subclass sets
    rare = False  # counted in ``rare_switches_on`` while set

    def __init__(self, value: Any) -> None:
        self.value = value
        self._previous: list[Any] = []  # a stack, so one instance can be entered again inside itself

    def __enter__(self) -> None:
        if self.rare:
            _count_rare(1)
        self._previous.append(getattr(state, self.switch))
        setattr(state, self.switch, self.value)

    def __exit__(self, *exc: object) -> None:
        setattr(state, self.switch, self._previous.pop())
        if self.rare:
            _count_rare(-1)

    def _recreate_cm(self) -> Switch:
        return type(self)(self.value)  # a fresh switch per decorated call keeps threads and recursion apart

    def __call__(self, function: Any) -> Any:
        """Decorate ``function``; a generator function gets the switch around each of its steps (as PyTorch's
        decorators), not just around making the generator."""
        if inspect.isgeneratorfunction(function):
            return _switched_steps(self, function)
        return super().__call__(function)


def _switched_steps(switch: Switch, function: Any) -> Any:
    """``function``, a generator function, with the switch set while each step (up to a ``yield``) runs; between
    steps the caller's setting holds."""

    @functools.wraps(function)
    def generator(*args: Any, **kwargs: Any) -> Any:
        inner = function(*args, **kwargs)
        resume, argument = inner.send, None
        while True:
            try:
                with switch._recreate_cm():
                    item = resume(argument)
            except StopIteration as done:
                return done.value
            try:
                resume, argument = inner.send, (yield item)
            except GeneratorExit:
                with switch._recreate_cm():
                    inner.close()
                raise
            except BaseException as error:  # thrown in by the caller: into the generator, with the switch set
                resume, argument = inner.throw, error

    return generator


def _count_rare(change: int) -> None:
    with _rare_lock:
        rare_switches_on[0] += change


def is_grad_enabled() -> bool:
    """True when ops record themselves into the graph (the default)."""
    return state.grad_enabled


class set_grad_enabled(Switch):  # noqa: N801 - PyTorch's name
    """Set grad mode: at once when called (``set_grad_enabled(False)``), and for a ``with`` block, restoring the
    mode from before the call at its end (PyTorch's semantics)."""

    switch = "grad_enabled"

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(mode): mode must be a bool, got {type(mode).__name__}")
        super().__init__(mode)
        self._previous.append(state.grad_enabled)
        state.grad_enabled = mode

    def __enter__(self) -> None:
        state.grad_enabled = self.value  # the mode was set on construction; __exit__ restores the one before it

    def __call__(self, function: Any) -> Any:
        state.grad_enabled = self._previous[0]  # as a decorator it changes nothing until the function runs
        return super().__call__(function)

    def _recreate_cm(self) -> Switch:
        return _GradMode(self.value)


class _GradMode(Switch):
    switch = "grad_enabled"


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Context manager and decorator (``@tg.no_grad()`` or ``@tg.no_grad``): ops inside record no graph (inference,
    manual parameter updates)."""

    def __new__(cls, function: Any = None) -> Any:
        return super().__new__(cls) if function is None else cls()(function)

    def __init__(self) -> None:
        super().__init__(False)

    def _recreate_cm(self) -> Switch:
        return no_grad()


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Context manager and decorator (with or without the call): turn recording back on inside a ``no_grad``
    region."""

    def __new__(cls, function: Any = None) -> Any:
        return super().__new__(cls) if function is None else cls()(function)

    def __init__(self) -> None:
        super().__init__(True)

    def _recreate_cm(self) -> Switch:
        return enable_grad()


class inference_mode(_GradMode):  # noqa: N801 - PyTorch's name
    """``no_grad`` under PyTorch's other name for evaluation loops (``inference_mode(False)`` records as usual).
    PyTorch also refuses to differentiate later through tensors made inside; here they are constants, as under
    ``no_grad``."""

    def __new__(cls, mode: Any = True) -> Any:
        return cls()(mode) if callable(mode) else super().__new__(cls)  # the bare decorator: @tg.inference_mode

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)

    def _recreate_cm(self) -> Switch:
        return inference_mode(not self.value)


class detect_anomaly(Switch):  # noqa: N801 - PyTorch's name
    """Check every forward output and backward gradient for nan/inf and raise at the first, naming the op and the
    line that created it (slow: for debugging). ``check_nan=False`` (PyTorch's keyword) checks nothing: PyTorch then
    only notes where each op was created, for its warnings, which this engine has no use for."""

    switch = "anomaly"
    rare = True

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(bool(check_nan))


class keep_outputs(Switch):  # noqa: N801 - used like a function
    """Ops recorded inside keep their output tensors alive as long as their graph lives (``viz`` draws with it).

    The graph normally holds only what backward needs, so an intermediate nobody holds is freed at once. Op and
    output then refer to each other, so such a graph is freed by Python's cycle collector rather than at once.
    """

    switch = "keep_outputs"
    rare = True

    def __init__(self) -> None:
        super().__init__(True)


class module_scope(Switch):  # noqa: N801 - used like a function
    """Record ``module`` as the innermost module for the ops created inside (``nn.Module.__call__`` uses it)."""

    switch = "module_path"

    def __init__(self, module: Any) -> None:
        super().__init__(module)

    def __enter__(self) -> None:
        self._previous.append(state.module_path)
        state.module_path = (*state.module_path, self.value)
