"""Training utilities with PyTorch's names (``torch.nn.utils``): gradient clipping and flat parameter vectors."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import engine
from ..._tensor import Tensor, cat
from . import rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector", "rnn",
           "vector_to_parameters"]


def _tensors(parameters: Any) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def get_total_norm(tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """The ``norm_type`` norm of all ``tensors`` together, as if concatenated into one vector (inf: the largest
    absolute value); computed in float64 and returned as a 0-d tensor of the first tensor's dtype."""
    arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in _tensors(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(np.array(0.0, dtype=np.float32))
    if norm_type == math.inf:
        total = max((float(np.abs(a).max()) if a.size else 0.0) for a in arrays)
    elif norm_type == 0:
        total = float(sum(np.count_nonzero(a) for a in arrays))
    else:
        total = sum(float((np.abs(a.astype(np.float64)) ** norm_type).sum()) for a in arrays) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return Tensor(np.array(total, dtype=arrays[0].dtype))


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale every gradient in place by min(1, max_norm / (total_norm + 10⁻⁶)) so their joint norm is at most
    ``max_norm``; returns the total norm before clipping (PyTorch's ``clip_grad_norm_``)."""
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    coefficient = min(float(max_norm) / (float(total.data) + 1e-6), 1.0)  # PyTorch's clamp of the coefficient
    if coefficient < 1.0 or not math.isfinite(coefficient):
        for grad in grads:
            grad.data *= grad.data.dtype.type(coefficient)
            engine.bump_version(grad)
    return total


def clip_grad_value_(parameters: Any, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient in place to [−clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _tensors(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
            engine.bump_version(p.grad)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector, in order (differentiable, as PyTorch's)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive pieces of ``vec`` into the parameters (in place, each reshaped to its parameter)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vec must be 1-D, got shape {vec.shape}")
    params = list(parameters)
    needed = sum(p.size for p in params)
    if vec.size != needed:
        raise ValueError(f"vec has {vec.size} elements, the parameters {needed}")
    offset = 0
    for p in params:
        p.data[...] = vec.data[offset : offset + p.size].reshape(p.shape)
        engine.bump_version(p)
        offset += p.size
