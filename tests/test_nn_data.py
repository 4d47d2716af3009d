"""TensorDataset and DataLoader: batching, drop_last, full batch, seeded shuffling, errors; the default collate
(PyTorch's, refusing what is not numbers)."""

import collections

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, TensorDataset, default_collate

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


# ----------------------------------------------------------------------------------------------- default collate
class Listed(Dataset):
    """A dataset over a list of ready-made samples."""

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def test_numbers_become_tensors_with_pytorchs_dtypes():
    """PyTorch's default_collate: Python floats → float64 (torch.tensor(batch, dtype=torch.float64)), ints → int64,
    bools → bool; numpy scalars and arrays keep their dtype."""
    assert default_collate([1.5, 2.5]).dtype == np.float64 and default_collate([1.5, 2.5]).tolist() == [1.5, 2.5]
    assert default_collate([1, 2]).dtype == np.int64 and default_collate([True, False]).dtype == np.bool_
    assert default_collate([1, 2.5]).dtype == np.float32  # PyTorch infers [1, 2.5] as torch.tensor does
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    batch = default_collate([np.zeros(2, np.int16), np.ones(2, np.int16)])
    assert batch.dtype == np.int16 and batch.tolist() == [[0, 0], [1, 1]]


def test_tuples_lists_dicts_and_named_tuples_keep_their_structure():
    Pair = collections.namedtuple("Pair", "image label")
    samples = [{"x": (np.full(2, i, np.float32), [i, i + 0.5]), "y": Pair(tg.tensor([float(i)]), i % 2 == 0)}
               for i in range(3)]
    batch = default_collate(samples)
    assert list(batch) == ["x", "y"] and isinstance(batch["x"], tuple) and isinstance(batch["x"][1], list)
    assert isinstance(batch["y"], Pair)
    np.testing.assert_array_equal(batch["x"][0].data, [[0, 0], [1, 1], [2, 2]])
    assert batch["x"][1][0].tolist() == [0, 1, 2] and batch["x"][1][1].tolist() == [0.5, 1.5, 2.5]
    assert batch["y"].image.shape == (3, 1) and batch["y"].label.tolist() == [True, False, True]
    (x, y), = list(DataLoader(Listed([(np.ones(2), 1), (np.zeros(2), 0)]), batch_size=2))
    assert x.shape == (2, 2) and y.tolist() == [1, 0]


def test_tensors_that_require_grad_are_stacked_in_the_graph():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (default_collate([w, w * 3]) * tg.tensor([[1.0], [10.0]])).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [31.0, 31.0])


BAD_SAMPLES = [
    (["a", "b"], TypeError, "sample 0 is of type str"),
    ([None, None], TypeError, "sample 0 is None"),
    ([(1.0, object()), (2.0, object())], TypeError, r"sample 0 at \[1\] is of type object"),
    ([1 + 2j, 3j], TypeError, "sample 0 is of type complex"),
    ([np.array(["a"]), np.array(["b"])], TypeError, "sample 0 is of type ndarray with dtype <U1"),
    ([{"a": 1.0}, {"a": None}], TypeError, r"sample 1 at \['a'\] is None"),
    ([{"a": 1}, {"b": 1}], ValueError, r"sample 1 has the keys \['b'\], in sample 0 the keys \['a'\]"),
    ([(1, 2), (1,)], ValueError, "sample 1 has length 1, in sample 0 length 2"),
    ([(1,), 2], TypeError, "sample 1 is of type int, in sample 0 of type tuple"),
    ([np.ones(2), np.ones(3)], ValueError, r"sample 1 has shape \(3,\), in sample 0 \(2,\)"),
]


@pytest.mark.parametrize(("samples", "error", "message"), BAD_SAMPLES)
def test_the_default_collate_refuses_what_is_not_numbers_naming_where(samples, error, message):
    with pytest.raises(error, match="default_collate: " + message):
        default_collate(samples)
    with pytest.raises(error, match=message):
        next(iter(DataLoader(Listed(samples), batch_size=len(samples))))


def test_collate_fn_batches_anything_the_user_wants():
    names = DataLoader(Listed([("a", 1.0), ("b", 2.0)]), batch_size=2,
                       collate_fn=lambda samples: ([s[0] for s in samples], default_collate([s[1] for s in samples])))
    (words, values), = list(names)
    assert words == ["a", "b"] and values.tolist() == [1.0, 2.0]
    rows = list(DataLoader(TensorDataset(X, Y), batch_size=4, collate_fn=lambda samples: len(samples)))
    assert rows == [4, 4, 2]  # a TensorDataset's samples go through the given collate_fn too


def test_the_default_collate_agrees_with_pytorchs():
    torch = require_module("torch", "pip install torch==2.13.0")
    samples = [{"x": np.full(3, i, np.float32), "n": (i, 0.5 * i, i > 0), "t": [np.int8(i)]} for i in range(4)]
    ours, theirs = default_collate(samples), torch.utils.data.default_collate(samples)

    def flat(batch):
        if isinstance(batch, dict):
            return [leaf for key in batch for leaf in flat(batch[key])]
        if isinstance(batch, (tuple, list)):  # PyTorch returns a list for a tuple; here a tuple (docs/pytorch.md)
            return [leaf for field in batch for leaf in flat(field)]
        return [batch]

    assert list(ours) == list(theirs)
    for mine, reference in zip(flat(ours), flat(theirs), strict=True):
        assert str(mine.dtype) == str(reference.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(mine.data, reference.numpy())
