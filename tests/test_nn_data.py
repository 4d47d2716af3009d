"""TensorDataset and DataLoader: batching, drop_last, full batch, seeded shuffling, errors."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, TensorDataset

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def test_batches_in_order_with_a_short_last_batch_or_dropped():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(yb) for _, yb in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([xb.data for xb, _ in batches]), X)
    assert isinstance(batches[0][0], tg.Tensor) and batches[0][0].dtype == np.float32
    assert batches[0][1].dtype == np.int64
    dropped = DataLoader(TensorDataset(X, Y), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(yb) for _, yb in dropped] == [4, 4]


def test_batch_size_none_is_the_whole_dataset():
    (xb, yb), = list(DataLoader(TensorDataset(X, Y), batch_size=None))
    np.testing.assert_array_equal(xb.data, X)
    np.testing.assert_array_equal(yb.data, Y)


def test_shuffle_is_a_permutation_reproducible_by_seed_and_new_each_epoch():
    def order(loader):
        return np.concatenate([yb.data for _, yb in loader])

    loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, seed=1)
    first, second = order(loader), order(loader)
    assert sorted(first) == list(range(10)) and not (first == second).all()
    again = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, seed=1)
    np.testing.assert_array_equal(order(again), first)
    tg.manual_seed(5)
    unseeded = order(DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True))
    tg.manual_seed(5)
    np.testing.assert_array_equal(order(DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True)), unseeded)
    for xb, yb in DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, seed=2):
        np.testing.assert_array_equal(xb.data, X[yb.data])  # rows stay paired


def test_any_dataset_is_collated_by_stacking_fields():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return tg.Tensor([float(i), 1.0]), i * i

    (xb, yb), (_, last) = list(DataLoader(Squares(), batch_size=3))
    np.testing.assert_array_equal(xb.data, [[0, 1], [1, 1], [2, 1]])
    np.testing.assert_array_equal(yb.data, [0, 1, 4])
    np.testing.assert_array_equal(last.data, [9, 16])


def test_single_samples_are_tensors_and_an_empty_dataset_gives_no_batches():
    x0, y0 = TensorDataset(X, Y)[3]
    assert isinstance(y0.data, np.ndarray) and y0.shape == () and y0.item() == 3
    np.testing.assert_array_equal(x0.data, X[3])
    empty = DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=None)
    assert len(empty) == 0 and list(empty) == []


def test_errors():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(X, Y[:5])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(X), batch_size=0)
