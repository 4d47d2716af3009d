"""Datasets and mini-batches with PyTorch's names: ``TensorDataset`` pairs tensors row by row, ``Subset``,
``ConcatDataset`` and ``random_split`` cut and join datasets, samplers choose the order, ``DataLoader`` batches.

``batch_size=None`` gives the whole dataset as one batch: the seed's full-batch average (1/D)·Σ_d. (PyTorch's
``batch_size=None`` yields unbatched samples instead.) Randomness comes from a numpy ``Generator`` passed as
``generator=``, else from the one ``tg.manual_seed`` controls.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ._tensor import Generator, Tensor, as_tensor, stack, tensor
from ._tensor import generator as default_generator

__all__ = [
    "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler", "Sampler",
    "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate",
    "random_split",
]


def _generator(generator: Any) -> np.random.Generator:
    """The numpy Generator to draw from: the one given (a ``tg.Generator``, as PyTorch's, or a numpy Generator),
    else the one ``tg.manual_seed`` controls."""
    if generator is None:
        return default_generator()
    if isinstance(generator, Generator):
        return generator.numpy
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a tg.Generator or a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(generator).__name__}")
    return generator


# ----------------------------------------------------------------------------------------------- datasets
class Dataset:
    """Anything with ``__len__`` and ``__getitem__(i)`` returning a sample (a tuple of fields, or one field)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: ``__iter__`` yields them, there is no indexing; a DataLoader batches them in the order
    they come (no sampler, no shuffle)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class TensorDataset(Dataset):
    """Row i of every tensor is sample i; indexing with an array of rows gives a whole batch at once."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        lengths = [len(t) if t.ndim else None for t in self.tensors]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset needs tensors with the same first dimension, got shapes "
                             f"{[t.shape for t in self.tensors]}")

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor.wrap(np.asarray(t.data[index])) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[np.asarray(self.indices)[np.asarray(index)]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The datasets one after another; ``cumulative_sizes`` are where each ends."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of {len(self)} samples")
        return self.datasets[which][index - (self.cumulative_sizes[which - 1] if which else 0)]


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions summing to 1, each
    floored, the remainder dealt one by one from the first, as PyTorch)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(length, (int, np.integer)) or length < 0 for length in lengths) or sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset "
                         f"({n}), or a length is not a non-negative integer")
    order = _generator(generator).permutation(n).tolist()
    return [Subset(dataset, order[end - length : end]) for end, length in zip(itertools.accumulate(lengths), lengths)]


# ----------------------------------------------------------------------------------------------- samplers
class Sampler:
    """An iterable of dataset indices (or, for a batch sampler, of lists of them)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) − 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random permutation each epoch (or ``num_samples`` draws with replacement)."""

    def __init__(self, data_source: Any, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None) -> None:
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        rng, n = _generator(self.generator), len(self.data_source)
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        draws = [rng.permutation(n) for _ in range(-(-self.num_samples // max(n, 1)))] if n else []
        return iter(np.concatenate(draws)[: self.num_samples].tolist() if draws else [])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order each epoch."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        return (self.indices[i] for i in _generator(self.generator).permutation(len(self.indices)).tolist())

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[int]]:
        return _batches(iter(self.sampler), self.batch_size, self.drop_last)

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def _batches(items: Iterator[Any], size: int, drop_last: bool) -> Iterator[list[Any]]:
    """Consecutive lists of ``size`` items (the last one shorter unless ``drop_last``)."""
    while batch := list(itertools.islice(items, size)):
        if len(batch) < size and drop_last:
            return
        yield batch


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices, index i drawn with probability weights[i] / Σ weights (with replacement by default;
    without, each index at most once)."""

    def __init__(self, weights: Sequence[float] | Any, num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        values = np.asarray(weights.data if hasattr(weights, "data") else weights, dtype=np.float64)
        if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(values < 0) or not values.sum() > 0:
            raise ValueError(f"weights must be a 1-D sequence of non-negative finite numbers, not all 0, got "
                             f"{weights!r:.80}")
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples!r}")
        if not replacement and num_samples > np.count_nonzero(values):
            raise ValueError(f"without replacement, num_samples ({num_samples}) can't exceed the "
                             f"{np.count_nonzero(values)} indices of nonzero weight")
        self.weights, self.num_samples, self.replacement, self.generator = values, int(num_samples), replacement, \
            generator

    def __iter__(self) -> Iterator[int]:
        rng = _generator(self.generator)
        drawn = rng.choice(len(self.weights), self.num_samples, self.replacement, self.weights / self.weights.sum())
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


# ----------------------------------------------------------------------------------------------- loading
def default_collate(samples: list[Any]) -> Any:
    """Batch samples as PyTorch's ``default_collate``: tensors, arrays and numbers stack into one tensor (Python floats
    as float64, ints as int64, bools as bool, as PyTorch; arrays keep their dtype); tuples, lists and dicts are batched
    field by field, keeping their structure. Anything else (strings, None, objects) is refused, naming where it is."""
    return _collate(samples, "")


def _collate(samples: list[Any], path: str) -> Any:
    """Batch one field (``path``: where it sits in a sample, for the error messages)."""
    first = samples[0]
    if isinstance(first, (Mapping, tuple, list)):
        kind = Mapping if isinstance(first, Mapping) else (tuple, list)
        for i, sample in enumerate(samples):
            if not isinstance(sample, kind):
                raise TypeError(f"default_collate: {_where(i, path)} is {_describe(sample)}, in sample 0 of type "
                                f"{type(first).__name__}")
            if _layout(sample) != _layout(first):
                raise ValueError(f"default_collate: {_where(i, path)} has {_fields(sample)}, in sample 0 "
                                 f"{_fields(first)}")
        if kind is Mapping:
            return {key: _collate([s[key] for s in samples], f"{path}[{key!r}]") for key in first}
        fields = [_collate([s[i] for s in samples], f"{path}[{i}]") for i in range(len(first))]
        return type(first)(*fields) if hasattr(first, "_fields") else type(first)(fields)  # a named tuple by name
    for i, sample in enumerate(samples):
        if not _is_numeric(sample):
            raise TypeError(f"default_collate: {_where(i, path)} is {_describe(sample)}; a batch holds numbers, arrays "
                            "and tensors (in tuples, lists or dicts) — pass collate_fn= to batch anything else")
        if np.shape(sample) != np.shape(first):
            raise ValueError(f"default_collate: {_where(i, path)} has shape {np.shape(sample)}, in sample 0 "
                             f"{np.shape(first)}")
    if isinstance(first, float):
        return tensor(samples, dtype=np.float64)  # PyTorch's default_collate makes Python floats float64
    if isinstance(first, int):
        return tensor(samples)
    return stack([as_tensor(s) for s in samples])


def _is_numeric(value: Any) -> bool:
    if isinstance(value, (bool, int, float)):
        return True
    return isinstance(value, (Tensor, np.ndarray, np.generic)) and value.dtype.kind in "biuf"


def _layout(sample: Any) -> frozenset | int:
    """What samples must share to be batched field by field: a dict's keys, a sequence's length."""
    return frozenset(sample) if isinstance(sample, Mapping) else len(sample)


def _fields(sample: Any) -> str:
    return f"the keys {list(sample)}" if isinstance(sample, Mapping) else f"length {len(sample)}"


def _where(index: int, path: str) -> str:
    return f"sample {index}" + (f" at {path}" if path else "")


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    dtype = getattr(value, "dtype", None)
    return f"of type {type(value).__name__}" + (f" with dtype {dtype}" if dtype is not None else "")


def _rows_at_once(dataset: Any) -> bool:
    """Whether ``dataset[array of indices]`` gives a whole batch: a TensorDataset, or a Subset of one (not a subclass,
    whose ``__getitem__`` may expect one index)."""
    while type(dataset) is Subset:
        dataset = dataset.dataset
    return type(dataset) is TensorDataset


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (``None``: all of it at once) drawn in the order of
    ``sampler`` (default: sequential, or a new permutation per epoch with ``shuffle``, from ``generator`` or a
    generator seeded by ``seed``), or as the lists a ``batch_sampler`` yields; ``collate_fn`` joins samples."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable[int] | None = None, batch_sampler: Iterable[list[int]] | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None, multiprocessing_context: Any = None,
                 generator: Any = None, *, seed: int | None = None) -> None:
        if num_workers != 0 or worker_init_fn is not None or multiprocessing_context is not None or timeout:
            raise NotImplementedError("DataLoader loads in the main process: num_workers must be 0 (and timeout, "
                                      "worker_init_fn, multiprocessing_context unset)")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int or None (the whole dataset), got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                             "drop_last")
        if seed is not None and generator is not None:
            raise ValueError("pass generator= or seed=, not both")
        if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader with an IterableDataset: shuffle, sampler and batch_sampler must be left "
                             "unset (the samples come in the order the dataset yields them)")
        self.dataset, self.shuffle, self.drop_last, self.collate_fn = dataset, bool(shuffle), drop_last, collate_fn
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        _generator(self.generator)  # refuse a generator of the wrong kind now, not at the first epoch
        if isinstance(dataset, IterableDataset):
            self.sampler, self.batch_sampler, self.batch_size = None, None, batch_size
            return
        if sampler is None:
            sampler = RandomSampler(dataset, generator=self.generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None:
            size = max(len(dataset), 1) if batch_size is None else int(batch_size)
            batch_sampler = BatchSampler(sampler, size, drop_last)
            self.batch_size: int | None = size
        else:
            self.batch_size = None
        self.batch_sampler = batch_sampler

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):  # the stream's own length, if it has one
            n, size = len(self.dataset), self.batch_size or max(len(self.dataset), 1)
            return n // size if self.drop_last else math.ceil(n / size)
        return len(self.batch_sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        collate = self.collate_fn or default_collate
        if isinstance(self.dataset, IterableDataset):
            samples = iter(self.dataset)
            batches = _batches(samples, self.batch_size, self.drop_last) if self.batch_size else [list(samples)]
            yield from (collate(batch) for batch in batches if batch)  # batch_size=None: the whole stream at once
            return
        rows_at_once = self.collate_fn is None and _rows_at_once(self.dataset)
        for indices in self.batch_sampler:
            if rows_at_once:
                yield self.dataset[np.asarray(indices, dtype=np.int64)]
            else:
                yield collate([self.dataset[int(i)] for i in indices])
