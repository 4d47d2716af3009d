"""tg.linalg's decompositions (cholesky, eigh, svd, qr) and what is built on them (pinv, lstsq, matrix_power, multi_dot,
solve_triangular, matrix_rank, cond, matrix_norm's 2/−2/'nuc', logdet): values against numpy's identities and
numpy.linalg, gradients against finite differences in float64 (plain and create_graph=True, then second derivatives),
and both against PyTorch when it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from gradients import check_gradients
from optional_tools import require_module

import tinygrad_edu as tg

RNG = np.random.default_rng(0)


def check_second_derivatives(op, *arrays):
    assert tg.gradgradcheck(op, [tg.Tensor(np.asarray(a, float), requires_grad=True) for a in arrays],
                            atol=1e-6, rtol=1e-4)


def symmetric(x):
    """(x + xᵀ)/2: a factorization of symmetric matrices differentiated along symmetric directions only."""
    return (x + x.mT) * 0.5


def positive_definite(*shape):
    x = RNG.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def distinct_spectrum(*shape):
    """A symmetric matrix with well-separated eigenvalues (1, 2.5, 4, …), so eigenvector gradients are tame."""
    n = shape[-1]
    q = np.linalg.qr(RNG.standard_normal(shape))[0]
    return (q * (1 + 1.5 * np.arange(n))) @ np.swapaxes(q, -1, -2)


def distinct_singular_values(m, n, batch=()):
    k = min(m, n)
    u = np.linalg.qr(RNG.standard_normal((*batch, m, m)))[0][..., :k]
    v = np.linalg.qr(RNG.standard_normal((*batch, n, n)))[0][..., :k]
    return (u * (1 + np.arange(k)[::-1])) @ np.swapaxes(v, -1, -2)


# ----------------------------------------------------------------------------------------------- cholesky
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_cholesky_factor_and_gradient(shape):
    a = positive_definite(*shape)
    L = tg.linalg.cholesky(tg.Tensor(a)).data
    np.testing.assert_allclose(L @ np.swapaxes(L, -1, -2), a, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(L, np.tril(L))
    assert (np.diagonal(L, axis1=-2, axis2=-1) > 0).all()
    U = tg.linalg.cholesky(tg.Tensor(a), upper=True).data
    np.testing.assert_allclose(U, np.swapaxes(L, -1, -2))
    for op in (lambda x: tg.linalg.cholesky(symmetric(x)), lambda x: tg.linalg.cholesky(symmetric(x), upper=True)):
        check_gradients(op, a)
        check_second_derivatives(op, a)


def test_cholesky_gradient_is_symmetric_and_reads_the_lower_triangle_only():
    a = positive_definite(3, 3)
    garbage = a + np.triu(RNG.standard_normal((3, 3)), 1)
    np.testing.assert_array_equal(tg.linalg.cholesky(tg.Tensor(garbage)).data, np.linalg.cholesky(a))
    x = tg.Tensor(a, requires_grad=True)
    (tg.linalg.cholesky(x) * tg.Tensor(RNG.standard_normal((3, 3)))).sum().backward()
    np.testing.assert_allclose(x.grad.data, x.grad.data.T, rtol=1e-12)


def test_cholesky_refuses_what_is_not_positive_definite_as_pytorch():
    indefinite = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(tg.linalg.LinAlgError, match=r"^linalg.cholesky: The factorization could not be completed "
                       r"because the input is not positive-definite \(the leading minor of order 2 is not"):
        tg.linalg.cholesky(tg.Tensor(indefinite))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): .* leading minor of order 1 is"):
        tg.linalg.cholesky(tg.Tensor(np.stack([np.eye(2), -np.eye(2)])))
    with pytest.raises(TypeError, match=r"linalg\.cholesky: expected a floating-point tensor, got dtype int64"):
        tg.linalg.cholesky(tg.Tensor(np.eye(2, dtype=np.int64)))
    with pytest.raises(ValueError, match="square matrix"):
        tg.linalg.cholesky(tg.Tensor(np.ones((2, 3))))


# ----------------------------------------------------------------------------------------------- eigh
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eigh_identities_and_gradients(shape):
    a = distinct_spectrum(*shape)
    w, V = tg.linalg.eigh(tg.Tensor(a))
    assert isinstance(w, tg.Tensor) and tg.linalg.eigh(tg.Tensor(a)).eigenvectors.shape == shape
    np.testing.assert_allclose(a @ V.data, V.data * w.data[..., None, :], atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(V.data, -1, -2) @ V.data, np.broadcast_to(np.eye(shape[-1]), shape),
                               atol=1e-12)
    assert (np.diff(w.data, axis=-1) > 0).all()
    np.testing.assert_allclose(tg.linalg.eigvalsh(tg.Tensor(a)).data, np.linalg.eigvalsh(a), rtol=1e-12)
    for op in (lambda x: tg.linalg.eigvalsh(symmetric(x)),
               lambda x: tg.linalg.eigh(symmetric(x)).eigenvectors ** 2,  # squares: free of each column's sign
               lambda x: tg.linalg.eigh(symmetric(x)).eigenvalues * tg.linalg.eigh(symmetric(x))[1][..., 0, :] ** 2):
        check_gradients(op, a)
        check_second_derivatives(op, a)


def test_eigh_reads_the_triangle_uplo_names():
    a = distinct_spectrum(3, 3)
    sevens = np.full((3, 3), 7.0)
    lower_only, upper_only = np.tril(a) + np.triu(sevens, 1), np.triu(a) + np.tril(sevens, -1)
    np.testing.assert_allclose(tg.linalg.eigvalsh(tg.Tensor(lower_only)).data, np.linalg.eigvalsh(a), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.eigvalsh(tg.Tensor(upper_only), UPLO="U").data, np.linalg.eigvalsh(a),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="UPLO must be 'L' or 'U'"):
        tg.linalg.eigh(tg.Tensor(a), UPLO="X")


def test_eigh_with_repeated_eigenvalues_as_pytorch():
    """The eigenvalues' gradient V·diag(ḡ)·Vᵀ is defined at any spectrum; the eigenvectors' is not (1/(λⱼ − λᵢ))."""
    x = tg.Tensor(np.eye(3), requires_grad=True)
    tg.linalg.eigvalsh(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.eye(3), atol=1e-12)
    x = tg.Tensor(np.eye(3), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        tg.linalg.eigh(x).eigenvectors.sum().backward()
    assert not np.isfinite(x.grad.data).all()


# ----------------------------------------------------------------------------------------------- svd
@pytest.mark.parametrize(("m", "n", "batch"), [(5, 3, ()), (3, 5, ()), (4, 4, ()), (4, 3, (2,))])
def test_svd_identities_and_gradients(m, n, batch):
    a = distinct_singular_values(m, n, batch)
    k = min(m, n)
    for full in (False, True):
        U, S, Vh = (t.data for t in tg.linalg.svd(tg.Tensor(a), full_matrices=full))
        assert U.shape == (*batch, m, m if full else k) and Vh.shape == (*batch, n if full else k, n)
        np.testing.assert_allclose((U[..., :k] * S[..., None, :]) @ Vh[..., :k, :], a, atol=1e-12)
        np.testing.assert_allclose(np.swapaxes(U, -1, -2) @ U, np.broadcast_to(np.eye(U.shape[-1]), (*batch,) +
                                   (U.shape[-1],) * 2), atol=1e-12)
        np.testing.assert_allclose(Vh @ np.swapaxes(Vh, -1, -2), np.broadcast_to(np.eye(Vh.shape[-2]), (*batch,) +
                                   (Vh.shape[-2],) * 2), atol=1e-12)
    np.testing.assert_allclose(tg.linalg.svdvals(tg.Tensor(a)).data, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    for op in (tg.linalg.svdvals, lambda x: tg.linalg.svd(x, full_matrices=False).U ** 2,
               lambda x: tg.linalg.svd(x, full_matrices=False).Vh ** 2,
               lambda x: tg.linalg.svd(x, False).U[..., 0] * tg.linalg.svd(x, False).Vh[..., 0, :].sum(-1, True)):
        check_gradients(op, a)
        check_second_derivatives(op, a)


def test_svd_full_matrices_gradient_ignores_the_extra_columns_as_pytorch():
    a = distinct_singular_values(5, 3)
    x, y = tg.Tensor(a, requires_grad=True), tg.Tensor(a, requires_grad=True)
    (tg.linalg.svd(x, full_matrices=True).U ** 3).sum().backward()
    (tg.linalg.svd(y, full_matrices=False).U ** 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, y.grad.data, rtol=1e-12)


def test_torch_svd_returns_v_not_vh():
    a = distinct_singular_values(4, 3)
    U, S, V = tg.svd(tg.Tensor(a))
    np.testing.assert_allclose((U.data * S.data) @ V.data.T, a, atol=1e-12)
    assert U.shape == (4, 3) and V.shape == (3, 3)
    assert tg.svd(tg.Tensor(a), some=False).U.shape == (4, 4)
    zeros = tg.svd(tg.Tensor(a), compute_uv=False)
    assert zeros.U.shape == (4, 4) and zeros.V.shape == (3, 3) and not zeros.U.data.any() and not zeros.V.data.any()
    np.testing.assert_allclose(zeros.S.data, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    check_gradients(lambda x: tg.svd(x).V ** 2, a)


# ----------------------------------------------------------------------------------------------- qr
@pytest.mark.parametrize(("m", "n", "batch"), [(5, 3, ()), (4, 4, ()), (3, 5, ()), (4, 3, (2,))])
def test_qr_identities(m, n, batch):
    a = RNG.standard_normal((*batch, m, n))
    k = min(m, n)
    for mode, columns in (("reduced", k), ("complete", m)):
        Q, R = (t.data for t in tg.linalg.qr(tg.Tensor(a), mode))
        assert Q.shape == (*batch, m, columns) and R.shape == (*batch, columns, n)
        np.testing.assert_allclose(Q @ R, a, atol=1e-12)
        np.testing.assert_allclose(np.swapaxes(Q, -1, -2) @ Q, np.broadcast_to(np.eye(columns), (*batch, columns,
                                   columns)), atol=1e-12)
        np.testing.assert_array_equal(R, np.triu(R))
    Q, R = tg.linalg.qr(tg.Tensor(a), mode="r")
    assert Q.shape == (0,)
    np.testing.assert_allclose(R.data, np.linalg.qr(a, mode="r"))


@pytest.mark.parametrize(("m", "n"), [(5, 3), (4, 4), (3, 5)])
def test_qr_gradients(m, n):
    a = RNG.standard_normal((m, n)) + np.eye(m, n) * 3
    for op in (lambda x: tg.linalg.qr(x).Q, lambda x: tg.linalg.qr(x).R, lambda x: tg.linalg.qr(x)[0] * 2 + 1):
        check_gradients(op, a)
        check_second_derivatives(op, a)
    if m <= n:  # complete is reduced here
        check_gradients(lambda x: tg.linalg.qr(x, "complete").Q, a)


def test_qr_refuses_what_it_cannot_differentiate_as_pytorch():
    for mode, shape, error, message in [("r", (4, 3), RuntimeError, "not computed when mode='r'"),
                                        ("complete", (4, 3), RuntimeError, "not differentiable when mode='complete'")]:
        x = tg.Tensor(RNG.standard_normal(shape), requires_grad=True)
        with pytest.raises(error, match=message):
            tg.linalg.qr(x, mode).R.sum().backward()
    with pytest.raises(ValueError, match="unrecognized mode 'full'"):
        tg.linalg.qr(tg.Tensor(np.eye(2)), mode="full")


# ----------------------------------------------------------------------------------------------- built on them
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 4, 3)])
def test_pinv_and_lstsq(shape):
    a = RNG.standard_normal(shape)
    z = tg.linalg.pinv(tg.Tensor(a)).data
    np.testing.assert_allclose(z, np.linalg.pinv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a @ z @ a, a, atol=1e-12)  # the Penrose conditions
    np.testing.assert_allclose(z @ a @ z, z, atol=1e-12)
    check_gradients(tg.linalg.pinv, a)
    check_second_derivatives(tg.linalg.pinv, a)
    b = RNG.standard_normal((*shape[:-1], 2))
    result = tg.linalg.lstsq(tg.Tensor(a), tg.Tensor(b))
    if len(shape) == 2:
        np.testing.assert_allclose(result.solution.data, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-10)
    assert result.rank.dtype == np.int64 and (result.rank.data == min(shape[-2:])).all()
    assert result.residuals.shape == (0,) and result.singular_values.shape == (0,)
    check_gradients(lambda x, y: tg.linalg.lstsq(x, y).solution, a, b)


def test_pinv_drops_singular_values_below_the_tolerance():
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    np.testing.assert_allclose(tg.linalg.pinv(tg.Tensor(rank_one)).data, np.linalg.pinv(rank_one), atol=1e-14)
    np.testing.assert_allclose(tg.linalg.pinv(tg.Tensor(np.diag([4.0, 1e-3])), atol=1e-2).data, np.diag([0.25, 0]))
    np.testing.assert_allclose(tg.linalg.pinv(tg.Tensor(np.diag([4.0, 1.0])), rtol=0.5).data, np.diag([0.25, 0]))
    assert tg.linalg.matrix_rank(tg.Tensor(rank_one)).item() == 1
    assert tg.linalg.matrix_rank(tg.Tensor(np.diag([4.0, 1.0])), rtol=0.5).item() == 1
    np.testing.assert_array_equal(tg.linalg.matrix_rank(tg.Tensor(RNG.standard_normal((3, 4, 2)))).data, [2, 2, 2])
    with pytest.raises(ValueError, match="non-negative"):
        tg.linalg.pinv(tg.Tensor(np.eye(2)), atol=-1.0)
    for op in (tg.linalg.pinv, tg.linalg.matrix_rank):  # PyTorch would read one triangle only: refused, not ignored
        with pytest.raises(NotImplementedError, match="hermitian=True"):
            op(tg.Tensor(np.eye(2)), hermitian=True)


@pytest.mark.parametrize("n", [3, 1, 0, -1, -2])
def test_matrix_power(n):
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(tg.linalg.matrix_power(tg.Tensor(a), n).data, np.linalg.matrix_power(a, n),
                               rtol=1e-10)
    if n:
        check_gradients(lambda x: tg.matrix_power(x, n), a)
    with pytest.raises(TypeError, match="n must be an integer"):
        tg.linalg.matrix_power(tg.Tensor(a), 1.5)


def test_multi_dot_and_solve_triangular():
    arrays = [RNG.standard_normal(3), RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)),
              RNG.standard_normal(2)]
    np.testing.assert_allclose(tg.linalg.multi_dot([tg.Tensor(x) for x in arrays]).data,
                               np.linalg.multi_dot(arrays), rtol=1e-12)
    check_gradients(lambda *xs: tg.linalg.multi_dot(xs), *arrays)
    with pytest.raises(ValueError, match="at least 2"):
        tg.linalg.multi_dot([tg.Tensor(np.eye(2))])
    a, b = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3), RNG.standard_normal((2, 3, 4))
    for upper in (False, True):
        triangle = np.triu(a) if upper else np.tril(a)
        solved = tg.linalg.solve_triangular(tg.Tensor(a), tg.Tensor(b), upper=upper).data
        np.testing.assert_allclose(solved, np.linalg.solve(triangle, b), rtol=1e-10)
        unit = np.where(np.eye(3, dtype=bool), 1.0, triangle)
        right = tg.linalg.solve_triangular(tg.Tensor(a), tg.Tensor(np.swapaxes(b, -1, -2)), upper=upper, left=False,
                                           unitriangular=True).data
        np.testing.assert_allclose(right @ unit, np.swapaxes(b, -1, -2), atol=1e-12)
        check_gradients(lambda x, y, upper=upper: tg.linalg.solve_triangular(x, y, upper=upper), a, b)  # 0 off it


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_cond(p):
    a = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    np.testing.assert_allclose(tg.linalg.cond(tg.Tensor(a), p).data, np.linalg.cond(a, p), rtol=1e-10)
    check_gradients(lambda x: tg.linalg.cond(x, p), a)


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_matrix_norms_of_singular_values(ord):
    a = distinct_singular_values(4, 3, (2,))
    np.testing.assert_allclose(tg.linalg.matrix_norm(tg.Tensor(a), ord).data, np.linalg.norm(a, ord, (-2, -1)),
                               rtol=1e-12)
    moved = np.moveaxis(a, 0, -1)  # the matrices in axes (0, 1)
    np.testing.assert_allclose(tg.linalg.matrix_norm(tg.Tensor(moved), ord, (0, 1), keepdim=True).data,
                               np.linalg.norm(moved, ord, (0, 1), keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.norm(tg.Tensor(a[0]), ord).data, np.linalg.norm(a[0], ord), rtol=1e-12)
    check_gradients(lambda x: tg.linalg.matrix_norm(x, ord), a)
    check_second_derivatives(lambda x: tg.linalg.matrix_norm(x, ord), a)


def test_logdet():
    a = positive_definite(2, 3, 3)
    np.testing.assert_allclose(tg.logdet(tg.Tensor(a)).data, np.log(np.linalg.det(a)), rtol=1e-12)
    check_gradients(lambda x: x.logdet(), a)
    flipped = tg.Tensor(np.array([[0.0, 1.0], [1.0, 0.0]]), requires_grad=True)
    out = tg.logdet(flipped)
    assert np.isnan(out.item())  # det = −1: PyTorch's nan, with a zero gradient
    out.backward()
    np.testing.assert_array_equal(flipped.grad.data, np.zeros((2, 2)))
    assert tg.logdet(tg.Tensor(np.zeros((2, 2)))).item() == -np.inf


@pytest.mark.parametrize("op", [tg.linalg.eigh, tg.linalg.svd, tg.linalg.qr, tg.linalg.pinv, tg.linalg.svdvals,
                                tg.linalg.matrix_rank, tg.logdet])
def test_integer_and_half_inputs_are_refused_as_pytorch(op):
    with pytest.raises(TypeError, match="floating-point"):
        op(tg.Tensor(np.eye(2, dtype=np.int64)))
    with pytest.raises(TypeError, match="float16"):
        op(tg.Tensor(np.eye(2, dtype=np.float16)))


def test_float32_stays_float32_and_agrees_with_float64():
    """LAPACK's single-precision routines, as PyTorch's float32 uses: no float64 detour."""
    a = distinct_spectrum(4, 4)
    for op in (tg.linalg.cholesky, tg.linalg.eigvalsh, tg.linalg.svdvals, lambda x: tg.linalg.qr(x).R.abs(),
               tg.linalg.pinv):
        x = tg.Tensor(a.astype(np.float32), requires_grad=True)
        out = op(x)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, op(tg.Tensor(a)).data, rtol=1e-4, atol=1e-5)
        out.sum().backward()
        assert x.grad.dtype == np.float32


def test_changing_a_factor_in_place_does_not_change_the_gradient():
    """Backward reads the factors LAPACK returned, not the user's output array (which the user may overwrite)."""
    a = positive_definite(3, 3)
    x, y = tg.Tensor(a, requires_grad=True), tg.Tensor(a, requires_grad=True)
    L = tg.linalg.cholesky(x)
    loss = L.sum()  # sum's backward does not read L: only cholesky's does
    L.data[...] = 0  # the untracked escape hatch, after the graph holds L
    tg.linalg.cholesky(y).sum().backward()
    loss.backward()
    np.testing.assert_allclose(x.grad.data, y.grad.data, rtol=1e-12)


# ----------------------------------------------------------------------------------------------- against PyTorch
def sign_free(f):
    """f's factors squared: each column of U, V (and Q's with R's rows) may flip sign between implementations."""
    return lambda x: tuple(t ** 2 if t.ndim > 1 else t for t in f(x))


def test_against_pytorch():
    torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
    cases = [
        ("cholesky", lambda lib: lib.linalg.cholesky, positive_definite(2, 3, 3)),
        ("cholesky upper", lambda lib: lambda x: lib.linalg.cholesky(x, upper=True), positive_definite(3, 3)),
        ("eigh", lambda lib: sign_free(lib.linalg.eigh), distinct_spectrum(2, 4, 4)),
        ("eigvalsh", lambda lib: lib.linalg.eigvalsh, distinct_spectrum(4, 4)),
        ("svd tall", lambda lib: sign_free(lambda x: lib.linalg.svd(x, full_matrices=False)),
         distinct_singular_values(5, 3)),
        ("svd wide", lambda lib: sign_free(lambda x: lib.linalg.svd(x, full_matrices=False)),
         distinct_singular_values(3, 5, (2,))),
        ("svd full", lambda lib: sign_free(lib.linalg.svd), distinct_singular_values(5, 3)),
        ("svdvals", lambda lib: lib.linalg.svdvals, RNG.standard_normal((3, 4))),
        ("torch.svd", lambda lib: sign_free(lib.svd), distinct_singular_values(4, 3)),
        ("qr", lambda lib: lib.linalg.qr, RNG.standard_normal((5, 3))),
        ("qr wide", lambda lib: lib.linalg.qr, RNG.standard_normal((2, 3, 5))),
        ("pinv", lambda lib: lib.linalg.pinv, RNG.standard_normal((3, 5))),
        ("lstsq", lambda lib: lambda x: lib.linalg.lstsq(x, x[..., :2] + 1).solution, RNG.standard_normal((5, 3))),
        ("matrix_power", lambda lib: lambda x: lib.linalg.matrix_power(x, -3),
         RNG.standard_normal((3, 3)) + 3 * np.eye(3)),
        ("cond", lambda lib: lib.linalg.cond, RNG.standard_normal((3, 3))),
        ("nuclear norm", lambda lib: lambda x: lib.linalg.matrix_norm(x, "nuc"), RNG.standard_normal((2, 3, 4))),
        ("spectral norm", lambda lib: lambda x: lib.linalg.norm(x, 2), RNG.standard_normal((3, 4))),
        ("logdet", lambda lib: lib.logdet, positive_definite(2, 3, 3)),
        ("matrix_exp", lambda lib: lib.linalg.matrix_exp, RNG.standard_normal((2, 3, 3)) * 3),
        ("solve_triangular", lambda lib: lambda x: lib.linalg.solve_triangular(x, x[..., :2] * 2, upper=True,
                                                                               left=True), RNG.standard_normal((3, 3))),
    ]
    for name, make, a in cases:
        outputs = []
        for lib, wrap in ((tg, lambda v: tg.Tensor(v, requires_grad=True)),
                          (torch, lambda v: torch.tensor(v, requires_grad=True))):
            x = wrap(a.copy())
            out = make(lib)(x)
            out = out if isinstance(out, tuple) else (out,)
            weights = np.random.default_rng(1)
            total = sum((o * wrap_weight(lib, torch, weights.standard_normal(tuple(o.shape)))).sum() for o in out)
            total.backward()
            outputs.append(([np.asarray(o.detach().numpy() if lib is torch else o.data) for o in out],
                            x.grad.numpy() if lib is torch else x.grad.data))
        (ours, our_grad), (theirs, their_grad) = outputs
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-10, err_msg=name)
        np.testing.assert_allclose(our_grad, their_grad, rtol=1e-8, atol=1e-10, err_msg=f"{name}: gradient")


def wrap_weight(lib, torch, values):
    return torch.tensor(values) if lib is torch else tg.Tensor(values)


# ----------------------------------------------------------------------------------------------- matrix_exp
def series_exp(a, terms=60):
    """Σₖ aᵏ/k!, summed term by term: the definition, for matrices of small norm."""
    total, term = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy(), np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    for k in range(1, terms):
        term = term @ a / k
        total = total + term
    return total


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_matrix_exp(scale):
    a = RNG.standard_normal((2, 3, 3)) * scale
    ours = tg.linalg.matrix_exp(tg.Tensor(a)).data
    if scale <= 1:
        np.testing.assert_allclose(ours, series_exp(a), rtol=1e-12, atol=1e-15)
    s = symmetric(a)  # exp of a symmetric matrix from its eigendecomposition; and exp(a)·exp(−a) = I
    w, V = np.linalg.eigh(s)
    np.testing.assert_allclose(tg.matrix_exp(tg.Tensor(s)).data, (V * np.exp(w)[..., None, :]) @ np.swapaxes(V, -1, -2),
                               rtol=1e-11, atol=1e-12 * np.exp(w.max()))
    if scale <= 1:
        np.testing.assert_allclose(ours @ tg.Tensor(-a).matrix_exp().data, np.broadcast_to(np.eye(3), a.shape),
                                   atol=1e-12)
        check_gradients(tg.matrix_exp, a)
        check_second_derivatives(tg.matrix_exp, a)


def test_matrix_exp_of_special_matrices():
    np.testing.assert_array_equal(tg.matrix_exp(tg.zeros(2, 2)).data, np.eye(2))
    nilpotent = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(tg.matrix_exp(tg.Tensor(nilpotent)).data, np.eye(2) + nilpotent, atol=1e-15)
    rotation = tg.matrix_exp(tg.Tensor(np.array([[0.0, -np.pi / 3], [np.pi / 3, 0.0]]))).data
    c, s = np.cos(np.pi / 3), np.sin(np.pi / 3)
    np.testing.assert_allclose(rotation, [[c, -s], [s, c]], atol=1e-15)
    assert tg.matrix_exp(tg.Tensor(np.eye(2, dtype=np.float32))).dtype == np.float32
    with pytest.raises(TypeError, match="floating-point"):
        tg.matrix_exp(tg.Tensor(np.eye(2, dtype=np.int64)))
