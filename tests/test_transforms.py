"""grad, value_and_grad, jacobian, hessian, vjp, jvp against closed forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor

rng = np.random.default_rng(0)
A = rng.standard_normal((4, 4))
M = rng.standard_normal((3, 4))


def quadratic(x):
    return x @ (Tensor(A) @ x)


def test_grad_of_quadratic_form_is_A_plus_A_transpose_times_x():
    x = rng.standard_normal(4)
    g = tg.grad(quadratic)(x)
    assert isinstance(g, Tensor) and g.dtype == np.float64 and not g.requires_grad
    np.testing.assert_allclose(g.numpy(), (A + A.T) @ x, rtol=1e-12)


def test_grad_accepts_floats_ndarrays_and_tensors():
    cube = tg.grad(lambda x: x**3)
    assert isinstance(cube(1.5), Tensor) and cube(1.5).dtype == np.float32  # Python floats are float32
    np.testing.assert_allclose(cube(1.5).item(), 3 * 1.5**2, rtol=1e-6)
    np.testing.assert_allclose(cube(np.float64(1.5)).item(), 6.75, rtol=1e-12)
    np.testing.assert_allclose(cube(Tensor(np.array(-2.0))).item(), 12.0, rtol=1e-12)


def test_argnums_int_and_tuple():
    def f(x, y, z):
        return (x * y.exp()).sum() + z

    x, y = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    gy = tg.grad(f, argnums=1)(x, y, 3.0)
    np.testing.assert_allclose(gy.numpy(), x * np.exp(y), rtol=1e-12)
    gx, gy, gz = tg.grad(f, argnums=(0, 1, 2))(x, y, 3.0)
    np.testing.assert_allclose(gx.numpy(), np.exp(y), rtol=1e-12)
    np.testing.assert_allclose(gy.numpy(), x * np.exp(y), rtol=1e-12)
    assert gz.item() == 1.0
    (g_last,) = tg.grad(f, argnums=(-1,))(x, y, 3.0)
    assert g_last.item() == 1.0


def test_unused_argument_gets_zero_gradient():
    gx, gy = tg.grad(lambda x, y: (x * x).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(gy.numpy(), np.zeros(3))
    np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0])


def test_value_and_grad_with_and_without_aux():
    x = np.array([1.0, -2.0, 3.0])
    value, g = tg.value_and_grad(lambda x: (x * x).sum())(x)
    assert value.item() == 14.0 and not value.requires_grad
    np.testing.assert_array_equal(g.numpy(), 2 * x)

    def with_aux(x):
        y = x.tanh()
        return y.sum(), {"y": y}

    (value, aux), g = tg.value_and_grad(with_aux, has_aux=True)(x)
    np.testing.assert_allclose(value.item(), np.tanh(x).sum())
    np.testing.assert_allclose(aux["y"].numpy(), np.tanh(x))
    np.testing.assert_allclose(g.numpy(), 1 - np.tanh(x) ** 2, rtol=1e-12)
    g2, aux2 = tg.grad(with_aux, has_aux=True)(x)
    np.testing.assert_allclose(g2.numpy(), g.numpy())
    assert set(aux2) == {"y"}


def test_jacobian_of_a_linear_map_is_its_matrix():
    J = tg.jacobian(lambda x: Tensor(M) @ x)(rng.standard_normal(4))
    assert J.shape == (3, 4)
    np.testing.assert_allclose(J.numpy(), M, rtol=1e-12)


def test_jacobian_of_matrix_valued_map_has_out_shape_plus_in_shape():
    """f(W) = W @ v: ∂f_i/∂W_jk = δ_ij v_k."""
    v = rng.standard_normal(4)
    J = tg.jacobian(lambda W: W @ Tensor(v))(rng.standard_normal((3, 4)))
    assert J.shape == (3, 3, 4)
    np.testing.assert_allclose(J.numpy(), np.einsum("ij,k->ijk", np.eye(3), v))


def test_jacobian_of_elementwise_tanh_is_diagonal_with_two_argnums():
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    jx, jy = tg.jacobian(lambda x, y: (x * y).tanh(), argnums=(0, 1))(x, y)
    d = 1 - np.tanh(x * y) ** 2
    np.testing.assert_allclose(jx.numpy(), np.diag(d * y), rtol=1e-12)
    np.testing.assert_allclose(jy.numpy(), np.diag(d * x), rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**16))
def test_hessian_of_quadratic_form_is_A_plus_A_transpose(n, seed):
    g = np.random.default_rng(seed)
    a, x = g.standard_normal((n, n)), g.standard_normal(n)
    H = tg.hessian(lambda x: x @ (Tensor(a) @ x))(x)
    assert H.shape == (n, n)
    np.testing.assert_allclose(H.numpy(), a + a.T, rtol=1e-12, atol=1e-12)


def test_hessian_of_log_sum_exp_is_diag_p_minus_ppT():
    x = rng.standard_normal(4)
    H = tg.hessian(lambda x: x.exp().sum().log())(x)
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(H.numpy(), np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-12)


def test_hessian_blocks_with_tuple_argnums():
    """f = Σ x²y:  ∂²/∂x² = diag(2y), ∂²/∂x∂y = diag(2x), ∂²/∂y² = 0."""
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    (hxx, hxy), (hyx, hyy) = tg.hessian(lambda x, y: (x * x * y).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(hxx.numpy(), np.diag(2 * y))
    np.testing.assert_allclose(hxy.numpy(), np.diag(2 * x))
    np.testing.assert_allclose(hyx.numpy(), np.diag(2 * x))
    np.testing.assert_allclose(hyy.numpy(), np.zeros((2, 2)))


def test_nested_grad_gives_higher_derivatives():
    d3 = tg.grad(tg.grad(tg.grad(lambda x: x**4)))
    np.testing.assert_allclose(d3(np.float64(1.5)).item(), 24 * 1.5, rtol=1e-12)
    second = tg.grad(tg.grad(lambda x: x.exp() * x))  # (x eˣ)'' = eˣ (x + 2)
    np.testing.assert_allclose(second(np.float64(0.3)).item(), np.exp(0.3) * (0.3 + 2), rtol=1e-12)


def test_vjp_is_v_transpose_times_matrix_and_reusable():
    x = rng.standard_normal(4)
    out, vjp_fn = tg.vjp(lambda x: Tensor(M) @ x, x)
    np.testing.assert_allclose(out.numpy(), M @ x)
    for v in (np.array([1.0, 0.0, 0.0]), np.array([0.5, -1.0, 2.0])):
        (g,) = vjp_fn(v)
        np.testing.assert_allclose(g.numpy(), v @ M, rtol=1e-12)
    with pytest.raises(ValueError, match=r"cotangent has shape \(2,\) but the output has shape \(3,\)"):
        vjp_fn(np.ones(2))


def test_vjp_with_two_primals():
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    out, vjp_fn = tg.vjp(lambda x, y: x * y, x, y)
    np.testing.assert_allclose(out.numpy(), x * y)
    gx, gy = vjp_fn(np.ones(3))
    np.testing.assert_allclose(gx.numpy(), y)
    np.testing.assert_allclose(gy.numpy(), x)


def test_jvp_of_linear_map_is_matrix_times_tangent():
    x, t = rng.standard_normal(4), rng.standard_normal(4)
    out, tangent_out = tg.jvp(lambda x: Tensor(M) @ x, (x,), (t,))
    np.testing.assert_allclose(out.numpy(), M @ x)
    np.testing.assert_allclose(tangent_out.numpy(), M @ t, rtol=1e-12)


def test_jvp_of_nonlinear_map_with_two_primals():
    """f(x, y) = tanh(x)·y:  J·(tx, ty) = (1 − tanh²x)·y·tx + tanh(x)·ty."""
    x, y, tx, ty = (rng.standard_normal(3) for _ in range(4))
    _, t_out = tg.jvp(lambda x, y: x.tanh() * y, (x, y), (tx, ty))
    np.testing.assert_allclose(t_out.numpy(), (1 - np.tanh(x) ** 2) * y * tx + np.tanh(x) * ty, rtol=1e-12)


def test_jvp_through_max_and_indexing_matches_the_jacobian():
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def f(x):
        return x.max(axis=1) + x[:, 1] * x[0, 2]

    J = tg.jacobian(f)(x).numpy().reshape(3, 12)
    _, t_out = tg.jvp(f, (x,), (t,))
    np.testing.assert_allclose(t_out.numpy(), J @ t.reshape(-1), rtol=1e-12)


def test_transforms_leave_closure_gradients_and_inputs_untouched():
    W = Tensor(M, requires_grad=True)
    W.grad = Tensor(np.ones((3, 4)))
    x = Tensor(rng.standard_normal(4), requires_grad=False)
    tg.grad(lambda x: (W @ x).sum())(x)
    tg.jacobian(lambda x: W @ x)(x)
    tg.jvp(lambda x: W @ x, (x,), (np.ones(4),))
    np.testing.assert_array_equal(W.grad.numpy(), np.ones((3, 4)))
    assert x.grad is None and not x.requires_grad


def test_grad_of_a_tensor_that_requires_grad_stays_differentiable():
    x = Tensor(np.array([0.7, -0.2]), requires_grad=True)
    g = tg.grad(lambda x: (x**3).sum())(x)
    assert g.requires_grad and x.grad is None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy(), rtol=1e-12)


def test_clear_errors():
    with pytest.raises(TypeError, match="single-element Tensor, got shape \\(3,\\)"):
        tg.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(TypeError, match="argument 0 has dtype int64"):
        tg.grad(lambda x: x * 2)(np.int64(3))
    with pytest.raises(ValueError, match="argnums=2 does not index the 2 positional"):
        tg.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="pair \\(value, aux\\)"):
        tg.value_and_grad(lambda x: x * 2, has_aux=True)(1.0)
    with pytest.raises(ValueError, match="1 primal\\(s\\) but 2 tangent\\(s\\)"):
        tg.jvp(lambda x: x, (1.0,), (1.0, 2.0))
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(2,\) but primal 0 has shape \(3,\)"):
        tg.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))


def test_jvp_of_zero_to_a_power_is_zero_not_nan():
    """d/dx 0ˣ = 0 for x > 0. jvp differentiates the backward with respect to its grad_output, so the branch of
    Pow's ∂z/∂b that where() drops at a = 0 (ln 0 = −∞) must stay finite: 0·(0·−∞) would be NaN."""
    value, tangent = tg.jvp(lambda x: 0.0 ** x, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
    assert value.tolist() == [0.0, 0.0] and tangent.tolist() == [0.0, 0.0]
    assert tg.jacobian(lambda x: 0.0 ** x)(np.array([1.0, 2.0])).tolist() == [[0.0, 0.0], [0.0, 0.0]]
