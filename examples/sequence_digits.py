"""scikit-learn's 8×8 digits read row by row: a GRU sees eight rows of eight pixels, one row per time step, and
classifies the digit from its last hidden state.

    OMP_NUM_THREADS=1 python examples/sequence_digits.py [--epochs 40] [--fast] [--out DIR]

1797 digits, a random quarter held out for testing (``random_split``); ``nn.GRU(8, 64)`` then ``Linear(64, 10)``,
trained with Adam on minibatches of 32 with a OneCycle learning-rate schedule. Prints the test accuracy after
training and writes loss.png (training loss and test accuracy per epoch).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from example_tools import progress_bar, save_curves
from sklearn.datasets import load_digits

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, random_split


class RowGRU(nn.Module):
    """GRU over the image's rows (batch_first), Linear on the final hidden state: logits for the ten digits."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(8, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 10)

    def forward(self, images: tg.Tensor) -> tg.Tensor:
        _, last = self.gru(images)  # (N, 8 rows, 8 pixels) → h_n (1, N, hidden)
        return self.head(last[0])


def accuracy(model: nn.Module, images: tg.Tensor, labels: np.ndarray) -> float:
    model.eval()
    with tg.no_grad():
        return float((model(images).data.argmax(axis=1) == labels).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="A default run takes about 20 seconds on one core.")
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training digits (default: 40; "
                        "3 with --fast)")
    parser.add_argument("--hidden", type=int, default=64, help="GRU units (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=1e-2, help="peak learning rate (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, weights and order (default: "
                        "%(default)s)")
    parser.add_argument("--out", type=Path, default=Path("sequence_digits_out"), help="folder for loss.png "
                        "(default: %(default)s)")
    parser.add_argument("--fast", action="store_true", help="3 epochs on 400 digits (for tests)")
    args = parser.parse_args()
    args.epochs = args.epochs if args.epochs is not None else (3 if args.fast else 40)
    if args.epochs < 1 or args.hidden < 1 or not args.lr > 0:
        parser.error("--epochs and --hidden must be at least 1 and --lr positive")

    tg.manual_seed(args.seed)
    x, y = load_digits(return_X_y=True)
    images = (x / 16.0).astype(np.float32).reshape(-1, 8, 8)  # rows are the time steps
    if args.fast:
        images, y = images[:400], y[:400]
    dataset = TensorDataset(images, y)
    test_size = len(dataset) // 4
    train_set, test_set = random_split(dataset, [len(dataset) - test_size, test_size],
                                       generator=np.random.default_rng(args.seed))
    test_images, test_labels = test_set[np.arange(len(test_set))]
    loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=np.random.default_rng(args.seed))
    model = RowGRU(args.hidden)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * len(loader))
    loss_fn = nn.CrossEntropyLoss()
    print(f"{len(train_set)} training and {len(test_set)} test digits as sequences of 8 rows; GRU(8, {args.hidden}), "
          f"{sum(p.size for p in model.parameters())} parameters")

    losses, accuracies = [], []
    started = time.perf_counter()
    bar = progress_bar(args.epochs, "epoch")
    for _ in range(args.epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            schedule.step()
            total += loss.item() * len(yb)
        losses.append(total / len(train_set))
        accuracies.append(accuracy(model, test_images, test_labels.data))
        bar.set_postfix_str(f"loss={losses[-1]:.4f} test accuracy={accuracies[-1]:.3f}")
        bar.update()
    bar.close()
    print(f"test accuracy {accuracies[-1]:.4f} ({round(accuracies[-1] * len(test_set))}/{len(test_set)} digits) "
          f"after {args.epochs} epochs ({time.perf_counter() - started:.0f} s)")
    args.out.mkdir(parents=True, exist_ok=True)
    epochs = np.arange(1, args.epochs + 1)
    path = save_curves(args.out / "loss.png", {"training loss": (epochs, losses),
                                               "test error (1 − accuracy)": (epochs, 1 - np.array(accuracies))},
                       xlabel="epoch", ylabel="cross-entropy / error", title="GRU over the rows of 8×8 digits",
                       log_y=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
