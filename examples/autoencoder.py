"""The seed's "what we want": a network whose output x̂ reconstructs its input x, trained as the notes say.

    python examples/autoencoder.py [--fast] [--out DIR] [--steps N] [--lr RHO] [--optimizer {gd,adam}]
                                   [--batch-size N] [--seed N] [--compile]

scikit-learn's bundled 8×8 digits (pixels scaled to [0, 1]) go through 64 → 32 → 16 → 32 → 64 (tanh hidden,
identity output g^L(z) = z). The cost is the seed's C = (1/|D|) Σ_d Σ_n (x̂_n − x_n)², and the default training is
full-batch gradient descent W ← W − ρ (1/|D|) Σ_d ∂C_d/∂W (``--optimizer adam --batch-size 64`` for minibatch
Adam). The default ρ = 0.01 is small enough that C falls at every one of the 2000 steps; from ρ ≈ 0.015 on, C
starts to rise and fall late in training (docs/learning-rate.md explains why). Before training it prints how far
autograd's gradients are from the hand-derived ones (``tinygrad_edu.handwritten``). Writes reconstructions.png,
loss.png and graph.svg (or graph.dot) into ``--out``. ``--compile`` runs the training step through ``tg.compile``:
captured once as a tape of numpy calls, then replayed (docs/compile.md); the costs it prints are the same.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
from example_tools import PlainProgress, progress_bar  # noqa: F401 - PlainProgress: the tests' handle
from sklearn.datasets import load_digits

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F  # noqa: N812

SIZES = [64, 32, 16, 32, 64]


def build_model(net: hw.Network) -> nn.MLP:
    """``nn.MLP`` (Linear layers, tanh between, identity output) holding copies of the reference's W^l, b^l."""
    model = nn.MLP(net.sizes, activation=nn.Tanh)
    for l, linear in enumerate(linear_layers(model), start=1):
        linear.weight.data, linear.bias.data = net.W[l].copy(), net.b[l].copy()
    return model


def linear_layers(model: nn.MLP) -> list[nn.Linear]:
    """Layers 1..L of the seed: the model's Linear modules in order."""
    return [m for m in model if isinstance(m, nn.Linear)]


def seed_cost(x_hat: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """C = (1/|D|) Σ_d Σ_n (x̂_n − y_n)²: the squared errors summed, then averaged over datapoints only (the
    functional form: a loss module built here at every call would count as a module edit, which makes
    ``tg.compile`` capture the step again)."""
    return F.mse_loss(x_hat, y, reduction="sum") * (1.0 / x_hat.shape[0])


def gradient_check(model: nn.MLP, net: hw.Network, x: np.ndarray) -> float:
    """Max over all W^l, b^l of |autograd − hand-derived| / max |hand-derived|, on the whole dataset."""
    expected = hw.gradients(net, x, x)
    model.zero_grad()
    seed_cost(model(tg.Tensor(x)), tg.Tensor(x)).backward()
    worst = 0.0
    for l, linear in enumerate(linear_layers(model), start=1):
        for got, want in [(linear.weight.grad.data, expected.W[l]), (linear.bias.grad.data, expected.b[l])]:
            worst = max(worst, float(np.abs(got - want).max() / np.abs(want).max()))
    return worst


def unit(args: argparse.Namespace) -> str:
    """What one step of the loss curve is."""
    return "gradient-descent steps" if args.optimizer == "gd" else f"epochs of Adam on batches of {args.batch_size}"


def evaluate(model: nn.MLP, data: tg.Tensor) -> float:
    """The seed's C on every datapoint, without recording a graph."""
    with tg.no_grad():
        return seed_cost(model(data), data).item()


def train(model: nn.MLP, x: np.ndarray, args: argparse.Namespace) -> list[float]:
    """``args.steps`` passes over the data; returns C on the whole dataset before training and after each pass."""
    params = list(model.parameters())
    optimizer = optim.SGD(params, lr=args.lr) if args.optimizer == "gd" else optim.Adam(params, lr=args.lr)
    full_batch = args.optimizer == "gd"  # gradient descent averages over every datapoint: batch_size=None
    loader = DataLoader(TensorDataset(x), batch_size=None if full_batch else args.batch_size, shuffle=not full_batch)
    data = tg.Tensor(x)
    losses = [] if full_batch else [evaluate(model, data)]
    def training_step(batch: tg.Tensor) -> tg.Tensor:
        optimizer.zero_grad()
        C = seed_cost(model(batch), batch)
        C.backward()
        optimizer.step()
        return C

    run_step = tg.compile(training_step) if args.compile else training_step
    bar = progress_bar(args.steps)
    for step in range(args.steps):
        for (batch,) in loader:
            C = run_step(batch)
        # full batch: the C just computed is the whole dataset's, before this update; minibatches: measure it
        losses.append(C.item() if full_batch else evaluate(model, data))
        if full_batch and step == args.steps - 1:
            losses.append(evaluate(model, data))  # after the last update: the C the final line prints
        bar.set_postfix_str(f"C={losses[-1]:.4f}")
        bar.update()
    bar.close()
    if args.compile:
        print(f"tg.compile: the step was captured {run_step.captures} time(s) (one tape per batch shape) and "
              f"replayed after; its last call: {run_step.last_run}")
    return losses


def save_pictures(model: nn.MLP, x: np.ndarray, losses: list[float], out: Path, args: argparse.Namespace
                  ) -> list[Path]:
    """reconstructions.png (originals above, reconstructions below) and loss.png (C per step)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = x[:10]
    with tg.no_grad():
        reconstructed = model(tg.Tensor(shown)).data
    fig, axes = plt.subplots(2, len(shown), figsize=(len(shown), 2.3))
    for column, (original, again) in enumerate(zip(shown, reconstructed)):
        for row, image in enumerate([original, again]):
            axes[row, column].imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            axes[row, column].axis("off")
    axes[0, 0].set_title("x", loc="left", fontsize=9)
    axes[1, 0].set_title("x̂", loc="left", fontsize=9)
    fig.suptitle("digits (top) and their reconstructions x̂ (bottom)", fontsize=10)
    paths = [out / "reconstructions.png", out / "loss.png"]
    fig.savefig(paths[0], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(np.arange(len(losses)), losses)
    ax.set(yscale="log", xlabel=unit(args),
           ylabel="C = (1/|D|) Σ_d Σ_n (x̂_n − x_n)²", title="training cost")
    fig.tight_layout()
    fig.savefig(paths[1], dpi=100)
    plt.close(fig)
    return paths


def save_graph(model: nn.MLP, x: np.ndarray, out: Path) -> Path | None:
    """The computation graph of C for two datapoints (tinygrad_edu.viz), as SVG, or DOT without Graphviz."""
    try:
        from tinygrad_edu import viz
    except ImportError:
        return None
    cost = seed_cost(model(tg.Tensor(x[:2])), tg.Tensor(x[:2]))
    try:
        return viz.save(cost, out / "graph.svg", params=model)
    except viz.GraphvizNotFoundError:
        return viz.save(cost, out / "graph.dot", params=model)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="A default run (2000 full-batch steps over 1797 digits) takes a few minutes on two cores (3.5 "
               "minutes of CPU time, 7 minutes measured on a busy machine): the progress bar shows the time left and "
               "the last line the time taken. --fast takes a few seconds.")
    parser.add_argument("--steps", type=int, default=None,
                        help="gradient-descent steps, or epochs for adam (default: 2000 for gd, 100 for adam; "
                             "20 and 3 with --fast)")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate ρ (default: 0.01 for gd, 3e-3 for adam)")
    parser.add_argument("--optimizer", choices=["gd", "adam"], default="gd",
                        help="gd: full-batch gradient descent, the notes' update; adam: minibatch Adam "
                             "(default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=64, help="minibatch size for adam (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("autoencoder_out"),
                        help="folder for the pictures (default: %(default)s)")
    parser.add_argument("--fast", action="store_true", help="a few steps on 200 digits (for tests)")
    parser.add_argument("--compile", action="store_true",
                        help="capture the training step with tg.compile and replay it (docs/compile.md)")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = (20 if args.fast else 2000) if args.optimizer == "gd" else (3 if args.fast else 100)
    if args.lr is None:
        args.lr = 0.01 if args.optimizer == "gd" else 3e-3
    for name, value in (("--batch-size", args.batch_size), ("--steps", args.steps)):
        if value < 1:
            parser.error(f"{name} must be at least 1, got {value}")
    if not args.lr > 0:
        parser.error(f"--lr must be positive, got {args.lr}")

    tg.manual_seed(args.seed)
    x = load_digits().data / 16.0  # float64, pixels in [0, 1]
    if args.fast:
        x = x[:200]
    net = hw.Network.init(SIZES, hidden="tanh", seed=args.seed)  # the reference, and the model's starting point
    model = build_model(net)
    print(f"{len(x)} digits, network {' → '.join(map(str, SIZES))}, tanh hidden, identity output, float64")
    print(f"gradient check: max relative difference autograd vs hand-derived = {gradient_check(model, net, x):.2e}")

    started = time.perf_counter()
    losses = train(model, x, args)
    seconds = time.perf_counter() - started
    print(f"cost C: {losses[0]:.4f} before training, {losses[-1]:.4f} after {args.steps} {unit(args)} "
          f"({seconds:.0f} s)")
    if args.optimizer == "gd":
        rises = sum(after > before for before, after in itertools.pairwise(losses))
        print(f"C fell at every one of the {args.steps} steps" if rises == 0 else
              f"C rose at {rises} of {args.steps} steps: ρ = {args.lr} overshoots where the cost is curved "
              f"more than 2/ρ (docs/learning-rate.md)")
    args.out.mkdir(parents=True, exist_ok=True)
    written = save_pictures(model, x, losses, args.out, args)
    graph = save_graph(model, x, args.out)
    written += [graph] if graph is not None else []
    print("wrote " + ", ".join(str(p) for p in written))


if __name__ == "__main__":
    main()
