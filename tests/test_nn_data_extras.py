"""Samplers, Subset, ConcatDataset, random_split and the DataLoader's sampler=, batch_sampler=, collate_fn= and
generator=: PyTorch's semantics, errors that name what is wrong."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    random_split,
)

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def labels(loader):
    return [batch[1].data.tolist() for batch in loader]


def test_samplers_choose_the_order_and_batch_sampler_groups_it():
    dataset = TensorDataset(X, Y)
    assert list(SequentialSampler(dataset)) == list(range(10))
    shuffled = list(RandomSampler(dataset, generator=np.random.default_rng(0)))
    assert sorted(shuffled) == list(range(10)) and shuffled != list(range(10))
    drawn = list(RandomSampler(dataset, replacement=True, num_samples=25, generator=np.random.default_rng(0)))
    assert len(drawn) == 25 and set(drawn) <= set(range(10))
    assert sorted(RandomSampler(dataset, num_samples=13, generator=np.random.default_rng(1))) == sorted(
        [*range(10), *list(RandomSampler(dataset, num_samples=13, generator=np.random.default_rng(1)))[10:]])
    assert sorted(SubsetRandomSampler([2, 5, 7])) == [2, 5, 7]
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(BatchSampler(range(7), 3, drop_last=True)) == 2


def test_loader_with_a_sampler_batch_sampler_and_collate_fn():
    dataset = TensorDataset(X, Y)
    assert labels(DataLoader(dataset, batch_size=4, sampler=[9, 8, 7, 6, 5])) == [[9, 8, 7, 6], [5]]
    assert labels(DataLoader(dataset, batch_sampler=[[0, 2], [4]])) == [[0, 2], [4]]
    loader = DataLoader(dataset, batch_size=3, collate_fn=lambda samples: [int(s[1].item()) for s in samples])
    assert list(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    dicts = DataLoader([{"x": np.ones(2) * i, "y": i} for i in range(4)], batch_size=2)
    first = next(iter(dicts))
    assert first["x"].shape == (2, 2) and first["y"].data.tolist() == [0, 1]


def test_generator_makes_shuffling_reproducible():
    def order(seed):
        return labels(DataLoader(TensorDataset(X, Y), batch_size=5, shuffle=True,
                                 generator=np.random.default_rng(seed)))

    assert order(3) == order(3) and order(3) != order(4)


def test_subset_concat_and_random_split():
    dataset = TensorDataset(X, Y)
    subset = Subset(dataset, [7, 3, 5])
    assert len(subset) == 3 and subset[1][1].item() == 3
    assert labels(DataLoader(subset, batch_size=2)) == [[7, 3], [5]]  # a Subset of a TensorDataset: batch indexing
    both = ConcatDataset([subset, dataset])
    assert len(both) == 13 and both[3][1].item() == 0 and both[-1][1].item() == 9 and both.cumulative_sizes == [3, 13]
    assert len(subset + dataset) == 13
    with pytest.raises(IndexError, match="out of range"):
        both[13]
    parts = random_split(dataset, [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    fractions = random_split(range(11), [0.5, 0.3, 0.2], generator=np.random.default_rng(0))
    assert [len(p) for p in fractions] == [6, 3, 2]  # floors 5, 3, 2; the remainder of 1 goes to the first
    tg.manual_seed(2)
    first = random_split(dataset, [5, 5])[0].indices
    tg.manual_seed(2)
    assert random_split(dataset, [5, 5])[0].indices == first


def test_loader_errors():
    dataset = TensorDataset(X, Y)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(dataset, shuffle=True, sampler=[0, 1])
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(dataset, batch_size=3, batch_sampler=[[0]])
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        DataLoader(dataset, shuffle=True, generator=3)
    with pytest.raises(NotImplementedError, match="num_workers must be 0"):
        DataLoader(dataset, num_workers=2)
    with pytest.raises(ValueError, match="does not equal the length of the input dataset"):
        random_split(dataset, [3, 3])


def test_a_tg_generator_draws_the_same_orders_as_its_numpy_stream():
    """generator= takes PyTorch's kind of generator (tg.Generator) as well as numpy's: the same seed, the same order."""
    dataset = TensorDataset(tg.arange(10))
    ours = [b[0].data.tolist() for b in DataLoader(dataset, batch_size=4, shuffle=True,
                                                  generator=tg.Generator().manual_seed(3))]
    numpys = [b[0].data.tolist() for b in DataLoader(dataset, batch_size=4, shuffle=True,
                                                    generator=np.random.default_rng(3))]
    assert ours == numpys and sorted(i for batch in ours for i in batch) == list(range(10))
    split = random_split(dataset, [6, 4], generator=tg.Generator().manual_seed(5))
    assert split[0].indices == random_split(dataset, [6, 4], generator=np.random.default_rng(5))[0].indices
    with pytest.raises(TypeError, match=r"tg\.Generator or a numpy\.random\.Generator"):
        DataLoader(dataset, shuffle=True, generator=3)
