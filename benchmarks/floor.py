"""The floor: the least an eager autograd written in Python can do, timed as a candidate beside the frameworks.

One tape and the handful of ops these workloads use, written as plainly as numpy allows: no checks, no modules,
no optimizer object, no hooks, no version counters, no dtype rules, nothing freed before backward ends. Each op
still does what every eager engine must — compute with numpy, make a tensor, record what its backward needs — and
backward walks the tape once, newest first. It is not a framework (it can run these workloads and nothing else);
its ratios show how much of a framework's time any engine in Python pays, and so how much is a framework's own.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_tape: list[tuple] = []  # (backward, output, a, b) per recorded op, in the order the ops ran


class Tensor:
    """An array, its gradient, and whether ops on it are recorded; the chain workloads use it as they use
    tinygrad_edu's and PyTorch's tensors."""

    __slots__ = ("data", "grad", "requires_grad")

    def __init__(self, data: np.ndarray, requires_grad: bool = False) -> None:
        self.data, self.grad, self.requires_grad = data, None, requires_grad

    def __add__(self, other: Tensor | float) -> Tensor:
        return _record(_add_backward, self.data + _value(other), self, other)

    def __sub__(self, other: Tensor) -> Tensor:
        return _record(_sub_backward, self.data - other.data, self, other)

    def __mul__(self, other: Tensor | float) -> Tensor:
        return _record(_mul_backward, self.data * _value(other), self, other)

    def tanh(self) -> Tensor:
        return _record(_tanh_backward, np.tanh(self.data), self)

    def sum(self) -> Tensor:
        return _record(_sum_backward, np.asarray(self.data.sum()), self)

    def mean(self) -> Tensor:
        return _record(_mean_backward, np.asarray(self.data.mean()), self)

    def requires_grad_(self) -> Tensor:
        self.requires_grad = True
        return self

    def backward(self) -> None:
        """Seed ∂self/∂self = 1 and apply every recorded op's backward, newest first; the tape is then spent."""
        self.grad = np.ones_like(self.data)
        for op, out, a, b in reversed(_tape):
            op(out.grad, out, a, b)
        _tape.clear()


def matmul_t(a: Tensor, w: Tensor) -> Tensor:
    """a @ wᵀ, as nn.Linear computes it."""
    return _record(_matmul_t_backward, a.data @ w.data.T, a, w)


def _value(operand: Tensor | float) -> np.ndarray | float:
    return operand.data if type(operand) is Tensor else operand


def _record(op: Callable, result: np.ndarray, a: Tensor, b: Tensor | float | None = None) -> Tensor:
    out = Tensor(result)
    if a.requires_grad or (type(b) is Tensor and b.requires_grad):
        out.requires_grad = True
        _tape.append((op, out, a, b))
    return out


def _send(tensor: Tensor | float | None, grad: np.ndarray) -> None:
    """Add ``grad`` to the input's gradient, summed over the axes broadcasting added (a bias row)."""
    if type(tensor) is Tensor and tensor.requires_grad:
        extra = grad.ndim - tensor.data.ndim
        grad = grad.sum(axis=tuple(range(extra))) if extra else grad
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad


def _add_backward(g, out, a, b):
    _send(a, g)
    _send(b, g)


def _sub_backward(g, out, a, b):
    _send(a, g)
    _send(b, -g)


def _mul_backward(g, out, a, b):
    _send(a, g * _value(b))
    _send(b, g * a.data)


def _tanh_backward(g, out, a, b):
    _send(a, g * (1 - out.data * out.data))


def _sum_backward(g, out, a, b):
    _send(a, np.broadcast_to(g, a.data.shape))


def _mean_backward(g, out, a, b):
    _send(a, np.broadcast_to(g / a.data.size, a.data.shape))


def _matmul_t_backward(g, out, a, w):
    _send(a, g @ w.data)
    _send(w, g.T @ a.data)
