"""The package's functions, as PyTorch has them: the Tensor's ops (``tg.sin(x)`` is ``x.sin()``, ``tg.cumsum(x, 1)``
is ``x.cumsum(1)``; numbers and arrays become tensors first, and each function carries its method's docstring), and
the ops and factories that have no method (``einsum``, ``meshgrid``, ``linspace``, …)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._tensor import (
    Generator,
    Tensor,
    addmm,
    baddbmm,
    bernoulli,
    block_diag,
    broadcast_tensors,
    bucketize,
    cartesian_prod,
    cat,
    cdist,
    combinations,
    einsum,
    empty,
    empty_like,
    full_like,
    kron,
    linspace,
    logdet,
    logspace,
    matrix_exp,
    meshgrid,
    multinomial,
    normal,
    rand_like,
    randint,
    randn_like,
    randperm,
    searchsorted,
    std_mean,
    tensordot,
    tril_indices,
    triu_indices,
    vander,
    var_mean,
)

__all__ = [  # abs, round, sum, max, min and pow are left out: `import *` shadows no builtin (import them by name)
    "Generator",
    "absolute",
    "acos",
    "acosh",
    "add",
    "addcdiv",
    "addcmul",
    "addmm",
    "amax",
    "amin",
    "aminmax",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "argmax",
    "argmin",
    "argsort",
    "argwhere",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "baddbmm",
    "bernoulli",
    "bincount",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "bmm",
    "broadcast_tensors",
    "broadcast_to",
    "ceil",
    "chunk",
    "clamp",
    "clamp_max",
    "clamp_min",
    "clip",
    "clone",
    "concat",
    "cos",
    "cosh",
    "count_nonzero",
    "cross",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "deg2rad",
    "det",
    "detach",
    "diag",
    "diagonal",
    "diff",
    "div",
    "divide",
    "dot",
    "einsum",
    "empty",
    "empty_like",
    "eq",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "expm1",
    "fix",
    "flatten",
    "flip",
    "fliplr",
    "flipud",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "frac",
    "full_like",
    "gather",
    "ge",
    "ger",
    "greater",
    "greater_equal",
    "gt",
    "hstack",
    "hypot",
    "index_add",
    "index_copy",
    "index_fill",
    "index_select",
    "inverse",
    "is_floating_point",
    "is_tensor",
    "kron",
    "kthvalue",
    "le",
    "lerp",
    "less",
    "less_equal",
    "linspace",
    "log",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "logdet",
    "logit",
    "logspace",
    "logsumexp",
    "lt",
    "masked_fill",
    "masked_select",
    "matmul",
    "matrix_exp",
    "mean",
    "median",
    "meshgrid",
    "mm",
    "mode",
    "moveaxis",
    "movedim",
    "mul",
    "multinomial",
    "multiply",
    "mv",
    "nan_to_num",
    "nanmean",
    "nansum",
    "narrow",
    "ne",
    "neg",
    "negative",
    "nonzero",
    "norm",
    "normal",
    "not_equal",
    "numel",
    "outer",
    "permute",
    "positive",
    "prod",
    "rad2deg",
    "rand_like",
    "randint",
    "randn_like",
    "randperm",
    "ravel",
    "reciprocal",
    "relu",
    "remainder",
    "repeat_interleave",
    "reshape",
    "roll",
    "rsqrt",
    "scatter",
    "scatter_add",
    "select",
    "sgn",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "slogdet",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "std",
    "std_mean",
    "sub",
    "subtract",
    "swapaxes",
    "swapdims",
    "t",
    "take",
    "take_along_dim",
    "tan",
    "tanh",
    "tensor_split",
    "tensordot",
    "tile",
    "topk",
    "trace",
    "transpose",
    "tril",
    "triu",
    "true_divide",
    "trunc",
    "unbind",
    "unflatten",
    "unique",
    "unsqueeze",
    "var",
    "var_mean",
    "vstack",
    "xlogy",
]
__all__ += [  # signs, bits and special functions
    "bitwise_left_shift",
    "bitwise_right_shift",
    "copysign",
    "digamma",
    "erfinv",
    "float_power",
    "heaviside",
    "i0",
    "lgamma",
    "mvlgamma",
    "nextafter",
    "polygamma",
    "signbit",
    "sinc",
]


def _function(method: Callable) -> Callable[..., Any]:
    @functools.wraps(method)
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(input, np.generic):  # a numpy scalar counts as the Python number, as in PyTorch:
            input = input.item()  # tg.add(np.float64(2.5), i) is float32 for an integer i, not float64
        return method(input if isinstance(input, Tensor) else Tensor(input), *args, **kwargs)
    return function


# elementwise math
abs = _function(Tensor.abs)  # PyTorch's name; shadows the builtin here only
exp = _function(Tensor.exp)
log = _function(Tensor.log)
log1p = _function(Tensor.log1p)
sqrt = _function(Tensor.sqrt)
tanh = _function(Tensor.tanh)
sigmoid = _function(Tensor.sigmoid)
relu = _function(Tensor.relu)
erf = _function(Tensor.erf)
sin = _function(Tensor.sin)
cos = _function(Tensor.cos)
tan = _function(Tensor.tan)
asin = _function(Tensor.asin)
acos = _function(Tensor.acos)
atan = _function(Tensor.atan)
atan2 = _function(Tensor.atan2)
sinh = _function(Tensor.sinh)
cosh = _function(Tensor.cosh)
asinh = _function(Tensor.asinh)
acosh = _function(Tensor.acosh)
atanh = _function(Tensor.atanh)
exp2 = _function(Tensor.exp2)
expm1 = _function(Tensor.expm1)
log2 = _function(Tensor.log2)
log10 = _function(Tensor.log10)
square = _function(Tensor.square)
rsqrt = _function(Tensor.rsqrt)
reciprocal = _function(Tensor.reciprocal)
erfc = _function(Tensor.erfc)
floor = _function(Tensor.floor)
ceil = _function(Tensor.ceil)
round = _function(Tensor.round)
trunc = _function(Tensor.trunc)
fix = _function(Tensor.fix)
frac = _function(Tensor.frac)
sign = _function(Tensor.sign)
lerp = _function(Tensor.lerp)
hypot = _function(Tensor.hypot)
floor_divide = _function(Tensor.floor_divide)
remainder = _function(Tensor.remainder)
fmod = _function(Tensor.fmod)
nan_to_num = _function(Tensor.nan_to_num)
arcsin, arccos, arctan, arctan2, arcsinh, arccosh, arctanh = asin, acos, atan, atan2, asinh, acosh, atanh

# reductions and scans
sum = _function(Tensor.sum)
mean = _function(Tensor.mean)
prod = _function(Tensor.prod)
amax = _function(Tensor.amax)
amin = _function(Tensor.amin)
argmax = _function(Tensor.argmax)
argmin = _function(Tensor.argmin)
max = _function(Tensor.max)
min = _function(Tensor.min)
var = _function(Tensor.var)
std = _function(Tensor.std)
logsumexp = _function(Tensor.logsumexp)
norm = _function(Tensor.norm)
cumsum = _function(Tensor.cumsum)
cumprod = _function(Tensor.cumprod)
cummax = _function(Tensor.cummax)
cummin = _function(Tensor.cummin)
median = _function(Tensor.median)
kthvalue = _function(Tensor.kthvalue)
mode = _function(Tensor.mode)
count_nonzero = _function(Tensor.count_nonzero)

# indexing and gathering
gather = _function(Tensor.gather)
scatter = _function(Tensor.scatter)
scatter_add = _function(Tensor.scatter_add)
index_select = _function(Tensor.index_select)
take_along_dim = _function(Tensor.take_along_dim)
masked_fill = _function(Tensor.masked_fill)
masked_select = _function(Tensor.masked_select)
nonzero = _function(Tensor.nonzero)
argsort = _function(Tensor.argsort)
sort = _function(Tensor.sort)
topk = _function(Tensor.topk)
unique = _function(Tensor.unique)

# shape
reshape = _function(Tensor.reshape)
flatten = _function(Tensor.flatten)
squeeze = _function(Tensor.squeeze)
unsqueeze = _function(Tensor.unsqueeze)
permute = _function(Tensor.permute)
transpose = _function(Tensor.transpose)
swapaxes = _function(Tensor.swapaxes)
flip = _function(Tensor.flip)
roll = _function(Tensor.roll)
chunk = _function(Tensor.chunk)
unbind = _function(Tensor.unbind)
tile = _function(Tensor.tile)
repeat_interleave = _function(Tensor.repeat_interleave)
tril = _function(Tensor.tril)
triu = _function(Tensor.triu)
diag = _function(Tensor.diag)
diagonal = _function(Tensor.diagonal)
trace = _function(Tensor.trace)
unflatten = _function(Tensor.unflatten)
movedim = _function(Tensor.movedim)
moveaxis = _function(Tensor.moveaxis)
narrow = _function(Tensor.narrow)

# linear algebra
matmul = _function(Tensor.matmul)
dot = _function(Tensor.dot)
mm = _function(Tensor.mm)
mv = _function(Tensor.mv)
bmm = _function(Tensor.bmm)
outer = _function(Tensor.outer)
ger = _function(Tensor.ger)
inverse = _function(Tensor.inverse)

# PyTorch's other names: arithmetic, comparisons, shapes and conversions as functions
add = _function(Tensor.add)
sub = _function(Tensor.sub)
mul = _function(Tensor.mul)
div = _function(Tensor.div)
true_divide = _function(Tensor.true_divide)
pow = _function(Tensor.pow)
neg = _function(Tensor.neg)
positive = _function(Tensor.positive)
clamp = _function(Tensor.clamp)
clamp_min = _function(Tensor.clamp_min)
clamp_max = _function(Tensor.clamp_max)
sgn = _function(Tensor.sgn)
multiply, divide, subtract, negative, absolute, clip = mul, div, sub, neg, abs, clamp
eq = _function(Tensor.eq)
ne = _function(Tensor.ne)
lt = _function(Tensor.lt)
le = _function(Tensor.le)
gt = _function(Tensor.gt)
ge = _function(Tensor.ge)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
clone = _function(Tensor.clone)
detach = _function(Tensor.detach)
numel = _function(Tensor.numel)
is_floating_point = _function(Tensor.is_floating_point)
t = _function(Tensor.t)
ravel = _function(Tensor.ravel)
swapdims = _function(Tensor.swapdims)
fliplr = _function(Tensor.fliplr)
flipud = _function(Tensor.flipud)
broadcast_to = _function(Tensor.broadcast_to)
concat = cat


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor (a subclass's instance too)."""
    return isinstance(obj, Tensor)


def hstack(tensors: Any) -> Tensor:
    """Joined along axis 1, or along axis 0 for 1-D tensors (numpy's and PyTorch's ``hstack``)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    return cat(tensors, dim=0 if all(t.ndim <= 1 for t in tensors) else 1)


def vstack(tensors: Any) -> Tensor:
    """Joined along axis 0, 1-D tensors first made rows (numpy's and PyTorch's ``vstack``)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    return cat([t.reshape(1, -1) if t.ndim <= 1 else t for t in tensors], dim=0)

# more of PyTorch's ops as functions
addcmul = _function(Tensor.addcmul)
addcdiv = _function(Tensor.addcdiv)
logaddexp = _function(Tensor.logaddexp)
logit = _function(Tensor.logit)
xlogy = _function(Tensor.xlogy)
deg2rad = _function(Tensor.deg2rad)
rad2deg = _function(Tensor.rad2deg)
fmax = _function(Tensor.fmax)
fmin = _function(Tensor.fmin)
nansum = _function(Tensor.nansum)
nanmean = _function(Tensor.nanmean)
aminmax = _function(Tensor.aminmax)
diff = _function(Tensor.diff)
cross = _function(Tensor.cross)
select = _function(Tensor.select)
take = _function(Tensor.take)
argwhere = _function(Tensor.argwhere)
tensor_split = _function(Tensor.tensor_split)
index_add = _function(Tensor.index_add)
index_copy = _function(Tensor.index_copy)
index_fill = _function(Tensor.index_fill)
bitwise_and = _function(Tensor.bitwise_and)
bitwise_or = _function(Tensor.bitwise_or)
bitwise_xor = _function(Tensor.bitwise_xor)
bitwise_not = _function(Tensor.bitwise_not)
bincount = _function(Tensor.bincount)

# indexing, scans and reductions
scatter_reduce = _function(Tensor.scatter_reduce)
index_put = _function(Tensor.index_put)
masked_scatter = _function(Tensor.masked_scatter)
diag_embed = _function(Tensor.diag_embed)
rot90 = _function(Tensor.rot90)
__all__ += ["diag_embed", "index_put", "masked_scatter", "rot90", "scatter_reduce"]
logcumsumexp = _function(Tensor.logcumsumexp)
nanmedian = _function(Tensor.nanmedian)
quantile = _function(Tensor.quantile)
nanquantile = _function(Tensor.nanquantile)
histc = _function(Tensor.histc)
cov = _function(Tensor.cov)
corrcoef = _function(Tensor.corrcoef)
renorm = _function(Tensor.renorm)
__all__ += ["block_diag", "bucketize", "cartesian_prod", "cdist", "combinations", "corrcoef", "cov", "histc",
            "logcumsumexp", "nanmedian", "nanquantile", "quantile", "renorm", "searchsorted", "tril_indices",
            "triu_indices", "vander"]

# signs, bits and special functions
bitwise_left_shift = _function(Tensor.bitwise_left_shift)
bitwise_right_shift = _function(Tensor.bitwise_right_shift)
copysign = _function(Tensor.copysign)
float_power = _function(Tensor.float_power)
heaviside = _function(Tensor.heaviside)
i0 = _function(Tensor.i0)
nextafter = _function(Tensor.nextafter)
signbit = _function(Tensor.signbit)
sinc = _function(Tensor.sinc)
lgamma = _function(Tensor.lgamma)
digamma = _function(Tensor.digamma)
erfinv = _function(Tensor.erfinv)
mvlgamma = _function(Tensor.mvlgamma)


def polygamma(n: int, input: Any) -> Tensor:
    """ψ⁽ⁿ⁾(input), PyTorch's ``torch.polygamma(n, input)``: n first (the method is ``input.polygamma(n)``)."""
    return (input if isinstance(input, Tensor) else Tensor(input)).polygamma(n)


# PyTorch's keyword names where tg.linalg's differ: torch.det(input) and torch.slogdet(input), torch.linalg's (A)
det, slogdet = _function(Tensor.det), _function(Tensor.slogdet)


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split under its keyword names: ``tensor.split(split_size_or_sections, dim)``."""
    return (tensor if isinstance(tensor, Tensor) else Tensor(tensor)).split(split_size_or_sections, dim)

__all__ += ["logaddexp2"]
logaddexp2 = _function(Tensor.logaddexp2)
