"""What a node says and what colour it has: values, shapes, an op's own local derivative, the gradient scale.

Every derivative text comes from the op (``type(fn).local_derivative()``, the first line of its docstring): the
viewer never writes the calculus a second time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import engine
from .graph import RecordedGraph

SMALL = 6  # in the picture's labels, a tensor with at most this many elements shows its values

# ColorBrewer's Reds, Blues and Purples (the palettes Graphviz ships), palest to darkest; the hue is the sign
PALETTES = {
    "+": ("#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15", "#67000d"),
    "−": ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"),
    "±": ("#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d"),
}
ZERO_COLOUR, NONFINITE_COLOUR = "#f0f0f0", "#000000"
LEVELS = len(PALETTES["+"])


def shape_text(tensor: Any) -> str:
    """``scalar float32`` or ``(2, 3) float64``."""
    shape = "scalar" if tensor.ndim == 0 else str(tuple(tensor.shape)).replace(",)", ")")
    return f"{shape} {tensor.dtype}"


def summarize(values: Any, small: int = SMALL) -> str:
    """The numbers of a small array; mean/std/min/max of a large one (two lines)."""
    array = np.asarray(values)
    if array.size == 0:
        return "[]"
    if array.size <= small:
        if array.ndim == 0:
            return f"{array.item():.6g}"
        return np.array2string(array, precision=3, separator=", ", max_line_width=10**6).replace("\n", "")
    array = array.astype(np.float64)
    return f"mean {array.mean():.3g}  std {array.std():.3g}\nmin {array.min():.3g}  max {array.max():.3g}"


def tensor_label(graph: RecordedGraph, tensor: Any, show_data: bool, show_grad: bool) -> str:
    """Name (if any), shape and dtype; with ``show_data`` the values, with ``show_grad`` the gradient."""
    lines = [graph.names[id(tensor)]] if id(tensor) in graph.names else []
    lines.append(shape_text(tensor))
    if show_data:
        lines.append("data: freed after use" if tensor.data is None else "data: " + summarize(tensor.data))
    if show_grad and tensor.grad is not None:
        lines.append("grad: " + summarize(tensor.grad.data))
    return "\n".join(lines)


def op_label(graph: RecordedGraph, fn: engine.Function, explain: bool) -> str:
    """The op's class name, one-element constants folded in (``b = 0.25``), and its local derivative if asked."""
    lines = [type(fn).__name__]
    folded = [f"{letter} = {summarize(t.data)}" for letter, source, t in graph.operands(fn) if source is None]
    if folded:
        lines.append(", ".join(folded))
    if explain:
        lines.append(type(fn).local_derivative())
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- gradient colours
def rms(values: Any) -> float:
    """Root mean square: one number for the size of a gradient of any shape."""
    array = np.asarray(values, dtype=np.float64)
    return float(np.sqrt(np.mean(array * array))) if array.size else 0.0


def sign(values: Any) -> str:
    """``+`` every element ≥ 0, ``−`` every element ≤ 0, ``±`` both signs, ``0`` all zero."""
    array = np.asarray(values)
    positive, negative = bool((array > 0).any()), bool((array < 0).any())
    return "±" if positive and negative else "+" if positive else "−" if negative else "0"


class GradientScale:
    """Gradient size (RMS) → level 1…8 on a log scale from the smallest nonzero size in this graph to the largest."""

    def __init__(self, magnitudes: Iterable[float]) -> None:
        sizes = [m for m in magnitudes if 0 < m < math.inf]
        self.low, self.high = (min(sizes), max(sizes)) if sizes else (0.0, 0.0)

    def level(self, magnitude: float) -> int:
        """0 for a zero gradient; else 1 (palest: the smallest here) … 8 (darkest: the largest here)."""
        if not magnitude > 0:
            return 0
        if not magnitude < math.inf or self.high == self.low:
            return LEVELS
        position = math.log(magnitude / self.low) / math.log(self.high / self.low)
        return 1 + round((LEVELS - 1) * min(max(position, 0.0), 1.0))

    def fill(self, magnitude: float, hue: str, finite: bool = True) -> tuple[str, int]:
        """The fill colour for a gradient of this size (RMS) and sign, and its level."""
        if not finite:
            return NONFINITE_COLOUR, LEVELS
        level = self.level(magnitude)
        return (ZERO_COLOUR if level == 0 or hue == "0" else PALETTES[hue][level - 1]), level

    def colour(self, values: Any) -> tuple[str, int]:
        """The fill colour for a gradient array, and its level."""
        array = np.asarray(values)
        return self.fill(rms(array), sign(array), array.dtype.kind not in "fc" or bool(np.isfinite(array).all()))

    def legend(self) -> str:
        if self.high == 0:
            return "no nonzero gradient to colour: call backward() first"
        return (f"colour: size of ∂C/∂tensor (RMS) on a log scale fit to this graph: palest = {self.low:.3g} "
                f"(smallest here), darkest = {self.high:.3g} (largest here); hue = sign: red every element ≥ 0, "
                f"blue every element ≤ 0, purple both; grey: exactly 0; black: nan or inf")
