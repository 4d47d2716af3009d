"""Benchmark tinygrad_edu against the same computation written by hand in numpy, measured in one run.

Every workload first checks its answer against a float64 reference, then times medians over many repetitions
after a warm-up, and prints ratios to the hand-written numpy step (and to PyTorch when it is importable).
Run: ``python -m benchmarks`` (``--quick`` for fewer repetitions, ``--only W1`` to pick workloads,
``--keep-freed-memory`` to stop glibc returning freed memory to the system, which costs every candidate page faults).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.memory import keep_freed_memory

try:
    from tinygrad_edu import nn, optim
except ImportError:
    nn = optim = None

try:  # PyTorch is never a dependency: compared only when it happens to be installed
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

LR = 0.01
MLP_SIZES = {  # name: (batch, sizes)
    "tiny": (1, [64, 32, 64]),
    "small": (32, [64, 128, 64]),
    "medium": (256, [784, 256, 256, 784]),
    "large": (1024, [1024, 1024, 1024, 1024]),
}


def median_seconds(steps: dict[str, Callable[[], object]], repeats: int, warmup: int,
                   faults: dict[str, float] | None = None) -> dict[str, float]:
    """Median wall time of each step over ``repeats`` calls after ``warmup`` calls, timed in interleaved blocks.

    The candidates take turns, ten blocks each (a block keeps its own caches warm), so a change in the shared
    machine's load during the run shifts every candidate alike instead of the one that happened to be running.
    ``faults``, if given, receives each candidate's minor page faults per call (memory fresh from the system).
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    fault_counts = dict.fromkeys(steps, 0)
    block = max(1, repeats // 10)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while len(times[next(iter(steps))]) < repeats:
            for name, step in steps.items():
                faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                for _ in range(block):
                    start = time.perf_counter()
                    step()
                    times[name].append(time.perf_counter() - start)
                fault_counts[name] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
    finally:
        if gc_was_enabled:
            gc.enable()
    if faults is not None:
        faults.update({name: fault_counts[name] / len(times[name]) for name in steps})
    return {name: statistics.median(values) for name, values in times.items()}


# ----------------------------------------------------------------------------------------------- W1: MLP step
def init_params(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer, W of shape (out, in), float32."""
    rng = np.random.default_rng(seed)
    layers = []
    for n, m in itertools.pairwise(sizes):
        W = (rng.standard_normal((m, n)) / np.sqrt(n)).astype(np.float32)
        layers.append((W, (rng.standard_normal(m) * 0.1).astype(np.float32)))
    return layers


def numpy_step(params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, lr: float = LR) -> float:
    """The seed's equations by hand, vectorised: forward, MSE (mean), backward, in-place SGD. Returns the loss."""
    activations = [x]
    for index, (W, b) in enumerate(params):
        z = activations[-1] @ W.T + b
        activations.append(z if index == len(params) - 1 else np.tanh(z))
    diff = activations[-1] - x
    loss = float((diff * diff).mean())
    delta = diff * np.float32(2.0 / diff.size)  # ∂C/∂x̂ for the mean over every element
    for index in range(len(params) - 1, -1, -1):
        W, b = params[index]
        a_prev = activations[index]
        grad_W, grad_b = delta.T @ a_prev, delta.sum(axis=0)
        if index:
            delta = (delta @ W) * (1 - a_prev * a_prev)  # ∂C/∂z^{l-1} = (∂C/∂z^l W^l) · g'(z^{l-1})
        W -= lr * grad_W
        b -= lr * grad_b
    return loss


def leaf_from_numpy(lib, values: np.ndarray, requires_grad: bool = False):
    """A tensor of ``lib`` (tinygrad_edu or torch: they share PyTorch's API) holding ``values``."""
    tensor = tg.Tensor(values) if lib is tg else torch.from_numpy(values.copy())
    return tensor.requires_grad_() if requires_grad else tensor


def make_step(lib, params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> Callable[[], float]:
    """One training step of ``lib``'s Linear/Tanh MLP with MSE and SGD, starting from ``params``."""
    layers = []
    for index, (W, b) in enumerate(params):
        linear = lib.nn.Linear(W.shape[1], W.shape[0])
        linear.weight.data[...] = leaf_from_numpy(lib, W)
        linear.bias.data[...] = leaf_from_numpy(lib, b)
        layers.append(linear)
        if index < len(params) - 1:
            layers.append(lib.nn.Tanh())
    model = lib.nn.Sequential(*layers)
    optimizer = lib.optim.SGD(model.parameters(), lr=LR)
    loss_fn = lib.nn.MSELoss()
    inputs = leaf_from_numpy(lib, x)

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), inputs)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def check_w1(params, x: np.ndarray) -> None:
    """Three steps of tinygrad_edu in float32 must track the float64 hand-written steps."""
    reference = [(W.astype(np.float64), b.astype(np.float64)) for W, b in params]
    expected = [numpy_step(reference, x.astype(np.float64)) for _ in range(3)]
    step = make_step(tg, [(W.copy(), b.copy()) for W, b in params], x)
    got = [step() for _ in range(3)]
    np.testing.assert_allclose(got, expected, rtol=2e-4, err_msg="W1: tinygrad_edu's steps disagree with numpy")


def workload_w1(name: str, repeats: int) -> dict:
    batch, sizes = MLP_SIZES[name]
    params = init_params(sizes)
    x = np.random.default_rng(1).standard_normal((batch, sizes[0])).astype(np.float32)
    check_w1(params, x)
    runs = max(5, repeats // (1 if batch < 100 else 10 if batch < 1000 else 50))
    numpy_params = [(W.copy(), b.copy()) for W, b in params]
    steps = {"numpy": lambda: numpy_step(numpy_params, x), "tinygrad_edu": make_step(tg, params, x)}
    faults: dict[str, float] = {}
    results = median_seconds(steps, runs, runs // 5 + 2, faults)
    if torch is not None:
        results.update(time_torch(make_step(torch, params, x), runs, runs // 5 + 2))
    return {**results, "faults": faults}


def time_torch(step: Callable[[], object], repeats: int, warmup: int) -> dict[str, float]:
    """PyTorch's median, timed after the interleaved pair: its idle worker threads keep spinning for a while after
    each call, which would slow down whichever candidate ran next."""
    return {"torch": median_seconds({"torch": step}, repeats, warmup)["torch"]}


# ----------------------------------------------------------------------------------------------- W2: per-op overhead
def w2_numpy(values: np.ndarray, length: int = 100) -> np.ndarray:
    """Forward through mul/add/tanh, keeping what backward needs, then the chain rule back by hand."""
    kept, y = [], values
    for i in range(length):
        kind = i % 3
        kept.append(y if kind == 0 else np.tanh(y) if kind == 2 else None)
        y = y * np.float32(1.01) if kind == 0 else y + np.float32(0.01) if kind == 1 else np.tanh(y)
    y.sum()
    grad = np.ones_like(y)
    for i in range(length - 1, -1, -1):
        kind = i % 3
        if kind == 0:
            grad = grad * np.float32(1.01)
        elif kind == 2:
            grad = grad * (1 - kept[i] * kept[i])
    return grad


def w2_autograd(lib, values: np.ndarray, length: int = 100) -> np.ndarray:
    x = leaf_from_numpy(lib, values, requires_grad=True)
    y = x
    for i in range(length):
        kind = i % 3
        y = y * 1.01 if kind == 0 else y + 0.01 if kind == 1 else y.tanh()
    y.sum().backward()
    return np.asarray(x.grad)


def workload_w2(repeats: int) -> dict:
    values = np.linspace(-1, 1, 4).astype(np.float32)
    np.testing.assert_allclose(w2_autograd(tg, values), w2_numpy(values.astype(np.float64)), rtol=1e-5)
    results = median_seconds({"numpy": lambda: w2_numpy(values), "tinygrad_edu": lambda: w2_autograd(tg, values)},
                             repeats, 20)
    if torch is not None:
        results.update(time_torch(lambda: w2_autograd(torch, values), repeats, 20))
    return {k: v / 100 for k, v in results.items()}  # per op


# ----------------------------------------------------------------------------------------------- W3: depth
# A one-element array throughout (not a 0-d one, which numpy turns into a numpy scalar after the first op).
def w3_numpy(length: int) -> float:
    y = np.ones(1, np.float32)
    kept = []
    for _ in range(length):
        kept.append(y)  # the forward's values, as a recorded graph keeps them
        y = y * 1.0001
    grad = np.ones(1, np.float32)
    for _ in range(length):
        grad = grad * 1.0001
    return float(grad[0])


def w3_autograd(lib, length: int) -> float:
    x = lib.ones(1, requires_grad=True)
    y = x
    for _ in range(length):
        y = y * 1.0001
    y.sum().backward()
    return x.grad.item()


def workload_w3(length: int, repeats: int) -> dict:
    rounding = length * float(np.finfo(np.float32).eps)  # float32 error bound of a product of `length` factors
    np.testing.assert_allclose(w3_autograd(tg, length), 1.0001**length, rtol=rounding)
    runs = max(3, repeats // (20 if length <= 10_000 else 200))
    results = median_seconds({"numpy": lambda: w3_numpy(length), "tinygrad_edu": lambda: w3_autograd(tg, length)},
                             runs, 1)
    if torch is not None:
        results.update(time_torch(lambda: w3_autograd(torch, length), runs, 1))
    return results


# ----------------------------------------------------------------------------------------------- W4: memory
MEMORY_PROBE = """
import json, resource, sys, tracemalloc
import numpy as np
from benchmarks.run import MLP_SIZES, init_params, make_step, numpy_step, tg

if sys.argv[1] == 'keep':
    from tinygrad_edu.memory import keep_freed_memory; keep_freed_memory()

def rss_mib():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

batch, sizes = MLP_SIZES['medium']
x = np.random.default_rng(1).standard_normal((batch, sizes[0])).astype(np.float32)
step = make_step(tg, init_params(sizes), x)
for _ in range(20):
    step()
before = rss_mib()
for _ in range(200):
    step()
after = rss_mib()

def peak_mib(one_step):  # the most memory numpy held at once during a step (tracemalloc traces its arrays)
    tracemalloc.start()
    one_step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20

params = init_params(sizes)
print(json.dumps({'before': before, 'after': after, 'peak_numpy': peak_mib(lambda: numpy_step(params, x)),
                  'peak_tinygrad_edu': peak_mib(step)}))
"""


def workload_w4(policy: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, policy], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# ----------------------------------------------------------------------------------------------- report
TARGETS = {"W1 tiny": 3.5, "W1 small": 2.5, "W1 medium": 1.10, "W1 large": 1.10, "W2 per op": 5.0,
           "W3 1e4": 10.0, "W3 1e5": 10.0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (noisier)")
    parser.add_argument("--only", nargs="*", default=["W1", "W2", "W3", "W4"], help="workloads to run")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="call tinygrad_edu.keep_freed_memory() first: glibc keeps freed memory, no page faults")
    args = parser.parse_args(argv)
    repeats = 200 if args.quick else 2000
    policy = "keep" if args.keep_freed_memory and keep_freed_memory() else "default"
    rows: list[tuple[str, dict]] = []
    if "W1" in args.only:
        rows += [(f"W1 {name}", workload_w1(name, repeats)) for name in MLP_SIZES]
    if "W2" in args.only:
        rows.append(("W2 per op", workload_w2(repeats)))
    if "W3" in args.only:
        rows += [("W3 1e4", workload_w3(10_000, repeats)), ("W3 1e5", workload_w3(100_000, repeats))]

    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
          f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch is not None else ""))
    print("allocator: " + ("glibc malloc keeps freed memory (--keep-freed-memory, for every candidate)"
                           if policy == "keep" else "as the system set it up (glibc returns freed memory to it)"))
    header = f"{'workload':<11} {'numpy':>11} {'tinygrad_edu':>13} {'ratio':>7} {'target':>7}  {'ok':<3}"
    header += f" {'torch ratio':>11}" if torch is not None else ""
    print(header + "  page faults/step numpy, tinygrad_edu")
    for name, times in rows:
        ratio = times["tinygrad_edu"] / times["numpy"]
        line = (f"{name:<11} {times['numpy'] * 1e6:>9.1f}µs {times['tinygrad_edu'] * 1e6:>11.1f}µs {ratio:>6.2f}× "
                f"{TARGETS[name]:>6.2f}×  {'yes' if ratio <= TARGETS[name] else 'NO':<3}")
        if "torch" in times:
            line += f" {times['torch'] / times['numpy']:>10.2f}×"
        if "faults" in times:
            line += f"  {times['faults']['numpy']:>6.0f}, {times['faults']['tinygrad_edu']:.0f}"
        print(line)
    if "W4" in args.only:
        memory = workload_w4(policy)
        growth = memory["after"] - memory["before"]
        print(f"W4 memory   RSS {memory['before']:.1f} MiB after warm-up, {memory['after']:.1f} MiB after 200 medium "
              f"steps: growth {growth:+.2f} MiB (target < 2 MiB)  {'yes' if growth < 2 else 'NO'}")
        print(f"            peak array memory within one medium step: numpy {memory['peak_numpy']:.1f} MiB, "
              f"tinygrad_edu {memory['peak_tinygrad_edu']:.1f} MiB")


if __name__ == "__main__":
    main()
