"""Training converges: XOR with an MLP, digits with an MLP (>= 95 % test accuracy) and with a small CNN."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset


def test_xor_with_the_seeds_mlp_and_full_batch_gradient_descent():
    tg.manual_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    model = nn.MLP([2, 8, 1])  # Tanh hidden layer, identity output: the seed's network
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    loss_fn = nn.MSELoss()
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=None):  # the seed's (1/D)·Σ_d
        for _ in range(300):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    assert loss.item() < 1e-3
    np.testing.assert_array_equal(model(tg.Tensor(x)).data > 0.5, y > 0.5)


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:1400], order[1400:]
    return x[train], y[train], x[test], y[test]


def fit(model, x, y, epochs, lr):
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)  # a new order every epoch
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    return model.eval()


def accuracy(model, x, y):
    with tg.no_grad():
        return float((model(tg.Tensor(x)).data.argmax(axis=1) == y).mean())


def test_digits_mlp_reaches_95_percent_test_accuracy(digits):
    tg.manual_seed(0)
    x_train, y_train, x_test, y_test = digits
    model = fit(nn.MLP([64, 64, 10], activation=nn.ReLU), x_train, y_train, epochs=15, lr=1e-2)
    assert accuracy(model, x_test, y_test) >= 0.95


def test_digits_small_cnn_trains(digits):
    tg.manual_seed(0)
    x_train, y_train, x_test, y_test = digits
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(64, 10),
    )
    model = fit(model, x_train.reshape(-1, 1, 8, 8), y_train, epochs=6, lr=1e-2)
    assert accuracy(model, x_test.reshape(-1, 1, 8, 8), y_test) >= 0.93
