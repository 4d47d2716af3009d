"""See what autograd recorded and watch backward run: pictures, a step-by-step page, a narrated walk.

- ``draw`` / ``save`` / ``render``: the recorded graph as a Graphviz picture (DOT text; ``dot`` renders it).
- ``stepper``: runs backward once, recording every step, as a self-contained HTML page (no Graphviz needed).
- ``explain``: the same walk as text, in the notes' notation (W^l, b^l, z^l, a^l, δ^l) with the numbers.
- ``retain_grads`` / ``keep_intermediates``: keep intermediate gradients and values for the pictures.
"""

from .drawing import GraphvizNotFoundError, draw, render, save
from .explain import explain
from .graph import keep_intermediates, retain_grads
from .stepper import Stepper, stepper

__all__ = ["GraphvizNotFoundError", "Stepper", "draw", "explain", "keep_intermediates", "render", "retain_grads",
           "save", "stepper"]
