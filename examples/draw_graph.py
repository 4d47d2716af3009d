"""Draw an MLP's loss graph before and after backward, and a deep net's graph collapsed to stay readable.

    python examples/draw_graph.py [--out DIR] [--fast]

Writes forward.svg/.dot (what autograd recorded, with values), backward.svg/.dot (gradients as colour, each op
labelled with its local derivative) and collapsed.svg (a deep net past ``max_nodes``). The pictures in
docs/visualization.md are made with ``--out docs/images``.

The layers here are small stand-ins written with raw tensors and ``engine.module_scope`` (what
``nn.Module.__call__`` does), so the module boxes show; with ``tinygrad_edu.nn`` they are ``nn.Linear``,
``nn.Tanh`` and ``nn.Sequential``.
"""

from __future__ import annotations

import argparse
import itertools
import math
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import engine, viz


class Layer:
    """f(a) = g(a·W + b): the seed's layer, recorded inside its own module box."""

    def __init__(self, n_in: int, n_out: int, activation: bool = True) -> None:
        bound = 1 / math.sqrt(n_in)  # uniform in ±1/√n_in, as PyTorch's Linear
        self.W = tg.Tensor((tg.rand(n_in, n_out).numpy() * 2 - 1) * bound, requires_grad=True)
        self.b = tg.zeros(n_out, requires_grad=True)
        self.activation = activation

    def __call__(self, a: tg.Tensor) -> tg.Tensor:
        with engine.module_scope(self):
            z = a @ self.W + self.b
            return z.tanh() if self.activation else z


class MLP:
    """Layers applied in turn; ``named_modules``/``named_parameters`` name the boxes and tensors in the picture."""

    def __init__(self, sizes: list[int]) -> None:
        pairs = list(itertools.pairwise(sizes))
        self.layers = [Layer(n_in, n_out, activation=i < len(pairs) - 1) for i, (n_in, n_out) in enumerate(pairs)]

    def named_modules(self):
        yield "", self
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer

    def named_parameters(self):
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}.W", layer.W
            yield f"layers.{i}.b", layer.b

    def __call__(self, x: tg.Tensor) -> tg.Tensor:
        with engine.module_scope(self):
            for layer in self.layers:
                x = layer(x)
            return x


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
    model = MLP([2, 3, 1])
    loss = ((model(x) - y) ** 2).mean()

    forward = viz.draw(loss, params=model, show_data=True, rankdir="TB")
    for suffix in (".svg", ".dot"):
        viz.save(forward, args.out / f"forward{suffix}")

    viz.retain_grads(loss)  # keep ∂C/∂z for every intermediate, so the whole graph can be coloured
    loss.backward()
    backward = viz.draw(loss, params=model, show_grad=True, explain=True, rankdir="TB")
    for suffix in (".svg", ".dot"):
        viz.save(backward, args.out / f"backward{suffix}")

    deep = MLP([2] + [4] * (12 if args.fast else 100) + [1])
    deep_loss = ((deep(x) - y) ** 2).mean()
    collapsed = viz.draw(deep_loss, params=deep, max_nodes=40)
    viz.save(collapsed, args.out / "collapsed.svg")

    print(f"loss {loss.item():.4f}; ∂C/∂W of the first layer:\n{model.layers[0].W.grad.numpy()}")
    print(f"wrote forward, backward and collapsed pictures to {args.out}/")


if __name__ == "__main__":
    main()
