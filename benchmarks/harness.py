"""Interleaved, paired timing: every candidate in its own worker process, short blocks in a random order per round.

On a shared machine whose speed changes by 2× within seconds, timing candidates one after the other compares
machine states, not code. Here each round runs one short block of every candidate (gc on and gc off) in a fresh
random order, so within a round they all see about the same machine, and the ratios to the reference are taken per
round. Only one worker runs at a time; the others wait on their pipe, so no candidate's threads slow another's.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .workloads import Workload

ROOT = Path(__file__).resolve().parent.parent  # the directory holding the benchmarks package
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")  # BLAS's and PyTorch's pools


@dataclass(frozen=True)
class Settings:
    """How long to measure: blocks of about ``block_seconds`` per candidate, rounds until ``seconds_per_workload``
    have passed (at least ``min_rounds``, at most ``max_rounds``), or exactly ``rounds``."""

    block_seconds: float = 0.025
    seconds_per_workload: float = 20.0
    min_rounds: int = 10
    max_rounds: int = 80
    rounds: int | None = None
    warmup_seconds: float = 0.3
    memory_warmup: int = 20
    memory_steps: int = 200
    threads: int = 1
    keep_freed_memory: bool = False
    seed: int = 0


QUICK = Settings(block_seconds=0.01, seconds_per_workload=4.0, min_rounds=5, max_rounds=30, warmup_seconds=0.1,
                 memory_warmup=5, memory_steps=50)


class WorkerError(RuntimeError):
    """A worker stopped: its candidate gave a wrong answer, or failed to build or run."""


class Worker:
    """One candidate of one workload in its own Python process, driven by one JSON line each way."""

    def __init__(self, workload: str, candidate: str, settings: Settings) -> None:
        self.name = f"{workload} / {candidate}"
        spec = {"workload": workload, "candidate": candidate, "keep_freed_memory": settings.keep_freed_memory}
        environment = {**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(settings.threads)),
                       "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self._errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", json.dumps(spec)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                                         text=True, env=environment)

    def send(self, **message: object) -> None:
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()

    def receive(self) -> dict:
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            self._errors.seek(0)
            raise WorkerError(f"{self.name}: the worker stopped (exit code {code}):\n{self._errors.read()}")
        return json.loads(line)

    def request(self, **message: object) -> dict:
        self.send(**message)
        return self.receive()

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait()
        self._process.stdout.close()
        self._errors.close()


@contextmanager
def ready_workers(workload: Workload, candidates: list[str], settings: Settings) -> Iterator[dict[str, Worker]]:
    """One worker per candidate, checked and built (side by side, each in its process), closed on the way out."""
    with ExitStack() as stack:
        started = {}
        for candidate in candidates:
            started[candidate] = Worker(workload.key, candidate, settings)
            stack.callback(started[candidate].close)
        for worker in started.values():
            worker.receive()  # {"ready": true}
        yield started


@dataclass
class Measurement:
    """Seconds per call of each candidate, one value per round, with gc on (``True``) and off (``False``)."""

    workload: str
    calls_per_block: dict[str, int]
    seconds: dict[str, dict[bool, list[float]]] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        return len(next(iter(self.seconds.values()))[True])


def measure(workload: Workload, candidates: list[str], settings: Settings,
            progress: Callable[[str], None] = lambda message: None) -> Measurement:
    """Time every candidate in interleaved blocks, a fresh random order of (candidate, gc on/off) each round, for
    ``settings.rounds`` rounds, or until the workload's time is spent (within the minimum and maximum rounds)."""
    started = time.perf_counter()
    progress(f"{workload.title}: checking and warming up " + ", ".join(candidates))
    with ready_workers(workload, candidates, settings) as running:
        # one at a time, so no warm-up shares the machine with a sibling's
        estimates = {c: worker.request(warm_up=settings.warmup_seconds)["seconds_per_call"]
                     for c, worker in running.items()}
        calls = {c: max(1, round(settings.block_seconds / estimate)) for c, estimate in estimates.items()}
        measurement = Measurement(workload.key, calls, {c: {True: [], False: []} for c in candidates})
        blocks = [(candidate, gc_enabled) for candidate in candidates for gc_enabled in (True, False)]
        shuffle = random.Random(settings.seed).shuffle
        deadline = time.perf_counter() + settings.seconds_per_workload
        while more_rounds(measurement.rounds, time.perf_counter() > deadline, settings):
            shuffle(blocks)
            for candidate, gc_enabled in blocks:
                reply = running[candidate].request(calls=calls[candidate], gc=gc_enabled)
                measurement.seconds[candidate][gc_enabled].append(reply["seconds_per_call"])
    progress(f"{workload.title}: {measurement.rounds} rounds in {time.perf_counter() - started:.0f} s, calls per "
             "block " + ", ".join(f"{candidate} {calls[candidate]}" for candidate in candidates))
    return measurement


def more_rounds(done: int, time_is_up: bool, settings: Settings) -> bool:
    """Exactly ``settings.rounds`` if given; otherwise at least the minimum, then until time is up or the maximum."""
    if settings.rounds is not None:
        return done < settings.rounds
    return done < settings.min_rounds or (done < settings.max_rounds and not time_is_up)


def measure_memory(workload: Workload, candidates: list[str], traced: tuple[str, ...],
                   settings: Settings) -> dict[str, dict[str, float | None]]:
    """Each candidate's resident memory before and after many steps, and one step's traced peak, side by side."""
    with ready_workers(workload, candidates, settings) as running:
        for candidate, worker in running.items():
            worker.send(memory={"warmup": settings.memory_warmup, "steps": settings.memory_steps,
                                "trace_arrays": candidate in traced})
        return {candidate: worker.receive() for candidate, worker in running.items()}
