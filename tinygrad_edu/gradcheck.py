"""Prove a gradient right: compare the analytic Jacobian (from ``backward``) with central finite differences.

``gradcheck`` builds, for every output and every input that requires grad, the full Jacobian twice: once by
reverse mode (one vector-Jacobian product per output element) and once numerically,
∂fₘ/∂xⱼ ≈ (f(x + ε·eⱼ) − f(x − ε·eⱼ))ₘ / 2ε, whose error is O(ε²) plus rounding of order u/ε (u = 1.1e-16 in
float64). ``gradgradcheck`` does the same for the function x ↦ vᵀ·∂f/∂x, checking second derivatives.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._tensor import Tensor
from .transforms import jacobian_of, vjp_grads

_FLOAT32_REASON = (
    "finite differences need float64: a central difference (f(x+ε) − f(x−ε)) / 2ε carries a rounding error of "
    "about u·|f|/ε, and with float32's unit roundoff u = 2⁻²⁴ ≈ 6.0e-8 and ε = 1e-6 that error is ~0.06·|f| — the "
    "numeric gradient would be mostly rounding noise. Convert with x.double() (and keep the computation in float64)"
)


class GradcheckError(RuntimeError):
    """The analytic gradient disagrees with the finite-difference one (the message says where and by how much)."""


def _as_args(inputs: Any) -> tuple:
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def _as_outputs(result: Any, name: str) -> tuple[Tensor, ...]:
    outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}: output {k} is a {type(out).__name__}; the function must return Tensors")
        if out.dtype.kind == "f" and out.dtype != np.float64:
            raise TypeError(f"{name}: output {k} has dtype {out.dtype}; {_FLOAT32_REASON}")
    return outputs


def finite_difference_jacobians(f: Callable[[list[np.ndarray]], Any], arrays: Sequence[np.ndarray],
                                eps: float = 1e-6) -> list[np.ndarray]:
    """The Jacobian of ``f`` with respect to each array, by central differences: column j of Jacobian i is
    (f(x + ε·eⱼ) − f(x − ε·eⱼ)) / 2ε, x the i-th array flattened and f's result flattened.

    ``f`` gets fresh float64 copies of the arrays at every evaluation, so nothing it returns (a view of an input,
    say) can change when the next element is perturbed. The one finite-difference routine of the package and its
    tests: error O(ε²) from Taylor's theorem, plus rounding of order u·|f|/ε (u = 2⁻⁵³ ≈ 1.1e-16).
    """
    originals = [np.array(a, dtype=np.float64) for a in arrays]

    def evaluate(i: int, j: int, step: float) -> np.ndarray:
        values = [a.copy() for a in originals]
        values[i].reshape(-1)[j] += step
        return np.array(f(values), dtype=np.float64).reshape(-1)

    size = np.array(f([a.copy() for a in originals]), dtype=np.float64).size
    return [np.stack([(evaluate(i, j, eps) - evaluate(i, j, -eps)) / (2 * eps) for j in range(a.size)], axis=1)
            if a.size else np.zeros((size, 0)) for i, a in enumerate(originals)]


def _fresh_leaves(args: tuple, name: str) -> tuple[list, list[int]]:
    """The arguments with each Tensor that requires grad replaced by a float64 leaf copy; their positions."""
    call_args, positions = list(args), []
    for i, arg in enumerate(args):
        if isinstance(arg, Tensor) and arg.requires_grad:
            if arg.dtype != np.float64:
                raise TypeError(f"{name}: input {i} has dtype {arg.dtype}; {_FLOAT32_REASON}")
            call_args[i] = Tensor(arg.data, requires_grad=True)
            positions.append(i)
    if not positions:
        raise ValueError(f"{name}: no input requires grad, so there is nothing to check (pass requires_grad=True)")
    return call_args, positions


def _numeric_jacobians(fn: Callable, call_args: list, positions: list[int], eps: float,
                       differentiable: list[int], name: str) -> list[list[np.ndarray]]:
    """[output k][input i] → (out_k.size, in_i.size) central differences of ``fn`` at its leaf inputs."""

    def outputs(values: list[np.ndarray]) -> np.ndarray:
        args = list(call_args)
        for position, value in zip(positions, values):
            args[position] = Tensor(value, requires_grad=True)
        results = _as_outputs(fn(*args), name)
        return np.concatenate([results[k].data.reshape(-1) for k in differentiable]) if differentiable else []

    sizes = np.cumsum([0] + [int(np.prod(_as_outputs(fn(*call_args), name)[k].shape)) for k in differentiable])
    jacobians = finite_difference_jacobians(outputs, [call_args[p].data for p in positions], eps)
    return [[j[start:stop] for j in jacobians] for start, stop in itertools.pairwise(sizes)]


def _mismatch(analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> tuple[int, int] | None:
    """The (output element, input element) that violates |a − n| ≤ atol + rtol·|n| the most, or None."""
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    excess[np.isnan(analytic) | np.isnan(numeric)] = np.inf
    if excess.size == 0 or excess.max() <= 0:
        return None
    m, j = np.unravel_index(int(np.argmax(excess)), excess.shape)
    return int(m), int(j)


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(n) for n in np.unravel_index(flat, shape)) if shape else ()


def _check(fn: Callable, inputs: Any, eps: float, atol: float, rtol: float, raise_exception: bool,
           name: str, labels: Callable[[int], str], output_labels: Callable[[int], str]) -> bool:
    call_args, positions = _fresh_leaves(_as_args(inputs), name)
    outputs = _as_outputs(fn(*call_args), name)
    differentiable = [k for k, out in enumerate(outputs) if out.dtype.kind == "f"]
    leaves = [call_args[p] for p in positions]
    analytic = [
        [j.data.reshape(outputs[k].size, leaf.size) for j, leaf in zip(jacobian_of(outputs[k], leaves, False), leaves)]
        for k in differentiable
    ]
    numeric = _numeric_jacobians(fn, call_args, positions, eps, differentiable, name)
    for k, index in enumerate(differentiable):
        for i, position in enumerate(positions):
            worst = _mismatch(analytic[k][i], numeric[k][i], atol, rtol)
            if worst is None:
                continue
            if not raise_exception:
                return False
            m, j = worst
            a, n = float(analytic[k][i][m, j]), float(numeric[k][i][m, j])
            count = int((np.abs(analytic[k][i] - numeric[k][i]) > atol + rtol * np.abs(numeric[k][i])).sum())
            raise GradcheckError(
                f"{name}: Jacobian mismatch for {output_labels(index)} with respect to {labels(position)} "
                f"(shape {leaves[i].shape}), {count} element(s) out of tolerance.\n"
                f"  worst element: {labels(position)} index {_index(j, leaves[i].shape)}, "
                f"{output_labels(index)} index {_index(m, outputs[index].shape)}\n"
                f"  analytic {a!r} vs numeric {n!r}: |difference| {abs(a - n):.3g} > atol + rtol·|numeric| = "
                f"{atol + rtol * abs(n):.3g}\n"
                "  If the numeric value is right, the backward is wrong for this input."
            )
    return _check_scaled_grad_output(outputs, differentiable, leaves, positions, numeric, atol, rtol, raise_exception,
                                     name, labels, output_labels)


def _check_scaled_grad_output(outputs: tuple[Tensor, ...], differentiable: list[int], leaves: list[Tensor],
                              positions: list[int], numeric: list[list[np.ndarray]], atol: float, rtol: float,
                              raise_exception: bool, name: str, labels: Callable[[int], str],
                              output_labels: Callable[[int], str]) -> bool:
    """The Jacobian's rows come from one-hot grad_outputs, which a backward that ignores its grad_output passes (a
    one-element output's only row is 1): one more product, with a random v, must be vᵀ·J (PyTorch's "backward not
    multiplied by grad_output")."""
    rng = np.random.default_rng(0)
    for k, index in enumerate(differentiable):
        v = rng.uniform(0.5, 1.5, outputs[index].shape) * rng.choice([-1.0, 1.0], outputs[index].shape)
        grads = vjp_grads([outputs[index]], [Tensor.wrap(v)], leaves)
        for i, (position, grad) in enumerate(zip(positions, grads)):
            expected = v.reshape(-1) @ numeric[k][i]
            tolerance = atol * max(1.0, float(np.abs(v).sum())) + rtol * np.abs(expected)
            wrong = ~(np.abs(grad.data.reshape(-1) - expected) <= tolerance)
            if not wrong.any():
                continue
            if not raise_exception:
                return False
            j = int(np.argmax(wrong))
            raise GradcheckError(
                f"{name}: backward is not multiplied by its grad_output: for a random grad_output v of "
                f"{output_labels(index)}, the gradient with respect to {labels(position)} is not vᵀ·J at index "
                f"{_index(j, leaves[i].shape)} ({float(grad.data.reshape(-1)[j])!r} vs {float(expected[j])!r}), "
                "though every one-hot grad_output gave J's row. Multiply the local derivative by the grad_output "
                "backward receives."
            )
    return True


def gradcheck(fn: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Check ``fn``'s gradients against central finite differences in float64, for every input requiring grad.

    Compares the full Jacobian of every floating-point output; raises ``GradcheckError`` naming the input, the
    worst element and both values (or returns False if ``raise_exception=False``). Float32 inputs are refused.
    """
    return _check(fn, inputs, eps, atol, rtol, raise_exception, "gradcheck", lambda i: f"input {i}",
                  lambda k: f"output {k}")


def gradgradcheck(fn: Callable, inputs: Any, grad_outputs: Sequence[Tensor] | Tensor | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives: ``gradcheck`` of (inputs, v) ↦ vᵀ·∂fn/∂inputs, whose backward is fn's double backward.

    ``grad_outputs`` (the v, one per floating-point output) default to fixed random float64 values.
    """
    args = _as_args(inputs)
    call_args, positions = _fresh_leaves(args, "gradgradcheck")
    outputs = [o for o in _as_outputs(fn(*call_args), "gradgradcheck") if o.dtype.kind == "f"]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor(rng.standard_normal(o.shape)) for o in outputs]
    grad_outputs = list(_as_args(grad_outputs))
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for {len(outputs)} floating-point output(s)")
    for k, (v, out) in enumerate(zip(grad_outputs, outputs)):
        if not isinstance(v, Tensor) or v.shape != out.shape or v.dtype != np.float64:
            raise TypeError(
                f"gradgradcheck: grad_outputs[{k}] must be a float64 Tensor of shape {out.shape} like output {k}, "
                f"got {type(v).__name__} {getattr(v, 'shape', '')} {getattr(v, 'dtype', '')}"
            )
    n = len(args)

    def first_derivative(*values: Any) -> tuple[Tensor, ...]:
        xs, vs = values[:n], values[n:]
        outs = [o for o in _as_outputs(fn(*xs), "gradgradcheck") if o.dtype.kind == "f"]
        return tuple(vjp_grads(outs, vs, [xs[p] for p in positions], create_graph=True))

    vs = [Tensor(v.data, requires_grad=True) for v in grad_outputs]
    return _check(first_derivative, (*args, *vs), eps, atol, rtol, raise_exception, "gradgradcheck",
                  lambda i: f"input {i}" if i < n else f"grad_outputs[{i - n}]",
                  lambda k: f"the first derivative for input {positions[k]}")
