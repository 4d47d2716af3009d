"""The graph and the walk: ``Function``, the node every op is recorded as, and ``backward``, reverse mode over it.

A tensor made by an op points at its ``grad_fn``: the ``Function`` instance (the ``ctx``) that made it. The graph
is made of these nodes, as in PyTorch: each holds its ``edges`` (for every input, the op that produced it, or the
tensor itself for a leaf or a constant) and whatever the op saved for its local derivative — not the intermediate
tensors themselves, so a value nobody saved is freed as soon as nobody holds it. ``backward`` walks the nodes once,
in reverse topological order, and sums each node's incoming gradients before passing them on.
"""

from __future__ import annotations

import itertools
import math
import traceback
import weakref
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from typing import Any

import numpy as np

from . import grad_mode

_PACKAGE_DIR = __file__.rsplit("/", 1)[0]

_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time: its saved values were freed by the first backward(). "
    "Pass retain_graph=True to the first backward() if you need to call it again."
)


# ----------------------------------------------------------------------------------------------- Function
class Function:
    """An op in the graph. Subclass with ``@staticmethod forward(ctx, *inputs)`` and ``backward(ctx, grad)``.

    ``forward`` receives the inputs (Tensors, and any other arguments unchanged), computes the output on their
    ``.data`` and may ``ctx.save_for_backward(...)``. ``backward`` receives ``grad`` = ∂C/∂(output) and returns
    ∂C/∂(input) for each positional input (None where there is none), written with Tensor ops so that
    ``create_graph=True`` can differentiate it again. Call the op as ``MyOp.apply(*inputs)``; the instance is the
    ``ctx`` of both calls and becomes the output's ``grad_fn``.
    """

    array_backward = False
    """What a plain ``backward()`` hands this op's backward. False (the default): Tensors, as under
    ``create_graph=True``. True: ndarrays — ``grad``, ``ctx.saved_tensors`` and ``ctx.output`` alike — for a
    formula written with what ndarray and Tensor share; every built-in op does this (see ``ops``)."""

    may_view_input = True
    """Whether ``forward`` may return a view of an input's memory (a slice, a reshape, the input's own array): then
    the output shares that input's version counter. Built-in ops that never do say so, and skip the check."""

    forward_on_arrays = False
    """Whether ``forward`` computes on the inputs' arrays only, never with a Tensor op: then grad mode is left on
    around it (switching it off and on is a fifth of a small op's recording), and the op promises a floating point
    output (an integer or bool output is otherwise left unrecorded). Every built-in op does (see ``ops``)."""

    saves_output = True
    """Keep the output's array for ``ctx.output`` in backward. A custom op can always use ``ctx.output``; the
    built-in ops keep it only where their derivative is written with it, so other outputs are freed early."""

    edges: tuple
    _sequence: int  # when it was recorded: after the ops that made its inputs (see topological_order)
    needs_input_grad: tuple[bool, ...]
    module_path: tuple
    output_shape: tuple[int, ...]
    output_dtype: np.dtype
    backward_hooks: dict[int, Callable] | None = None  # hooks registered on the output tensor
    created_at: str = "<unknown: the graph was built outside detect_anomaly()>"
    _on_arrays = False  # whether the running backward receives ndarrays (saved_tensors, output)

    _saved: tuple = ()
    _saved_versions: tuple | None = None  # the saved tensors' versions, where one was not 0
    _changes_before: int = 0  # the last in-place change anywhere before forward ran (see bump_version)
    _output_version: tuple = ()
    _released = False
    _non_differentiable = False  # the forward called mark_non_differentiable

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
        ctx._changes_before = _last_change[0]
        state = grad_mode.state
        record = False
        if state.grad_enabled:
            needs, edges = [], []
            for a in args:  # a plain loop: cheaper than comprehensions for the usual one to three inputs
                if isinstance(a, Tensor):
                    needs.append(a.requires_grad)
                    edges.append(a if a.grad_fn is None else a.grad_fn)  # a leaf or a constant, else its op
                else:
                    needs.append(False)
                    edges.append(a)
            record = True in needs
            ctx.needs_input_grad = tuple(needs)
        else:  # backward passes and parameter updates run here
            ctx.needs_input_grad = _NO_GRADS[len(args)] if len(args) < 4 else (False,) * len(args)
        try:
            if record and not cls.forward_on_arrays:
                state.grad_enabled = False  # a forward written in Tensor ops must not record itself
                try:
                    result = cls.forward(ctx, *args, **kwargs)
                finally:
                    state.grad_enabled = True
                result = result if type(result) is np.ndarray else _forward_result(cls, result)
                record = result.dtype.kind in "fc" and not ctx._non_differentiable  # PyTorch's rule: an integer
                # or bool output has no gradient, nor one the forward marked non-differentiable
            else:
                result = cls.forward(ctx, *args, **kwargs)
        except ValueError as error:
            shapes = " and ".join(str(a.shape) for a in args if isinstance(a, Tensor))
            raise ValueError(f"{cls.__name__} on shapes {shapes}: {error}") from None
        data = result if type(result) is np.ndarray else _forward_result(cls, result)
        rare = grad_mode.rare_switches_on[0]  # anomaly mode or keep_outputs is on somewhere
        if rare and state.anomaly:  # every op, recorded or not (no_grad regions, ops inside a backward)
            ctx.created_at = _user_frame()
            _check_finite(data, "forward output", ctx)
        out = Tensor.wrap(data, True, ctx) if record else Tensor.wrap(data)
        if cls.may_view_input:
            _share_memory_version(out, args)
        if record:
            ctx._sequence = next(_sequence_numbers)
            ctx.edges = tuple(edges)
            ctx.module_path = state.module_path
            ctx.output_shape, ctx.output_dtype = data.shape, data.dtype
            ctx._output = weakref.ref(out)
            if cls.saves_output:
                ctx._output_data = data
                counter = version_counter_of(out)
                ctx._output_version = (counter, counter[0])
            if rare and state.keep_outputs:
                ctx._kept = out
        return out

    # ---- the ctx interface
    def save_for_backward(self, *values: Any) -> None:
        """Keep tensors (or arrays) needed by ``backward``; freed after backward unless ``retain_graph``.

        The version of each Tensor is noted: backward raises if one was modified in place in between."""
        self._saved = values
        for value in values:  # the usual case, every version 0, needs no record at all
            if isinstance(value, Tensor) and value.version_counter is not None and value.version_counter[0]:
                self._saved_versions = tuple([version_of(v) if isinstance(v, Tensor) else 0 for v in values])
                return

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """PyTorch's: the output has no gradient (an index, a mask, a count), so it is not recorded and does not
        require grad. Only for a forward written in Tensor ops (the default; not ``forward_on_arrays``)."""
        if type(self).forward_on_arrays:
            raise RuntimeError(f"{type(self).__name__}.forward runs on arrays (forward_on_arrays = True), which "
                               "decides recording before it runs: mark_non_differentiable needs it False")
        self._non_differentiable = True

    def set_materialize_grads(self, value: bool) -> None:
        """PyTorch's switch for outputs that got no gradient; a Function here has one output, whose gradient is
        always given, so either setting means the same."""

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` stored; inside ``backward``, as backward receives it (arrays or Tensors, of the
        kind of ``grad``)."""
        if self._released:
            raise RuntimeError(_SECOND_BACKWARD)
        if not self._on_arrays:
            return self._saved
        arrays = []
        for value in self._saved:
            arrays.append(value.data if isinstance(value, Tensor) else value)
        return tuple(arrays)

    @property
    def output(self) -> Any:
        """The tensor this op produced; inside ``backward``, as backward receives it (an array or a Tensor)."""
        if self._released:
            raise RuntimeError(_SECOND_BACKWARD)
        if self._on_arrays and self._output_version:
            return self._output_data
        out = self._output()
        if out is not None:
            return out
        if not self._output_version:
            raise RuntimeError(f"{self.name()}: ctx.output is gone (the output tensor was freed); set "
                               f"saves_output = True on {type(self).__name__} to keep it for backward")
        return Tensor.wrap(self._output_data, True, self, self._output_version[0])

    def live_output(self) -> Tensor | None:
        """The tensor this op produced, if someone still holds it (the graph holds it only weakly)."""
        return self._output()

    @classmethod
    def name(cls) -> str:
        """PyTorch-style node name, e.g. ``MulBackward``."""
        return cls.__name__ + "Backward"

    @classmethod
    def local_derivative(cls) -> str:
        """The op's forward and local derivative in one line: the first line of its docstring, spaces collapsed (z is
        the output, a, b its inputs, C the cost). The graph viewer and the op reference show this text."""
        doc = cls.__doc__ if cls.__doc__ is not Function.__doc__ else None
        return " ".join(doc.strip().splitlines()[0].split()) if doc and doc.strip() else (
            "no docstring; its local derivative is in its backward()")

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # ---- what the engine does with a node at backward time
    def _check_versions(self) -> None:
        """Refuse a backward whose saved values (or output) were modified in place since forward saved them
        (PyTorch's version counters)."""
        versions = self._saved_versions or (0,) * len(self._saved)
        for index, (value, version) in enumerate(zip(self._saved, versions)):
            if isinstance(value, Tensor) and version_of(value) != version:
                raise _modified_error(self, f"saved tensor {index} (shape {value.shape})", version_of(value), version)
        if self._output_version and self._output_version[0][0] != self._output_version[1]:
            counter, version = self._output_version
            raise _modified_error(self, f"its output (shape {self.output_shape})", counter[0], version)


_NO_GRADS = ((), (False,), (False, False), (False, False, False))  # needs_input_grad of unrecorded ops
_sequence_numbers = itertools.count(1)  # drawn by every recorded op (``next`` is atomic: threads can't repeat one)


def _forward_result(cls: type, result: Any) -> np.ndarray:
    """A forward's non-ndarray result (a Tensor, a numpy scalar, a number) as an array; one output only."""
    if isinstance(result, Tensor):
        return np.asarray(result.data)
    if isinstance(result, np.generic):  # e.g. a full sum: numpy returns a scalar, not a 0-d array
        return np.asarray(result)
    if result is None or isinstance(result, (tuple, list)):
        raise TypeError(
            f"{cls.__name__}.forward returned {type(result).__name__}; it must return one ndarray or Tensor "
            "(a Function has exactly one output)"
        )
    data = np.asarray(result)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{cls.__name__}.forward returned {type(result).__name__} of dtype {data.dtype}, "
                        "not a numeric ndarray or Tensor")
    return data


# ----------------------------------------------------------------------------------------------- version counters
# A tensor's version counter counts the in-place changes of its memory; every tensor over that memory (a view, a
# detach()) shares it. It is a list — [changes, weak references to the tensors sharing it…] — made when first
# needed: a tensor that is never changed, viewed or aliased never has one (its version is 0).
def version_of(tensor: Tensor) -> int:
    counter = tensor.version_counter
    return 0 if counter is None else counter[0]


def version_counter_of(tensor: Tensor) -> list:
    if tensor.version_counter is None:
        tensor.version_counter = [0]
    return tensor.version_counter


def bump_version(tensor: Tensor) -> None:
    """Count an in-place change of the tensor's memory (an optimizer step, ``x += 1``, ``load_state_dict``)."""
    version_counter_of(tensor)[0] += 1
    _last_change[0] = next(_change_numbers)


# A number drawn for the latest in-place change anywhere (0: none yet). A node whose forward ran after the last
# change, with no change since, needs no check of its saved values — the usual case, a whole forward and backward
# without an in-place op. Every change draws a new number (``next`` is atomic): no interleaving of threads can
# restore an old one.
_last_change = [0]
_change_numbers = itertools.count(1)


def share_version_counter(tensor: Tensor, counter: list) -> None:
    """``tensor`` is one more tensor over the memory ``counter`` counts the changes of (noted weakly, so an
    in-place op recorded in a graph can tell whether anyone else still sees that memory)."""
    counter[1:] = [ref for ref in counter[1:] if ref() is not None]
    counter.append(weakref.ref(tensor))
    tensor.version_counter = counter


def share_memory(alias: Tensor, base: Tensor) -> None:
    """``alias`` sees ``base``'s memory (a view, a detached copy): both are noted on one version counter, so an
    in-place op recorded in a graph on either one can tell that the other still sees the old memory."""
    counter = version_counter_of(base)
    if not any(ref() is base for ref in counter[1:]):
        counter.append(weakref.ref(base))
    share_version_counter(alias, counter)


def _share_memory_version(out: Tensor, args: tuple) -> None:
    """If ``out``'s array views an input's memory (a reshape, a slice, the input itself), note it as its view."""
    data = out.data
    for a in args:
        if isinstance(a, Tensor) and (a.data is data or (data.base is not None and np.may_share_memory(data, a.data))):
            note_view(out, a)
            return


def note_view(view: Tensor, base: Tensor) -> None:
    """``view`` shows ``base``'s memory: they share one version counter (``share_memory``), and a view made under
    no_grad of a tensor that requires grad is marked (an in-place change of it in grad mode is refused)."""
    share_memory(view, base)
    if base.requires_grad and not grad_mode.state.grad_enabled:
        view.viewed_without_grad = True


def shares_memory_with_another(tensor: Tensor) -> bool:
    """Whether another live tensor (a view, an alias, the tensor it views) is noted on ``tensor``'s version counter."""
    counter = tensor.version_counter
    return counter is not None and any(ref() is not None and ref() is not tensor for ref in counter[1:])


def take_over(tensor: Tensor, result: Tensor, same_memory: bool = False) -> None:
    """``tensor`` becomes ``result``, an op recorded in the graph: an in-place operation (``x += y``, ``x[i] = v``)
    in grad mode, as PyTorch records it. The tensor takes the op's place — its values, its node, a version one
    higher — while the op and any op that saved the tensor's earlier values keep those (its old memory), so every
    backward still sees what its forward saw. A view or alias of the tensor would not see the change: refused.
    ``same_memory``: ``result`` is a view of the tensor's own memory (``x.unsqueeze_(0)``), which stays counted
    by its version counter; its views and aliases still see that memory."""
    counter = version_counter_of(tensor)
    if not same_memory and shares_memory_with_another(tensor):
        raise RuntimeError(
            "an in-place operation in a recorded graph on a tensor that shares its memory with another still in use "
            "(a view of it — a reshape, a slice, detach() — or the tensor it is a view of): that one would not "
            "follow the change. Write into the tensor itself with no view of it kept (m[i, j] = v, not m[i][j] = v), "
            "compute the result out of place, or change the values under `with tg.no_grad():`")
    fn = result.grad_fn
    old, tensor.grad_fn = tensor.grad_fn, fn
    if old is not None:
        old._output = _no_output  # the old node's output is not this tensor any more
    tensor.data, tensor.requires_grad = result.data, True
    if not same_memory:
        tensor.version_counter = [counter[0]]  # new memory
    bump_version(tensor)
    fn._output = weakref.ref(tensor)
    if fn._output_version:
        fn._output_version = (tensor.version_counter, tensor.version_counter[0])


def cut_from_graph(tensor: Tensor) -> None:
    """``tensor.detach_()``: the tensor becomes a leaf that needs no gradient; the op that made it stays in the
    graph of the tensors computed from it, but no longer hands this tensor its gradient (``retain_grad``)."""
    if tensor.grad_fn is not None:
        tensor.grad_fn._output = _no_output
    tensor.grad_fn, tensor.requires_grad, tensor.retains_grad = None, False, False


def _no_output() -> None:
    return None


def _modified_error(fn: Function, what: str, now: int, saved: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{fn.name()}'s {what} is at version {now}; expected version {saved} instead. Compute the modified value "
        "out of place (or .clone() it before modifying); writes through .data are not tracked."
    )


# ----------------------------------------------------------------------------------------------- anomaly mode
def _user_frame() -> str:
    """The innermost stack frame outside tinygrad_edu, as 'file:line in function: code'."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"


def _check_finite(values: np.ndarray, what: str, fn: Function) -> None:
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        kind = "nan" if np.isnan(values).any() else "inf"
        error = FloatingPointError(
            f"detect_anomaly: {fn.name()} produced {kind} in its {what}; the op was created at {fn.created_at}"
        )
        error.detail = f"{kind} in the {what} of {type(fn).__name__}"
        raise error


# ----------------------------------------------------------------------------------------------- the walk
def topological_order(root: Tensor) -> list[Any]:
    """The graph's nodes reachable from ``root`` that need a gradient — its ops (``Function``s) and leaf tensors —
    in the order ``backward`` visits them: each before every node it was computed from.

    An op is recorded after the ops that made its inputs, so ops latest-recorded first is such an order; the leaves
    come after every op, in the order they were reached. The drawing in ``viz`` numbers the graph with it too.
    """
    leaves = itertools.count()
    start = _node(root)
    order, reached, ready = [], {start}, [_rank(start, leaves)]
    while ready:
        node = heappop(ready)[1]
        order.append(node)
        if isinstance(node, Function):  # an op: the nodes its inputs came from follow
            for edge, needs_grad in zip(node.edges, node.needs_input_grad):
                if needs_grad and edge not in reached:
                    reached.add(edge)
                    heappush(ready, _rank(edge, leaves))
    return order


def _rank(node: Any, leaves: Iterator[int]) -> tuple[int, Any]:
    """A node's place in a heap of nodes to visit, smallest first: an op by its recording, latest first (negative
    numbers), a leaf after every op, numbered as reached. No two places tie, so nodes are never compared."""
    return (-node._sequence if isinstance(node, Function) else next(leaves), node)


def live_tensors(root: Tensor) -> list[Tensor]:
    """The tensors of ``root``'s graph that still exist, in topological order: its leaves, and the outputs of its
    ops that someone (the user, or an op that saved it for backward) still holds."""
    found = (node.live_output() if isinstance(node, Function) else node for node in topological_order(root))
    return [tensor for tensor in found if tensor is not None]


def _node(tensor: Tensor) -> Any:
    """The graph node standing for a tensor: the op that made it, or the tensor itself for a leaf."""
    return tensor if tensor.grad_fn is None else tensor.grad_fn


Observer = Callable[[Any, Any, tuple], None]


def backward(root: Tensor, gradient: Tensor, retain_graph: bool = False, create_graph: bool = False,
             observer: Observer | None = None, inputs: list[Tensor] | None = None) -> None:
    """Reverse mode from ``root`` seeded with ``gradient``: the chain rule, one node at a time.

    Every node's gradient is the sum over its consumers, complete when its turn comes in the topological order.
    A plain backward carries ndarrays between the ops; ``create_graph`` carries Tensors and records the walk, so
    it can be differentiated again. ``observer(node, grad, input_grads)``, if given, sees every step. ``inputs``
    (PyTorch's ``backward(inputs=...)``): only these tensors get ``.grad``, and the walk visits only the nodes
    that lead to one of them.
    """
    state = grad_mode.state
    enabled = state.grad_enabled
    state.grad_enabled = create_graph  # a plain save and restore: a context object costs 5% of a small step
    only = None if inputs is None else _leading_to(root, inputs)
    marked = [w for w in inputs or () if w.grad_fn is not None and not w.retains_grad]
    for w in marked:  # a non-leaf input gets its .grad as a retained one does
        w.retains_grad = True
    try:
        if only is None or _node(root) in only:
            with np.errstate(all="ignore"):
                _walk(root, gradient, retain_graph, create_graph, observer, state.anomaly, only)
    finally:
        state.grad_enabled = enabled
        for w in marked:
            w.retains_grad = False


def _leading_to(root: Tensor, inputs: list[Tensor]) -> set:
    """The nodes of ``root``'s graph from which one of ``inputs`` can be reached (the inputs' own nodes too)."""
    targets = {_node(w) for w in inputs}
    leading: set = set()
    for node in reversed(topological_order(root)):  # each node after every node it was computed from
        if node in targets or (isinstance(node, Function) and any(
                needs and edge in leading for edge, needs in zip(node.edges, node.needs_input_grad))):
            leading.add(node)
    return leading


def _walk(root: Tensor, gradient: Tensor, retain_graph: bool, create_graph: bool, observer: Observer | None,
          anomaly: bool, only: set | None = None) -> None:
    """The walk itself: pop each node's complete gradient, apply its local derivative, pass the results on (to the
    nodes in ``only``, if given)."""
    start = _node(root)
    grads: dict[Any, Any] = {start: gradient if create_graph else gradient.data}
    shared = {start}  # nodes whose pending gradient may be held elsewhere too (here: by the caller)
    leaves = itertools.count()
    ready = [_rank(start, leaves)]  # the nodes a gradient was sent to, in topological_order's order (a heap)
    while ready:
        node = heappop(ready)[1]
        grad = grads.pop(node)  # complete: every consumer of node came before it
        if not create_graph and type(grad) is not np.ndarray:
            grad = np.asarray(grad)  # numpy returns a scalar, not a 0-d array, for 0-d arithmetic
        if node.backward_hooks:
            grad = _run_hooks(node, grad, create_graph)
            shared.add(node)
        if not isinstance(node, Function):  # a leaf: its gradient is complete
            if observer:
                observer(node, grad, ())
            _accumulate(node, grad, node in shared, create_graph)
            if node.post_accumulate_grad_hooks:
                _run_post_accumulate_hooks(node)
            continue
        out = node._output()
        if out is not None and out.retains_grad:
            _accumulate(out, grad, node in shared, create_graph)
            shared.add(node)
        input_grads = _call_backward(node, grad, create_graph, anomaly)
        if observer:
            observer(node, grad, input_grads)
        count = len(input_grads)  # below: whether one array went to two inputs (two: the usual case, inline)
        twice = count > 1 and (input_grads[0] is input_grads[1] if count == 2 else _one_array_twice(input_grads))
        for edge, input_grad in zip(node.edges, input_grads):  # each input's sum over its consumers
            if input_grad is None or (only is not None and edge not in only):
                continue
            if edge not in grads:
                grads[edge] = input_grad
                heappush(ready, _rank(edge, leaves))
                if input_grad is grad or not node.array_backward or twice or (
                        input_grad.data if create_graph else input_grad).base is not None:
                    shared.add(edge)  # passed through, made by code that may keep it, sent twice, or a view
            elif create_graph or observer or edge in shared:  # (an observer may keep what it was shown)
                grads[edge] = grads[edge] + input_grad
                shared.discard(edge)  # the sum is a new array
            else:
                grads[edge] += input_grad  # an array only this walk holds: add in place (an RNN's weight, per step)
        if not retain_graph and (node._saved or node._output_version):  # free what backward needed; a node
            node._saved, node._output_data, node._released = (), None, True  # that kept nothing can run again


def _one_array_twice(grads: list) -> bool:
    """Whether a backward returned one array for two of its inputs (then neither may be summed into in place)."""
    arrays = [g for g in grads if g is not None]
    return len({id(g) for g in arrays}) < len(arrays)


def _call_backward(fn: Function, grad: Any, create_graph: bool, anomaly: bool) -> list:
    """Run ``fn.backward`` and bring each result to its input's shape and dtype: the one place that decides what a
    backward receives. ndarrays when the op can take them and nothing is recorded; Tensors otherwise."""
    if fn._released:
        raise RuntimeError(_SECOND_BACKWARD)
    if fn._changes_before != _last_change[0]:  # something somewhere changed in place since forward: check
        fn._check_versions()
    fn._on_arrays = on_arrays = fn.array_backward and not create_graph
    try:
        results = type(fn).backward(fn, grad if on_arrays or create_graph else Tensor.wrap(grad))
    except FloatingPointError as error:
        if not anomaly:
            raise
        raise FloatingPointError(  # an op inside fn's backward made the nan/inf: blame fn, not that op
            f"detect_anomaly: {fn.name()} produced a non-finite value while computing its backward "
            f"({getattr(error, 'detail', error)}, an op inside it); the op was created at {fn.created_at}"
        ) from error
    finally:
        fn._on_arrays = False
    if type(results) is not tuple:
        results = (results,)
    if len(results) != len(fn.edges):
        results = _one_per_input(fn, results)
    conformed = []
    for edge, g, needs in zip(fn.edges, results, fn.needs_input_grad):
        if g is not None and needs:
            if isinstance(edge, Function):
                shape, dtype = edge.output_shape, edge.output_dtype
            else:
                shape, dtype = edge.data.shape, edge.data.dtype
            if create_graph or type(g) is not np.ndarray or g.shape != shape or g.dtype is not dtype:
                g = _conform(fn, len(conformed), g, shape, dtype, create_graph)
            if anomaly:
                _check_finite(_data(g), f"backward gradient for input {len(conformed)}", fn)
            conformed.append(g)
        else:
            if g is not None and not fn.array_backward and not isinstance(edge, (Function, Tensor)):
                raise RuntimeError(f"{fn.name()}: backward returned a gradient for input {len(conformed)}, which is "
                                   f"not a Tensor ({type(edge).__name__}): return None there (a gradient in the "
                                   "wrong place?), as PyTorch requires")
            conformed.append(None)
    return conformed


def _conform(fn: Function, index: int, grad: Any, shape: tuple[int, ...], dtype: np.dtype, create_graph: bool) -> Any:
    """A gradient from ``fn.backward`` as the walk carries it (ndarray or Tensor), in its input's shape and dtype;
    or an error that says why it can't be."""
    if create_graph:
        grad = grad if isinstance(grad, Tensor) else Tensor.wrap(np.asarray(grad))
    else:
        grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
    if grad.shape != shape:
        if not _is_broadcastable_to(shape, grad.shape):
            raise RuntimeError(f"{fn.name()}: gradient for input {index} has shape {grad.shape}, which does not "
                               f"match and cannot be summed back to the input's shape {shape}")
        grad = unbroadcast(grad, shape)
    return grad if grad.dtype == dtype else grad.astype(dtype)


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` back to ``shape``: the chain rule for an input that was broadcast up to ``grad.shape``."""
    extra = grad.ndim - len(shape)
    if grad.shape[extra:] == shape:  # only leading axes were added (a bias row)
        if grad.size == math.prod(shape):  # ... each of size 1 (a batch of one): the sum is a reshape
            return grad.reshape(shape)
        return grad.sum(axis=tuple(range(extra)))
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _is_broadcastable_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    extra = len(target) - len(shape)
    return extra >= 0 and all(n == m or n == 1 for n, m in zip(shape, target[extra:]))


def _data(grad: Any) -> np.ndarray:
    return grad.data if isinstance(grad, Tensor) else grad


def _accumulate(tensor: Tensor, grad: Any, shared: bool, create_graph: bool) -> None:
    """Add ``grad`` into ``tensor.grad``, as PyTorch: in place into an existing gradient, unless recording; a new
    gradient gets memory of its own (a copy when ``grad`` may be held elsewhere) laid out like ``tensor``."""
    held = tensor.grad
    if create_graph:
        tensor.grad = (grad.clone() if shared else grad) if held is None else held + grad
    elif held is None:
        if shared or grad.strides != tensor.data.strides or not grad.flags.writeable:
            grad = _copy_laid_out_like(tensor.data, grad)
        tensor.grad = Tensor.wrap(grad)
    elif held.data.flags.writeable and held.requires_grad is False:
        held.data += grad
        bump_version(held)
    else:
        tensor.grad = Tensor.wrap(held.data + grad)


def _copy_laid_out_like(data: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """A copy of ``grad`` in the memory layout of ``data`` (so in-place updates run fast): row-major, as ``copy()``
    makes it in a quarter of the time, for the usual row-major tensor."""
    if data.flags.c_contiguous:
        return grad.copy()
    copy = np.empty_like(data)
    np.copyto(copy, grad)
    return copy


def _run_hooks(node: Any, grad: Any, create_graph: bool) -> Any:
    """Call the hooks registered on a node's tensor in order (each gets a Tensor); a hook may return a replacement."""
    shape, dtype = (node.output_shape, node.output_dtype) if isinstance(node, Function) else (node.shape, node.dtype)
    grad = grad if create_graph else Tensor.wrap(grad)
    for hook in tuple(node.backward_hooks.values()):
        replacement = hook(grad)
        if replacement is not None:
            if not isinstance(replacement, Tensor):
                raise TypeError(f"a hook must return a Tensor or None, got {type(replacement).__name__}")
            if replacement.shape != shape:
                raise RuntimeError(f"a hook returned a gradient of shape {replacement.shape} for a tensor of shape "
                                   f"{shape}")
            grad = replacement if replacement.dtype == dtype else replacement.astype(dtype)
    return grad if create_graph else grad.data


def _run_post_accumulate_hooks(leaf: Tensor) -> None:
    """Call the hooks registered with ``register_post_accumulate_grad_hook``: each gets the leaf, its .grad filled."""
    for hook in tuple(leaf.post_accumulate_grad_hooks.values()):
        if hook(leaf) is not None:
            raise RuntimeError("a post-accumulate-grad hook must return None (it may change the tensor or its .grad "
                               "in place)")


def _one_per_input(fn: Function, grads: tuple) -> tuple:
    """Drop extra trailing None gradients (e.g. for a defaulted forward argument that was not passed), or explain."""
    n = len(fn.edges)
    if len(grads) > n and all(g is None for g in grads[n:]):
        return grads[:n]
    raise RuntimeError(
        f"{fn.name()}: backward returned {len(grads)} gradient(s) but forward took "
        f"{n} input(s); return one gradient per forward input (None for inputs without one)"
    )


class RemovableHandle:
    """Returned by ``Tensor.register_hook``; ``.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Callable]) -> None:
        self._hooks = hooks
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


# ----------------------------------------------------------------------------------------------- the tensor class
Tensor: Any = None
"""The class of the tensors the engine makes (op outputs, gradients). ``_tensor`` defines it on top of this module
and registers it here, so the engine imports nothing from the layers above it."""


def register_tensor_class(cls: type) -> None:
    global Tensor
    Tensor = cls
