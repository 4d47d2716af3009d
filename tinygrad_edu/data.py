"""Datasets and mini-batches: ``TensorDataset`` pairs tensors row by row, ``DataLoader`` batches (and shuffles) them.

``batch_size=None`` gives the whole dataset as one batch: the seed's full-batch average (1/D)·Σ_d.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._tensor import Tensor, generator

__all__ = ["DataLoader", "Dataset", "TensorDataset"]


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
    """Stack a list of samples field by field into tensors (numbers become float32 / int64)."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    arrays = [s.data if isinstance(s, Tensor) else s for s in samples]
    batch = np.stack([np.asarray(a) for a in arrays])
    if batch.dtype == np.float64 and not isinstance(arrays[0], np.ndarray):
        batch = batch.astype(np.float32)  # Python floats, as everywhere, become float32
    return Tensor.wrap(batch)


class DataLoader:
    """Iterate over ``dataset`` in batches; ``shuffle`` draws a new order each epoch (from ``seed`` if given)."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int or None (the whole dataset), got {batch_size!r}")
        self.dataset, self.shuffle, self.drop_last = dataset, shuffle, drop_last
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
            if isinstance(self.dataset, TensorDataset):
                yield self.dataset[indices]
            else:
                yield default_collate([self.dataset[int(i)] for i in indices])
