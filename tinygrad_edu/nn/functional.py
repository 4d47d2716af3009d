"""Layers and losses as functions, every one composed from primitive ops (no backward of their own).

Their gradients come from the chain rule through the primitives in ``ops``; the tests check them against
central finite differences and against PyTorch. Arguments, defaults and conventions are PyTorch's
(``torch.nn.functional``); axes are spelled ``axis`` where numpy's spelling differs.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import engine, grad_mode, ops
from .._tensor import (
    Tensor,
    broadcast_tensors,
    cat,
    cdist,
    generator,
    normalize_axis,
    result_type,
    stack,
    triu_indices,
    where,
    write_in_place,
)

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "alpha_dropout", "avg_pool1d", "avg_pool2d", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d", "conv_transpose2d", "cosine_embedding_loss",
    "cosine_similarity", "cross_entropy", "dropout", "dropout1d", "dropout2d", "elu", "embedding", "gaussian_nll_loss",
    "gelu", "glu", "group_norm", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "hinge_embedding_loss",
    "huber_loss", "instance_norm", "interpolate", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "log_softmax", "logsigmoid", "margin_ranking_loss", "max_pool1d", "max_pool2d", "mish", "mse_loss", "nll_loss",
    "normalize", "one_hot", "pad", "pad2d", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle",
    "poisson_nll_loss", "prelu", "relu", "relu6", "rms_norm", "scaled_dot_product_attention", "selu", "sigmoid",
    "silu", "smooth_l1_loss", "soft_margin_loss", "softmax", "softmin", "softplus", "softshrink", "softsign", "tanh",
    "tanhshrink", "threshold", "triplet_margin_loss", "unfold2d",
]
__all__ += ["adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool3d", "batch_norm", "bilinear", "conv3d", "fold",
            "max_pool3d", "sliding_windows", "unfold"]
__all__ += ["channel_shuffle", "gumbel_softmax", "local_response_norm", "lp_pool1d", "lp_pool2d", "multi_margin_loss",
            "multilabel_margin_loss", "multilabel_soft_margin_loss", "rrelu"]
__all__ += ["embedding_bag", "max_unpool2d"]

__all__ += ["adaptive_avg_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
            "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "celu_", "conv_transpose1d",
            "conv_transpose3d", "dropout3d", "elu_", "feature_alpha_dropout", "hardtanh_", "leaky_relu_", "lp_pool3d",
            "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices", "max_unpool1d",
            "max_unpool3d", "relu_", "rrelu_", "selu_", "threshold_"]

Pair = int | tuple[int, int]
Size = int | Sequence[int]


def as_pair(value: Pair, what: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(int(v) != v or v < 0 for v in pair):
        raise ValueError(f"{what} must be a non-negative int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def as_tuple(value: Size, n: int, what: str, low: int = 0) -> tuple[int, ...]:
    """``value`` (an int, or a sequence of ``n`` ints) as a tuple of ``n`` ints, each at least ``low``."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low
                               for v in values):
        raise ValueError(f"{what} must be an int >= {low} or a tuple of {n} of them, got {value!r}")
    return tuple(int(v) for v in values)


# ----------------------------------------------------------------------------------------------- activations
def one_axis(axis: int | None, dim: int | None, op: str) -> int | None:
    """The axis given as numpy's ``axis`` or PyTorch's ``dim`` (not both)."""
    if axis is not None and dim is not None:
        raise TypeError(f"{op}: pass dim= (PyTorch's spelling) or axis= (numpy's), not both")
    return dim if axis is None else axis


def _implicit_axis(x: Tensor, axis: int | None, op: str) -> int:
    """PyTorch's F.softmax without ``dim`` picks axis 0 for 0-, 1- and 3-d input and 1 otherwise (deprecated);
    where that differs from the last axis, say so instead of choosing silently."""
    if axis is not None:
        return axis
    if x.ndim <= 2:
        return -1
    raise TypeError(f"{op}: pass dim= for a {x.ndim}-d input (PyTorch's implicit choice would be "
                    f"{0 if x.ndim == 3 else 1}, tinygrad_edu's the last axis)")


def softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: Any = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (see ``Tensor.softmax``), of x cast to ``dtype`` first if given."""
    input = input if dtype is None else input.to(dtype)
    return input.softmax(_implicit_axis(input, one_axis(axis, dim, "softmax"), "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: Any = None) -> Tensor:
    """x − log Σ exp(x) along ``dim`` (see ``Tensor.log_softmax``), of x cast to ``dtype`` first if given."""
    input = input if dtype is None else input.to(dtype)
    return input.log_softmax(_implicit_axis(input, one_axis(axis, dim, "log_softmax"), "log_softmax"))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(a, 0); ``inplace=True``: ``x.relu_()``, the result written into x."""
    return input.relu_() if inplace else input.relu()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope·x otherwise.  NOTE: the slope at 0 is ``negative_slope``, as PyTorch."""
    if inplace:
        return leaky_relu_(input, negative_slope)
    return where(input.data > 0, input, input * negative_slope)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """z = (1/β)·ln(1 + e^(βa)), and a itself where βa > ``threshold`` (PyTorch's definition);  ∂z/∂a = σ(βa)
    (1 above the threshold)"""
    scaled = input * beta
    linear = scaled.data > threshold
    return where(linear, input, _log1p_exp(where(linear, 0.0, scaled)) / beta)


def _log1p_exp(x: Tensor, shift: Tensor | None = None) -> Tensor:
    """log(1 + eˣ) − shift·x, finite for any x and exact for large |x| (no cancellation).

    NOTE: written as two smooth branches (x + log1p(e⁻ˣ) for x > 0, log1p(eˣ) otherwise), each fed only values
    where it is finite, rather than with |x| and max(x, 0): their kinks at 0 would make the second derivative
    there 0 instead of σ'(0) = ¼.
    """
    positive = x.data > 0
    above, below = where(positive, x, 0.0), where(positive, 0.0, x)
    linear_above, linear_below = (above, None) if shift is None else (above * (1.0 - shift), below * shift)
    upper = linear_above + (-above).exp().log1p()  # the linear part first: x·(1 − y) is exactly 0 for y = 1
    lower = below.exp().log1p() if linear_below is None else below.exp().log1p() - linear_below
    return where(positive, upper, lower)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) = ½x(1 + erf(x/√2)); ``approximate='tanh'`` uses ½x(1 + tanh(√(2/π)(x + 0.044715x³))) as PyTorch."""
    if approximate == "tanh":
        return input * 0.5 * (((input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)).tanh() + 1.0)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return input * 0.5 * ((input * (1 / math.sqrt(2))).erf() + 1.0)


def _drops(p: float, training: bool, inplace: bool) -> bool:
    """Whether dropout with probability ``p`` changes anything (checking ``p`` and refusing in-place)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if inplace:
        raise NotImplementedError("inplace=True: in-place dropout is not supported; use the returned tensor")
    return training and p > 0


def _dropout_mask(x: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple[int, ...]) -> Tensor:
    """Inverted dropout with one Bernoulli draw per element of ``mask_shape`` (broadcast over ``x``): kept values
    scaled by 1/(1−p); identity when not training."""
    if not _drops(p, training, inplace):
        return x
    if p == 1:
        return x * 0.0
    keep = generator().random(mask_shape) >= p
    return x * Tensor.wrap((keep / (1 - p)).astype(x.dtype))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1−p); identity if not training."""
    return _dropout_mask(input, p, training, inplace, input.shape)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p (one draw per channel)."""
    if input.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-D or 3-D input (C, L) or (N, C, L), got shape {input.shape}")
    return _dropout_mask(input, p, training, inplace, (*input.shape[:-1], 1))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p. A 3-D input is taken as (N, C, L), as
    PyTorch does today (with its warning)."""
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D or 4-D input, got shape {input.shape}")
    if input.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input; as PyTorch, it is taken as (N, C, L) and whole channels are "
                      "dropped (use dropout1d for that)", UserWarning, stacklevel=2)
        return _dropout_mask(input, p, training, inplace, (*input.shape[:2], 1))
    return _dropout_mask(input, p, training, inplace, (*input.shape[:2], 1, 1))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _alpha_dropout_mask(x: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple[int, ...]) -> Tensor:
    """Alpha dropout with one Bernoulli draw per element of ``mask_shape`` (broadcast over ``x``)."""
    if not _drops(p, training, inplace):
        return x
    if p == 1:
        return x * 0.0
    alpha = -SELU_SCALE * SELU_ALPHA
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    keep = generator().random(mask_shape) >= p
    scale = Tensor.wrap((keep * a).astype(x.dtype))
    shift = Tensor.wrap((~keep * (a * alpha) - a * alpha * p).astype(x.dtype))
    return x * scale + shift


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped values become α' = −λα and an affine map a·x + b keeps mean 0 and
    variance 1 (Klambauer et al.), a = ((1 − p)(1 + p·α'²))^(−1/2), b = −a·α'·p. PyTorch's default training=False."""
    return _alpha_dropout_mask(input, p, training, inplace, input.shape)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels: one draw per (sample, channel) of (N, C, ...) input, as PyTorch's
    feature noise (shape (N, C, 1, ...)). PyTorch's default training=False."""
    if input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected an input of at least 2 dimensions (N, C, ...), got shape "
                         f"{input.shape}")
    return _alpha_dropout_mask(input, p, training, inplace, (*input.shape[:2], *(1,) * (input.ndim - 2)))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p (one draw per channel)."""
    if input.ndim not in (4, 5):
        raise ValueError(f"dropout3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got shape "
                         f"{input.shape}")
    return _dropout_mask(input, p, training, inplace, (*input.shape[:-3], 1, 1, 1))


# ----------------------------------------------------------------------------------------------- more activations
def _floating(x: Tensor, op: str, inplace: bool = False) -> Tensor:
    """x, checked: a floating-point tensor, and no ``inplace=True`` (PyTorch's signatures take the flag)."""
    refuse_in_place(inplace, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got dtype {x.dtype} (as PyTorch)")
    return x


def refuse_in_place(inplace: bool, op: str) -> None:
    """PyTorch's activations take ``inplace``; only False is supported here."""
    if inplace:
        raise NotImplementedError(f"{op}: inplace=True is not supported; drop it (the same values, in a new tensor)")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """z = a·σ(a) (swish);  ∂z/∂a = σ(a)·(1 + a·(1 − σ(a)))"""
    return _floating(input, "silu", inplace) * input.sigmoid()


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """z = a for a > 0, α(eᵃ − 1) otherwise;  ∂z/∂a = 1 for a > 0, α·eᵃ otherwise (α at 0, as PyTorch)"""
    if inplace:
        return elu_(input, alpha)
    negative = _floating(input, "elu").data <= 0  # NOTE: a NaN takes the linear branch, as PyTorch
    return where(negative, where(negative, input, 0.0).expm1() * alpha, input)  # NOTE: eᵃ only of a ≤ 0: no inf·0


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """z = λ·elu(a, α) with PyTorch's λ ≈ 1.0507, α ≈ 1.6733;  ∂z/∂a = λ for a > 0, λα·eᵃ otherwise"""
    return selu_(input) if inplace else elu(input, SELU_ALPHA) * SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """z = a for a > 0, α(e^(a/α) − 1) otherwise;  ∂z/∂a = 1 for a > 0, e^(a/α) otherwise"""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    if inplace:
        return celu_(input, alpha)
    negative = _floating(input, "celu").data <= 0
    return where(negative, (where(negative, input, 0.0) / alpha).expm1() * alpha, input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """z = a·tanh(softplus(a));  ∂z/∂a = tanh(sp(a)) + a·σ(a)·(1 − tanh²(sp(a)))"""
    return _floating(input, "mish", inplace) * softplus(input).tanh()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """z = min(max(a, lo), hi);  ∂z/∂a = 1 strictly inside (lo, hi) and at a NaN, 0 at and beyond the bounds (as
    PyTorch, unlike clamp)"""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be larger than max_val ({max_val})")
    if inplace:
        return hardtanh_(input, min_val, max_val)
    if input.dtype.kind != "f":  # PyTorch clamps integers too
        return Tensor.wrap(np.clip(input.data, min_val, max_val).astype(input.dtype))
    beyond = (input.data <= min_val) | (input.data >= max_val)
    return where(beyond, Tensor.wrap(np.clip(input.data, min_val, max_val)), input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """z = min(max(a, 0), 6);  ∂z/∂a = 1 strictly inside (0, 6), else 0 (as PyTorch)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """z = min(max(a + 3, 0), 6)/6;  ∂z/∂a = 1/6 strictly inside (−3, 3), else 0 (a NaN too, as PyTorch)"""
    inside = (_floating(input, "hardsigmoid", inplace).data > -3) & (input.data < 3)
    return where(inside, (input + 3.0) / 6.0, Tensor.wrap(np.clip(input.data + 3, 0, 6) / 6))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """z = a·min(max(a + 3, 0), 6)/6;  ∂z/∂a = 0 for a ≤ −3, a/3 + ½ inside (−3, 3), 1 for a ≥ 3 (and at a NaN)"""
    low = _floating(input, "hardswish", inplace).data <= -3
    middle = ~low & (input.data < 3)
    inside = where(middle, input, 0.0)  # NOTE: the quadratic sees only its own inputs: no 0·NaN from the other branches
    return where(middle, inside * (inside + 3.0) / 6.0, where(low, Tensor.wrap(input.data * 0), input))


def logsigmoid(input: Tensor) -> Tensor:
    """z = ln σ(a) = −ln(1 + e⁻ᵃ);  ∂z/∂a = 1 − σ(a) (exact for large |a|)"""
    return -_log1p_exp(-_floating(input, "logsigmoid"))


def softsign(input: Tensor) -> Tensor:
    """z = a/(1 + |a|);  ∂z/∂a = 1/(1 + |a|)²"""
    return input / (input.abs() + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """z = a − tanh a;  ∂z/∂a = tanh² a"""
    return input - input.tanh()


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """z = a·σ(b) for the halves a, b of x along ``dim``;  ∂z/∂a = σ(b), ∂z/∂b = a·σ(b)(1 − σ(b))"""
    size = input.shape[normalize_axis(dim, input.ndim, "glu")] if input.ndim else 0
    if size % 2:
        raise ValueError(f"glu: halving dimension {dim} must be even, got size {size}")
    first, second = input.chunk(2, dim) if size else (input, input)
    return first * second.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """z = a for a > 0, w·a otherwise, w per channel (axis 1);  ∂z/∂a = 1 for a > 0, w otherwise (w at 0, as
    PyTorch), ∂z/∂w = a for a ≤ 0"""
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.size not in (1, channels):
        raise ValueError(f"prelu: {weight.size} weights for {channels} channel(s) (input shape {input.shape})")
    w = weight.reshape(-1, *(1,) * (input.ndim - 2)) if input.ndim >= 2 and weight.size > 1 else weight.reshape(())
    return where(_floating(input, "prelu").data > 0, input, input * w)


def softmin(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """z = softmax(−a) along ``dim``;  ∂zᵢ/∂aⱼ = −zᵢ(δᵢⱼ − zⱼ)"""
    return (-input).softmax(_implicit_axis(input, one_axis(axis, dim, "softmin"), "softmin"))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """z = a where a > threshold, else ``value``;  ∂z/∂a = 1 above the threshold, else 0"""
    if inplace:
        return threshold_(input, threshold, value)
    return where(input.data <= threshold, value, input)  # NOTE: a NaN stays NaN (not ≤), as PyTorch


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """z = a where |a| > λ, else 0;  ∂z/∂a = 1 there, else 0"""
    return where(np.abs(input.data) <= lambd, 0.0, input)  # NOTE: a NaN stays NaN (not ≤), as PyTorch


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """z = a − λ·sign(a) where |a| > λ, else 0 (a shrunk toward 0 by λ);  ∂z/∂a = 1 there, else 0"""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    # NOTE: a NaN stays NaN (not ≤), with gradient 1, as PyTorch
    return where(np.abs(input.data) <= lambd, 0.0, where(input.data < -lambd, input + lambd, input - lambd))


def relu_(input: Tensor) -> Tensor:
    """``relu`` written into ``input`` (``input.relu_()``), which is returned."""
    return input.relu_()


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu`` written into ``input``, which is returned, with the in-place rules of ``x.relu_()`` (a leaf that
    requires grad is refused; in a graph the gradient flows through the values before)."""
    return write_in_place(input, "elu_", lambda before: elu(before, alpha))


def selu_(input: Tensor) -> Tensor:
    """``selu`` written into ``input``, which is returned (the rules of ``elu_``)."""
    return write_in_place(input, "selu_", selu)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``celu`` written into ``input``, which is returned (the rules of ``elu_``)."""
    return write_in_place(input, "celu_", lambda before: celu(before, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu`` written into ``input``, which is returned (the rules of ``elu_``).

    NOTE: PyTorch's backward refuses a negative slope here (it reads the sign from the result); this one reads the
    values before, so its gradient is the out-of-place one for any slope."""
    return write_in_place(input, "leaky_relu_", lambda before: leaky_relu(before, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``hardtanh`` written into ``input``, which is returned (the rules of ``elu_``; integers clamp too)."""
    return write_in_place(input, "hardtanh_", lambda before: hardtanh(before, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``threshold`` written into ``input``, which is returned (the rules of ``elu_``)."""
    # the out-of-place threshold(), written out: its name is hidden by the argument
    return write_in_place(input, "threshold_", lambda before: where(before.data <= threshold, value, before))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """``rrelu`` written into ``input``, which is returned (the rules of ``elu_``)."""
    return write_in_place(input, "rrelu_", lambda before: rrelu(before, lower, upper, training))


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(…, C·r², H, W) → (…, C, H·r, W·r): each group of r² channels becomes an r×r block of pixels"""
    r = int(upscale_factor)
    *batch, channels, height, width = _at_least_3d(input, "pixel_shuffle")
    if r <= 0 or channels % (r * r):
        raise ValueError(f"pixel_shuffle: {channels} channels do not divide into upscale_factor² = {r * r}")
    n = len(batch)
    x = input.reshape(*batch, channels // (r * r), r, r, height, width)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(…, C, H·r, W·r) → (…, C·r², H, W): the inverse of ``pixel_shuffle``"""
    r = int(downscale_factor)
    *batch, channels, height, width = _at_least_3d(input, "pixel_unshuffle")
    if r <= 0 or height % r or width % r:
        raise ValueError(f"pixel_unshuffle: height {height} and width {width} must be multiples of {r}")
    n = len(batch)
    x = input.reshape(*batch, channels, height // r, r, width // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, channels * r * r, height // r, width // r)


def _at_least_3d(input: Tensor, op: str) -> tuple[int, ...]:
    if input.ndim < 3:
        raise ValueError(f"{op}: expected (…, C, H, W), got shape {input.shape}")
    return input.shape


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(‖input‖ₚ, eps) along ``dim``: unit vectors (PyTorch's default: the rows of a batch)."""
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ x₁x₂ / (max(‖x₁‖, eps)·max(‖x₂‖, eps)) along ``dim``, the two broadcast together first (as PyTorch: a
    size-1 ``dim`` is repeated before its norm is taken)."""
    x1, x2 = broadcast_tensors(x1, x2)
    return (normalize(x1, 2.0, dim, eps) * normalize(x2, 2.0, dim, eps)).sum(dim=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x₁ − x₂ + eps‖ₚ along the last axis (eps keeps the gradient finite where the two are equal, as PyTorch)."""
    return (x1 - x2 + eps).norm(p, -1, keepdim)


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    """int64 indices (…) as one-hot rows (…, num_classes) of int64, num_classes = max + 1 by default (no gradient)"""
    labels = input.data if isinstance(input, Tensor) else np.asarray(input)
    if labels.dtype != np.int64:
        raise TypeError(f"one_hot: needs an int64 index tensor, got dtype {labels.dtype} (as PyTorch)")
    if labels.size and labels.min() < 0:
        raise ValueError("one_hot: class values must be non-negative")
    classes = (int(labels.max()) + 1 if labels.size else 0) if num_classes == -1 else int(num_classes)
    if labels.size and labels.max() >= classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes ({classes})")
    return Tensor.wrap((labels[..., None] == np.arange(classes)).astype(np.int64))


# ----------------------------------------------------------------------------------------------- padding
PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """z = a padded on its last ``len(pad) // 2`` axes, PyTorch's way: ``pad = (before, after)`` for the last axis,
    then the axis before it, and so on; a negative amount crops;  ∂C/∂a = the gradients of a's copies summed back

    ``mode``: 'constant' (``value``, 0 by default), 'reflect' (mirrored without repeating the edge), 'replicate'
    (the edge repeated) or 'circular' (wrapped around).

    As PyTorch: 'constant' and 'circular' crop first and pad what is left; 'reflect' and 'replicate' count their
    positions on the uncropped axis. Any number of axes may be padded in every mode. The gradient sums back into
    the elements each padded value was copied from.
    """
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {PAD_MODES}, got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"pad: mode {mode!r} takes no value (only 'constant' pads with a value)")
    amounts = list(pad)
    if any(not isinstance(p, (int, np.integer)) or isinstance(p, bool) for p in amounts):
        raise TypeError(f"pad: the amounts must be ints, got {pad!r}")
    if len(amounts) % 2 or len(amounts) > 2 * input.ndim:
        raise ValueError(f"pad: expected an even number of amounts, at most 2 per axis (tensor of {input.ndim} "
                         f"dimension(s)), got {len(amounts)}: {tuple(amounts)}")
    axes = range(input.ndim - len(amounts) // 2, input.ndim)
    pairs = [(int(amounts[2 * k]), int(amounts[2 * k + 1])) for k in reversed(range(len(amounts) // 2))]
    for axis, (before, after) in zip(axes, pairs):
        if input.shape[axis] + min(before, 0) + min(after, 0) < 0:
            raise ValueError(f"pad: cropping {-min(before, 0)} and {-min(after, 0)} from axis {axis} of size "
                             f"{input.shape[axis]} leaves less than nothing")
    if mode in ("reflect", "replicate"):
        sources = [_reflected_or_replicated(mode, input.shape[axis], before, after, axis) for axis, (before, after) in
                   zip(axes, pairs)]
        return input[(Ellipsis, *np.ix_(*sources))]
    crop = (Ellipsis, *(slice(max(-before, 0), input.shape[axis] - max(-after, 0)) for axis, (before, after) in
                        zip(axes, pairs)))
    x = input[crop] if any(min(pair) < 0 for pair in pairs) else input
    widths = [(max(before, 0), max(after, 0)) for before, after in pairs]
    if mode == "circular":
        for axis, (before, after) in zip(axes, widths):
            if max(before, after) > input.shape[axis] or (before + after and not x.shape[axis]):
                raise ValueError(f"pad: circular wraps around at most once, got ({before}, {after}) for axis {axis} "
                                 f"of size {input.shape[axis]} ({x.shape[axis]} after cropping)")
        sources = [np.arange(-before, x.shape[axis] + after) % max(x.shape[axis], 1) for axis, (before, after) in
                   zip(axes, widths)]
        return x[(Ellipsis, *np.ix_(*sources))]
    inside = (Ellipsis, *(slice(before, before + x.shape[axis]) for axis, (before, _) in zip(axes, widths)))
    shape = (*x.shape[: axes.start], *(x.shape[axis] + before + after for axis, (before, after) in zip(axes, widths)))
    out = ops.ScatterAdd.apply(x, inside, shape)  # x placed in zeros of the padded shape: always new memory
    if value is None or value == 0:
        return out
    mask = np.zeros(shape, dtype=bool)
    mask[inside] = True
    return where(mask, out, Tensor.wrap(np.asarray(value).astype(x.dtype)))


def _reflected_or_replicated(mode: str, size: int, before: int, after: int, axis: int) -> np.ndarray:
    """For each position of an axis padded by reflection or replication, the index of the element it copies
    (negative amounts crop)."""
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        if max(before, after) >= size:
            raise ValueError(f"pad: reflect needs amounts smaller than the axis, got ({before}, {after}) for axis "
                             f"{axis} of size {size}")
        reflected = np.abs(positions)
        return np.where(reflected >= size, 2 * (size - 1) - reflected, reflected)
    if size == 0 and len(positions):
        raise ValueError(f"pad: replicate needs an element to repeat, axis {axis} is empty")
    return np.clip(positions, 0, size - 1)


# ----------------------------------------------------------------------------------------------- linear, embedding
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ Wᵀ + b, W of shape (out, in): the seed's z = W·a + b for a batch of rows.

    An input of more than two axes (batch, time, features) goes through as one matrix of rows, so the weight's
    gradient is one matmul over all of them rather than a batch of small ones summed afterwards.
    """
    a, w = input.data, weight.data  # read once: this runs in every layer of every step
    if a.shape[-1] != w.shape[-1]:
        raise ValueError(f"linear: input has {a.shape[-1]} features (shape {a.shape}), weight expects "
                         f"{w.shape[-1]} (shape {w.shape})")
    if a.ndim < 2 or w.ndim < 2 or a.dtype != w.dtype:  # a vector x or W, or an integer x promoted to W's dtype
        y = input @ weight.T
    elif a.ndim == 2:
        y = ops.MatMulT.apply(input, weight)
    else:
        y = ops.MatMulT.apply(input.reshape(-1, input.shape[-1]), weight).reshape(*input.shape[:-1], weight.shape[0])
    return y if bias is None else y + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1ᵀ·W_o·x2 + b_o for weight W (out, in1, in2), over any leading axes shared by x1 (…, in1) and
    x2 (…, in2): one matmul of x1 with W's (in1, out·in2) view, then a product with x2 summed over in2."""
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be (out, in1, in2), got shape {weight.shape}")
    out_features, in1, in2 = weight.shape
    if input1.shape[-1:] != (in1,) or input2.shape[-1:] != (in2,) or input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: inputs (…, {in1}) and (…, {in2}) with the same leading axes expected for weight "
                         f"{weight.shape}, got shapes {input1.shape} and {input2.shape}")
    mixed = (input1 @ weight.transpose(1, 0, 2).reshape(in1, out_features * in2)).reshape(
        *input1.shape[:-1], out_features, in2)
    y = (mixed * input2.unsqueeze(-2)).sum(axis=-1)
    return y if bias is None else y + bias


def class_indices(values: Any, what: str) -> np.ndarray:
    """Integer indices (a Tensor, an array or a list) as an int ndarray; anything else is a TypeError."""
    indices = np.asarray(values.data if isinstance(values, Tensor) else values)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{what} needs integer indices, got dtype {indices.dtype}")
    return indices


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Row i of ``weight`` for each index i. NOTE: rows looked up at ``padding_idx`` get no gradient (PyTorch's
    rule), so that row keeps its value — zeros, as ``nn.Embedding`` initialises it."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    indices = class_indices(input, "embedding")
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError(f"embedding: indices must lie in [0, {rows}), got values in [{indices.min()}, "
                         f"{indices.max()}]")
    looked_up = weight[indices]
    if padding_idx is None:
        return looked_up
    padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
    padded = indices == padding_idx
    if not padded.any():
        return looked_up
    return where(padded[..., None], weight.detach()[padding_idx], looked_up)


# ----------------------------------------------------------------------------------------------- padding
def _pad_index(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """Indices into an axis of ``size`` that pad it by (before, after) with ``mode`` (PyTorch's limits)."""
    if mode == "reflect" and (before >= size or after >= size):
        raise ValueError(f"reflect padding ({before}, {after}) must be smaller than the axis it pads ({size})")
    if mode == "circular" and (before > size or after > size):
        raise ValueError(f"circular padding ({before}, {after}) may wrap around at most once ({size} elements)")
    if mode == "replicate" and size == 0:
        raise ValueError("replicate padding needs a non-empty axis")
    return np.pad(np.arange(size), (before, after), mode={"reflect": "reflect", "replicate": "edge",
                                                         "circular": "wrap"}[mode])


def _constant_block(like: Tensor, axis: int, amount: int, value: float) -> Tensor:
    """A constant tensor shaped like ``like`` but ``amount`` long along ``axis``."""
    return Tensor.wrap(np.full((*like.shape[:axis], amount, *like.shape[axis + 1 :]), value, dtype=like.dtype))


def pad_last_axes(x: Tensor, pads: Sequence[tuple[int, int]], mode: str = "constant", value: float = 0.0
                  ) -> Tensor:
    """Pad the last ``len(pads)`` axes of ``x`` by ``pads[i] = (before, after)``: ``constant`` (``value``;
    negative amounts crop), ``reflect``, ``replicate`` or ``circular`` (an index per padded position).

    What convolution padding modes and pooling need; ``F.pad`` is the general form.
    """
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"padding mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    first = x.ndim - len(pads)
    for axis, (before, after) in enumerate(pads, start=first):
        if before == after == 0:
            continue
        leading = (slice(None),) * axis
        if mode != "constant":
            x = x[(*leading, _pad_index(x.shape[axis], before, after, mode))]
            continue
        if before < 0 or after < 0:
            x = x[(*leading, slice(max(-before, 0), x.shape[axis] - max(-after, 0)))]
            before, after = max(before, 0), max(after, 0)
        parts = ([_constant_block(x, axis, before, value)] if before else []) + [x] + (
            [_constant_block(x, axis, after, value)] if after else [])
        x = cat(parts, axis=axis) if len(parts) > 1 else x
    return x


def pad2d(x: Tensor, padding: Pair, value: float = 0.0) -> Tensor:
    """Pad the last two axes of ``x`` by (ph, pw) on each side with ``value`` (a concatenation of constants)."""
    ph, pw = as_pair(padding, "padding")
    return pad_last_axes(x, [(ph, ph), (pw, pw)], value=value)


# ----------------------------------------------------------------------------------------------- convolution
def sliding_windows(x: Tensor, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> Tensor:
    """Sliding windows over the last ``len(kernel)`` axes of ``x`` as (…, *O, K), K = the kernel's size: one strided
    slice per kernel offset (row-major over the offsets).

    Each slice is a basic-indexing view, so its backward is a plain slice assignment; the kernel offsets'
    gradients are summed by the engine. Convolution and pooling are reductions over the last axis.
    """
    sizes = x.shape[x.ndim - len(kernel) :]
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(span > size for span, size in zip(spans, sizes)):
        raise ValueError(f"kernel {tuple(kernel)} (dilation {tuple(dilation)}) is larger than the (padded) input "
                         f"{tuple(sizes)}")
    outs = [(size - span) // s + 1 for size, span, s in zip(sizes, spans, stride)]
    leading = (slice(None),) * (x.ndim - len(kernel))
    windows = [x[(*leading, *(slice(i * d, i * d + s * (o - 1) + 1, s)
                              for i, d, s, o in zip(offset, dilation, stride, outs)))]
               for offset in itertools.product(*(range(k) for k in kernel))]
    return stack(windows, axis=-1)


def unfold2d(x: Tensor, kernel_size: Pair, stride: Pair = 1, dilation: Pair = 1) -> Tensor:
    """Sliding windows of an (N, C, H, W) input as (N, C, OH, OW, kh·kw) (``sliding_windows`` in two dimensions)."""
    kernel, stride, dilation = as_pair(kernel_size, "kernel_size"), as_pair(stride, "stride"), as_pair(dilation,
                                                                                                    "dilation")
    if x.ndim != 4:
        raise ValueError(f"expected an NCHW input of 4 dimensions, got shape {x.shape}")
    if min(*kernel, *stride, *dilation) < 1:
        raise ValueError(f"kernel_size, stride and dilation must be positive, got {kernel}, {stride} and "
                         f"{dilation}")
    return sliding_windows(x, kernel, stride, dilation)


def conv_padding(padding: str | Size, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
                 ) -> list[tuple[int, int]]:
    """(before, after) per spatial axis for ``padding`` = an int, a tuple, 'valid' or 'same' (PyTorch puts the odd
    element of an even total after)."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * len(kernel)
        if padding != "same":
            raise ValueError(f"padding must be 'valid', 'same', an int or a tuple of ints, got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(total // 2, total - total // 2) for total in totals]
    return [(p, p) for p in as_tuple(padding, len(kernel), "padding")]


def _batched(x: Tensor, spatial: int, what: str) -> tuple[Tensor, bool]:
    """``x`` with a batch axis (added to an unbatched input), and whether one was added."""
    if x.ndim == spatial + 1:
        return x.unsqueeze(0), True
    if x.ndim != spatial + 2:
        raise ValueError(f"{what}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, got "
                         f"shape {x.shape}")
    return x, False


def convolution(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Size, padding: str | Size, dilation: Size,
                groups: int, spatial: int, what: str) -> Tensor:
    """Cross-correlation of (N, C, *S) input with weight (out, C/groups, *kernel) over ``spatial`` axes: windows
    (im2col), then one matmul (one per group, batched)."""
    x, unbatched = _batched(x, spatial, what)
    if weight.ndim != spatial + 2:
        raise ValueError(f"{what}: weight must be (out, in/groups, {spatial} kernel sizes), got shape {weight.shape}")
    out_channels, group_channels, *kernel = weight.shape
    if groups < 1 or x.shape[1] != group_channels * groups or out_channels % groups:
        raise ValueError(f"{what}: input {x.shape} (N, C, ...) and weight {weight.shape} (out, C/groups, ...) do not "
                         f"agree for groups={groups}")
    stride, dilation = as_tuple(stride, spatial, "stride", 1), as_tuple(dilation, spatial, "dilation", 1)
    pads = conv_padding(padding, kernel, stride, dilation)
    cols = sliding_windows(pad_last_axes(x, pads), kernel, stride, dilation)  # (N, C, *O, K)
    n, outs, per_window = cols.shape[0], cols.shape[2:-1], cols.shape[-1]
    positions = math.prod(outs)
    if groups == 1:
        rows = cols.permute(0, *range(2, spatial + 2), 1, spatial + 2).reshape(n * positions, -1)
        y = linear(rows, weight.reshape(out_channels, -1), bias)  # (N·positions, out)
        y = y.reshape(n, *outs, out_channels).permute(0, spatial + 1, *range(1, spatial + 1))
    else:
        rows = cols.reshape(n, groups, group_channels, positions, per_window).transpose(1, 0, 3, 2, 4)
        rows = rows.reshape(groups, n * positions, group_channels * per_window)
        y = rows @ weight.reshape(groups, out_channels // groups, -1).mT  # (G, N·positions, out/G)
        y = y.reshape(groups, n, positions, out_channels // groups).transpose(1, 0, 3, 2)
        y = y.reshape(n, out_channels, *outs)
        if bias is not None:
            y = y + bias.reshape(1, -1, *(1,) * spatial)
    return y[0] if unbatched else y


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1, padding: str | Size = 0,
           dilation: Size = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) input with weight (out, C/groups, kh, kw): im2col windows, then one
    matmul (one per group, batched)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1, padding: str | Size = 0,
           dilation: Size = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of (N, C, D, H, W) input with weight (out, C/groups, kd, kh, kw): the windows of
    ``conv2d`` in three dimensions."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _one_dimensional(padding: str | Size) -> str | tuple[int, int]:
    return padding if isinstance(padding, str) else (0, *as_tuple(padding, 1, "padding"))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1, padding: str | Size = 0,
           dilation: Size = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of (N, C, L) input with weight (out, C/groups, k): ``conv2d`` on a height of 1."""
    input, unbatched = _batched(input, 1, "conv1d")
    if weight.ndim != 3:
        raise ValueError(f"conv1d: weight must be (out, in/groups, k), got shape {weight.shape}")
    y = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, *as_tuple(stride, 1, "stride", 1)),
               _one_dimensional(padding), (1, *as_tuple(dilation, 1, "dilation", 1)), groups)[:, :, 0]
    return y[0] if unbatched else y


def _insert_zeros(x: Tensor, axis: int, stride: int) -> Tensor:
    """``stride − 1`` zeros between neighbours along ``axis``: the input of a transposed convolution."""
    if stride == 1:
        return x
    n = x.shape[axis]
    zeros = Tensor.wrap(np.zeros((*x.shape[: axis + 1], stride - 1, *x.shape[axis + 1 :]), dtype=x.dtype))
    spread = cat([x.unsqueeze(axis + 1), zeros], axis=axis + 1)  # (…, n, stride, …)
    merged = spread.reshape(*x.shape[:axis], n * stride, *x.shape[axis + 1 :])
    return merged[(slice(None),) * axis + (slice(0, (n - 1) * stride + 1),)]


def conv_transpose(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Size, padding: Size,
                   output_padding: Size, groups: int, dilation: Size, spatial: int, what: str) -> Tensor:
    """The adjoint of ``convolution`` over ``spatial`` axes (the gradient of a convolution with respect to its input),
    weight of shape (in, out/groups, *kernel): zeros inserted between input elements (stride), then a stride-1
    convolution with the flipped kernel. Output size (n − 1)·s − 2p + d(k − 1) + output_padding + 1 per axis."""
    x, unbatched = _batched(x, spatial, what)
    if weight.ndim != spatial + 2 or groups < 1 or x.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise ValueError(f"{what}: input {x.shape} (N, C, ...) and weight {weight.shape} (C, out/groups, "
                         f"{spatial} kernel sizes) do not agree for groups={groups}")
    in_channels, group_out, *kernel = weight.shape
    stride, dilation = as_tuple(stride, spatial, "stride", 1), as_tuple(dilation, spatial, "dilation", 1)
    padding = as_tuple(padding, spatial, "padding")
    extra = as_tuple(output_padding, spatial, "output_padding")
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{what}: output_padding {extra} must be smaller than either stride {stride} or dilation "
                         f"{dilation}")
    spread = x
    for axis, s in enumerate(stride, start=2):
        spread = _insert_zeros(spread, axis, s)
    pads = [(d * (k - 1) - p, d * (k - 1) - p + e) for k, d, p, e in zip(kernel, dilation, padding, extra)]
    flipped = weight.reshape(groups, in_channels // groups, group_out, *kernel)
    flipped = flipped.transpose(0, 2, 1, *range(3, 3 + spatial))
    flipped = flipped.reshape(groups * group_out, in_channels // groups, *kernel)
    flipped = flipped[(slice(None), slice(None), *(slice(None, None, -1),) * spatial)]
    y = convolution(pad_last_axes(spread, pads), flipped, bias, 1, 0, dilation, groups, spatial, what)
    return y[0] if unbatched else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1, padding: Size = 0,
                     output_padding: Size = 0, groups: int = 1, dilation: Size = 1) -> Tensor:
    """The adjoint of ``conv1d`` on (N, C, L) input, weight (C, out/groups, k) (``conv_transpose``)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                          "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1, padding: Size = 0,
                     output_padding: Size = 0, groups: int = 1, dilation: Size = 1) -> Tensor:
    """The adjoint of ``conv2d`` on (N, C, H, W) input, weight (C, out/groups, kh, kw) (``conv_transpose``)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                          "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1, padding: Size = 0,
                     output_padding: Size = 0, groups: int = 1, dilation: Size = 1) -> Tensor:
    """The adjoint of ``conv3d`` on (N, C, D, H, W) input, weight (C, out/groups, kd, kh, kw)
    (``conv_transpose``)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                          "conv_transpose3d")


def unfold(input: Tensor, kernel_size: Size, dilation: Size = 1, padding: Size = 0, stride: Size = 1) -> Tensor:
    """PyTorch's im2col: (N, C, H, W) → (N, C·kh·kw, L), one column per window (channel-major, then kernel row,
    kernel column), L = OH·OW windows."""
    x, unbatched = _batched(input, 2, "unfold")
    kernel, stride = as_tuple(kernel_size, 2, "kernel_size", 1), as_tuple(stride, 2, "stride", 1)
    dilation, padding = as_tuple(dilation, 2, "dilation", 1), as_tuple(padding, 2, "padding")
    cols = unfold2d(pad_last_axes(x, [(p, p) for p in padding]), kernel, stride, dilation)  # (N, C, OH, OW, K)
    n, c, oh, ow, k = cols.shape
    y = cols.transpose(0, 1, 4, 2, 3).reshape(n, c * k, oh * ow)
    return y[0] if unbatched else y


def fold(input: Tensor, output_size: Size, kernel_size: Size, dilation: Size = 1, padding: Size = 0,
         stride: Size = 1) -> Tensor:
    """PyTorch's col2im, the adjoint of ``unfold``: (N, C·kh·kw, L) → (N, C, H, W), overlapping windows summed.

    Built as a transposed convolution whose kernels are one-hot (channel c·K + k puts its value at kernel offset k
    of output channel c), so the sums of overlaps come from the convolution's own gradient structure."""
    if input.ndim not in (2, 3):
        raise ValueError(f"fold: expected a 2-D (unbatched) or 3-D (batched) input (N, C·kh·kw, L), got shape "
                         f"{input.shape}")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    size, kernel = as_tuple(output_size, 2, "output_size", 1), as_tuple(kernel_size, 2, "kernel_size", 1)
    stride, dilation = as_tuple(stride, 2, "stride", 1), as_tuple(dilation, 2, "dilation", 1)
    padding = as_tuple(padding, 2, "padding")
    per_window = kernel[0] * kernel[1]
    if x.shape[1] % per_window:
        raise ValueError(f"fold: expected size of input's dimension 1 ({x.shape[1]}) to be divisible by the product "
                         f"of kernel_size {kernel} ({per_window})")
    blocks = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in zip(size, kernel, stride, padding,
                                                                               dilation)]
    if min(blocks) < 1 or x.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"fold: given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                         f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                         f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                         f"but got {x.shape[2]}")
    channels = x.shape[1] // per_window
    one_hot = np.tile(np.eye(per_window, dtype=x.dtype), (channels, 1)).reshape(channels * per_window, 1, *kernel)
    extra = [n + 2 * p - ((b - 1) * s + d * (k - 1) + 1) for n, b, s, p, d, k in zip(size, blocks, stride, padding,
                                                                                   dilation, kernel)]
    y = conv_transpose2d(x.reshape(x.shape[0], x.shape[1], *blocks), Tensor.wrap(one_hot), None, stride, 0, 0,
                         channels, dilation)
    y = pad_last_axes(y, [(-p, e - p) for p, e in zip(padding, extra)])  # crop the padding, add the unreached edge
    return y[0] if input.ndim == 2 else y


# ----------------------------------------------------------------------------------------------- pooling
def pool_geometry(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
                   ) -> tuple[int, int]:
    """(output size, padding after) along one axis, with PyTorch's rule that the last window must start inside
    the input or the padding before it."""
    span = dilation * (kernel - 1) + 1
    room = size + 2 * padding - span
    if room < 0:
        raise ValueError(f"pooling: the window ({span} with dilation) is larger than the padded input "
                         f"({size + 2 * padding})")
    out = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out, (out - 1) * stride + span - size - padding


def pool_arguments(spatial: int, kernel_size: Size, stride: Size | None, padding: Size, dilation: Size,
                    what: str) -> tuple[tuple[int, ...], ...]:
    kernel = as_tuple(kernel_size, spatial, "kernel_size", 1)
    stride = kernel if stride is None or stride == () else as_tuple(stride, spatial, "stride", 1)
    padding, dilation = as_tuple(padding, spatial, "padding"), as_tuple(dilation, spatial, "dilation", 1)
    for k, p, d in zip(kernel, padding, dilation):
        if 2 * p > d * (k - 1) + 1:
            raise ValueError(f"{what}: pad should be at most half of effective kernel size, but got pad={p}, "
                             f"kernel_size={k} and dilation={d}")
    return kernel, stride, padding, dilation


def max_pool(x: Tensor, spatial: int, kernel_size: Size, stride: Size | None, padding: Size, dilation: Size,
             ceil_mode: bool, return_indices: bool, what: str) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each window of the last ``spatial`` axes (stride defaults to the kernel size); with
    ``return_indices``, also where each maximum is, as an index into the flattened spatial axes.

    NOTE: the gradient goes to one element per window, PyTorch's: the first maximum (a NaN, the last NaN);
    padding never wins.
    """
    x, unbatched = _batched(x, spatial, what)
    kernel, stride, padding, dilation = pool_arguments(spatial, kernel_size, stride, padding, dilation, what)
    sizes = x.shape[2:]
    geometry = [pool_geometry(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(sizes, kernel, stride, padding,
                                                                                  dilation)]
    padded = pad_last_axes(x, [(p, after) for p, (_, after) in zip(padding, geometry)], value=-np.inf)
    cols = sliding_windows(padded, kernel, stride, dilation)  # (N, C, *O, K)
    # where each window's offsets fall in the input (not in the padding), per axis, as (*O, K) arrays
    outs = [out for out, _ in geometry]
    inside, flat_at = np.ones((), dtype=bool), np.zeros((), dtype=np.int64)
    for axis, (out, s, p, k, d) in enumerate(zip(outs, stride, padding, kernel, dilation)):
        shape = [1] * (2 * spatial)
        shape[axis], shape[spatial + axis] = out, k
        at = (np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d).reshape(shape)
        inside = inside & (at >= 0) & (at < sizes[axis])
        flat_at = flat_at * sizes[axis] + at
    inside = np.broadcast_to(inside, (*outs, *kernel)).reshape(*outs, -1)
    flat_at = np.broadcast_to(flat_at, (*outs, *kernel)).reshape(*outs, -1)
    choice = _first_maximum(np.where(inside, cols.data, -np.inf), inside)
    picked = choice[..., None] == np.arange(cols.shape[-1])
    out = where(picked, cols, 0.0).sum(axis=-1)
    if unbatched:
        out = out[0]
    if not return_indices:
        return out
    flat = np.take_along_axis(np.broadcast_to(flat_at, choice.shape + flat_at.shape[-1:]), choice[..., None], -1)
    indices = Tensor.wrap(flat[..., 0].astype(np.int64))
    return out, indices[0] if unbatched else indices


def max_pool2d(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each window of (N, C, H, W) input; indices into the flattened H·W plane (``max_pool``)."""
    return max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each window of (N, C, D, H, W) input; indices into the flattened D·H·W volume (``max_pool``)."""
    return max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def _first_maximum(values: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Index of each last-axis slice's maximum as PyTorch's pooling loops pick it: the first maximum, or the last
    NaN; when every allowed value is −inf, the first allowed position."""
    choice = values.argmax(axis=-1)
    nans = np.isnan(values)
    if nans.any():
        last_nan = values.shape[-1] - 1 - nans[..., ::-1].argmax(axis=-1)
        choice = np.where(nans.any(axis=-1), last_nan, choice)
    if allowed is not None:
        allowed = np.broadcast_to(allowed, values.shape)
        first_allowed = allowed.argmax(axis=-1)
        chosen_allowed = np.take_along_axis(allowed, choice[..., None], -1)[..., 0]
        choice = np.where(chosen_allowed, choice, first_allowed)
    return choice


def max_pool1d(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """``max_pool2d`` over the last axis of (N, C, L) or (C, L) input (indices index L)."""
    stride = None if stride is None or stride == () else (1, *as_tuple(stride, 1, "stride", 1))
    result = max_pool2d(input.unsqueeze(-2), (1, *as_tuple(kernel_size, 1, "kernel_size", 1)), stride,
                        (0, *as_tuple(padding, 1, "padding")), (1, *as_tuple(dilation, 1, "dilation", 1)),
                        ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def _window_counts(size: int, kernel: int, stride: int, padding: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output position along one axis: the window's size counting the padding (not the ceil-mode overhang), and
    the number of input elements it covers (PyTorch's avg_pool divisors)."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    return end - start, np.minimum(end, size) - np.maximum(start, 0)


def avg_pool(x: Tensor, spatial: int, kernel_size: Size, stride: Size | None, padding: Size, ceil_mode: bool,
             count_include_pad: bool, divisor_override: int | None, what: str) -> Tensor:
    """Mean over each window of the last ``spatial`` axes: the window sum divided by the window's size with its
    padding (``count_include_pad``), by the input elements it covers, or by ``divisor_override``."""
    x, unbatched = _batched(x, spatial, what)
    kernel, stride, padding, _ = pool_arguments(spatial, kernel_size, stride, padding, 1, what)
    geometry = [pool_geometry(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(x.shape[2:], kernel, stride, padding)]
    padded = pad_last_axes(x, [(p, after) for p, (_, after) in zip(padding, geometry)])
    sums = sliding_windows(padded, kernel, stride, (1,) * spatial).sum(axis=-1)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{what}: divisor_override must not be zero")
        divisor = np.asarray(float(divisor_override))
    else:
        counts = [_window_counts(n, k, s, p, out)[0 if count_include_pad else 1]
                  for n, k, s, p, (out, _) in zip(x.shape[2:], kernel, stride, padding, geometry)]
        divisor = functools.reduce(np.multiply.outer, counts)
    out = sums / Tensor.wrap(divisor.astype(x.dtype))
    return out[0] if unbatched else out


def avg_pool2d(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window of (N, C, H, W) input (``avg_pool``)."""
    return avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                    "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None
               ) -> Tensor:
    """Mean over each window of (N, C, D, H, W) input (``avg_pool``)."""
    return avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                    "avg_pool3d")


def avg_pool1d(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """``avg_pool2d`` over the last axis of (N, C, L) or (C, L) input."""
    stride = None if stride is None or stride == () else (1, *as_tuple(stride, 1, "stride", 1))
    return avg_pool2d(input.unsqueeze(-2), (1, *as_tuple(kernel_size, 1, "kernel_size", 1)), stride,
                      (0, *as_tuple(padding, 1, "padding")), ceil_mode, count_include_pad).squeeze(-2)


def _adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉) for i < out."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_sizes(x: Tensor, output_size: Any, spatial: int, what: str) -> tuple[int, ...]:
    sizes = (output_size,) * spatial if output_size is None or isinstance(output_size, (int, np.integer)) else (
        tuple(output_size))
    if len(sizes) != spatial:
        raise ValueError(f"{what}: output_size must be an int or {spatial} of them (None keeps the input's size), "
                         f"got {output_size!r}")
    sizes = tuple(x.shape[i - spatial] if n is None else int(n) for i, n in enumerate(sizes))
    if min(sizes) < 1:
        raise ValueError(f"{what}: output_size must be positive, got {output_size!r}")
    return sizes


def adaptive_avg_pool(x: Tensor, spatial: int, output_size: Any, what: str) -> Tensor:
    """Mean over PyTorch's adaptive windows of the last ``spatial`` axes; separable, so one matmul per axis with a
    constant averaging matrix A (out, n): y = x ·_axis Aᵀ."""
    x, unbatched = _batched(x, spatial, what)
    y = x
    for axis, (size, out) in enumerate(zip(x.shape[2:], _adaptive_sizes(x, output_size, spatial, what)), start=2):
        averaging = np.zeros((out, size), dtype=x.dtype)
        for i, (start, end) in enumerate(_adaptive_windows(size, out)):
            averaging[i, start:end] = 1.0 / (end - start)
        y = _matmul_along(y, averaging, axis)
    return y[0] if unbatched else y


def adaptive_max_pool(x: Tensor, spatial: int, output_size: Any, return_indices: bool, what: str
                      ) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over PyTorch's adaptive windows of the last ``spatial`` axes, gathered by index (the first maximum,
    as ``max_pool``); the indices index the flattened spatial axes."""
    x, unbatched = _batched(x, spatial, what)
    n, c, *sizes = x.shape
    outs = _adaptive_sizes(x, output_size, spatial, what)
    flat = np.empty((n, c, *outs), dtype=np.int64)
    windows = [_adaptive_windows(size, out) for size, out in zip(sizes, outs)]
    for position in itertools.product(*(range(out) for out in outs)):
        bounds = [axis_windows[i] for axis_windows, i in zip(windows, position)]
        window = x.data[(slice(None), slice(None), *(slice(start, end) for start, end in bounds))]
        choice = _first_maximum(window.reshape(n, c, -1))
        offsets = np.unravel_index(choice, window.shape[2:])
        flat[(slice(None), slice(None), *position)] = np.ravel_multi_index(
            tuple(start + offset for (start, _), offset in zip(bounds, offsets)), sizes)
    out = x.reshape(n, c, -1)[np.arange(n)[:, None, None], np.arange(c)[None, :, None],
                              flat.reshape(n, c, -1)].reshape(n, c, *outs)
    if unbatched:
        out, flat = out[0], flat[0]
    return (out, Tensor.wrap(flat)) if return_indices else out


def adaptive_avg_pool1d(input: Tensor, output_size: Size) -> Tensor:
    """Mean over PyTorch's adaptive windows of (N, C, L) or (C, L) input (``adaptive_avg_pool``)."""
    return adaptive_avg_pool(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive windows of (N, C, H, W) or (C, H, W) input (``adaptive_avg_pool``)."""
    return adaptive_avg_pool(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive windows of (N, C, D, H, W) or (C, D, H, W) input (``adaptive_avg_pool``)."""
    return adaptive_avg_pool(input, 3, output_size, "adaptive_avg_pool3d")


def adaptive_max_pool1d(input: Tensor, output_size: Size, return_indices: bool = False
                        ) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over PyTorch's adaptive windows of (N, C, L) or (C, L) input, indices along L
    (``adaptive_max_pool``)."""
    return adaptive_max_pool(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False
                        ) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over PyTorch's adaptive windows of (N, C, H, W) or (C, H, W) input, indices into H·W
    (``adaptive_max_pool``)."""
    return adaptive_max_pool(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False
                        ) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over PyTorch's adaptive windows of (N, C, D, H, W) or (C, D, H, W) input, indices into D·H·W
    (``adaptive_max_pool``)."""
    return adaptive_max_pool(input, 3, output_size, return_indices, "adaptive_max_pool3d")


def max_pool1d_with_indices(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                            dilation: Size = 1, ceil_mode: bool = False, return_indices: bool = False
                            ) -> tuple[Tensor, Tensor]:
    """``max_pool1d`` and where each maximum is (PyTorch's spelling; the indices always come back)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                            dilation: Size = 1, ceil_mode: bool = False, return_indices: bool = False
                            ) -> tuple[Tensor, Tensor]:
    """``max_pool2d`` and where each maximum is (PyTorch's spelling; the indices always come back)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                            dilation: Size = 1, ceil_mode: bool = False, return_indices: bool = False
                            ) -> tuple[Tensor, Tensor]:
    """``max_pool3d`` and where each maximum is (PyTorch's spelling; the indices always come back)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Size, return_indices: bool = False
                                     ) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d`` and where each maximum is (the indices always come back)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False
                                     ) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d`` and where each maximum is (the indices always come back)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False
                                     ) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d`` and where each maximum is (the indices always come back)."""
    return adaptive_max_pool3d(input, output_size, True)


# ----------------------------------------------------------------------------------------------- interpolate
INTERPOLATION_MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
                       "bilinear": (2,), "trilinear": (3,), "bicubic": (2,)}
INTERPOLATING_MODES = ("linear", "bilinear", "bicubic", "trilinear")


def interpolate(input: Tensor, size: Size | None = None, scale_factor: float | Sequence[float] | None = None,
                mode: str = "nearest", align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input with PyTorch's source coordinates
    (``align_corners``); every mode is separable, so it resizes axis by axis (area: adaptive average pooling)."""
    if mode not in INTERPOLATION_MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported (supported: "
                                  f"{', '.join(INTERPOLATION_MODES)})")
    spatial = input.ndim - 2
    if spatial not in INTERPOLATION_MODES[mode]:
        ranks = " or ".join(f"{n + 2}-D" for n in INTERPOLATION_MODES[mode])
        raise ValueError(f"interpolate: mode {mode!r} needs a {ranks} input, got shape {input.shape}")
    if align_corners is not None and mode not in INTERPOLATING_MODES:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         f"{' | '.join(INTERPOLATING_MODES)}")
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as "
                         "input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    in_sizes = input.shape[2:]
    if size is not None:
        out_sizes, scales = as_tuple(size, spatial, "size", 1), (None,) * spatial
    else:
        factors = (scale_factor,) * spatial if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        if len(factors) != spatial or any(not f > 0 for f in factors):
            raise ValueError(f"interpolate: scale_factor must be positive, one per spatial axis, got {scale_factor!r}")
        out_sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
        if min(out_sizes) < 1:
            raise ValueError(f"interpolate: scale_factor {scale_factor!r} turns input of shape {input.shape} into "
                             f"output sizes {out_sizes}; they must be positive")
        scales = (None,) * spatial if recompute_scale_factor else factors
    if mode == "area":
        return adaptive_avg_pool(input, spatial, out_sizes, "interpolate")
    y = input
    for axis, (n_in, n_out, scale) in enumerate(zip(in_sizes, out_sizes, scales), start=2):
        if mode in ("nearest", "nearest-exact"):
            y = y[(slice(None),) * axis + (_nearest_sources(n_in, n_out, scale, mode == "nearest-exact"),)]
        else:
            weights = (_cubic_weights if mode == "bicubic" else _linear_weights)(
                n_in, n_out, scale, bool(align_corners), input.dtype)
            y = _matmul_along(y, weights, axis)
    return y


def _matmul_along(x: Tensor, matrix: np.ndarray, axis: int) -> Tensor:
    """y = x ·_axis Mᵀ: every vector of ``x`` along ``axis`` mapped by the constant (out, n) matrix M."""
    return (x.movedim(axis, -1) @ Tensor.wrap(np.ascontiguousarray(matrix.T))).movedim(-1, axis)


def _nearest_sources(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest source index, clamped, with s = 1/scale_factor or n_in/n_out in float32: ⌊dst · s⌋, or
    for nearest-exact the pixel centre's ⌊(dst + ½) · s⌋ (formed in float64, rounded to float32, then floored)."""
    step = np.float32(1.0 / scale) if scale is not None else np.float32(n_in) / np.float32(n_out)
    if exact:
        position = ((np.arange(n_out) + 0.5) * np.float64(step)).astype(np.float32)
    else:
        position = np.arange(n_out, dtype=np.float32) * step
    return np.minimum(np.floor(position).astype(np.int64), n_in - 1)


def _source_coordinates(n_in: int, n_out: int, scale: float | None, align_corners: bool, real: type) -> np.ndarray:
    """PyTorch's real-valued source coordinate of each output pixel in precision ``real``: with align_corners the
    corner pixels' centres coincide (dst · (n_in−1)/(n_out−1)), otherwise the pixel areas do ((dst + ½) · s − ½)."""
    dst = np.arange(n_out).astype(real)
    if align_corners:
        return (real(n_in - 1) / real(n_out - 1) if n_out > 1 else real(0)) * dst
    step = real(1.0 / scale) if scale is not None else real(n_in) / real(n_out)
    return step * (dst + real(0.5)) - real(0.5)


def _tap_matrix(n_in: int, taps: np.ndarray, tap_weights: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) matrix whose row i adds tap_weights[i, k] at column taps[i, k] (repeated taps add up)."""
    matrix = np.zeros((len(taps), n_in), dtype=dtype)
    np.add.at(matrix, (np.arange(len(taps))[:, None], taps), tap_weights)
    return matrix


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: np.dtype
                    ) -> np.ndarray:
    """The matrix of linear interpolation: row i mixes the two inputs around PyTorch's source coordinate of output i
    (computed in the input's precision, clamped at 0, as PyTorch's kernel; an axis of unchanged size is copied)."""
    if n_out == n_in:
        return np.eye(n_in, dtype=dtype)
    real = np.float64 if dtype == np.float64 else np.float32
    source = np.maximum(_source_coordinates(n_in, n_out, scale, align_corners, real), real(0))
    lower = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    upper = lower + (lower < n_in - 1)
    fraction = np.clip(source - lower, 0, 1)
    return _tap_matrix(n_in, np.stack([lower, upper], axis=1), np.stack([1 - fraction, fraction], axis=1), dtype)


def _cubic_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """The matrix of bicubic interpolation along one axis: Keys' cubic convolution with a = −0.75 (PyTorch's) over the
    four inputs around the unclamped source coordinate, whose indices are clamped into the axis (edge replicated)."""
    real = np.float64 if dtype == np.float64 else np.float32
    a = real(-0.75)
    source = _source_coordinates(n_in, n_out, scale, align_corners, real)
    lower = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    t = np.clip(source - lower, 0, 1)

    def near(x: np.ndarray) -> np.ndarray:  # the kernel for |x| ≤ 1: (a+2)|x|³ − (a+3)|x|² + 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # the kernel for 1 < |x| < 2: a|x|³ − 5a|x|² + 8a|x| − 4a
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    tap_weights = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)
    taps = np.clip(lower[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return _tap_matrix(n_in, taps, tap_weights, dtype)


# ----------------------------------------------------------------------------------------------- normalisation
def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """(x − mean) / √(var + ε) over ``axes``, with the biased variance (the batch's own spread)."""
    centered = x - x.mean(axis=axes, keepdims=True)
    variance = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (variance + eps).sqrt()


def _trailing_axes(x: Tensor, normalized_shape: Size, what: str) -> tuple[int, ...]:
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape) :] != shape or len(shape) > x.ndim:
        raise ValueError(f"{what}: normalized_shape {shape} does not match the last dimensions of input of shape "
                         f"{x.shape}")
    return tuple(range(x.ndim - len(shape), x.ndim))


def layer_norm(input: Tensor, normalized_shape: Size, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last dims ``normalized_shape``, then y·weight + bias elementwise."""
    y = _normalize(input, _trailing_axes(input, normalized_shape, "layer_norm"), eps)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def rms_norm(input: Tensor, normalized_shape: Size, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / √(mean(x²) + ε) over the last dims ``normalized_shape``, times weight (ε: the dtype's eps by default)."""
    axes = _trailing_axes(input, normalized_shape, "rms_norm")
    eps = float(np.finfo(input.dtype).eps) if eps is None else eps
    y = input / ((input * input).mean(axis=axes, keepdims=True) + eps).sqrt()
    return y if weight is None else y * weight


def _channel_affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """y·weight[c] + bias[c] along axis 1 (the channels)."""
    shape = (1, -1) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over each group of C/num_groups channels (and all their positions), then scale and
    shift per channel."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {input.shape} needs (N, C, ...) with C divisible by "
                         f"num_groups={num_groups}")
    grouped = input.reshape(input.shape[0], num_groups, -1)
    return _channel_affine(_normalize(grouped, (2,), eps).reshape(input.shape), weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its positions; with ``use_input_stats`` the running statistics
    (if given) move towards the batch's average instance statistics (the unbiased variance, as PyTorch)."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected (N, C, ...) input with positions, got shape {input.shape}")
    axes = tuple(range(2, input.ndim))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var")
        return _by_running_stats(input, running_mean, running_var, weight, bias, eps)
    if running_mean is not None and running_var is not None:
        update_running_stats(running_mean, running_var, input.data, axes, momentum, average_over_batch=True)
    return _channel_affine(_normalize(input, axes, eps), weight, bias)


def _by_running_stats(x: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | None,
                      bias: Tensor | None, eps: float) -> Tensor:
    """(x − running_mean) / √(running_var + ε) per channel (axis 1), then the channel affine map."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    return _channel_affine(y, weight, bias)


def update_running_stats(running_mean: Tensor, running_var: Tensor, x: np.ndarray, axes: tuple[int, ...],
                         momentum: float, average_over_batch: bool = False) -> None:
    """running ← (1 − momentum)·running + momentum·batch, in place, with the unbiased variance of ``x`` over
    ``axes`` (averaged over the samples for instance norm); not recorded by autograd, as PyTorch."""
    count = math.prod(x.shape[a] for a in axes)
    mean, unbiased = x.mean(axis=axes), x.var(axis=axes) * (count / max(count - 1, 1))
    if average_over_batch:
        mean, unbiased = mean.mean(axis=0), unbiased.mean(axis=0)
    for buffer, batch in ((running_mean, mean), (running_var, unbiased)):
        buffer.data[...] = (1 - momentum) * buffer.data + momentum * batch
        engine.bump_version(buffer)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5
               ) -> Tensor:
    """Normalise each channel (axis 1) over the batch and positions: in training by the batch's statistics
    (biased variance), moving the running ones (if given) towards them in place; otherwise by the running ones."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected (N, C, ...) input, got shape {input.shape}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input of shape {input.shape}, "
                             f"got {tuple(tensor.shape)}")
    axes = (0, *range(2, input.ndim))
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be given when training=False")
        return _by_running_stats(input, running_mean, running_var, weight, bias, eps)
    if input.size == channels:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of shape "
                         f"{input.shape}")
    if running_mean is not None and running_var is not None:
        update_running_stats(running_mean, running_var, input.data, axes, momentum)
    return _channel_affine(_normalize(input, axes, eps), weight, bias)


# ----------------------------------------------------------------------------------------------- attention
def _fully_masked_rows(bias: np.ndarray) -> np.ndarray | None:
    """Rows of an additive mask that are −inf everywhere (they attend to nothing), or None if there are none."""
    fully = np.isneginf(bias).all(axis=-1, keepdims=True)
    return fully if fully.any() else None


def attention_bias(attn_mask: Any, length: int, source_length: int, is_causal: bool, dtype: np.dtype,
                   allowed_when_true: bool = True) -> np.ndarray | Tensor | None:
    """The additive mask of ``attn_mask`` and ``is_causal``: 0 where a query may attend, −inf where not.

    A bool mask marks allowed positions with True (``scaled_dot_product_attention``) or, with
    ``allowed_when_true=False``, forbidden ones (``nn.MultiheadAttention``); a float mask is added as it is (a
    Tensor mask stays a Tensor, so it may carry a gradient).
    """
    bias = None
    if is_causal:
        bias = np.where(np.tril(np.ones((length, source_length), dtype=bool)), 0.0, -np.inf).astype(dtype)
    if attn_mask is None:
        return bias
    if isinstance(attn_mask, Tensor) and attn_mask.dtype.kind == "f":
        return attn_mask if bias is None else attn_mask + Tensor.wrap(bias)
    mask = np.asarray(attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask)
    if mask.dtype == np.bool_:
        allowed = mask if allowed_when_true else ~mask
        mask = np.where(allowed, 0.0, -np.inf)
    elif mask.dtype.kind != "f":
        raise TypeError(f"attention masks must be bool or floating point, got dtype {mask.dtype}")
    mask = mask.astype(dtype)
    return mask if bias is None else mask + bias


def attend(query: Tensor, key: Tensor, value: Tensor, bias: np.ndarray | Tensor | None, dropout_p: float,
           scale: float, fully_masked_rows_give_zeros: bool = True) -> tuple[Tensor, Tensor]:
    """softmax(q·kᵀ·scale + bias)·v and the attention weights, batched over the leading axes.

    NOTE: a query whose every key is masked attends to nothing: its output and weights are 0, as PyTorch's
    ``scaled_dot_product_attention`` (not the NaN of softmax over −inf), unless
    ``fully_masked_rows_give_zeros=False`` (``nn.MultiheadAttention`` with ``need_weights``, NaN as PyTorch).
    """
    scores = (query @ key.mT) * scale
    fully = None
    if bias is not None:
        if fully_masked_rows_give_zeros:
            fully = _fully_masked_rows(bias.data if isinstance(bias, Tensor) else bias)
        scores = scores + (bias if isinstance(bias, Tensor) else Tensor.wrap(bias))
    if fully is not None:
        scores = where(fully, 0.0, scores)
    weights = scores.softmax(axis=-1)
    if fully is not None:
        weights = where(fully, 0.0, weights)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q·Kᵀ/√d + mask)·V over (…, L, d) queries and (…, S, d) keys and values, PyTorch's definition:
    a bool ``attn_mask`` is True where a query may attend, a float one is added; ``is_causal`` lets query i see
    keys 0…i; dropout on the weights whenever ``dropout_p`` > 0 (pass 0 in evaluation)."""
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2 or query.shape[-1] != key.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: query {query.shape}, key {key.shape} and value "
                         f"{value.shape} must be (..., L, E), (..., S, E) and (..., S, Ev)")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal=True, not both")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        repeats = query.shape[-3] // key.shape[-3]
        key, value = (t[(Ellipsis, np.repeat(np.arange(t.shape[-3]), repeats), slice(None), slice(None))]
                      for t in (key, value))
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    bias = attention_bias(attn_mask, query.shape[-2], key.shape[-2], is_causal, query.dtype)
    return attend(query, key, value, bias, dropout_p, scale)[0]


# ----------------------------------------------------------------------------------------------- losses
REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str, weight_sum: float | None = None) -> Tensor:
    """``loss`` averaged (over ``weight_sum`` when given: a weighted mean), summed, or kept as it is."""
    if reduction == "mean":
        return loss.mean() if weight_sum is None else loss.sum() / weight_sum
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def no_legacy(size_average: Any, reduce: Any, what: str) -> None:
    """PyTorch's deprecated ``size_average``/``reduce`` keep their positions in the signatures, refused by name."""
    if size_average is not None or reduce is not None:
        raise ValueError(f"{what}: size_average and reduce are deprecated (PyTorch too) and not supported; use "
                         "reduction='mean', 'sum' or 'none'")


def _as_target(target: Any, like: Tensor, what: str, promote: bool = True) -> Tensor:
    """``target`` as a tensor of ``like``'s shape: in like's dtype, unless it is a wider float and ``promote`` (the
    loss is then computed in the wider dtype, as PyTorch does; not for ``huber_loss``, which keeps the input's)."""
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=like.dtype))
    elif target.dtype != like.dtype and not (promote and result_type(like, target) != like.dtype):
        target = target.astype(like.dtype)
    if target.shape != like.shape:
        raise ValueError(f"{what}: input shape {like.shape} and target shape {target.shape} differ")
    return target


def _weighted(loss: Tensor, weight: Any, reduction: str, what: str) -> Tensor:
    """Elementwise losses times per-element ``weight`` (input-shaped), reduced; the mean is Σ w·l / Σ w."""
    if weight is None:
        return _reduce(loss, reduction)
    weight = _as_target(weight, loss, f"{what} weight")
    return _reduce(loss * weight, reduction, float(weight.data.sum()) if reduction == "mean" else None)


def mse_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
             weight: Any = None) -> Tensor:
    """(x̂ − y)², reduced. The seed's cost C (summed over features, averaged over datapoints) is
    ``reduction='sum'`` divided by the batch size, or the default mean times the number of features."""
    no_legacy(size_average, reduce, "mse_loss")
    diff = input - _as_target(target, input, "mse_loss")
    return _weighted(diff * diff, weight, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
            weight: Any = None) -> Tensor:
    """|x̂ − y|, reduced.  NOTE: the gradient at x̂ = y is 0."""
    no_legacy(size_average, reduce, "l1_loss")
    return _weighted((input - _as_target(target, input, "l1_loss")).abs(), weight, reduction, "l1_loss")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None
               ) -> Tensor:
    """½d² where |d| < δ, else δ(|d| − ½δ), for d = x̂ − y: quadratic near 0, linear (slope δ) beyond. With
    ``weight``, the mean is the plain mean of w·loss (PyTorch's, unlike mse_loss's and l1_loss's Σ w·l / Σ w)."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - _as_target(target, input, "huber_loss", promote=False)
    size = d.abs()
    loss = where(size.data < delta, d * d * 0.5, (size - 0.5 * delta) * delta)
    return _reduce(loss if weight is None else loss * _as_target(weight, loss, "huber_loss weight"), reduction)


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β where |d| < β, else |d| − ½β (Huber divided by β; β = 0 is the L1 loss)."""
    no_legacy(size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = input - _as_target(target, input, "smooth_l1_loss")
    size = d.abs()
    if beta == 0:
        return _reduce(size, reduction)
    return _reduce(where(size.data < beta, d * d * (0.5 / beta), size - 0.5 * beta), reduction)


def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target ‖ exp(input)) pointwise, for log-probabilities ``input``: y·(log y − x) (0 where y = 0), or
    eʸ·(y − x) with ``log_target``. ``reduction='batchmean'`` divides the sum by the batch size (the true KL).

    NOTE: at a target of exactly 0 the gradient with respect to the target is −x here; PyTorch's is NaN (the
    derivative of its xlogy there), the true one-sided derivative −∞.
    """
    no_legacy(size_average, reduce, "kl_div")
    y = _as_target(target, input, "kl_div")
    if log_target:
        loss = y.exp() * (y - input)
    else:
        nonzero = y.data != 0  # NOTE: 0·log 0 = 0 (xlogy), with no nan from log 0 in the backward; y < 0 gives nan
        loss = where(nonzero, y * where(nonzero, y, 1.0).log(), 0.0) - y * input
    if reduction == "batchmean":
        return loss.sum() / float(input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def _class_targets(input: Tensor, target: Any, ignore_index: int, what: str) -> tuple[np.ndarray, int]:
    """Integer class targets of shape (N, d…) for input (N, C, d…) (or () for (C,)), checked; and C."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{what}: targets must be integer class indices (or, for cross_entropy, class "
                        f"probabilities shaped like the input), got dtype {labels.dtype} and shape {labels.shape}")
    if input.ndim < 1:
        raise ValueError(f"{what}: input must have a class axis, got a 0-d tensor")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if labels.shape != expected:
        raise ValueError(f"{what}: input of shape {input.shape} (classes on axis {min(input.ndim - 1, 1)}) needs "
                         f"targets of shape {expected}, got {labels.shape}")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    counted = labels[labels != ignore_index]
    if counted.size and (counted.min() < 0 or counted.max() >= classes):
        raise ValueError(f"{what}: targets must lie in [0, {classes}) (or be ignore_index={ignore_index}), got "
                         f"values in [{counted.min()}, {counted.max()}]")
    return labels, classes


def _classes_last(x: Tensor) -> Tensor:
    """(N, C, d…) as (N·d…, C) rows of classes; (C,) as one row."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim > 2:
        x = x.permute(0, *range(2, x.ndim), 1)
    return x.reshape(-1, x.shape[-1])


def _class_weights(weight: Any, classes: int, dtype: np.dtype, what: str) -> np.ndarray | None:
    if weight is None:
        return None
    if isinstance(weight, str):
        raise TypeError(f"{what}: weight must be a tensor of {classes} class weights, got the string {weight!r} "
                        "(pass reduction= by name)")
    values = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if values.shape != (classes,):
        raise ValueError(f"{what}: weight must hold one value per class ({classes}), got shape {values.shape}")
    return values


def _picked_log_probabilities(log_p: Tensor, labels: np.ndarray, weights: np.ndarray | None, ignore_index: int,
                              reduction: str) -> Tensor:
    """NLL of rows ``log_p`` (M, C) at ``labels``: −w[y]·log p[y] per row (0 where ignored), reduced; the mean is
    over Σ w[y] of the rows not ignored."""
    flat = labels.reshape(-1)
    counted = flat != ignore_index
    safe = np.where(counted, flat, 0)
    row_weight = counted.astype(log_p.dtype) if weights is None else np.where(counted, weights[safe], 0).astype(
        log_p.dtype)
    picked = log_p[np.arange(flat.size), safe]
    every_row_counts = weights is None and counted.all()
    loss = -picked if every_row_counts else -picked * Tensor.wrap(row_weight)
    if reduction == "none":
        return loss.reshape(labels.shape)
    if reduction == "mean" and not counted.any():
        return _mean_of_nothing(loss)
    return _reduce(loss, reduction, None if every_row_counts else float(row_weight.sum()))


def _mean_of_nothing(loss: Tensor) -> Tensor:
    """PyTorch's mean when every target is ignored: 0/0 = nan, but zero gradients (a division would give nan)."""
    return loss.sum() * 0.0 + math.nan


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """−w[y]·input[y] for log-probabilities (N, C) or (N, C, d…) and integer targets (N) or (N, d…); targets equal
    to ``ignore_index`` count for nothing; the mean divides by the total weight of the targets counted."""
    no_legacy(size_average, reduce, "nll_loss")
    labels, classes = _class_targets(input, target, ignore_index, "nll_loss")
    weights = _class_weights(weight, classes, input.dtype, "nll_loss")
    return _picked_log_probabilities(_classes_last(input), labels, weights, ignore_index, reduction)


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                  reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """−log softmax(x)[y] for logits (N, C) or (N, C, d…) and integer targets (N) or (N, d…), or −Σ_c y_c log p_c
    for class-probability targets shaped like the logits; PyTorch's ``weight``, ``ignore_index`` and
    ``label_smoothing`` (ε: the target mixed with the uniform ε/C)."""
    no_legacy(size_average, reduce, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.ndim < 1:
        raise ValueError("cross_entropy: input must have a class axis, got a 0-d tensor")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    is_probabilities = (isinstance(target, Tensor) and target.dtype.kind == "f") or (
        not isinstance(target, Tensor) and np.asarray(target).dtype.kind == "f")
    if is_probabilities and np.shape(target.data if isinstance(target, Tensor) else target) == input.shape:
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing, classes)
    labels, classes = _class_targets(input, target, ignore_index, "cross_entropy")
    weights = _class_weights(weight, classes, input.dtype, "cross_entropy")
    log_p = _classes_last(input).log_softmax(axis=-1)
    loss = _picked_log_probabilities(log_p, labels, weights, ignore_index, reduction)
    if label_smoothing == 0:
        return loss
    # PyTorch's smoothing term: −Σ_c w_c log p_c per target counted, reduced as the NLL, times ε/C
    counted = (labels.reshape(-1) != ignore_index).astype(input.dtype)
    spread = log_p if weights is None else log_p * Tensor.wrap(weights)
    smooth = -spread.sum(axis=-1) * Tensor.wrap(counted)
    if reduction == "none":
        smooth = smooth.reshape(labels.shape)
    else:
        safe = np.where(counted > 0, labels.reshape(-1), 0)
        total = counted.sum() if weights is None else (weights[safe] * counted).sum()
        smooth = (_mean_of_nothing(smooth) if reduction == "mean" and not counted.any() else
                  _reduce(smooth, reduction, float(total) if reduction == "mean" else None))
    return loss * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)


def _soft_cross_entropy(input: Tensor, target: Any, weight: Any, reduction: str, label_smoothing: float,
                        classes: int) -> Tensor:
    """−Σ_c w_c·y_c·log softmax(x)_c over the class axis, for probability targets y (PyTorch's mean: over the
    positions, not the weights)."""
    axis = 1 if input.ndim > 1 else 0
    y = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + label_smoothing / classes
    terms = input.log_softmax(axis=axis) * y
    weights = _class_weights(weight, classes, input.dtype, "cross_entropy")
    if weights is not None:
        terms = terms * Tensor.wrap(weights.reshape((-1,) + (1,) * (input.ndim - axis - 1)))
    return _reduce(-terms.sum(axis=axis), reduction)


def _clamped_log(p: Tensor, complement: bool = False) -> Tensor:
    """log p, or log(1 − p) through log1p (a tiny p keeps its digits), clamped below at −100 as PyTorch's BCELoss
    (so p = 0 or 1 gives a finite loss)."""
    inside = (p.data < 1) if complement else (p.data > 0)
    safe = where(inside, p, 0.0 if complement else 1.0)  # NOTE: no log of 0, so no inf·0 = nan in the backward
    return where(inside, (-safe).log1p() if complement else safe.log(), -100.0).clip(min=-100.0)


def _times_weight(loss: Tensor, weight: Any) -> Tensor:
    """Elementwise losses times a ``weight`` that broadcasts to them (PyTorch's BCE ``weight``)."""
    if weight is None:
        return loss
    return loss * (weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight, dtype=loss.dtype)))


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """−w·[y log p + (1 − y) log(1 − p)] for probabilities p."""
    no_legacy(size_average, reduce, "binary_cross_entropy")
    y = _as_target(target, input, "binary_cross_entropy", promote=False)  # PyTorch refuses mixed dtypes here
    if not ((input.data >= 0) & (input.data <= 1)).all():  # NOTE: a NaN is outside too, as PyTorch
        raise ValueError("binary_cross_entropy: all elements of input should be probabilities in [0, 1] "
                         "(use binary_cross_entropy_with_logits for logits)")
    loss = -(y * _clamped_log(input) + (1.0 - y) * _clamped_log(input, complement=True))
    return _reduce(_times_weight(loss, weight), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """BCE of σ(x) without forming σ(x): log(1 + eˣ) − x·y, exact for any logit (no cancellation at large x).

    With ``pos_weight`` p (per class, broadcast over the last axis) the positive term counts p times:
    −[p·y log σ(x) + (1 − y) log(1 − σ(x))] = l·(log(1 + eˣ) − x·p·y/l) with l = 1 + (p − 1)·y.
    """
    no_legacy(size_average, reduce, "binary_cross_entropy_with_logits")
    y = _as_target(target, input, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        loss = _log1p_exp(input, shift=y)
    else:
        p = pos_weight if isinstance(pos_weight, Tensor) else Tensor(np.asarray(pos_weight, dtype=input.dtype))
        scale = (p - 1.0) * y + 1.0
        loss = _log1p_exp(input, shift=p * y / scale) * scale
    return _reduce(_times_weight(loss, weight), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, size_average: Any = None,
                          reduce: Any = None, reduction: str = "mean") -> Tensor:
    """1 − cos(x₁, x₂) for target 1, max(0, cos(x₁, x₂) − margin) for target −1; cos over the last axis of (N, D)
    or (D,) inputs, with PyTorch's ε = 10⁻¹² added to each squared norm."""
    no_legacy(size_average, reduce, "cosine_embedding_loss")
    if input1.shape != input2.shape or input1.ndim not in (1, 2):
        raise ValueError(f"cosine_embedding_loss: inputs must both be (N, D) or (D,), got {input1.shape} and "
                         f"{input2.shape}")
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    if y.shape != input1.shape[:-1]:
        raise ValueError(f"cosine_embedding_loss: target must have shape {input1.shape[:-1]}, got {y.shape}")
    eps = 1e-12
    cos = (input1 * input2).sum(axis=-1) / (((input1 * input1).sum(axis=-1) + eps)
                                            * ((input2 * input2).sum(axis=-1) + eps)).sqrt()
    loss = where(y == 1, 1.0 - cos, 0.0) + where(y == -1, (cos - margin).clip(min=0.0), 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """ln(1 + exp(−y·x)) for targets y = ±1 (the logistic loss), reduced."""
    no_legacy(size_average, reduce, "soft_margin_loss")
    return _reduce(softplus(-_as_target(target, input, "soft_margin_loss") * input), reduction)


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin − x) where y = −1 (x is a distance), reduced."""
    no_legacy(size_average, reduce, "hinge_embedding_loss")
    y = _as_target(target, input, "hinge_embedding_loss").data
    # NOTE: PyTorch's masks, y ≠ −1 and y ≠ 1: a target that is neither (0, say) counts both terms
    return _reduce(where(y != -1, input, 0.0) + where(y != 1, (margin - input).clip(min=0.0), 0.0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) − d(a, n) + margin), d the p-norm distance (``pairwise_distance``); ``swap`` uses the
    smaller of d(a, n) and d(p, n)."""
    no_legacy(size_average, reduce, "triplet_margin_loss")
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = to_negative.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((pairwise_distance(anchor, positive, p, eps) - to_negative + margin).clip(min=0.0), reduction)


def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """½(ln max(σ², eps) + (x − y)²/max(σ², eps)) (+ ½ ln 2π with ``full``): the negative log-likelihood of y under
    N(x, σ²), reduced. ``var`` has the input's shape, or one fewer trailing axis of size 1."""
    y = _as_target(target, input, "gaussian_nll_loss")
    var = var if isinstance(var, Tensor) else Tensor(np.asarray(var, dtype=input.dtype))
    if var.shape != input.shape:
        if var.shape == input.shape[:-1] or (var.ndim == input.ndim and var.shape[-1] == 1):
            var = var.reshape(*input.shape[:-1], 1)
        else:
            raise ValueError(f"gaussian_nll_loss: var of shape {var.shape} does not fit input of shape {input.shape}")
    if np.any(var.data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entries")
    var = var.clone()
    with grad_mode.no_grad():  # NOTE: as PyTorch, the clamp is not recorded: ∂/∂σ² is taken at max(σ², eps) and
        var.clamp_(min=eps)  # passed on where σ² < eps too
    loss = 0.5 * (var.log() + (input - y) ** 2 / var)
    return _reduce(loss + 0.5 * math.log(2 * math.pi) if full else loss, reduction)


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False, size_average: Any = None,
                     eps: float = 1e-8, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """exp(x) − y·x for a log-rate x (``log_input``), else x − y·ln(x + eps); ``full`` adds Stirling's
    y ln y − y + ½ ln(2πy) where y > 1, reduced."""
    no_legacy(size_average, reduce, "poisson_nll_loss")
    y = _as_target(target, input, "poisson_nll_loss")
    loss = input.exp() - y * input if log_input else input - y * (input + eps).log()
    if full:
        big = y.data > 1
        safe = where(big, y, 2.0)
        loss = loss + where(big, safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log(), 0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, size_average: Any = None,
                        reduce: Any = None, reduction: str = "mean") -> Tensor:
    """max(0, −y·(x₁ − x₂) + margin): x₁ should rank above x₂ by ``margin`` where y = 1, below where y = −1."""
    no_legacy(size_average, reduce, "margin_ranking_loss")
    y = _as_target(target, input1, "margin_ranking_loss")
    return _reduce((-y * (input1 - input2) + margin).clip(min=0.0), reduction)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between every pair of rows i < j of an (N, M) matrix, in row-major order of the pairs
    (``torch.cdist(x, x)``'s upper triangle);  ∂C/∂x as the norm's, 0 at a zero distance as PyTorch"""
    if input.ndim != 2:
        raise ValueError(f"pdist: expects an (N, M) matrix, got shape {input.shape}")
    first, second = triu_indices(input.shape[0], input.shape[0], 1).data
    return cdist(input[first].unsqueeze(-2), input[second].unsqueeze(-2), p).reshape(-1)


__all__ += ["pdist"]

# ----------------------------------------------------------------------------------------------- more functions
def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) input from ``groups`` groups: C viewed as (groups, C/groups),
    transposed, flattened again (ShuffleNet's shuffle)."""
    if input.ndim < 3:
        raise ValueError(f"channel_shuffle expects input with > 2 dims, got shape {input.shape}")
    if groups < 1 or input.shape[1] % groups:
        raise ValueError(f"channel_shuffle: the number of channels ({input.shape[1]}) must be divisible by groups "
                         f"({groups})")
    n, channels, *rest = input.shape
    return input.reshape(n, groups, channels // groups, *rest).transpose(1, 2).reshape(input.shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
                        ) -> Tensor:
    """x / (k + α·mean of x² over ``size`` neighbouring channels)^β, the window centred as PyTorch's (size//2
    before, (size−1)//2 after, zeros beyond the edges counted in the mean)."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher dimensionality input, got shape {input.shape}")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size}")
    squares = (input * input).movedim(1, -1)
    padded = pad_last_axes(squares, [(size // 2, (size - 1) // 2)])
    average = sliding_windows(padded, (size,), (1,), (1,)).mean(axis=-1).movedim(-1, 1)
    return input / (average * alpha + k) ** beta


def lp_pool(input: Tensor, spatial: int, norm_type: float, kernel_size: Size, stride: Size | None = None,
            ceil_mode: bool = False, what: str = "lp_pool") -> Tensor:
    """(Σ over each window of x^p)^(1/p) over the last ``spatial`` axes, as PyTorch composes it: the window mean
    of x^p, times the window size, then the p-th root (of its positive part, keeping the sign)."""
    mean = avg_pool(input ** norm_type, spatial, kernel_size, stride, 0, ceil_mode, True, None, what)
    window = math.prod(as_tuple(kernel_size, spatial, "kernel_size", 1))
    return (mean.sign() * mean.abs().relu() * window) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Size | None = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, L) input: (Σ over each window of x^p)^(1/p)."""
    return lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Size, stride: Size | None = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, H, W) input: (Σ over each window of x^p)^(1/p)."""
    return lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Size, stride: Size | None = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, D, H, W) input: (Σ over each window of x^p)^(1/p)."""
    return lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomised leaky ReLU: negative values times a slope drawn from U(lower, upper) per element in training
    (from the generator ``tg.manual_seed`` seeds), times the fixed slope (lower + upper)/2 otherwise."""
    if inplace:
        return rrelu_(input, lower, upper, training)
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expected 0 <= lower <= upper, got lower={lower}, upper={upper}")
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    slopes = Tensor.wrap(generator().uniform(lower, upper, input.shape).astype(input.dtype))
    return where(input.data >= 0, input, input * slopes)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
                   ) -> Tensor:
    """softmax((logits + g)/τ) with Gumbel(0, 1) noise g = −ln E, E ~ Exponential(1) from the generator
    ``tg.manual_seed`` seeds; ``hard`` gives the one-hot of the argmax in the forward pass and the soft sample's
    gradient (the straight-through estimator y_hard − y.detach() + y). ``eps`` is unused, as in PyTorch."""
    if tau <= 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got {tau}")
    gumbels = Tensor.wrap(-np.log(generator().exponential(1.0, logits.shape)).astype(logits.dtype))
    y = softmax((logits + gumbels) / tau, dim=dim)
    if not hard:
        return y
    index = np.expand_dims(y.data.argmax(axis=dim), dim)
    one_hot = np.zeros(y.shape, dtype=y.dtype)
    np.put_along_axis(one_hot, index, 1.0, axis=dim)
    return Tensor.wrap(one_hot) - y.detach() + y


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Σ over classes i ≠ y of w[y]·max(0, margin − x[y] + x[i])^p, divided by the number of classes C (the
    multi-class hinge loss; p is 1 or 2)."""
    no_legacy(size_average, reduce, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got p={p}")
    if input.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: expected (N, C) or (C,) input, got shape {input.shape}")
    labels, classes = _class_targets(input, target, -100, "multi_margin_loss")
    rows, labels = input.reshape(-1, classes), labels.reshape(-1)
    picked = rows[np.arange(rows.shape[0]), labels].unsqueeze(-1)
    hinge = (rows - picked + margin).relu()
    others = np.arange(classes) != labels[:, None]
    loss = where(others, hinge ** p if p == 2 else hinge, 0.0)
    weights = _class_weights(weight, classes, input.dtype, "multi_margin_loss")
    if weights is not None:
        loss = loss * Tensor.wrap(weights[labels][:, None])
    loss = loss.sum(axis=-1) / classes
    return _reduce(loss.reshape(input.shape[:-1]), reduction)


def multilabel_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    """Σ over target classes j and non-target classes i of max(0, 1 − (x[j] − x[i])), divided by C; each row of
    ``target`` lists the target classes, ended by the first −1 (PyTorch's layout)."""
    no_legacy(size_average, reduce, "multilabel_margin_loss")
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if input.ndim not in (1, 2) or labels.shape != input.shape or labels.dtype.kind not in "iu":
        raise ValueError(f"multilabel_margin_loss: expected (N, C) or (C,) input and integer targets of the same "
                         f"shape, got {input.shape} and {labels.shape} ({labels.dtype})")
    classes = input.shape[-1]
    rows, labels = input.reshape(-1, classes), labels.reshape(-1, classes)
    listed = np.cumprod(labels != -1, axis=-1).astype(bool)  # the entries before each row's first −1
    if (labels[listed] < 0).any() or (labels[listed] >= classes).any():
        raise ValueError(f"multilabel_margin_loss: target classes must lie in [0, {classes}) before the first -1")
    counts = np.zeros(rows.shape, dtype=input.dtype)  # how often each class is listed (PyTorch counts repeats)
    np.add.at(counts, (np.nonzero(listed)[0], labels[listed]), 1)
    pairs = (1 - rows.unsqueeze(-1) + rows.unsqueeze(-2)).relu()  # [n, j, i] = max(0, 1 − (x[j] − x[i]))
    mask = counts[:, :, None] * (counts == 0)[:, None, :]
    loss = (pairs * Tensor.wrap(mask)).sum(axis=(-2, -1)) / classes
    return _reduce(loss.reshape(input.shape[:-1]), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                                reduce: Any = None, reduction: str = "mean") -> Tensor:
    """−mean over classes of w·(y·ln σ(x) + (1 − y)·ln σ(−x)): one binary cross-entropy per class, averaged."""
    no_legacy(size_average, reduce, "multilabel_soft_margin_loss")
    y = _as_target(target, input, "multilabel_soft_margin_loss")
    loss = -(y * logsigmoid(input) + (1 - y) * logsigmoid(-input))
    if weight is not None:
        loss = loss * (weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight, dtype=input.dtype)))
    return _reduce(loss.sum(axis=-1) / input.shape[-1], reduction)


def max_unpool(input: Tensor, indices: Any, spatial: int, kernel_size: Size, stride: Size | None, padding: Size,
               output_size: Sequence[int] | None, what: str) -> Tensor:
    """The partial inverse of ``max_pool`` over the last ``spatial`` axes: each value put back at its index in a
    zero output, n_out = (n − 1)·s − 2p + k per axis unless ``output_size`` says otherwise.

    NOTE: where two values share an index (overlapping windows) the last one lands, yet each gets the gradient at
    its index, as PyTorch: then the scatter's value carries the gradient of a scatter-add (a gather), whose value is
    taken away again (refused for non-finite values, where that subtraction would give NaN).
    """
    x, unbatched = _batched(input, spatial, what)
    where_from = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if where_from.dtype.kind not in "iu" or where_from.shape != input.shape:
        raise ValueError(f"{what}: indices must be integers shaped like the input {input.shape}, got "
                         f"{where_from.shape} ({where_from.dtype})")
    kernel, stride, padding, _ = pool_arguments(spatial, kernel_size, stride, padding, 1, what)
    default = [(n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], stride, padding, kernel)]
    size = default if output_size is None else [int(n) for n in tuple(output_size)[-spatial:]]
    if output_size is not None and (len(tuple(output_size)) not in (spatial, input.ndim) or any(
            not d - s < n < d + s for n, d, s in zip(size, default, stride))):
        raise ValueError(f"{what}: output_size {tuple(output_size)} must be within a stride of the default "
                         f"{tuple(default)} (the last {spatial} sizes, or the full shape)")
    plane = math.prod(size)
    where_from = where_from.reshape(x.shape[0], x.shape[1], -1)
    if where_from.size and (where_from.min() < 0 or where_from.max() >= plane):
        raise ValueError(f"{what}: indices must lie in [0, {plane}) for an output of size {tuple(size)}, got "
                         f"values in [{where_from.min()}, {where_from.max()}]")
    zeros = Tensor.wrap(np.zeros((x.shape[0], x.shape[1], plane), dtype=x.dtype))
    values = x.reshape(x.shape[0], x.shape[1], -1)
    ordered = np.sort(where_from, axis=-1)
    if not (ordered[..., 1:] == ordered[..., :-1]).any():  # one value per place: the scatter's gradient is a gather
        y = zeros.scatter(-1, where_from, values)
    elif not np.isfinite(values.data).all():
        raise ValueError(f"{what}: indices that repeat within a plane (overlapping windows) need finite values")
    else:
        gathered = zeros.scatter_add(-1, where_from, values)
        y = zeros.scatter(-1, where_from, values.detach()) + (gathered - gathered.detach())
    y = y.reshape(*x.shape[:2], *size)
    return y[0] if unbatched else y


def max_unpool1d(input: Tensor, indices: Any, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of ``max_pool1d`` on (N, C, L) or (C, L) input (``max_unpool``)."""
    return max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Any, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of ``max_pool2d`` on (N, C, H, W) or (C, H, W) input (``max_unpool``)."""
    return max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Any, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of ``max_pool3d`` on (N, C, D, H, W) or (C, D, H, W) input (``max_unpool``)."""
    return max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")


EMBEDDING_BAG_MODES = ("sum", "mean", "max")


def _bags(input: np.ndarray, offsets: Any, include_last_offset: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Flat indices, the bag of each, and the number of bags: rows of a 2-D input, or a 1-D input cut at
    ``offsets`` (PyTorch's layout)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets has to be None if input is 2D")
        return input.reshape(-1), np.repeat(np.arange(input.shape[0]), input.shape[1]), input.shape[0]
    if input.ndim != 1 or offsets is None:
        raise ValueError(f"embedding_bag: expected a 2-D input (one bag per row), or a 1-D input with offsets, got "
                         f"shape {input.shape} and offsets {'None' if offsets is None else 'given'}")
    starts = np.asarray(offsets.data if isinstance(offsets, Tensor) else offsets)
    if starts.ndim != 1 or starts.dtype.kind not in "iu" or (starts.size and (
            starts[0] != 0 or (np.diff(starts) < 0).any() or starts[-1] > input.size)):
        raise ValueError(f"embedding_bag: offsets must be a 1-D increasing integer sequence starting at 0 and at most "
                         f"the input's length {input.size}, got {starts.tolist()}")
    if include_last_offset and (starts.size == 0 or starts[-1] != input.size):
        raise ValueError(f"embedding_bag: with include_last_offset=True the last offset must be the input's length "
                         f"{input.size} (the CSR layout), got offsets {starts.tolist()}")
    count = len(starts) - 1 if include_last_offset else len(starts)
    bag_of = np.searchsorted(starts, np.arange(input.size), side="right") - 1
    return input, bag_of, count


def embedding_bag(input: Any, weight: Tensor, offsets: Any = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or maximum of each bag's rows of ``weight`` (bags: rows of a 2-D input, or a 1-D input cut
    at ``offsets``); ``per_sample_weights`` scale the rows (sum only); ``padding_idx`` entries are left out;
    an empty bag gives zeros. Sum and mean are a matmul with a constant (bags × entries) matrix.

    NOTE: in max mode the gradient goes to the first maximum of each bag and dimension, as PyTorch's kernel.
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: max_norm, scale_grad_by_freq and sparse are not supported")
    if mode not in EMBEDDING_BAG_MODES:
        raise ValueError(f"embedding_bag: mode must be one of {EMBEDDING_BAG_MODES}, got {mode!r}")
    indices = class_indices(input, "embedding_bag")
    flat, bag_of, bags = _bags(indices, offsets, include_last_offset)
    rows = weight.shape[0]
    if flat.size and (flat.min() < 0 or flat.max() >= rows):
        raise IndexError(f"embedding_bag: indices must lie in [0, {rows}), got values in [{flat.min()}, "
                         f"{flat.max()}]")
    looked_up = weight[flat]  # (entries, D)
    member = (bag_of[None, :] == np.arange(bags)[:, None])  # (bags, entries)
    if padding_idx is not None:
        member &= flat[None, :] != (padding_idx + rows if padding_idx < 0 else padding_idx)
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"embedding_bag: per_sample_weights is only supported for mode='sum', got {mode!r}")
        if tuple(per_sample_weights.shape) != indices.shape:
            raise ValueError(f"embedding_bag: per_sample_weights must be shaped like the input {indices.shape}, got "
                             f"{tuple(per_sample_weights.shape)}")
        looked_up = looked_up * per_sample_weights.reshape(-1, 1)
    if mode == "max":
        values = np.where(member[:, :, None], looked_up.data[None], -np.inf)  # (bags, entries, D)
        choice = values.argmax(axis=1)  # the first maximum
        picked = looked_up[choice, np.arange(weight.shape[1])[None, :]]
        return where(member.any(axis=1)[:, None], picked, 0.0)
    matrix = member.astype(weight.dtype)
    if mode == "mean":
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    return Tensor.wrap(matrix) @ looked_up


# ----------------------------------------------------------------------------------------------- more losses
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) − d(a, n)) for any ``distance_function`` d (``pairwise_distance`` by default);
    ``swap`` uses min(d(a, n), d(p, n))."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                         f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                         f"{negative.ndim}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    to_negative = distance(anchor, negative)
    if swap:
        to_negative = to_negative.minimum(distance(positive, negative))
    return _reduce((distance(anchor, positive) - to_negative + margin).clamp_min(0.0), reduction)


def _log_add(terms: Tensor) -> Tensor:
    """log Σ exp over the last axis, −inf where every term is −inf — with a zero gradient there (not the NaN of
    0·∞ that a plain logsumexp gives): the paths CTC cannot take yet carry nothing."""
    shift = np.max(terms.data, axis=-1, keepdims=True)
    shift = Tensor.wrap(np.where(np.isfinite(shift), shift, 0).astype(terms.dtype))
    total = (terms - shift).exp().sum(axis=-1)
    reachable = total.data > 0
    return where(reachable, where(reachable, total, 1.0).log() + shift[..., 0], -np.inf)


def _ctc_lengths(values: Any, batch: int, what: str) -> np.ndarray:
    lengths = np.asarray(values.data if isinstance(values, Tensor) else values).reshape(-1)
    if lengths.dtype.kind not in "iu" or lengths.shape != (batch,) or (lengths < 0).any():
        raise ValueError(f"ctc_loss: {what} must hold {batch} non-negative integer(s), got {lengths.tolist()}")
    return lengths.astype(np.int64)


def _ctc_targets(targets: Any, target_lengths: np.ndarray, batch: int, classes: int, blank: int) -> np.ndarray:
    """The targets as a padded (N, S_max) int array (PyTorch takes them padded or concatenated in 1-D)."""
    labels = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"ctc_loss: targets must be integers, got dtype {labels.dtype}")
    longest = int(target_lengths.max(initial=0))
    if labels.ndim == 2 and labels.shape[0] == batch:
        if labels.shape[1] < longest:
            raise ValueError(f"ctc_loss: targets of shape {labels.shape} are shorter than a target length {longest}")
        padded = labels[:, :longest]
    elif labels.ndim == 1 and (batch > 1 or labels.size == target_lengths.sum()):
        if labels.size != target_lengths.sum():
            raise ValueError(f"ctc_loss: concatenated targets must hold sum(target_lengths) = {target_lengths.sum()} "
                             f"labels, got {labels.size}")
        padded = np.zeros((batch, longest), np.int64)
        for n, (start, length) in enumerate(zip(np.cumsum(target_lengths) - target_lengths, target_lengths)):
            padded[n, :length] = labels[start : start + length]
    else:
        raise ValueError(f"ctc_loss: targets must be (N, S) padded or 1-D concatenated, got shape {labels.shape}")
    used = padded[np.arange(longest)[None, :] < target_lengths[:, None]]
    if used.size and (used.min() < 0 or used.max() >= classes or (used == blank).any()):
        raise ValueError(f"ctc_loss: target labels must lie in [0, {classes}) and not be the blank ({blank})")
    return padded.astype(np.int64)


def ctc_loss(log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The connectionist temporal classification loss: −log Σ over every alignment of the target (labels with
    blanks between and repeats merged) of Π_t p_t(label), by Graves' forward (α) recursion in log space,
    α_t(s) = log p_t(l'_s) + logsumexp(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) where l'_s ≠ blank, l'_{s−2}).
    log_probs (T, N, C) or (T, C); 'mean' divides each loss by its target length, then averages.

    NOTE: composed from ops, so the gradient is d loss / d log_probs itself (−the posterior of each label); PyTorch's
    kernel returns that plus exp(log_probs) — the same gradient once it flows back through a log_softmax, which
    sums each row to zero: d/d logits agree."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"ctc_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    unbatched = log_probs.ndim == 2
    x = log_probs.unsqueeze(1) if unbatched else log_probs
    if x.ndim != 3 or x.dtype.kind != "f":
        raise ValueError(f"ctc_loss: log_probs must be floating (T, N, C) or (T, C), got shape {log_probs.shape} "
                         f"({log_probs.dtype})")
    steps, batch, classes = x.shape
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_loss: blank must be in label range [0, {classes}), got {blank}")
    input_lengths = _ctc_lengths(input_lengths, batch, "input_lengths")
    target_lengths = _ctc_lengths(target_lengths, batch, "target_lengths")
    if (input_lengths > steps).any():
        raise ValueError(f"ctc_loss: input_lengths must be at most the {steps} time steps, got "
                         f"{input_lengths.tolist()}")
    labels = _ctc_targets(targets, target_lengths, batch, classes, blank)
    states = 2 * labels.shape[1] + 1  # l' = blank, l₁, blank, l₂, …, blank
    extended = np.full((batch, states), blank, np.int64)
    extended[:, 1::2] = labels
    valid = np.arange(states)[None, :] < 2 * target_lengths[:, None] + 1
    skip = np.zeros((batch, states), bool)  # α_{t−1}(s−2) may reach s: a label that differs from the one before it
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    emitted = x[:, np.arange(batch)[:, None], extended]  # (T, N, states): log p_t(l'_s)
    minus_inf = Tensor.wrap(np.full((batch, 1), -np.inf, x.dtype))
    start = (np.arange(states)[None, :] < 2) & valid
    alpha = where(start, emitted[0], -np.inf)
    for t in range(1, steps):
        one_back = cat([minus_inf, alpha], axis=1)[:, :states]
        two_back = where(skip, cat([minus_inf, minus_inf, alpha], axis=1)[:, :states], -np.inf)
        moved = where(valid, emitted[t] + _log_add(stack([alpha, one_back, two_back], axis=-1)), -np.inf)
        alpha = where((t < input_lengths)[:, None], moved, alpha)  # a finished sequence keeps its last α
    last = 2 * target_lengths
    ends = alpha[np.arange(batch)[:, None], np.stack([last, np.maximum(last - 1, 0)], axis=1)]
    ends = where(np.stack([np.ones(batch, bool), target_lengths > 0], axis=1), ends, -np.inf)
    nll = -_log_add(ends)
    if (input_lengths == 0).any():  # no frames: only the empty target has an alignment (probability 1)
        nll = where(input_lengths == 0, np.where(target_lengths == 0, 0.0, np.inf).astype(x.dtype), nll)
    if zero_infinity:
        nll = where(np.isinf(nll.data), 0.0, nll)
    if reduction == "mean":
        return (nll / Tensor.wrap(np.maximum(target_lengths, 1).astype(x.dtype))).mean()
    if reduction == "sum":
        return nll.sum()
    return nll[0] if unbatched else nll


__all__ += ["ctc_loss", "triplet_margin_with_distance_loss"]
