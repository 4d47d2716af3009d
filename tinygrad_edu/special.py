"""``tg.special``: PyTorch's ``torch.special`` names — aliases of the Tensor's ops, and the few functions PyTorch keeps
only here (``i1``, ``ndtr``, ``ndtri``, ``xlog1py``), composed or written beside their derivative in ``ops``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import ops
from ._tensor import Tensor, get_default_dtype, result_type, tensor, where
from .functions import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    i0,
    log1p,
    logit,
    logsumexp,
    polygamma,
    round,
    sinc,
    xlogy,
)
from .functions import digamma as psi
from .functions import lgamma as gammaln
from .functions import mvlgamma as multigammaln
from .functions import sigmoid as expit
from .nn.functional import log_softmax, softmax

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i1", "log1p", "log_softmax",
           "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
           "xlog1py", "xlogy"]


def _floating(*operands: Any) -> list[Tensor]:
    """The operands as tensors in their common dtype, a floating one (integers give the default float)."""
    dtype = result_type(*operands)
    dtype = dtype if dtype.kind == "f" else np.dtype(get_default_dtype())
    return [x.astype(dtype) if isinstance(x, Tensor) and x.dtype != dtype else
            x if isinstance(x, Tensor) else tensor(x, dtype=dtype) for x in operands]


def i1(input: Any) -> Tensor:
    return ops.I1.apply(*_floating(input))


i1.__doc__ = ops.I1.__doc__


def ndtr(input: Any) -> Tensor:
    """The standard normal CDF Φ(a) = erfc(−a/√2)/2, with the digits of its lower tail;  ∂Φ/∂a = e^(−a²/2)/√(2π)"""
    return (_floating(input)[0] * -math.sqrt(0.5)).erfc() * 0.5


def ndtri(input: Any) -> Tensor:
    return ops.Ndtri.apply(*_floating(input))


ndtri.__doc__ = ops.Ndtri.__doc__


def xlog1py(input: Any, other: Any) -> Tensor:
    """z = a·ln(1 + b), and 0 where a = 0 (unless b is NaN), as PyTorch;  ∂z/∂a = ln(1 + b), ∂z/∂b = a/(1 + b)"""
    a, b = _floating(input, other)
    zero = (a.data == 0) & ~np.isnan(b.data)
    return where(zero, 0.0, a * where(zero, 0.0, b).log1p())
