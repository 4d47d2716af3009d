"""ONNX export of a model's recorded forward graph: ``tg.onnx.export(model, example_input, "model.onnx")``.

The model runs once on the example input in grad mode (in eval mode, as ``torch.onnx.export`` by default), and the
graph it records is walked from the output back through each op's ``edges``: every primitive op becomes ONNX nodes,
parameters and buffers become initializers named by their state-dict keys, the example input the graph input.
``nn.Conv2d``, ``nn.MaxPool2d`` and ``nn.LeakyReLU`` are exported whole (ONNX ``Conv``, ``MaxPool``,
``LeakyRelu``): a convolution records many slices, and the other two a mask of the example's values (where each
window's maximum was, which elements were positive), true for that input only.

Two more runs keep the export honest. One on other values of the example's shape: a constant of the graph that
changes with the values (a mask computed from the data) would be fixed to the example's in the file, so it is
refused. One on a batch one larger (``dynamic_batch=True``): a reshape's target that follows the batch becomes
ONNX's "keep this axis" (0) or "the rest" (−1), a constant of one value whose shape follows it is made in the graph
from the input's batch size, and anything else that depends on the batch size is refused.
The ``onnx`` package is imported only here, when exporting (``pip install 'tinygrad_edu[interop]'``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from ._tensor import Tensor
from .engine import Function
from .grad_mode import enable_grad
from .nn import Conv2d, LeakyReLU, MaxPool2d, Module
from .nn.functional import conv_padding, pool_arguments, pool_geometry
from .serialization import write_atomically

__all__ = ["OPSET", "ExportError", "UnsupportedOpError", "export", "supported_ops"]

OPSET = 18
IR_VERSION = 8  # the oldest IR that carries opset 18: readable by older runtimes too
_LAST = np.iinfo(np.int64).max  # an ONNX Slice bound meaning "to the end"
_FIRST = np.iinfo(np.int64).min  # "through the beginning", for a negative step


class ExportError(RuntimeError):
    """The model's graph cannot be written as ONNX that computes what the model computes."""


class UnsupportedOpError(ExportError):
    """An op (or an argument of one) with no ONNX export."""


# ----------------------------------------------------------------------------------------------- the program
@dataclass
class Constant:
    """A constant of the exported graph; ``kind`` says how it may follow the batch size ("reshape", "expand")."""

    value: np.ndarray
    source: str
    kind: str = "value"
    input_shape: tuple[int, ...] = ()


@dataclass
class Node:
    """One ONNX node; ``source`` names the op or module it was made for (in errors and the node's name)."""

    op_type: str
    inputs: list[str]
    output: str
    source: str
    attributes: dict[str, Any] = field(default_factory=dict)

    def signature(self) -> tuple:
        return self.op_type, self.inputs, self.output, self.attributes


class Program:
    """The ONNX graph being built from one run, in plain Python: nodes, named initializers, constants."""

    def __init__(self, names: dict[int, str], tensors: dict[str, Tensor]) -> None:
        self.names, self.tensors = names, tensors  # id(parameter or buffer) → state key, and back
        self.nodes: list[Node] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.constants: dict[str, Constant] = {}
        self.constant_of: dict[int, str] = {}

    def node(self, op_type: str, inputs: list[str], source: str, **attributes: Any) -> str:
        """Add a node; returns the name of its output."""
        output = f"{op_type}_{len(self.nodes)}"
        self.nodes.append(Node(op_type, inputs, output, source, attributes))
        return output

    def constant(self, value: Any, source: str, kind: str = "value", input_shape: tuple[int, ...] = ()) -> str:
        name = f"const_{len(self.constants)}"
        self.constants[name] = Constant(np.asarray(value), source, kind, input_shape)
        return name

    def axes(self, axes: Any, source: str) -> str:
        return self.constant(np.array(axes, dtype=np.int64).reshape(-1), source)

    def tensor(self, tensor: Tensor, source: str) -> str:
        """A leaf of the graph: a parameter or buffer by its state key (a view of one: a Reshape of it), else a
        constant."""
        key = self.names.get(id(tensor))
        if key is not None:
            self.initializers[key] = tensor.data
            return key
        for key, named in self.tensors.items():
            if (named.data.size == tensor.data.size and np.shares_memory(named.data, tensor.data)
                    and np.array_equal(named.data.reshape(tensor.shape), tensor.data, equal_nan=True)):
                self.initializers[key] = named.data
                return self.node("Reshape", [key, self.constant(np.array(tensor.shape, np.int64), source)], source)
        if id(tensor) not in self.constant_of:
            self.constant_of[id(tensor)] = self.constant(tensor.data, source)
        return self.constant_of[id(tensor)]


# ----------------------------------------------------------------------------------------------- primitives
Converter = Callable[[Function, list, Program, str], str]


def _shape(edge: Any) -> tuple[int, ...]:
    return edge.output_shape if isinstance(edge, Function) else edge.shape


def _same(onnx_op: str) -> Converter:
    def convert(fn: Function, args: list, program: Program, source: str) -> str:
        return program.node(onnx_op, args, source)
    return convert


def _matmul_t(fn: Function, args: list, program: Program, source: str) -> str:
    """a @ bᵀ: ``Gemm`` with transB for a matrix a (nn.Linear), else MatMul with b transposed."""
    if len(_shape(fn.edges[0])) == 2:
        return program.node("Gemm", args, source, transB=1)
    return program.node("MatMul", [args[0], program.node("Transpose", [args[1]], source, perm=[1, 0])], source)


def _reduction(onnx_op: str) -> Converter:
    def convert(fn: Function, args: list, program: Program, source: str) -> str:
        a, axes, keepdims = args[:3]
        if not axes:  # over no axis: the input itself
            return program.node("Identity", [a], source)
        return program.node(onnx_op, [a, program.axes(axes, source)], source, keepdims=int(bool(keepdims)))
    return convert


def _reshape(fn: Function, args: list, program: Program, source: str) -> str:
    target = program.constant(np.array(fn.output_shape, np.int64), source, "reshape", _shape(fn.edges[0]))
    return program.node("Reshape", [args[0], target], source)


def _expand(fn: Function, args: list, program: Program, source: str) -> str:
    target = program.constant(np.array(fn.output_shape, np.int64), source, "expand", _shape(fn.edges[0]))
    return program.node("Expand", [args[0], target], source)


def _transpose(fn: Function, args: list, program: Program, source: str) -> str:
    return program.node("Transpose", [args[0]], source, perm=list(args[1]))


def _cat(fn: Function, args: list, program: Program, source: str) -> str:
    return program.node("Concat", args, source, axis=fn.axis)


def _cast(fn: Function, args: list, program: Program, source: str) -> str:
    return program.node("Cast", [args[0]], source, to=np.dtype(fn.output_dtype))


def _clip(fn: Function, args: list, program: Program, source: str) -> str:
    bounds = [("" if bound is None else program.constant(np.array(bound, fn.output_dtype), source))
              for bound in (fn.lo, fn.hi)]
    return program.node("Clip", [args[0], *bounds], source)


def _where(fn: Function, args: list, program: Program, source: str) -> str:
    condition = args[0] if isinstance(args[0], str) else program.constant(np.asarray(args[0], bool), source)
    return program.node("Where", [condition, *args[1:]], source)


def _get_item(fn: Function, args: list, program: Program, source: str) -> str:
    """Basic indexing (ints, slices, None, ...) as Slice, then Squeeze (the ints), then Unsqueeze (the Nones)."""
    a, index = args
    entries = index if isinstance(index, tuple) else (index,)
    ndim = len(_shape(fn.edges[0]))
    basic = all(e is None or e is Ellipsis or isinstance(e, slice)
                or (isinstance(e, (int, np.integer)) and not isinstance(e, (bool, np.bool_))) for e in entries)
    if not basic:
        raise UnsupportedOpError(f"ONNX export: {source} indexes with arrays or masks (advanced indexing), which has "
                                 "no export; supported: ints, slices, None and ...")
    if Ellipsis in entries:
        at = entries.index(Ellipsis)
        used = sum(e is not None and e is not Ellipsis for e in entries)
        entries = entries[:at] + (slice(None),) * (ndim - used) + entries[at + 1 :]
    starts, ends, axes, steps, squeezed, inserted = [], [], [], [], [], []
    axis = position = 0
    for entry in entries:
        if entry is None:
            inserted.append(position)
            position += 1
            continue
        if isinstance(entry, slice):
            position += 1
            if entry != slice(None):
                step = 1 if entry.step is None else entry.step
                starts.append((0 if step > 0 else _LAST) if entry.start is None else entry.start)
                ends.append((_LAST if step > 0 else _FIRST) if entry.stop is None else entry.stop)
                axes.append(axis)
                steps.append(step)
        else:
            starts.append(int(entry))
            ends.append(_LAST if entry == -1 else int(entry) + 1)
            axes.append(axis)
            steps.append(1)
            squeezed.append(axis)
        axis += 1
    out = a
    if axes:
        out = program.node("Slice", [out, *(program.axes(v, source) for v in (starts, ends, axes, steps))], source)
    if squeezed:
        out = program.node("Squeeze", [out, program.axes(squeezed, source)], source)
    if inserted:
        out = program.node("Unsqueeze", [out, program.axes(inserted, source)], source)
    return out if out != a else program.node("Identity", [a], source)


PRIMITIVES: dict[type, Converter] = {
    ops.Add: _same("Add"), ops.Sub: _same("Sub"), ops.Mul: _same("Mul"), ops.Div: _same("Div"),
    ops.Pow: _same("Pow"), ops.Neg: _same("Neg"), ops.MatMul: _same("MatMul"), ops.MatMulT: _matmul_t,
    ops.Exp: _same("Exp"), ops.Log: _same("Log"), ops.Sqrt: _same("Sqrt"), ops.Abs: _same("Abs"),
    ops.Tanh: _same("Tanh"), ops.Sigmoid: _same("Sigmoid"), ops.Relu: _same("Relu"), ops.Erf: _same("Erf"),
    ops.Clip: _clip, ops.Maximum: _same("Max"), ops.Minimum: _same("Min"), ops.Where: _where, ops.Cast: _cast,
    ops.Clone: _same("Identity"), ops.Sum: _reduction("ReduceSum"), ops.Mean: _reduction("ReduceMean"),
    ops.Max: _reduction("ReduceMax"), ops.Min: _reduction("ReduceMin"), ops.Reshape: _reshape,
    ops.Transpose: _transpose, ops.Expand: _expand, ops.GetItem: _get_item, ops.Cat: _cat,
}
"""The primitive ops with an export, each to the ONNX nodes that compute it."""


# ----------------------------------------------------------------------------------------------- whole modules
def _conv2d(module: Conv2d, x: str, shape: tuple[int, ...], program: Program, source: str) -> str:
    if module.padding_mode != "zeros":
        raise UnsupportedOpError(f"ONNX export: {source} has padding_mode={module.padding_mode!r}, which has no "
                                 "export; supported: 'zeros'")
    pads = conv_padding(module.padding, module.kernel_size, module.stride, module.dilation)
    inputs = [x, program.tensor(module.weight, source)]
    if module.bias is not None:
        inputs.append(program.tensor(module.bias, source))
    return _batched(program, "Conv", inputs, shape, source, kernel_shape=list(module.kernel_size),
                    strides=list(module.stride), dilations=list(module.dilation), group=module.groups,
                    pads=[before for before, _ in pads] + [after for _, after in pads])


def _max_pool2d(module: MaxPool2d, x: str, shape: tuple[int, ...], program: Program, source: str) -> str:
    """ONNX ``MaxPool`` in floor mode, its end padding PyTorch's: ONNX's ceil_mode would count one more window
    where the last one starts in the padding, which PyTorch drops."""
    if module.return_indices:
        raise UnsupportedOpError(f"ONNX export: {source} has return_indices=True, which has no export")
    kernel, stride, padding, dilation = pool_arguments(2, module.kernel_size, module.stride, module.padding,
                                                       module.dilation, "max_pool2d")
    after = [pool_geometry(n, k, s, p, d, module.ceil_mode)[1]
             for n, k, s, p, d in zip(shape[-2:], kernel, stride, padding, dilation)]
    return _batched(program, "MaxPool", [x], shape, source, kernel_shape=list(kernel), strides=list(stride),
                    pads=[*padding, *(max(a, 0) for a in after)], dilations=list(dilation))


def _leaky_relu(module: LeakyReLU, x: str, shape: tuple[int, ...], program: Program, source: str) -> str:
    return program.node("LeakyRelu", [x], source, alpha=float(module.negative_slope))


def _batched(program: Program, op_type: str, inputs: list[str], shape: tuple[int, ...], source: str,
             **attributes: Any) -> str:
    """An NCHW node; an unbatched CHW input gets a batch axis before and loses it after, as the layer does."""
    if len(shape) == 4:
        return program.node(op_type, inputs, source, **attributes)
    batched = program.node("Unsqueeze", [inputs[0], program.axes([0], source)], source)
    out = program.node(op_type, [batched, *inputs[1:]], source, **attributes)
    return program.node("Squeeze", [out, program.axes([0], source)], source)


MODULES: dict[type, Callable[..., str]] = {Conv2d: _conv2d, MaxPool2d: _max_pool2d, LeakyReLU: _leaky_relu}
"""The modules exported whole, by the forward they run (a subclass with its own forward is walked op by op): their
recorded graphs hold masks computed from the example's values."""


def supported_ops() -> list[str]:
    """What ``export`` can write: the primitive ops by class name, then the modules exported whole (``nn.Name``)."""
    return sorted(cls.__name__ for cls in PRIMITIVES) + sorted(f"nn.{cls.__name__}" for cls in MODULES)


def _whole_module(fn: Function) -> tuple[Module, Callable[..., str]] | None:
    """The module whose call ``fn`` was recorded in and its converter, if that module is exported whole."""
    module = fn.module_path[-1] if fn.module_path else None
    for cls, convert in MODULES.items():
        if isinstance(module, cls) and type(module).forward is cls.forward:
            return module, convert
    return None


# ----------------------------------------------------------------------------------------------- the walk
class Trace:
    """One run of the model, its graph walked into a ``Program``."""

    def __init__(self, model: Module, example: np.ndarray, names: dict[int, str], tensors: dict[str, Tensor]) -> None:
        self.qualified = {id(m): name for name, m in model.named_modules()}
        self.model_name = type(model).__name__
        self.input = Tensor(example, requires_grad=True)
        with enable_grad():
            self.output = model(self.input)
        if not isinstance(self.output, Tensor):
            raise ExportError(f"ONNX export: the model returned {type(self.output).__name__}; export needs a model "
                              "that returns one Tensor")
        self.program = Program(names, tensors)
        self.values: dict[int, str] = {}  # id(op) → its output's name
        self.whole: dict[int, tuple[Function, Any]] = {}  # id(module call) → (its output op, its input)
        self.result = self._emit()

    def where(self, fn: Function) -> str:
        """Where an op was recorded: the innermost module's name in the model and its class."""
        if not fn.module_path:
            return "outside any module"
        module = fn.module_path[-1]
        name = self.qualified.get(id(module))
        if name is None:
            return f"a {type(module).__name__} that is not a submodule of the model"
        return f"module '{name}' ({type(module).__name__})" if name else f"the model's own forward ({self.model_name})"

    def _source(self, fn: Function) -> str:
        whole = _whole_module(fn)
        return f"{type(whole[0]).__name__} ({self.where(fn)})" if whole else f"{type(fn).__name__} in {self.where(fn)}"

    def _module_input(self, fn: Function) -> Any:
        """The one tensor a whole-module call reads from outside (not its own parameters or constants)."""
        call, inside, outside, todo = fn.module_path, {id(fn)}, {}, [fn]
        while todo:
            for edge in todo.pop().edges:
                if isinstance(edge, Function) and edge.module_path is call:
                    if id(edge) not in inside:
                        inside.add(id(edge))
                        todo.append(edge)
                elif isinstance(edge, Function) or edge is self.input:
                    outside[id(edge)] = edge
        if len(outside) != 1:
            raise ExportError(f"ONNX export: {self._source(fn)} reads {len(outside)} tensors from outside the module "
                              "where one input was expected")
        return next(iter(outside.values()))

    def _dependencies(self, fn: Function) -> list:
        if _whole_module(fn) is None:
            return [e for e in fn.edges if isinstance(e, Function)]
        key = id(fn.module_path)
        if key not in self.whole:
            self.whole[key] = (fn, self._module_input(fn))
        elif self.whole[key][0] is not fn:
            raise ExportError(f"ONNX export: {self._source(fn)} has more than one output used outside it")
        module_input = self.whole[key][1]
        return [module_input] if isinstance(module_input, Function) else []

    def _ordered(self) -> list[Function]:
        """The recorded ops that the output depends on, each after its inputs (a whole-module call as its output
        op); iterative, so deep graphs don't hit the recursion limit."""
        order: list[Function] = []
        seen: set[int] = set()
        stack: list[tuple[Function, bool]] = [(self.output.grad_fn, False)]
        while stack:
            fn, ready = stack.pop()
            if ready:
                order.append(fn)
            elif id(fn) not in seen:
                seen.add(id(fn))
                stack.append((fn, True))
                stack.extend((dep, False) for dep in reversed(self._dependencies(fn)) if id(dep) not in seen)
        return order

    def _name(self, edge: Any, source: str) -> Any:
        """The ONNX name of a tensor argument; other arguments (shapes, axes, indices) as they were passed."""
        if isinstance(edge, Function):
            return self.values[id(edge)]
        if edge is self.input:
            return "input"
        return self.program.tensor(edge, source) if isinstance(edge, Tensor) else edge

    def _emit(self) -> str:
        if self.output.grad_fn is None:
            return self._name(self.output, "the model's output")
        for fn in self._ordered():
            source = self._source(fn)
            whole = _whole_module(fn)
            if whole is not None:
                module, convert_module = whole
                module_input = self.whole[id(fn.module_path)][1]
                self.values[id(fn)] = convert_module(module, self._name(module_input, source), _shape(module_input),
                                                     self.program, source)
                continue
            convert = PRIMITIVES.get(type(fn))
            if convert is None:
                raise UnsupportedOpError(
                    f"ONNX export: {type(fn).__name__} (recorded in {self.where(fn)}) has no export. Supported: "
                    f"{', '.join(supported_ops())}")
            self.values[id(fn)] = convert(fn, [self._name(e, source) for e in fn.edges], self.program, source)
        return self.values[id(self.output.grad_fn)]


# ----------------------------------------------------------------------------------------------- the checks
def _first_difference(first: Program, second: Program) -> str | None:
    """The source of the first node that differs between two programs, if any does."""
    for a, b in zip(first.nodes, second.nodes):
        if a.signature() != b.signature():
            return a.source
    if len(first.nodes) != len(second.nodes) or first.constants.keys() != second.constants.keys():
        longer = max(first.nodes, second.nodes, key=len)
        return longer[min(len(first.nodes), len(longer) - 1)].source if longer else "the graph's constants"
    return None


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


def check_values(first: Trace, second: Trace) -> None:
    """Refuse a graph whose structure or constants change with the input's values (same shape)."""
    different = _first_difference(first.program, second.program)
    if different is not None:
        raise ExportError(f"ONNX export: the recorded graph changes with the input's values at {different} (a "
                          "Python branch on values?); an ONNX graph is one fixed graph")
    for name, constant in first.program.constants.items():
        if not _same_values(constant.value, second.program.constants[name].value):
            raise ExportError(
                f"ONNX export: {constant.source} uses a constant computed from the input's values (it differs "
                "between two inputs of the same shape), which the file would fix to the example's. Such a constant "
                "is computed from .data, which the graph does not record: a mask such as x.data > 0 (F.max_pool2d and "
                "F.leaky_relu called as functions; nn.MaxPool2d and nn.LeakyReLU are exported whole) or a shift "
                "such as softmax's maximum")


@dataclass
class Filled:
    """A constant of one value whose shape follows the batch (``None`` in ``shape``): made in the graph, from the
    input's batch size (a padding block, a zero initial state)."""

    value: np.ndarray
    shape: list[int | None]


def batch_patches(first: Trace, bigger: Trace, batch: int) -> dict[str, np.ndarray | Filled]:
    """The constants rewritten so the graph works for any batch size: reshape and expand targets whose entries
    follow the batch, and constants of one value whose shape does. Anything else that changes with the batch size
    is refused."""
    hint = f"export with dynamic_batch=False for a fixed batch of {batch}"
    different = _first_difference(first.program, bigger.program)
    if different is not None:
        raise ExportError(f"ONNX export: the recorded graph changes with the batch size at {different}; {hint}")
    patches = {}
    for name, constant in first.program.constants.items():
        other = bigger.program.constants[name]
        if _same_values(constant.value, other.value):
            continue
        patched = None
        if constant.kind in ("reshape", "expand") and constant.value.shape == other.value.shape:
            patched = _follow_batch(constant, other)
        elif constant.kind == "value":
            patched = _filled(constant.value, other.value, batch)
        if patched is None:
            raise ExportError(f"ONNX export: {constant.source} depends on the batch size (a constant of shape "
                              f"{constant.value.shape} for batch {batch}, {other.value.shape} for batch "
                              f"{batch + 1}); {hint}")
        patches[name] = patched
    return patches


def _filled(first: np.ndarray, bigger: np.ndarray, batch: int) -> Filled | None:
    if first.ndim != bigger.ndim or first.size == 0 or bigger.size == 0:
        return None
    value = first.reshape(-1)[0]
    if not ((first == value).all() and (bigger == value).all()):
        return None
    shape: list[int | None] = []
    for a, b in zip(first.shape, bigger.shape):
        if a != b and (a, b) != (batch, batch + 1):
            return None
        shape.append(a if a == b else None)
    return Filled(np.asarray(value), shape)


def _follow_batch(constant: Constant, other: Constant) -> np.ndarray | None:
    """A target shape that follows the batch: where an entry equals the input's own axis in both runs, ONNX's
    "keep the input's size" (Reshape 0, Expand 1); one other changing entry of a reshape becomes −1."""
    target, keep = constant.value.copy(), 0 if constant.kind == "reshape" else 1
    offset = len(target) - len(constant.input_shape) if constant.kind == "expand" else 0
    changing = np.flatnonzero(constant.value != other.value)
    rest = []
    for i in changing:
        j = i - offset
        if 0 <= j < len(constant.input_shape) and constant.input_shape[j] == target[i] and (
                other.input_shape[j] == other.value[i]):
            target[i] = keep
        else:
            rest.append(i)
    if constant.kind == "reshape" and 0 in constant.value:
        return None  # a real zero-size axis would read as "keep" in ONNX
    if not rest:
        return target
    if constant.kind == "reshape" and len(rest) == 1:
        target[rest[0]] = -1
        return target
    return None


# ----------------------------------------------------------------------------------------------- export
def _onnx() -> Any:
    try:
        import onnx
    except ImportError as error:
        raise ImportError("ONNX export needs the onnx package: pip install 'tinygrad_edu[interop]' "
                          "(or pip install onnx)") from error
    return onnx


def _other_values(example: np.ndarray, batch: int, seed: int) -> np.ndarray:
    """Random values around the example's center, from 1/100 to 100 times its spread (so that a mask such as
    ``x.data > 20`` differs from the example's), with ``batch`` rows (axis 0) where given."""
    shape = example.shape if batch < 0 else (batch, *example.shape[1:])
    spread, center = (float(np.std(example)), float(np.mean(example))) if example.size else (1.0, 0.0)
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) * (spread or 1.0) * 10 ** rng.uniform(-2, 2, shape) + center
    return values.astype(example.dtype)


def _bigger_trace(model: Module, example: np.ndarray, names: dict[int, str], tensors: dict[str, Tensor]) -> Trace:
    """The run on a batch one larger, which tells what follows the batch size."""
    try:
        return Trace(model, _other_values(example, len(example) + 1, 2), names, tensors)
    except (ValueError, TypeError, IndexError, RuntimeError) as error:
        if isinstance(error, ExportError):
            raise
        raise ExportError(f"ONNX export: the model fails on a batch of {len(example) + 1} ({error}), so axis 0 is "
                          f"not a batch axis it accepts at any size; export with dynamic_batch=False for a fixed "
                          f"batch of {len(example)}") from error


def export(model: Module, example_input: Any, path: str | os.PathLike[str], *, dynamic_batch: bool = True,
           input_name: str = "input", output_name: str = "output") -> None:
    """Write ``model``'s forward on inputs like ``example_input`` as an ONNX file (opset 18), atomically.

    The model runs in eval mode (Dropout off, BatchNorm on running statistics) and is put back as it was. With
    ``dynamic_batch``, axis 0 of the input is a named dimension ``batch``; otherwise every shape is the example's.
    Raises ``UnsupportedOpError`` naming an op without an export, ``ExportError`` for a graph that would compute
    something else in the file; nothing is written then.
    """
    onnx = _onnx()
    if not isinstance(model, Module):
        raise TypeError(f"export: model must be an nn.Module, got {type(model).__name__}")
    example = np.array(example_input.data if isinstance(example_input, Tensor) else example_input)
    if example.dtype.kind != "f":
        raise TypeError(f"export: the example input must be floating point (it is traced as a tensor that "
                        f"requires grad), got dtype {example.dtype}")
    if dynamic_batch and example.ndim == 0:
        raise ValueError("export: a 0-d example input has no batch axis; pass dynamic_batch=False")
    tensors = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    names = {id(tensor): key for key, tensor in tensors.items()}
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        trace = Trace(model, example, names, tensors)
        with np.errstate(all="ignore"):
            check_values(trace, Trace(model, _other_values(example, -1, 1), names, tensors))
            bigger = _bigger_trace(model, example, names, tensors) if dynamic_batch else None
        patches = batch_patches(trace, bigger, len(example)) if bigger else {}
    finally:
        for module, training in modes:
            module.training = training
    proto = _model_proto(onnx, trace, bigger, patches, input_name, output_name)
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    write_atomically(path, lambda file: file.write(data))


def _dimensions(first: tuple[int, ...], bigger: tuple[int, ...] | None, batch: int) -> list[Any]:
    """A value's shape for the file: fixed where both runs agree, ``batch`` where it is the batch size."""
    if bigger is None:
        return list(first)
    return [a if a == b else ("batch" if (a, b) == (batch, batch + 1) else None) for a, b in zip(first, bigger)]


def _filled_nodes(filled: dict[str, Filled]) -> list[Node]:
    """The nodes that make each filled constant: its value expanded to a shape with the input's batch size."""
    if not filled:
        return []
    source = "a constant whose shape follows the batch"
    nodes = [Node("Shape", ["input"], "batch/size", source, {"start": 0, "end": 1})]
    for name, patch in filled.items():
        dims = ["batch/size" if n is None else f"{name}/dim{i}" for i, n in enumerate(patch.shape)]
        nodes.append(Node("Concat", dims, f"{name}/shape", source, {"axis": 0}))
        nodes.append(Node("Expand", [f"{name}/value", f"{name}/shape"], name, source))
    return nodes


def _model_proto(onnx: Any, trace: Trace, bigger: Trace | None, patches: dict[str, np.ndarray | Filled],
                 input_name: str, output_name: str) -> Any:
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    rename = {"input": input_name, trace.result: output_name}
    nodes = [Node("Identity", [trace.result], output_name, "the output")] if (
        trace.result == "input" or trace.result in trace.program.initializers
        or trace.result in trace.program.constants) else []
    if nodes:
        rename.pop(trace.result)
    filled = {name: patch for name, patch in patches.items() if isinstance(patch, Filled)}
    made = _filled_nodes(filled)
    onnx_nodes = []
    for node in made + trace.program.nodes + nodes:
        attributes = {key: helper.np_dtype_to_tensor_dtype(value) if isinstance(value, np.dtype) else value
                      for key, value in node.attributes.items()}
        onnx_nodes.append(helper.make_node(node.op_type, [rename.get(i, i) for i in node.inputs],
                                           [rename.get(node.output, node.output)],
                                           name=f"{node.output}: {node.source}", **attributes))
    initializers = [numpy_helper.from_array(np.asarray(value), key)
                    for key, value in trace.program.initializers.items()]
    initializers += [numpy_helper.from_array(patches.get(name, constant.value), name)
                     for name, constant in trace.program.constants.items() if name not in filled]
    initializers += [numpy_helper.from_array(patch.value, f"{name}/value") for name, patch in filled.items()]
    initializers += [numpy_helper.from_array(np.array([n], np.int64), f"{name}/dim{i}")
                     for name, patch in filled.items() for i, n in enumerate(patch.shape) if n is not None]
    batch = len(trace.input.data) if bigger else 0

    def value_info(name: str, tensor: Tensor, other: Tensor | None) -> Any:
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(tensor.dtype),
                                             _dimensions(tensor.shape, None if other is None else other.shape, batch))

    graph = helper.make_graph(
        onnx_nodes, trace.model_name, [value_info(input_name, trace.input, None if bigger is None else bigger.input)],
        [value_info(output_name, trace.output, None if bigger is None else bigger.output)], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                             producer_name="tinygrad_edu")
