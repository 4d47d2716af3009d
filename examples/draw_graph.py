"""Draw an MLP's loss graph before and after backward, and a deep net's graph collapsed to stay readable.

    python examples/draw_graph.py [--out DIR] [--fast]

Writes forward.dot (what autograd recorded, with values), backward.dot (gradients as colour, each op labelled with
its local derivative), collapsed.dot (a deep net past ``max_nodes``) and, when Graphviz's ``dot`` is installed, the
same pictures as .svg; without it, open backward.html (the stepper page: needs no Graphviz) or render the .dot
files elsewhere. The pictures in docs/visualization.md are made with ``--out docs/images``.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import graphviz
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz


def write(graph: graphviz.Digraph, stem: Path) -> list[Path]:
    """The DOT text always; an SVG too when Graphviz's ``dot`` program is installed."""
    written = [viz.save(graph, stem.with_suffix(".dot"))]
    with contextlib.suppress(viz.GraphvizNotFoundError):  # no dot: the .dot file and the stepper page remain
        written.append(viz.save(graph, stem.with_suffix(".svg")))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="directory for the pictures (default: ./out)")
    parser.add_argument("--fast", action="store_true", help="smaller deep net, for tests")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tg.manual_seed(0)

    # C = mean (x̂ − y)² for a 2 → 3 → 1 tanh network on four points of y = sin(x₁ + x₂)
    x = tg.Tensor(np.array([[0.0, 0.5], [1.0, -1.0], [0.5, 0.5], [-1.0, 0.2]], dtype=np.float32))
    y = tg.Tensor(np.sin(x.data.sum(axis=1, keepdims=True)))
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    criterion = nn.MSELoss()
    with viz.keep_intermediates():  # keep every intermediate tensor for the pictures (the engine frees them)
        loss = criterion(model(x), y)

    # params=model: tensors named by named_parameters() (0.weight), module boxes by named_modules() (0 (Linear))
    written = write(viz.draw(loss, params=model, show_data=True, rankdir="TB"), args.out / "forward")

    viz.retain_grads(loss)  # keep ∂C/∂z for every intermediate, so the whole graph can be coloured
    stepper = viz.stepper(loss, params=model)  # runs loss.backward(), recording each step for the page
    written.append(stepper.save(args.out / "backward.html"))
    written += write(viz.draw(loss, params=model, show_grad=True, explain=True, rankdir="TB"), args.out / "backward")

    deep = nn.MLP([2] + [4] * (12 if args.fast else 100) + [1])  # Linear, Tanh, Linear, Tanh, …, Linear
    deep_loss = criterion(deep(x), y)
    written += write(viz.draw(deep_loss, params=deep, max_nodes=40), args.out / "collapsed")

    print(f"loss {loss.item():.4f}; ∂C/∂W of the first layer (0.weight):\n{model[0].weight.grad.numpy()}")
    print("wrote " + ", ".join(p.name for p in written) + f" in {args.out}/")
    if not any(p.suffix == ".svg" for p in written):
        print("Graphviz's dot is not installed: open backward.html in a browser, or render the .dot files elsewhere")


if __name__ == "__main__":
    main()
