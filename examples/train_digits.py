"""Train an MLP and a small CNN on scikit-learn's bundled 8×8 digits, save a checkpoint and reload it.

    python examples/train_digits.py           # full run
    python examples/train_digits.py --fast    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset


def load_data(seed: int = 0) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)  # pixels 0..16 → [0, 1]
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:1400], order[1400:]
    return x[train], y[train], x[test], y[test]


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with tg.no_grad():
        return float((model(tg.Tensor(x)).data.argmax(axis=1) == y).mean())


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> None:
    """Mini-batch Adam on the cross-entropy, with a cosine learning-rate schedule."""
    opt = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        schedule.step()
        print(f"  epoch {epoch + 1:2d}  loss {total / len(x):.4f}")


def make_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),  # 8×8 → 4×4
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4×4 → 2×2
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="few epochs (a quick smoke run)")
    args = parser.parse_args()
    tg.manual_seed(0)
    x_train, y_train, x_test, y_test = load_data()

    mlp = nn.MLP([64, 64, 10], activation=nn.ReLU)
    print(mlp)
    start = time.perf_counter()
    train(mlp, x_train, y_train, epochs=8 if args.fast else 30, lr=1e-2)
    print(f"MLP test accuracy {accuracy(mlp, x_test, y_test):.3f} ({time.perf_counter() - start:.1f} s)")

    cnn = make_cnn()
    print(cnn)
    images_train, images_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    start = time.perf_counter()
    train(cnn, images_train, y_train, epochs=3 if args.fast else 15, lr=1e-2)
    acc = accuracy(cnn, images_test, y_test)
    print(f"CNN test accuracy {acc:.3f} ({time.perf_counter() - start:.1f} s)")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cnn.npz"
        tg.save(cnn.state_dict(), path)
        restored = make_cnn()  # a checkpoint holds values, not the architecture
        restored.load_state_dict(tg.load(path))
        assert accuracy(restored, images_test, y_test) == acc
        print(f"checkpoint {path.name}: {path.stat().st_size} bytes, reloaded with the same accuracy")


if __name__ == "__main__":
    main()
