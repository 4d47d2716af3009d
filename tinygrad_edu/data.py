"""Datasets and mini-batches: ``TensorDataset`` pairs tensors row by row, ``DataLoader`` batches (and shuffles) them.

``batch_size=None`` gives the whole dataset as one batch: the seed's full-batch average (1/D)·Σ_d.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ._tensor import Tensor, as_tensor, generator, stack, tensor

__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]


class Dataset:
    """Anything with ``__len__`` and ``__getitem__(i)`` returning a sample (a tuple of fields, or one field)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError


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


class DataLoader:
    """Iterate over ``dataset`` in batches; ``shuffle`` draws a new order each epoch (from ``seed`` if given);
    ``collate_fn`` turns a list of samples into a batch (``default_collate`` unless given)."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, collate_fn: Callable[[list[Any]], Any] | None = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int or None (the whole dataset), got {batch_size!r}")
        self.dataset, self.shuffle, self.drop_last, self.collate_fn = dataset, shuffle, drop_last, collate_fn
        self.batch_size = max(len(dataset), 1) if batch_size is None else int(batch_size)
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = (self._rng or generator()).permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start : start + self.batch_size]
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
                yield self.dataset[indices]  # a whole batch by one fancy index
            else:
                yield (self.collate_fn or default_collate)([self.dataset[int(i)] for i in indices])
