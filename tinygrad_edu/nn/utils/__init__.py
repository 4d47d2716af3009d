"""Training utilities with PyTorch's names (``torch.nn.utils``): gradient clipping, flat parameter vectors,
parametrizations (weight and spectral norm), batch-norm fusion, ``stateless.functional_call``, ``skip_init``."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import engine
from ..._tensor import Tensor, cat
from ..module import Module
from . import fusion, parametrizations, parametrize, rnn, stateless
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .hooked_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector", "rnn",
           "vector_to_parameters"]
__all__ += ["clip_grads_with_norm_", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights", "fusion", "parametrizations", "parametrize", "remove_spectral_norm",
            "remove_weight_norm", "skip_init", "spectral_norm", "stateless", "weight_norm"]


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
    parameters = _tensors(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grads_with_norm_(parameters: Any, max_norm: float, total_norm: Any, foreach: bool | None = None) -> None:
    """Scale every gradient in place by min(1, max_norm / (total_norm + 10⁻⁶)), with a ``total_norm`` computed
    before (``get_total_norm``): the second half of ``clip_grad_norm_``, as PyTorch splits it."""
    total = float(total_norm.data if isinstance(total_norm, Tensor) else total_norm)
    coefficient = min(float(max_norm) / (total + 1e-6), 1.0)  # PyTorch's clamp of the coefficient
    if coefficient < 1.0 or not math.isfinite(coefficient):
        for p in _tensors(parameters):
            if p.grad is not None:
                p.grad.data *= p.grad.data.dtype.type(coefficient)
                engine.bump_version(p.grad)


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


def skip_init(module_cls: type[Module], *args: Any, **kwargs: Any) -> Module:
    """``module_cls(*args, **kwargs)`` whose parameter values are unspecified, as PyTorch's ``skip_init`` (which
    builds on the meta device and allocates without initialising); here the constructor's own initialisation runs,
    numpy having no uninitialised device to skip to. The class must take ``device=``, as PyTorch requires."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls.__init__, follow_wrapped=False).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)
