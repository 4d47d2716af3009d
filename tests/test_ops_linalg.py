"""Linear algebra (issue 14): einsum and the products against numpy, inv/det/slogdet/solve against their closed-form
gradients and finite differences, second derivatives through the recorded backward, singular matrices."""

from __future__ import annotations

import numpy as np
import pytest
from gradients import check_gradients

import tinygrad_edu as tg
from tinygrad_edu import ops

RNG = np.random.default_rng(0)


def check_second_derivatives(op, *arrays):
    assert tg.gradgradcheck(op, [tg.Tensor(np.asarray(a, float), requires_grad=True) for a in arrays],
                            atol=1e-6, rtol=1e-4)


def well_conditioned(*shape):
    return RNG.standard_normal(shape) + 3 * np.eye(shape[-1])


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(2, 1, 2, 3), (5, 3, 4)]), ("ij,ij->ij", [(1, 3), (2, 3)]), ("iij->j", [(2, 2, 3)]),
    ("ijk,k->", [(2, 3, 4), (4,)]), ("a b, b c -> c a", [(2, 3), (3, 4)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i->i", [(0,)]), ("ji", [(2, 3)]), ("...", [(2, 3)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_against_numpy_with_gradients_and_second_derivatives(equation, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    expected = np.einsum(equation.replace(" ", ""), *(np.broadcast_to(a, (2, 3)) if equation.startswith("ij,ij")
                                                       and a.shape == (1, 3) else a for a in arrays))
    np.testing.assert_allclose(tg.einsum(equation, *(tg.Tensor(a) for a in arrays)).data, expected, rtol=1e-12)
    check_gradients(lambda *ts: tg.einsum(equation, *ts), *arrays)
    check_second_derivatives(lambda *ts: tg.einsum(equation, *ts), *arrays)


def test_einsum_takes_a_list_integers_and_refuses_what_does_not_fit():
    assert tg.einsum("i,i", [tg.Tensor([1, 2]), tg.Tensor([3, 4])]).item() == 11
    for equation, shapes, message in [("ij,jk", [(2, 3), (4, 5)], "sizes"), ("ij", [(2,)], "do not fit"),
                                      ("ij,jk->iz", [(2, 3), (3, 4)], "names one no operand has"),
                                      ("ij->ii", [(2, 2)], "repeats a letter"), ("i,j", [(2,)], "2 operand")]:
        with pytest.raises(ValueError, match=message):
            tg.einsum(equation, *(tg.Tensor(np.ones(s)) for s in shapes))


def test_einsum_takes_numpys_fast_contraction_only_where_it_pays_and_both_agree():
    """Below 2¹⁶ multiply-adds numpy's path search costs more than it saves; the answer is the same either way."""
    small, large = [RNG.standard_normal((8, 8))] * 2, [RNG.standard_normal((64, 64))] * 2
    for arrays in (small, large):
        ours = tg.einsum("ij,jk->ik", *(tg.Tensor(a) for a in arrays)).data
        np.testing.assert_allclose(ours, arrays[0] @ arrays[1], rtol=1e-12)
    assert 8**3 < ops._EINSUM_OPTIMIZE_FROM <= 64**3


def test_products():
    a, b, m, v = RNG.standard_normal(3), RNG.standard_normal(3), RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    np.testing.assert_allclose(tg.dot(tg.Tensor(a), tg.Tensor(b)).item(), a @ b)
    np.testing.assert_allclose(tg.outer(tg.Tensor(a), tg.Tensor(b)).data, np.outer(a, b))
    np.testing.assert_allclose(tg.mv(tg.Tensor(m), tg.Tensor(v)).data, m @ v)
    np.testing.assert_allclose(tg.mm(tg.Tensor(m), tg.Tensor(m.T)).data, m @ m.T)
    batch1, batch2 = RNG.standard_normal((4, 2, 3)), RNG.standard_normal((4, 3, 5))
    np.testing.assert_allclose(tg.bmm(tg.Tensor(batch1), tg.Tensor(batch2)).data, batch1 @ batch2)
    check_gradients(lambda x, y: x.outer(y), a, b)
    check_gradients(lambda x, y: x.dot(y), a, b)
    check_gradients(lambda x, y: x.mv(y), m, v)
    check_gradients(lambda x, y: x.bmm(y), batch1, batch2)
    with pytest.raises(ValueError, match="batch sizes differ"):
        tg.bmm(tg.Tensor(np.ones((1, 2, 3))), tg.Tensor(np.ones((2, 3, 4))))
    with pytest.raises(TypeError, match="one dtype"):
        tg.dot(tg.Tensor([1.0, 2.0]), tg.Tensor([1, 2]))
    with pytest.raises(ValueError, match="expected 2-D and 1-D"):
        tg.mv(tg.Tensor(m), tg.Tensor(m))


@pytest.mark.parametrize(("shape_a", "shape_b", "dims"), [((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 3, 5),
                                                          ([1, 2], [1, 0])), ((2, 3), (3, 2), 0), ((3,), (3,), 1),
                                                          ((0,), (0,), 1), ((2, 0), (0, 3), 1)])
def test_tensordot(shape_a, shape_b, dims):
    a, b = RNG.standard_normal(shape_a), RNG.standard_normal(shape_b)
    np.testing.assert_allclose(tg.tensordot(tg.Tensor(a), tg.Tensor(b), dims).data, np.tensordot(a, b, dims),
                               rtol=1e-12)
    check_gradients(lambda x, y: tg.tensordot(x, y, dims), a, b)


def test_kron_addmm_baddbmm():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))
    np.testing.assert_allclose(tg.kron(tg.Tensor(a), tg.Tensor(b)).data, np.kron(a, b))
    np.testing.assert_allclose(tg.kron(tg.Tensor(a[0]), tg.Tensor(b)).data, np.kron(a[0], b))
    check_gradients(tg.kron, a, b)
    bias = RNG.standard_normal(2)
    np.testing.assert_allclose(tg.addmm(tg.Tensor(bias), tg.Tensor(a), tg.Tensor(b), beta=0.5, alpha=2).data,
                               0.5 * bias + 2 * a @ b)
    check_gradients(lambda c, x, y: tg.addmm(c, x, y, beta=0.5, alpha=2), bias, a, b)
    nan = tg.Tensor([[np.nan]])
    assert tg.addmm(nan, tg.Tensor([[2.0]]), tg.Tensor([[3.0]]), beta=0).item() == 6  # β = 0 ignores the input
    batch1, batch2 = RNG.standard_normal((4, 2, 3)), RNG.standard_normal((4, 3, 5))
    np.testing.assert_allclose(tg.baddbmm(tg.Tensor(np.ones((2, 5))), tg.Tensor(batch1), tg.Tensor(batch2)).data,
                               1 + batch1 @ batch2)


# ----------------------------------------------------------------------------------------------- tg.linalg
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_inverse_determinant_and_slogdet(shape):
    a = well_conditioned(*shape)
    np.testing.assert_allclose(tg.linalg.inv(tg.Tensor(a)).data, np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(tg.linalg.det(tg.Tensor(a)).data, np.linalg.det(a), rtol=1e-10)
    sign, logabsdet = tg.linalg.slogdet(tg.Tensor(a))
    np.testing.assert_allclose(sign.data * np.exp(logabsdet.data), np.linalg.det(a), rtol=1e-10)
    for op in (tg.linalg.inv, tg.linalg.det, lambda t: tg.linalg.slogdet(t).logabsdet):
        check_gradients(op, a)
        check_second_derivatives(op, a)


def test_closed_form_gradients():
    a = well_conditioned(3, 3)
    x = tg.Tensor(a, requires_grad=True)
    tg.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.data, np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-10)  # Jacobi's formula
    x.grad = None
    tg.linalg.slogdet(x).logabsdet.backward()
    np.testing.assert_allclose(x.grad.data, np.linalg.inv(a).T, rtol=1e-10)
    x.grad = None
    tg.linalg.inv(x).sum().backward()
    inverse = np.linalg.inv(a)
    np.testing.assert_allclose(x.grad.data, -inverse.T @ np.ones((3, 3)) @ inverse.T, rtol=1e-10)


def test_the_determinants_gradient_at_a_singular_matrix_is_its_cofactor_matrix():
    """det is a polynomial: its gradient at a singular matrix is the cofactor matrix, not zeros (PyTorch 2.13 gives
    zeros there), and finite differences agree."""
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    x = tg.Tensor(singular, requires_grad=True)
    tg.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.data, [[4, -2], [-2, 1]])
    rank_two = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    check_gradients(tg.linalg.det, rank_two)
    check_second_derivatives(tg.linalg.det, rank_two)
    check_gradients(tg.linalg.det, np.zeros((2, 3, 3)))
    y = tg.Tensor(singular, requires_grad=True)
    tg.linalg.slogdet(y).logabsdet.backward()
    assert np.all(np.isinf(y.grad.data))  # the cofactors over det = 0


@pytest.mark.parametrize(("shape_a", "shape_b"), [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3)),
                                                  ((2, 3, 3), (3, 4)), ((1, 3, 3), (2, 3, 1))])
def test_solve_with_pytorchs_vector_rule_and_broadcasting(shape_a, shape_b):
    a, b = well_conditioned(*shape_a), RNG.standard_normal(shape_b)
    x = tg.linalg.solve(tg.Tensor(a), tg.Tensor(b)).data
    vector = len(shape_b) == 1 or shape_b == shape_a[:-1]
    product = a @ (x[..., None] if vector else x)
    np.testing.assert_allclose(product, np.broadcast_to(b[..., None] if vector else b, product.shape), atol=1e-12)
    check_gradients(tg.linalg.solve, a, b)
    check_second_derivatives(tg.linalg.solve, a, b)


def test_solve_from_the_right_and_errors():
    a, b = well_conditioned(3, 3), RNG.standard_normal((2, 3))
    x = tg.linalg.solve(tg.Tensor(a), tg.Tensor(b), left=False).data
    np.testing.assert_allclose(x @ a, b, atol=1e-12)
    with pytest.raises(ValueError, match="do not fit"):
        tg.linalg.solve(tg.Tensor(a), tg.Tensor(np.ones(4)))
    with pytest.raises(ValueError, match="square"):
        tg.linalg.inv(tg.Tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="Singular"):
        tg.linalg.inv(tg.Tensor(np.zeros((2, 2))))
    with pytest.raises(TypeError, match="floating-point"):
        tg.linalg.det(tg.Tensor(np.eye(2, dtype=np.int64)))


def test_tensor_methods_match_the_namespace():
    a = well_conditioned(3, 3)
    assert tg.Tensor(a).det().item() == tg.linalg.det(tg.Tensor(a)).item() == tg.det(tg.Tensor(a)).item()
    np.testing.assert_array_equal(tg.Tensor(a).inverse().data, tg.inverse(tg.Tensor(a)).data)
    assert tg.Tensor(a).slogdet().logabsdet.item() == tg.slogdet(tg.Tensor(a)).logabsdet.item()
