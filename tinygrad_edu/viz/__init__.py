"""See what autograd recorded and watch backward run: pictures, a step-by-step page, a narrated walk.

- ``draw`` / ``save`` / ``render``: the recorded graph as a Graphviz picture (DOT text; ``dot`` renders it).
- ``retain_grads`` / ``keep_intermediates``: keep intermediate gradients and values for the pictures.
"""

from .drawing import GraphvizNotFoundError, draw, render, save
from .graph import keep_intermediates, retain_grads

__all__ = ["GraphvizNotFoundError", "draw", "keep_intermediates", "render", "retain_grads", "save"]
