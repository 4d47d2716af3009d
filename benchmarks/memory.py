"""W4, inside a worker: does resident memory stay flat over many steps, and how much array memory does one step hold?"""

from __future__ import annotations

import os
import resource
import tracemalloc
from collections.abc import Callable

STATM = "/proc/self/statm"  # Linux: the process's pages, the second field resident


def resident_mib() -> float | None:
    """The process's resident memory in MiB, or None where the system doesn't expose it (not Linux)."""
    if not os.path.exists(STATM):
        return None
    with open(STATM) as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_traced_mib(call: Callable[[], object]) -> float:
    """The most memory tracemalloc saw held at once during one call (numpy reports its arrays' buffers to it)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def memory_use(call: Callable[[], object], warmup: int, steps: int, trace_arrays: bool) -> dict[str, float | None]:
    """Resident memory after ``warmup`` calls and after ``steps`` more, and (if asked) one call's traced peak."""
    for _ in range(warmup):
        call()
    before = resident_mib()
    for _ in range(steps):
        call()
    after = resident_mib()
    return {"rss_before_mib": before, "rss_after_mib": after,
            "peak_mib": peak_traced_mib(call) if trace_arrays else None}
