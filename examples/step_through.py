"""Watch backprop happen: the stepper for the seed's network on one digit, and for a value used three times.

    python examples/step_through.py [--out DIR] [--fast]

Writes two pages into ``--out`` (default ./out) and prints the narrated backward pass of the seed's network:
- seed_network.html: the 64 → 32 → 16 → 32 → 64 autoencoder of examples/autoencoder.py (the reference's starting
  weights) on one digit, with the seed's cost C = Σ_n (x̂_n − x_n)²;
- reused_value.html: h = a·w feeds three ops, so ∂C/∂h is the sum of three gradients (the Σ over consumers).
Open them in any browser, from disk: no network, no Graphviz. ``--fast`` uses a 64 → 16 → 64 network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from autoencoder import SIZES, build_model, seed_cost
from sklearn.datasets import load_digits

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import viz


def seed_network(sizes: list[int]) -> viz.Stepper:
    """The seed's autoencoder on the first digit (a batch of one): C = Σ_n (x̂_n − x_n)²."""
    model = build_model(hw.Network.init(sizes, hidden="tanh"))
    x = tg.Tensor(load_digits().data[:1] / 16.0)  # float64 pixels in [0, 1], like the model
    with viz.keep_intermediates():  # keep every intermediate's forward value, to show on hover
        cost = seed_cost(model(x), x)
    return viz.stepper(cost, params=model)


def reused_value() -> viz.Stepper:
    """C = Σ (h · tanh h + h) with h = a · w: h is used by Mul, Tanh and Add, so three gradients add up at h."""
    a = tg.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    w = tg.Tensor(np.array([1.5, 0.25, -0.5]), requires_grad=True)
    with viz.keep_intermediates():
        h = a * w
        cost = (h * h.tanh() + h).sum()
    return viz.stepper(cost, params={"a": a, "w": w, "h": h})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="directory for the pages (default: ./out)")
    parser.add_argument("--fast", action="store_true", help="a 64 → 16 → 64 network (for tests)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seed = seed_network([64, 16, 64] if args.fast else SIZES)
    pages = [seed.save(args.out / "seed_network.html"), reused_value().save(args.out / "reused_value.html")]
    print(viz.explain(seed))
    print("wrote " + ", ".join(map(str, pages)))


if __name__ == "__main__":
    main()
