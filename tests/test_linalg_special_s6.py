"""tg.linalg's LU family and the ``_ex`` variants (lu_factor, lu_factor_ex, lu, lu_solve, cholesky_ex, inv_ex,
solve_ex), tensorinv, tensorsolve, vecdot, diagonal, vander, matmul, eig/eigvals' refusal, and PyTorch's older
torch-level spellings (tg.lu, tg.lu_unpack, tg.lu_solve, tg.cholesky, tg.cholesky_solve, tg.cholesky_inverse,
tg.triangular_solve): values against the defining identities (A = P·L·U, A·X = B) and numpy, gradients against finite
differences in float64 (plain and create_graph=True, then second derivatives), and all of it against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gradients import check_gradients, numerical_gradients
from optional_tools import require_module

import tinygrad_edu as tg

RNG = np.random.default_rng(7)
SHAPES = [(4, 4), (2, 3, 3), (5, 3), (3, 5), (2, 4, 6)]


def torch_module():
    return require_module("torch", "pip install torch==2.13.0")


def check_second_derivatives(op, *arrays):
    assert tg.gradgradcheck(op, [tg.Tensor(np.asarray(a, float), requires_grad=True) for a in arrays],
                            atol=1e-6, rtol=1e-4)


def well_conditioned(*shape):
    """A random square matrix far from singular (a diagonal shift), so LU's pivots do not change nearby."""
    return RNG.standard_normal(shape) + 3 * np.eye(shape[-1])


def positive_definite(n):
    x = well_conditioned(n, n)
    return x @ x.T


# ----------------------------------------------------------------------------------------------- LU
@pytest.mark.parametrize("shape", SHAPES)
def test_lu_is_partial_pivoting(shape):
    a = RNG.standard_normal(shape)
    P, L, U = (t.data for t in tg.linalg.lu(tg.Tensor(a)))
    m, n = shape[-2:]
    k = min(m, n)
    assert L.shape == (*shape[:-2], m, k) and U.shape == (*shape[:-2], k, n) and P.shape == (*shape[:-2], m, m)
    np.testing.assert_allclose(P @ L @ U, a, atol=1e-12)
    np.testing.assert_array_equal(np.swapaxes(P, -1, -2) @ P, np.broadcast_to(np.eye(m), P.shape))
    np.testing.assert_array_equal(L, np.tril(L))
    np.testing.assert_array_equal(np.diagonal(L, axis1=-2, axis2=-1), 1)
    np.testing.assert_array_equal(U, np.triu(U))
    assert (np.abs(L) <= 1).all()  # partial pivoting: each pivot is its column's largest, so every multiplier ≤ 1
    LU, pivots = tg.linalg.lu_factor(tg.Tensor(a))
    assert pivots.dtype == np.int32 and pivots.shape == (*shape[:-2], k)
    np.testing.assert_array_equal(np.triu(LU.data)[..., :k, :], U)
    np.testing.assert_array_equal(np.tril(LU.data, -1)[..., :, :k], np.tril(L, -1))
    P2, L2, U2 = tg.lu_unpack(LU, pivots)
    np.testing.assert_array_equal(P2.data, P)
    np.testing.assert_array_equal(L2.data, L)
    np.testing.assert_array_equal(U2.data, U)


def test_lu_pivots_are_lapacks_row_swaps():
    """Pivot j names the 1-based row swapped with row j: A's row order under the swaps is Pᵀ·A."""
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]])
    pivots = tg.linalg.lu_factor(tg.Tensor(a)).pivots
    assert pivots.data.tolist() == [3, 3, 3]  # 7 is column 0's largest; then rows (2, 1) hold 2/7·… and 5 − 4·8/7
    order = [0, 1, 2]
    for j, p in enumerate(pivots.data):
        order[j], order[p - 1] = order[p - 1], order[j]
    P, L, U = (t.data for t in tg.linalg.lu(tg.Tensor(a)))
    np.testing.assert_array_equal(P.T @ a, a[order])
    np.testing.assert_allclose(L @ U, a[order], atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_gradients_by_finite_differences(shape):
    a = well_conditioned(*shape) if shape[-1] == shape[-2] else RNG.standard_normal(shape)
    ops = [lambda x: tg.linalg.lu_factor(x).LU, lambda x: tg.linalg.lu(x).L, lambda x: tg.linalg.lu(x).U,
           lambda x: tg.linalg.lu(x).L.sum(-1, keepdim=True) * tg.linalg.lu(x).U[..., :1, :]]
    for op in ops:
        check_gradients(op, a)
    check_second_derivatives(ops[0], a)


def test_lu_factor_of_a_singular_matrix_as_pytorch():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    LU, pivots, info = tg.linalg.lu_factor_ex(tg.Tensor(singular))
    np.testing.assert_array_equal(LU.data, [[2.0, 4.0], [0.5, 0.0]])
    assert pivots.data.tolist() == [2, 2] and info.data == 2 and info.dtype == np.int32
    batch = tg.Tensor(np.stack([np.eye(2), singular]))
    assert tg.linalg.lu_factor_ex(batch).info.data.tolist() == [0, 2]
    message = r"torch.linalg.lu_factor: \(Batch element 1\): U\[2,2\] is zero and using it on lu_solve would result"
    with pytest.raises(RuntimeError, match=message):
        tg.linalg.lu_factor(batch)
    with pytest.raises(RuntimeError, match=r"^torch.linalg.lu_factor_ex: U\[2,2\] is zero"):
        tg.linalg.lu_factor_ex(tg.Tensor(singular), check_errors=True)
    with pytest.raises(NotImplementedError, match="LU without pivoting is not implemented on the CPU"):
        tg.linalg.lu_factor(tg.Tensor(np.eye(2)), pivot=False)
    with pytest.raises(TypeError, match="expected a floating-point tensor, got dtype int64"):
        tg.linalg.lu(tg.Tensor([[1, 2], [3, 4]]))
    P, L, U = tg.linalg.lu(tg.Tensor(singular))  # lu itself raises nothing, as PyTorch
    np.testing.assert_allclose((P @ L @ U).data, singular)
    LU_legacy, _, info_legacy = tg.lu(tg.Tensor(singular), get_infos=True)
    assert len(tg.lu(tg.Tensor(singular))) == 2 and info_legacy.data == 2
    np.testing.assert_array_equal(LU_legacy.data, LU.data)


@pytest.mark.parametrize(("left", "adjoint"), [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve_solves_and_its_gradients(left, adjoint):
    a, b = well_conditioned(2, 3, 3), RNG.standard_normal((2, 3, 2) if left else (2, 2, 3))
    LU, pivots = tg.linalg.lu_factor(tg.Tensor(a))
    X = tg.linalg.lu_solve(LU, pivots, tg.Tensor(b), left=left, adjoint=adjoint).data
    op_a = np.swapaxes(a, -1, -2) if adjoint else a
    np.testing.assert_allclose(op_a @ X if left else X @ op_a, b, atol=1e-12)

    def through_lu(x, y):  # LU and B as inputs: the gradient reaches LU's triangles
        return tg.linalg.lu_solve(x, pivots, y, left=left, adjoint=adjoint)
    check_gradients(through_lu, LU.data, b)
    check_gradients(lambda x, y: tg.linalg.lu_solve(*tg.linalg.lu_factor(x), y, left=left, adjoint=adjoint), a, b)
    check_second_derivatives(through_lu, LU.data, b)


def test_lu_solve_refuses_bad_arguments():
    LU, pivots = tg.linalg.lu_factor(tg.Tensor(well_conditioned(3, 3)))
    with pytest.raises(ValueError, match=r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x1\)"):
        tg.linalg.lu_solve(LU, pivots, tg.Tensor(np.ones((2, 1))))
    with pytest.raises(TypeError, match="pivots must be an integer tensor"):
        tg.linalg.lu_solve(LU, pivots.to(tg.float64), tg.Tensor(np.ones((3, 1))))
    np.testing.assert_allclose(tg.lu_solve(tg.Tensor(np.ones((3, 1))), LU, pivots).data,
                               tg.linalg.lu_solve(LU, pivots, tg.Tensor(np.ones((3, 1)))).data)


# ----------------------------------------------------------------------------------------------- the _ex variants
def test_cholesky_ex_info_and_lapacks_partial_factor():
    a = np.array([[1.0, 2, 3, 4], [2, 4, 5, 6], [3, 5, 9, 1], [4, 6, 1, 9]])
    L, info = tg.linalg.cholesky_ex(tg.Tensor(a))
    assert info.data == 2 and info.dtype == np.int32
    # column 0 done (√1, 2/1, 3/1, 4/1); column 1's pivot 4 − 2² = 0 is kept; the rest is A's lower triangle
    np.testing.assert_array_equal(L.data, [[1, 0, 0, 0], [2, 0, 0, 0], [3, 5, 9, 0], [4, 6, 1, 9]])
    good = positive_definite(3)
    batch = np.stack([good, -good])
    L, info = tg.linalg.cholesky_ex(tg.Tensor(batch))
    assert info.data.tolist() == [0, 1]
    np.testing.assert_allclose(L.data[0], np.linalg.cholesky(good), rtol=1e-12)
    assert L.data[1, 0, 0] == -good[0, 0]
    with pytest.raises(tg.linalg.LinAlgError, match=r"^linalg.cholesky_ex: \(Batch element 1\): The factorization "
                       r"could not be completed because the input is not positive-definite \(the leading minor of "
                       r"order 1 is not positive-definite\)."):
        tg.linalg.cholesky_ex(tg.Tensor(batch), check_errors=True)
    U, info = tg.linalg.cholesky_ex(tg.Tensor(good), upper=True)
    np.testing.assert_allclose(U.data, np.linalg.cholesky(good).T, rtol=1e-12)
    check_gradients(lambda x: tg.linalg.cholesky_ex((x + x.mT) * 0.5).L, good)


def test_solve_ex_and_inv_ex_info_and_the_values_of_a_singular_matrix():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    X, info = tg.linalg.solve_ex(tg.Tensor(singular), tg.Tensor(np.ones((2, 1))))
    # LU = [[2, 4], [0.5, 0]], Pᵀ·b = (1, 1), L⁻¹: (1, 0.5); U⁻¹: x₂ = 0.5/0 = inf, x₁ = (1 − 4·inf)/2 = −inf
    assert info.data == 2 and X.data[:, 0].tolist() == [-np.inf, np.inf]
    inverse, info = tg.linalg.inv_ex(tg.Tensor(singular))
    assert info.data == 2 and inverse.data.tolist() == [[-np.inf, np.inf], [np.inf, -np.inf]]
    a = well_conditioned(3, 3)
    batch = np.stack([a, np.zeros((3, 3))])
    inverse, info = tg.linalg.inv_ex(tg.Tensor(batch))
    assert info.data.tolist() == [0, 1]
    np.testing.assert_allclose(inverse.data[0], np.linalg.inv(a), rtol=1e-12)
    with pytest.raises(tg.linalg.LinAlgError, match=r"^linalg.inv_ex: \(Batch element 1\): The diagonal element 1 "
                       "is zero, the inversion could not be completed because the input matrix is singular."):
        tg.linalg.inv_ex(tg.Tensor(batch), check_errors=True)
    with pytest.raises(tg.linalg.LinAlgError, match=r"^torch.linalg.solve_ex: \(Batch element 1\): The solver "
                       "failed because the input matrix is singular."):
        tg.linalg.solve_ex(tg.Tensor(batch), tg.Tensor(np.ones(3)), check_errors=True)
    b = RNG.standard_normal((3,))
    result, info = tg.linalg.solve_ex(tg.Tensor(batch), tg.Tensor(b))  # vectors and a batch with a singular matrix
    np.testing.assert_allclose(result.data[0], np.linalg.solve(a, b), rtol=1e-12)
    # 0·x = b by back substitution: x₃ = b₃/0 = ±inf, then (b₂ − 0·inf)/0 = NaN, as LAPACK's
    assert np.isinf(result.data[1, -1]) and np.isnan(result.data[1, :-1]).all()
    check_gradients(lambda x, y: tg.linalg.solve_ex(x, y, left=False).result, a, RNG.standard_normal((2, 3)))
    check_gradients(lambda x: tg.linalg.inv_ex(x).inverse, a)


# ----------------------------------------------------------------------------------------------- tensorinv, tensorsolve
def test_tensorinv_and_tensorsolve_as_numpy():
    a = well_conditioned(6, 6).reshape(2, 3, 6)
    np.testing.assert_allclose(tg.linalg.tensorinv(tg.Tensor(a), ind=2).data, np.linalg.tensorinv(a, ind=2),
                               rtol=1e-12)
    c = well_conditioned(6, 6).reshape(6, 2, 3)
    np.testing.assert_allclose(tg.linalg.tensorinv(tg.Tensor(c), ind=1).data, np.linalg.tensorinv(c, ind=1),
                               rtol=1e-12)
    b = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(tg.linalg.tensorsolve(tg.Tensor(a), tg.Tensor(b)).data, np.linalg.tensorsolve(a, b),
                               rtol=1e-12)
    d = well_conditioned(6, 6).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(tg.linalg.tensorsolve(tg.Tensor(d), tg.Tensor(b.T), dims=(0,)).data,
                               np.linalg.tensorsolve(d, b.T, axes=(0,)), rtol=1e-12)
    check_gradients(lambda x: tg.linalg.tensorinv(x, ind=1), c)
    check_gradients(lambda x, y: tg.linalg.tensorsolve(x, y), a, b)
    with pytest.raises(ValueError, match="Expected a strictly positive integer for 'ind', but got 0"):
        tg.linalg.tensorinv(tg.Tensor(a), ind=0)
    with pytest.raises(ValueError, match=r"tensorinv: the product of A's first 1 sizes \(2,\) \(2\) must equal"):
        tg.linalg.tensorinv(tg.Tensor(a), ind=1)


# ----------------------------------------------------------------------------------------------- small ones
def test_vecdot_diagonal_vander_matmul():
    x, y = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3, 4))
    np.testing.assert_allclose(tg.linalg.vecdot(tg.Tensor(x), tg.Tensor(y)).data, (x * y).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.vecdot(tg.Tensor(x), tg.Tensor(y[:, :1]), dim=1).data, (x * y[:, :1]).sum(1))
    check_gradients(lambda u, v: tg.linalg.vecdot(u, v), x, y)
    with pytest.raises(TypeError, match=r"vecdot: Expected a floating point tensor as input\. Got int64"):
        tg.linalg.vecdot(tg.Tensor([1, 2]), tg.Tensor([3, 4]))
    np.testing.assert_array_equal(tg.linalg.diagonal(tg.Tensor(x), offset=1).data,
                                  np.diagonal(x, 1, axis1=-2, axis2=-1))
    np.testing.assert_array_equal(tg.linalg.diagonal(tg.Tensor(x), dim1=0, dim2=2).data, np.diagonal(x, 0, 0, 2))
    v = np.array([1.5, -2.0, 0.0, 3.0])
    np.testing.assert_array_equal(tg.linalg.vander(tg.Tensor(v)).data, np.vander(v, increasing=True))
    np.testing.assert_array_equal(tg.linalg.vander(tg.Tensor(x), N=3).data,
                                  x[..., None] ** np.arange(3))  # batches, and x², x by the running product
    ints = tg.linalg.vander(tg.Tensor(np.array([2, 3], dtype=np.int32)), N=3)
    assert ints.dtype == np.int64 and ints.data.tolist() == [[1, 2, 4], [1, 3, 9]]
    check_gradients(lambda u: tg.linalg.vander(u, N=4), v)  # through x = 0 too: the running product's gradient
    for bad in (1, 0):
        with pytest.raises(ValueError, match=f"vander: N must be greater than 1, got {bad}"):
            tg.linalg.vander(tg.Tensor(v), N=bad)
    with pytest.raises(TypeError):
        tg.linalg.vander(tg.Tensor(v), 3)  # N is keyword-only, as PyTorch
    np.testing.assert_allclose(tg.linalg.matmul(tg.Tensor(x), tg.Tensor(y.T)).data, x @ y.T)


@pytest.mark.parametrize(("m", "n", "batch"), [(5, 3, ()), (4, 4, (2,)), (3, 1, ())])
def test_householder_product_is_the_q_of_numpys_raw_qr(m, n, batch):
    a = RNG.standard_normal((*batch, m, n))
    for index in np.ndindex(*batch):
        h, tau = np.linalg.qr(a[index], mode="raw")  # LAPACK's geqrf: reflectors below R, stored transposed
        Q = tg.linalg.householder_product(tg.Tensor(h.T.copy()), tg.Tensor(tau)).data
        np.testing.assert_allclose(Q, np.linalg.qr(a[index])[0], atol=1e-12)
    reflectors, taus = RNG.standard_normal((*batch, m, n)), RNG.uniform(0.5, 1.5, (*batch, n))
    check_gradients(tg.linalg.householder_product, reflectors, taus)
    check_second_derivatives(tg.linalg.householder_product, reflectors, taus)
    np.testing.assert_allclose(tg.orgqr(tg.Tensor(reflectors), tg.Tensor(taus)).data,
                               tg.linalg.householder_product(tg.Tensor(reflectors), tg.Tensor(taus)).data)


def test_householder_product_refuses_bad_shapes_as_pytorch():
    with pytest.raises(ValueError, match=r"input.shape\[-2\] must be greater than or equal to input.shape\[-1\]"):
        tg.linalg.householder_product(tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones(2)))
    with pytest.raises(ValueError, match=r"input.shape\[-1\] must be greater than or equal to tau.shape\[-1\]"):
        tg.linalg.householder_product(tg.Tensor(np.ones((3, 2))), tg.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="Expected tau to have one dimension less than input"):
        tg.linalg.householder_product(tg.Tensor(np.ones((3, 2))), tg.Tensor(np.ones((3, 2))))


def test_eig_and_eigvals_refuse_and_name_the_symmetric_alternative():
    with pytest.raises(NotImplementedError, match=r"linalg.eig: .* complex .* use linalg.eigh"):
        tg.linalg.eig(tg.Tensor(np.eye(2)))
    with pytest.raises(NotImplementedError, match=r"linalg.eigvals: .* complex .* use linalg.eigvalsh"):
        tg.linalg.eigvals(tg.Tensor(np.eye(2)))


# ----------------------------------------------------------------------------------------------- torch-level
def test_cholesky_solve_and_inverse_and_pytorchs_gradient_in_all_of_L():
    """PyTorch differentiates A = L·Lᵀ in the whole L (not only its triangle, which the forward reads): the finite
    differences of X(L) = (L·Lᵀ)⁻¹·B with L a full matrix are the truth, at a lower-triangular L."""
    L = np.linalg.cholesky(positive_definite(3))
    B = RNG.standard_normal((3, 2))
    X = tg.cholesky_solve(tg.Tensor(B), tg.Tensor(L)).data
    np.testing.assert_allclose(L @ L.T @ X, B, atol=1e-12)
    np.testing.assert_allclose(tg.cholesky_solve(tg.Tensor(B), tg.Tensor(L.T), upper=True).data, X, rtol=1e-12)
    garbage = L + np.triu(RNG.standard_normal((3, 3)), 1)  # the forward reads only L's triangle
    np.testing.assert_allclose(tg.cholesky_solve(tg.Tensor(B), tg.Tensor(garbage)).data, X, rtol=1e-12)
    np.testing.assert_allclose(tg.cholesky_inverse(tg.Tensor(garbage)).data, np.linalg.inv(L @ L.T), rtol=1e-12)
    weights = RNG.standard_normal((3, 2))
    for ours, formula, w in [
            (lambda l, b: tg.cholesky_solve(b, l), lambda l, b: np.linalg.solve(l @ l.T, b), weights),
            (lambda l, b: tg.cholesky_inverse(l), lambda l, b: np.linalg.inv(l @ l.T), RNG.standard_normal((3, 3)))]:
        expected = numerical_gradients(lambda l, b, f=formula, w=w: float((f(l, b) * w).sum()), [L, B])
        x, y = tg.Tensor(L, requires_grad=True), tg.Tensor(B, requires_grad=True)
        (ours(x, y) * tg.Tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.data, expected[0], rtol=1e-6, atol=1e-8)
        assert np.abs(np.triu(x.grad.data, 1)).max() > 1e-3  # the upper triangle's gradient is not zero
    # second derivatives along lower-triangular directions (off them the first derivative is PyTorch's convention,
    # not the derivative of a forward that ignores them)
    check_second_derivatives(lambda l, b: tg.cholesky_solve(b, l.tril()), L, B)
    check_second_derivatives(lambda l: tg.cholesky_inverse(l.triu(), upper=True), L.T)


def test_triangular_solve_is_the_older_solve_triangular():
    A, b = np.triu(well_conditioned(3, 3)), RNG.standard_normal((3, 2))
    solution, copy = tg.triangular_solve(tg.Tensor(b), tg.Tensor(A + np.tril(np.ones((3, 3)), -1)))
    np.testing.assert_allclose(A @ solution.data, b, atol=1e-12)  # reads the upper triangle (upper=True default)
    np.testing.assert_array_equal(copy.data, A + np.tril(np.ones((3, 3)), -1))
    transposed = tg.triangular_solve(tg.Tensor(b), tg.Tensor(A), transpose=True).solution.data
    np.testing.assert_allclose(A.T @ transposed, b, atol=1e-12)
    unit = tg.triangular_solve(tg.Tensor(b), tg.Tensor(A), unitriangular=True).solution.data
    np.testing.assert_allclose((np.triu(A, 1) + np.eye(3)) @ unit, b, atol=1e-12)
    check_gradients(lambda x, y: tg.triangular_solve(y, x, upper=False, transpose=True).solution, A.T, b)


def test_cholesky_with_upper_reads_the_upper_triangle_as_pytorch():
    a = positive_definite(3)
    garbage_below = np.triu(a) + np.tril(np.full((3, 3), 100.0), -1)
    np.testing.assert_allclose(tg.linalg.cholesky(tg.Tensor(garbage_below), upper=True).data, np.linalg.cholesky(a).T,
                               rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.cholesky_ex(tg.Tensor(garbage_below), upper=True).L.data,
                               np.linalg.cholesky(a).T, rtol=1e-12)


def test_cholesky_the_deprecated_spelling_warns_as_pytorch():
    a = positive_definite(3)
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated in favor of torch.linalg.cholesky"):
        U = tg.cholesky(tg.Tensor(a), upper=True)
    np.testing.assert_allclose(U.data, np.linalg.cholesky(a).T, rtol=1e-12)


# ----------------------------------------------------------------------------------------------- PyTorch itself
@pytest.mark.parametrize("shape", SHAPES)
def test_lu_family_against_pytorch(shape):
    torch = torch_module()
    a = RNG.standard_normal(shape)
    LU, pivots = tg.linalg.lu_factor(tg.Tensor(a))
    their_LU, their_pivots = torch.linalg.lu_factor(torch.tensor(a))
    np.testing.assert_allclose(LU.data, their_LU.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(pivots.data, their_pivots.numpy())
    weights = [RNG.standard_normal(t.shape) for t in tg.linalg.lu(tg.Tensor(a))]
    x, y = tg.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    sum((t * tg.Tensor(w)).sum() for t, w in zip(tg.linalg.lu(x)[1:], weights[1:])).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(torch.linalg.lu(y)[1:], weights[1:])).backward()
    np.testing.assert_allclose(x.grad.data, y.grad.numpy(), rtol=1e-9, atol=1e-11)
    for one, two in zip(tg.lu_unpack(LU, pivots), torch.lu_unpack(their_LU, their_pivots)):
        np.testing.assert_allclose(one.data, two.numpy(), rtol=1e-10, atol=1e-12)
    if shape[-1] == shape[-2]:
        b = RNG.standard_normal((*shape[:-1], 2))
        for left, adjoint in [(True, False), (True, True), (False, False), (False, True)]:
            rhs = b if left else np.swapaxes(b, -1, -2)
            lu_leaf, b_leaf = tg.Tensor(LU.data, requires_grad=True), tg.Tensor(rhs, requires_grad=True)
            their_lu, their_b = their_LU.clone().requires_grad_(), torch.tensor(rhs, requires_grad=True)
            ours = tg.linalg.lu_solve(lu_leaf, pivots, b_leaf, left=left, adjoint=adjoint)
            theirs = torch.linalg.lu_solve(their_lu, their_pivots, their_b, left=left, adjoint=adjoint)
            np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
            w = RNG.standard_normal(ours.shape)
            (ours * tg.Tensor(w)).sum().backward()
            (theirs * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(lu_leaf.grad.data, their_lu.grad.numpy(), rtol=1e-9, atol=1e-11)
            np.testing.assert_allclose(b_leaf.grad.data, their_b.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_ex_variants_and_older_spellings_against_pytorch():
    torch = torch_module()
    indefinite = np.array([[1.0, 2, 3, 4], [2, 4, 5, 6], [3, 5, 9, 1], [4, 6, 1, 9]])
    good = positive_definite(4)
    batch = np.stack([good, indefinite, -good])
    for upper in (False, True):
        ours, theirs = tg.linalg.cholesky_ex(tg.Tensor(batch), upper=upper), torch.linalg.cholesky_ex(
            torch.tensor(batch), upper=upper)
        np.testing.assert_allclose(ours.L.data, theirs.L.numpy(), rtol=1e-12)
        np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [0.0, 3.0]], [[2.0, 1.0], [1.0, 3.0]]])
    for ours, theirs in [(tg.linalg.inv_ex(tg.Tensor(singular)), torch.linalg.inv_ex(torch.tensor(singular))),
                         (tg.linalg.solve_ex(tg.Tensor(singular), tg.Tensor(np.ones((3, 2, 1)))),
                          torch.linalg.solve_ex(torch.tensor(singular), torch.ones(3, 2, 1, dtype=torch.float64)))]:
        np.testing.assert_array_equal(ours[0].data, theirs[0].numpy())
        np.testing.assert_array_equal(ours[1].data, theirs[1].numpy())
    L = np.linalg.cholesky(good) + np.triu(np.ones((4, 4)), 1)
    B = RNG.standard_normal((4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation of triangular_solve
        pairs = [(lambda lib, l, b: lib.cholesky_solve(b, l), "cholesky_solve"),
                 (lambda lib, l, b: lib.cholesky_solve(b, l.mT, upper=True), "cholesky_solve upper"),
                 (lambda lib, l, b: lib.cholesky_inverse(l), "cholesky_inverse"),
                 (lambda lib, l, b: lib.cholesky_inverse(l, upper=True), "cholesky_inverse upper"),
                 (lambda lib, l, b: lib.triangular_solve(b, l, upper=False)[0], "triangular_solve"),
                 (lambda lib, l, b: lib.triangular_solve(b, l, transpose=True, unitriangular=True)[0], "transposed")]
        for call, what in pairs:
            x, y = tg.Tensor(L, requires_grad=True), torch.tensor(L, requires_grad=True)
            ours, theirs = call(tg, x, tg.Tensor(B)), call(torch, y, torch.tensor(B))
            np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, err_msg=what)
            w = RNG.standard_normal(ours.shape)
            (ours * tg.Tensor(w)).sum().backward()
            (theirs * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(x.grad.data, y.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=what)
    a = well_conditioned(6, 6).reshape(6, 2, 3)
    np.testing.assert_allclose(tg.linalg.tensorinv(tg.Tensor(a), ind=1).data,
                               torch.linalg.tensorinv(torch.tensor(a), ind=1).numpy(), rtol=1e-10)
    reflectors, taus = RNG.standard_normal((2, 5, 3)), RNG.uniform(0.5, 1.5, (2, 2))
    x, y = tg.Tensor(reflectors, requires_grad=True), torch.tensor(reflectors, requires_grad=True)
    ours, theirs = tg.linalg.householder_product(x, tg.Tensor(taus)), torch.linalg.householder_product(
        y, torch.tensor(taus))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = RNG.standard_normal(ours.shape)
    (ours * tg.Tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, y.grad.numpy(), rtol=1e-10, atol=1e-12)
    v = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(tg.linalg.vander(tg.Tensor(v), N=4).data,
                               torch.linalg.vander(torch.tensor(v), N=4).numpy(), rtol=1e-14)
