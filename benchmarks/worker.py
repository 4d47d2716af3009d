"""A benchmark worker: one candidate of one workload in its own process, checked, warmed up, then timed on request.

The parent (``harness.Worker``) starts ``python -m benchmarks.worker SPEC`` and they exchange one JSON line per
message: first the worker's ``{"ready": true}`` once its candidate is checked and built, then per request
``{"warm_up": seconds}`` → ``{"seconds_per_call": estimate}``, ``{"calls": n, "gc": true}`` →
``{"seconds_per_call": s}``, or ``{"memory": {...}}`` → ``memory.memory_use``'s dict.
A wrong answer, or any other error, ends the worker with its traceback on stderr, which the parent reports.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import TextIO

from .allocator import keep_freed_memory
from .memory import memory_use
from .workloads import BY_KEY


def warm_up(call: Callable[[], object], seconds: float, min_calls: int = 2) -> float:
    """Call until ``seconds`` have passed (at least ``min_calls`` times); the median seconds per call."""
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < min_calls or time.perf_counter() < deadline:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_block(call: Callable[[], object], calls: int, gc_enabled: bool) -> float:
    """Seconds per call over ``calls`` calls in a row, with Python's cycle collector on or off."""
    if not gc_enabled:
        gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            call()
        return (time.perf_counter() - start) / calls
    finally:
        gc.enable()


def serve(spec: dict, requests: TextIO, replies: TextIO) -> None:
    """Check the candidate and build it, then answer warm-up, timing and memory requests until stdin closes."""
    if spec["keep_freed_memory"] and not keep_freed_memory():
        raise RuntimeError("--keep-freed-memory needs glibc's malloc (Linux with glibc)")
    workload = BY_KEY[spec["workload"]]
    workload.check(spec["candidate"])
    call = workload.build(spec["candidate"])

    def reply(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    reply({"ready": True})
    for line in requests:
        request = json.loads(line)
        if "warm_up" in request:
            reply({"seconds_per_call": warm_up(call, request["warm_up"])})
        elif "calls" in request:
            reply({"seconds_per_call": time_block(call, request["calls"], request["gc"])})
        elif "memory" in request:
            reply(memory_use(call, **request["memory"]))
        else:
            raise ValueError(f"unknown request {request!r}")


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything a library prints goes to stderr, not into replies
    serve(json.loads(sys.argv[1]), sys.stdin, replies)


if __name__ == "__main__":
    main()
