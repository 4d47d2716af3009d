"""Activation modules (PyTorch's names): each calls its composition in ``nn.functional``; PReLU owns a weight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor, to_arguments
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from .module import Module, Parameter


class _Elementwise(Module):
    """A parameterless activation: ``function`` applied to the input (PyTorch's ``inplace`` flag: False only)."""

    function: Callable[[Tensor], Tensor]

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        F.refuse_in_place(inplace, type(self).__name__)

    def forward(self, x: Tensor) -> Tensor:
        return type(self).function(x)


class SiLU(_Elementwise):
    """a·σ(a), also called swish."""

    function = staticmethod(F.silu)


class SELU(_Elementwise):
    """λ·elu(a, α) with the self-normalising constants."""

    function = staticmethod(F.selu)


class Mish(_Elementwise):
    """a·tanh(softplus(a))."""

    function = staticmethod(F.mish)


class ReLU6(_Elementwise):
    """min(max(a, 0), 6)."""

    function = staticmethod(F.relu6)


class Hardsigmoid(_Elementwise):
    """min(max(a + 3, 0), 6)/6."""

    function = staticmethod(F.hardsigmoid)


class Hardswish(_Elementwise):
    """a·min(max(a + 3, 0), 6)/6."""

    function = staticmethod(F.hardswish)


class LogSigmoid(_Elementwise):
    """ln σ(a), exact for large |a|."""

    function = staticmethod(F.logsigmoid)


class Softsign(_Elementwise):
    """a/(1 + |a|)."""

    function = staticmethod(F.softsign)


class Tanhshrink(_Elementwise):
    """a − tanh a."""

    function = staticmethod(F.tanhshrink)


class ELU(Module):
    """a for a > 0, α(eᵃ − 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        F.refuse_in_place(inplace, type(self).__name__)
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(ELU):
    """a for a > 0, α(e^(a/α) − 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        if alpha == 0:
            raise ValueError("CELU: alpha must not be 0")
        super().__init__(alpha, inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class Hardtanh(Module):
    """min(max(a, min_val), max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not be larger than max_val ({max_val})")
        F.refuse_in_place(inplace, "Hardtanh")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softplus(Module):
    """(1/β)·ln(1 + e^(βa)), and a itself where βa > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GLU(Module):
    """a·σ(b) for the two halves a, b of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(GLU):
    """softmax(−a) along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim)

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)


class PReLU(Module):
    """a for a > 0, w·a otherwise, with a learnable slope w: one, or one per channel (axis 1 of the input)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: np.dtype | type | None = None) -> None:
        """PyTorch's arguments in its order: ``device`` (the CPU, the one there is) comes before ``dtype``."""
        super().__init__()
        dtype = to_arguments((), dtype, device, "PReLU")
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be positive, got {num_parameters}")
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, dtype=np.float32 if dtype is None else dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class LogSoftmax(Module):
    """ln softmax along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """softmax over the channels (dim −3) of (N, C, H, W) or (C, H, W) input."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected (N, C, H, W) or (C, H, W), got shape {x.shape}")
        return F.softmax(x, -3)


class Threshold(Module):
    """a where a > threshold, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        F.refuse_in_place(inplace, "Threshold")
        self.threshold, self.value = threshold, value

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value)


class Hardshrink(Module):
    """a where |a| > λ, else 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        return F.hardshrink(x, self.lambd)


class Softshrink(Hardshrink):
    """a shrunk toward 0 by λ (0 within λ of it)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softshrink(x, self.lambd)


class RReLU(Module):
    """Randomised leaky ReLU: slopes drawn from U(lower, upper) per element in training, (lower + upper)/2 in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        F.refuse_in_place(inplace, "RReLU")
        self.lower, self.upper = lower, upper

    def forward(self, x: Tensor) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}"
