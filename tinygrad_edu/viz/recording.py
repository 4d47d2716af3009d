"""Record a real backward pass, step by step, for the stepper and the narration.

``record_backward`` runs ``engine.backward`` with an observer: at every node the engine processes, in its real
order, the observer copies the gradient that arrived and the gradient sent to each input. Nothing is recomputed;
the only sums taken here are the running sums at a tensor with several consumers, added in the order the engine
adds them (its final value is the gradient the engine hands that tensor's op, which the tests check).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import engine
from .._tensor import Tensor
from .graph import LETTERS, SUMMARY, RecordedGraph
from .labels import rms, sign

CARRIED = 4096  # arrays with at most this many elements travel whole in the page; larger ones as statistics
SHOWN = 16  # the page's panel and the narration show arrays of at most this many elements whole


def _number(value: float) -> float | str:
    """A float for JSON, which has no nan or inf: those travel as the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    return value if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class Values:
    """An array as the page and the narration show it: shape, dtype, statistics, and the numbers if not too many."""

    shape: tuple[int, ...]
    dtype: str
    minimum: float
    maximum: float
    mean: float
    rms: float
    sign: str
    finite: bool
    values: tuple[float, ...] | None  # flattened in C order; None past CARRIED elements

    @classmethod
    def of(cls, array: Any) -> Values:
        """Copy the numbers out of an array (or Tensor) the engine handed over."""
        array = np.asarray(array.data if isinstance(array, Tensor) else array)
        wide = array.astype(np.float64)
        stats = (wide.min(), wide.max(), wide.mean()) if array.size else (0.0, 0.0, 0.0)
        return cls(tuple(array.shape), str(array.dtype), *map(float, stats), rms(wide), sign(wide),
                   bool(np.isfinite(wide).all()), tuple(wide.ravel().tolist()) if array.size <= CARRIED else None)

    def to_json(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "dtype": self.dtype, "min": _number(self.minimum),
                "max": _number(self.maximum), "mean": _number(self.mean), "rms": _number(self.rms),
                "sign": self.sign, "values": None if self.values is None else [_number(v) for v in self.values]}

    def text(self) -> str:
        """The numbers for at most ``SHOWN`` elements, else shape and statistics (for the narration)."""
        if self.values is not None and len(self.values) <= SHOWN:
            array = np.array(self.values).reshape(self.shape)
            text = np.array2string(array, separator=", ", max_line_width=10**6, formatter={"all": "{:.4g}".format})
            return text.replace("\n", "")
        shape = str(self.shape).replace(",)", ")")
        return (f"‹{shape}: min {self.minimum:.4g}, max {self.maximum:.4g}, mean {self.mean:.4g}, "
                f"rms {self.rms:.4g}›")


@dataclass
class Sent:
    """A gradient an op sent to one input, and the running sum at that input when several ops feed it."""

    letter: str  # the input, as the op's local derivative names it: a, b, c, …
    target: str  # node id of the tensor that receives it
    grad: Values
    contribution: int  # this is the k-th gradient to reach the target …
    contributions: int  # … of this many in the whole backward
    running_sum: Values | None  # the sum so far, when contributions > 1


@dataclass
class Step:
    """One node the engine processed: the gradient that arrived, the op's local derivative, what it sent."""

    node: str  # "o<i>" for an op, "t<i>" for a leaf, "s0" for ops collapsed into the summary note
    tensor: str  # the tensor whose gradient ∂C/∂tensor arrived ("t<i>"); "" for the summary
    op: str = ""  # class name ("Mul"); "" for a leaf
    pytorch_name: str = ""  # "MulBackward"
    module: str = ""  # the innermost module box it sits in
    derivative: str = ""  # type(fn).local_derivative()
    grad: Values | None = None
    sent: list[Sent] = field(default_factory=list)
    summed: int = 0  # how many gradients were summed into ``grad`` (0 for the root's seed)
    final_grad: Values | None = None  # a leaf's .grad after the whole backward
    collapsed: Counter = field(default_factory=Counter)  # op name → count, for the summary's steps


def seed_gradient(root: Tensor, gradient: Any) -> Tensor:
    """∂C/∂root to start from: 1 for a one-element root (as ``Tensor.backward``), else the given array."""
    if not root.requires_grad:
        raise RuntimeError("viz: this tensor does not require grad and has no graph to step through")
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(f"viz: pass gradient= for a root of shape {root.shape} (only one element implies 1)")
        return Tensor(np.ones(root.data.shape, root.data.dtype))
    array = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.data.dtype)
    if array.shape != root.data.shape:
        raise ValueError(f"viz: gradient has shape {array.shape}, expected the root's {root.shape}")
    return Tensor(array)


def record_backward(graph: RecordedGraph, gradient: Tensor, shown: set[str], retain_graph: bool) -> list[Step]:
    """Run ``engine.backward`` from ``graph.root`` and return its steps; nodes not in ``shown`` are summarised."""
    uses = Counter(edge for i in graph.ops for edge, needs in zip(graph.nodes[i].edges, graph.nodes[i].needs_input_grad)
                   if needs)
    arrived: Counter = Counter()  # node id → gradients sent to it so far
    running: dict[Any, Any] = {}  # target → sum of the gradients sent to it so far (only for several uses)
    steps: list[Step] = []
    leaves: list[tuple[Step, Tensor]] = []

    def observe(node: Any, grad: Any, input_grads: tuple) -> None:
        running.pop(node, None)  # complete now: the engine hands it over as ``grad``
        tensor = graph.node_id(node)
        summed = arrived[tensor]
        fn = node if isinstance(node, engine.Function) else None
        if tensor not in shown:
            if not steps or steps[-1].node != SUMMARY:
                steps.append(Step(SUMMARY, ""))
            step = steps[-1]
            step.collapsed[type(fn).__name__ if fn else "leaf"] += 1
        elif fn is None:
            step = Step(tensor, tensor, grad=Values.of(grad), summed=summed)
            steps.append(step)
            leaves.append((step, node))
        else:
            module = graph.box_label(graph.box_of(fn)) if fn.module_path else ""
            step = Step(f"o{graph.position[fn]}", tensor, type(fn).__name__, fn.name(), module,
                        type(fn).local_derivative(), Values.of(grad), summed=summed)
            steps.append(step)
        for letter, edge, sent in zip(LETTERS, fn.edges if fn else (), input_grads):
            if sent is None:
                continue
            target = graph.node_id(edge)
            arrived[target] += 1
            if uses[edge] > 1:  # several uses: perhaps several gradients to sum (x * x sends one, 2x)
                running[edge] = sent if edge not in running else running[edge] + sent  # the engine's order
            if target in shown:
                total = Values.of(running[edge]) if uses[edge] > 1 else None
                step.sent.append(Sent(letter, target, Values.of(sent), arrived[target], 0, total))

    engine.backward(graph.root, gradient, retain_graph=retain_graph, observer=observe)
    for step, leaf in leaves:
        step.final_grad = Values.of(leaf.grad.data)
    for sent in (sent for step in steps for sent in step.sent):
        sent.contributions = arrived[sent.target]
        if sent.contributions == 1:
            sent.running_sum = None  # one gradient: nothing to sum
    return steps
