"""A custom op with its own backward — softplus — proven by gradcheck and trained inside a small network.

    python examples/custom_op.py [--fast]

1. Write the op: forward on ndarrays, backward (the local derivative times the incoming gradient) in Tensor ops.
2. Prove it: gradcheck (first derivatives) and gradgradcheck (second derivatives) against finite differences.
3. Use it: a two-layer net x̂ = W² softplus(W¹x + b¹) + b² fitted to sin(x) with plain gradient descent,
   W ← W − ρ·∂C/∂W, while a hook watches ∂C/∂a¹ flow past the hidden layer.
A straight-through estimator shows the other side: its gradient is a deliberate lie, and gradcheck says so.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor


class Softplus(Function):
    """a = softplus(z) = ln(1 + eᶻ);  g'(z) = σ(z)."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return np.logaddexp(0, z.data)  # ln(e⁰ + eᶻ), which never overflows

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * z.sigmoid()  # Tensor ops, so create_graph=True can differentiate this again


class StraightThroughSign(Function):
    """Forward: sign(z). Backward: pretend the op was the identity on [-1, 1] (used to train binary networks)."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return np.sign(z.data)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * Tensor((np.abs(z.data) <= 1).astype(grad.dtype))


def prove_the_ops() -> None:
    z = Tensor(np.linspace(-3, 3, 7), requires_grad=True)  # float64: gradcheck refuses float32
    print("gradcheck(Softplus):", tg.gradcheck(Softplus.apply, z))
    print("gradgradcheck(Softplus):", tg.gradgradcheck(Softplus.apply, z))
    lies = not tg.gradcheck(StraightThroughSign.apply, z + 0.05, raise_exception=False)
    print("gradcheck flags the straight-through estimator's deliberate lie:", lies)


def init(n_in: int, n_hidden: int, n_out: int) -> list[Tensor]:
    """W¹, b¹, W², b² as float64 leaf tensors (numpy's default dtype), weights scaled by 1/√fan_in."""
    gen = np.random.default_rng(0)
    return [
        Tensor(gen.standard_normal((n_hidden, n_in)) / np.sqrt(n_in), requires_grad=True),
        Tensor(np.zeros(n_hidden), requires_grad=True),
        Tensor(gen.standard_normal((n_out, n_hidden)) / np.sqrt(n_hidden), requires_grad=True),
        Tensor(np.zeros(n_out), requires_grad=True),
    ]


def forward(params: list[Tensor], x: Tensor) -> tuple[Tensor, Tensor]:
    """a¹ = softplus(W¹x + b¹), x̂ = W²a¹ + b² (rows of ``x`` are data points)."""
    W1, b1, W2, b2 = params
    a1 = Softplus.apply(x @ W1.T + b1)
    return a1, a1 @ W2.T + b2


def cost(params: list[Tensor], x: Tensor, y: Tensor) -> Tensor:
    return ((forward(params, x)[1] - y) ** 2).mean()


def train(steps: int, lr: float) -> list[float]:
    """Full-batch gradient descent on C; returns C before each step and after the last one."""
    x_np = np.linspace(-3, 3, 64).reshape(-1, 1)
    x, y = Tensor(x_np), Tensor(np.sin(x_np))  # a float64 ndarray keeps its dtype: float64 Tensors
    params = init(1, 16, 1)
    check = [Tensor(p.numpy().astype(np.float64), requires_grad=True) for p in params]
    ok = tg.gradcheck(lambda *ps: cost(list(ps), Tensor(x_np[:8]), Tensor(np.sin(x_np[:8]))), check)
    print("gradcheck(whole network's cost, float64 copy):", ok)
    costs = []
    for step in range(steps):
        a1, x_hat = forward(params, x)
        C = ((x_hat - y) ** 2).mean()
        if step == 0:
            a1.register_hook(lambda g: print(f"  ‖∂C/∂a¹‖ at step 0: {np.linalg.norm(g.numpy()):.4f}"))
        for p in params:
            p.grad = None
        C.backward()
        for p in params:  # W ← W − ρ·∂C/∂W (in place on the leaves' arrays: no graph is recorded)
            p.data -= lr * p.grad.data
        costs.append(C.item())
        if step % max(steps // 5, 1) == 0:
            print(f"  step {step:4d}  C = {costs[-1]:.5f}")
    with tg.no_grad():
        costs.append(cost(params, x, y).item())
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="a few training steps only (for tests)")
    args = parser.parse_args()
    prove_the_ops()
    # ρ = 0.03: C falls at every one of the 2000 steps; from ρ ≈ 0.035 on it starts to oscillate late in training
    costs = train(steps=60 if args.fast else 2000, lr=0.03)
    rises = sum(after > before for before, after in itertools.pairwise(costs))
    print(f"cost: first {costs[0]:.5f}  final {costs[-1]:.5f}  (C rose at {rises} of {len(costs) - 1} steps)")
    if rises or not costs[-1] < 0.5 * costs[0]:
        raise SystemExit("training failed: C must fall at every step and end below half its first value")


if __name__ == "__main__":
    main()
