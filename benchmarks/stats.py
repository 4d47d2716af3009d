"""Paired per-round ratios: each round times every candidate back to back, so a ratio within a round cancels
whatever speed the shared machine had in that round; the median and quartiles over rounds summarise them."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """The median of some values and their interquartile range (the middle half lies in ``[q1, q3]``)."""

    median: float
    q1: float
    q3: float


def spread(values: Sequence[float]) -> Spread:
    """Median and quartiles, interpolated between the sorted values (``statistics.quantiles``'s inclusive method)."""
    if not values:
        raise ValueError("spread() needs at least one value")
    if len(values) == 1:
        return Spread(values[0], values[0], values[0])
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(median, q1, q3)


def paired_ratios(candidate: Sequence[float], reference: Sequence[float]) -> list[float]:
    """``candidate[i] / reference[i]`` for every round ``i`` (both lists hold one time per round)."""
    if len(candidate) != len(reference):
        raise ValueError(f"paired ratios need one time per round for both, got {len(candidate)} and {len(reference)}")
    return [c / r for c, r in zip(candidate, reference)]
