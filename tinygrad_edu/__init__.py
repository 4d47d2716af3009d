"""tinygrad_edu: a small, honest autograd framework on numpy, where backprop falls out of the chain rule."""

from . import autograd, data, dtypes, functions, linalg, logic, nn, onnx, optim, special
from ._tensor import (
    Tensor,
    arange,
    as_tensor,
    cat,
    concatenate,
    eye,
    from_numpy,
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
    tensor,
    where,
    zeros,
    zeros_like,
)
from .devices import cuda, device
from .dtypes import (
    bool_,
    double,
    finfo,
    float16,
    float32,
    float64,
    half,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .engine import Function
from .functions import *  # noqa: F403 - the ops as functions, as PyTorch has them: tg.sin(x), tg.einsum(...), …
from .functions import abs as abs
from .functions import complex as complex
from .functions import max as max
from .functions import min as min
from .functions import pow as pow
from .functions import round as round
from .functions import sum as sum
from .grad_mode import detect_anomaly, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .linalg import matrix_power as matrix_power
from .logic import (
    allclose,
    equal,
    isclose,
    isfinite,
    isinf,
    isnan,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
)
from .nn.functional import log_softmax, softmax
from .serialization import load, save
from .tape import CaptureError
from .tape import compile as compile
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

# PyTorch's names that Python's builtins also have (and abs, complex, round, sum, max, min, pow, compile above): not in
# __all__, so `from tinygrad_edu import *` keeps Python's
bool, int, float, any, all = dtypes.bool, dtypes.int, dtypes.float, logic.any, logic.all
svd = linalg.legacy_svd  # torch.svd, PyTorch's older API: (U, S, V), V not Vh
qr, pinverse = linalg.legacy_qr, linalg.pinverse  # torch's older names
# torch.lu, torch.lu_solve (b first) and the deprecated torch.cholesky; lu_unpack and the cholesky/triangular solvers
lu, lu_solve, cholesky = linalg.legacy_lu, linalg.legacy_lu_solve, linalg.legacy_cholesky
lu_unpack, cholesky_solve, cholesky_inverse = linalg.lu_unpack, linalg.cholesky_solve, linalg.cholesky_inverse
triangular_solve, orgqr = linalg.triangular_solve, linalg.householder_product

__version__ = "0.1.0"

__all__ = [
    "CaptureError",
    "Function",
    "GradcheckError",
    "Tensor",
    "allclose",
    "arange",
    "as_tensor",
    "autograd",
    "bool_",
    "cat",
    "concatenate",
    "cuda",
    "data",
    "detect_anomaly",
    "device",
    "double",
    "enable_grad",
    "equal",
    "eye",
    "finfo",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "half",
    "hessian",
    "iinfo",
    "inference_mode",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "jacobian",
    "jvp",
    "load",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "long",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "onnx",
    "optim",
    "rand",
    "randn",
    "result_type",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "short",
    "softmax",
    "stack",
    "tensor",
    "uint8",
    "value_and_grad",
    "vjp",
    "where",
    "zeros",
    "zeros_like"
]
__all__ += ["functions", "linalg", *functions.__all__]
__all__ += ["special"]
__all__ += ["cholesky", "cholesky_inverse", "cholesky_solve", "lu", "lu_solve", "lu_unpack", "orgqr",
            "triangular_solve"]
