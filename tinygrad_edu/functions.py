"""The package's functions, as PyTorch has them: the Tensor's ops (``tg.sin(x)`` is ``x.sin()``, ``tg.cumsum(x, 1)``
is ``x.cumsum(1)``; numbers and arrays become tensors first, and each function carries its method's docstring), and
the ops and factories that have no method (``einsum``, ``meshgrid``, ``linspace``, …)."""

from __future__ import annotations

import functools
import math
import warnings
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
    normalize_axis,
    rand_like,
    randint,
    randn_like,
    randperm,
    repeat_counts,
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
tril = _function(Tensor.tril)
triu = _function(Tensor.triu)
diag = _function(Tensor.diag)
diagonal = _function(Tensor.diagonal)
trace = _function(Tensor.trace)
unflatten = _function(Tensor.unflatten)
movedim = _function(Tensor.movedim)
moveaxis = _function(Tensor.moveaxis)
narrow = _function(Tensor.narrow)


def repeat_interleave(input: Any = None, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Tensor.repeat_interleave; with only a tensor of counts, the indices 0, 1, … each repeated its count times
    (PyTorch's ``torch.repeat_interleave(repeats)``, in the counts' dtype)."""
    if input is not None and repeats is not None:
        return _function(Tensor.repeat_interleave)(input, repeats, dim, output_size=output_size)
    if input is None and repeats is None:
        raise TypeError("repeat_interleave: pass repeats (and the tensor to repeat, if any)")
    counts = repeat_counts(input if repeats is None else repeats, "repeat_interleave", vector=True)
    indices = np.repeat(np.arange(counts.size, dtype=counts.dtype), counts)
    if output_size is not None and output_size != indices.size:
        raise ValueError(f"repeat_interleave: output_size {output_size} is not the result's size {indices.size}")
    return Tensor.wrap(indices)



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

# products with a scale, and the rest of PyTorch's matrix products
addmv = _function(Tensor.addmv)
addr = _function(Tensor.addr)
addbmm = _function(Tensor.addbmm)
inner = _function(Tensor.inner)
vdot = _function(Tensor.vdot)
dist = _function(Tensor.dist)
__all__ += ["addbmm", "addmv", "addr", "chain_matmul", "dist", "inner", "vdot"]


def chain_matmul(*matrices: Any) -> Tensor:
    """The product of the 2-D tensors in order (PyTorch's deprecated ``torch.chain_matmul``; one matrix is returned
    as a copy); the gradient through matmul. ``tg.linalg.multi_dot`` takes a list and 1-D ends too."""
    warnings.warn("chain_matmul is deprecated in PyTorch: use tg.linalg.multi_dot(list_of_matrices)",
                  UserWarning, stacklevel=2)
    if not matrices:
        raise ValueError("chain_matmul: expected one or more matrices")
    tensors = [m if isinstance(m, Tensor) else Tensor(m) for m in matrices]
    if any(t.ndim != 2 for t in tensors):
        raise ValueError(f"chain_matmul: expected 2-D tensors, got {[t.ndim for t in tensors]} dimensions")
    return tensors[0].clone() if len(tensors) == 1 else functools.reduce(Tensor.matmul, tensors)

# numpy's shape helpers, as PyTorch has them
hsplit = _function(Tensor.hsplit)
vsplit = _function(Tensor.vsplit)
dsplit = _function(Tensor.dsplit)
diagflat = _function(Tensor.diagflat)
msort = _function(Tensor.msort)
narrow_copy = _function(Tensor.narrow_copy)
adjoint = _function(Tensor.adjoint)
__all__ += ["adjoint", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "column_stack", "diagflat",
            "dsplit", "dstack", "hsplit", "msort", "narrow_copy", "unravel_index", "vsplit"]


def _at_least(ndim: int, make: Callable[[Tensor], Tensor], tensors: tuple) -> Any:
    """``make`` applied to each tensor with fewer than ``ndim`` dimensions; one tensor in, one out, else a tuple (a
    single list or tuple argument counts as its tensors, as PyTorch)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    results = tuple(t if t.ndim >= ndim else make(t) for t in (_tensor(t) for t in tensors))
    return results[0] if len(results) == 1 else results


def _tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,)); the tensor itself if it has them;  the
    gradient through the reshape"""
    return _at_least(1, lambda t: t.reshape(1), tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions: a 0-d one (1, 1), a 1-D one a row (1, n);  the gradient through the
    reshape"""
    return _at_least(2, lambda t: t.reshape(1, -1) if t.ndim else t.reshape(1, 1), tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions: 0-d (1, 1, 1), 1-D (1, n, 1), 2-D (m, n, 1), as numpy's;  the
    gradient through the reshape"""
    return _at_least(3, lambda t: t.reshape(1, -1, 1) if t.ndim < 2 else t.unsqueeze(-1), tensors)


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape the given shapes broadcast to (an int is a 1-D shape), without making any tensor (no gradient)."""
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*((s,) if isinstance(s, int) else tuple(s) for s in shapes)))
    except ValueError:
        raise ValueError(f"broadcast_shapes: shapes {list(shapes)} do not broadcast together") from None


def column_stack(tensors: Any) -> Tensor:
    """The tensors side by side along dim 1, each 0-d or 1-D one first made a column (n, 1), as numpy's;  each
    gradient is its block of ∂C/∂z"""
    tensors = [_tensor(t) for t in tensors]
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


def dstack(tensors: Any) -> Tensor:
    """The tensors joined along dim 2, each first made at least 3-D (``atleast_3d``), as numpy's;  each gradient is
    its block of ∂C/∂z"""
    return cat([atleast_3d(t) for t in tensors], dim=2)


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates, one int64 tensor per dim of ``shape``, of each flat index (row-major; −n ≤ index < n, a
    negative one counted from the end; no gradient)."""
    flat = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if flat.dtype.kind not in "iu" or flat.dtype == np.bool_:
        raise TypeError(f"unravel_index: expected integer indices, got dtype {flat.dtype}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"unravel_index: shape {shape} has a negative size")
    total = math.prod(shape)
    if flat.size and (flat.min() < -total or flat.max() >= total):
        raise IndexError(f"unravel_index: indices must lie in [-{total}, {total}) for shape {shape}, got "
                         f"{flat.min() if flat.min() < -total else flat.max()} (PyTorch would wrap it around)")
    return tuple(Tensor.wrap(np.asarray(c, dtype=np.int64)) for c in np.unravel_index(flat % (total or 1), shape))

# scatters of a view, index_reduce and put
diagonal_scatter = _function(Tensor.diagonal_scatter)
select_scatter = _function(Tensor.select_scatter)
slice_scatter = _function(Tensor.slice_scatter)
index_reduce = _function(Tensor.index_reduce)
put = _function(Tensor.put)
__all__ += ["diagonal_scatter", "index_reduce", "put", "select_scatter", "slice_scatter"]

# integers, exponents and the tests of a value
gcd = _function(Tensor.gcd)
lcm = _function(Tensor.lcm)
ldexp = _function(Tensor.ldexp)
frexp = _function(Tensor.frexp)
isneginf = _function(Tensor.isneginf)
isposinf = _function(Tensor.isposinf)
isreal = _function(Tensor.isreal)
hardshrink = _function(Tensor.hardshrink)
__all__ += ["frexp", "gcd", "hardshrink", "isin", "isneginf", "isposinf", "isreal", "lcm", "ldexp"]


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Where each of ``elements`` equals one of ``test_elements`` (compared in their common dtype; NaN equals
    nothing), or with ``invert`` where it doesn't; either may be a number. A bool tensor, no gradient."""
    values, tests = _tensor(elements), _tensor(test_elements)
    dtype = np.result_type(values.data, tests.data)
    return Tensor.wrap(np.isin(values.data.astype(dtype), tests.data.astype(dtype), assume_unique=assume_unique,
                               invert=invert))


# integrals and derivatives of samples
__all__ += ["cumulative_trapezoid", "gradient", "trapezoid", "trapz"]


def trapezoid(y: Any, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """∫y by the trapezoid rule along ``dim``: Σᵢ (xᵢ₊₁ − xᵢ)·(yᵢ + yᵢ₊₁)/2, with sample points ``x`` (1-D along dim,
    or broadcasting with y) or a spacing ``dx`` (1 by default);  the gradient through the sum"""
    widths, heights, axis = _trapezoids("trapezoid", y, x, dx, dim)
    return (widths * heights).sum(axis) / 2


trapz = trapezoid


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The running ``trapezoid`` integral along ``dim`` (one element fewer than y there);  the gradient through the
    cumulative sum"""
    widths, heights, axis = _trapezoids("cumulative_trapezoid", y, x, dx, dim)
    return (widths * heights).cumsum(axis) / 2


def _trapezoids(op: str, y: Any, x: Any, dx: float | None, dim: int) -> tuple[Any, Tensor, int]:
    """The trapezoids' widths (a number or a tensor broadcasting with the heights), their doubled mean heights
    yᵢ + yᵢ₊₁, and the axis they lie along."""
    y = _tensor(y)._floating()
    axis = normalize_axis(dim, y.ndim, op)
    n = y.shape[axis]
    if x is not None and dx is not None:
        raise TypeError(f"{op}: pass the sample points x or the spacing dx, not both")
    pieces = n - 1 if n else 0  # (max and min are the tensor functions here)
    heights = y.narrow(axis, 0, pieces) + y.narrow(axis, 1 if n else 0, pieces)
    if x is None:
        return 1 if dx is None else dx, heights, axis
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: x must be a tensor of sample points, got {type(x).__name__}; pass a spacing as dx=")
    if x.ndim == 1:
        if x.shape[0] != n:
            raise ValueError(f"{op}: there must be one x value for each sample point: {x.shape[0]} x values, "
                             f"{n} samples along dim {dim}")
        return x.diff().reshape([-1 if d == axis else 1 for d in range(y.ndim)]), heights, axis
    return x.diff(dim=dim), heights, axis


def gradient(input: Any, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """∂input/∂xₖ along each dim by central differences (second-order accurate inside, also for uneven sample
    points; one-sided of order ``edge_order`` at the ends), as numpy's and PyTorch's ``gradient``: ``spacing`` a
    number, one per dim, or one 1-D tensor of coordinates per dim;  the gradient through the differences"""
    f = _tensor(input)._floating()
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2 (as PyTorch), got {edge_order!r}")
    dims = range(f.ndim) if dim is None else [dim] if isinstance(dim, (int, np.integer)) else dim
    axes = [normalize_axis(d, f.ndim, "gradient") for d in dims]  # in the order given, as the results
    if len(set(axes)) != len(axes):
        raise ValueError(f"gradient: dim {dim} names a dimension twice")
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(axes):
            raise ValueError(f"gradient: spacing must be a number or have one entry per dim ({len(axes)}), got "
                             f"{len(spacing)}")
    elif isinstance(spacing, Tensor) or not isinstance(spacing, (int, float, np.integer, np.floating)):
        raise TypeError(f"gradient: spacing must be a number, or a list of numbers or 1-D tensors, got {spacing!r}")
    else:
        spacing = [spacing] * len(axes)
    return tuple(_derivative(f, axis, step, edge_order) for axis, step in zip(axes, spacing))


def _derivative(f: Tensor, axis: int, step: Any, edge_order: int) -> Tensor:
    """One dim of ``gradient``: each place a weighted sum of its neighbours' values, the weights those of the
    quadratic through three sample points (numpy's formulas, so uneven points keep second order)."""
    n = f.shape[axis]
    if n < edge_order + 1:
        raise ValueError(f"gradient: each dim must have at least edge_order + 1 = {edge_order + 1} elements, dim "
                         f"{axis} has {n}")
    x = _coordinates(step, n, axis)
    dx = np.diff(x)

    def along(values: np.ndarray) -> Tensor:
        return Tensor.wrap(values.astype(f.dtype).reshape([-1 if d == axis else 1 for d in range(f.ndim)]))

    def part(start: int, length: int) -> Tensor:
        return f.narrow(axis, start, length)

    h1, h2 = dx[:-1], dx[1:]  # the steps before and after each inner point
    inner = (part(0, n - 2) * along(-h2 / (h1 * (h1 + h2))) + part(1, n - 2) * along((h2 - h1) / (h1 * h2))
             + part(2, n - 2) * along(h1 / (h2 * (h1 + h2))))
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / float(dx[0])
        last = (part(n - 1, 1) - part(n - 2, 1)) / float(dx[-1])
    else:
        a, b = float(dx[0]), float(dx[1])
        first = (part(0, 1) * (-(2 * a + b) / (a * (a + b))) + part(1, 1) * ((a + b) / (a * b))
                 + part(2, 1) * (-a / (b * (a + b))))
        a, b = float(dx[-2]), float(dx[-1])
        last = (part(n - 3, 1) * (b / (a * (a + b))) + part(n - 2, 1) * (-(a + b) / (a * b))
                + part(n - 1, 1) * ((2 * b + a) / (b * (a + b))))
    return cat([first, inner, last], dim=axis)


def _coordinates(step: Any, n: int, axis: int) -> np.ndarray:
    """The sample points of one dim as float64: ``step`` apart from 0, or the 1-D tensor given."""
    if not isinstance(step, Tensor):
        return np.arange(n) * float(step)
    if step.ndim != 1 or step.shape[0] != n:
        raise ValueError(f"gradient: the coordinates of dim {axis} must be a 1-D tensor of {n} points, got shape "
                         f"{step.shape}")
    if step.requires_grad:
        raise ValueError("gradient: coordinates that require grad are not supported here (they carry no gradient); "
                         "pass coordinates.detach()")
    return step.data.astype(np.float64)

# counting and sampling
histogram = _function(Tensor.histogram)
unique_consecutive = _function(Tensor.unique_consecutive)
__all__ += ["histogram", "randint_like", "unique_consecutive"]


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high) in input's shape and dtype (``randint_like(input, high)`` or
    ``randint_like(input, low, high)``, as PyTorch)."""
    if high is None:
        low, high = 0, low
    values = randint(low, high, input.shape, generator=generator, dtype=np.int64)
    return Tensor(values.data, dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad)

# complex numbers' names: real tensors only
angle = _function(Tensor.angle)
__all__ += ["angle", "imag", "polar", "real", "view_as_complex"]  # complex too, left out as the builtins above


def real(input: Any) -> Tensor:
    """The real part: a real tensor itself, as PyTorch's ``torch.real``."""
    return _tensor(input).real


def imag(input: Any) -> Tensor:
    """The imaginary part: refused for real tensors, as PyTorch's ``torch.imag``."""
    return _tensor(input).imag


def _no_complex(op: str, instead: str) -> None:
    raise TypeError(f"{op}: complex dtypes are not supported here (numpy-backed real tensors only); {instead}")


def polar(abs: Any, angle: Any) -> Tensor:
    """PyTorch's complex abs·e^(i·angle): refused, as complex dtypes are not supported here."""
    _no_complex("polar", "compute the parts as two real tensors: abs * angle.cos() and abs * angle.sin()")


def complex(real: Any, imag: Any) -> Tensor:
    """PyTorch's complex real + i·imag: refused, as complex dtypes are not supported here."""
    _no_complex("complex", "keep the real and imaginary parts as two real tensors (or tg.stack((real, imag), -1))")


def view_as_complex(input: Any) -> Tensor:
    """PyTorch's view of pairs as complex numbers: refused, as complex dtypes are not supported here."""
    _no_complex("view_as_complex", "use input[..., 0] and input[..., 1] as the real and imaginary parts")


# PyTorch's keyword names where tg.linalg's differ: torch.det(input) and torch.slogdet(input), torch.linalg's (A)
det, slogdet = _function(Tensor.det), _function(Tensor.slogdet)


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split under its keyword names: ``tensor.split(split_size_or_sections, dim)``."""
    return (tensor if isinstance(tensor, Tensor) else Tensor(tensor)).split(split_size_or_sections, dim)


__all__ += ["logaddexp2"]
logaddexp2 = _function(Tensor.logaddexp2)
