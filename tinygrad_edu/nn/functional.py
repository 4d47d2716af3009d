"""Layers and losses as functions, every one composed from primitive ops (no backward of their own).

Their gradients come from the chain rule through the primitives in ``ops``; the tests check them against
central finite differences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops
from .._tensor import Tensor, cat, generator, normalize_axis, stack, where

__all__ = [
    "avg_pool2d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "conv2d", "cross_entropy",
    "dropout", "elu", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh", "l1_loss", "leaky_relu", "linear",
    "log_softmax", "logsigmoid", "max_pool2d", "mish", "mse_loss", "one_hot", "pad", "pad2d", "prelu", "relu", "relu6",
    "selu", "sigmoid", "silu", "softmax", "softmin", "softplus", "softsign", "tanh", "tanhshrink", "unfold2d",
]

Pair = int | tuple[int, int]


def as_pair(value: Pair, what: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(int(v) != v or v < 0 for v in pair):
        raise ValueError(f"{what} must be a non-negative int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


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


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (see ``Tensor.softmax``)."""
    return x.softmax(_implicit_axis(x, one_axis(axis, dim, "softmax"), "softmax"))


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x − log Σ exp(x) along ``dim`` (see ``Tensor.log_softmax``)."""
    return x.log_softmax(_implicit_axis(x, one_axis(axis, dim, "log_softmax"), "log_softmax"))


def relu(x: Tensor) -> Tensor:
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise.  NOTE: the slope at 0 is ``negative_slope``, as PyTorch."""
    return where(x.data > 0, x, x * negative_slope)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """z = (1/β)·ln(1 + e^(βa)), and a itself where βa > ``threshold`` (PyTorch's definition);  ∂z/∂a = σ(βa)
    (1 above the threshold)"""
    scaled = x * beta
    linear = scaled.data > threshold
    return where(linear, x, _log1p_exp(where(linear, 0.0, scaled)) / beta)


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


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) = ½x(1 + erf(x/√2)); ``approximate='tanh'`` uses ½x(1 + tanh(√(2/π)(x + 0.044715x³))) as PyTorch."""
    if approximate == "tanh":
        return x * 0.5 * (((x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)).tanh() + 1.0)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return x * 0.5 * ((x * (1 / math.sqrt(2))).erf() + 1.0)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1−p); identity if not training."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = generator().random(x.shape) >= p
    return x * Tensor.wrap((keep / (1 - p)).astype(x.dtype))


# ----------------------------------------------------------------------------------------------- more activations
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


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


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """z = a·σ(a) (swish);  ∂z/∂a = σ(a)·(1 + a·(1 − σ(a)))"""
    return _floating(x, "silu", inplace) * x.sigmoid()


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """z = a for a > 0, α(eᵃ − 1) otherwise;  ∂z/∂a = 1 for a > 0, α·eᵃ otherwise (α at 0, as PyTorch)"""
    negative = _floating(x, "elu", inplace).data <= 0  # NOTE: a NaN takes the linear branch, as PyTorch
    return where(negative, where(negative, x, 0.0).expm1() * alpha, x)  # NOTE: eᵃ only of a ≤ 0: no inf·0


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """z = λ·elu(a, α) with PyTorch's λ ≈ 1.0507, α ≈ 1.6733;  ∂z/∂a = λ for a > 0, λα·eᵃ otherwise"""
    return elu(x, SELU_ALPHA, inplace) * SELU_SCALE


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """z = a for a > 0, α(e^(a/α) − 1) otherwise;  ∂z/∂a = 1 for a > 0, e^(a/α) otherwise"""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    negative = _floating(x, "celu", inplace).data <= 0
    return where(negative, (where(negative, x, 0.0) / alpha).expm1() * alpha, x)


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """z = a·tanh(softplus(a));  ∂z/∂a = tanh(sp(a)) + a·σ(a)·(1 − tanh²(sp(a)))"""
    return _floating(x, "mish", inplace) * softplus(x).tanh()


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """z = min(max(a, lo), hi);  ∂z/∂a = 1 strictly inside (lo, hi) and at a NaN, 0 at and beyond the bounds (as
    PyTorch, unlike clamp)"""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be larger than max_val ({max_val})")
    refuse_in_place(inplace, "hardtanh")
    if x.dtype.kind != "f":  # PyTorch clamps integers too
        return Tensor.wrap(np.clip(x.data, min_val, max_val).astype(x.dtype))
    beyond = (x.data <= min_val) | (x.data >= max_val)
    return where(beyond, Tensor.wrap(np.clip(x.data, min_val, max_val)), x)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """z = min(max(a, 0), 6);  ∂z/∂a = 1 strictly inside (0, 6), else 0 (as PyTorch)"""
    return hardtanh(x, 0.0, 6.0, inplace)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """z = min(max(a + 3, 0), 6)/6;  ∂z/∂a = 1/6 strictly inside (−3, 3), else 0 (a NaN too, as PyTorch)"""
    inside = (_floating(x, "hardsigmoid", inplace).data > -3) & (x.data < 3)
    return where(inside, (x + 3.0) / 6.0, Tensor.wrap(np.clip(x.data + 3, 0, 6) / 6))


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """z = a·min(max(a + 3, 0), 6)/6;  ∂z/∂a = 0 for a ≤ −3, a/3 + ½ inside (−3, 3), 1 for a ≥ 3 (and at a NaN)"""
    low = _floating(x, "hardswish", inplace).data <= -3
    middle = ~low & (x.data < 3)
    inside = where(middle, x, 0.0)  # NOTE: the quadratic sees only its own inputs: no 0·NaN from the other branches
    return where(middle, inside * (inside + 3.0) / 6.0, where(low, Tensor.wrap(x.data * 0), x))


def logsigmoid(x: Tensor) -> Tensor:
    """z = ln σ(a) = −ln(1 + e⁻ᵃ);  ∂z/∂a = 1 − σ(a) (exact for large |a|)"""
    return -_log1p_exp(-_floating(x, "logsigmoid"))


def softsign(x: Tensor) -> Tensor:
    """z = a/(1 + |a|);  ∂z/∂a = 1/(1 + |a|)²"""
    return x / (x.abs() + 1.0)


def tanhshrink(x: Tensor) -> Tensor:
    """z = a − tanh a;  ∂z/∂a = tanh² a"""
    return x - x.tanh()


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """z = a·σ(b) for the halves a, b of x along ``dim``;  ∂z/∂a = σ(b), ∂z/∂b = a·σ(b)(1 − σ(b))"""
    size = x.shape[normalize_axis(dim, x.ndim, "glu")] if x.ndim else 0
    if size % 2:
        raise ValueError(f"glu: halving dimension {dim} must be even, got size {size}")
    first, second = x.chunk(2, dim) if size else (x, x)
    return first * second.sigmoid()


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """z = a for a > 0, w·a otherwise, w per channel (axis 1);  ∂z/∂a = 1 for a > 0, w otherwise (w at 0, as
    PyTorch), ∂z/∂w = a for a ≤ 0"""
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.size not in (1, channels):
        raise ValueError(f"prelu: {weight.size} weights for {channels} channel(s) (input shape {x.shape})")
    w = weight.reshape(-1, *(1,) * (x.ndim - 2)) if x.ndim >= 2 and weight.size > 1 else weight.reshape(())
    return where(_floating(x, "prelu").data > 0, x, x * w)


def softmin(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """z = softmax(−a) along ``dim``;  ∂zᵢ/∂aⱼ = −zᵢ(δᵢⱼ − zⱼ)"""
    return (-x).softmax(_implicit_axis(x, one_axis(axis, dim, "softmin"), "softmin"))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 indices (…) as one-hot rows (…, num_classes) of int64, num_classes = max + 1 by default (no gradient)"""
    labels = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
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


# ----------------------------------------------------------------------------------------------- linear, conv, pool
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ Wᵀ + b, W of shape (out, in): the seed's z = W·a + b for a batch of rows."""
    if x.shape[-1] != weight.shape[-1]:
        raise ValueError(f"linear: input has {x.shape[-1]} features (shape {x.shape}), weight expects "
                         f"{weight.shape[-1]} (shape {weight.shape})")
    one_op = x.ndim > 1 and x.dtype == weight.dtype  # else a vector, or an integer x promoted to W's dtype
    y = ops.MatMulT.apply(x, weight) if one_op else x @ weight.T
    return y if bias is None else y + bias


def pad2d(x: Tensor, padding: Pair, value: float = 0.0) -> Tensor:
    """Pad the last two axes of ``x`` by (ph, pw) on each side with ``value`` (a concatenation of constants)."""
    ph, pw = as_pair(padding, "padding")
    if ph:
        rows = Tensor.wrap(np.full((*x.shape[:-2], ph, x.shape[-1]), value, dtype=x.dtype))
        x = cat([rows, x, rows], axis=-2)
    if pw:
        cols = Tensor.wrap(np.full((*x.shape[:-1], pw), value, dtype=x.dtype))
        x = cat([cols, x, cols], axis=-1)
    return x


def unfold2d(x: Tensor, kernel_size: Pair, stride: Pair = 1) -> Tensor:
    """Sliding windows of an (N, C, H, W) input as (N, C, OH, OW, kh·kw): one strided slice per kernel offset.

    Each slice is a basic-indexing view, so its backward is a plain slice assignment; the kernel offsets'
    gradients are summed by the engine. Convolution and pooling are reductions over the last axis.
    """
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(stride, "stride")
    if x.ndim != 4:
        raise ValueError(f"expected an NCHW input of 4 dimensions, got shape {x.shape}")
    if min(kh, kw, sh, sw) < 1:
        raise ValueError(f"kernel_size and stride must be positive, got {(kh, kw)} and {(sh, sw)}")
    height, width = x.shape[2], x.shape[3]
    if kh > height or kw > width:
        raise ValueError(f"kernel {(kh, kw)} is larger than the (padded) input {(height, width)}")
    oh, ow = (height - kh) // sh + 1, (width - kw) // sw + 1
    windows = [x[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
               for i in range(kh) for j in range(kw)]
    return stack(windows, axis=-1)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Pair = 1, padding: Pair = 0) -> Tensor:
    """2-D cross-correlation on NCHW input with weight (out, in, kh, kw): im2col windows, then one matmul."""
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input {x.shape} (N, C, H, W) and weight {weight.shape} (out, C, kh, kw) "
                         "must agree on C")
    out_channels, in_channels, kh, kw = weight.shape
    cols = unfold2d(pad2d(x, padding), (kh, kw), stride)  # (N, C, OH, OW, kh·kw)
    n, _, oh, ow, _ = cols.shape
    rows = cols.transpose(0, 2, 3, 1, 4).reshape(n * oh * ow, in_channels * kh * kw)
    y = rows @ weight.reshape(out_channels, -1).T  # (N·OH·OW, out)
    if bias is not None:
        y = y + bias
    return y.reshape(n, oh, ow, out_channels).transpose(0, 3, 1, 2)


def max_pool2d(x: Tensor, kernel_size: Pair, stride: Pair | None = None, padding: Pair = 0) -> Tensor:
    """Maximum over each window (stride defaults to the kernel size).  NOTE: tied maxima share the gradient."""
    padded = pad2d(x, padding, value=-np.inf)
    return unfold2d(padded, kernel_size, kernel_size if stride is None else stride).max(axis=-1)


def avg_pool2d(x: Tensor, kernel_size: Pair, stride: Pair | None = None, padding: Pair = 0) -> Tensor:
    """Mean over each window (zero padding counts towards the mean, as PyTorch's default)."""
    return unfold2d(pad2d(x, padding), kernel_size, kernel_size if stride is None else stride).mean(axis=-1)


# ----------------------------------------------------------------------------------------------- losses
REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _as_target(target: Any, like: Tensor, what: str) -> Tensor:
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=like.dtype))
    elif target.dtype != like.dtype:
        target = target.astype(like.dtype)  # e.g. integer labels: no float32 → float64 promotion
    if target.shape != like.shape:
        raise ValueError(f"{what}: input shape {like.shape} and target shape {target.shape} differ")
    return target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(x̂ − y)², reduced. The seed's cost C (summed over features, averaged over datapoints) is
    ``reduction='sum'`` divided by the batch size, or the default mean times the number of features."""
    diff = input - _as_target(target, input, "mse_loss")
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x̂ − y|, reduced.  NOTE: the gradient at x̂ = y is 0."""
    return _reduce((input - _as_target(target, input, "l1_loss")).abs(), reduction)


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """−log softmax(x)[target] for logits (N, C) or (N, C, d…) and integer targets (N) or (N, d…)."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {labels.dtype}")
    if input.ndim < 1 or (labels.shape != input.shape[:1] + input.shape[2:] and labels.shape != input.shape[:-1]):
        raise ValueError(f"cross_entropy: logits of shape {input.shape} need targets of shape "
                         f"{input.shape[:1] + input.shape[2:]}, got {labels.shape}")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"cross_entropy: targets must lie in [0, {classes}), got values in "
                         f"[{labels.min()}, {labels.max()}]")
    logits = input if input.ndim == 1 else input.permute(0, *range(2, input.ndim), 1)  # classes last
    log_p = logits.reshape(-1, classes).log_softmax(axis=-1)
    picked = log_p[np.arange(log_p.shape[0]), labels.reshape(-1)]
    return _reduce(-picked.reshape(labels.shape), reduction)


def _clamped_log(p: Tensor) -> Tensor:
    """log p clamped below at −100, as PyTorch's BCELoss (so p = 0 or 1 gives a finite loss)."""
    positive = p.data > 0
    safe = where(positive, p, 1.0)  # NOTE: log is never taken of 0, so no inf·0 = nan in the backward
    return where(positive, safe.log(), -100.0).clip(lo=-100.0)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """−[y log p + (1 − y) log(1 − p)] for probabilities p."""
    y = _as_target(target, input, "binary_cross_entropy")
    if not ((input.data >= 0) & (input.data <= 1)).all():  # NOTE: a NaN is outside too, as PyTorch
        raise ValueError("binary_cross_entropy: all elements of input should be probabilities in [0, 1] "
                         "(use binary_cross_entropy_with_logits for logits)")
    return _reduce(-(y * _clamped_log(input) + (1.0 - y) * _clamped_log(1.0 - input)), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """BCE of σ(x) without forming σ(x): log(1 + eˣ) − x·y, exact for any logit (no cancellation at large x)."""
    y = _as_target(target, input, "binary_cross_entropy_with_logits")
    return _reduce(_log1p_exp(input, shift=y), reduction)
