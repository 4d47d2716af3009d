"""The workloads by name: how to build and check each candidate, and the targets they are judged by.

A candidate is a name and a builder that returns the timed call; adding one (say a compiled tinygrad_edu step) is
an entry in a workload family's candidate table (``mlp.CANDIDATES``, ``chains.W2_CANDIDATES``, ...) and a label here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import chains, mlp
from .targets import MemoryTarget, Target

REFERENCE = "numpy"
LABELS = {  # candidate: how the report names it
    "numpy": "numpy (reference)",
    "numpy-out": "numpy out= (preallocated)",
    "tinygrad_edu": "tinygrad_edu",
    "tinygrad_edu-compiled": "tinygrad_edu compiled (tg.compile)",
    "torch": "PyTorch",
    "floor": "floor (minimal autograd)",
}
ARRAYS_SEEN_BY_TRACEMALLOC = (  # numpy's allocations; not PyTorch's own
    "numpy", "numpy-out", "tinygrad_edu", "tinygrad_edu-compiled", "floor")


def installed(candidate: str) -> bool:
    """PyTorch is compared only when it is installed (never a dependency); every other candidate always is."""
    return candidate != "torch" or importlib.util.find_spec("torch") is not None


@dataclass(frozen=True)
class Workload:
    """A computation timed in several candidates, each checked against a float64 truth before it is timed."""

    key: str  # what --only takes
    title: str  # the report's row name
    description: str
    build: Callable[[str], Callable[[], object]]  # candidate -> a fresh timed call
    check: Callable[[str], None]  # candidate -> raises AssertionError if its answer is wrong
    candidates: tuple[str, ...]
    targets: tuple[Target | MemoryTarget, ...] = ()


def _mlp(name: str, limit: float, compiled_limit: float | None = None) -> Workload:
    batch, sizes = mlp.SIZES[name]
    return Workload(
        key=f"W1-{name}", title=f"W1 {name}",
        description=f"MLP training step, batch {batch}, {'-'.join(map(str, sizes))}: forward, MSE, backward, SGD",
        build=lambda candidate: mlp.CANDIDATES[candidate](*mlp.inputs(name)).call,
        check=lambda candidate: mlp.check(name, candidate),
        candidates=tuple(mlp.CANDIDATES), targets=(Target("tinygrad_edu", limit=limit),) + (
            (Target("tinygrad_edu-compiled", limit=compiled_limit),) if compiled_limit else ()))


def _chain(constants: str) -> Workload:
    return Workload(
        key=f"W2-{constants}", title=f"W2 {constants}",
        description=f"{chains.W2_LENGTH} ops (mul, add, tanh) on 4 numbers, forward + backward, constants as "
                    + ("tensors made once" if constants == "tensors" else "Python floats"),
        build=lambda candidate: chains.W2_CANDIDATES[candidate](constants),
        check=lambda candidate: chains.check_w2(constants, candidate),
        candidates=tuple(chains.W2_CANDIDATES), targets=(Target("tinygrad_edu", versus="torch"),))


def _deep(length: int, name: str) -> Workload:
    return Workload(
        key=f"W3-{name}", title=f"W3 {name}",
        description=f"y = y * 1.0001, {length:,} times on one number, forward + backward (a deep graph)",
        build=lambda candidate: chains.W3_CANDIDATES[candidate](length),
        check=lambda candidate: chains.check_w3(length, candidate),
        candidates=tuple(chains.W3_CANDIDATES), targets=(Target("tinygrad_edu", limit=10.0),))


def _calibration_call() -> Callable[[], np.ndarray]:
    """A fixed numpy workload (a 128×128 matmul, its tanh, and 50 small ops) whose time shows the machine's speed."""
    a = np.random.default_rng(0).standard_normal((128, 128)).astype(np.float32) / 16
    small = np.ones(4, np.float32)

    def call() -> np.ndarray:
        result = np.tanh(a @ a)
        for _ in range(50):
            result[0, :4] += small
        return result

    return call


def _check_calibration(candidate: str) -> None:
    a = np.random.default_rng(0).standard_normal((128, 128)) / 16
    expected = np.tanh(a @ a)
    expected[0, :4] += 50
    np.testing.assert_allclose(_calibration_call()(), expected, rtol=1e-4, atol=1e-5)


CALIBRATION = Workload(
    key="calibration", title="calibration probe",
    description="a fixed numpy workload, timed at the start and the end of a run: the machine's speed",
    build=lambda candidate: _calibration_call(), check=_check_calibration, candidates=(REFERENCE,))

TIMED = {w.key: w for w in (
    _mlp("tiny", 4.5, 1.5), _mlp("small", 2.5, 1.3), _mlp("medium", 1.10, 1.0), _mlp("large", 1.10),
    _chain("tensors"), _chain("floats"), _deep(10_000, "1e4"), _deep(100_000, "1e5"),
)}
MEMORY = Workload(
    key="W4", title="W4 memory",
    description="resident memory over many W1 medium steps after a warm-up (must stay flat), and the peak array "
                "memory of one step (tracemalloc)",
    build=TIMED["W1-medium"].build, check=TIMED["W1-medium"].check, candidates=tuple(mlp.CANDIDATES),
    targets=(MemoryTarget("tinygrad_edu", limit_mib=2.0),))
BY_KEY = {**TIMED, MEMORY.key: MEMORY, CALIBRATION.key: CALIBRATION}
SUITE = (*TIMED, MEMORY.key)  # the order of a run
GROUPS = {group: [key for key in SUITE if key.split("-")[0] == group] for group in ("W1", "W2", "W3", "W4")}


def select(names: list[str]) -> list[str]:
    """The workload keys that ``--only`` names (a group such as W1, or a key such as W1-tiny), in the suite's order."""
    chosen = {key for name in names for key in GROUPS.get(name, [name])}
    return [key for key in SUITE if key in chosen]
