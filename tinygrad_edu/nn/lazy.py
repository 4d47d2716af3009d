"""Lazy modules (PyTorch's ``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm1d``, ...): the input size is left out of
the constructor and read from the first batch. Until then the parameters are ``UninitializedParameter``s (the same
objects afterwards, so an optimizer made before works); at the first forward they are materialised and initialised
as the full module's, and the module becomes that module (``LazyLinear`` → ``Linear``), as in PyTorch."""

from __future__ import annotations

from typing import Any

from .. import grad_mode
from .._tensor import Tensor
from . import conv, layers, normalization
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from .module import UNINITIALIZED, Module, UninitializedBuffer, UninitializedParameter

__all__ = ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "LazyModuleMixin"]


class LazyModuleMixin:
    """A module whose parameters are materialised by ``initialize_parameters(input)`` in a forward pre-hook on the
    first call, after which it becomes ``cls_to_become`` (PyTorch's mixin)."""

    cls_to_become: type[Module] | None = None

    def start_lazily(self) -> None:
        """Register the pre-hook that materialises the parameters on the first call."""
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module (not its children) still waits for its shape."""
        return any(isinstance(t, UNINITIALIZED) for t in (*self._parameters.values(),
                                                                      *self._buffers.values()))

    def reset_parameters(self) -> None:
        """Initialise as the full module does, once the shapes are known (not the placeholders of construction)."""
        if not self.has_uninitialized_params() and all(p.size for p in self._parameters.values() if p is not None):
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        raise NotImplementedError

    @staticmethod
    def _infer_parameters(module: Any, args: tuple) -> None:
        if not args or not isinstance(args[0], Tensor):
            raise TypeError(f"{type(module).__name__}: the first call must pass the input tensor, from which the "
                            "parameters' shapes are read")
        with grad_mode.no_grad():
            module.initialize_parameters(args[0])
        module._initialize_hook.remove()
        del module._initialize_hook
        Module.edits += 1  # new shapes: a captured step (tg.compile) must capture again
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, layers.Linear):
    """``Linear`` whose ``in_features`` is the last axis of the first input."""

    cls_to_become = layers.Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, bias)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.bias = UninitializedParameter(device=device, dtype=dtype) if bias else None
        self.start_lazily()

    def initialize_parameters(self, input: Tensor) -> None:
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        self.in_features = self.weight.shape[1]


def _channels(module: Any, input: Tensor) -> int:
    """The channel count of a (batched or unbatched) input to a lazy layer over ``module.spatial`` axes."""
    if input.ndim not in (module.spatial + 1, module.spatial + 2):
        raise ValueError(f"{type(module).__name__}: expected a {module.spatial + 1}-D (unbatched) or "
                         f"{module.spatial + 2}-D (batched) input, got shape {input.shape}")
    return input.shape[0] if input.ndim == module.spatial + 1 else input.shape[1]


class _LazyConvMixin(LazyModuleMixin):
    """A convolution whose ``in_channels`` is the channel axis of the first input."""

    transposed = False

    def start_lazily_with(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        if out_channels % self.groups:
            raise ValueError(f"out_channels ({out_channels}) must be divisible by groups ({self.groups})")
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.bias = UninitializedParameter(device=device, dtype=dtype) if bias else None
        self.start_lazily()

    def initialize_parameters(self, input: Tensor) -> None:
        if self.has_uninitialized_params():
            self.in_channels = _channels(self, input)
            if self.in_channels % self.groups:
                raise ValueError(f"{type(self).__name__}: in_channels ({self.in_channels}, from the input) must be "
                                 f"divisible by groups ({self.groups})")
            outer, inner = ((self.in_channels, self.out_channels) if self.transposed else
                            (self.out_channels, self.in_channels))
            self.weight.materialize((outer, inner // self.groups, *self.kernel_size))
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()
        self.in_channels = self.weight.shape[0] if self.transposed else self.weight.shape[1] * self.groups


class _LazyConvNd(_LazyConvMixin):
    def __init__(self, out_channels: int, kernel_size: F.Size, stride: F.Size = 1, padding: str | F.Size = 0,
                 dilation: F.Size = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
        self.start_lazily_with(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvNd, conv.Conv1d):
    """``Conv1d`` whose ``in_channels`` is read from the first input."""

    cls_to_become = conv.Conv1d


class LazyConv2d(_LazyConvNd, conv.Conv2d):
    """``Conv2d`` whose ``in_channels`` is read from the first input."""

    cls_to_become = conv.Conv2d


class LazyConv3d(_LazyConvNd, conv.Conv3d):
    """``Conv3d`` whose ``in_channels`` is read from the first input."""

    cls_to_become = conv.Conv3d


class _LazyConvTransposeNd(_LazyConvMixin):
    transposed = True

    def __init__(self, out_channels: int, kernel_size: F.Size, stride: F.Size = 1, padding: F.Size = 0,
                 output_padding: F.Size = 0, groups: int = 1, bias: bool = True, dilation: F.Size = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode)
        self.start_lazily_with(out_channels, bias, device, dtype)


class LazyConvTranspose1d(_LazyConvTransposeNd, conv.ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` is read from the first input."""

    cls_to_become = conv.ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, conv.ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` is read from the first input."""

    cls_to_become = conv.ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, conv.ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` is read from the first input."""

    cls_to_become = conv.ConvTranspose3d


class _LazyNormBase(LazyModuleMixin):
    """A batch or instance norm whose ``num_features`` is the channel axis of the first input. NOTE: affine and
    track_running_stats default to True for the lazy instance norms too, as in PyTorch."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, eps, momentum, affine, track_running_stats)
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
        self.start_lazily()

    def channels_of(self, input: Tensor) -> int:
        return input.shape[1]

    def initialize_parameters(self, input: Tensor) -> None:
        if self.has_uninitialized_params():
            self.num_features = self.channels_of(input)
            for tensor in (self.weight, self.bias, self.running_mean, self.running_var):
                if tensor is not None:
                    tensor.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, normalization.BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` is read from the first input."""

    cls_to_become = normalization.BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, normalization.BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` is read from the first input."""

    cls_to_become = normalization.BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, normalization.BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` is read from the first input."""

    cls_to_become = normalization.BatchNorm3d


class _LazyInstanceNorm(_LazyNormBase):
    def channels_of(self, input: Tensor) -> int:
        return _channels(self, input)


class LazyInstanceNorm1d(_LazyInstanceNorm, normalization.InstanceNorm1d):
    """``InstanceNorm1d`` whose ``num_features`` is read from the first input (batched or not)."""

    cls_to_become = normalization.InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, normalization.InstanceNorm2d):
    """``InstanceNorm2d`` whose ``num_features`` is read from the first input (batched or not)."""

    cls_to_become = normalization.InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, normalization.InstanceNorm3d):
    """``InstanceNorm3d`` whose ``num_features`` is read from the first input (batched or not)."""

    cls_to_become = normalization.InstanceNorm3d
