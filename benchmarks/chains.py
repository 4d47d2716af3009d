"""W2 and W3: chains of elementwise ops, forward then backward, where the per-op cost of an eager framework shows.

W2 cycles mul, add, tanh for 100 ops on four numbers, with its constants as tensors made once or as Python floats;
W3 multiplies one number by 1.0001 ten thousand or a hundred thousand times (a deep graph: the walk and the cycle
collector). Every candidate's call returns ∂(sum of the chain's output)/∂(its input), which ``check`` compares with
the float64 truth.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np

from .mlp import to_tensor

W2_LENGTH = 100
W2_FACTOR, W2_OFFSET = 1.01, 0.01
W2_INPUT = np.linspace(-1, 1, 4).astype(np.float32)
W3_FACTOR = 1.0001


# ----------------------------------------------------------------------------------------------- W2: per-op chain
def w2_float64(values: np.ndarray, length: int = W2_LENGTH) -> tuple[float, np.ndarray]:
    """The truth: the chain's sum and its gradient, the product of the local derivatives (c, 1, 1 − tanh²)."""
    y, grad = values.astype(np.float64), np.ones(values.shape)
    for i in range(length):
        kind = i % 3
        if kind == 0:
            y, grad = y * W2_FACTOR, grad * W2_FACTOR
        elif kind == 1:
            y = y + W2_OFFSET
        else:
            y = np.tanh(y)
            grad = grad * (1 - y**2)
    return float(y.sum()), grad


def w2_reference(constants: str, length: int = W2_LENGTH) -> Callable[[], np.ndarray]:
    """The efficient hand-written chain: keeps only the tanh outputs backward needs, each constant made once
    (0-d float32 arrays, numpy's fastest operand) or, as the frameworks' variant, a Python float."""
    factor, offset = (W2_FACTOR, W2_OFFSET) if constants == "floats" else (
        np.array(W2_FACTOR, np.float32), np.array(W2_OFFSET, np.float32))
    one, seed = np.array(1, np.float32), np.ones_like(W2_INPUT)  # seed: ∂(sum)/∂y

    def call() -> np.ndarray:
        y, tanh_outputs = W2_INPUT, []
        for i in range(length):
            kind = i % 3
            if kind == 0:
                y = y * factor
            elif kind == 1:
                y = y + offset
            else:
                y = np.tanh(y)
                tanh_outputs.append(y)
        y.sum()
        grad = seed
        for i in reversed(range(length)):
            kind = i % 3
            if kind == 0:
                grad = grad * factor
            elif kind == 2:
                t = tanh_outputs.pop()
                grad = grad * (one - t * t)
        return grad

    return call


def w2_preallocated(length: int = W2_LENGTH) -> Callable[[], np.ndarray]:
    """Every op writes into a buffer made once (``out=``), constants as 0-d arrays (the same for both variants)."""
    factor, offset, one = (np.array(value, np.float32) for value in (W2_FACTOR, W2_OFFSET, 1))
    y, grad, derivative = (np.empty_like(W2_INPUT) for _ in range(3))
    tanh_outputs = [np.empty_like(W2_INPUT) for i in range(length) if i % 3 == 2]

    def call() -> np.ndarray:
        current, outputs = W2_INPUT, iter(tanh_outputs)
        for i in range(length):
            kind = i % 3
            if kind == 0:
                current = np.multiply(current, factor, out=y)
            elif kind == 1:
                current = np.add(current, offset, out=y)
            else:
                current = np.tanh(current, out=next(outputs))  # kept for backward, so not written over
        current.sum()
        grad.fill(1)
        outputs = reversed(tanh_outputs)
        for i in reversed(range(length)):
            kind = i % 3
            if kind == 0:
                np.multiply(grad, factor, out=grad)
            elif kind == 2:
                t = next(outputs)
                np.multiply(t, t, out=derivative)
                np.subtract(one, derivative, out=derivative)
                np.multiply(grad, derivative, out=grad)
        return grad

    return call


def w2_framework(lib_name: str, constants: str, length: int = W2_LENGTH) -> Callable[[], object]:
    """The chain as a user writes it, on one leaf whose gradient is reset before each call."""
    lib = importlib.import_module(lib_name)
    factor, offset = (W2_FACTOR, W2_OFFSET) if constants == "floats" else (
        to_tensor(lib, np.array(W2_FACTOR, np.float32)), to_tensor(lib, np.array(W2_OFFSET, np.float32)))
    x = to_tensor(lib, W2_INPUT).requires_grad_()

    def call():
        x.grad = None
        y = x
        for i in range(length):
            kind = i % 3
            y = y * factor if kind == 0 else y + offset if kind == 1 else y.tanh()
        y.sum().backward()
        return x.grad

    return call


W2_CANDIDATES: dict[str, Callable[[str], Callable[[], object]]] = {
    "numpy": w2_reference,
    "numpy-out": lambda constants: w2_preallocated(),
    "tinygrad_edu": lambda constants: w2_framework("tinygrad_edu", constants),
    "torch": lambda constants: w2_framework("torch", constants),
    "floor": lambda constants: w2_framework("benchmarks.floor", constants),
}


def check_w2(constants: str, candidate: str) -> None:
    """The candidate's gradient against the float64 chain's (float32 over 100 ops: well inside 1e-5)."""
    got = np.asarray(W2_CANDIDATES[candidate](constants)())
    np.testing.assert_allclose(got, w2_float64(W2_INPUT)[1], rtol=1e-5,
                               err_msg=f"W2 {constants}: {candidate}'s gradient differs from the float64 chain's")


# ----------------------------------------------------------------------------------------------- W3: deep chain
# A one-element array throughout (a 0-d one would turn into a numpy scalar after the first op).
def w3_reference(length: int) -> Callable[[], np.ndarray]:
    """The efficient hand-written chain: y·c, ``length`` times, then the gradient c·c·…·1 (nothing to keep)."""
    factor, start = np.array(W3_FACTOR, np.float32), np.ones(1, np.float32)

    def call() -> np.ndarray:
        y = start
        for _ in range(length):
            y = y * factor
        y.sum()
        grad = start
        for _ in range(length):
            grad = grad * factor
        return grad

    return call


def w3_framework(lib_name: str, length: int) -> Callable[[], object]:
    """``y = y * 1.0001`` as a user writes it (a Python float), then backward from the sum."""
    lib = importlib.import_module(lib_name)
    x = to_tensor(lib, np.ones(1, np.float32)).requires_grad_()

    def call():
        x.grad = None
        y = x
        for _ in range(length):
            y = y * W3_FACTOR
        y.sum().backward()
        return x.grad

    return call


# No preallocated variant: numpy multiplies a one-element array in place (out= the input) 2-3× slower than into a
# fresh array, which comes from its cache of small blocks, so here the reference is already the floor.
W3_CANDIDATES: dict[str, Callable[[int], Callable[[], object]]] = {
    "numpy": w3_reference,
    "tinygrad_edu": lambda length: w3_framework("tinygrad_edu", length),
    "torch": lambda length: w3_framework("torch", length),
    "floor": lambda length: w3_framework("benchmarks.floor", length),
}


def check_w3(length: int, candidate: str) -> None:
    """The candidate's gradient against c^length, c being 1.0001 as float32 stores it (every candidate multiplies by
    that), within float32's worst-case rounding of ``length`` products, length · eps/2."""
    got = np.asarray(W3_CANDIDATES[candidate](length)())
    factor = float(np.float32(W3_FACTOR))
    rounding = length * float(np.finfo(np.float32).eps) / 2
    np.testing.assert_allclose(got, [factor**length], rtol=rounding,
                               err_msg=f"W3 {length}: {candidate}'s gradient differs from 1.0001^{length}")
