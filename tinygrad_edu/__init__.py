"""tinygrad_edu: a small, honest autograd framework on numpy, where backprop falls out of the chain rule."""

import numpy as _np

from . import data, nn, optim
from ._tensor import (
    Tensor,
    arange,
    cat,
    concatenate,
    eye,
    full,
    get_default_dtype,
    manual_seed,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randn,
    result_type,
    set_default_dtype,
    stack,
    where,
    zeros,
    zeros_like,
)
from .engine import Function
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .nn.functional import log_softmax, softmax
from .serialization import load, save
from .tape import CaptureError, compile
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

float32, float64, int64, bool_ = _np.float32, _np.float64, _np.int64, _np.bool_

__version__ = "0.1.0"

__all__ = [
    "CaptureError", "Function", "GradcheckError", "Tensor", "arange", "bool_", "cat", "compile", "concatenate", "data",
    "detect_anomaly", "enable_grad", "eye", "float32", "float64", "full", "get_default_dtype", "grad", "gradcheck",
    "gradgradcheck", "hessian", "int64", "is_grad_enabled", "jacobian", "jvp", "load", "log_softmax", "manual_seed",
    "maximum", "minimum", "nn", "no_grad", "ones", "ones_like", "optim", "rand", "randn", "result_type", "save",
    "set_default_dtype", "set_grad_enabled", "softmax", "stack", "value_and_grad", "vjp", "where", "zeros",
    "zeros_like",
]
