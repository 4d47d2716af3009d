"""Names in the notes' notation, read off the recorded graph: x, W^l, b^l, z^l, a^l, x̂, C, and equations (4)–(7).

A *layer* is a module one of whose ops used the module's own ``weight`` tensor (``nn.Linear``, or any object
that quacks like one); layers are numbered l = 1 … L in the order they ran. For layer l:
W^l, b^l are its ``weight`` and ``bias``; z^l is the last tensor it made; a^{l−1} is the tensor that came into
it (a⁰ = x); a^l = g^l(z^l) is the output of a one-input op (tanh, sigmoid, relu …) applied to z^l, or z^l itself
when nothing is (g^l(z) = z). The gradients sent to these tensors by the layer's own ops are the notes' (4)–(7).
Every other tensor is named by ``params`` or by the op that made it (``Mul#2``: the second Mul, in forward order).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .. import engine
from .._tensor import Tensor
from .graph import RecordedGraph

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(number: int) -> str:
    return str(number).translate(_SUPERSCRIPT)


def _equation(kind: str, l: int, rows: int) -> str:
    """The notes' equation for the gradient of a^{l−1}, W^l, b^l, z^l or x̂ = a^L, with l written out; for a batch
    of several ``rows`` (datapoints d), a shared W^l or b^l sums the datapoints' terms."""
    l0, l1 = sup(l - 1), sup(l)
    delta = f"∂C/∂a{l1}ₘ g'{l1}(z{l1}ₘ)"
    over_d = f", summed over the batch's {rows} datapoints (Σ_d)" if rows > 1 else ""
    return {
        "a": f"(5) ∂C/∂a{l0}ₙ = Σₘ {delta} W{l1}ₘₙ",
        "W": f"(6) ∂C/∂W{l1}ₘₙ = {delta} a{l0}ₙ{over_d}",
        "b": f"(7) ∂C/∂b{l1}ₘ = {delta}{over_d}",
        "z": f"∂C/∂z{l1}ₘ = {delta}  (δ{l1}ₘ, shared by (5)–(7))",
        "x̂": f"(4) ∂C/∂x̂ₙ = ∂C/∂a{l1}ₙ, which is 2(x̂ₙ − yₙ) for the notes' C = Σₙ (x̂ₙ − yₙ)²",
    }[kind]


@dataclass
class Notation:
    """Node id → name, and (target id, sending op id) → the notes' equation for that gradient."""

    names: dict[str, str] = field(default_factory=dict)
    equations: dict[tuple[str, str], str] = field(default_factory=dict)
    layers: list[tuple[str, str]] = field(default_factory=list)  # (module box label, "W¹, b¹") per layer

    def name(self, node_id: str) -> str:
        """All the names of a tensor: ``z⁴ = a⁴ = x̂``."""
        return self.names.get(node_id, node_id)

    def symbol(self, node_id: str) -> str:
        """The first name, for formulas: ``z⁴``."""
        return self.name(node_id).split(" = ")[0]


def notation(graph: RecordedGraph) -> Notation:
    """Name every tensor of ``graph`` and find the equations of the notes where its layers are."""
    found = Notation()
    named: dict[str, list[str]] = {}

    def name(node_id: str | None, symbol: str) -> None:
        if node_id is not None and symbol not in named.setdefault(node_id, []):
            named[node_id].append(symbol)

    if graph.root.data.size == 1:
        name("t0", "C")
    activations = {}  # an op's output → the one-input op applied to it (tanh, sigmoid, relu: the notes' g)
    for i in graph.ops:
        edges = graph.nodes[i].edges
        if len(edges) == 1 and isinstance(edges[0], engine.Function):
            activations.setdefault(edges[0], i)
    layers, rows, output = _layers(graph), 1, ""
    for l, positions in enumerate(layers, start=1):
        module = graph.nodes[positions[0]].module_path[-1]
        inside = {graph.nodes[i] for i in positions}
        own = {id(getattr(module, "weight", None)): "W", id(getattr(module, "bias", None)): "b"}
        for i in positions:
            for _, source, edge in graph.operands(graph.nodes[i]):
                kind = own.get(id(edge)) or ("" if edge in inside else "a")
                if kind and source is not None:
                    name(source, f"{kind}{sup(l - 1 if kind == 'a' else l)}")
                    if (kind, l) == ("a", 1):  # the notes' a⁰ = x; its rows are the batch's datapoints
                        name(source, "x")
                        x = graph.tensor(source)
                        rows = x.shape[0] if x.ndim > 1 else 1
                    found.equations[(source, f"o{i}")] = _equation(kind, l, rows)
        z = f"t{min(positions)}"  # the layer's last op: nearest the root
        name(z, f"z{sup(l)}")
        activation = activations.get(graph.nodes[min(positions)])
        if activation is not None:
            found.equations[(z, f"o{activation}")] = _equation("z", l, rows)
        output = z if activation is None else f"t{activation}"
        name(output, f"a{sup(l)}")
        found.layers.append((graph.box_label(graph.box_of(graph.nodes[positions[0]])), f"W{sup(l)}, b{sup(l)}"))
    if layers:
        name(output, "x̂")
        for i in graph.ops:  # the ops that use x̂ (the cost): their constant operand is the target y
            operands = graph.operands(graph.nodes[i])
            if any(source == output for _, source, _ in operands):
                found.equations[(output, f"o{i}")] = _equation("x̂", len(layers), rows)
                for _, source, _ in operands:
                    if source is not None and source.startswith("c"):
                        name(source, "y")
    found.names = {node_id: " = ".join(symbols) for node_id, symbols in named.items()}
    _generic_names(graph, found.names)
    return found


def _layers(graph: RecordedGraph) -> list[list[int]]:
    """The positions of each layer's ops, layers in the order they ran: numbered by their output z^l, each of
    which depends on the one before (a weight's Transpose may come anywhere in the walk)."""
    layers: dict[int, list[int]] = {}  # id(module) → positions of its ops
    for i in graph.ops[::-1]:  # the walk reversed: every op after the ops it used
        fn = graph.nodes[i]
        module = fn.module_path[-1] if fn.module_path else None
        weight = getattr(module, "weight", None)
        if isinstance(weight, Tensor) and (id(module) in layers or any(e is weight for e in fn.edges)):
            layers.setdefault(id(module), []).append(i)
    return sorted(layers.values(), key=min, reverse=True)


def _generic_names(graph: RecordedGraph, names: dict[str, str]) -> None:
    """Tensors not named by the notes keep their ``params`` name, else ``Op#k`` (``leaf#k``) in forward order."""
    counts: Counter = Counter()
    for i in range(len(graph.nodes) - 1, -1, -1):
        node = graph.nodes[i]
        made = isinstance(node, engine.Function)
        kind = type(node).__name__ if made else "leaf"
        counts[kind] += 1
        tensor = node.live_output() if made else node
        names.setdefault(f"t{i}", graph.names.get(id(tensor), f"{kind}#{counts[kind]}"))
    for k, tensor in enumerate(graph.constants.values()):
        names.setdefault(f"c{k}", graph.names.get(id(tensor), f"constant#{k + 1}"))


def describe(graph: RecordedGraph, names: dict[str, str], node_id: str) -> str:
    """A name with the ``params`` name beside it when they differ (``W¹ (0.weight)``)."""
    name = names.get(node_id, node_id)
    alias = graph.names.get(id(graph.tensor(node_id)))
    return f"{name} ({alias})" if alias and alias != name else name
