"""Compositions of primitive ops: no backward of their own, their gradients come from the chain rule."""

from __future__ import annotations

from .tensor import Axis, Tensor, _normalize_axes


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / Σ exp(x) along ``axis``; shifting by the (detached) max keeps it finite for large logits."""
    shifted = x - x.max(axis=axis, keepdims=True).detach()
    e = shifted.exp()
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x − log Σ exp(x) along ``axis``, computed as (x − m) − log Σ exp(x − m) for stability."""
    shifted = x - x.max(axis=axis, keepdims=True).detach()
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Σ (x − mean)² / (N − correction) along ``axis``."""
    axes = _normalize_axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    centered = x - x.mean(axis=axes, keepdims=True)
    return (centered * centered).sum(axis=axes, keepdims=keepdims) * (1.0 / max(count - correction, 0))
