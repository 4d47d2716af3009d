"""The static picture: the recorded graph as a ``graphviz.Digraph`` (DOT text), rendered by ``dot`` when asked.

``draw`` needs only the ``graphviz`` Python package; ``save`` to ``.dot``/``.gv`` writes text, and only SVG, PNG
and PDF run Graphviz's ``dot`` program (without a shell).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphviz

from .._tensor import Tensor
from . import labels
from .collapse import MAX_NODES, check_max_nodes, hidden_ops, summary_text
from .graph import Node, RecordedGraph

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; it is needed to render {fmt}. Install it with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`, "
    "or save to a .dot/.gv file, which needs no Graphviz (or use viz.stepper, which needs neither)."
)
RANKDIRS = ("LR", "RL", "TB", "BT")
RENDER_FORMATS = ("svg", "png", "pdf")
SOURCE_SUFFIXES = (".dot", ".gv")

STYLE: dict[str, dict[str, str]] = {
    "root": {"shape": "ellipse", "style": "filled,bold", "fillcolor": "#c7e9c0", "penwidth": "2"},
    "parameter": {"shape": "box", "style": "filled,rounded", "fillcolor": "#fdd49e"},
    "leaf": {"shape": "ellipse", "style": "filled", "fillcolor": "#c6dbef"},
    "constant": {"shape": "ellipse", "style": "dashed", "color": "#888888", "fontcolor": "#555555"},
    "intermediate": {"shape": "ellipse", "style": "filled", "fillcolor": "#ffffff", "fontsize": "10"},
    "op": {"shape": "box", "style": "filled", "fillcolor": "#e5e5e5", "fontname": "Helvetica-Bold"},
    "summary": {"shape": "note", "style": "filled", "fillcolor": "#ffffcc"},
}
BOX_STYLE = {"style": "rounded,dashed", "color": "#6a51a3", "fontcolor": "#6a51a3", "labeljust": "l"}


class GraphvizNotFoundError(RuntimeError):
    """Raised when rendering needs Graphviz's ``dot`` program and it is not installed."""


def draw(root: Tensor, *, show_data: bool = False, show_grad: bool = False, params: Any = None, rankdir: str = "LR",
         max_nodes: int = MAX_NODES, explain: bool = False) -> graphviz.Digraph:
    """The graph that produced ``root`` as a ``graphviz.Digraph``: tensors, ops, module boxes, edges in data flow.

    ``params`` names tensors (a dict name → Tensor, or a Module with ``named_parameters()``); past ``max_nodes``
    nodes the middle of the graph is collapsed into one summary node.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw() needs a Tensor, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    check_max_nodes(max_nodes)
    graph = RecordedGraph(root, params)
    hidden = hidden_ops(graph, max_nodes)
    parts = graph.parts(hidden)
    grads = {n.id: n.item.grad.data for n in parts.nodes if show_grad and _has_grad(n)}
    scale = labels.GradientScale(labels.rms(g) for g in grads.values())
    fills = {node_id: scale.colour(g) for node_id, g in grads.items()}
    digraph = graphviz.Digraph("autograd", graph_attr={"rankdir": rankdir}, node_attr={"fontsize": "11"})
    subgraphs = {(): digraph}
    for index, (key, label) in enumerate(parts.boxes.items()):
        subgraphs[key] = graphviz.Digraph(f"cluster_{index}", graph_attr={"label": _escape(label), **BOX_STYLE})
    for node in parts.nodes:
        if node.kind == "summary":
            attrs = {**STYLE["summary"], "label": _escape(summary_text(graph, hidden, parts))}
        elif node.kind == "op":
            tooltip = f"{node.item.name()} created at {node.item.created_at}"
            attrs = {**STYLE["op"], "label": _escape(labels.op_label(graph, node.item, explain)),
                     "tooltip": _escape(tooltip)}
        else:
            attrs = _tensor_attrs(graph, node, show_data, show_grad, fills.get(node.id))
        subgraphs[node.box].node(node.id, **attrs)
    for key in sorted(parts.boxes, key=len, reverse=True):  # deepest first: each box into its parent, no recursion
        subgraphs[key[:-1]].subgraph(subgraphs[key])
    for tail, head, letter in parts.edges:
        attrs = {"label": letter} if explain and letter else {}
        if tail.startswith("o") and head in fills:  # op → output: coloured by the gradient entering the op
            fill, level = fills[head]
            attrs.update(color=fill, penwidth=f"{1 + 2 * level / labels.LEVELS:.2f}")
        digraph.edge(tail, head, **attrs)
    if show_grad:
        legend = scale.legend()
        if any(n.kind == "intermediate" and not _has_grad(n) for n in parts.nodes):
            legend += ("\nuncoloured intermediates kept no gradient: call viz.retain_grads(root) before backward(), "
                       "and build the graph inside viz.keep_intermediates() to keep those nobody holds")
        digraph.attr(label=_escape(legend), labelloc="b", fontsize="10")
    return digraph


def _tensor_attrs(graph: RecordedGraph, node: Node, show_data: bool, show_grad: bool,
                  fill: tuple[str, int] | None) -> dict[str, str]:
    """A tensor's style by kind; with a gradient, filled by its size and sign."""
    attrs = {**STYLE[node.kind], "label": _escape(labels.tensor_label(graph, node.item, show_data, show_grad)),
             "tooltip": node.kind}
    if fill is not None:
        colour, level = fill
        attrs.update(fillcolor=colour, style="filled" + (",rounded" if node.kind == "parameter" else ""),
                     fontcolor="white" if level >= labels.LEVELS - 1 else "black")
    return attrs


def _has_grad(node: Node) -> bool:
    return node.kind not in ("op", "summary") and node.item.grad is not None


def _escape(text: str) -> str:
    """DOT's escString: a backslash doubled, a newline as ``\\n``."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def save(graph_or_tensor: graphviz.Digraph | Tensor, path: str | Path, **draw_options: Any) -> Path:
    """Write a drawing to ``path``: ``.dot``/``.gv`` as DOT text, ``.svg``/``.png``/``.pdf`` rendered by ``dot``.

    A Tensor is drawn first with ``draw(tensor, **draw_options)``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SOURCE_SUFFIXES and suffix[1:] not in RENDER_FORMATS:
        supported = ", ".join([*SOURCE_SUFFIXES, *("." + f for f in RENDER_FORMATS)])
        raise ValueError(f"save(): cannot infer a format from the suffix {path.suffix!r} of {path}; use {supported}")
    if isinstance(graph_or_tensor, Tensor):
        graph = draw(graph_or_tensor, **draw_options)
    elif isinstance(graph_or_tensor, graphviz.Digraph):
        if draw_options:
            raise TypeError(f"save(): draw options {sorted(draw_options)} apply only when saving a Tensor")
        graph = graph_or_tensor
    else:
        raise TypeError(f"save() needs a graphviz.Digraph or a Tensor, got {type(graph_or_tensor).__name__}")
    if suffix in SOURCE_SUFFIXES:
        path.write_text(graph.source, encoding="utf-8")
    else:
        path.write_bytes(render(graph, suffix[1:]))  # rendered fully before the file is touched
    return path


def render(graph: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """Run ``dot`` on the graph (no shell) and return the picture's bytes; a clear error if ``dot`` is missing."""
    if fmt not in RENDER_FORMATS:
        raise ValueError(f"render(): format must be one of {RENDER_FORMATS}, got {fmt!r}")
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT.format(fmt=fmt.upper())) from error
