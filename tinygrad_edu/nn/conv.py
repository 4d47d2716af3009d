"""Convolution, pooling and resizing layers: ``Module`` wrappers over ``nn.functional``, with PyTorch's arguments,
parameter shapes and initialisation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from . import init
from .module import Module, Parameter, with_device_and_dtype

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared by ``Conv1d``, ``Conv2d`` and ``Conv3d``: weight (out, in/groups, *kernel), bias (out), PyTorch's default
    initialisation U(−1/√fan_in, 1/√fan_in) with fan_in = in/groups · kernel size."""

    spatial: int
    _function: Any

    @with_device_and_dtype
    def __init__(self, in_channels: int, out_channels: int, kernel_size: F.Size, stride: F.Size = 1,
                 padding: str | F.Size = 0, dilation: F.Size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros") -> None:
        super().__init__()
        n = self.spatial
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups, self.padding_mode = (in_channels, out_channels, groups,
                                                                               padding_mode)
        self.kernel_size = F.as_tuple(kernel_size, n, "kernel_size", 1)
        self.stride, self.dilation = F.as_tuple(stride, n, "stride", 1), F.as_tuple(dilation, n, "dilation", 1)
        self.padding = padding if isinstance(padding, str) else F.as_tuple(padding, n, "padding")
        self._pads = F.conv_padding(padding, self.kernel_size, self.stride, self.dilation)
        self.weight = Parameter(np.zeros((out_channels, in_channels // groups, *self.kernel_size), np.float32))
        self.bias = Parameter(np.zeros(out_channels, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if self.padding_mode == "zeros":
            return type(self)._function(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                                        self.groups)
        padded = F.pad_last_axes(x, self._pads, self.padding_mode)
        return type(self)._function(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.spatial:
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * self.spatial:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution on (N, C, L) input, weight (out, in/groups, k)."""

    spatial = 1
    _function = F.conv1d


class Conv2d(_ConvNd):
    """2-D convolution on (N, C, H, W) input, weight (out, in/groups, kh, kw), built as im2col windows and a matmul;
    ``padding`` an int, a pair, 'valid' or 'same'; ``padding_mode`` zeros, reflect, replicate or circular."""

    spatial = 2
    _function = F.conv2d


class Conv3d(_ConvNd):
    """3-D convolution on (N, C, D, H, W) input, weight (out, in/groups, kd, kh, kw); padding and padding_mode as
    ``Conv2d``."""

    spatial = 3
    _function = F.conv3d


class _ConvTransposeNd(Module):
    """Shared by ``ConvTranspose1d``, ``ConvTranspose2d`` and ``ConvTranspose3d``: the transposed convolution (the
    gradient of a convolution with respect to its input), weight (in, out/groups, *kernel), bias (out), PyTorch's
    initialisation; output size (n − 1)·s − 2p + d(k − 1) + output_padding + 1 per axis."""

    spatial: int
    _function: Any

    @with_device_and_dtype
    def __init__(self, in_channels: int, out_channels: int, kernel_size: F.Size, stride: F.Size = 1,
                 padding: F.Size = 0, output_padding: F.Size = 0, groups: int = 1, bias: bool = True,
                 dilation: F.Size = 1, padding_mode: str = "zeros") -> None:
        super().__init__()
        n = self.spatial
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}, got '
                             f"{padding_mode!r}")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = F.as_tuple(kernel_size, n, "kernel_size", 1)
        self.stride, self.dilation = F.as_tuple(stride, n, "stride", 1), F.as_tuple(dilation, n, "dilation", 1)
        self.padding = F.as_tuple(padding, n, "padding")
        self.output_padding = F.as_tuple(output_padding, n, "output_padding")
        self.padding_mode = padding_mode
        self.weight = Parameter(np.zeros((in_channels, out_channels // groups, *self.kernel_size), np.float32))
        self.bias = Parameter(np.zeros(out_channels, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_init_(self.weight, self.bias)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        """``output_size`` (the spatial sizes, or a full shape) picks the output_padding that gives it."""
        extra = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return type(self)._function(x, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
                                    self.dilation)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        wanted = tuple(int(n) for n in output_size)[-self.spatial :]
        extra = []
        for size, want, k, s, p, d in zip(x.shape[-self.spatial :], wanted, self.kernel_size, self.stride,
                                          self.padding, self.dilation):
            smallest = (size - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= want < smallest + s:
                raise ValueError(f"requested an output size of {wanted}, but valid sizes range from {smallest} to "
                                 f"{smallest + s - 1} along an axis (for an input of size {size})")
            extra.append(want - smallest)
        return tuple(extra)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        n = self.spatial
        for name, default in (("padding", (0,) * n), ("dilation", (1,) * n), ("output_padding", (0,) * n)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + (", bias=False" if self.bias is None else "")


class ConvTranspose1d(_ConvTransposeNd):
    """The transposed convolution of (N, C, L) input, weight (in, out/groups, k)."""

    spatial = 1
    _function = F.conv_transpose1d


class ConvTranspose2d(_ConvTransposeNd):
    """The transposed convolution of (N, C, H, W) input (the gradient of ``Conv2d`` with respect to its input),
    weight (in, out/groups, kh, kw); output size (H − 1)·s − 2p + d(k − 1) + output_padding + 1."""

    spatial = 2
    _function = F.conv_transpose2d


class ConvTranspose3d(_ConvTransposeNd):
    """The transposed convolution of (N, C, D, H, W) input, weight (in, out/groups, kd, kh, kw)."""

    spatial = 3
    _function = F.conv_transpose3d


# ----------------------------------------------------------------------------------------------- pooling
class _MaxPoolNd(Module):
    _function: Any

    def __init__(self, kernel_size: F.Size, stride: F.Size | None = None, padding: F.Size = 0, dilation: F.Size = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return type(self)._function(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                                    self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Maximum over windows of (N, C, L) input."""

    _function = F.max_pool1d


class MaxPool2d(_MaxPoolNd):
    """Maximum over windows of (N, C, H, W) input (the gradient goes to the first maximum, as PyTorch)."""

    _function = F.max_pool2d


class MaxPool3d(_MaxPoolNd):
    """Maximum over windows of (N, C, D, H, W) input (the gradient goes to the first maximum, as PyTorch)."""

    _function = F.max_pool3d


class AvgPool1d(Module):
    """Mean over windows of (N, C, L) input."""

    def __init__(self, kernel_size: F.Size, stride: F.Size | None = None, padding: F.Size = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(AvgPool1d):
    """Mean over windows of (N, C, H, W) input; ``divisor_override`` replaces the window size."""

    def __init__(self, kernel_size: F.Size, stride: F.Size | None = None, padding: F.Size = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None
                 ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)


class AvgPool3d(AvgPool2d):
    """Mean over windows of (N, C, D, H, W) input; ``divisor_override`` replaces the window size."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)


class AdaptiveAvgPool2d(Module):
    """Mean over PyTorch's adaptive windows, to an output of ``output_size`` (None keeps a size)."""

    spatial = 2  # the 1-D and 3-D forms change only this

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool(x, self.spatial, self.output_size, f"adaptive_avg_pool{self.spatial}d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    """Maximum over PyTorch's adaptive windows (``return_indices`` gives where each maximum is)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.adaptive_max_pool(x, self.spatial, self.output_size, self.return_indices,
                                   f"adaptive_max_pool{self.spatial}d")


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Mean over PyTorch's adaptive windows of (N, C, L) input, to an output of length ``output_size``."""

    spatial = 1


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Maximum over PyTorch's adaptive windows of (N, C, L) input (``return_indices`` gives where, along L)."""

    spatial = 1


class Upsample(Module):
    """``F.interpolate`` as a layer: to ``size`` or by ``scale_factor``, in any of its modes (nearest, nearest-exact,
    area, linear, bilinear, trilinear, bicubic)."""

    def __init__(self, size: F.Size | None = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class Unfold(Module):
    """``F.unfold`` as a layer: (N, C, H, W) → (N, C·kh·kw, L), the sliding windows as columns."""

    def __init__(self, kernel_size: F.Size, dilation: F.Size = 1, padding: F.Size = 0, stride: F.Size = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Unfold):
    """``F.fold`` as a layer: (N, C·kh·kw, L) → (N, C, *output_size), overlapping windows summed."""

    def __init__(self, output_size: F.Size, kernel_size: F.Size, dilation: F.Size = 1, padding: F.Size = 0,
                 stride: F.Size = 1) -> None:
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, {super().extra_repr()}"


class UpsamplingNearest2d(Upsample):
    """``Upsample`` with mode 'nearest' on (N, C, H, W) input."""

    def __init__(self, size: F.Size | None = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample`` with mode 'bilinear' and align_corners=True (PyTorch's choice for this class)."""

    def __init__(self, size: F.Size | None = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class LPPool1d(Module):
    """Power-average pooling of (N, C, L) input: (Σ over each window of x^p)^(1/p)."""

    spatial = 1

    def __init__(self, norm_type: float, kernel_size: F.Size, stride: F.Size | None = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool(x, self.spatial, self.norm_type, self.kernel_size, self.stride, self.ceil_mode,
                         type(self).__name__)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """Power-average pooling of (N, C, H, W) input: (Σ over each window of x^p)^(1/p)."""

    spatial = 2


class _MaxUnpoolNd(Module):
    """``F.max_unpool``: the values of a max pooling with ``return_indices=True`` put back where they came from."""

    spatial: int
    _function: Any

    def __init__(self, kernel_size: F.Size, stride: F.Size | None = None, padding: F.Size = 0) -> None:
        super().__init__()
        n = self.spatial
        self.kernel_size = F.as_tuple(kernel_size, n, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else F.as_tuple(stride, n, "stride", 1)
        self.padding = F.as_tuple(padding, n, "padding")

    def forward(self, x: Tensor, indices: Any, output_size: Any = None) -> Tensor:
        return type(self)._function(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``F.max_unpool1d``: the values of a ``MaxPool1d(return_indices=True)`` put back where they came from."""

    spatial = 1
    _function = F.max_unpool1d


class MaxUnpool2d(_MaxUnpoolNd):
    """``F.max_unpool2d``: the values of a ``MaxPool2d(return_indices=True)`` put back where they came from."""

    spatial = 2
    _function = F.max_unpool2d


class MaxUnpool3d(_MaxUnpoolNd):
    """``F.max_unpool3d``: the values of a ``MaxPool3d(return_indices=True)`` put back where they came from."""

    spatial = 3
    _function = F.max_unpool3d


class LPPool3d(LPPool1d):
    """Power-average pooling of (N, C, D, H, W) input: (Σ over each window of x^p)^(1/p)."""

    spatial = 3


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Mean over PyTorch's adaptive windows of (N, C, D, H, W) input, to an output of ``output_size``."""

    spatial = 3


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Maximum over PyTorch's adaptive windows of (N, C, D, H, W) input (``return_indices``: where, in D·H·W)."""

    spatial = 3
