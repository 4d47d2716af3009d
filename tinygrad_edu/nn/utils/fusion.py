"""PyTorch's ``torch.nn.utils.fusion``: a batch norm in eval mode folded into the convolution or linear layer
before it, y = γ(Wx + b − μ)/√(σ² + ε) + β = W'x + b' — one layer instead of two at inference."""

from __future__ import annotations

import copy

from ... import grad_mode
from ..._tensor import Tensor
from ..module import Module, Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _scale_and_shift(bias: Tensor | None, running_mean: Tensor, running_var: Tensor, eps: float,
                     weight: Tensor | None, shift: Tensor | None) -> tuple[Tensor, Tensor]:
    """(γ/√(σ² + ε), (b − μ)·γ/√(σ² + ε) + β) per channel; a missing b or β is 0, a missing γ is 1."""
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    fused_bias = ((running_mean * -1.0) if bias is None else (bias - running_mean)) * scale
    return scale, fused_bias if shift is None else fused_bias + shift


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w: Tensor | None, bn_b: Tensor | None, transpose: bool = False
                         ) -> tuple[Parameter, Parameter]:
    """W' = W·γ/√(σ² + ε) per output channel (axis 0, or 1 for a transposed convolution's weight) and
    b' = (b − μ)·γ/√(σ² + ε) + β, as new Parameters in the convolution's dtypes."""
    with grad_mode.no_grad():
        scale, bias = _scale_and_shift(conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)
        shape = [1, -1] if transpose else [-1, 1]
        fused_w = (conv_w * scale.reshape(*shape, *[1] * (conv_w.ndim - 2))).to(conv_w.dtype)
        fused_b = bias.to(conv_w.dtype if conv_b is None else conv_b.dtype)
    return (Parameter(fused_w, conv_w.requires_grad),
            Parameter(fused_b, True if conv_b is None else conv_b.requires_grad))


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                           bn_w: Tensor | None, bn_b: Tensor | None) -> tuple[Parameter, Parameter]:
    """W' = W·γ/√(σ² + ε) per output row and b' = (b − μ)·γ/√(σ² + ε) + β, as new Parameters."""
    with grad_mode.no_grad():
        scale, bias = _scale_and_shift(linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)
        fused_w = (linear_w * scale.unsqueeze(-1)).to(linear_w.dtype)
        fused_b = bias.to(linear_w.dtype if linear_b is None else linear_b.dtype)
    return (Parameter(fused_w, linear_w.requires_grad),
            Parameter(fused_b, True if linear_b is None else linear_b.requires_grad))


def _check_eval(layer: Module, bn: Module) -> None:
    if layer.training or bn.training:
        raise ValueError("Fusion only for eval! Call .eval() on both modules first")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("fusion needs a batch norm that tracks running statistics")


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` (eval mode) whose output is ``bn(conv(x))`` (``bn`` in eval mode): the fused weights."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` (eval mode) whose output is ``bn(linear(x))`` (``bn`` in eval mode, over its features)."""
    _check_eval(linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise ValueError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused
