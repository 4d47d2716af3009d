"""Big graphs stay readable: past ``max_nodes``, keep the ops at both ends of the graph and collapse the middle.

"Ends" are measured by each op's longest path to the root, so the input end is the network's first layer (not a
side branch that happens to come last in the walk). The collapsed ops become one note saying what they were.
"""

from __future__ import annotations

from collections import Counter

from .. import engine
from .._tensor import Tensor
from .graph import Parts, RecordedGraph, common_prefix

MAX_NODES = 200  # the default: a picture (or page) larger than this collapses its middle


def check_max_nodes(max_nodes: int) -> None:
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")


def hidden_ops(graph: RecordedGraph, max_nodes: int) -> list[int]:
    """Positions of the ops to collapse so that at most ``max_nodes`` nodes are shown (none if it all fits)."""
    if len(graph.nodes) + len(graph.ops) + len(graph.constants) <= max_nodes:
        return []
    inputs = set(graph.constants) | {id(node) for node in graph.nodes if isinstance(node, Tensor)}  # leaves
    budget = max_nodes - 1  # one node for the summary
    ops = _ops_by_distance(graph)
    counted: set[int] = set()
    low, high, take_head = 0, len(ops) - 1, True
    while low <= high:
        fn = graph.nodes[ops[low if take_head else high]]
        new = [key for key in dict.fromkeys(id(edge) for _, _, edge in graph.operands(fn)) if key in inputs]
        new = [key for key in new if key not in counted]
        cost = 2 + len(new)  # the op, its output, and the inputs it brings
        if cost > budget and low > 0:
            break
        budget -= cost
        counted.update(new)
        if take_head:
            low += 1
        else:
            high -= 1
        take_head = not take_head
    return ops[low : high + 1]


def _ops_by_distance(graph: RecordedGraph) -> list[int]:
    """Op positions sorted by their longest path to the root (each consumer precedes its inputs in the walk, so
    one pass over the walk finalises every distance)."""
    distance = {0: 0}
    for i in graph.ops:
        step = distance.get(i, 0) + 1
        for _, _, edge in graph.operands(graph.nodes[i]):
            if isinstance(edge, engine.Function):
                j = graph.position[edge]
                distance[j] = max(distance.get(j, 0), step)
    return sorted(graph.ops, key=lambda i: distance.get(i, 0))


def summary_text(graph: RecordedGraph, hidden: list[int], parts: Parts) -> str:
    """What the note for collapsed ops says: how many ops of which kinds, input tensors, module calls."""
    counts = Counter(type(graph.nodes[i]).__name__ for i in hidden)
    kinds = ", ".join(f"{op} ×{n:,}" for op, n in counts.most_common(4)) + (", …" if len(counts) > 4 else "")
    hidden_inputs = {source for i in hidden for _, source, edge in graph.operands(graph.nodes[i])
                     if source is not None and not isinstance(edge, engine.Function)} - {n.id for n in parts.nodes}
    box = len(common_prefix([graph.box_of(graph.nodes[i]) for i in hidden]))  # the modules the note sits in
    modules = {id(m): type(m).__name__ for i in hidden for m in graph.nodes[i].module_path[box:]}
    lines = [f"… {len(hidden):,} more ops …", kinds]
    if hidden_inputs:
        lines.append(f"and {len(hidden_inputs):,} input tensors")
    if modules:
        calls = Counter(modules.values()).most_common(3)
        lines.append("in modules " + ", ".join(f"{cls} ×{n:,}" for cls, n in calls))
    lines.append("(collapsed: raise max_nodes to see them)")
    return "\n".join(lines)
