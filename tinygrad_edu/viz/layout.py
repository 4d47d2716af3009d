"""A layered layout without Graphviz, for the stepper page: the order of things here, the sizes in the browser.

Each module box (and the page itself) is laid out on its own: its items are its own nodes and the boxes directly
inside it, placed in layers along the data flow (an edge's tail in an earlier layer than its head) and ordered
within each layer to cut crossings (barycentre sweeps, as Sugiyama's method). The page's script measures text,
sizes every box from its layers, innermost first, and places them; a collapsed box is then one small item, so
collapsing and expanding needs no new layout here.
"""

from __future__ import annotations

from typing import Any

from .graph import Parts, common_prefix

SWEEPS = 4  # barycentre passes down and up; more rarely changes a small graph's order


def layered(parts: Parts) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """One entry per box (the page itself first, id ``b0``): its parent, label and layers of item ids; and for
    each edge of ``parts``, the route points (``b0~3``: placeholders in the layers it crosses) it passes through."""
    box_ids = {(): "b0", **{key: f"b{k}" for k, key in enumerate(parts.boxes, start=1)}}
    members: dict[tuple, list[str]] = {key: [] for key in box_ids}
    for node in parts.nodes:
        members[node.box].append(node.id)
    for key in parts.boxes:
        members[key[:-1]].append(box_ids[key])
    where = {node.id: node.box for node in parts.nodes}
    level_edges: dict[tuple, dict[tuple[str, str], None]] = {key: {} for key in box_ids}
    lifted = []
    for tail, head, _ in parts.edges:
        common = common_prefix([where[tail], where[head]])
        inner = len(common) + 1  # an endpoint deeper inside stands for the box that holds it at this level
        u = tail if where[tail] == common else box_ids[where[tail][:inner]]
        v = head if where[head] == common else box_ids[where[head][:inner]]
        lifted.append((common, u, v))
        if u != v:
            level_edges[common][(u, v)] = None
    boxes, routes = [], {}
    for key, box_id in box_ids.items():
        rows, via = layers(members[key], list(level_edges[key]), prefix=box_id)
        routes.update({(key, *edge): points for edge, points in via.items()})
        boxes.append({"id": box_id, "parent": box_ids[key[:-1]] if key else None,
                      "label": parts.boxes.get(key, ""), "layers": rows})
    return boxes, [routes.get(edge, []) for edge in lifted]


def layers(items: list[str], edges: list[tuple[str, str]], prefix: str = "") -> tuple[list[list[str]], dict]:
    """``items`` in layers, every edge pointing to a later layer (edges closing a cycle are ignored); an edge that
    skips layers gets a placeholder ``<prefix>~k`` in each, so it is routed between the items, not through them."""
    successors: dict[str, list[str]] = {item: [] for item in items}
    predecessors: dict[str, list[str]] = {item: [] for item in items}
    kept = _acyclic(items, edges)
    for u, v in kept:
        successors[u].append(v)
        predecessors[v].append(u)
    layer = dict.fromkeys(items, 0)
    for item in _topological(items, successors, predecessors):  # longest path from the sources
        for v in successors[item]:
            layer[v] = max(layer[v], layer[item] + 1)
    for item in items:  # a source (a weight, the target y) sits just before its first use, not far left
        if not predecessors[item] and successors[item]:
            layer[item] = min(layer[v] for v in successors[item]) - 1
    via: dict[tuple[str, str], list[str]] = {}
    for u, v in kept:
        if layer[v] - layer[u] > 1:
            chain = [f"{prefix}~{len(layer) - len(items) + k}" for k in range(layer[v] - layer[u] - 1)]
            for k, point in enumerate(chain):
                layer[point] = layer[u] + 1 + k
            for a, b in zip([u, *chain], [*chain, v]):
                successors.setdefault(a, []).append(b)
                predecessors.setdefault(b, []).append(a)
            successors[u].remove(v)
            predecessors[v].remove(u)
            via[(u, v)] = chain
    rows: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for item in layer:
        rows[layer[item]].append(item)
    rows = [row for row in rows if row]
    _order(rows, predecessors, successors)
    return rows, via


def _acyclic(items: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The edges minus those that close a cycle (found by an iterative depth-first search)."""
    successors: dict[str, list[str]] = {item: [] for item in items}
    for u, v in edges:
        successors[u].append(v)
    state = dict.fromkeys(items, 0)  # 0 new, 1 on the current path, 2 finished
    back: set[tuple[str, str]] = set()
    for start in items:
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, iter(successors[start]))]
        while stack:
            node, rest = stack[-1]
            child = next(rest, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state[child] == 1:
                back.add((node, child))
            elif state[child] == 0:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return [edge for edge in edges if edge not in back]


def _topological(items: list[str], successors: dict, predecessors: dict) -> list[str]:
    waiting = {item: len(predecessors[item]) for item in items}
    ready = [item for item in items if waiting[item] == 0]
    order = []
    while ready:
        item = ready.pop()
        order.append(item)
        for v in successors[item]:
            waiting[v] -= 1
            if waiting[v] == 0:
                ready.append(v)
    return order


def _order(rows: list[list[str]], predecessors: dict, successors: dict) -> None:
    """Reorder each layer by the mean relative position of its neighbours in the layers already placed."""
    position: dict[str, float] = {}

    def remember(row: list[str]) -> None:
        for k, item in enumerate(row):
            position[item] = (k + 0.5) / len(row)

    for row in rows:
        remember(row)
    for sweep in range(2 * SWEEPS):
        downward = sweep % 2 == 0
        neighbours = predecessors if downward else successors
        for row in rows if downward else reversed(rows):
            def barycentre(item: str, neighbours: dict = neighbours) -> float:
                around = [position[n] for n in neighbours[item]]
                return sum(around) / len(around) if around else position[item]

            row.sort(key=barycentre)
            remember(row)
