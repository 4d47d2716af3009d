"""Modules that move values around without learning anything: padding, unflattening, pixel shuffles, distances."""

from __future__ import annotations

from collections.abc import Sequence

from .._tensor import Tensor
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from .module import Module


class _Pad(Module):
    """``F.pad`` with a fixed padding of the last ``axes`` axes: an int pads every side, else (left, right, …)."""

    axes = 1
    mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        self._pad_with(padding, 0.0)  # PyTorch's zero, reflection, replication and circular pads take no value

    def _pad_with(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__()
        sides = (padding,) * (2 * self.axes) if isinstance(padding, int) else tuple(padding)
        if len(sides) != 2 * self.axes or not all(isinstance(n, int) for n in sides):
            raise ValueError(f"{type(self).__name__}: padding must be an int or {2 * self.axes} ints, got {padding!r}")
        self.padding, self.value = sides, value

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, self.mode, self.value if self.mode == "constant" else None)

    def extra_repr(self) -> str:
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" else "")


class ConstantPad1d(_Pad):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        self._pad_with(padding, value)


class ConstantPad2d(ConstantPad1d):
    axes = 2


class ZeroPad1d(_Pad):
    pass


class ZeroPad2d(_Pad):
    axes = 2


class ReflectionPad1d(_Pad):
    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    axes = 2


class ReplicationPad1d(_Pad):
    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    axes = 2


class CircularPad1d(_Pad):
    mode = "circular"


class CircularPad2d(CircularPad1d):
    axes = 2


class ConstantPad3d(ConstantPad1d):
    axes = 3


class ZeroPad3d(_Pad):
    axes = 3


class ReflectionPad3d(ReflectionPad1d):
    axes = 3


class ReplicationPad3d(ReplicationPad1d):
    axes = 3


class CircularPad3d(CircularPad1d):
    axes = 3


class Unflatten(Module):
    """Axis ``dim`` split into ``unflattened_size`` (one entry may be −1): the inverse of ``Flatten``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class PixelShuffle(Module):
    """(…, C·r², H, W) → (…, C, H·r, W·r)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, self.upscale_factor)


class PixelUnshuffle(Module):
    """(…, C, H·r, W·r) → (…, C·r², H, W)."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_unshuffle(x, self.downscale_factor)


class CosineSimilarity(Module):
    """cos(x₁, x₂) along ``dim``."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x₁ − x₂ + eps‖ₚ along the last axis."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class ChannelShuffle(Module):
    """``F.channel_shuffle``: the channels of ``groups`` groups interleaved."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: Tensor) -> Tensor:
        return F.channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
