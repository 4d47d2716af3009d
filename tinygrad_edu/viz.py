"""Draw the graph autograd recorded: one node per tensor and per op, modules as boxes, gradients as colour.

``draw`` walks the graph with ``engine.topological_order`` (the same iterative walk ``backward`` uses) and
returns a ``graphviz.Digraph``: Jupyter shows it inline and ``.source`` is the DOT text. ``save`` writes DOT
(no Graphviz needed) or renders SVG/PNG/PDF with the ``dot`` program. The engine frees an intermediate tensor
that nobody holds (it keeps only what backward needs); such a tensor is drawn with its shape and dtype only,
unless the graph was built inside ``keep_intermediates()``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from . import engine, grad_mode
from ._tensor import Tensor

# ----------------------------------------------------------------------------------------------- the explain table
# Each op's local derivative in the seed's notation: z is the op's output, a (and b) its inputs in order, C the
# cost. Activations read as the seed's a = g(z), so there z is the input. This is documentation for the picture;
# the calculus itself lives in ops.py.
LOCAL_DERIVATIVES: dict[str, str] = {
    "Add": "∂z/∂a = 1, ∂z/∂b = 1",
    "Sub": "∂z/∂a = 1, ∂z/∂b = −1",
    "Mul": "∂z/∂a = b, ∂z/∂b = a",
    "Div": "∂z/∂a = 1/b, ∂z/∂b = −a/b²",
    "Pow": "∂z/∂a = b·aᵇ⁻¹, ∂z/∂b = aᵇ·ln a",
    "Neg": "∂z/∂a = −1",
    "MatMul": "z = a·W: ∂z/∂a = Wᵀ…\n∂C/∂a = ∂C/∂z·Wᵀ, ∂C/∂W = aᵀ·∂C/∂z",
    "Exp": "∂z/∂a = eᵃ = z",
    "Log": "∂z/∂a = 1/a",
    "Sqrt": "∂z/∂a = 1/(2√a)",
    "Abs": "∂z/∂a = sign(a)",
    "Tanh": "g'(z) = 1 − tanh²(z)",
    "Sigmoid": "σ'(z) = σ(z)(1 − σ(z))",
    "Relu": "g'(z) = 1 if z > 0 else 0",
    "Clip": "∂z/∂a = 1 inside [lo, hi], 0 outside",
    "Maximum": "gradient to the larger (ties: half each)",
    "Minimum": "gradient to the smaller (ties: half each)",
    "Where": "z = a where c else b: ∂z/∂a = c, ∂z/∂b = 1 − c",
    "Cast": "∂z/∂a = 1 (cast back)",
    "Sum": "∂z/∂aᵢ = 1: ∂C/∂z copied to every aᵢ",
    "Max": "∂z/∂aᵢ = 1 at the max, 0 elsewhere",
    "Reshape": "∂C/∂a = ∂C/∂z reshaped back",
    "Transpose": "∂C/∂a = ∂C/∂z permuted back",
    "Expand": "∂C/∂a = ∂C/∂z summed over broadcast axes",
    "GetItem": "∂C/∂a = ∂C/∂z scattered into zeros",
    "ScatterAdd": "∂C/∂a = ∂C/∂z gathered at the index",
    "Cat": "∂C/∂aₖ = slice k of ∂C/∂z",
}
_SQUARE = "{square}\ncost (x̂ − y)²: 2(x̂ − y)"
_MEAN = "mean: z = Σa / N, ∂z/∂aᵢ = 1/N (N = {n})"
_SCALE = "∂z/∂a = c = {c}"
_LINEAR = "z = a·Wᵀ (nn.Linear): ∂z/∂a = W…\n∂C/∂a = ∂C/∂z·W, ∂C/∂W = ∂C/∂zᵀ·a"

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; it is needed to render {fmt}. Install it with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`, "
    "or save to a .dot/.gv file, which needs no Graphviz."
)

_RANKDIRS = ("LR", "RL", "TB", "BT")
_RENDER_FORMATS = ("svg", "png", "pdf")
_SOURCE_SUFFIXES = (".dot", ".gv")
_DECADES = 4  # gradient colours span four orders of magnitude below the largest
_SMALL = 6  # tensors with at most this many elements show their values; larger ones a summary

_STYLE: dict[str, dict[str, str]] = {
    "root": {"shape": "ellipse", "style": "filled,bold", "fillcolor": "#c7e9c0", "penwidth": "2"},
    "parameter": {"shape": "box", "style": "filled,rounded", "fillcolor": "#fdd49e"},
    "leaf": {"shape": "ellipse", "style": "filled", "fillcolor": "#c6dbef"},
    "constant": {"shape": "ellipse", "style": "dashed", "color": "#888888", "fontcolor": "#555555"},
    "intermediate": {"shape": "ellipse", "style": "filled", "fillcolor": "#ffffff", "fontsize": "10"},
    "op": {"shape": "box", "style": "filled", "fillcolor": "#e5e5e5", "fontname": "Helvetica-Bold"},
    "summary": {"shape": "note", "style": "filled", "fillcolor": "#ffffcc"},
}


class GraphvizNotFoundError(RuntimeError):
    """Raised when rendering needs Graphviz's ``dot`` program and it is not installed."""


# ----------------------------------------------------------------------------------------------- public API
def draw(
    root: Tensor,
    *,
    show_data: bool = False,
    show_grad: bool = False,
    params: Any = None,
    rankdir: str = "LR",
    max_nodes: int = 200,
    explain: bool = False,
) -> graphviz.Digraph:
    """The graph that produced ``root`` as a ``graphviz.Digraph``: tensors, ops, module boxes, edges in data flow.

    ``params`` names tensors (a dict name → Tensor, or a Module with ``named_parameters()``); past ``max_nodes``
    nodes the middle of the graph is collapsed into one summary node.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw() needs a Tensor, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    names, parameter_ids = _tensor_names(params)
    drawing = _Drawing(root, names, parameter_ids, _module_names(params), show_data, show_grad, explain)
    drawing.select_visible(max_nodes)
    return drawing.build(rankdir)


def save(graph_or_tensor: graphviz.Digraph | Tensor, path: str | Path, **draw_options: Any) -> Path:
    """Write a drawing to ``path``: ``.dot``/``.gv`` as DOT text, ``.svg``/``.png``/``.pdf`` rendered by ``dot``.

    A Tensor is drawn first with ``draw(tensor, **draw_options)``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SOURCE_SUFFIXES and suffix[1:] not in _RENDER_FORMATS:
        supported = ", ".join([*_SOURCE_SUFFIXES, *("." + f for f in _RENDER_FORMATS)])
        raise ValueError(f"save(): cannot infer a format from the suffix {path.suffix!r} of {path}; use {supported}")
    if isinstance(graph_or_tensor, Tensor):
        graph = draw(graph_or_tensor, **draw_options)
    elif isinstance(graph_or_tensor, graphviz.Digraph):
        if draw_options:
            raise TypeError(f"save(): draw options {sorted(draw_options)} apply only when saving a Tensor")
        graph = graph_or_tensor
    else:
        raise TypeError(f"save() needs a graphviz.Digraph or a Tensor, got {type(graph_or_tensor).__name__}")
    if suffix in _SOURCE_SUFFIXES:
        path.write_text(graph.source, encoding="utf-8")
    else:
        path.write_bytes(render(graph, suffix[1:]))  # rendered fully before the file is touched
    return path


def render(graph: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """Run ``dot`` on the graph (no shell) and return the picture's bytes; a clear error if ``dot`` is missing."""
    if fmt not in _RENDER_FORMATS:
        raise ValueError(f"render(): format must be one of {_RENDER_FORMATS}, got {fmt!r}")
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT.format(fmt=fmt.upper())) from error


def retain_grads(root: Tensor) -> None:
    """Ask every intermediate tensor of ``root``'s graph to keep ``.grad``, so ``show_grad`` can colour all of it
    (every one that still exists: build the graph inside ``keep_intermediates()`` to keep them all)."""
    for tensor in engine.live_tensors(root):
        if tensor.grad_fn is not None:
            tensor.retain_grad()


def keep_intermediates() -> grad_mode.keep_outputs:
    """Context manager: every op recorded inside keeps its output tensor alive for as long as the graph lives, so
    ``draw`` can show the values (and, with ``retain_grads``, the gradients) of tensors nobody holds. Outside it the
    engine frees them, keeping only what backward needs; inside, memory grows as with a graph that keeps everything.
    """
    return grad_mode.keep_outputs()


# ----------------------------------------------------------------------------------------------- naming
def _tensor_names(params: Any) -> tuple[dict[int, str], set[int]]:
    """id(tensor) → name, and the ids that are parameters (leaves requiring grad)."""
    if params is None:
        return {}, set()
    if isinstance(params, dict):
        items: Iterable = params.items()
    elif callable(getattr(params, "named_parameters", None)):
        items = params.named_parameters()
    else:
        raise TypeError(
            f"params must be a dict name -> Tensor or have named_parameters(), got {type(params).__name__}"
        )
    names: dict[int, str] = {}
    parameter_ids: set[int] = set()
    for name, tensor in items:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(tensor).__name__}, not a Tensor")
        names.setdefault(id(tensor), str(name))
        if tensor.requires_grad and tensor.grad_fn is None:
            parameter_ids.add(id(tensor))
    return names, parameter_ids


def _module_names(params: Any) -> dict[int, str]:
    """id(module) → qualified name (``encoder.0``), when ``params`` offers PyTorch's ``named_modules()``."""
    named_modules = getattr(params, "named_modules", None)
    if not callable(named_modules):
        return {}
    names: dict[int, str] = {}
    for name, module in named_modules():
        names.setdefault(id(module), name)
    return names


# ----------------------------------------------------------------------------------------------- labels
def _summarize(values: Any) -> str:
    """A few numbers for a small array; mean/std/min/max for a large one."""
    array = np.asarray(values)
    if array.size == 0:
        return "[]"
    if array.size <= _SMALL:
        if array.ndim == 0:
            return f"{array.item():.6g}"
        return np.array2string(array, precision=3, separator=", ", max_line_width=10**6).replace("\n", "")
    array = array.astype(np.float64)
    return (
        f"mean {array.mean():.3g}  std {array.std():.3g}\\n"
        f"min {array.min():.3g}  max {array.max():.3g}"
    )


def _rms(values: np.ndarray) -> float:
    array = np.asarray(values, dtype=np.float64)
    return float(np.sqrt(np.mean(array * array))) if array.size else 0.0


def _grad_level(rms: float, largest: float) -> int:
    """1 (faint) … 9 (dark): the gradient's RMS on a log scale over ``_DECADES`` decades below the largest."""
    if largest <= 0 or rms <= 0:
        return 1
    position = 1 + math.log10(rms / largest) / _DECADES
    return 1 + round(8 * min(max(position, 0.0), 1.0))


def _scalar_value(tensor: Any) -> float | None:
    if isinstance(tensor, Tensor) and tensor.data.size == 1 and tensor.dtype.kind in "fiu":
        return float(tensor.data.reshape(()))
    return None


def _explain(fn: engine.Function) -> str:
    """The local derivative of ``fn`` for the picture, specialised for the seed's square, mean and Linear."""
    op = type(fn).__name__
    consts = [_scalar_value(inp) for inp, needs in zip(fn.edges, fn.needs_input_grad) if not needs]
    if op == "Pow" and len(fn.edges) == 2 and not fn.needs_input_grad[1] and consts == [2.0]:
        return _SQUARE.format(square="z = a²: ∂z/∂a = 2a")
    if op == "Mul" and len(fn.edges) == 2 and fn.edges[0] is fn.edges[1]:  # MSELoss squares as diff * diff
        return _SQUARE.format(square="z = a·a: ∂z/∂a = a + a = 2a")
    if op == "Mul" and len(consts) == 1 and consts[0] is not None:
        return _SCALE.format(c=f"{consts[0]:.4g}")
    if op == "Mean":
        return _MEAN.format(n=fn.count)
    if op == "MatMulT":
        return _LINEAR
    if op in LOCAL_DERIVATIVES:
        return LOCAL_DERIVATIVES[op]
    return type(fn).local_derivative()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


# ----------------------------------------------------------------------------------------------- the drawing
class _Drawing:
    """The recorded graph in drawable parts: ops in topological order, their inputs, names and module boxes."""

    def __init__(self, root: Tensor, names: dict[int, str], parameter_ids: set[int], module_names: dict[int, str],
                 show_data: bool, show_grad: bool, explain: bool) -> None:
        self.root = root
        self.names, self.parameter_ids, self.module_names = names, parameter_ids, module_names
        self.show_data, self.show_grad, self.explain = show_data, show_grad, explain
        self._views: dict[int, Any] = {}
        # the one graph walk: root first, each tensor before its inputs (an op stands for the tensor it made)
        self.order = [self._view(node) for node in engine.topological_order(root)]
        self.tensor_ids = {id(t): f"t{i}" for i, t in enumerate(self.order)}
        self.ops = [t for t in self.order if t.grad_fn is not None]  # each op stands for the tensor it produced
        self.constants: dict[int, Tensor] = {}  # no-grad Tensor inputs drawn as nodes (data x, target y, ...)
        for out in self.ops:
            for inp, needs in zip(self._inputs(out.grad_fn), out.grad_fn.needs_input_grad):
                if isinstance(inp, Tensor) and not needs and not self._folded(inp):
                    self.constants.setdefault(id(inp), inp)
        self.constant_ids = {key: f"c{i}" for i, key in enumerate(self.constants)}
        self.inputs = {**{id(t): t for t in self.order if t.grad_fn is None}, **self.constants}  # leaves, constants
        self.shown_inputs: dict[int, None] = {}  # drawn leaves and constants, in order
        self.visible: set[int] = {id(t) for t in self.ops}  # ids of op outputs whose op is drawn
        self.hidden: list[Tensor] = []
        self.modules: dict[int, Any] = {}

    def _view(self, node: Any) -> Any:
        """The tensor a graph node stands for: a leaf itself, or an op's output (a stand-in once it was freed)."""
        if isinstance(node, Tensor):
            return node
        view = self._views.get(id(node))
        if view is None:
            output = node.live_output()
            view = self._views[id(node)] = _FreedTensor(node) if output is None else output
        return view

    def _inputs(self, fn: engine.Function) -> list[Any]:
        """The tensors (or stand-ins, or plain arguments) that went into ``fn``, in order."""
        return [self._view(edge) if isinstance(edge, engine.Function) else edge for edge in fn.edges]

    def _folded(self, tensor: Tensor) -> bool:
        """An unnamed one-element constant (the 2 of ``x**2``) is written into its op's label, not drawn."""
        return not tensor.requires_grad and tensor.data.size == 1 and id(tensor) not in self.names

    # ---- collapsing
    def select_visible(self, max_nodes: int) -> None:
        """Past ``max_nodes``, keep ops from both ends of the order (root side and input side), hide the middle."""
        total = len(self.order) + len(self.ops) + len(self.constants)
        if total <= max_nodes:
            return
        budget = max_nodes - 1  # one node for the summary
        ops = self._ops_by_distance()
        counted: set[int] = set()
        head, tail = [], []
        low, high = 0, len(ops) - 1
        take_head = True
        while low <= high:
            out = ops[low if take_head else high]
            new = [key for key in dict.fromkeys(map(id, self._inputs(out.grad_fn))) if key in self.inputs]
            new = [key for key in new if key not in counted]
            cost = 2 + len(new)
            if cost > budget and head:
                break
            budget -= cost
            counted.update(new)
            if take_head:
                head.append(out)
                low += 1
            else:
                tail.append(out)
                high -= 1
            take_head = not take_head
        self.hidden = ops[low : high + 1]
        self.visible = {id(t) for t in (*head, *tail)}

    def _ops_by_distance(self) -> list[Tensor]:
        """Ops sorted by their longest path to the root, so the input end is the first layer, not a side branch.

        Sorting the topological order this way keeps both ends closed: an op's consumers are nearer the root,
        its inputs farther. (A weight's Transpose sits late in the plain order but close to its own layer here.)
        """
        distance: dict[int, int] = {id(self.root): 0}
        for tensor in self.order:  # every consumer comes before its inputs, so its distance is final
            step = distance.get(id(tensor), 0) + 1
            if tensor.grad_fn is not None:
                for inp in self._inputs(tensor.grad_fn):
                    if _is_tensor(inp) and distance.get(id(inp), 0) < step:
                        distance[id(inp)] = step
        return sorted(self.ops, key=lambda t: distance[id(t)])

    # ---- nodes
    def _tensor_kind(self, tensor: Tensor) -> str:
        if tensor is self.root:
            return "root"
        if tensor.grad_fn is not None:
            return "intermediate"
        if not tensor.requires_grad:
            return "constant"
        return "parameter" if id(tensor) in self.parameter_ids else "leaf"

    def _tensor_label(self, tensor: Tensor, kind: str) -> str:
        lines = []
        name = self.names.get(id(tensor))
        if name is not None:
            lines.append(_escape(name))
        shape = "scalar" if tensor.ndim == 0 else str(tensor.shape).replace(",)", ")")
        lines.append(f"{shape} {tensor.dtype}")
        if self.show_data:
            lines.append("data: freed after use" if tensor.data is None else "data: " + _summarize(tensor.data))
        if self.show_grad and tensor.grad is not None:
            lines.append("grad: " + _summarize(tensor.grad.data))
        return "\\n".join(lines)

    def _tensor_attrs(self, tensor: Tensor, largest: float) -> tuple[dict[str, str], int | None]:
        kind = self._tensor_kind(tensor)
        attrs = {**_STYLE[kind], "label": self._tensor_label(tensor, kind), "tooltip": kind}
        level = None
        if self.show_grad and tensor.grad is not None:
            level = _grad_level(_rms(tensor.grad.data), largest)
            attrs.update(fillcolor=f"/ylorrd9/{level}", fontcolor="white" if level >= 8 else "black")
        return attrs, level

    def _op_attrs(self, fn: engine.Function) -> dict[str, str]:
        label = type(fn).__name__
        operands = [inp for inp in self._inputs(fn) if _is_tensor(inp)]
        folded = [f"{'abcdefgh'[i % 8]} = {_summarize(t.data)}" for i, t in enumerate(operands) if self._folded(t)]
        if folded:
            label += "\\n" + ", ".join(folded)
        if self.explain:
            label += "\\n" + _escape(_explain(fn))
        tooltip = fn.name() + (f" created at {fn.created_at}" if hasattr(fn, "created_at") else "")
        return {**_STYLE["op"], "label": label, "tooltip": _escape(tooltip)}

    def _summary_label(self) -> str:
        counts = Counter(type(t.grad_fn).__name__ for t in self.hidden)
        kinds = ", ".join(f"{op} ×{n:,}" for op, n in counts.most_common(4))
        if len(counts) > 4:
            kinds += ", …"
        inner = {id(inp) for t in self.hidden for inp in self._inputs(t.grad_fn) if _is_tensor(inp)}
        hidden_leaves = len({key for key in inner if key in self.inputs} - self.shown_inputs.keys())
        box = len(_common_prefix([t.grad_fn.module_path for t in self.hidden]))  # modules the note sits inside
        modules = {id(m): type(m).__name__ for t in self.hidden for m in t.grad_fn.module_path[box:]}
        lines = [f"… {len(self.hidden):,} more ops …", kinds]
        if hidden_leaves:
            lines.append(f"and {hidden_leaves:,} input tensors")
        if modules:
            calls = Counter(modules.values()).most_common(3)
            lines.append("in modules " + ", ".join(f"{cls} ×{n:,}" for cls, n in calls))
        lines.append("(collapsed: raise max_nodes to see them)")
        return "\\n".join(lines)

    # ---- clusters
    def _cluster_key(self, fn: engine.Function) -> tuple[int, ...]:
        for module in fn.module_path:
            self.modules[id(module)] = module
        return tuple(id(m) for m in fn.module_path)

    def _cluster_label(self, key: tuple[int, ...]) -> str:
        module = self.modules[key[-1]]
        cls = type(module).__name__
        name = self.module_names.get(key[-1])
        return _escape(f"{name} ({cls})" if name else cls)

    # ---- assembling
    def build(self, rankdir: str) -> graphviz.Digraph:
        """Nodes into their module clusters, clusters nested (deepest attached first), then every edge."""
        graph = graphviz.Digraph("autograd", graph_attr={"rankdir": rankdir}, node_attr={"fontsize": "11"})
        members: dict[tuple[int, ...], list[tuple[str, dict[str, str]]]] = {(): []}
        edges: list[tuple[str, str, dict[str, str]]] = []
        shown_ops = [t for t in self.ops if id(t) in self.visible]
        grads = [t.grad for t in self.order if t.grad is not None] if self.show_grad else []
        largest = max((_rms(g.data) for g in grads), default=0.0)
        summary = "s0" if self.hidden else None
        hidden_ids = {id(t) for t in self.hidden}

        def place(key: tuple[int, ...], node: str, attrs: dict[str, str]) -> None:
            for depth in range(1, len(key) + 1):
                members.setdefault(key[:depth], [])
            members[key].append((node, attrs))

        def tensor_source(inp: Tensor) -> str:
            """The node an input's edge starts from (its own, or the summary standing for its hidden op)."""
            if id(inp) in hidden_ids:
                return summary
            if id(inp) in self.constants:
                return self.constant_ids[id(inp)]
            return self.tensor_ids[id(inp)]

        for out in shown_ops:
            fn = out.grad_fn
            key = self._cluster_key(fn)
            op_node, out_node = "o" + self.tensor_ids[id(out)][1:], self.tensor_ids[id(out)]
            place(key, op_node, self._op_attrs(fn))
            attrs, level = self._tensor_attrs(out, largest)
            place(key, out_node, attrs)
            edges.append((op_node, out_node, self._grad_edge(level)))
            operands = [inp for inp in self._inputs(fn) if _is_tensor(inp)]
            for letter, inp in zip("abcdefgh", operands):
                if not self._folded(inp):  # x * x draws two edges: the gradient 2x is their sum
                    edges.append((tensor_source(inp), op_node, {"label": letter} if self.explain else {}))
                    if id(inp) in self.inputs:
                        self.shown_inputs[id(inp)] = None
        into_summary = {  # drawn tensors feeding the collapsed middle, one edge each
            tensor_source(inp): None
            for out in self.hidden
            for inp in self._inputs(out.grad_fn)
            if _is_tensor(inp) and id(inp) not in hidden_ids
            and (id(inp) in self.visible or id(inp) in self.shown_inputs)
        }
        edges.extend((node, summary, {}) for node in into_summary)
        self._place_leaves(place, largest)
        if summary is not None:
            keys = [self._cluster_key(t.grad_fn) for t in self.hidden]
            place(_common_prefix(keys), summary, {**_STYLE["summary"], "label": self._summary_label()})
        if not self.ops:  # a tensor with no recorded graph: draw just the tensor
            attrs, _ = self._tensor_attrs(self.root, largest)
            place((), self.tensor_ids[id(self.root)], attrs)
        self._assemble(graph, members)
        from_summary: set[str] = set()
        for tail, head, attrs in edges:
            if tail == summary:  # one edge out of the collapsed middle per op it feeds
                if head in from_summary:
                    continue
                from_summary.add(head)
            graph.edge(tail, head, **attrs)
        if self.show_grad:
            graph.attr(label=self._grad_legend(largest), labelloc="b", fontsize="10")
        return graph

    def _place_leaves(self, place: Any, largest: float) -> None:
        """Leaves and constants that feed a drawn op; a parameter sits in the box of the module that owns it."""
        owners = {self.module_names[key[-1]]: key for key in self._drawn_cluster_keys() if key[-1] in self.module_names}
        for key in self.shown_inputs:
            node = self.constant_ids.get(key) or self.tensor_ids[key]
            attrs, _ = self._tensor_attrs(self.inputs[key], largest)
            name = self.names.get(key, "")
            owner = owners.get(name.rpartition(".")[0], ()) if key in self.parameter_ids else ()
            place(owner, node, attrs)

    def _drawn_cluster_keys(self) -> list[tuple[int, ...]]:
        return [self._cluster_key(t.grad_fn) for t in self.ops if id(t) in self.visible and t.grad_fn.module_path]

    def _grad_edge(self, level: int | None) -> dict[str, str]:
        if level is None:
            return {}
        return {"color": f"/ylorrd9/{level}", "penwidth": f"{1 + 2 * (level - 1) / 8:.2f}"}

    def _grad_legend(self, largest: float) -> str:
        if largest == 0:
            return "no nonzero gradient to colour: call backward() first"
        missing = any(t.grad is None for t in self.ops if id(t) in self.visible)
        legend = (
            f"colour: RMS of ∂C/∂tensor on a log scale, darkest = largest ({largest:.3g}), "
            f"palest ≤ {_DECADES} decades smaller"
        )
        if missing:
            legend += ("\\nuncoloured intermediates kept no gradient: call viz.retain_grads(root) before backward(), "
                       "and build the graph inside viz.keep_intermediates() to keep those nobody holds")
        return legend

    def _assemble(self, graph: graphviz.Digraph, members: dict[tuple[int, ...], list]) -> None:
        """Create one subgraph per module path and attach each to its parent, deepest first (no recursion)."""
        subgraphs: dict[tuple[int, ...], graphviz.Digraph] = {(): graph}
        for index, key in enumerate(k for k in members if k):
            subgraphs[key] = graphviz.Digraph(
                f"cluster_{index}",
                graph_attr={"label": self._cluster_label(key), "style": "rounded,dashed", "color": "#6a51a3",
                            "fontcolor": "#6a51a3", "labeljust": "l"},
            )
        for key, nodes in members.items():
            for node, attrs in nodes:
                subgraphs[key].node(node, **attrs)
        for key in sorted((k for k in members if k), key=len, reverse=True):
            subgraphs[key[:-1]].subgraph(subgraphs[key])


class _FreedTensor:
    """Stands in the drawing for an op's output that the engine freed (nobody held it): shape and dtype only."""

    __slots__ = ("dtype", "grad_fn", "shape")
    data = grad = None
    requires_grad = True

    def __init__(self, fn: engine.Function) -> None:
        self.grad_fn, self.shape, self.dtype = fn, fn.output_shape, fn.output_dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _is_tensor(value: Any) -> bool:
    return isinstance(value, (Tensor, _FreedTensor))


def _common_prefix(keys: list[tuple]) -> tuple:
    if not keys:
        return ()
    prefix = keys[0]
    for key in keys[1:]:
        n = 0
        while n < min(len(prefix), len(key)) and prefix[n] == key[n]:
            n += 1
        prefix = prefix[:n]
    return prefix
