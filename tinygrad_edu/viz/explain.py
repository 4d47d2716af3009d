"""The backward pass told as text: one line per step in the engine's order, the notes' notation, the numbers."""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from .collapse import MAX_NODES
from .recording import Step
from .stepper import Stepper, stepper

INDENT = "      "


def explain(root: Tensor | Stepper, gradient: Any = None, *, params: Any = None, retain_graph: bool = False,
            max_nodes: int = MAX_NODES) -> str:
    """The walk of ``stepper(root, ...)`` as text (``print`` it): a line per step, and under it a line per
    gradient the step sends on. Like ``stepper``, a Tensor's backward is run once; a ``Stepper`` is only read."""
    if isinstance(root, Stepper):
        if gradient is not None or params is not None or retain_graph or max_nodes != MAX_NODES:
            raise TypeError("explain(stepper) reads a recorded walk; options apply only to explain(tensor)")
        recorded = root
    else:
        recorded = stepper(root, gradient, params=params, retain_graph=retain_graph, max_nodes=max_nodes)
    names = recorded.notation
    lines = [f"The backward pass of {names.name('t0')}, in the engine's order "
             f"({len(recorded.records)} steps; ∂C/∂z is the gradient arriving at an op whose output is z)."]
    if names.layers:
        lines.append("Layers, in the order they ran: " + "; ".join(f"{module} → {symbols}"
                                                                  for module, symbols in names.layers) + ".")
    derivatives = {step.op: step.derivative for step in recorded.records if step.op}
    lines.append("Local derivatives (each op's own):")
    lines += [f"{INDENT}{op}: {text}" for op, text in derivatives.items()]
    for index, step in enumerate(recorded.records, start=1):
        lines += _step_lines(index, step, recorded)
    return "\n".join(lines)


def _step_lines(index: int, step: Step, recorded: Stepper) -> list[str]:
    names = recorded.notation
    short = names.symbol(step.tensor) if step.tensor else ""
    summed = f"  (the sum of {step.summed} gradients)" if step.summed > 1 else ""
    if step.collapsed:
        kinds = ", ".join(f"{op} ×{n}" for op, n in step.collapsed.most_common())
        head = f"{index:>3}. {sum(step.collapsed.values())} steps inside the collapsed part ({kinds})"
    elif not step.op:
        head = f"{index:>3}. leaf {recorded.descriptions[step.tensor]}: ∂C/∂{short} = {step.grad.text()}{summed}"
        if step.final_grad != step.grad:
            head += f"; its .grad is now {step.final_grad.text()}"
    else:
        where = f" in {step.module}" if step.module else ""
        head = (f"{index:>3}. {step.op}{where} → {recorded.descriptions[step.tensor]}: "
                f"∂C/∂{short} = {step.grad.text()}{summed}")
    lines = [head]
    for sent in step.sent:
        target = names.symbol(sent.target)
        equation = names.equations.get((sent.target, step.node), "")
        line = f"{INDENT}{sent.letter or '→'} = {recorded.descriptions[sent.target]}: ∂C/∂{target} = {sent.grad.text()}"
        if sent.running_sum is not None:
            line += (f"  (gradient {sent.contribution} of {sent.contributions} to {target}; "
                     f"running sum {sent.running_sum.text()})")
        if equation:
            line += f"  ⟵ {equation}"
        lines.append(line)
    return lines
