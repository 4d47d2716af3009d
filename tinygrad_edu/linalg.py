"""``tg.linalg``: PyTorch's ``torch.linalg`` names for the linear-algebra ops (their calculus is in ``ops``)."""

import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from . import ops
from ._tensor import Tensor, cat, det, inv, matrix_exp, slogdet, solve, vector_norm, where
from ._tensor import linalg_norm as tensor_norm
from ._tensor import matrix_norm as tensor_matrix_norm
from .ops import LinAlgError

__all__ = ["EighResult", "LinAlgError", "LstsqResult", "QRResult", "SVDResult", "cholesky", "cond", "cross", "det",
           "eigh", "eigvalsh", "inv", "lstsq", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vector_norm"]
__all__ += ["CholeskyExResult", "InvExResult", "LUFactorExResult", "LUFactorResult", "LUResult", "SolveExResult",
            "cholesky_ex", "diagonal", "eig", "eigvals", "householder_product", "inv_ex", "lu", "lu_factor",
            "lu_factor_ex", "lu_solve", "matmul", "solve_ex", "tensorinv", "tensorsolve", "vander", "vecdot"]


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
    triangle only (its upper one with ``upper=True``, as PyTorch);  the symmetric gradient of ``ops.Cholesky``. A not
    positive-definite raises ``LinAlgError``."""
    A = _matrices(input, "cholesky", square=True)
    lower = A.mT if upper else A
    (L,) = _factors(ops.Cholesky, lower, (ops.cholesky_factor(lower.data),))
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
    residuals and singular values, the rank (here from the SVD: a rank-deficient A gets 'gelsd's solution, not
    'gelsy's);  the gradient of pinv and matmul"""
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
    2 / −2 the largest / smallest singular value, 'nuc' their sum;  the gradient of that composition (tied
    singular values share it evenly, as PyTorch's amax)"""
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
    total = S.sum(-1) if ord == "nuc" else S.amax(-1) if ord == 2 else S.amin(-1)
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


# ----------------------------------------------------------------------------------------------- LU, the _ex variants
class CholeskyExResult(NamedTuple):
    """What ``cholesky_ex`` returns, as PyTorch's ``torch.return_types.linalg_cholesky_ex``."""

    L: Tensor
    info: Tensor


class InvExResult(NamedTuple):
    """What ``inv_ex`` returns, as PyTorch's ``torch.return_types.linalg_inv_ex``."""

    inverse: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    """What ``solve_ex`` returns, as PyTorch's ``torch.return_types.linalg_solve_ex``."""

    result: Tensor
    info: Tensor


class LUFactorResult(NamedTuple):
    """What ``lu_factor`` returns, as PyTorch's ``torch.return_types.linalg_lu_factor``."""

    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    """What ``lu_factor_ex`` returns, as PyTorch's ``torch.return_types.linalg_lu_factor_ex``."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


class LUResult(NamedTuple):
    """What ``lu`` and ``tg.lu_unpack`` return, as PyTorch's ``torch.return_types.linalg_lu``."""

    P: Tensor
    L: Tensor
    U: Tensor


class TriangularSolveResult(NamedTuple):
    """What ``tg.triangular_solve`` returns, as PyTorch's ``torch.return_types.triangular_solve``."""

    solution: Tensor
    cloned_coefficient: Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _batch_element(info: np.ndarray) -> str:
    """PyTorch's '(Batch element i): ' prefix naming the first failing matrix of a batch ('' for one matrix)."""
    return f"(Batch element {int(np.argmax(info.reshape(-1) > 0))}): " if info.ndim else ""


def _first_failure(info: np.ndarray) -> int:
    return int(info.reshape(-1)[np.argmax(info.reshape(-1) > 0)])


def _replace_failed(failed: np.ndarray, A: Tensor) -> Tensor:
    """A with each failed matrix of the batch replaced by the identity, so the factorization of the rest can run."""
    return where(failed[..., None, None], Tensor.wrap(np.eye(A.shape[-1], dtype=A.dtype)), A)


def _partial_cholesky(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, info) of LAPACK's unblocked potf2 on a's lower triangle: column by column; where column j's pivot
    aⱼⱼ − Σ Lⱼₖ² is not positive, info = j + 1, that value stays on the diagonal and the columns after keep a's."""
    n = a.shape[-1]
    L = np.tril(a).copy()
    info = np.zeros(a.shape[:-2], np.int32)
    for j in range(n):
        running = info == 0
        pivot = L[..., j, j] - (L[..., j, :j] ** 2).sum(-1)
        fails = running & ~(pivot > 0)  # NaN fails too
        info[fails] = j + 1
        L[..., j, j] = np.where(running, np.sqrt(np.where(fails, 1, pivot)), L[..., j, j])
        L[..., j, j] = np.where(fails, pivot, L[..., j, j])
        column = (L[..., j + 1:, j] - (L[..., j + 1:, :j] * L[..., j, None, :j]).sum(-1)) / L[..., j, j, None]
        L[..., j + 1:, j] = np.where((running & ~fails)[..., None], column, L[..., j + 1:, j])
    return L, info


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """(L, info): ``cholesky`` without the error: info (int32) the order of the first leading minor that is not
    positive-definite, 0 on success; a failed matrix's L is LAPACK's partial factor, as PyTorch's (no gradient)"""
    A = _matrices(A, "cholesky_ex", square=True)
    lower = A.mT if upper else A
    with np.errstate(invalid="ignore", divide="ignore"):
        partial, info = _partial_cholesky(lower.data)
    if check_errors and info.any():
        raise LinAlgError(f"linalg.cholesky_ex: {_batch_element(info)}The factorization could not be completed because"
                          " the input is not positive-definite (the leading minor of order "
                          f"{_first_failure(info)} is not positive-definite).")
    failed = info > 0
    L = cholesky(_replace_failed(failed, lower) if failed.any() else lower)
    if failed.any():  # NOTE: the partial factor is a constant: no gradient reaches a failed matrix
        L = where(failed[..., None, None], Tensor.wrap(partial), L)
    return CholeskyExResult(L.mT if upper else L, Tensor.wrap(info))


def _substitute(T: np.ndarray, B: np.ndarray, lower: bool, unit: bool) -> np.ndarray:
    """T⁻¹·B by forward (or back) substitution, row by row as LAPACK's trsm: a zero pivot gives ±inf, then NaN."""
    n = T.shape[-1]
    X = np.zeros(np.broadcast_shapes(T.shape[:-2], B.shape[:-2]) + B.shape[-2:], np.result_type(T, B))
    for i in range(n) if lower else reversed(range(n)):
        known = slice(0, i) if lower else slice(i + 1, n)
        row = B[..., i, :] - (T[..., i, known, None] * X[..., known, :]).sum(-2)
        X[..., i, :] = row if unit else row / T[..., i, i, None]
    return X


def _lu_solve_arrays(LU: np.ndarray, pivots: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A⁻¹·B from getrf's (LU, pivots) in numpy, zero pivots and all (the values PyTorch's solve gives then)."""
    P = ops.permutation_from_pivots(pivots, LU.shape[-1], LU.dtype)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        Y = _substitute(LU, np.swapaxes(P, -1, -2) @ B, lower=True, unit=True)
        return _substitute(LU, Y, lower=False, unit=False)


def solve_ex(A: Any, B: Any, *, left: bool = True, check_errors: bool = False) -> SolveExResult:
    """(X, info): ``solve`` without the error: info (int32) the first k with U[k,k] = 0 in A's LU factorization
    (1-based), 0 on success; a singular matrix's X has LAPACK's ±inf/NaN, as PyTorch's (no gradient)"""
    return _solve_ex(A, B, left, check_errors, "solve_ex")


def _solve_ex(A: Any, B: Any, left: bool, check_errors: bool, op: str) -> SolveExResult:
    A = _matrices(A, op, square=True)
    B = _tensor(B)
    info = ops.lu_factor_array(A.data)[2]
    if check_errors and info.any():
        reason = (f"The diagonal element {_first_failure(info)} is zero, the inversion could not be completed because "
                  "the input matrix is singular." if op == "inv_ex" else
                  "The solver failed because the input matrix is singular.")
        raise LinAlgError(f"{'linalg' if op == 'inv_ex' else 'torch.linalg'}.{op}: {_batch_element(info)}{reason}")
    failed = info > 0
    if not failed.any():
        return SolveExResult(solve(A, B, left=left), Tensor.wrap(info))
    X = solve(_replace_failed(failed, A), B, left=left)
    column = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])  # solve's rule for vectors
    rhs = B.data[..., None] if column else B.data if left else np.swapaxes(B.data, -1, -2)
    batch = np.broadcast_shapes(A.shape[:-2], rhs.shape[:-2])
    planes = np.broadcast_to(A.data if left else np.swapaxes(A.data, -1, -2), batch + A.shape[-2:])
    LU, pivots, _ = ops.lu_factor_array(planes)
    values = _lu_solve_arrays(LU, pivots, np.broadcast_to(rhs, batch + rhs.shape[-2:]).astype(X.dtype))
    values = values[..., 0] if column else values if left else np.swapaxes(values, -1, -2)
    mask = failed.reshape(failed.shape + (1,) * (X.ndim - failed.ndim))  # NOTE: constants: no gradient there
    return SolveExResult(where(mask, Tensor.wrap(values.astype(X.dtype)), X), Tensor.wrap(info))


def inv_ex(A: Any, *, check_errors: bool = False) -> InvExResult:
    """(A⁻¹, info): ``inv`` without the error, info as ``solve_ex``'s; a singular matrix's inverse has LAPACK's
    ±inf/NaN, as PyTorch's (no gradient)"""
    A = _matrices(A, "inv_ex", square=True)
    eye = Tensor.wrap(np.eye(A.shape[-1], dtype=A.dtype))
    return InvExResult(*_solve_ex(A, eye, True, check_errors, "inv_ex"))


def tensorinv(A: Any, ind: int = 2) -> Tensor:
    """The tensor X with tensordot(A, X, ind) = I: A's first ``ind`` axes against the rest, inverted as a square
    matrix; the gradient of ``inv``"""
    A = _tensor(A)
    if not isinstance(ind, (int, np.integer)) or isinstance(ind, bool) or ind <= 0:
        raise ValueError(f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got {ind!r}")
    outer, inner = A.shape[:ind], A.shape[ind:]
    rows, cols = int(np.prod(outer)), int(np.prod(inner))
    if rows != cols:
        raise ValueError(f"linalg.tensorinv: the product of A's first {ind} sizes {outer} ({rows}) must equal that "
                         f"of the rest {inner} ({cols})")
    return inv(_matrices(A.reshape(rows, cols), "tensorinv")).reshape(*inner, *outer)


def tensorsolve(A: Any, B: Any, dims: Sequence[int] | None = None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B (``dims``: those axes of A moved to the end first); the gradient of
    ``solve``"""
    A, B = _tensor(A), _tensor(B)
    if dims is not None:
        A = A.movedim(tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    if A.shape[:B.ndim] != B.shape:
        raise ValueError(f"linalg.tensorsolve: A's leading sizes {A.shape[:B.ndim]} must be B's shape {B.shape}")
    shape = A.shape[B.ndim:]
    rows, cols = int(np.prod(B.shape)), int(np.prod(shape))
    if rows != cols:
        raise ValueError(f"linalg.tensorsolve: the product of B's sizes ({rows}) must equal that of the solution's "
                         f"{shape} ({cols})")
    return solve(_matrices(A.reshape(rows, cols), "tensorsolve"), B.reshape(rows)).reshape(shape)


def _lu(A: Any, pivot: bool, op: str) -> tuple[Tensor, Tensor, Tensor, np.ndarray, np.ndarray]:
    """(P, L, U, pivots, info) of A = P·L·U, L and U nodes of ``ops.Lu`` (P a constant)."""
    A = _matrices(A, op)
    if not pivot:
        raise NotImplementedError(f"linalg.{op}: LU without pivoting is not implemented on the CPU (as PyTorch); "
                                  "pass pivot=True")
    LU, pivots, info = ops.lu_factor_array(A.data)
    m, n = A.shape[-2:]
    k = min(m, n)
    L = np.tril(LU[..., :, :k], -1) + np.eye(m, k, dtype=A.dtype)
    U = np.triu(LU[..., :k, :])
    P = ops.permutation_from_pivots(pivots, m, A.dtype)
    factors = (L, U, P)
    return Tensor.wrap(P), ops.Lu.apply(A, factors, 0), ops.Lu.apply(A, factors, 1), pivots, info


def _packed(L: Tensor, U: Tensor) -> Tensor:
    """getrf's packed LU: L's multipliers below U's upper triangle, m × n."""
    m, n = L.shape[-2], U.shape[-1]
    if m >= n:
        return L.tril(-1) + cat([U, Tensor.wrap(np.zeros((*U.shape[:-2], m - n, n), U.dtype))], dim=-2)
    return cat([L.tril(-1), Tensor.wrap(np.zeros((*L.shape[:-2], m, n - m), L.dtype))], dim=-1) + U


def lu_factor_ex(A: Any, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    """(LU, pivots, info) of A = P·L·U by partial pivoting: LAPACK's getrf (written out in numpy, the same pivots),
    pivots 1-based int32, info the first k with U[k,k] = 0;  the gradient of ``ops.Lu``"""
    return LUFactorExResult(*_lu_factor(A, pivot, check_errors, "lu_factor_ex"))


def lu_factor(A: Any, *, pivot: bool = True) -> LUFactorResult:
    """(LU, pivots) of ``lu_factor_ex``, raising where U has a zero on its diagonal (as PyTorch);  the gradient of
    ``ops.Lu``"""
    return LUFactorResult(*_lu_factor(A, pivot, True, "lu_factor")[:2])


def _lu_factor(A: Any, pivot: bool, check_errors: bool, op: str) -> tuple[Tensor, Tensor, Tensor]:
    _, L, U, pivots, info = _lu(A, pivot, op)
    if check_errors and info.any():
        k = _first_failure(info)
        raise RuntimeError(f"torch.linalg.{op}: {_batch_element(info)}U[{k},{k}] is zero and using it on lu_solve "
                           "would result in a division by zero. If you still want to perform the factorization, "
                           "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return _packed(L, U), Tensor.wrap(pivots), Tensor.wrap(info)


def lu(A: Any, *, pivot: bool = True) -> LUResult:
    """(P, L, U) with A = P·L·U: P a permutation (no gradient), L unit lower triangular (m × k), U upper (k × n);
    the gradient of ``ops.Lu``"""
    P, L, U, _, _ = _lu(A, pivot, "lu")
    return LUResult(P, L, U)


def _pivots(pivots: Any, op: str) -> np.ndarray:
    values = pivots.data if isinstance(pivots, Tensor) else np.asarray(pivots)
    if values.dtype.kind not in "iu":
        raise TypeError(f"{op}: pivots must be an integer tensor (int32, as lu_factor gives), got dtype {values.dtype}")
    return values


def lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """X with A·X = B from A's ``lu_factor`` (Aᵀ·X = B with ``adjoint``, X·A = B with ``left=False``): a permutation
    and two triangular solves;  their gradients (LU's only on the triangles it is read from, as PyTorch)"""
    LU, B = _matrices(LU, "lu_solve", square=True), _tensor(B)
    n = LU.shape[-1]
    if B.ndim < 2 or (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise ValueError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} ({n}x{n} and "
                         f"{'x'.join(map(str, B.shape[-2:]))})")
    pivots = _pivots(pivots, "linalg.lu_solve")
    if pivots.shape[-1:] != (n,):
        raise ValueError(f"linalg.lu_solve: pivots must have {n} entries per matrix, got shape {pivots.shape}")
    if not left:  # X·A = B ⇔ Aᵀ·Xᵀ = Bᵀ
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    P = Tensor.wrap(ops.permutation_from_pivots(pivots, n, LU.dtype))
    if adjoint:  # Aᵀ = Uᵀ·Lᵀ·Pᵀ
        Y = solve_triangular(LU.mT, B, upper=False)
        return P @ solve_triangular(LU.mT, Y, upper=True, unitriangular=True)
    Y = solve_triangular(LU, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(LU, Y, upper=True)


def eig(A: Any) -> None:
    """Refused (no value, no gradient): PyTorch's eig is complex, and tinygrad_edu has no complex dtype; ``eigh``
    for a symmetric matrix"""
    raise NotImplementedError("linalg.eig: the eigen-decomposition of a general matrix is complex (PyTorch returns "
                              "complex64/128 tensors), and tinygrad_edu has no complex numbers; for a symmetric matrix "
                              "use linalg.eigh (real eigenvalues and eigenvectors)")


def eigvals(A: Any) -> None:
    """Refused (no value, no gradient): PyTorch's eigvals is complex, and tinygrad_edu has no complex dtype;
    ``eigvalsh`` for a symmetric matrix"""
    raise NotImplementedError("linalg.eigvals: the eigenvalues of a general matrix are complex (PyTorch returns a "
                              "complex tensor), and tinygrad_edu has no complex numbers; for a symmetric matrix use "
                              "linalg.eigvalsh (real eigenvalues)")


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """Σᵢ xᵢ·yᵢ along ``dim``, broadcast (real tensors, so no conjugate);  ∂C/∂x = ∂C/∂z·y, ∂C/∂y = ∂C/∂z·x"""
    x, y = _tensor(x), _tensor(y)
    for t in (x, y):
        if t.dtype.kind != "f":
            raise TypeError(f"linalg.vecdot: Expected a floating point tensor as input. Got {t.dtype} (as PyTorch)")
    return (x * y).sum(dim)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal ``offset`` above the main one of the matrices in ``dim1``, ``dim2`` (the last two by default,
    where ``Tensor.diagonal`` takes the first two);  the gradient of that view"""
    return _tensor(A).diagonal(offset, dim1, dim2)


def vander(x: Any, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrices of x's last axis with increasing powers 1, x, …, x^(N−1) (``tg.vander``'s default is
    decreasing), N = x.shape[-1] by default, integers as int64; built by a running product as PyTorch;  the gradient
    of that product"""
    x = _tensor(x)
    if x.ndim == 0:
        raise ValueError("linalg.vander: x must have at least one dimension, got a 0-d tensor")
    n = x.shape[-1] if N is None else N
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 1:
        raise ValueError(f"linalg.vander: N must be greater than 1, got {n!r}")
    x = x.to(np.int64) if x.dtype.kind in "biu" else x
    ones = Tensor.wrap(np.ones((*x.shape, 1), x.dtype))
    return cat([ones, x.unsqueeze(-1).broadcast_to(*x.shape, n - 1)], dim=-1).cumprod(-1)


def matmul(input: Any, other: Any) -> Tensor:
    """The matrix product ``input @ other`` (torch.matmul's broadcasting);  the gradient of matmul"""
    return _tensor(input) @ other


def householder_product(A: Any, tau: Any) -> Tensor:
    """The first n columns of H₁·H₂·…·Hₖ, Hᵢ = I − τᵢ·vᵢ·vᵢᵀ with vᵢ = (0, …, 0, 1, A[i+1:, i]) (LAPACK's orgqr: Q from
    ``geqrf``'s reflectors, numpy's ``qr(mode='raw')`` transposed);  the gradient of that product, in A and τ"""
    A, tau = _matrices(A, "householder_product"), _tensor(tau)
    m, n = A.shape[-2:]
    if m < n:
        raise ValueError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                         f"input.shape[-1], got shape {A.shape}")
    if tau.ndim != A.ndim - 1:
        raise ValueError("torch.linalg.householder_product: Expected tau to have one dimension less than input, but "
                         f"got tau.ndim equal to {tau.ndim} and input.ndim is equal to {A.ndim}")
    if tau.shape[-1] > n:
        raise ValueError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                         f"tau.shape[-1], got {n} and {tau.shape[-1]}")
    V = A.tril(-1) + Tensor.wrap(np.eye(m, n, dtype=A.dtype))  # the reflectors' vectors as columns
    Q = Tensor.wrap(np.broadcast_to(np.eye(m, dtype=A.dtype), (*A.shape[:-2], m, m)).copy())
    for i in range(tau.shape[-1]):
        v = V[..., :, i:i + 1]
        Q = Q - (Q @ v) * tau[..., i:i + 1, None] @ v.mT
    return Q[..., :, :n]


# ----------------------------------------------------------------------------------------------- torch.lu & co.
def legacy_lu(A: Any, pivot: bool = True, get_infos: bool = False) -> tuple[Tensor, ...]:
    """PyTorch's older ``torch.lu``: (LU, pivots), and info with ``get_infos=True`` — ``lu_factor_ex``'s, which
    raises nothing (as PyTorch);  the gradient of ``ops.Lu``"""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    return (LU, pivots, info) if get_infos else (LU, pivots)


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True, unpack_pivots: bool = True) -> LUResult:
    """(P, L, U) from ``lu_factor``'s packed LU and pivots (empty tensors for what is not unpacked, as PyTorch);
    the gradient of L's and U's triangles"""
    LU = _matrices(LU_data, "lu_unpack")
    m, n = LU.shape[-2:]
    k = min(m, n)
    empty = Tensor.wrap(np.zeros(0, LU.dtype))
    P = empty
    if unpack_pivots:
        P = Tensor.wrap(ops.permutation_from_pivots(_pivots(LU_pivots, "lu_unpack"), m, LU.dtype))
    if not unpack_data:
        return LUResult(P, empty, empty)
    L = LU[..., :, :k].tril(-1) + Tensor.wrap(np.eye(m, k, dtype=LU.dtype))
    return LUResult(P, L, LU[..., :k, :].triu())


def legacy_lu_solve(b: Any, LU_data: Any, LU_pivots: Any) -> Tensor:
    """PyTorch's older ``torch.lu_solve(b, LU_data, LU_pivots)``: ``linalg.lu_solve(LU_data, LU_pivots, b)``;  its
    gradient"""
    return lu_solve(LU_data, LU_pivots, b)


def legacy_cholesky(input: Any, upper: bool = False) -> Tensor:
    """PyTorch's deprecated ``torch.cholesky``: ``linalg.cholesky(input, upper=upper)``, with PyTorch's warning;  its
    gradient"""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky (tg.linalg.cholesky here)",
                  UserWarning, stacklevel=2)
    return cholesky(input, upper=upper)


def _gram_of_triangle(L: Tensor, upper: bool, op: str) -> Tensor:
    """A = L·Lᵀ (Uᵀ·U with ``upper``) of L's triangle, differentiated as PyTorch's cholesky_solve and cholesky_inverse
    are: in the whole L (their forward reads one triangle, their gradient formula uses all of L)."""
    L = _matrices(L, op, square=True)
    triangle = L.triu() if upper else L.tril()
    gram, whole = (triangle.mT @ triangle, L.mT @ L) if upper else (triangle @ triangle.mT, L @ L.mT)
    return whole + (gram - whole).detach()  # NOTE: the value of the triangle's, the gradient of the whole L's


def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:
    """X with L·Lᵀ·X = B (Uᵀ·U·X = B with ``upper``), reading L's triangle;  ∂C/∂L as PyTorch's, of A = L·Lᵀ in all
    of L"""
    return solve(_gram_of_triangle(_tensor(L), upper, "cholesky_solve"), B)


def cholesky_inverse(L: Any, upper: bool = False) -> Tensor:
    """(L·Lᵀ)⁻¹ (with ``upper``, (Uᵀ·U)⁻¹), reading L's triangle;  ∂C/∂L as PyTorch's, of A = L·Lᵀ in all of L"""
    return inv(_gram_of_triangle(_tensor(L), upper, "cholesky_inverse"))


def triangular_solve(b: Any, A: Any, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> TriangularSolveResult:
    """PyTorch's older ``torch.triangular_solve``: (X with A·X = b, or Aᵀ·X = b with ``transpose``; a copy of A) —
    note b first and ``upper=True`` by default;  the gradient of ``linalg.solve_triangular``"""
    A = _matrices(A, "triangular_solve", square=True)
    if transpose:
        solution = solve_triangular(A.mT, b, upper=not upper, unitriangular=unitriangular)
    else:
        solution = solve_triangular(A, b, upper=upper, unitriangular=unitriangular)
    return TriangularSolveResult(solution, A.clone())


# ----------------------------------------------------------------------------------------------- torch's older names
# torch.qr and torch.pinverse, and the Tensor methods of the factorizations defined here (svd, qr, cholesky, pinverse,
# matrix_power): this module imports the Tensor's, so it attaches them.
def legacy_qr(input: Any, some: bool = True) -> QRResult:
    """PyTorch's older ``torch.qr``: ``linalg.qr``, reduced, or complete with ``some=False``;  its gradient"""
    return qr(input, "reduced" if some else "complete")


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """PyTorch's ``torch.pinverse``: ``linalg.pinv`` with singular values ≤ rcond·σ₁ taken as zero;  its
    gradient"""
    return pinv(input, rtol=rcond)


Tensor.svd, Tensor.qr, Tensor.cholesky = legacy_svd, legacy_qr, legacy_cholesky
Tensor.pinverse, Tensor.matrix_power = pinverse, matrix_power
