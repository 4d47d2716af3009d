"""Layers: thin ``Module`` wrappers that own parameters and call the compositions in ``nn.functional``: activations,
dropout, ``Linear``, ``MLP``, ``Embedding``. Convolution and pooling are in ``conv``, normalisation in
``normalization``, recurrent layers in ``recurrent``, attention and transformers in ``attention``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from . import init
from .container import Sequential
from .module import Module, Parameter, with_device_and_dtype


def _empty(*shape: int) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.float32))


# ----------------------------------------------------------------------------------------------- activations
class Identity(Module):
    """g(z) = z: the seed's linear output activation g^L."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Any arguments are ignored, as PyTorch's ``nn.Identity(54, unused_argument=0.1)``."""
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    """max(a, 0); ``inplace=True`` writes the result into the input (PyTorch's flag, its rules: ``x.relu_()``)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        F.refuse_in_place(inplace, "LeakyReLU")
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
        self.start_dim = start_dim if start_axis is None else start_axis  # PyTorch's attribute names
        self.end_dim = end_dim if end_axis is None else end_axis

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class _DropoutNd(Module):
    _function: Any

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        if inplace:
            raise NotImplementedError("inplace=True: in-place dropout is not supported; use the returned tensor")
        self.p, self.inplace = p, inplace

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._function(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Inverted dropout with probability ``p`` in training mode; the identity in eval mode."""

    _function = F.dropout


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) input in training mode."""

    _function = F.dropout1d


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) input in training mode."""

    _function = F.dropout2d


class AlphaDropout(_DropoutNd):
    """Dropout that keeps a SELU network's mean and variance (``F.alpha_dropout``)."""

    _function = F.alpha_dropout


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input in training mode."""

    _function = F.dropout3d


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, ...) input in training mode (``F.feature_alpha_dropout``)."""

    _function = F.feature_alpha_dropout


# ----------------------------------------------------------------------------------------------- linear
class Linear(Module):
    """a = x @ Wᵀ + b with W of shape (out, in): the seed's z^l = W^l · a^(l−1) + b^l, one row per sample."""

    @with_device_and_dtype
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


class Bilinear(Module):
    """y = x1ᵀ·W·x2 + b per output, weight (out, in1, in2) and bias (out) drawn from PyTorch's U(−1/√in1, 1/√in1)."""

    @with_device_and_dtype
    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = _empty(out_features, in1_features, in2_features)
        self.bias = _empty(out_features) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features)
        for parameter in (self.weight, self.bias):
            if parameter is not None:
                init.uniform_(parameter, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")

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


# ----------------------------------------------------------------------------------------------- embedding
def _pretrained_table(cls: type, embeddings: Any) -> np.ndarray:
    """A copy of a from_pretrained table, which must be 2-D."""
    values = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
    if values.ndim != 2:
        raise ValueError(f"{cls.__name__}.from_pretrained needs a 2-D tensor, got shape {values.shape}")
    return values.copy()


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) for index i, initialised N(0, 1); the row
    at ``padding_idx`` starts at zeros and gets no gradient."""

    @with_device_and_dtype
    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(f"{type(self).__name__}: max_norm, scale_grad_by_freq and sparse are not "
                                      "supported")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        if _weight is None:
            self.weight = _empty(num_embeddings, embedding_dim)
            self.reset_parameters()
        else:
            weight = Parameter(_weight, requires_grad=not _freeze)
            if weight.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"{type(self).__name__}: _weight has shape {weight.shape}, expected "
                                 f"{(num_embeddings, embedding_dim)}")
            self.weight = weight

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding over a copy of ``embeddings`` (2-D); ``freeze`` keeps it from being trained."""
        values = _pretrained_table(cls, embeddings)
        return cls(*values.shape, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=values, _freeze=freeze)

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


class EmbeddingBag(Embedding):
    """``F.embedding_bag`` over an ``Embedding``'s table: the sum, mean or maximum of each bag's rows, without
    making the (entries, D) lookups a caller would reduce."""

    @with_device_and_dtype
    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Any = None, include_last_offset: bool = False, padding_idx: int | None = None, *,
                 _freeze: bool = False) -> None:
        if mode not in F.EMBEDDING_BAG_MODES:
            raise ValueError(f"EmbeddingBag: mode must be one of {F.EMBEDDING_BAG_MODES}, got {mode!r}")
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                         _weight, _freeze)
        self.mode, self.include_last_offset = mode, include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag over a copy of ``embeddings`` (2-D), in PyTorch's argument order (max_norm third)."""
        values = _pretrained_table(cls, embeddings)
        return cls(*values.shape, max_norm, norm_type, scale_grad_by_freq, mode, sparse, values, include_last_offset,
                   padding_idx, _freeze=freeze)

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, mode=self.mode, per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}{padding}"
