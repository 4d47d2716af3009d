"""Layers: forward against plain numpy, gradients against finite differences (float64), PyTorch's initialisation."""

import math

import numpy as np
import pytest
from gradients import check_closure_gradients, leaf
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias


def np_conv2d(x, w, b, stride, padding):
    """Direct loops: out[n, o, i, j] = Σ_c,p,q x_pad[n, c, i·s + p, j·s + q] · w[o, c, p, q] + b[o]."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    o, _, k, _ = w.shape
    oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            out[:, :, i, j] = np.einsum("ncpq,ocpq->no", patch, w)
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def np_pool(x, k, stride, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * stride : i * stride + k, j * stride : j * stride + k], axis=(2, 3))
    return out


# ----------------------------------------------------------------------------------------------- linear, MLP
def test_linear_forward_is_x_WT_plus_b_and_gradients_match_finite_differences():
    layer = nn.Linear(4, 3).double()
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = leaf(5, 4)
    out = check_closure_gradients(lambda: layer(x), [x, layer.weight, layer.bias])
    np.testing.assert_allclose(out.data, x.data @ layer.weight.data.T + layer.bias.data, rtol=1e-12)


def test_linear_on_three_axes_acts_row_by_row_and_its_gradients_match_finite_differences():
    layer = nn.Linear(4, 3).double()
    x = leaf(2, 5, 4)
    out = check_closure_gradients(lambda: layer(x), [x, layer.weight, layer.bias])
    np.testing.assert_allclose(out.data, x.data @ layer.weight.data.T + layer.bias.data, rtol=1e-12)


def test_linear_without_bias_and_wrong_features_error():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match=r"5 features.*expects 4"):
        layer(tg.randn(2, 5))


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    tg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.95 * bound
    np.testing.assert_allclose(layer.weight.data.std(), bound / math.sqrt(3), rtol=0.02)  # std of U(−a, a) = a/√3


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(3)
    a = nn.Linear(3, 2).weight.data.copy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(3, 2).weight.data, a)


def test_mlp_is_the_seeds_network_with_tanh_and_identity_by_default():
    mlp = nn.MLP([2, 5, 3, 1])
    kinds = [type(m).__name__ for m in mlp]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Identity"]
    assert [n for n, _ in mlp.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    relu = nn.MLP([2, 3, 1], activation=nn.ReLU, output_activation=nn.Sigmoid())
    assert [type(m).__name__ for m in relu] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    x = tg.randn(4, 2)
    expected = (mlp[0](x).tanh() @ mlp[2].weight.T + mlp[2].bias).tanh() @ mlp[4].weight.T + mlp[4].bias
    np.testing.assert_allclose(mlp(x).data, expected.data, rtol=1e-6)
    with pytest.raises(TypeError, match="activation"):
        nn.MLP([2, 3, 1], activation="tanh")
    with pytest.raises(ValueError, match="at least"):
        nn.MLP([3])


# ----------------------------------------------------------------------------------------------- activations
def _gelu_reference(x):
    return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


@pytest.mark.parametrize(("module", "reference"), [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.GELU(), _gelu_reference),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.Softmax(axis=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.Identity(), lambda x: x),
    (nn.Flatten(), lambda x: x.reshape(len(x), -1)),
])
def test_activation_forward_and_gradients(module, reference):
    x = leaf(3, 4, scale=2.0)
    out = check_closure_gradients(lambda: module(x), [x], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.data, reference(x.data), rtol=1e-6, atol=1e-7)


def test_gelu_matches_erf_to_float32_precision_over_a_wide_range():
    x = np.linspace(-8, 8, 2001)
    np.testing.assert_allclose(F.gelu(tg.Tensor(x)).data, _gelu_reference(x), atol=4e-7)  # |x|·erf error / 2
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")(tg.randn(2))


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    drop = nn.Dropout(0.25)
    x = tg.ones(200, 100)
    tg.manual_seed(0)
    y = drop(x).data
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75)  # survivors are scaled so the expectation is unchanged
    tg.manual_seed(0)
    np.testing.assert_array_equal(drop(x).data, y)
    drop.eval()
    assert drop(x) is x
    assert (nn.Dropout(1.0)(x).data == 0).all()
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_dropout_gradient_is_the_mask_scaled():
    x = leaf(4, 5)

    def f():
        tg.manual_seed(7)
        return F.dropout(x, 0.5)

    check_closure_gradients(f, [x])


# ----------------------------------------------------------------------------------------------- conv, pool
@settings(max_examples=12, deadline=None)
@given(kernel=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 1), bias=st.booleans())
def test_conv2d_matches_direct_loops_and_finite_differences(kernel, stride, padding, bias):
    tg.manual_seed(0)
    conv = nn.Conv2d(2, 3, kernel, stride=stride, padding=padding, bias=bias).double()
    x = leaf(2, 2, 5, 4)
    params = [x, conv.weight] + ([conv.bias] if bias else [])
    out = check_closure_gradients(lambda: conv(x), params)
    b = conv.bias.data if bias else None
    np.testing.assert_allclose(out.data, np_conv2d(x.data, conv.weight.data, b, stride, padding), rtol=1e-10,
                               atol=1e-12)


def test_conv2d_default_init_uses_fan_in_of_in_channels_times_kernel_area():
    tg.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    assert conv.weight.shape == (32, 16, 3, 3)
    assert bound * 0.95 < np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.bias.data).max() <= bound


def test_conv2d_shape_errors_name_the_shapes():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"\(2, 2, 5, 5\)"):
        conv(tg.randn(2, 2, 5, 5))
    with pytest.raises(ValueError, match="larger than"):
        conv(tg.randn(1, 3, 2, 2))


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), (3, 2)])
def test_pools_match_direct_loops_and_finite_differences(kernel, stride):
    x = leaf(2, 2, 6, 5)
    s = kernel if stride is None else stride
    out = check_closure_gradients(lambda: nn.MaxPool2d(kernel, stride)(x), [x])
    np.testing.assert_allclose(out.data, np_pool(x.data, kernel, s, np.max))
    out = check_closure_gradients(lambda: nn.AvgPool2d(kernel, stride)(x), [x])
    np.testing.assert_allclose(out.data, np_pool(x.data, kernel, s, np.mean), rtol=1e-12)


def test_pool_padding_uses_minus_inf_for_max_and_zeros_for_avg():
    x = tg.Tensor(np.arange(16.0).reshape(1, 1, 4, 4) - 20)
    np.testing.assert_array_equal(F.max_pool2d(x, 2, padding=1).data[0, 0, 0], [-20, -18, -17])
    np.testing.assert_array_equal(F.avg_pool2d(x, 2, padding=1).data[0, 0, 0], [-5, -9.25, -4.25])


# ----------------------------------------------------------------------------------------------- normalisation
def test_batchnorm1d_training_forward_gradients_and_running_statistics():
    bn = nn.BatchNorm1d(3).double()
    bn.weight.data[...] = [1.0, 2.0, -1.0]
    bn.bias.data[...] = [0.0, 0.5, 1.0]
    x = leaf(6, 3, scale=3.0)
    out = check_closure_gradients(lambda: bn(x), [x, bn.weight, bn.bias])
    mean, var = x.data.mean(0), x.data.var(0)
    np.testing.assert_allclose(out.data, (x.data - mean) / np.sqrt(var + 1e-5) * bn.weight.data + bn.bias.data,
                               rtol=1e-10)
    fresh = nn.BatchNorm1d(3)
    fresh(tg.Tensor(x.data.astype(np.float32)))
    np.testing.assert_allclose(fresh.running_mean.data, 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(fresh.running_var.data, 0.9 + 0.1 * x.data.var(0, ddof=1), rtol=1e-5)  # unbiased
    assert fresh.running_var.dtype == np.float32


def test_batchnorm_eval_uses_running_statistics_and_accepts_one_sample():
    bn = nn.BatchNorm2d(2)
    bn.running_mean.data[...] = [1.0, -1.0]
    bn.running_var.data[...] = [4.0, 0.25]
    bn.eval()
    x = tg.randn(1, 2, 3, 3)
    expected = (x.data - np.array([1.0, -1.0]).reshape(1, 2, 1, 1)) / np.sqrt(
        np.array([4.0, 0.25]).reshape(1, 2, 1, 1) + 1e-5)
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-5)
    np.testing.assert_array_equal(bn.running_mean.data, [1.0, -1.0])  # eval never updates them


def test_batchnorm2d_normalises_per_channel_with_gradients():
    bn = nn.BatchNorm2d(2).double()
    x = leaf(2, 2, 3, 3)
    out = check_closure_gradients(lambda: bn(x), [x, bn.weight, bn.bias])
    np.testing.assert_allclose(out.data.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.data.var(axis=(0, 2, 3)), 1, rtol=1e-3)
    with pytest.raises(ValueError, match=r"channels.*\(2, 3, 4, 4\)"):
        bn(tg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm1d(3)(tg.randn(1, 3))


def test_layernorm_forward_and_gradients():
    ln = nn.LayerNorm(4).double()
    ln.weight.data[...] = [1.0, 2.0, 0.5, -1.0]
    x = leaf(3, 4)
    out = check_closure_gradients(lambda: ln(x), [x, ln.weight, ln.bias])
    mean, var = x.data.mean(-1, keepdims=True), x.data.var(-1, keepdims=True)
    np.testing.assert_allclose(out.data, (x.data - mean) / np.sqrt(var + 1e-5) * ln.weight.data, rtol=1e-10)
    with pytest.raises(ValueError, match="LayerNorm"):
        ln(tg.randn(3, 5))


def test_embedding_lookup_and_gradient_with_repeated_indices():
    emb = nn.Embedding(5, 3).double()
    indices = np.array([[0, 2, 2], [4, 0, 0]])
    out = check_closure_gradients(lambda: emb(indices), [emb.weight])
    np.testing.assert_array_equal(out.data, emb.weight.data[indices])
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        emb([5])
    with pytest.raises(TypeError, match="integer"):
        emb(tg.Tensor([0.0]))


# ----------------------------------------------------------------------------------------------- init
def test_xavier_and_kaiming_statistics():
    tg.manual_seed(0)
    w = nn.Parameter(np.zeros((300, 200), dtype=np.float32))
    nn.init.xavier_uniform_(w)
    assert np.abs(w.data).max() <= math.sqrt(6 / 500)
    nn.init.xavier_normal_(w, gain=2.0)
    np.testing.assert_allclose(w.data.std(), 2 * math.sqrt(2 / 500), rtol=0.02)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    np.testing.assert_allclose(w.data.std(), math.sqrt(2 / 200), rtol=0.02)
    nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w.data).max() <= math.sqrt(6 / 300)
    assert w.dtype == np.float32
    with pytest.raises(ValueError, match="mode"):
        nn.init.kaiming_uniform_(w, mode="fan")
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.init.calculate_gain("swish")


# ----------------------------------------------------------------------------------------------- second order
def _input_gradient_penalty(model, x_data):
    """Σ (∂L/∂x)² with L = Σ model(x)², the first derivative kept in the graph (create_graph=True)."""
    x = tg.Tensor(x_data, requires_grad=True)
    (model(x) ** 2).sum().backward(create_graph=True)
    return (x.grad * x.grad).sum()


@pytest.mark.parametrize("make", [
    lambda: nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.LayerNorm(2)),
    lambda: nn.Sequential(nn.Conv2d(1, 2, 2), nn.MaxPool2d(2), nn.Flatten(), nn.GELU()),
])
def test_second_derivatives_flow_through_composed_layers(make):
    tg.manual_seed(0)
    model = make().double()
    x_data = np.random.default_rng(0).standard_normal((2, 3) if isinstance(model[0], nn.Linear) else (2, 1, 5, 5))
    weight = model[0].weight
    penalty = _input_gradient_penalty(model, x_data)
    model.zero_grad()  # drop the first-order ∂L/∂W that backward(create_graph=True) left there
    penalty.backward()
    analytic = weight.grad.data.copy()
    numeric = np.zeros_like(weight.data)
    eps = 1e-6
    for i in np.ndindex(weight.shape):
        original = weight.data[i]
        weight.data[i] = original + eps
        plus = _input_gradient_penalty(model, x_data).item()
        weight.data[i] = original - eps
        minus = _input_gradient_penalty(model, x_data).item()
        weight.data[i] = original
        numeric[i] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)
