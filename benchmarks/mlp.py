"""W1: one training step of a Linear/Tanh MLP autoencoder (forward, MSE, backward, SGD), in every candidate.

Each candidate is built from the same float32 parameters and batch and returns a ``Step``: the timed call and a way
to read the parameters back, which ``check`` compares with the float64 step after two updates.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from . import floor

LR = 0.01
SIZES = {  # name: (batch, layer sizes)
    "tiny": (1, (64, 32, 64)),
    "small": (32, (64, 128, 64)),
    "medium": (256, (784, 256, 256, 784)),
    "large": (1024, (1024, 1024, 1024, 1024)),
}
CHECKED_STEPS = 2  # the second step's forward reads what the first step's update wrote

Params = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Step:
    """One candidate's training step: ``call()`` runs a step and returns its loss; ``parameters()`` reads W, b, ..."""

    call: Callable[[], object]
    parameters: Callable[[], list[np.ndarray]]


def init_params(sizes: tuple[int, ...], seed: int = 0) -> Params:
    """(W, b) per layer, W of shape (out, in) as in ``nn.Linear``, float32."""
    rng = np.random.default_rng(seed)
    return [((rng.standard_normal((m, n)) / np.sqrt(n)).astype(np.float32),
             (rng.standard_normal(m) * 0.1).astype(np.float32)) for n, m in itertools.pairwise(sizes)]


def inputs(name: str) -> tuple[Params, np.ndarray]:
    """The initial parameters and the batch x (also the target: an autoencoder) of the named size."""
    batch, sizes = SIZES[name]
    return init_params(sizes), np.random.default_rng(1).standard_normal((batch, sizes[0])).astype(np.float32)


def float64_step(params: Params, x: np.ndarray, lr: float = LR) -> float:
    """The truth: the seed's equations in float64, written for clarity, not speed. Updates ``params``; returns C."""
    activations = [x]
    for index, (W, b) in enumerate(params):
        z = activations[-1] @ W.T + b
        activations.append(z if index == len(params) - 1 else np.tanh(z))
    loss = float(np.mean((activations[-1] - x) ** 2))
    delta = 2 * (activations[-1] - x) / x.size  # ∂C/∂z^L for C = mean of the squared errors
    for index in reversed(range(len(params))):
        W, b = params[index]
        grad_W, grad_b = delta.T @ activations[index], delta.sum(axis=0)
        if index:
            delta = (delta @ W) * (1 - activations[index] ** 2)  # ∂C/∂z^{l-1} = (δ^l W^l) ⊙ tanh'(z^{l-1})
        W -= lr * grad_W
        b -= lr * grad_b
    return loss


def constants(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.float32]:
    """lr, 2/N, 1 as 0-d float32 arrays (numpy's fastest operand for an array), and 1/N as a float32 scalar (the
    fastest for the numpy scalar that ``np.vdot`` returns); N counts the output's elements."""
    lr, scale, one = (np.array(value, np.float32) for value in (LR, 2 / x.size, 1))
    return lr, scale, one, np.float32(1 / x.size)


def sgd(params: Params, grads: Iterable[tuple[np.ndarray, np.ndarray]], lr: np.ndarray) -> None:
    """W ← W − lr·∂C/∂W and b ← b − lr·∂C/∂b, scaling each gradient in place (nothing reads it again)."""
    for pair, grad_pair in zip(params, grads):
        for parameter, grad in zip(pair, grad_pair):
            grad *= lr
            parameter -= grad


def flat(params: Params) -> list[np.ndarray]:
    """W¹, b¹, W², b², ...: the order of ``model.parameters()``."""
    return [array for pair in params for array in pair]


def reference_step(params: Params, x: np.ndarray) -> Step:
    """The efficient hand-written step: a fresh array per result as an eager framework makes, updated in place where
    nothing reads it again, constants made once, C as one dot product (d·d / N)."""
    params = [(W.copy(), b.copy()) for W, b in params]
    lr, scale, one, inverse_size = constants(x)

    def call() -> np.float32:
        activations = [x]
        for W, b in params[:-1]:
            z = activations[-1] @ W.T
            z += b
            activations.append(np.tanh(z, out=z))
        W, b = params[-1]
        delta = activations[-1] @ W.T
        delta += b
        delta -= x
        loss = np.vdot(delta, delta) * inverse_size
        delta *= scale
        grads = []
        for index in reversed(range(len(params))):
            grads.append((delta.T @ activations[index], delta.sum(axis=0)))
            if index:
                a = activations[index]
                derivative = a * a
                np.subtract(one, derivative, out=derivative)
                delta = delta @ params[index][0]
                delta *= derivative
        sgd(params, reversed(grads), lr)
        return loss

    return Step(call, lambda: flat(params))


def preallocated_step(params: Params, x: np.ndarray) -> Step:
    """The same arithmetic as ``reference_step`` into buffers made once (``out=``), so a step allocates nothing:
    where allocation costs (page faults for large arrays) this is the floor no eager framework reaches."""
    params = [(W.copy(), b.copy()) for W, b in params]
    lr, scale, one, inverse_size = constants(x)
    batch = x.shape[0]
    activations = [x] + [np.empty((batch, W.shape[0]), np.float32) for W, _ in params]
    deltas = [np.empty_like(a) for a in activations]  # deltas[l] is ∂C/∂z^l; deltas[0] is unused
    derivatives = [np.empty_like(a) for a in activations[:-1]]
    grads = [(np.empty_like(W), np.empty_like(b)) for W, b in params]
    last = len(params)

    def call() -> np.float32:
        for index, (W, b) in enumerate(params, start=1):
            z = np.matmul(activations[index - 1], W.T, out=activations[index])
            z += b
            if index < last:
                np.tanh(z, out=z)
        delta = np.subtract(activations[last], x, out=deltas[last])
        loss = np.vdot(delta, delta) * inverse_size
        delta *= scale
        for index in range(last, 0, -1):
            grad_W, grad_b = grads[index - 1]
            np.matmul(deltas[index].T, activations[index - 1], out=grad_W)
            deltas[index].sum(axis=0, out=grad_b)
            if index > 1:
                a, derivative = activations[index - 1], derivatives[index - 1]
                np.multiply(a, a, out=derivative)
                np.subtract(one, derivative, out=derivative)
                np.matmul(deltas[index], params[index - 1][0], out=deltas[index - 1])
                deltas[index - 1] *= derivative
        sgd(params, grads, lr)
        return loss

    return Step(call, lambda: flat(params))


def to_tensor(lib, array: np.ndarray):
    """A tensor of ``lib`` (tinygrad_edu, torch or the floor, which share PyTorch's API for what the workloads
    use) holding a copy of ``array``."""
    return lib.from_numpy(array.copy()) if lib.__name__ == "torch" else lib.Tensor(array.copy())


def framework_step(lib_name: str, params: Params, x: np.ndarray, compiled: bool = False) -> Step:
    """The step as a user of ``lib_name`` writes it: nn.Sequential of Linear and Tanh, nn.MSELoss, optim.SGD;
    ``compiled``: the same step through ``tinygrad_edu.compile`` (captured at the first call, replayed after)."""
    lib = importlib.import_module(lib_name)
    layers = []
    for index, (W, _) in enumerate(params):
        layers.append(lib.nn.Linear(W.shape[1], W.shape[0]))
        if index < len(params) - 1:
            layers.append(lib.nn.Tanh())
    model = lib.nn.Sequential(*layers)
    state = {f"{2 * index}.{name}": to_tensor(lib, array)
             for index, pair in enumerate(params) for name, array in zip(("weight", "bias"), pair)}
    model.load_state_dict(state)
    optimizer = lib.optim.SGD(model.parameters(), lr=LR)
    loss_fn = lib.nn.MSELoss()
    batch = to_tensor(lib, x)

    def step(inputs):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), inputs)
        loss.backward()
        optimizer.step()
        return loss

    run = lib.compile(step) if compiled else step
    return Step(lambda: run(batch), lambda: [np.array(p.detach().numpy()) for p in model.parameters()])


def floor_step(params: Params, x: np.ndarray) -> Step:
    """The step in ``floor``'s minimal autograd: the same layers, MSE and SGD update, written out (it has no
    modules or optimizers)."""
    layers = [(floor.Tensor(W.copy(), True), floor.Tensor(b.copy(), True)) for W, b in params]
    batch, last = floor.Tensor(x), len(layers) - 1

    def call() -> np.ndarray:
        for W, b in layers:
            W.grad = b.grad = None
        a = batch
        for index, (W, b) in enumerate(layers):
            a = floor.matmul_t(a, W) + b
            a = a.tanh() if index < last else a
        error = a - batch
        loss = (error * error).mean()
        loss.backward()
        for pair in layers:
            for parameter in pair:
                parameter.data -= LR * parameter.grad
        return loss.data

    return Step(call, lambda: [parameter.data.copy() for pair in layers for parameter in pair])


CANDIDATES: dict[str, Callable[[Params, np.ndarray], Step]] = {
    "numpy": reference_step,
    "numpy-out": preallocated_step,
    "tinygrad_edu": lambda params, x: framework_step("tinygrad_edu", params, x),
    "tinygrad_edu-compiled": lambda params, x: framework_step("tinygrad_edu", params, x, compiled=True),
    "torch": lambda params, x: framework_step("torch", params, x),
    "floor": floor_step,
}


def check(name: str, candidate: str) -> None:
    """Two steps of the candidate against two float64 steps: the losses, and every parameter's update.

    An update is lr·gradient, tiny beside the parameter, so it is compared as (after − before); float32 rounds
    the stored parameter by at most eps·|W| per step, which the tolerance allows on top of 0.1 % of the update.
    """
    params, x = inputs(name)
    truth = [(W.astype(np.float64), b.astype(np.float64)) for W, b in params]
    expected_losses = [float64_step(truth, x.astype(np.float64)) for _ in range(CHECKED_STEPS)]
    step = CANDIDATES[candidate](params, x)
    losses = [step.call().item() for _ in range(CHECKED_STEPS)]
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-4,  # float32 dot of 1M terms: ~3e-6
                               err_msg=f"W1 {name}: {candidate}'s losses differ from the float64 step's")
    eps = float(np.finfo(np.float32).eps)
    before = flat(params)
    for index, (start, got, want) in enumerate(zip(before, step.parameters(), flat(truth))):
        update, expected = got - start, want - start
        tolerance = 1e-3 * np.abs(expected).max() + CHECKED_STEPS * 2 * eps * np.abs(start)
        wrong = np.abs(update - expected) > tolerance
        if wrong.any():
            raise AssertionError(f"W1 {name}: {candidate}'s update of parameter {index} differs from the float64 "
                                 f"step's at {np.count_nonzero(wrong)} of {wrong.size} elements "
                                 f"(largest difference {np.abs(update - expected).max():.3g}, "
                                 f"largest update {np.abs(expected).max():.3g})")
