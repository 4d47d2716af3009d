"""What each workload must reach, and the verdict on one run: met, missed, or not judged (a candidate is missing)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """``candidate``'s median paired ratio (gc on) is at most ``limit`` times the numpy reference's time, or, with
    ``versus``, at most the other candidate's time (the median of their paired per-round ratio at most 1)."""

    candidate: str
    limit: float | None = None
    versus: str | None = None

    def __post_init__(self) -> None:
        if (self.limit is None) == (self.versus is None):
            raise ValueError("a Target takes either a limit or a candidate to compare with (versus), not both")

    def describe(self, labels: dict[str, str]) -> str:
        bound = f"{self.limit:.2f}×" if self.versus is None else f"{labels[self.versus]}'s ratio"
        return f"{labels[self.candidate]} ≤ {bound}"


@dataclass(frozen=True)
class MemoryTarget:
    """``candidate``'s resident memory grows by less than ``limit_mib`` over many steps after a warm-up."""

    candidate: str
    limit_mib: float

    def describe(self, labels: dict[str, str]) -> str:
        return f"{labels[self.candidate]} growth < {self.limit_mib:g} MiB"


@dataclass(frozen=True)
class Verdict:
    """``met`` is None when the target can't be judged in this run; ``note`` says why, or by how much."""

    met: bool | None
    note: str = ""

    @property
    def text(self) -> str:
        word = {True: "yes", False: "NO", None: "not judged"}[self.met]
        return f"{word} ({self.note})" if self.note else word
