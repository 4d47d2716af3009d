"""Layers: thin ``Module`` wrappers that own parameters and call the compositions in ``nn.functional``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from . import init
from .module import Module, Parameter, Sequential


def _empty(*shape: int) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.float32))


# ----------------------------------------------------------------------------------------------- activations
class Identity(Module):
    """g(z) = z: the seed's linear output activation g^L."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """softmax along ``dim`` (PyTorch's keyword; numpy's ``axis`` works too)."""

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        self.dim = F.one_axis(axis, dim, "Softmax")

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Flatten(Module):
    """Flatten axes ``start_dim``…``end_dim`` (by default all but the batch axis); numpy's names work too."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1, *, start_axis: int | None = None,
                 end_axis: int | None = None) -> None:
        super().__init__()
        self.start_axis = start_dim if start_axis is None else start_axis
        self.end_axis = end_dim if end_axis is None else end_axis

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_axis, self.end_axis)


class Dropout(Module):
    """Inverted dropout with probability ``p`` in training mode; the identity in eval mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ----------------------------------------------------------------------------------------------- linear
class Linear(Module):
    """a = x @ Wᵀ + b with W of shape (out, in): the seed's z^l = W^l · a^(l−1) + b^l, one row per sample."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = _empty(out_features, in_features)
        self.bias = _empty(out_features) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class MLP(Sequential):
    """The seed's network in one line: Linear layers of ``sizes`` with ``activation`` between them.

    ``activation`` (default ``Tanh``) and ``output_activation`` (default ``Identity``, the seed's g^L(z) = z) are
    Module classes (a fresh instance per layer) or instances (shared by every layer).
    """

    def __init__(self, sizes: Sequence[int], activation: Any = None, output_activation: Any = None) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes {list(sizes)}")
        layers: list[Module] = []
        for index, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out))
            last = index == len(sizes) - 2
            layers.append(_activation(output_activation if last else activation, Identity if last else Tanh))
        super().__init__(*layers)


def _activation(choice: Any, default: type[Module]) -> Module:
    if choice is None:
        return default()
    if isinstance(choice, Module):
        return choice
    if isinstance(choice, type) and issubclass(choice, Module):
        return choice()
    raise TypeError(f"an activation must be a Module class or instance, got {choice!r}")


# ----------------------------------------------------------------------------------------------- convolution, pooling
class Conv2d(Module):
    """2-D convolution on NCHW input, weight (out, in, kh, kw), built as im2col windows and a matmul."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: F.Pair, stride: F.Pair = 1,
                 padding: F.Pair = 0, bias: bool = True) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F.as_pair(kernel_size, "kernel_size")
        self.stride, self.padding = F.as_pair(stride, "stride"), F.as_pair(padding, "padding")
        self.weight = _empty(out_channels, in_channels, *self.kernel_size)
        self.bias = _empty(out_channels) if bias else None
        init.default_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, bias={self.bias is not None}")


class _Pool2d(Module):
    def __init__(self, kernel_size: F.Pair, stride: F.Pair | None = None, padding: F.Pair = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


# ----------------------------------------------------------------------------------------------- normalisation
class _BatchNorm(Module):
    """Normalise each channel by batch statistics in training (updating running ones), by running ones in eval."""

    _axes: tuple[int, ...]
    _ndims: tuple[int, ...]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=np.float32)) if affine else None
        self.bias = _empty(num_features) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=np.float32)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ndims or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects input of "
                             f"{' or '.join(map(str, self._ndims))} dimensions with {self.num_features} channels "
                             f"on axis 1, got shape {x.shape}")
        axes = (0, *range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.training and x.size == x.shape[1]:
            raise ValueError(f"{type(self).__name__} in training needs more than one value per channel, got input "
                             f"of shape {x.shape} (use eval() to normalise single samples by running statistics)")
        if self.training or self.running_mean is None:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True, correction=0)  # biased: the batch's own spread
            if self.training and self.running_mean is not None:
                self._update_running(mean.data.reshape(-1), var.data.reshape(-1), x.size // x.shape[1])
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        y = (x - mean) / (var + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def _update_running(self, mean: np.ndarray, var: np.ndarray, count: int) -> None:
        """running ← (1 − momentum)·running + momentum·batch, with the unbiased batch variance (as PyTorch)."""
        m = self.momentum
        unbiased = var * (count / max(count - 1, 1))
        for buffer, batch in ((self.running_mean, mean), (self.running_var, unbiased)):
            buffer.data[...] = (1 - m) * buffer.data + m * batch
            buffer.version_counter[0] += 1

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, one statistic per channel."""

    _ndims = (4,)


class LayerNorm(Module):
    """Normalise over the last dims ``normalized_shape`` of each sample, then scale and shift elementwise."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True
                 ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.weight = Parameter(np.ones(shape, dtype=np.float32)) if elementwise_affine else None
        self.bias = _empty(*shape) if elementwise_affine else None

    def forward(self, x: Tensor) -> Tensor:
        n = len(self.normalized_shape)
        if x.shape[x.ndim - n :] != self.normalized_shape:
            raise ValueError(f"LayerNorm{self.normalized_shape} got input of shape {x.shape}")
        axes = tuple(range(x.ndim - n, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, correction=0)
        y = (x - mean) / (var + self.eps).sqrt()
        return y if self.weight is None else y * self.weight + self.bias

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) for index i, initialised N(0, 1)."""

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = init.normal_(_empty(num_embeddings, embedding_dim))

    def forward(self, indices: Any) -> Tensor:
        idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"Embedding needs integer indices, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise IndexError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): indices must lie in "
                             f"[0, {self.num_embeddings}), got values in [{idx.min()}, {idx.max()}]")
        return self.weight[idx]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
