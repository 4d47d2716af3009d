"""``torch.autograd.function``'s names: ``Function`` (whose instance is its own ``ctx``, so ``FunctionCtx`` names
the same class) and ``once_differentiable``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import grad_mode
from .._tensor import Tensor
from ..engine import Function

FunctionCtx = Function

_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Function):
    """z = a (a gradient a once_differentiable backward computed); its own derivative refuses: PyTorch's
    DelayedError, so a second derivative through such a backward is an error, never a silent zero."""

    @staticmethod
    def forward(ctx: Any, result: Tensor, *connected: Tensor) -> Any:
        return result.data

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise RuntimeError(_TWICE)


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a custom Function's backward as not differentiable itself (PyTorch's decorator): it runs without
    recording, and under ``create_graph`` the gradients it returns refuse a second backward through them."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        recording = grad_mode.state.grad_enabled  # on only in a create_graph walk
        with grad_mode.no_grad():
            results = backward(ctx, *grads)
        connected = [g for g in grads if isinstance(g, Tensor) and g.requires_grad]
        if not recording or not connected:
            return results
        single = not isinstance(results, tuple)
        marked = tuple(_DelayedError.apply(r, *connected) if isinstance(r, Tensor) else r
                       for r in ((results,) if single else results))
        return marked[0] if single else marked

    return wrapper
