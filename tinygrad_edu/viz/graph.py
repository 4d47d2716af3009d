"""The recorded graph in drawable parts: one walk, the tensors it stands for, names, kinds and module boxes.

The picture (``drawing``) and the stepper (``stepper``) show the same parts, read here once from
``engine.topological_order`` (the walk ``backward`` uses). Node ids: ``o<i>`` for the op at position ``i`` of the
walk, ``t<i>`` for the tensor that node stands for (an op's output, or a leaf), ``c<k>`` for a constant operand (the
data, the target), ``s0`` for the note that stands for collapsed ops.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from .. import engine, grad_mode
from .._tensor import Tensor

SUMMARY = "s0"
LETTERS = "abcdefghijklmnopqrstuvwxyz"  # an op's inputs in order, as its local derivative names them


class FreedTensor:
    """Stands for an op's output that the engine freed (nobody held it): shape and dtype only."""

    __slots__ = ("dtype", "grad_fn", "shape")
    data = grad = None
    requires_grad = True

    def __init__(self, fn: engine.Function) -> None:
        self.grad_fn, self.shape, self.dtype = fn, fn.output_shape, fn.output_dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)


@dataclass
class Node:
    """One node of the picture: an op, a tensor, or the note for collapsed ops."""

    id: str
    kind: str  # "op", "root", "intermediate", "parameter", "leaf", "constant" or "summary"
    box: tuple[int, ...]  # ids of the modules it sits in, outermost first
    item: Any = None  # the Function, the Tensor (or FreedTensor); None for the summary


@dataclass
class Parts:
    """What is shown: nodes, edges ``(tail, head, operand letter)`` and module boxes (key → label)."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    boxes: dict[tuple[int, ...], str] = field(default_factory=dict)


class RecordedGraph:
    """The graph that produced ``root``: its nodes in the engine's topological order, and how to show each."""

    def __init__(self, root: Tensor, params: Any = None) -> None:
        if not isinstance(root, Tensor):
            raise TypeError(f"viz needs a Tensor, got {type(root).__name__}")
        self.root = root
        self.names, self.parameter_ids = tensor_names(params)
        self.module_names = module_names(params)
        self.nodes = engine.topological_order(root)  # root first, every node before those it was computed from
        self.position = {node: i for i, node in enumerate(self.nodes)}
        self.ops = [i for i, node in enumerate(self.nodes) if isinstance(node, engine.Function)]
        self._tensors: dict[int, Any] = {}  # position → the tensor it stands for, made when first asked
        self._operands: dict[int, list] = {}
        self.modules: dict[int, Any] = {id(m): m for i in self.ops for m in self.nodes[i].module_path}
        self.constants: dict[int, Tensor] = {}  # no-grad operands drawn as nodes (data x, target y, ...)
        for i in self.ops:
            for edge in self.nodes[i].edges:
                if isinstance(edge, Tensor) and edge not in self.position and not self.folded(edge):
                    self.constants.setdefault(id(edge), edge)
        self.constant_ids = {key: f"c{k}" for k, key in enumerate(self.constants)}
        self.constant_tensors = list(self.constants.values())  # c<k> → its tensor

    # ---- reading one op
    def operands(self, fn: engine.Function) -> list[tuple[str, str | None, Any]]:
        """``(letter, node id, edge)`` for each input of ``fn`` that is a tensor: the edge is the op that made it, or
        the tensor itself (a leaf or a constant); the id is None for a constant folded into the op's label."""
        found = self._operands.get(id(fn))
        if found is None:
            found = self._operands[id(fn)] = []
            for letter, edge in zip(LETTERS, fn.edges):
                if not isinstance(edge, (engine.Function, Tensor)):
                    continue  # a plain argument: a shape, an axis, an index array
                if edge in self.position:  # an op's output or a leaf that needs a gradient
                    found.append((letter, f"t{self.position[edge]}", edge))
                else:
                    found.append((letter, self.constant_ids.get(id(edge)), edge))
        return found

    def node_id(self, node: Any) -> str:
        """The id of the tensor a graph node (an op or a leaf) stands for."""
        return f"t{self.position[node]}"

    def tensor(self, node_id: str) -> Any:
        """The tensor (or freed stand-in) behind a tensor node id ``t<i>`` or ``c<k>``."""
        index = int(node_id[1:])
        if node_id[0] == "c":
            return self.constant_tensors[index]
        if index not in self._tensors:
            self._tensors[index] = _tensor_of(self.nodes[index])
        return self._tensors[index]

    def folded(self, tensor: Tensor) -> bool:
        """An unnamed one-element constant (the 2 of ``x**2``) is written into its op's label, not drawn."""
        return not tensor.requires_grad and tensor.data.size == 1 and id(tensor) not in self.names

    def kind(self, tensor: Any) -> str:
        if tensor is self.root:
            return "root"
        if tensor.grad_fn is not None:
            return "intermediate"
        if not tensor.requires_grad:
            return "constant"
        return "parameter" if id(tensor) in self.parameter_ids else "leaf"

    def box_of(self, fn: engine.Function) -> tuple[int, ...]:
        return tuple(id(m) for m in fn.module_path)

    def box_label(self, key: tuple[int, ...]) -> str:
        """``qualified.name (Class)`` from ``params.named_modules()``, or the class alone."""
        cls = type(self.modules[key[-1]]).__name__
        name = self.module_names.get(key[-1])
        return f"{name} ({cls})" if name else cls

    # ---- what is shown
    def parts(self, hidden: Iterable[int] = ()) -> Parts:
        """Nodes, edges and boxes of the picture; the ops at positions ``hidden`` become one summary note."""
        hidden = set(hidden)
        parts = Parts()
        inputs: dict[str, Any] = {}  # leaves and constants feeding a shown op, in order
        shown_ops = [i for i in self.ops if i not in hidden]
        for i in shown_ops:
            fn, key = self.nodes[i], self.box_of(self.nodes[i])
            output = self.tensor(f"t{i}")
            parts.nodes += [Node(f"o{i}", "op", key, fn), Node(f"t{i}", self.kind(output), key, output)]
            parts.edges.append((f"o{i}", f"t{i}", ""))
            for letter, source, edge in self.operands(fn):
                if source is None:
                    continue  # folded into the op's label
                made = isinstance(edge, engine.Function)
                from_hidden = made and self.position[edge] in hidden
                parts.edges.append((SUMMARY, f"o{i}", "") if from_hidden else (source, f"o{i}", letter))  # x * x: two
                if not made:
                    inputs[source] = edge
        if hidden:
            into_summary = {}
            for i in sorted(hidden):
                for _, source, edge in self.operands(self.nodes[i]):
                    made = isinstance(edge, engine.Function)
                    if source is not None and ((made and self.position[edge] not in hidden) or source in inputs):
                        into_summary[source] = None
            parts.edges += [(source, SUMMARY, "") for source in into_summary]
            parts.edges = list(dict.fromkeys(parts.edges))  # one edge out of the note per op it feeds
            key = common_prefix([self.box_of(self.nodes[i]) for i in hidden])
            parts.nodes.append(Node(SUMMARY, "summary", key))
        parts.nodes += self._input_nodes(inputs, parts)
        if not self.ops:  # a tensor with no recorded graph: just the tensor
            parts.nodes.append(Node("t0", self.kind(self.root), (), self.root))
        for node in parts.nodes:
            for depth in range(1, len(node.box) + 1):
                parts.boxes.setdefault(node.box[:depth], self.box_label(node.box[:depth]))
        return parts

    def _input_nodes(self, inputs: dict[str, Any], parts: Parts) -> list[Node]:
        """Leaves and constants; a parameter sits in the box of the module that owns it."""
        owners = {self.module_names[n.box[-1]]: n.box for n in parts.nodes if n.box and n.box[-1] in self.module_names}
        found = []
        for node_id, tensor in inputs.items():
            kind = self.kind(tensor)
            owner = self.names.get(id(tensor), "").rpartition(".")[0]
            found.append(Node(node_id, kind, owners.get(owner, ()) if kind == "parameter" else (), tensor))
        return found


def _tensor_of(node: Any) -> Any:
    """The tensor a graph node stands for: a leaf itself, or an op's output (a stand-in once it was freed)."""
    if isinstance(node, Tensor):
        return node
    output = node.live_output()
    return FreedTensor(node) if output is None else output


def tensor_names(params: Any) -> tuple[dict[int, str], set[int]]:
    """id(tensor) → name, and the ids that are parameters (leaves requiring grad), from a dict or a module."""
    if params is None:
        return {}, set()
    if isinstance(params, dict):
        items: Iterable = params.items()
    elif callable(getattr(params, "named_parameters", None)):
        items = params.named_parameters()
    else:
        raise TypeError(f"params must be a dict name -> Tensor or have named_parameters(), got {type(params).__name__}")
    names: dict[int, str] = {}
    parameter_ids: set[int] = set()
    for name, tensor in items:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(tensor).__name__}, not a Tensor")
        names.setdefault(id(tensor), str(name))
        if tensor.requires_grad and tensor.grad_fn is None:
            parameter_ids.add(id(tensor))
    return names, parameter_ids


def module_names(params: Any) -> dict[int, str]:
    """id(module) → qualified name (``encoder.0``), when ``params`` offers PyTorch's ``named_modules()``."""
    named_modules = getattr(params, "named_modules", None)
    if not callable(named_modules):
        return {}
    names: dict[int, str] = {}
    for name, module in named_modules():
        names.setdefault(id(module), name)
    return names


def common_prefix(keys: list[tuple]) -> tuple:
    if not keys:
        return ()
    prefix = keys[0]
    for key in keys[1:]:
        n = 0
        while n < min(len(prefix), len(key)) and prefix[n] == key[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def retain_grads(root: Tensor) -> None:
    """Ask every intermediate tensor of ``root``'s graph to keep ``.grad``, so ``show_grad`` can colour all of it
    (every one that still exists: build the graph inside ``keep_intermediates()`` to keep them all)."""
    for tensor in engine.live_tensors(root):
        if tensor.grad_fn is not None:
            tensor.retain_grad()


def keep_intermediates() -> AbstractContextManager:
    """Context manager: every op recorded inside keeps its output tensor alive for as long as the graph lives, so
    the pictures can show the values (and, with ``retain_grads``, the gradients) of tensors nobody holds. Outside
    it the engine frees them, keeping only what backward needs; inside, memory grows as with a graph that keeps
    everything."""
    return grad_mode.keep_outputs()
