"""Normalisation layers: batch, layer, group, instance and RMS norm, with PyTorch's arguments, parameters
(``weight`` ones, ``bias`` zeros) and buffers (``running_mean``, ``running_var``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import engine
from .._tensor import Tensor
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from .module import Module, Parameter, with_device_and_dtype


def _ones(*shape: int) -> Parameter:
    return Parameter(np.ones(shape, dtype=np.float32))


def _zeros(*shape: int) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.float32))


class _NormBase(Module):
    """What batch and instance norm share (PyTorch's ``_NormBase``): an optional per-channel affine map and PyTorch's
    buffers — running_mean, running_var and num_batches_tracked (an int64 count of the training batches batch norm
    has seen), or None for each when the statistics are not tracked — so state dicts move both ways."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = _ones(num_features) if affine else None
        self.bias = _zeros(num_features) if affine else None
        track = track_running_stats
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=np.float32)) if track else None)
        self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=np.float32)) if track else None)
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)) if track else None)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches counted (in place, as PyTorch)."""
        if self.track_running_stats:
            for buffer, value in ((self.running_mean, 0), (self.running_var, 1), (self.num_batches_tracked, 0)):
                buffer.data[...] = value
                engine.bump_version(buffer)

    def reset_parameters(self) -> None:
        """The running statistics reset, and the affine map back to weight 1, bias 0."""
        self.reset_running_stats()
        if self.affine:
            for parameter, value in ((self.weight, 1), (self.bias, 0)):
                parameter.data[...] = value
                engine.bump_version(parameter)


class _BatchNorm(_NormBase):
    """Normalise each channel by batch statistics in training (updating running ones), by running ones in eval."""

    _axes: tuple[int, ...]
    _ndims: tuple[int, ...]

    @with_device_and_dtype
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ndims or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects input of "
                             f"{' or '.join(map(str, self._ndims))} dimensions with {self.num_features} channels "
                             f"on axis 1, got shape {x.shape}")
        if self.training and x.size == x.shape[1]:
            raise ValueError(f"{type(self).__name__} in training needs more than one value per channel, got input "
                             f"of shape {x.shape} (use eval() to normalise single samples by running statistics)")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            engine.bump_version(self.num_batches_tracked)
            if momentum is None:  # PyTorch's cumulative average: every batch so far weighs equally
                momentum = 1.0 / int(self.num_batches_tracked.data)
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or self.running_mean is None, momentum or 0.0, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, one statistic per channel."""

    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) inputs, one statistic per channel."""

    _ndims = (5,)


class LayerNorm(Module):
    """Normalise over the last dims ``normalized_shape`` of each sample, then scale and shift elementwise."""

    @with_device_and_dtype
    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = _ones(*shape) if elementwise_affine else None
        self.bias = _zeros(*shape) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[x.ndim - len(self.normalized_shape) :] != self.normalized_shape:
            raise ValueError(f"LayerNorm{self.normalized_shape} got input of shape {x.shape}")
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class RMSNorm(Module):
    """x / √(mean(x²) + ε) over the last dims ``normalized_shape``, times ``weight`` (ε: the dtype's eps if None)."""

    @with_device_and_dtype
    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = _ones(*shape) if elementwise_affine else None

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise each sample over groups of ``num_channels / num_groups`` channels, then scale and shift per channel."""

    @with_device_and_dtype
    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = _ones(num_channels) if affine else None
        self.bias = _zeros(num_channels) if affine else None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}) expects (N, {self.num_channels}, "
                             f"...) input, got shape {x.shape}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(_NormBase):
    """Normalise each channel of each sample over its positions; no affine and no running statistics by default."""

    spatial: int

    @with_device_and_dtype
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats)

    def forward(self, x: Tensor) -> Tensor:
        unbatched = x.ndim == self.spatial + 1
        if unbatched:
            x = x.unsqueeze(0)
        if x.ndim != self.spatial + 2 or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects ({self.num_features}, ...) or "
                             f"(N, {self.num_features}, ...) input with {self.spatial} spatial axes, got shape "
                             f"{x.shape}")
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum  # PyTorch's: None keeps the running stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            momentum, self.eps)
        return y[0] if unbatched else y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or (C, L) input."""

    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or (C, H, W) input."""

    spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over (N, C, D, H, W) or (C, D, H, W) input."""

    spatial = 3


class LocalResponseNorm(Module):
    """``F.local_response_norm``: x / (k + α·mean of x² over ``size`` neighbouring channels)^β."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
