"""How large may ρ be? Full-batch gradient descent on the autoencoder's C for several learning rates, and the
curvature that decides it.

    python examples/learning_rate.py [--fast] [--steps N] [--rates R [R ...]]

For each ρ it runs the demo's training (examples/autoencoder.py: 64 → 32 → 16 → 32 → 64, tanh, the notes' summed
and averaged C, the same initial weights) and counts the steps at which C rose. It also measures the sharpness
λ_max, the largest eigenvalue of the Hessian of C, at the start and at the end of each run: a step along a
direction of curvature λ overshoots when ρ > 2/λ. Hessian-vector products come from autograd's double backward
(``create_graph=True``), the eigenvalue from power iteration.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import nn, optim
from tinygrad_edu.transforms import vjp_grads

SIZES = [64, 32, 16, 32, 64]


def seed_cost(model: nn.MLP, data: tg.Tensor) -> tg.Tensor:
    """C = (1/|D|) Σ_d Σ_n (x̂_n − x_n)², the notes' cost with the target y = x."""
    return nn.MSELoss(reduction="sum")(model(data), data) * (1.0 / data.shape[0])


def build_model(seed: int) -> nn.MLP:
    """The demo's network, started from ``handwritten.Network.init``'s weights."""
    net = hw.Network.init(SIZES, hidden="tanh", seed=seed)
    model = nn.MLP(SIZES, activation=nn.Tanh)
    for l, linear in enumerate([m for m in model if isinstance(m, nn.Linear)], start=1):
        linear.weight.data, linear.bias.data = net.W[l].copy(), net.b[l].copy()
    return model


def sharpness(model: nn.MLP, data: tg.Tensor, iterations: int = 30, seed: int = 0) -> float:
    """λ_max of the Hessian of C with respect to all parameters, by power iteration on Hessian-vector products."""
    params = list(model.parameters())
    rng = np.random.default_rng(seed)
    v = [rng.standard_normal(p.shape) for p in params]
    eigenvalue = 0.0
    for _ in range(iterations):
        norm = np.sqrt(sum(float((u * u).sum()) for u in v))
        v = [u / norm for u in v]
        gradient = vjp_grads([seed_cost(model, data)], [tg.Tensor(1.0, dtype=np.float64)], params,
                             create_graph=True)  # ∇C as a graph, so it can be differentiated again
        directional = sum((g * tg.Tensor(u)).sum() for g, u in zip(gradient, v))  # ∇C · v
        hessian_v = vjp_grads([directional], [tg.Tensor(1.0, dtype=np.float64)], params)  # ∇(∇C · v) = H v
        hv = [h.numpy() for h in hessian_v]
        eigenvalue = sum(float((h * u).sum()) for h, u in zip(hv, v))  # the Rayleigh quotient vᵀHv, ‖v‖ = 1
        v = hv
    return eigenvalue


def train(model: nn.MLP, data: tg.Tensor, rho: float, steps: int) -> list[float]:
    """Full-batch gradient descent, W ← W − ρ ∂C/∂W; C before each step and after the last."""
    optimizer = optim.SGD(model.parameters(), lr=rho)
    costs = []
    for _ in range(steps):
        optimizer.zero_grad()
        C = seed_cost(model, data)
        C.backward()
        optimizer.step()
        costs.append(C.item())
    with tg.no_grad():
        costs.append(seed_cost(model, data).item())
    return costs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="steps per run (default: 2000; 30 with --fast)")
    parser.add_argument("--rates", type=float, nargs="+", default=[0.005, 0.01, 0.015, 0.02, 0.05, 0.1],
                        help="the learning rates ρ to try (default: %(default)s)")
    parser.add_argument("--fast", action="store_true", help="200 digits and few steps (for tests)")
    args = parser.parse_args(argv)
    steps = args.steps or (30 if args.fast else 2000)
    x = load_digits().data / 16.0
    data = tg.Tensor(x[:200] if args.fast else x)
    iterations = 5 if args.fast else 30
    start = sharpness(build_model(0), data, iterations)
    print(f"{data.shape[0]} digits, {steps} full-batch steps per run; at the start λ_max = {start:.1f}, "
          f"2/λ_max = {2 / start:.4f}")
    print("      ρ   steps where C rose   first rise    final C   λ_max at the end   2/ρ")
    for rho in args.rates:
        model = build_model(0)
        costs = train(model, data, rho, steps)
        rises = [step for step in range(steps) if costs[step + 1] > costs[step]]
        first = str(rises[0] + 1) if rises else "-"
        end = sharpness(model, data, iterations)
        print(f"{rho:7.3f}   {len(rises):18d}   {first:>10}   {costs[-1]:8.4f}   {end:16.1f}   {2 / rho:5.0f}")


if __name__ == "__main__":
    main()
