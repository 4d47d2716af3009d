"""Watch backprop happen: one real backward pass, recorded step by step, as a self-contained HTML page.

``stepper(loss)`` runs loss's backward once (like ``loss.backward()``: the leaves' ``.grad`` are set) with an
observer on ``engine.backward``, so every number on the page is one the engine computed, in the engine's order.
The page carries the graph and the steps as JSON (``<script type="application/json" id="tg-steps">``) and
renders them with a small script shipped beside this file: no network, no server, no Graphviz.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from .._tensor import Tensor
from . import labels
from .collapse import MAX_NODES, check_max_nodes, hidden_ops, summary_text
from .graph import LETTERS, Node, Parts, RecordedGraph
from .layout import layered
from .notation import Notation, describe, notation
from .recording import SHOWN, Step, Values, record_backward, seed_gradient

_HERE = Path(__file__).parent
IFRAME_HEIGHT = 640  # pixels: the page inline in a notebook


def stepper(root: Tensor, gradient: Any = None, *, params: Any = None, retain_graph: bool = False,
            max_nodes: int = MAX_NODES) -> Stepper:
    """Run ``root``'s backward pass once, recording every step, and return it as a ``Stepper`` page.

    Call it instead of ``root.backward(gradient, retain_graph)`` (it sets ``.grad`` the same way). ``params``
    names tensors and module boxes as in ``draw``; past ``max_nodes`` nodes the middle of the graph is collapsed.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"stepper() needs a Tensor, got {type(root).__name__}")
    check_max_nodes(max_nodes)
    graph = RecordedGraph(root, params)
    seed = seed_gradient(root, gradient)
    hidden = hidden_ops(graph, max_nodes)
    parts = graph.parts(hidden)
    names = notation(graph)
    steps = record_backward(graph, seed, {node.id for node in parts.nodes}, retain_graph)
    descriptions = {node.id: describe(graph, names.names, node.id) for node in parts.nodes if node.id[0] in "tc"}
    boxes, routes = layered(parts)
    page = {"title": f"backward of {names.name('t0')}", "shown": SHOWN, "boxes": boxes,
            "nodes": [_node_json(graph, parts, hidden, node, names) for node in parts.nodes],
            "edges": [{"from": tail, "to": head, "letter": letter, "via": via}
                      for (tail, head, letter), via in zip(parts.edges, routes)]}
    return Stepper(steps, names, descriptions, page)


class Stepper:
    """A recorded backward pass: ``save(path)`` writes the page, Jupyter shows it inline, ``steps`` is its data."""

    def __init__(self, records: list[Step], names: Notation, descriptions: dict[str, str],
                 page: dict[str, Any]) -> None:
        self.records = records  # what the engine did, step by step (the narration reads these)
        self.notation = names
        self.descriptions = descriptions  # node id → name as shown, with the params name beside it
        scale = labels.GradientScale(step.grad.rms for step in records if step.grad is not None)
        self.legend = scale.legend()
        self.steps = [self._step_json(k, step, scale) for k, step in enumerate(records, start=1)]
        self._page = {**page, "legend": self.legend}

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<Stepper: {len(self)} steps of the {self._page['title']}; .save(path) writes the page>"

    def html(self) -> str:
        """The whole page: markup, style, script and data in one string."""
        template = (_HERE / "stepper.html").read_text(encoding="utf-8")
        return (template.replace("{{title}}", html.escape(self._page["title"]))
                .replace("{{style}}", (_HERE / "stepper.css").read_text(encoding="utf-8"))
                .replace("{{graph}}", _json(self._page))
                .replace("{{steps}}", _json(self.steps))
                .replace("{{script}}", (_HERE / "stepper.js").read_text(encoding="utf-8")))

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (``.html``); it works opened from disk, with no network."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"Stepper.save(): the page is HTML; give a path ending in .html, got {path.name!r}")
        path.write_text(self.html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """Jupyter: the page in an iframe, so its script, style and element ids stay apart from the notebook's."""
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" title="{html.escape(self._page["title"])}" '
                f'style="width: 100%; height: {IFRAME_HEIGHT}px; border: 1px solid #ccc"></iframe>')

    def _step_json(self, index: int, step: Step, scale: labels.GradientScale) -> dict[str, Any]:
        """One step for the page: the node, the op, ∂C/∂output arriving, its local derivative, what it sent."""
        return {
            "index": index, "node": step.node, "tensor": step.tensor,
            "name": self.notation.symbol(step.tensor) if step.tensor else "", "op": step.op,
            "pytorch_name": step.pytorch_name, "module": step.module, "derivative": step.derivative,
            "grad": _values(step.grad), "summed": step.summed, "fill": _fill(scale, step.grad),
            "final_grad": _values(step.final_grad), "collapsed": dict(step.collapsed),
            "sent": [{"letter": sent.letter, "input": LETTERS.index(sent.letter),
                      "to": sent.target, "to_name": self.notation.symbol(sent.target),
                      "equation": self.notation.equations.get((sent.target, step.node), ""),
                      "grad": _values(sent.grad), "fill": _fill(scale, sent.grad),
                      "contribution": sent.contribution, "contributions": sent.contributions,
                      "running_sum": _values(sent.running_sum)} for sent in step.sent],
        }


def _node_json(graph: RecordedGraph, parts: Parts, hidden: list[int], node: Node, names: Notation) -> dict[str, Any]:
    """A node as the page draws it: kind, label lines, and what hovering shows."""
    if node.kind == "summary":
        return {"id": node.id, "kind": "summary", "label": summary_text(graph, hidden, parts).split("\n")}
    if node.kind == "op":
        fn = node.item
        return {"id": node.id, "kind": "op", "label": labels.op_label(graph, fn, False).split("\n"),
                "op": type(fn).__name__, "pytorch_name": fn.name(), "derivative": type(fn).local_derivative(),
                "module": graph.box_label(node.box) if node.box else "", "created_at": fn.created_at}
    tensor = node.item
    name, alias = names.name(node.id), graph.names.get(id(tensor))
    return {"id": node.id, "kind": node.kind, "name": describe(graph, names.names, node.id),
            "label": [name, *([alias] if alias and alias != name else []), labels.shape_text(tensor)],
            "value": None if tensor.data is None else Values.of(tensor.data).to_json()}


def _values(values: Values | None) -> dict[str, Any] | None:
    return None if values is None else values.to_json()


def _fill(scale: labels.GradientScale, values: Values | None) -> str | None:
    return None if values is None else scale.fill(values.rms, values.sign, values.finite)[0]


def _json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>`` can appear in it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
