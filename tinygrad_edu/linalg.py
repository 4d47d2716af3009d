"""``tg.linalg``: PyTorch's ``torch.linalg`` names for the linear-algebra ops (their calculus is in ``ops``)."""

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from . import ops
from ._tensor import Tensor, det, inv, matrix_exp, slogdet, solve, vector_norm, where
from ._tensor import linalg_norm as tensor_norm
from ._tensor import matrix_norm as tensor_matrix_norm
from .ops import LinAlgError

__all__ = ["EighResult", "LinAlgError", "LstsqResult", "QRResult", "SVDResult", "cholesky", "cond", "cross", "det",
           "eigh", "eigvalsh", "inv", "lstsq", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vector_norm"]


def cross(input: Any, other: Any, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the last by default; ``torch.cross`` takes the first of size 3)."""
    return (input if isinstance(input, Tensor) else Tensor(input)).cross(other, dim)


# ----------------------------------------------------------------------------------------------- decompositions
class EighResult(NamedTuple):
    """What ``eigh`` returns, as PyTorch's ``torch.return_types.linalg_eigh``."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    """What ``svd`` returns, as PyTorch's ``torch.return_types.linalg_svd``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


class SVDUSV(NamedTuple):
    """What ``tg.svd`` (PyTorch's older ``torch.svd``) returns: V, not Vh."""

    U: Tensor
    S: Tensor
    V: Tensor


class QRResult(NamedTuple):
    """What ``qr`` returns, as PyTorch's ``torch.return_types.linalg_qr``."""

    Q: Tensor
    R: Tensor


class LstsqResult(NamedTuple):
    """What ``lstsq`` returns, as PyTorch's ``torch.return_types.linalg_lstsq``."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _matrices(A: Any, op: str, square: bool = False) -> Tensor:
    """A (batch of) float32 or float64 matrices, as PyTorch's linalg takes them; anything else refused by name."""
    A = A if isinstance(A, Tensor) else Tensor(A)
    if A.dtype.kind != "f":
        raise TypeError(f"linalg.{op}: expected a floating-point tensor, got dtype {A.dtype} (as PyTorch)")
    if A.dtype == np.float16:
        raise TypeError(f"linalg.{op}: float16 is not supported by linear algebra (as PyTorch); use float32 or float64")
    if A.ndim < 2 or (square and A.shape[-1] != A.shape[-2]):
        kind = "square matrix" if square else "matrix"
        raise ValueError(f"linalg.{op}: expected a {kind} or a batch of them, got shape {A.shape}")
    return A


def _factors(primitive: type, A: Tensor, factors: tuple) -> tuple[Tensor, ...]:
    """One graph node per factor of ``A``'s factorization (computed once, as arrays)."""
    return tuple(primitive.apply(A, factors, i) for i in range(len(factors)))


def cholesky(input: Any, *, upper: bool = False) -> Tensor:
    """L, lower triangular with a positive diagonal, with A = L·Lᵀ (U = Lᵀ with ``upper=True``), reading A's lower
    triangle only;  the symmetric gradient of ``ops.Cholesky``. A not positive-definite raises ``LinAlgError``."""
    A = _matrices(input, "cholesky", square=True)
    (L,) = _factors(ops.Cholesky, A, (ops.cholesky_factor(A.data),))
    return L.mT if upper else L


def eigh(input: Any, UPLO: str = "L") -> EighResult:
    """(eigenvalues ascending, orthonormal eigenvectors as columns) of a symmetric A, reading its ``UPLO`` triangle;
    the gradient of ``ops.Eigh`` (NOTE: ±inf/nan through the eigenvectors for repeated eigenvalues, as PyTorch)"""
    A = _matrices(input, "eigh", square=True)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return EighResult(*_factors(ops.Eigh, A, tuple(np.linalg.eigh(A.data, UPLO))))


def eigvalsh(input: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of a symmetric A;  ∂C/∂A = V·diag(∂C/∂w)·Vᵀ, defined for repeated ones too"""
    return eigh(input, UPLO).eigenvalues


def svd(A: Any, full_matrices: bool = True, *, driver: str | None = None) -> SVDResult:
    """(U, S, Vh) with A = U·diag(S)·Vh, S descending (U and Vh square with ``full_matrices=True``);  the gradient of
    ``ops.Svd`` (finite through U and Vh only for distinct singular values, as PyTorch)"""
    A = _matrices(A, "svd")
    if driver is not None:
        raise ValueError(f"linalg.svd: driver={driver!r} is for CUDA in PyTorch; pass driver=None")
    return SVDResult(*_factors(ops.Svd, A, tuple(np.linalg.svd(A.data, full_matrices=full_matrices))))


def svdvals(A: Any, *, driver: str | None = None) -> Tensor:
    """The singular values of A, descending;  ∂C/∂A = U·diag(∂C/∂S)·Vh, defined for repeated ones too"""
    return svd(A, full_matrices=False, driver=driver).S


def legacy_svd(input: Any, some: bool = True, compute_uv: bool = True) -> SVDUSV:
    """PyTorch's older ``torch.svd``: (U, S, V) with input = U·diag(S)·Vᵀ — V, not Vh — reduced unless
    ``some=False``; with ``compute_uv=False``, U and V are zeros of shapes (m, m) and (n, n), as PyTorch;  the
    gradient of ``svd``"""
    A = _matrices(input, "svd")
    if compute_uv:
        U, S, Vh = svd(A, full_matrices=not some)
        return SVDUSV(U, S, Vh.mT)
    m, n = A.shape[-2:]
    zeros = [Tensor.wrap(np.zeros((*A.shape[:-2], k, k), A.dtype)) for k in (m, n)]
    return SVDUSV(zeros[0], svdvals(A), zeros[1])


def qr(A: Any, mode: str = "reduced") -> QRResult:
    """(Q, R) with A = Q·R, Q's columns orthonormal, R upper triangular (LAPACK's signs: R's diagonal may be negative,
    as PyTorch and numpy); ``mode='complete'`` a square Q, ``'r'`` R only (Q empty);  the gradient of ``ops.Qr``"""
    A = _matrices(A, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr received unrecognized mode {mode!r} but expected one of 'reduced' (default), 'r', or "
                         "'complete'")
    if mode == "r":
        factors: tuple = (np.zeros(0, A.dtype), np.linalg.qr(A.data, mode="r"))
    else:
        factors = tuple(np.linalg.qr(A.data, mode=mode))
    return QRResult(*_factors(ops.Qr, A, factors))


# ----------------------------------------------------------------------------------------------- built on them
def _tolerances(A: Tensor, atol: Any, rtol: Any, op: str) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's (atol, rtol) of pinv and matrix_rank: rtol = ε·max(m, n) when neither is given, else 0 if unset."""
    values = []
    for tolerance in (atol, rtol):
        if isinstance(tolerance, Tensor):
            tolerance = tolerance.data
        if tolerance is not None and np.any(np.asarray(tolerance) < 0):
            raise ValueError(f"linalg.{op}: tolerances must be non-negative, got {tolerance!r}")
        values.append(tolerance)
    atol, rtol = values
    if rtol is None:
        rtol = np.finfo(A.dtype).eps * max(A.shape[-2:]) if atol is None or np.all(np.asarray(atol) == 0) else 0.0
    return np.asarray(0.0 if atol is None else atol, A.dtype), np.asarray(rtol, A.dtype)


def pinv(input: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """A⁺, the Moore–Penrose pseudo-inverse (singular values ≤ max(atol, rtol·σ₁) taken as zero);  the gradient of
    ``ops.Pinv`` (exact where A's rank does not change nearby)"""
    A = _matrices(input, "pinv")
    if hermitian:
        raise NotImplementedError("linalg.pinv: hermitian=True is not supported; pass hermitian=False (the same "
                                  "result for a symmetric matrix)")
    atol, rtol = _tolerances(A, atol, rtol, "pinv")
    return ops.Pinv.apply(A, rtol, atol)


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution X of A·X ≈ B (A⁺·B), with PyTorch's CPU default driver 'gelsy' outputs: empty
    residuals and singular values, the rank (here from the SVD);  the gradient of pinv and matmul"""
    A = _matrices(A, "lstsq")
    B = B if isinstance(B, Tensor) else Tensor(B)
    if driver not in (None, "gelsy"):
        raise NotImplementedError(f"linalg.lstsq: driver={driver!r} is not supported; tinygrad_edu gives "
                                  "PyTorch's CPU default, driver='gelsy'")
    if B.ndim < 2 or B.shape[-2] != A.shape[-2]:
        raise ValueError(f"linalg.lstsq: B must be (*, m, k) with A's m = {A.shape[-2]}, got shape {B.shape}")
    if B.dtype != A.dtype:
        raise TypeError(f"linalg.lstsq: A ({A.dtype}) and B ({B.dtype}) must have the same dtype (as PyTorch)")
    rtol = np.finfo(A.dtype).eps * max(A.shape[-2:]) if rcond is None else rcond
    solution = pinv(A, rtol=rtol) @ B
    empty = Tensor.wrap(np.zeros(0, A.dtype))
    return LstsqResult(solution, empty, matrix_rank(A, rtol=rtol), empty)


def matrix_rank(input: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol·σ₁) (int64, no gradient)"""
    A = _matrices(input, "matrix_rank")
    if hermitian:
        raise NotImplementedError("linalg.matrix_rank: hermitian=True is not supported; pass hermitian=False (the "
                                  "same rank for a symmetric matrix)")
    S = np.linalg.svd(A.data, compute_uv=False)
    atol, rtol = _tolerances(A, atol, rtol, "matrix_rank")
    largest = S[..., :1] if S.shape[-1] else np.zeros((*S.shape[:-1], 1), A.dtype)
    cutoff = np.maximum(atol[..., None], rtol[..., None] * largest)
    return Tensor.wrap((cutoff < S).sum(-1).astype(np.int64))


def cond(input: Any, p: Any = None) -> Tensor:
    """κ(A) = ‖A‖ₚ·‖A⁻¹‖ₚ: σ₁/σₙ for p None or 2 (σₙ/σ₁ for −2), else with ``matrix_norm``;  that composition's
    gradient"""
    A = _matrices(input, "cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        S = svdvals(A)
        ratio = S[..., 0] / S[..., -1]
        return ratio if p != -2 else 1 / ratio
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def matrix_power(input: Any, n: int) -> Tensor:
    """Aⁿ by repeated squaring (A⁻¹ⁿ for negative n, the identity for 0);  the gradient through matmul and inv"""
    A = input if isinstance(input, Tensor) else Tensor(input)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.matrix_power: expected a square matrix or a batch of them, got shape {A.shape}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {n!r}")
    if n == 0:
        return Tensor.wrap(np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape).copy())
    base, power, result = (inv(_matrices(A, "matrix_power")) if n < 0 else A), abs(int(n)), None
    while power:
        if power & 1:
            result = base if result is None else result @ base
        power >>= 1
        if power:
            base = base @ base
    return result


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """The product of the matrices in order (a first 1-D tensor a row, a last one a column, removed in the result);
    the gradient through matmul"""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    ndims = [t.ndim for t in tensors]
    if any(d != 2 for d in ndims[1:-1]) or ndims[0] not in (1, 2) or ndims[-1] not in (1, 2):
        raise ValueError(f"linalg.multi_dot: expected 2-D tensors (the first and last may be 1-D), got {ndims}")
    result = tensors[0]
    for t in tensors[1:]:
        result = result @ t
    return result


def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with A·X = B (X·A = B with ``left=False``), reading only A's upper or lower triangle (its diagonal taken as
    ones if ``unitriangular``);  the gradient of ``solve`` on that triangle (zero off it, as PyTorch)"""
    A = _matrices(A, "solve_triangular", square=True)
    B = B if isinstance(B, Tensor) else Tensor(B)
    if B.ndim < 2:
        raise ValueError(f"linalg.solve_triangular: B must be a matrix or a batch of them, got shape {B.shape}")
    triangle = A.triu() if upper else A.tril()
    if unitriangular:
        triangle = where(np.eye(A.shape[-1], dtype=bool), Tensor.wrap(np.ones((), A.dtype)), triangle)
    return solve(triangle, B, left=left)


def matrix_norm(input: Any, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """‖A‖ over the matrices in ``dim``: 'fro' = √Σ aᵢⱼ², ±1 / ±inf the largest or smallest column / row sum of |A|,
    2 / −2 the largest / smallest singular value, 'nuc' their sum;  the gradient of that composition"""
    if ord not in (2, -2, "nuc"):
        return tensor_matrix_norm(input, ord, dim, keepdim, dtype=dtype)
    A = _matrices(input, "matrix_norm")
    if dtype is not None:
        if np.promote_types(A.dtype, dtype) != np.dtype(dtype):
            raise TypeError(f"matrix_norm: dtype={np.dtype(dtype)} would narrow the input's {A.dtype}; pass a wider "
                            "dtype")
        A = A.to(dtype)
    planes = A.movedim(tuple(dim), (-2, -1))
    S = svdvals(planes)
    total = S.sum(-1) if ord == "nuc" else S[..., 0] if ord == 2 else S[..., -1]
    if keepdim:
        rows, cols = sorted(d % A.ndim for d in dim)
        total = total.unsqueeze(rows).unsqueeze(cols)
    return total


def norm(input: Any, ord: float | str | None = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a vector norm over one axis, a matrix norm over two (2, −2 and 'nuc' from the singular
    values), and without ``dim`` the 2-norm of all elements;  the gradient of the norm it picks"""
    A = input if isinstance(input, Tensor) else Tensor(input)
    if ord in (2, -2, "nuc") and (A.ndim == 2 if dim is None else np.ndim(dim) == 1):
        return matrix_norm(A, ord, (0, 1) if dim is None else tuple(dim), keepdim, dtype=dtype)
    return tensor_norm(A, ord, dim, keepdim, dtype=dtype)


# ----------------------------------------------------------------------------------------------- torch's older names
# torch.qr, torch.cholesky and torch.pinverse, and the Tensor methods of the factorizations defined here (svd, qr,
# cholesky, pinverse, matrix_power): this module imports the Tensor's, so it attaches them.
def legacy_qr(input: Any, some: bool = True) -> QRResult:
    """PyTorch's older ``torch.qr``: ``linalg.qr``, reduced, or complete with ``some=False``;  its gradient"""
    return qr(input, "reduced" if some else "complete")


def legacy_cholesky(input: Any, upper: bool = False) -> Tensor:
    """PyTorch's older ``torch.cholesky``: L from A's lower triangle, or with ``upper=True`` U, Uᵀ·U = A, from its
    upper triangle (LAPACK's; ``linalg.cholesky`` reads the lower one either way);  its gradient"""
    A = _matrices(input, "cholesky", square=True)
    return cholesky(A.mT).mT if upper else cholesky(A)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """PyTorch's ``torch.pinverse``: ``linalg.pinv`` with singular values ≤ rcond·σ₁ taken as zero;  its
    gradient"""
    return pinv(input, rtol=rcond)


Tensor.svd, Tensor.qr, Tensor.cholesky = legacy_svd, legacy_qr, legacy_cholesky
Tensor.pinverse, Tensor.matrix_power = pinverse, matrix_power
