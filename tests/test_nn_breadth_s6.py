"""The N-d pieces of convolution, pooling, dropout and padding (1-D and 3-D transposed convolutions, 3-D adaptive
pools, 1-D and 3-D unpooling, LPPool3d, Dropout3d, FeatureAlphaDropout, the 3-D padding layers) and
nn.functional's in-place activations — checked against adjoint identities and loops in numpy, against PyTorch on
copied weights, and against finite differences in float64 (plain and with create_graph=True)."""

import itertools

import numpy as np
import pytest
from gradients import check_closure_gradients, check_gradients
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(6)


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


# ----------------------------------------------------------------------------------------------- transposed convolution
TRANSPOSED_CASES = [  # spatial, options
    (1, {}),
    (1, {"stride": 3, "padding": 1, "output_padding": 2, "dilation": 2}),
    (1, {"stride": 2, "groups": 2, "bias": False}),
    (3, {}),
    (3, {"stride": (2, 1, 2), "padding": (1, 0, 1), "output_padding": (1, 0, 0), "dilation": (1, 2, 1)}),
    (3, {"stride": 2, "groups": 2, "padding": 1}),
]


@pytest.mark.parametrize(("spatial", "options"), TRANSPOSED_CASES)
def test_transposed_convolutions_match_pytorch(torch, spatial, options):
    name = f"ConvTranspose{spatial}d"
    ours, theirs = getattr(nn, name)(4, 6, 3, **options), getattr(torch.nn, name)(4, 6, 3, **options)
    x = rng.standard_normal((2, 4, *(4,) * spatial))
    compare_with_torch(torch, ours, theirs, [x])
    compare_with_torch(torch, ours, theirs, [x[0]])  # unbatched
    assert str(ours) == str(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}


@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_transposed_convolution_is_the_adjoint_of_convolution(spatial):
    """<conv(x; W), y> = <x, conv_transpose(y; W)> for the same weight, stride, padding, dilation, groups."""
    options = {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}
    x = rng.standard_normal((2, 4, *(7,) * spatial))
    weight = rng.standard_normal((6, 2, *(3,) * spatial))
    conv = getattr(F, f"conv{spatial}d")
    transposed = getattr(F, f"conv_transpose{spatial}d")
    y = rng.standard_normal(conv(tg.Tensor(x), tg.Tensor(weight), **options).shape)
    back = transposed(tg.Tensor(y), tg.Tensor(weight), **options, output_padding=0).data
    assert back.shape == x.shape
    assert np.isclose((conv(tg.Tensor(x), tg.Tensor(weight), **options).data * y).sum(), (x * back).sum())


def test_transposed_convolution_gradients_match_finite_differences():
    check_gradients(lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(2, 1, 2), padding=1, output_padding=(1, 0, 0)),
                    rng.standard_normal((1, 2, 2, 3, 2)), rng.standard_normal((2, 2, 2, 2, 3)), rng.standard_normal(2))
    check_gradients(lambda x, w: F.conv_transpose1d(x, w, stride=2, groups=2, dilation=2),
                    rng.standard_normal((2, 4, 3)), rng.standard_normal((4, 1, 2)))


def test_transposed_convolution_output_size_picks_the_output_padding(torch):
    ours, theirs = nn.ConvTranspose3d(2, 3, 3, stride=2), torch.nn.ConvTranspose3d(2, 3, 3, stride=2)
    x = rng.standard_normal((1, 2, 3, 3, 3))
    compare_with_torch(torch, ours, theirs, [x], call=lambda m, x: m(x, output_size=(8, 7, 8)))
    with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
        ours(tg.randn(1, 2, 3, 3, 3), output_size=(9, 7, 7))


def test_transposed_convolutions_refuse_bad_arguments():
    with pytest.raises(ValueError, match="conv_transpose1d: input"):
        F.conv_transpose1d(tg.randn(1, 3, 4), tg.randn(2, 2, 3))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose3d(tg.randn(1, 2, 3, 3, 3), tg.randn(2, 2, 2, 2, 2), stride=2, output_padding=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose1d'):
        nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.ConvTranspose3d(3, 2, 3, groups=2)


# ----------------------------------------------------------------------------------------------- adaptive pooling
def _adaptive_windows_loop(x, outs, reduce):
    """PyTorch's documented adaptive windows, [⌊i·n/o⌋, ⌈(i+1)·n/o⌉) per axis, reduced one output at a time."""
    sizes = x.shape[2:]
    out = np.zeros((*x.shape[:2], *outs))
    for position in itertools.product(*(range(o) for o in outs)):
        window = tuple(slice(i * n // o, -(-(i + 1) * n // o)) for i, n, o in zip(position, sizes, outs))
        out[(Ellipsis, *position)] = reduce(x[(Ellipsis, *window)].reshape(*x.shape[:2], -1), axis=-1)
    return out


@pytest.mark.parametrize("outs", [(2, 3, 2), (3, 1, 4), (5, 4, 3)])
def test_adaptive_pools_3d_match_the_window_loops(outs):
    x = rng.standard_normal((2, 3, 5, 4, 7))
    np.testing.assert_allclose(F.adaptive_avg_pool3d(tg.Tensor(x), outs).data,
                               _adaptive_windows_loop(x, outs, np.mean), atol=1e-12)
    np.testing.assert_array_equal(F.adaptive_max_pool3d(tg.Tensor(x), outs).data,
                                  _adaptive_windows_loop(x, outs, np.max))
    values, indices = F.adaptive_max_pool3d(tg.Tensor(x), outs, return_indices=True)
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), indices.data.reshape(2, 3, -1), -1),
                                  values.data.reshape(2, 3, -1))


@pytest.mark.parametrize("output_size", [(2, 3, 2), 3, (None, 2, 5)])
def test_adaptive_pool_3d_layers_match_pytorch(torch, output_size):
    x = rng.standard_normal((2, 3, 4, 5, 6))
    compare_with_torch(torch, nn.AdaptiveAvgPool3d(output_size), torch.nn.AdaptiveAvgPool3d(output_size), [x])
    compare_with_torch(torch, nn.AdaptiveMaxPool3d(output_size), torch.nn.AdaptiveMaxPool3d(output_size), [x[0]])
    ours = nn.AdaptiveMaxPool3d(output_size, return_indices=True)(tg.Tensor(x))
    theirs = torch.nn.AdaptiveMaxPool3d(output_size, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ours[1].data, theirs[1].numpy())


def test_adaptive_pool_3d_gradients_match_finite_differences():
    check_gradients(lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)), rng.standard_normal((1, 2, 3, 5, 4)))
    check_gradients(lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)), rng.standard_normal((1, 2, 3, 5, 4)))


@pytest.mark.parametrize("name", ["max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices"])
def test_max_pool_with_indices_always_returns_the_indices_as_pytorch(torch, name):
    spatial = int(name[8])
    x = rng.standard_normal((2, 3, *(6,) * spatial))
    ours = getattr(F, name)(tg.Tensor(x), 3, 2, 1)
    theirs = getattr(torch.nn.functional, name)(torch.tensor(x), 3, 2, 1)
    for mine, expected in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine.data, expected.numpy())


@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_adaptive_max_pool_with_indices_always_returns_the_indices_as_pytorch(torch, spatial):
    name = f"adaptive_max_pool{spatial}d_with_indices"
    x = rng.standard_normal((2, 3, *(7,) * spatial))
    ours, theirs = getattr(F, name)(tg.Tensor(x), 3), getattr(torch.nn.functional, name)(torch.tensor(x), 3)
    for mine, expected in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine.data, expected.numpy())


def test_adaptive_pools_refuse_bad_arguments():
    with pytest.raises(ValueError, match="adaptive_avg_pool3d: output_size must be an int or 3"):
        F.adaptive_avg_pool3d(tg.randn(1, 2, 3, 3, 3), (2, 2))
    with pytest.raises(ValueError, match="adaptive_max_pool3d: expected a 4-D"):
        F.adaptive_max_pool3d(tg.randn(2, 3, 3), 2)
    with pytest.raises(ValueError, match="positive"):
        F.adaptive_max_pool3d(tg.randn(1, 2, 3, 3, 3), 0)


# ----------------------------------------------------------------------------------------------- unpooling
def _unpool_loop(values, indices, size):
    """Each value written at its flat index of a zero output, in order (the last write to a place stays)."""
    out = np.zeros((*values.shape[:2], int(np.prod(size))))
    for n, c, k in itertools.product(*(range(s) for s in values.reshape(*values.shape[:2], -1).shape)):
        out[n, c, indices.reshape(*values.shape[:2], -1)[n, c, k]] = values.reshape(*values.shape[:2], -1)[n, c, k]
    return out.reshape(*values.shape[:2], *size)


@pytest.mark.parametrize(("spatial", "kernel", "stride"), [(1, 3, 3), (1, 3, 2), (3, 2, 2), (3, 3, 2)])
def test_max_unpool_1d_and_3d_put_values_back_and_match_pytorch(torch, spatial, kernel, stride):
    x = rng.standard_normal((2, 3, *(2 * stride + kernel,) * spatial))  # three windows: the default unpooled size
    pool = getattr(torch.nn, f"MaxPool{spatial}d")(kernel, stride, return_indices=True)
    values, indices = pool(torch.tensor(x))
    ours, theirs = getattr(nn, f"MaxUnpool{spatial}d")(kernel, stride), getattr(torch.nn, f"MaxUnpool{spatial}d")(
        kernel, stride)
    out = compare_with_torch(torch, ours, theirs, [values.numpy(), indices.numpy()])[0]
    np.testing.assert_array_equal(out, _unpool_loop(values.numpy(), indices.numpy(), out.shape[2:]))
    assert str(ours) == str(theirs)


def test_max_unpool_3d_gradients_match_finite_differences_and_output_size():
    values, indices = F.max_pool3d(tg.Tensor(rng.standard_normal((1, 2, 5, 4, 4))), 2, return_indices=True)
    check_gradients(lambda v: F.max_unpool3d(v, indices, 2, output_size=(5, 4, 5)), values.data)
    assert F.max_unpool3d(values, indices, 2, output_size=(1, 2, 5, 4, 5)).shape == (1, 2, 5, 4, 5)
    with pytest.raises(ValueError, match="max_unpool3d: output_size"):
        F.max_unpool3d(values, indices, 2, output_size=(7, 4, 4))
    with pytest.raises(ValueError, match="max_unpool1d: indices must be integers"):
        F.max_unpool1d(tg.randn(1, 2, 3), tg.randn(1, 2, 3), 2)


# ----------------------------------------------------------------------------------------------- LPPool3d
@pytest.mark.parametrize(("norm_type", "kernel", "stride", "ceil_mode"), [(2, 2, None, False), (3, (2, 1, 2), 1,
                                                                                                 True)])
def test_lp_pool_3d_matches_pytorch(torch, norm_type, kernel, stride, ceil_mode):
    x = np.abs(rng.standard_normal((2, 3, 5, 4, 5))) + 0.1
    compare_with_torch(torch, nn.LPPool3d(norm_type, kernel, stride, ceil_mode),
                       torch.nn.LPPool3d(norm_type, kernel, stride, ceil_mode), [x])
    y = F.lp_pool3d(tg.Tensor(x), 2, 2).data
    np.testing.assert_allclose(y[0, 0, 0, 0, 0], np.sqrt((x[0, 0, :2, :2, :2] ** 2).sum()))


# ----------------------------------------------------------------------------------------------- dropout
def test_dropout3d_zeroes_whole_channels_and_scales_the_rest():
    tg.manual_seed(0)
    x = np.ones((40, 5, 2, 3, 2))
    y = F.dropout3d(tg.Tensor(x), 0.25).data
    per_channel = y.reshape(40, 5, -1)
    assert ((per_channel == 0) | (per_channel == 1 / 0.75)).all()
    assert (per_channel.min(axis=-1) == per_channel.max(axis=-1)).all()  # one draw per channel
    assert 0.15 < (per_channel[..., 0] == 0).mean() < 0.35
    unbatched = nn.Dropout3d(0.5)(tg.ones(6, 2, 2, 2)).data.reshape(6, -1)
    assert (unbatched.min(axis=-1) == unbatched.max(axis=-1)).all()
    layer = nn.Dropout3d(0.5).eval()
    np.testing.assert_array_equal(layer(tg.Tensor(x)).data, x)
    with pytest.raises(ValueError, match="dropout3d: expected a 4-D"):
        F.dropout3d(tg.ones(2, 3, 4), 0.5)


def test_feature_alpha_dropout_drops_channels_to_the_selu_saturation_with_pytorchs_affine_map():
    tg.manual_seed(1)
    p = 0.3
    x = rng.standard_normal((30, 4, 5))
    y = F.feature_alpha_dropout(tg.Tensor(x), p, training=True).data
    alpha = -1.0507009873554805 * 1.6732632423543772  # SELU's saturation value −λα
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    kept = np.isclose(y, a * x + (-a * alpha * p))  # PyTorch's a·x + b for a kept channel
    dropped = np.isclose(y, a * alpha - a * alpha * p)
    assert (kept | dropped).all()
    assert (kept.all(axis=-1) | dropped.all(axis=-1)).all()  # whole channels
    assert 0.15 < dropped.all(axis=-1).mean() < 0.45
    np.testing.assert_array_equal(F.feature_alpha_dropout(tg.Tensor(x), p).data, x)  # PyTorch's training=False
    np.testing.assert_array_equal(nn.FeatureAlphaDropout(p).eval()(tg.Tensor(x)).data, x)
    assert not F.feature_alpha_dropout(tg.Tensor(x), 1.0, training=True).data.any()
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(tg.ones(3), 0.5, training=True)


def test_feature_alpha_dropout_keeps_selu_statistics():
    """Klambauer et al.'s point: standard-normal input keeps mean ≈ 0 and variance ≈ 1 through the dropout."""
    tg.manual_seed(2)
    y = F.feature_alpha_dropout(tg.Tensor(rng.standard_normal((4000, 50, 4))), 0.2, training=True).data
    assert abs(y.mean()) < 0.03 and abs(y.var() - 1) < 0.05


# ----------------------------------------------------------------------------------------------- padding
@pytest.mark.parametrize(("name", "padding"), [("ZeroPad3d", (1, 0, 2, 1, 0, 1)), ("ConstantPad3d", 1),
                                               ("ReflectionPad3d", (1, 2, 0, 1, 2, 1)), ("ReplicationPad3d", 2),
                                               ("CircularPad3d", (1, 2, 1, 0, 2, 2))])
def test_three_dimensional_padding_layers_match_pytorch(torch, name, padding):
    args = (padding, 0.5) if name == "ConstantPad3d" else (padding,)
    x = rng.standard_normal((2, 3, 3, 4, 3))
    compare_with_torch(torch, getattr(nn, name)(*args), getattr(torch.nn, name)(*args), [x])


# ----------------------------------------------------------------------------------------------- in-place activations
IN_PLACE = [("relu_", "relu", ()), ("elu_", "elu", (0.7,)), ("selu_", "selu", ()), ("celu_", "celu", (1.3,)),
            ("leaky_relu_", "leaky_relu", (0.2,)), ("hardtanh_", "hardtanh", (-0.5, 0.8)),
            ("threshold_", "threshold", (0.1, -2.0)), ("rrelu_", "rrelu", (0.1, 0.3))]


@pytest.mark.parametrize(("name", "outside", "args"), IN_PLACE)
def test_in_place_activations_write_the_out_of_place_values_into_the_input(name, outside, args):
    x = rng.standard_normal(7)
    t = tg.Tensor(x.copy())
    memory, version = t.data, t._version
    assert getattr(F, name)(t, *args) is t
    assert t.data is memory and t._version > version
    np.testing.assert_allclose(t.data, getattr(F, outside)(tg.Tensor(x), *args).data)
    inplace_flag = tg.Tensor(x.copy())
    if name not in ("relu_", "selu_"):
        assert getattr(F, outside)(inplace_flag, *args, inplace=True) is inplace_flag
        np.testing.assert_allclose(inplace_flag.data, t.data)


@pytest.mark.parametrize(("name", "outside", "args"), IN_PLACE)
def test_in_place_activations_in_a_graph_match_pytorch_and_refuse_a_leaf(torch, name, outside, args):
    x = rng.standard_normal(7)
    if name == "leaky_relu_":
        args = (0.2,)
    ours, theirs = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours * 2.0, theirs * 2.0
    assert getattr(F, name)(y_ours, *args) is y_ours
    getattr(torch.nn.functional, name)(y_theirs, *args)
    np.testing.assert_allclose(y_ours.data, y_theirs.detach().numpy(), atol=1e-12)
    weights = rng.standard_normal(7)
    (y_ours * tg.Tensor(weights)).sum().backward()
    (y_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(tg.Tensor(x, requires_grad=True), *args)


def test_in_place_activation_gradients_match_finite_differences():
    for name, _, args in IN_PLACE[:-1]:  # rrelu_ in eval is leaky_relu_
        check_gradients(lambda a, name=name, args=args: getattr(F, name)(a * 1.0, *args),
                        rng.standard_normal(6) + 0.05)


def test_in_place_activations_follow_pytorchs_dtype_rules():
    ints = tg.Tensor(np.arange(-3, 3))
    assert F.hardtanh_(ints).tolist() == [-1, -1, -1, 0, 1, 1] and ints.dtype == np.int64  # PyTorch clamps ints
    with pytest.raises(TypeError, match="floating-point"):
        F.elu_(tg.Tensor(np.arange(-3, 3)))
    with pytest.raises(RuntimeError, match="can't be cast"):
        F.leaky_relu_(tg.Tensor(np.arange(-3, 3)))


# ----------------------------------------------------------------------------------------------- lazy modules
LAZY_CASES = [  # name, constructor arguments, input shape
    ("LazyLinear", (3,), (4, 5)),
    ("LazyLinear", (3, False), (2, 4, 6)),
    ("LazyConv1d", (4, 3), (2, 5, 7)),
    ("LazyConv2d", (4, 3), (5, 6, 6)),  # unbatched
    ("LazyConv3d", (4, 2), (2, 2, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), (2, 6, 5)),
    ("LazyConvTranspose2d", (4, 3), (2, 6, 4, 4)),
    ("LazyConvTranspose3d", (4, 2), (1, 2, 3, 3, 3)),
    ("LazyBatchNorm1d", (), (6, 3)),
    ("LazyBatchNorm2d", (), (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), (3, 2, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), (2, 3, 5)),
    ("LazyInstanceNorm2d", (), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), (2, 3, 3, 3, 3)),
]


@pytest.mark.parametrize(("name", "args", "shape"), LAZY_CASES)
def test_lazy_modules_materialise_at_the_first_call_and_become_pytorchs_module(torch, name, args, shape):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    placeholders = list(ours.parameters())
    assert [type(p).__name__ for p in placeholders] == [type(p).__name__ for p in theirs.parameters()]
    same_repr = "Norm" not in name  # the norm layers' repr leaves out PyTorch's affine, bias, track_running_stats
    assert str(ours) == str(theirs) or not same_repr
    x = rng.standard_normal(shape).astype(np.float32)
    ours(tg.Tensor(x)), theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ == name[4:]  # LazyLinear → Linear
    assert str(ours) == str(theirs) or not same_repr
    assert all(a is b for a, b in zip(ours.parameters(), placeholders, strict=True))  # the same objects
    assert isinstance(ours.state_dict(), dict)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    compare_with_torch(torch, ours, theirs, [x.astype(np.float64)])  # on PyTorch's state dict: the same outputs


def test_lazy_parameters_are_initialised_as_the_full_module():
    tg.manual_seed(0)
    layer = nn.LazyConv2d(200, (3, 2), groups=2)
    layer(tg.randn(1, 8, 5, 5))
    bound = 1 / np.sqrt(4 * 3 * 2)  # fan_in = in/groups · kernel size
    assert layer.weight.shape == (200, 4, 3, 2) and np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.95 * bound and abs(layer.weight.data.mean()) < 0.01  # U(−b, b)
    norm = nn.LazyBatchNorm1d()
    norm(tg.randn(4, 3))
    np.testing.assert_array_equal(norm.weight.data, 1), np.testing.assert_array_equal(norm.bias.data, 0)


def test_an_optimizer_made_before_the_first_call_updates_the_materialised_parameters(torch):
    ours, theirs = nn.LazyLinear(2), torch.nn.LazyLinear(2)
    opt_ours, opt_theirs = tg.optim.SGD(ours.parameters(), lr=0.5), torch.optim.SGD(theirs.parameters(), lr=0.5)
    x = rng.standard_normal((3, 4))
    theirs(torch.tensor(x, dtype=torch.float32))
    ours(tg.Tensor(x, dtype=tg.float32))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for module, opt, make in ((ours, opt_ours, lambda a: tg.Tensor(a, dtype=tg.float32)),
                              (theirs, opt_theirs, lambda a: torch.tensor(a, dtype=torch.float32))):
        (module(make(x)) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-5, atol=1e-6)  # float32


def test_uninitialized_parameters_refuse_to_be_read_and_load_a_state_dict():
    layer = nn.LazyLinear(3, dtype=tg.float64)
    assert layer.weight.dtype == np.float64 and layer.has_uninitialized_params()
    for read in (lambda: layer.weight.shape, lambda: layer.weight + 1, lambda: layer.state_dict(),
                 lambda: nn.utils.parameters_to_vector(layer.parameters())):
        with pytest.raises(RuntimeError, match="uninitialized parameter"):
            read()
    source = nn.Linear(7, 3, dtype=tg.float64)
    layer.load_state_dict(source.state_dict())
    assert not layer.has_uninitialized_params() and layer.weight.dtype == np.float64
    x = tg.randn(2, 7).double()
    np.testing.assert_array_equal(layer(x).data, source(x).data)
    assert type(layer) is nn.Linear and layer.in_features == 7
    with pytest.raises(RuntimeError, match="nothing was changed"):
        nn.LazyLinear(3).load_state_dict({"weight": np.zeros((3, 2))})  # strict: the bias is missing
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.LazyConv2d(4, 3, groups=3)
    with pytest.raises(ValueError, match="LazyConv2d: expected a 3-D"):
        nn.LazyConv2d(4, 3)(tg.randn(5, 5))


# ----------------------------------------------------------------------------------------------- parametrizations
def _norm_except(v, dim):
    """PyTorch's norm_except_dim written out: the 2-norm over every axis but ``dim`` (all of them for −1)."""
    if dim == -1:
        return np.sqrt((v**2).sum())
    return np.sqrt((v**2).sum(axis=tuple(a for a in range(v.ndim) if a != dim % v.ndim), keepdims=True))


@pytest.mark.parametrize(("make", "dim"), [(lambda m: m.Linear(3, 4), 0), (lambda m: m.Conv2d(2, 3, 3), 1),
                                           (lambda m: m.Conv1d(2, 3, 2), None)])
def test_weight_norm_parametrization_is_g_times_v_over_its_norm_and_matches_pytorch(torch, make, dim):
    ours = nn.utils.parametrizations.weight_norm(make(nn), dim=dim)
    theirs = torch.nn.utils.parametrizations.weight_norm(make(torch.nn), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours).__name__ == type(theirs).__name__ and str(ours) == str(theirs)
    shape = (2, 3) if isinstance(ours, nn.Linear) else (2, 2, 5, 5) if isinstance(ours, nn.Conv2d) else (2, 2, 6)
    compare_with_torch(torch, ours, theirs, [rng.standard_normal(shape)])  # gradients of original0 (g) and 1 (v)
    g = ours.parametrizations.weight.original0.data
    v = ours.parametrizations.weight.original1.data
    np.testing.assert_allclose(ours.weight.data, g * v / _norm_except(v, -1 if dim is None else dim), atol=1e-12)


def test_weight_norm_starts_at_the_weight_and_trains_length_and_direction_apart():
    layer = nn.Linear(3, 4, dtype=tg.float64)
    before = layer.weight.data.copy()
    nn.utils.parametrizations.weight_norm(layer)
    np.testing.assert_allclose(layer.weight.data, before, atol=1e-12)
    np.testing.assert_allclose(layer.parametrizations.weight.original0.data, _norm_except(before, 0), atol=1e-12)
    original = [layer.parametrizations.weight.original0, layer.parametrizations.weight.original1]
    x = tg.randn(5, 3).double()
    check_closure_gradients(lambda: layer(x), original)  # ∂/∂g and ∂/∂v against finite differences


def test_spectral_norm_parametrization_matches_pytorch_in_training_and_eval(torch):
    ours = nn.utils.parametrizations.spectral_norm(nn.Conv2d(3, 4, 2), n_power_iterations=2)
    theirs = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(3, 4, 2), n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = rng.standard_normal((2, 3, 4, 4))
    for _ in range(2):  # each training call runs the power iteration on _u, _v in place, as PyTorch's
        compare_with_torch(torch, ours, theirs, [x])
        for name in ("_u", "_v"):
            np.testing.assert_allclose(getattr(ours.parametrizations.weight[0], name).data,
                                       getattr(theirs.parametrizations.weight[0], name).numpy(), atol=1e-12)
    ours.eval(), theirs.eval()
    compare_with_torch(torch, ours, theirs, [x])
    kept = ours.parametrizations.weight[0]._u.data.copy()
    ours(tg.Tensor(x))
    np.testing.assert_array_equal(ours.parametrizations.weight[0]._u.data, kept)  # no iteration in eval


def test_spectral_norm_divides_by_the_largest_singular_value():
    tg.manual_seed(3)
    layer = nn.utils.parametrizations.spectral_norm(nn.Linear(6, 5, dtype=tg.float64), n_power_iterations=50)
    layer(tg.randn(1, 6).double())
    weight = layer.weight.data
    np.testing.assert_allclose(np.linalg.svd(weight, compute_uv=False)[0], 1.0, rtol=1e-8)
    original = layer.parametrizations.weight.original.data
    np.testing.assert_allclose(weight, original / np.linalg.svd(original, compute_uv=False)[0], rtol=1e-8)
    transposed = nn.utils.parametrizations.spectral_norm(nn.ConvTranspose2d(2, 3, 2))  # dim=1, as PyTorch
    assert transposed.parametrizations.weight[0].dim == 1 and transposed.parametrizations.weight[0]._u.shape == (3,)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


class Symmetric(nn.Module):
    """PyTorch's tutorial parametrization: X ↦ triu(X) + triu(X, 1)ᵀ, right inverse triu."""

    def forward(self, x):
        return x.triu() + x.triu(1).mT

    def right_inverse(self, a):
        return a.triu()


class Scaled(nn.Module):
    def forward(self, x):
        return x * 2.0

    def right_inverse(self, a):
        return a / 2.0


def test_register_parametrization_chains_assigns_and_removes_as_pytorch(torch):
    parametrize = nn.utils.parametrize
    layer, reference = nn.Linear(3, 3, dtype=tg.float64), torch.nn.Linear(3, 3, dtype=torch.float64)
    reference.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})

    class TorchSymmetric(torch.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

        def right_inverse(self, a):
            return a.triu()

    class TorchScaled(torch.nn.Module):
        def forward(self, x):
            return x * 2.0

        def right_inverse(self, a):
            return a / 2.0

    original = layer.weight
    assert parametrize.register_parametrization(layer, "weight", Symmetric()) is layer
    torch.nn.utils.parametrize.register_parametrization(reference, "weight", TorchSymmetric())
    parametrize.register_parametrization(layer, "weight", Scaled())
    torch.nn.utils.parametrize.register_parametrization(reference, "weight", TorchScaled())
    assert layer.parametrizations.weight.original is original  # the same Parameter, its values replaced in place
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    np.testing.assert_allclose(layer.weight.data, reference.weight.detach().numpy(), atol=1e-12)
    w = layer.weight.data
    np.testing.assert_allclose(w, w.T, atol=1e-12)
    target = rng.standard_normal((3, 3))
    target = target + target.T
    layer.weight = tg.Tensor(target)  # through both right_inverses
    with torch.no_grad():
        reference.weight = torch.tensor(target)
    np.testing.assert_allclose(layer.weight.data, target, atol=1e-12)
    np.testing.assert_allclose(original.data, reference.parametrizations.weight.original.detach().numpy(),
                               atol=1e-12)
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight
    parametrize.remove_parametrizations(layer, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(reference, "weight")
    assert type(layer) is nn.Linear and layer.weight is original and "parametrizations" not in dict(
        layer.named_children())
    np.testing.assert_allclose(layer.weight.data, reference.weight.detach().numpy(), atol=1e-12)


def test_register_parametrization_refuses_shape_changes_unknown_names_and_sequences_left_unparametrized():
    parametrize = nn.utils.parametrize

    class Flatten(nn.Module):
        def forward(self, x):
            return x.reshape(-1)

    with pytest.raises(ValueError, match="unsafe=True"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Flatten())
    layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Flatten(), unsafe=True)
    assert layer.weight.shape == (4,)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(nn.Linear(2, 2), "kernel", Scaled())
    normed = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="sequence of tensors"):
        parametrize.remove_parametrizations(normed, "weight", leave_parametrized=False)
    value = normed.weight.data.copy()
    parametrize.remove_parametrizations(normed, "weight")
    assert isinstance(normed.weight, nn.Parameter) and np.allclose(normed.weight.data, value)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(normed, "weight")


@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm"])
def test_the_older_hooked_norms_match_pytorch_and_remove(torch, kind):
    ours = getattr(nn.utils, kind)(nn.Conv1d(2, 3, 2))
    theirs = getattr(torch.nn.utils, kind)(torch.nn.Conv1d(2, 3, 2))
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    x = rng.standard_normal((2, 2, 5))
    for _ in range(2):
        compare_with_torch(torch, ours, theirs, [x])
    getattr(nn.utils, f"remove_{kind}")(ours)
    getattr(torch.nn.utils, f"remove_{kind}")(theirs)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match=f"{kind} of 'weight' not found"):
        getattr(nn.utils, f"remove_{kind}")(ours)
    twice = getattr(nn.utils, kind)(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two"):
        getattr(nn.utils, kind)(twice)


# ----------------------------------------------------------------------------------------------- fusion
@pytest.mark.parametrize("case", ["conv", "transposed", "linear", "no bias"])
def test_fused_layers_compute_the_batch_norm_of_the_layer(torch, case):
    layer = {"conv": nn.Conv2d(3, 4, 3), "transposed": nn.ConvTranspose2d(3, 4, 2), "linear": nn.Linear(3, 4),
             "no bias": nn.Conv1d(3, 4, 2, bias=False)}[case].double()
    bn = (nn.BatchNorm1d(4) if case in ("linear", "no bias") else nn.BatchNorm2d(4)).double()
    shape = {"linear": (5, 3), "no bias": (5, 3, 6)}.get(case, (2, 3, 5, 5))
    bn.train()(layer(tg.randn(*shape).double()))  # running statistics that are not 0 and 1
    bn.weight.data[...] = rng.uniform(0.5, 1.5, 4)
    bn.bias.data[...] = rng.standard_normal(4)
    layer.eval(), bn.eval()
    fused = (nn.utils.fuse_linear_bn_eval(layer, bn) if case == "linear" else
             nn.utils.fuse_conv_bn_eval(layer, bn, transpose=case == "transposed"))
    x = tg.Tensor(rng.standard_normal(shape))
    np.testing.assert_allclose(fused(x).data, bn(layer(x)).data, atol=1e-12)
    assert fused is not layer and isinstance(fused.bias, nn.Parameter)
    args = [torch.tensor(t.data) if t is not None else None for t in (layer.weight, layer.bias, bn.running_mean,
                                                                        bn.running_var)]
    function = nn.utils.fuse_linear_bn_weights if case == "linear" else nn.utils.fuse_conv_bn_weights
    theirs = getattr(torch.nn.utils, function.__name__)(*args, bn.eps, torch.tensor(bn.weight.data),
                                                        torch.tensor(bn.bias.data),
                                                        **({} if case == "linear" else {"transpose": case ==
                                                                                        "transposed"}))
    for mine, expected in zip((fused.weight, fused.bias), theirs, strict=True):
        np.testing.assert_allclose(mine.data, expected.detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(3, 4, 3), bn)


# ----------------------------------------------------------------------------------------------- stateless, clipping
def test_functional_call_swaps_parameters_for_one_call_and_sends_gradients_to_them(torch):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    kept = {k: v.copy() for k, v in model.state_dict().items()}
    replacement = {"0.weight": tg.Tensor(rng.standard_normal((4, 3)), requires_grad=True),
                   "2.bias": tg.Tensor(rng.standard_normal(2), requires_grad=True)}
    x = rng.standard_normal((5, 3))
    out = nn.utils.stateless.functional_call(model, replacement, tg.Tensor(x))
    out.sum().backward()
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    reference.load_state_dict({k: torch.tensor(v) for k, v in kept.items()})
    theirs = {k: torch.tensor(v.data, requires_grad=True) for k, v in replacement.items()}
    expected = torch.func.functional_call(reference, theirs, (torch.tensor(x),))
    expected.sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-12)
    for key in replacement:
        np.testing.assert_allclose(replacement[key].grad.data, theirs[key].grad.numpy(), atol=1e-12)
    assert all(np.array_equal(v, kept[k]) for k, v in model.state_dict().items())  # the module is as it was
    assert model[0].weight.grad is None and isinstance(model[0].weight, nn.Parameter)
    with pytest.raises(RuntimeError, match="missing values"):
        nn.utils.stateless.functional_call(model, replacement, tg.Tensor(x), strict=True)
    with pytest.raises(RuntimeError, match="no parameter or buffer"):
        nn.utils.stateless.functional_call(model, {"3.weight": tg.ones(2)}, tg.Tensor(x))
    with pytest.raises(ValueError, match="multiple dictionaries"):
        nn.utils.stateless.functional_call(model, ({"2.bias": tg.ones(2)}, {"2.bias": tg.ones(2)}), tg.Tensor(x))


def test_functional_call_ties_shared_weights_and_swaps_buffers():
    model = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
    model[1].weight = model[0].weight  # one Parameter under two names
    new = tg.Tensor(np.eye(2) * 3.0, dtype=tg.float32)
    out = nn.utils.stateless.functional_call(model, {"0.weight": new}, tg.ones(1, 2))
    np.testing.assert_allclose(out.data, [[9.0, 9.0]])  # both uses of the tied weight
    untied = nn.utils.stateless.functional_call(model, {"0.weight": new}, tg.ones(1, 2), tie_weights=False)
    np.testing.assert_allclose(untied.data, (tg.ones(1, 2) @ new.T @ model[1].weight.T).data, rtol=1e-6)
    with pytest.raises(ValueError, match="which are tied"):
        nn.utils.stateless.functional_call(model, {"0.weight": new, "1.weight": new * 1.0}, tg.ones(1, 2))
    bn = nn.BatchNorm1d(2).eval()
    stats = {"running_mean": tg.Tensor([1.0, 2.0], dtype=tg.float32), "running_var": tg.Tensor([4.0, 1.0],
                                                                                              dtype=tg.float32)}
    y = nn.utils.stateless.functional_call(bn, stats, (tg.Tensor([[3.0, 3.0]], dtype=tg.float32),))
    np.testing.assert_allclose(y.data, [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(1 + 1e-5)]], rtol=1e-6)


def test_clip_grads_with_norm_scales_by_pytorchs_coefficient(torch):
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    ours = [tg.Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = tg.Tensor(g.copy()), torch.tensor(g.copy())
    total = nn.utils.get_total_norm([p.grad for p in ours])
    nn.utils.clip_grads_with_norm_(ours, 0.5, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.5, torch.nn.utils.get_total_norm([q.grad for q in theirs]))
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), atol=1e-12)
    joint = np.sqrt(sum((g**2).sum() for g in grads))
    np.testing.assert_allclose(ours[1].grad.data, grads[1] * 0.5 / (joint + 1e-6), atol=1e-12)


def test_skip_init_builds_the_module_and_refuses_what_pytorch_refuses():
    layer = nn.utils.skip_init(nn.Linear, 3, 4, bias=False)
    assert type(layer) is nn.Linear and layer.weight.shape == (4, 3) and layer.bias is None
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(int, 3)
    with pytest.raises(RuntimeError, match="must support a 'device' arg"):
        nn.utils.skip_init(nn.Tanh)


# ----------------------------------------------------------------------------------------------- losses
def test_triplet_margin_with_distance_loss_matches_the_formula_and_pytorch(torch):
    a, p, n = (rng.standard_normal((5, 4)) for _ in range(3))

    def cosine_distance(x, y):
        return 1.0 - F.cosine_similarity(x, y)

    d = lambda x, y: np.linalg.norm(x - y + 1e-6, axis=-1)  # noqa: E731 - pairwise_distance written out
    expected = np.maximum(1.0 + d(a, p) - np.minimum(d(a, n), d(p, n)), 0).mean()
    np.testing.assert_allclose(F.triplet_margin_with_distance_loss(tg.Tensor(a), tg.Tensor(p), tg.Tensor(n),
                                                                   swap=True).data, expected, atol=1e-12)
    for options in ({}, {"margin": 2.0, "swap": True, "reduction": "none"}, {"reduction": "sum"}):
        compare_with_torch(torch, nn.TripletMarginWithDistanceLoss(**options),
                           torch.nn.TripletMarginWithDistanceLoss(**options), [a, p, n])
    ours = nn.TripletMarginWithDistanceLoss(distance_function=cosine_distance, margin=0.5)
    theirs = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1.0 - torch.nn.functional.cosine_similarity(x, y), margin=0.5)
    compare_with_torch(torch, ours, theirs, [a, p, n])
    check_gradients(lambda x, y, z: F.triplet_margin_with_distance_loss(x, y, z, margin=3.0), a, p, n)
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(ValueError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(tg.ones(3), tg.ones(1, 3), tg.ones(3))


def _collapse(path, blank):
    """An alignment read as a label sequence: repeats merged, then blanks removed (CTC's many-to-one map)."""
    merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
    return tuple(c for c in merged if c != blank)


def ctc_by_enumeration(log_probs, target, length, blank):
    """−log Σ over every path of ``length`` frames that collapses to ``target`` of Π_t p_t(path_t): CTC's
    definition (Graves et al. 2006), by brute force."""
    probabilities = np.exp(log_probs[:length])
    total = sum(np.prod([probabilities[t, c] for t, c in enumerate(path)])
                for path in itertools.product(range(log_probs.shape[1]), repeat=length)
                if _collapse(path, blank) == tuple(target))
    return -np.log(total) if total > 0 else np.inf


@pytest.mark.parametrize("blank", [0, 3])
def test_ctc_loss_is_minus_log_of_the_summed_alignment_probabilities(blank):
    logits = rng.standard_normal((5, 3, 4))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = [[1, 2, 2], [2, 2, 1], [1, 1, 1]]  # the padding after each target length is never read
    target_lengths, input_lengths = [3, 2, 1], [5, 4, 3]
    losses = F.ctc_loss(tg.Tensor(log_probs), tg.Tensor(np.array(targets)), input_lengths, target_lengths, blank,
                        reduction="none").data
    for n in range(3):
        expected = ctc_by_enumeration(log_probs[:, n], targets[n][: target_lengths[n]], input_lengths[n], blank)
        np.testing.assert_allclose(losses[n], expected, rtol=1e-10)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_loss_matches_pytorch_through_a_log_softmax(torch, reduction):
    logits = rng.standard_normal((8, 3, 5))
    targets, target_lengths, input_lengths = np.array([[1, 2, 2, 4], [3, 3, 1, 0], [2, 0, 0, 0]]), [4, 3, 1], [8, 6, 7]
    ours, theirs = tg.Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    loss = F.ctc_loss(ours.log_softmax(2), tg.Tensor(targets), tg.Tensor(np.array(input_lengths)),
                      tg.Tensor(np.array(target_lengths)), reduction=reduction)
    expected = torch.nn.functional.ctc_loss(theirs.log_softmax(2), torch.tensor(targets),
                                            torch.tensor(input_lengths), torch.tensor(target_lengths),
                                            reduction=reduction)
    np.testing.assert_allclose(loss.data, expected.detach().numpy(), rtol=1e-10)
    weights = rng.standard_normal(loss.shape)
    (loss * tg.Tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-12)  # the logits' gradients agree
    concatenated = np.concatenate([row[:k] for row, k in zip(targets, target_lengths)])
    again = nn.CTCLoss(reduction=reduction)(tg.Tensor(logits).log_softmax(2), concatenated, input_lengths,
                                            target_lengths)
    np.testing.assert_allclose(again.data, loss.data, rtol=1e-12)


def test_ctc_loss_gradients_match_finite_differences_and_differ_from_pytorchs_by_exp_log_probs(torch):
    log_probs = rng.standard_normal((5, 2, 3)) - 1.0  # any values: the gradient is the loss's own derivative
    targets, input_lengths, target_lengths = [[1, 2], [2, 2]], [5, 4], [2, 2]
    check_gradients(lambda lp: F.ctc_loss(lp, targets, input_lengths, target_lengths, reduction="none"), log_probs)
    ours = tg.Tensor(log_probs, requires_grad=True)
    F.ctc_loss(ours, targets, input_lengths, target_lengths, reduction="sum").backward()
    theirs = torch.tensor(log_probs, requires_grad=True)
    torch.nn.functional.ctc_loss(theirs, torch.tensor(targets), input_lengths, target_lengths,
                                 reduction="sum").backward()
    inside = (np.arange(5)[:, None] < np.array(input_lengths)[None, :])[..., None]
    np.testing.assert_allclose(theirs.grad.numpy(), ours.grad.data + np.exp(log_probs) * inside, atol=1e-12)


def test_ctc_loss_of_impossible_targets_and_unbatched_input(torch):
    log_probs = tg.Tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    assert F.ctc_loss(log_probs, [[1, 1, 1]], [2], [3], reduction="none").data[0] == np.inf  # 3 labels, 2 frames
    loss = F.ctc_loss(log_probs, [[1, 1]], [2], [2], zero_infinity=True)  # 1, 1 needs a blank between: 3 frames
    loss.backward()
    assert loss.data == 0 and not log_probs.grad.data.any()
    single = rng.standard_normal((6, 5))
    ours = nn.CTCLoss(blank=4, reduction="none")(tg.Tensor(single), tg.Tensor(np.array([1, 2, 1])), 6, 3)
    theirs = torch.nn.CTCLoss(blank=4, reduction="none")(torch.tensor(single), torch.tensor([1, 2, 1]),
                                                          torch.tensor(6), torch.tensor(3))
    assert ours.shape == tuple(theirs.shape) == ()
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10)
    assert F.ctc_loss(tg.zeros(3, 1, 2), [[0]], [0], [0], blank=1, reduction="none").data[0] == 0  # nothing, no frames


def test_ctc_loss_refuses_bad_arguments():
    lp = tg.zeros(4, 2, 3)
    with pytest.raises(ValueError, match="blank must be in label range"):
        F.ctc_loss(lp, [[1], [1]], [4, 4], [1, 1], blank=3)
    with pytest.raises(ValueError, match="not be the blank"):
        F.ctc_loss(lp, [[0], [1]], [4, 4], [1, 1])
    with pytest.raises(ValueError, match="input_lengths must be at most the 4"):
        F.ctc_loss(lp, [[1], [1]], [5, 4], [1, 1])
    with pytest.raises(ValueError, match="sum\\(target_lengths\\)"):
        F.ctc_loss(lp, [1, 2, 1], [4, 4], [1, 1])
    with pytest.raises(ValueError, match="target_lengths must hold 2"):
        F.ctc_loss(lp, [[1], [1]], [4, 4], [1])
    with pytest.raises(ValueError, match="reduction"):
        F.ctc_loss(lp, [[1], [1]], [4, 4], [1, 1], reduction="average")


ORTHOGONAL_CASES = [((4, 4), None, True), ((3, 5), None, True), ((5, 3), None, True), ((4, 4), "cayley", True),
                    ((5, 3), "cayley", True), ((4, 4), "matrix_exp", False), ((3, 5), "householder", True)]


@pytest.mark.parametrize(("shape", "orthogonal_map", "use_trivialization"), ORTHOGONAL_CASES)
def test_orthogonal_parametrization_is_orthogonal_and_matches_pytorch(torch, shape, orthogonal_map,
                                                                      use_trivialization):
    options = {"orthogonal_map": orthogonal_map, "use_trivialization": use_trivialization}
    ours = nn.utils.parametrizations.orthogonal(nn.Linear(shape[1], shape[0], dtype=tg.float64), **options)
    rows = ours.weight.data if shape[0] <= shape[1] else ours.weight.data.T
    np.testing.assert_allclose(rows @ rows.T, np.eye(min(shape)), atol=1e-12)  # orthonormal rows or columns
    theirs = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(shape[1], shape[0]), **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():  # away from the starting point, where every map is the identity
        theirs.parametrizations.weight.original.add_(torch.tensor(rng.standard_normal(shape) * 0.1))
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((2, shape[1]))], rtol=1e-8, atol=1e-10)
    householder = (orthogonal_map or ("matrix_exp" if shape[0] == shape[1] else "householder")) == "householder"
    if not householder:  # householder's sign factor is int(diagonal), as PyTorch's: −0.9 truncates to 0
        rows = ours.weight.data if shape[0] <= shape[1] else ours.weight.data.T
        np.testing.assert_allclose(rows @ rows.T, np.eye(min(shape)), atol=1e-6)  # PyTorch's float32 base


def test_householder_product_matches_pytorch(torch):
    A, tau = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3))
    expected = torch.linalg.householder_product(torch.tensor(A), torch.tensor(tau)).numpy()
    np.testing.assert_allclose(tg.linalg.householder_product(tg.Tensor(A), tg.Tensor(tau)).data, expected,
                               atol=1e-12)
    with pytest.raises(NotImplementedError, match="geqrf"):
        nn.utils.parametrizations.orthogonal(nn.Linear(3, 5), orthogonal_map="householder", use_trivialization=False)
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        nn.utils.parametrizations.orthogonal(nn.Linear(3, 5), orthogonal_map="qr")
