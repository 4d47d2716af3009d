"""Layers and functions PyTorch users reach for: fold/unfold, functional batch norm, Bilinear, 1-D
adaptive pooling, 3-D batch and instance norm — checked against loops written out in numpy, against PyTorch on
copied weights, and against finite differences in float64 (plain and with create_graph=True)."""

import itertools

import numpy as np
import pytest
from gradients import check_gradients, leaf
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def _taps(height, width, kernel, dilation, padding, stride):
    """Every window tap of an im2col: (column r·OW + c, kernel offset i·kw + j, input row, input column), the input
    position counted in the unpadded image (it may fall in the padding); and the number of windows OH·OW."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    oh = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    taps = [(r * ow + c, i * kw + j, r * sh - ph + i * dh, c * sw - pw + j * dw)
            for r, c, i, j in itertools.product(range(oh), range(ow), range(kh), range(kw))]
    return [t for t in taps if 0 <= t[2] < height and 0 <= t[3] < width], oh * ow


def unfold_loops(x, kernel, dilation, padding, stride):
    """PyTorch's documented im2col, one tap at a time: row channel·kh·kw + i·kw + j of column r·OW + c."""
    n, channels, height, width = x.shape
    taps, blocks = _taps(height, width, kernel, dilation, padding, stride)
    per_window = kernel[0] * kernel[1]
    out = np.zeros((n, channels * per_window, blocks))
    for column, offset, row, col in taps:
        out[:, np.arange(channels) * per_window + offset, column] = x[:, :, row, col]
    return out


def fold_loops(cols, output_size, kernel, dilation, padding, stride):
    """col2im, one tap at a time: every column entry added to the pixel its tap covers (overlaps summed)."""
    per_window = kernel[0] * kernel[1]
    channels = cols.shape[1] // per_window
    out = np.zeros((cols.shape[0], channels, *output_size))
    for column, offset, row, col in _taps(*output_size, kernel, dilation, padding, stride)[0]:
        out[:, :, row, col] += cols[:, np.arange(channels) * per_window + offset, column]
    return out


FOLD_CASES = [  # kernel, dilation, padding, stride, (H, W)
    ((2, 2), (1, 1), (0, 0), (1, 1), (4, 5)),
    ((3, 2), (1, 2), (1, 0), (2, 1), (7, 6)),
    ((2, 3), (2, 1), (1, 2), (3, 2), (8, 7)),  # strides that leave an unreached edge
    ((1, 1), (1, 1), (0, 0), (2, 2), (5, 4)),
]


@pytest.mark.parametrize(("kernel", "dilation", "padding", "stride", "size"), FOLD_CASES)
def test_unfold_and_fold_match_the_im2col_loops(kernel, dilation, padding, stride, size):
    x = rng.standard_normal((2, 3, *size))
    cols = F.unfold(tg.Tensor(x), kernel, dilation, padding, stride).data
    np.testing.assert_allclose(cols, unfold_loops(x, kernel, dilation, padding, stride), atol=1e-12)
    y = rng.standard_normal(cols.shape)
    folded = F.fold(tg.Tensor(y), size, kernel, dilation, padding, stride).data
    np.testing.assert_allclose(folded, fold_loops(y, size, kernel, dilation, padding, stride), atol=1e-12)
    # fold is unfold's adjoint: <unfold(x), y> = <x, fold(y)>
    assert np.isclose((cols * y).sum(), (x * folded).sum())


def test_fold_of_ones_counts_how_many_windows_cover_each_pixel():
    counts = F.fold(tg.ones(1, 4, 9), (4, 4), 2).data[0, 0]
    expected = np.outer([1, 2, 2, 1], [1, 2, 2, 1])
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize(("kernel", "dilation", "padding", "stride", "size"), FOLD_CASES[:3])
def test_unfold_and_fold_layers_match_pytorch(torch, kernel, dilation, padding, stride, size):
    options = {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride}
    x = rng.standard_normal((2, 3, *size))
    compare_with_torch(torch, nn.Unfold(**options), torch.nn.Unfold(**options), [x])
    cols = F.unfold(tg.Tensor(x), **options).data
    compare_with_torch(torch, nn.Fold(size, **options), torch.nn.Fold(size, **options), [cols])
    compare_with_torch(torch, nn.Fold(size, **options), torch.nn.Fold(size, **options), [cols[0]])  # unbatched


def test_unfold_and_fold_gradients_match_finite_differences():
    check_gradients(lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
                    rng.standard_normal((2, 2, 5, 6)))
    check_gradients(lambda y: F.fold(y, (5, 4), 2, padding=1, stride=2), rng.standard_normal((2, 8, 9)))


def test_unfold_and_fold_refuse_bad_arguments():
    with pytest.raises(ValueError, match="unfold: expected a 3-D"):
        F.unfold(tg.randn(3, 4), 2)
    with pytest.raises(ValueError, match="kernel_size"):
        F.unfold(tg.randn(1, 1, 4, 4), 0)
    with pytest.raises(ValueError, match="larger than"):
        F.unfold(tg.randn(1, 1, 3, 3), 4)
    with pytest.raises(ValueError, match="divisible by the product of kernel_size"):
        F.fold(tg.randn(1, 5, 4), (3, 3), 2)
    with pytest.raises(ValueError, match="number of sliding blocks 2 \\* 2 = 4, but got 5"):
        F.fold(tg.randn(1, 4, 5), (3, 3), 2)
    with pytest.raises(ValueError, match="fold: expected a 2-D"):
        F.fold(tg.randn(4,), (3, 3), 2)


# ----------------------------------------------------------------------------------------------- batch_norm
def test_functional_batch_norm_matches_the_formula_and_updates_running_statistics_in_place():
    x = rng.standard_normal((6, 3, 4))
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    running_mean, running_var = tg.Tensor(np.full(3, 0.5)), tg.Tensor(np.full(3, 2.0))
    kept_mean, kept_var = running_mean.data, running_var.data
    y = F.batch_norm(tg.Tensor(x), running_mean, running_var, tg.Tensor(weight), tg.Tensor(bias), training=True,
                     momentum=0.3, eps=1e-3)
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    expected = (x - mean[:, None]) / np.sqrt(var[:, None] + 1e-3) * weight[:, None] + bias[:, None]
    np.testing.assert_allclose(y.data, expected, atol=1e-12)
    assert running_mean.data is kept_mean and running_var.data is kept_var  # the same arrays, updated in place
    np.testing.assert_allclose(running_mean.data, 0.7 * 0.5 + 0.3 * mean)
    np.testing.assert_allclose(running_var.data, 0.7 * 2.0 + 0.3 * x.var(axis=(0, 2), ddof=1))
    evaluated = F.batch_norm(tg.Tensor(x), running_mean, running_var, eps=1e-3)  # training=False by default
    np.testing.assert_allclose(evaluated.data, (x - running_mean.data[:, None])
                               / np.sqrt(running_var.data[:, None] + 1e-3), atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_matches_pytorch(torch, training):
    x = rng.standard_normal((5, 4, 3, 2))
    weight, bias = rng.standard_normal(4), rng.standard_normal(4)
    ours = [tg.Tensor(np.abs(rng.standard_normal(4)) + i) for i in range(2)]
    theirs = [torch.tensor(t.data.copy()) for t in ours]
    x_ours, x_theirs = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w_ours, w_theirs = tg.Tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    y = F.batch_norm(x_ours, *ours, w_ours, tg.Tensor(bias), training, 0.2)
    expected = torch.nn.functional.batch_norm(x_theirs, *theirs, w_theirs, torch.tensor(bias), training, 0.2)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(x.shape)
    (y * tg.Tensor(g)).sum().backward()
    (expected * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(w_ours.grad.data, w_theirs.grad.numpy(), atol=1e-10)
    for mine, pytorch in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, pytorch.numpy(), atol=1e-12)


def test_functional_batch_norm_gradients_match_finite_differences():
    check_gradients(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), rng.standard_normal((4, 3, 2)),
                    rng.standard_normal(3), rng.standard_normal(3))
    running = tg.Tensor(rng.standard_normal(3)), tg.Tensor(np.abs(rng.standard_normal(3)) + 0.5)
    check_gradients(lambda x, w: F.batch_norm(x, *running, w, None, training=False), rng.standard_normal((4, 3)),
                    rng.standard_normal(3))


def test_functional_batch_norm_refuses_bad_arguments():
    x = tg.randn(4, 3)
    with pytest.raises(ValueError, match="must be given when training=False"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(tg.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(x, tg.zeros(4), tg.ones(3), training=True)
    with pytest.raises(ValueError, match="batch_norm: expected"):
        F.batch_norm(tg.randn(3), None, None, training=True)


@pytest.mark.parametrize(("make", "shape"), [("BatchNorm3d", (3, 4, 2, 3, 2)), ("InstanceNorm3d", (2, 4, 3, 2, 3))])
def test_three_dimensional_norms_match_pytorch(torch, make, shape):
    options = {"affine": True, "track_running_stats": True} if make == "InstanceNorm3d" else {"momentum": None}
    ours, theirs = getattr(nn, make)(4, **options), getattr(torch.nn, make)(4, **options)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    for _ in range(2):  # training updates the running statistics the same way
        compare_with_torch(torch, ours, theirs, [rng.standard_normal(shape)])
    ours.eval(), theirs.eval()
    compare_with_torch(torch, ours, theirs, [rng.standard_normal(shape)])
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match=make):
        ours(tg.randn(2, 4, 3))


# ----------------------------------------------------------------------------------------------- Bilinear
def test_bilinear_is_x1_w_x2_plus_b_and_matches_pytorch(torch):
    layer = nn.Bilinear(3, 4, 5, dtype=tg.float64)
    x1, x2 = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 4))
    expected = np.einsum("...i,oij,...j->...o", x1, layer.weight.data, x2) + layer.bias.data
    np.testing.assert_allclose(layer(tg.Tensor(x1), tg.Tensor(x2)).data, expected, atol=1e-12)
    for bias in (True, False):
        compare_with_torch(torch, nn.Bilinear(3, 4, 5, bias=bias), torch.nn.Bilinear(3, 4, 5, bias=bias), [x1, x2])
    assert str(nn.Bilinear(3, 4, 5)) == str(torch.nn.Bilinear(3, 4, 5))


def test_bilinear_initialisation_is_uniform_within_one_over_root_in1():
    tg.manual_seed(0)
    layer = nn.Bilinear(25, 3, 400)
    bound = 1 / 5
    assert layer.weight.shape == (400, 25, 3) and layer.bias.shape == (400,)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert abs(values.mean()) < 0.1 * bound
        assert abs(values.std() - bound / np.sqrt(3)) < 0.1 * bound  # the spread of U(−b, b)


def test_bilinear_gradients_match_finite_differences_and_bad_shapes_are_refused():
    check_gradients(F.bilinear, rng.standard_normal((4, 3)), rng.standard_normal((4, 2)),
                    rng.standard_normal((5, 3, 2)), rng.standard_normal(5))
    with pytest.raises(ValueError, match="bilinear: inputs"):
        F.bilinear(tg.randn(4, 3), tg.randn(5, 2), tg.randn(5, 3, 2))
    with pytest.raises(ValueError, match="weight must be"):
        F.bilinear(tg.randn(4, 3), tg.randn(4, 2), tg.randn(3, 2))


# ----------------------------------------------------------------------------------------------- adaptive 1-D pooling
def adaptive_windows_loops(x, out, reduce):
    """PyTorch's documented adaptive windows along the last axis: [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)."""
    length = x.shape[-1]
    return np.stack([reduce(x[..., int(np.floor(i * length / out)): int(np.ceil((i + 1) * length / out))], -1)
                     for i in range(out)], axis=-1)


@pytest.mark.parametrize(("length", "out"), [(7, 3), (5, 5), (4, 6), (10, 1)])
def test_adaptive_1d_pools_match_the_windows_written_out(length, out):
    x = rng.standard_normal((2, 3, length))
    np.testing.assert_allclose(F.adaptive_avg_pool1d(tg.Tensor(x), out).data,
                               adaptive_windows_loops(x, out, np.mean), atol=1e-12)
    values, indices = F.adaptive_max_pool1d(tg.Tensor(x), out, return_indices=True)
    np.testing.assert_allclose(values.data, adaptive_windows_loops(x, out, np.max))
    np.testing.assert_array_equal(np.take_along_axis(x, indices.data, -1), values.data)


@pytest.mark.parametrize("shape", [(2, 3, 7), (3, 7)])
def test_adaptive_1d_pool_layers_match_pytorch(torch, shape):
    x = rng.standard_normal(shape)
    compare_with_torch(torch, nn.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3), [x])
    compare_with_torch(torch, nn.AdaptiveMaxPool1d(4), torch.nn.AdaptiveMaxPool1d(4), [x])
    _, ours = nn.AdaptiveMaxPool1d(4, return_indices=True)(tg.Tensor(x))
    _, theirs = torch.nn.AdaptiveMaxPool1d(4, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_adaptive_1d_pool_gradients_and_errors():
    check_gradients(lambda x: F.adaptive_avg_pool1d(x, 3), rng.standard_normal((2, 2, 7)))
    check_gradients(lambda x: F.adaptive_max_pool1d(x, 3), rng.standard_normal((2, 2, 7)))
    with pytest.raises(ValueError, match="adaptive_avg_pool1d: expected a 2-D"):
        F.adaptive_avg_pool1d(tg.randn(2, 3, 4, 5), 2)
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_max_pool1d(tg.randn(2, 3, 4), 0)


def test_new_layers_keep_second_derivatives():
    """create_graph=True through fold, unfold, batch_norm and bilinear: the Hessian-vector product of a scalar of
    each matches finite differences of its gradient."""
    x = leaf(2, 8, 9, seed=3)
    w = leaf(5, 3, 4, seed=4)

    def scalar(v):
        y = F.fold(v, (5, 4), 2, padding=1, stride=2)
        z = F.batch_norm(F.unfold(y * y, 2), None, None, training=True)
        return (F.bilinear(z.transpose(1, 2)[..., :3], z.transpose(1, 2)[..., 4:8], w) ** 2).sum()

    (grad,) = tg.autograd.grad(scalar(x), [x], create_graph=True)
    direction = np.random.default_rng(5).standard_normal(x.shape)
    (grad * tg.Tensor(direction)).sum().backward()
    eps = 1e-6

    def gradient_at(values):
        point = tg.Tensor(values, requires_grad=True)
        return tg.autograd.grad(scalar(point), [point])[0].data

    numeric = (gradient_at(x.data + eps * direction) - gradient_at(x.data - eps * direction)) / (2 * eps)
    np.testing.assert_allclose(x.grad.data, numeric, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------- 3-D conv, pooling
def conv3d_loops(x, weight, bias, stride, padding, dilation, groups):
    """The definition of a 3-D cross-correlation, one output position at a time (zero padding on every side)."""
    x = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    n, _, *sizes = x.shape
    out_channels, group_channels, *kernel = weight.shape
    outs = [(size - d * (k - 1) - 1) // s + 1 for size, k, s, d in zip(sizes, kernel, stride, dilation)]
    y = np.zeros((n, out_channels, *outs))
    per_group = out_channels // groups
    for o, *position in itertools.product(range(out_channels), *(range(size) for size in outs)):
        g = o // per_group
        window = x[(slice(None), slice(g * group_channels, (g + 1) * group_channels),
                    *(slice(q * s, q * s + d * (k - 1) + 1, d) for q, s, d, k in zip(position, stride, dilation,
                                                                                     kernel)))]
        y[(slice(None), o, *position)] = (window * weight[o]).sum(axis=(1, 2, 3, 4)) + (0 if bias is None else bias[o])
    return y


CONV3D = [{}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": (1, 2, 1)},
          {"padding": "valid", "groups": 2},
          {"stride": (1, 2, 1), "padding": (1, 0, 2), "bias": False},
          {"padding": 1, "padding_mode": "reflect"}, {"padding": (0, 1, 1), "padding_mode": "circular", "groups": 2},
          {"padding": "same", "padding_mode": "replicate", "kernel_size": 2}]


@pytest.mark.parametrize("options", CONV3D, ids=str)
def test_conv3d_matches_pytorch(torch, options):
    options = {"kernel_size": 3, **options}
    x = rng.standard_normal((2, 4, 5, 6, 5))
    compare_with_torch(torch, nn.Conv3d(4, 6, **options), torch.nn.Conv3d(4, 6, **options), [x])
    compare_with_torch(torch, nn.Conv3d(4, 6, **options), torch.nn.Conv3d(4, 6, **options), [x[0]])  # unbatched


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups"), [((1, 1, 1), (0, 0, 0), (1, 1, 1), 1),
                                                                       ((2, 1, 3), (1, 2, 0), (1, 2, 1), 2)])
def test_conv3d_matches_the_definition_and_its_gradients_finite_differences(stride, padding, dilation, groups):
    x, weight, bias = rng.standard_normal((2, 4, 5, 6, 7)), rng.standard_normal((6, 4 // groups, 2, 3, 2)), \
        rng.standard_normal(6)
    y = F.conv3d(tg.Tensor(x), tg.Tensor(weight), tg.Tensor(bias), stride, padding, dilation, groups)
    np.testing.assert_allclose(y.data, conv3d_loops(x, weight, bias, stride, padding, dilation, groups), atol=1e-12)
    check_gradients(lambda a, w, b: F.conv3d(a, w, b, stride, padding, dilation, groups), x[:1, :, :4, :5, :4],
                    weight, bias)


def test_conv3d_initialisation_and_errors():
    tg.manual_seed(0)
    layer = nn.Conv3d(4, 64, (3, 2, 2), groups=2)
    bound = 1 / np.sqrt(2 * 3 * 2 * 2)  # fan_in = in/groups · kernel size
    assert layer.weight.shape == (64, 2, 3, 2, 2) and np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound and np.abs(layer.bias.data).max() <= bound
    with pytest.raises(ValueError, match="conv3d: expected a 4-D"):
        layer(tg.randn(4, 5, 5))
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv3d(4, 4, (3, 3))
    with pytest.raises(ValueError, match="larger than"):
        layer(tg.randn(1, 4, 2, 5, 5))
    with pytest.raises(ValueError, match="do not agree for groups=2"):
        F.conv3d(tg.randn(1, 3, 4, 4, 4), layer.weight, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv3d(tg.randn(1, 4, 4, 4, 4), layer.weight, padding="same", stride=2, groups=2)


POOL3D = [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
          {"kernel_size": (2, 3, 2), "ceil_mode": True},
          {"kernel_size": 3, "stride": (2, 1, 2), "padding": (1, 1, 0), "ceil_mode": True}]


@pytest.mark.parametrize("options", POOL3D, ids=str)
def test_3d_pools_match_pytorch(torch, options):
    x = rng.standard_normal((2, 3, 5, 6, 7))
    x[0, 0, :2, :2, :2] = 1.0  # a tie: the gradient goes to the first maximum, as PyTorch's
    compare_with_torch(torch, nn.MaxPool3d(**options), torch.nn.MaxPool3d(**options), [x])
    _, ours = F.max_pool3d(tg.Tensor(x), return_indices=True, **options)
    _, theirs = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **options)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    for count_include_pad in (True, False):
        compare_with_torch(torch, nn.AvgPool3d(**options, count_include_pad=count_include_pad),
                           torch.nn.AvgPool3d(**options, count_include_pad=count_include_pad), [x[0]])
    dilated = {**options, "dilation": (1, 2, 1)}
    compare_with_torch(torch, nn.MaxPool3d(**dilated), torch.nn.MaxPool3d(**dilated), [x])


def test_3d_pools_match_the_windows_and_their_gradients_finite_differences():
    x = rng.standard_normal((1, 2, 4, 6, 4))
    # windows (2, 3, 2) that tile the input exactly: (N, C, OD, OH, OW, 12)
    tiles = x.reshape(1, 2, 2, 2, 2, 3, 2, 2).transpose(0, 1, 2, 4, 6, 3, 5, 7).reshape(1, 2, 2, 2, 2, -1)
    np.testing.assert_allclose(F.max_pool3d(tg.Tensor(x), (2, 3, 2)).data, tiles.max(-1))
    np.testing.assert_allclose(F.avg_pool3d(tg.Tensor(x), (2, 3, 2)).data, tiles.mean(-1), atol=1e-12)
    np.testing.assert_allclose(F.avg_pool3d(tg.Tensor(x), (2, 3, 2), divisor_override=4).data, tiles.sum(-1) / 4,
                               atol=1e-12)
    check_gradients(lambda a: F.max_pool3d(a, 2, stride=1, padding=1), x)
    check_gradients(lambda a: F.avg_pool3d(a, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), x)
    with pytest.raises(ValueError, match="max_pool3d: expected a 4-D"):
        F.max_pool3d(tg.randn(2, 3, 4), 2)
    with pytest.raises(ValueError, match="avg_pool3d: pad should be at most half"):
        F.avg_pool3d(tg.Tensor(x), 2, padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        F.max_pool3d(tg.Tensor(x), (2, 2))


# ----------------------------------------------------------------------------------------------- more functions
def test_channel_shuffle_sends_channel_i_of_group_g_to_position_i_times_groups_plus_g(torch):
    x = rng.standard_normal((2, 6, 3))
    y = F.channel_shuffle(tg.Tensor(x), 3).data
    for o in range(6):  # output channel o is channel o // groups of group o % groups (2 channels per group)
        np.testing.assert_array_equal(y[:, o], x[:, (o % 3) * 2 + o // 3])
    compare_with_torch(torch, nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2), [x[None]])
    check_gradients(lambda a: F.channel_shuffle(a, 2), x)
    with pytest.raises(ValueError, match="> 2 dims"):
        F.channel_shuffle(tg.randn(2, 6), 2)
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.ChannelShuffle(4)(tg.Tensor(x))


def local_response_norm_loops(x, size, alpha, beta, k):
    """PyTorch's documented formula: b_c = a_c·(k + α/n·Σ a_c'²)^−β over c' from c − n//2 to c + (n−1)//2."""
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        window = x[:, max(0, c - size // 2): c + (size - 1) // 2 + 1]
        out[:, c] = x[:, c] * (k + alpha / size * (window ** 2).sum(axis=1)) ** -beta
    return out


@pytest.mark.parametrize(("size", "shape"), [(1, (2, 4, 3)), (2, (2, 5, 3, 2)), (3, (1, 4, 2, 2, 3)), (6, (2, 3, 4))])
def test_local_response_norm_matches_its_formula_and_pytorch(torch, size, shape):
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(F.local_response_norm(tg.Tensor(x), size, 0.3, 0.6, 1.5).data,
                               local_response_norm_loops(x, size, 0.3, 0.6, 1.5), atol=1e-12)
    compare_with_torch(torch, nn.LocalResponseNorm(size, 0.3, 0.6, 1.5), torch.nn.LocalResponseNorm(size, 0.3, 0.6,
                                                                                                     1.5), [x])
    check_gradients(lambda a: F.local_response_norm(a, size, 0.3, 0.6, 1.5), x)
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(tg.randn(2, 3), 2)


@pytest.mark.parametrize(("norm_type", "kernel", "stride", "ceil_mode"), [(2, 2, None, False), (3.0, (2, 3), 1, False),
                                                                          (1.5, 3, 2, True)])
def test_lp_pool_is_the_p_norm_of_each_window_and_matches_pytorch(torch, norm_type, kernel, stride, ceil_mode):
    x = np.abs(rng.standard_normal((2, 3, 6, 7))) + 0.1
    options = {"norm_type": norm_type, "kernel_size": kernel, "stride": stride, "ceil_mode": ceil_mode}
    compare_with_torch(torch, nn.LPPool2d(**options), torch.nn.LPPool2d(**options), [x])
    compare_with_torch(torch, nn.LPPool1d(**{**options, "kernel_size": 2}), torch.nn.LPPool1d(
        **{**options, "kernel_size": 2}), [x[:, :, 0]])
    check_gradients(lambda a: F.lp_pool2d(a, **options), x)
    tiles = x[:, :, :6, :6].reshape(2, 3, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 3, 4)
    np.testing.assert_allclose(F.lp_pool2d(tg.Tensor(x[:, :, :6, :6]), norm_type, 2).data,
                               (tiles ** norm_type).sum(-1) ** (1 / norm_type), atol=1e-12)


def test_rrelu_is_leaky_with_the_mean_slope_in_eval_and_samples_slopes_in_training(torch):
    x = rng.standard_normal(20000)
    middle = (0.1 + 0.3) / 2
    np.testing.assert_allclose(F.rrelu(tg.Tensor(x), 0.1, 0.3).data, np.where(x >= 0, x, middle * x))
    compare_with_torch(torch, nn.RReLU(0.1, 0.3).eval(), torch.nn.RReLU(0.1, 0.3).eval(), [x[:50]])
    layer = nn.RReLU(0.1, 0.3)  # training by default, as PyTorch
    tg.manual_seed(3)
    leaf_x = tg.Tensor(x, requires_grad=True)
    y = layer(leaf_x)
    tg.manual_seed(3)
    assert np.array_equal(layer(tg.Tensor(x)).data, y.data)  # the draws come from the seeded generator
    negative = x < 0
    slopes = y.data[negative] / x[negative]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and len(np.unique(slopes)) > 1000
    assert abs(slopes.mean() - middle) < 0.005 and abs(slopes.std() - 0.2 / np.sqrt(12)) < 0.005  # U(0.1, 0.3)
    np.testing.assert_array_equal(y.data[~negative], x[~negative])
    y.sum().backward()  # the gradient is the slope each element used
    np.testing.assert_allclose(leaf_x.grad.data, np.where(negative, y.data / np.where(negative, x, 1), 1.0))
    with pytest.raises(NotImplementedError, match="inplace"):
        nn.RReLU(inplace=True)
    with pytest.raises(ValueError, match="lower <= upper"):
        F.rrelu(tg.Tensor(x), 0.5, 0.2, training=True)


def test_gumbel_softmax_samples_the_softmax_distribution_and_hard_passes_the_soft_gradient():
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    tg.manual_seed(0)
    many = F.gumbel_softmax(tg.Tensor(np.broadcast_to(logits, (40000, 4)).copy()), tau=0.5).data
    np.testing.assert_allclose(many.sum(axis=-1), 1.0)
    frequencies = np.bincount(many.argmax(axis=-1), minlength=4) / len(many)  # the Gumbel-max trick
    np.testing.assert_allclose(frequencies, [0.1, 0.2, 0.3, 0.4], atol=0.01)  # ±4σ of a binomial frequency
    weights = rng.standard_normal((3, 5))
    grads = []
    for hard in (False, True):
        x = tg.Tensor(rng.standard_normal((3, 5)) if not grads else grads[0][0], requires_grad=True)
        tg.manual_seed(7)
        y = F.gumbel_softmax(x, tau=0.7, hard=hard, dim=0)
        (y * tg.Tensor(weights)).sum().backward()
        grads.append((x.data, y.data, x.grad.data))
    (_, soft, soft_grad), (_, hard_values, hard_grad) = grads
    np.testing.assert_array_equal(hard_values, soft == soft.max(axis=0))  # one-hot of the same sample's argmax
    np.testing.assert_allclose(hard_grad, soft_grad, atol=1e-12)  # straight-through: the soft sample's gradient
    # two equal logits at τ = 1: y₀ = σ(g₀ − g₁) with g₀ − g₁ ~ Logistic(0, 1), so y₀ is uniform on (0, 1)
    tg.manual_seed(1)
    first = F.gumbel_softmax(tg.zeros(40000, 2, dtype=tg.float64)).data[:, 0]
    np.testing.assert_allclose(np.quantile(first, [0.1, 0.25, 0.5, 0.75, 0.9]), [0.1, 0.25, 0.5, 0.75, 0.9],
                               atol=0.01)

    def seeded(a):  # the same noise on every call, so finite differences see a deterministic function
        tg.manual_seed(9)
        return F.gumbel_softmax(a, tau=0.7)

    check_gradients(seeded, rng.standard_normal((3, 5)))
    noise = tg.zeros(3, 5)
    with pytest.raises(ValueError, match="tau must be positive"):
        F.gumbel_softmax(noise, tau=0)


def multi_margin_loops(x, y, p, margin, weight):
    """PyTorch's definition, one sample and one class at a time."""
    out = np.zeros(len(x))
    for n, (row, label) in enumerate(zip(x, y)):
        for i in range(len(row)):
            if i != label:
                out[n] += (1 if weight is None else weight[label]) * max(0, margin - row[label] + row[i]) ** p
    return out / x.shape[1]


@pytest.mark.parametrize(("p", "weighted"), [(1, False), (2, True)])
def test_multi_margin_loss_matches_its_definition_and_pytorch(torch, p, weighted):
    x, y = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    weight = rng.random(4) + 0.5 if weighted else None
    np.testing.assert_allclose(F.multi_margin_loss(tg.Tensor(x), y, p, 0.8, weight, reduction="none").data,
                               multi_margin_loops(x, y, p, 0.8, weight), atol=1e-12)
    for reduction in F.REDUCTIONS:
        ours = nn.MultiMarginLoss(p, 0.8, None if weight is None else tg.Tensor(weight), reduction=reduction)
        theirs = torch.nn.MultiMarginLoss(p, 0.8, None if weight is None else torch.tensor(weight),
                                          reduction=reduction)
        compare_with_torch(torch, ours, theirs, [x, y])
        compare_with_torch(torch, ours, theirs, [x[0], y[:1].reshape(())])
    check_gradients(lambda a: F.multi_margin_loss(a, y, p, 0.8, weight, reduction="sum"), x)


def multilabel_margin_loops(x, y):
    """PyTorch's definition: the targets are the entries before the first −1 of each row."""
    out = np.zeros(len(x))
    for n, (row, labels) in enumerate(zip(x, y)):
        targets = list(labels[: list(labels).index(-1)] if -1 in labels else labels)
        for j in targets:
            for i in range(len(row)):
                if i not in targets:
                    out[n] += max(0, 1 - (row[j] - row[i]))
    return out / x.shape[1]


def test_multilabel_margin_losses_match_their_definitions_and_pytorch(torch):
    x = rng.standard_normal((5, 4))
    y = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 0, 1, 2], [1, 1, -1, 0], [2, -1, -1, -1]])
    np.testing.assert_allclose(F.multilabel_margin_loss(tg.Tensor(x), y, reduction="none").data,
                               multilabel_margin_loops(x, y), atol=1e-12)
    for reduction in F.REDUCTIONS:
        compare_with_torch(torch, nn.MultiLabelMarginLoss(reduction=reduction),
                           torch.nn.MultiLabelMarginLoss(reduction=reduction), [x, y])
    compare_with_torch(torch, nn.MultiLabelMarginLoss(), torch.nn.MultiLabelMarginLoss(), [x[0], y[0]])
    check_gradients(lambda a: F.multilabel_margin_loss(a, y, reduction="sum"), x + 0.05)
    with pytest.raises(ValueError, match="integer targets of the same shape"):
        F.multilabel_margin_loss(tg.Tensor(x), y[:, :3])
    with pytest.raises(ValueError, match=r"lie in \[0, 4\)"):
        F.multilabel_margin_loss(tg.Tensor(x), np.full((5, 4), 4))

    labels, weight = (rng.random((5, 4)) > 0.5).astype(float), rng.random(4)
    expected = -(labels * np.log(1 / (1 + np.exp(-x))) + (1 - labels) * np.log(1 / (1 + np.exp(x)))) * weight
    np.testing.assert_allclose(F.multilabel_soft_margin_loss(tg.Tensor(x), labels, weight, reduction="none").data,
                               expected.mean(axis=1), atol=1e-12)
    for reduction in F.REDUCTIONS:
        compare_with_torch(torch, nn.MultiLabelSoftMarginLoss(tg.Tensor(weight), reduction=reduction),
                           torch.nn.MultiLabelSoftMarginLoss(torch.tensor(weight), reduction=reduction), [x, labels])
    check_gradients(lambda a: F.multilabel_soft_margin_loss(a, labels, weight), x)


def test_multi_margin_loss_refuses_bad_arguments():
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(tg.randn(3, 4), [0, 1, 2], p=3)
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="targets must lie in"):
        F.multi_margin_loss(tg.randn(3, 4), [0, 1, 4])
    with pytest.raises(ValueError, match=r"expected \(N, C\) or \(C,\) input"):
        F.multi_margin_loss(tg.randn(3, 4, 2), [0, 1, 2])


@pytest.mark.parametrize("options", [{"scale_factor": 2}, {"size": (5, 7)}])
def test_upsampling_layers_are_pytorchs(torch, options):
    x = rng.standard_normal((2, 3, 4, 3))
    compare_with_torch(torch, nn.UpsamplingNearest2d(**options), torch.nn.UpsamplingNearest2d(**options), [x])
    compare_with_torch(torch, nn.UpsamplingBilinear2d(**options), torch.nn.UpsamplingBilinear2d(**options), [x])
    corners = nn.UpsamplingBilinear2d(**options)(tg.Tensor(x)).data
    np.testing.assert_allclose(corners[..., [0, -1], :][..., [0, -1]], x[..., [0, -1], :][..., [0, -1]])  # aligned


# ----------------------------------------------------------------------------------------------- unpooling, bags
@pytest.mark.parametrize(("kernel", "stride", "padding", "shape"), [(2, None, 0, (2, 3, 5, 6)), (3, 3, 1, (1, 2, 7, 7)),
                                                                    ((2, 3), (2, 3), 0, (2, 6, 6))])
def test_max_unpool2d_puts_each_maximum_back_as_pytorch(torch, kernel, stride, padding, shape):
    x = rng.standard_normal(shape)
    pooled, indices = F.max_pool2d(tg.Tensor(x), kernel, stride, padding, return_indices=True)
    layer, theirs = nn.MaxUnpool2d(kernel, stride, padding), torch.nn.MaxUnpool2d(kernel, stride, padding)
    out = compare_with_torch(torch, layer, theirs, [pooled.data, indices.data])[0]
    flat = out.reshape(*out.shape[:-2], -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, indices.data.reshape(*flat.shape[:-1], -1), -1),
                                  pooled.data.reshape(*flat.shape[:-1], -1))
    assert np.count_nonzero(out) == pooled.size  # the rest is zero (non-overlapping windows: distinct indices)
    bigger = tuple(n + 1 for n in out.shape[-2:])
    compare_with_torch(torch, layer, theirs, [pooled.data, indices.data], call=lambda m, a, i: m(a, i, bigger))
    check_gradients(lambda a: F.max_unpool2d(a, indices, kernel, stride, padding), pooled.data)


def test_max_unpool2d_sends_every_value_the_gradient_at_its_index_when_windows_overlap(torch):
    x = rng.standard_normal((1, 2, 5, 5))
    pooled, indices = F.max_pool2d(tg.Tensor(x), 3, 1, return_indices=True)  # overlapping: indices repeat
    assert len(np.unique(indices.data[0, 0])) < indices.data[0, 0].size
    upstream = rng.standard_normal((1, 2, 5, 5))
    values = tg.Tensor(pooled.data, requires_grad=True)
    out = F.max_unpool2d(values, indices, 3, 1, output_size=(5, 5))
    (out * tg.Tensor(upstream)).sum().backward()
    flat = upstream.reshape(1, 2, -1)
    expected = np.take_along_axis(flat, indices.data.reshape(1, 2, -1), -1).reshape(pooled.shape)  # a gather
    np.testing.assert_allclose(values.grad.data, expected, rtol=1e-12)
    theirs = torch.tensor(pooled.data, requires_grad=True)
    torch_out = torch.nn.functional.max_unpool2d(theirs, torch.tensor(indices.data), 3, 1, output_size=(5, 5))
    (torch_out * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(values.grad.data, theirs.grad.numpy(), rtol=1e-12)
    infinite = tg.Tensor(np.where(pooled.data > 0, np.inf, pooled.data), requires_grad=True)
    with pytest.raises(ValueError, match="need finite values"):
        F.max_unpool2d(infinite, indices, 3, 1, output_size=(5, 5))


def test_max_unpool2d_refuses_bad_arguments():
    pooled, indices = F.max_pool2d(tg.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match="indices must be integers shaped like the input"):
        F.max_unpool2d(pooled, indices.data[..., :1], 2)
    with pytest.raises(ValueError, match="must be within a stride of the default"):
        F.max_unpool2d(pooled, indices, 2, output_size=(6, 6))
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 16\)"):
        F.max_unpool2d(pooled, indices.data + 16, 2)
    with pytest.raises(ValueError, match="max_unpool2d: expected a 3-D"):
        F.max_unpool2d(pooled[0, 0], indices[0, 0], 2)


def embedding_bag_loops(weight, bags, mode, per_sample_weights=None, padding_idx=None):
    """One bag at a time, as PyTorch's documentation describes it: padding entries left out, empty bags zero."""
    out = np.zeros((len(bags), weight.shape[1]))
    for b, (indices, scales) in enumerate(bags):
        kept = [(i, 1.0 if per_sample_weights is None else s) for i, s in zip(indices, scales) if i != padding_idx]
        if not kept:
            continue
        rows = np.stack([weight[i] * s for i, s in kept])
        out[b] = {"sum": rows.sum, "mean": rows.mean, "max": rows.max}[mode](axis=0)
    return out


@pytest.mark.parametrize("mode", F.EMBEDDING_BAG_MODES)
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_matches_the_bags_written_out_and_pytorch(torch, mode, padding_idx):
    weight = rng.standard_normal((10, 3))
    flat, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0]), np.array([0, 4, 4, 7])
    scales = rng.standard_normal(10) if mode == "sum" else None
    bags = [(flat[a:b], (scales if scales is not None else np.ones(10))[a:b])
            for a, b in zip(offsets, [*offsets[1:], 10])]
    got = F.embedding_bag(flat, tg.Tensor(weight), offsets, mode=mode, padding_idx=padding_idx,
                          per_sample_weights=None if scales is None else tg.Tensor(scales))
    np.testing.assert_allclose(got.data, embedding_bag_loops(weight, bags, mode, scales, padding_idx), atol=1e-12)
    ours = nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx)
    theirs = torch.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx)
    compare_with_torch(torch, ours, theirs, [flat, offsets] + ([] if scales is None else [scales]))
    compare_with_torch(torch, ours, theirs, [flat.reshape(2, 5)])
    compare_with_torch(torch, nn.EmbeddingBag(10, 3, mode=mode, include_last_offset=True),
                       torch.nn.EmbeddingBag(10, 3, mode=mode, include_last_offset=True), [flat, np.array([0, 3, 10])])
    assert str(ours) == str(theirs)
    check_gradients(lambda w: F.embedding_bag(flat, w, offsets, mode=mode, padding_idx=padding_idx), weight)
    if scales is not None:
        check_gradients(lambda w, s: F.embedding_bag(flat, w, offsets, mode="sum", per_sample_weights=s), weight,
                        scales)


def test_embedding_bag_initialisation_and_errors():
    tg.manual_seed(0)
    layer = nn.EmbeddingBag(1000, 20, padding_idx=3)
    assert abs(layer.weight.data.std() - 1) < 0.02 and not layer.weight.data[3].any()  # N(0, 1), padding row zero
    flat = np.array([1, 2, 3])
    with pytest.raises(ValueError, match="offsets has to be None if input is 2D"):
        layer(flat.reshape(1, 3), np.array([0]))
    with pytest.raises(ValueError, match="with offsets"):
        layer(flat)
    with pytest.raises(ValueError, match="increasing integer sequence starting at 0"):
        layer(flat, np.array([1, 2]))
    with pytest.raises(ValueError, match="the last offset must be the input's length"):
        F.embedding_bag(flat, layer.weight, np.array([0, 2]), include_last_offset=True)
    with pytest.raises(ValueError, match="only supported for mode='sum'"):
        layer(flat, np.array([0]), per_sample_weights=tg.ones(3))
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.EmbeddingBag(10, 3, mode="median")
    with pytest.raises(IndexError, match=r"lie in \[0, 1000\)"):
        layer(np.array([1000]), np.array([0]))
    with pytest.raises(NotImplementedError, match="max_norm"):
        F.embedding_bag(flat, layer.weight, np.array([0]), max_norm=1.0)
