"""Convolution, pooling and resizing: PyTorch's arguments and results (outputs and gradients compared with PyTorch's
on copied weights), finite differences in float64, and the choices PyTorch makes (which maximum gets the gradient,
what a padded window divides by, where an interpolated pixel comes from)."""

import numpy as np
import pytest
from gradients import check_closure_gradients, check_gradients, leaf
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def functional(torch, name, **kwargs):
    """A call for compare_with_torch that applies F.<name> of whichever library the input belongs to."""
    def call(_, x):
        library = torch.nn.functional if isinstance(x, torch.Tensor) else F
        return getattr(library, name)(x, **kwargs)
    return call


CONV2D = [
    {}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}, {"padding": "same", "kernel_size": 4},
    {"padding": "valid", "groups": 2}, {"groups": 2, "bias": False, "stride": 3}, {"padding": (1, 2), "stride": (2, 1)},
    {"padding": 2, "padding_mode": "reflect"}, {"padding": 1, "padding_mode": "replicate", "groups": 2},
    {"padding": (2, 1), "padding_mode": "circular"}, {"padding": "same", "padding_mode": "reflect", "kernel_size": 2},
]


@pytest.mark.parametrize("options", CONV2D, ids=str)
def test_conv2d_matches_pytorch(torch, options):
    options = {"kernel_size": 3, **options}
    theirs, ours = torch.nn.Conv2d(4, 6, **options), nn.Conv2d(4, 6, **options)
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((2, 4, 7, 6))])


@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": 2, "dilation": 2}, {"padding": "same", "groups": 3},
                                     {"padding": 1, "padding_mode": "circular"}], ids=str)
def test_conv1d_matches_pytorch_batched_and_unbatched(torch, options):
    theirs, ours = torch.nn.Conv1d(3, 6, 3, **options), nn.Conv1d(3, 6, 3, **options)
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((2, 3, 9))])
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((3, 9))])


@pytest.mark.parametrize("options", [{}, {"stride": 2}, {"stride": 2, "padding": 1, "output_padding": 1},
                                     {"stride": (3, 2), "padding": (2, 0), "dilation": 2, "groups": 2},
                                     {"padding": 2, "bias": False}], ids=str)
def test_conv_transpose2d_matches_pytorch(torch, options):
    theirs, ours = torch.nn.ConvTranspose2d(4, 6, 3, **options), nn.ConvTranspose2d(4, 6, 3, **options)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((2, 4, 5, 4))])


def test_conv_transpose2d_output_size_picks_the_output_padding(torch):
    theirs, ours = torch.nn.ConvTranspose2d(2, 3, 3, stride=2), nn.ConvTranspose2d(2, 3, 3, stride=2)
    outputs = compare_with_torch(torch, ours, theirs, [rng.standard_normal((1, 2, 4, 4))],
                                 call=lambda m, x: m(x, output_size=(10, 9)))
    assert outputs[0].shape == (1, 3, 10, 9)
    with pytest.raises(ValueError, match="valid sizes range from 9 to 10"):
        ours(tg.randn(1, 2, 4, 4), output_size=(11, 9))


def test_conv_gradients_match_finite_differences():
    conv = nn.Conv2d(4, 2, 2, stride=2, padding="valid", dilation=1, groups=2, padding_mode="zeros").double()
    x = leaf(1, 4, 5, 4)
    check_closure_gradients(lambda: conv(x), [x, conv.weight, conv.bias])
    transposed = nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2).double()
    y = leaf(1, 2, 3, 2)
    check_closure_gradients(lambda: transposed(y), [y, transposed.weight, transposed.bias])
    reflect = nn.Conv1d(2, 2, 3, padding=2, padding_mode="reflect").double()
    z = leaf(2, 2, 5)
    check_closure_gradients(lambda: reflect(z), [z, reflect.weight])


def test_conv_initialisation_and_errors():
    tg.manual_seed(0)
    conv = nn.Conv2d(8, 4, 3, groups=2)
    bound = 1 / np.sqrt(4 * 9)  # fan_in = in/groups · k²
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.weight.data).max() > 0.9 * bound
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="reflect padding"):
        nn.Conv1d(1, 1, 3, padding=4, padding_mode="reflect")(tg.randn(1, 1, 4))
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


# ----------------------------------------------------------------------------------------------- pooling
MAX_POOL = [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1}, {"kernel_size": 3, "ceil_mode": True,
            "stride": 2}, {"kernel_size": 2, "dilation": 2, "padding": 1}, {"kernel_size": (3, 2), "stride": (2, 1),
            "ceil_mode": True, "padding": (1, 0)}]


@pytest.mark.parametrize("options", MAX_POOL, ids=str)
def test_max_pool2d_matches_pytorch_with_indices(torch, options):
    x = rng.standard_normal((2, 3, 7, 6))
    outputs = compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [x],
                                 call=functional(torch, "max_pool2d", return_indices=True, **options))
    expected = torch.nn.functional.max_pool2d(torch.from_numpy(x), return_indices=True, **options)[1]
    np.testing.assert_array_equal(outputs[1], expected.numpy())


@pytest.mark.parametrize("options", [{"kernel_size": 3}, {"kernel_size": 3, "stride": 2, "padding": 1,
                                                          "ceil_mode": True}, {"kernel_size": 2, "dilation": 3}],
                         ids=str)
def test_max_pool1d_matches_pytorch(torch, options):
    compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [rng.standard_normal((2, 3, 10))],
                       call=functional(torch, "max_pool1d", return_indices=True, **options))


def test_tied_maxima_give_the_gradient_to_the_first_as_pytorch(torch):
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, -np.inf, 2.0], [2.0, 2.0, np.nan]]]])
    ours = tg.Tensor(x, requires_grad=True)
    F.max_pool2d(ours, 2, stride=1).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(theirs, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())
    everything_minus_inf = tg.Tensor(np.full((1, 1, 2, 2), -np.inf))
    _, index = F.max_pool2d(everything_minus_inf, 2, padding=1, return_indices=True)
    assert index.data[0, 0, 0, 0] == 0  # the window's first element in the input, never the padding


AVG_POOL = [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
            {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
            {"kernel_size": (2, 3), "divisor_override": 5}]


@pytest.mark.parametrize("options", AVG_POOL, ids=str)
def test_avg_pool2d_matches_pytorch(torch, options):
    compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [rng.standard_normal((2, 3, 7, 6))],
                       call=functional(torch, "avg_pool2d", **options))


def test_avg_pool1d_and_modules_match_pytorch(torch):
    compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [rng.standard_normal((2, 3, 9))],
                       call=functional(torch, "avg_pool1d", kernel_size=4, stride=3, padding=2, ceil_mode=True,
                                       count_include_pad=False))
    for ours, theirs in [(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1)),
                         (nn.AvgPool1d(3, ceil_mode=True), torch.nn.AvgPool1d(3, ceil_mode=True)),
                         (nn.MaxPool2d(2, ceil_mode=True), torch.nn.MaxPool2d(2, ceil_mode=True)),
                         (nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                          torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False))]:
        shape = (2, 3, 9) if isinstance(ours, (nn.MaxPool1d, nn.AvgPool1d)) else (2, 3, 7, 5)
        compare_with_torch(torch, ours, theirs, [rng.standard_normal(shape)])


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (4, 4), (5, None), 2])
def test_adaptive_pools_match_pytorch(torch, size):
    x = rng.standard_normal((2, 3, 7, 6))
    compare_with_torch(torch, nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), [x])
    outputs = compare_with_torch(torch, nn.AdaptiveMaxPool2d(size, return_indices=True),
                                 torch.nn.AdaptiveMaxPool2d(size, return_indices=True), [x])
    indices = torch.nn.AdaptiveMaxPool2d(size, return_indices=True)(torch.from_numpy(x))[1]
    np.testing.assert_array_equal(outputs[1], indices.numpy())


def test_pool_gradients_match_finite_differences():
    x = rng.standard_normal((1, 2, 5, 4))
    check_gradients(lambda a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False), x)
    check_gradients(lambda a: F.max_pool2d(a, 2, 1, dilation=2, padding=1), x)
    check_gradients(lambda a: F.adaptive_avg_pool2d(a, (3, 3)), x)
    check_gradients(lambda a: F.adaptive_max_pool2d(a, (2, 3)), x)


def test_pool_errors():
    with pytest.raises(ValueError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(tg.randn(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.avg_pool2d(tg.randn(1, 1, 2, 2), 3)


# ----------------------------------------------------------------------------------------------- interpolate
INTERPOLATE = [
    ({"scale_factor": 2, "mode": "nearest"}, (2, 3, 4, 5)), ({"size": (7, 3), "mode": "nearest"}, (2, 3, 4, 5)),
    ({"scale_factor": 1.7, "mode": "nearest"}, (1, 2, 5, 6)), ({"size": 9, "mode": "nearest"}, (2, 3, 4)),
    ({"scale_factor": 2, "mode": "bilinear"}, (2, 3, 4, 5)),
    ({"size": (7, 3), "mode": "bilinear", "align_corners": True}, (2, 3, 4, 5)),
    ({"scale_factor": 0.6, "mode": "bilinear"}, (1, 2, 6, 7)),
    ({"scale_factor": 1.5, "mode": "bilinear", "recompute_scale_factor": True}, (1, 2, 5, 4)),
    ({"size": 8, "mode": "linear", "align_corners": False}, (2, 3, 5)), ({"size": 1, "mode": "linear",
                                                                          "align_corners": True}, (2, 3, 5)),
    ({"scale_factor": (1.5, 0.7, 2), "mode": "nearest"}, (1, 2, 3, 5, 6)),
    ({"scale_factor": 1.2, "mode": "linear"}, (1, 2, 4)),
    ({"scale_factor": 1.7, "mode": "nearest-exact"}, (2, 3, 7)), ({"size": (9, 4), "mode": "nearest-exact"},
                                                                   (1, 2, 5, 6)),
    ({"scale_factor": (1.5, 0.7, 2.3), "mode": "nearest-exact"}, (1, 2, 3, 5, 6)),
    ({"scale_factor": 1.6, "mode": "trilinear"}, (2, 2, 3, 4, 5)),
    ({"size": (5, 2, 7), "mode": "trilinear", "align_corners": True}, (1, 2, 3, 4, 5)),
    ({"scale_factor": (1.2, 0.5, 2.3), "mode": "trilinear", "recompute_scale_factor": True}, (1, 2, 3, 4, 5)),
    ({"size": 3, "mode": "area"}, (2, 2, 7)), ({"scale_factor": 0.6, "mode": "area"}, (2, 2, 7, 5)),
    ({"size": (2, 3, 9), "mode": "area"}, (1, 2, 4, 7, 5)),
    ({"scale_factor": 1.7, "mode": "bicubic"}, (2, 2, 5, 6)),
    ({"size": (3, 11), "mode": "bicubic", "align_corners": True}, (1, 2, 5, 6)),
    ({"scale_factor": 0.4, "mode": "bicubic", "align_corners": False}, (1, 2, 7, 9)),
    ({"size": (3, 1), "mode": "bicubic"}, (1, 2, 1, 5)),
]


@pytest.mark.parametrize(("options", "shape"), INTERPOLATE, ids=str)
def test_interpolate_matches_pytorch(torch, options, shape):
    compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [rng.standard_normal(shape)],
                       call=functional(torch, "interpolate", **options))


def test_upsample_matches_pytorch_in_every_mode(torch):
    for options, shape in [({"mode": "bilinear", "align_corners": True}, (1, 2, 3, 3)),
                           ({"mode": "bicubic"}, (1, 2, 3, 4)), ({"mode": "nearest-exact"}, (1, 2, 3, 4)),
                           ({"mode": "trilinear"}, (1, 2, 3, 4, 2)), ({"mode": "area"}, (1, 2, 3, 4, 2))]:
        compare_with_torch(torch, nn.Upsample(scale_factor=1.5, **options),
                           torch.nn.Upsample(scale_factor=1.5, **options), [rng.standard_normal(shape)])


def test_interpolate_gradient_follows_the_forward_where_pytorch_backward_takes_a_shortcut(torch):
    """A scale factor of 1.2 keeps a length of 4 and one of 2.05 doubles a length of 10, but the forward still reads
    the input at s = 1/scale_factor; PyTorch's backward copies (or halves) the indices as if the factor were 1 (or 2),
    so the gradient here is checked against finite differences, the forward against PyTorch."""
    for options, shape in [({"mode": "nearest", "scale_factor": 1.2}, (1, 2, 4)),
                           ({"mode": "nearest", "scale_factor": 2.05}, (1, 2, 10)),
                           ({"mode": "bicubic", "scale_factor": 1.2}, (1, 2, 4, 4))]:
        x = rng.standard_normal(shape)
        ours = F.interpolate(tg.Tensor(x), **options)
        np.testing.assert_allclose(ours.data, torch.nn.functional.interpolate(torch.tensor(x), **options).numpy(),
                                   rtol=1e-12, atol=1e-12)
        check_gradients(lambda a, options=options: F.interpolate(a, **options), x)


def test_nearest_and_nearest_exact_source_indices_by_hand():
    """nearest reads ⌊i·s⌋, nearest-exact the pixel centre ⌊(i + ½)·s⌋, with s = n_in/n_out (or 1/scale_factor)."""
    up, down = np.arange(3.0), np.arange(5.0)
    cases = [("nearest", up, 5, [0, 0, 1, 1, 2]),        # i·0.6 = 0, 0.6, 1.2, 1.8, 2.4
             ("nearest-exact", up, 5, [0, 0, 1, 2, 2]),  # (i + ½)·0.6 = 0.3, 0.9, 1.5, 2.1, 2.7
             ("nearest", down, 3, [0, 1, 3]),            # i·5/3 = 0, 1.67, 3.33
             ("nearest-exact", down, 3, [0, 2, 4])]      # (i + ½)·5/3 = 0.83, 2.5, 4.17
    for mode, values, size, expected in cases:
        np.testing.assert_array_equal(F.interpolate(tg.Tensor(values[None, None]), size, mode=mode).data[0, 0],
                                      expected)
        grid = values[:, None] * 10 + values[None, :]
        np.testing.assert_array_equal(F.interpolate(tg.Tensor(grid[None, None]), size, mode=mode).data[0, 0],
                                      np.array(expected)[:, None] * 10 + np.array(expected)[None, :])
        cube = values[:, None, None] * 100 + values[None, :, None] * 10 + values[None, None, :]
        picked = np.array(expected)
        np.testing.assert_array_equal(F.interpolate(tg.Tensor(cube[None, None]), size, mode=mode).data[0, 0],
                                      picked[:, None, None] * 100 + picked[None, :, None] * 10 + picked[None, None, :])
    # a scale factor of 1.2 keeps 4 pixels but still reads ⌊i/1.2⌋ = 0, 0, 1, 2 (nearest) and ⌊(i + ½)/1.2⌋ = 0, 1, 2, 2
    for mode, expected in (("nearest", [0, 0, 1, 2]), ("nearest-exact", [0, 1, 2, 2])):
        out = F.interpolate(tg.Tensor(np.arange(4.0)[None, None]), scale_factor=1.2, mode=mode)
        np.testing.assert_array_equal(out.data[0, 0], expected)


def test_trilinear_reproduces_a_trilinear_function_exactly():
    """With align_corners=True output (i, j, k) sits at input coordinates (i, j, k)·(n_in − 1)/(n_out − 1), and
    trilinear interpolation of a function linear in each coordinate is exact."""
    def f(d, h, w):
        return 1 + 2 * d - h + 0.5 * w + d * h * w

    sizes, out = (3, 4, 5), (5, 7, 3)
    x = f(*np.meshgrid(*(np.arange(n, dtype=np.float64) for n in sizes), indexing="ij"))
    y = F.interpolate(tg.Tensor(x[None, None]), out, mode="trilinear", align_corners=True)
    coordinates = np.meshgrid(*(np.arange(m) * (n - 1) / (m - 1) for n, m in zip(sizes, out)), indexing="ij")
    np.testing.assert_allclose(y.data[0, 0], f(*coordinates), rtol=1e-12, atol=1e-12)


def test_area_of_an_integer_factor_is_the_block_mean():
    x = rng.standard_normal((2, 3, 4, 6, 8))
    blocks = x.reshape(2, 3, 2, 2, 3, 2, 4, 2).mean(axis=(3, 5, 7))
    np.testing.assert_allclose(F.interpolate(tg.Tensor(x), scale_factor=0.5, mode="area").data, blocks, rtol=1e-12)
    np.testing.assert_allclose(F.interpolate(tg.Tensor(x[:, :, 0]), (3, 2), mode="area").data,
                               x[:, :, 0].reshape(2, 3, 3, 2, 2, 4).mean(axis=(3, 5)), rtol=1e-12)
    np.testing.assert_allclose(F.interpolate(tg.Tensor(x[:, :, 0, 0]), 2, mode="area").data,
                               x[:, :, 0, 0].reshape(2, 3, 2, 4).mean(axis=3), rtol=1e-12)


def test_bicubic_by_keys_kernel_with_a_of_minus_three_quarters():
    """Keys' kernel K(s) = (a+2)|s|³ − (a+3)|s|² + 1 for |s| ≤ 1 and a|s|³ − 5a|s|² + 8a|s| − 4a for 1 < |s| < 2,
    a = −3/4: halfway between pixels K(½) = 19/32 and K(3/2) = −3/32, so an impulse spreads as below. Its four
    weights at fraction t sum to 1 and have first moment Σ_k w_k·(k − t) = (2a + 1)·t(1 − t)(2t − 1) (by hand), so a
    ramp comes back as the ramp at the source coordinate plus its slope times that term, where no tap is clamped."""
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1.0
    y = F.interpolate(tg.Tensor(impulse[None, None]), (13, 13), mode="bicubic", align_corners=True).data[0, 0]
    response = np.zeros(13)  # output 2i sits on input i, output 2i + 1 halfway between i and i + 1
    response[[6, 5, 7, 3, 9]] = [1.0, 19 / 32, 19 / 32, -3 / 32, -3 / 32]
    np.testing.assert_allclose(y, np.outer(response, response), atol=1e-12)

    def moment(source):
        t = source - np.floor(source)
        return (2 * -0.75 + 1) * t * (1 - t) * (2 * t - 1)

    x = 3 + 2 * np.arange(6.0)[:, None] - 0.5 * np.arange(8.0)[None, :]
    aligned = np.arange(11) * 5 / 10, np.arange(9) * 7 / 8  # dst · (n_in − 1)/(n_out − 1)
    areas = (np.arange(11) + 0.5) * 6 / 11 - 0.5, (np.arange(9) + 0.5) * 8 / 9 - 0.5  # (dst + ½) · n_in/n_out − ½
    for align_corners, (rows, cols) in ((True, aligned), (False, areas)):
        y = F.interpolate(tg.Tensor(x[None, None]), (11, 9), mode="bicubic", align_corners=align_corners).data[0, 0]
        expected = 3 + 2 * (rows + moment(rows))[:, None] - 0.5 * (cols + moment(cols))[None, :]
        inside = np.ix_((rows >= 1) & (rows < 4), (cols >= 1) & (cols < 6))
        assert y[inside].size >= 12
        np.testing.assert_allclose(y[inside], expected[inside], atol=1e-12)


@pytest.mark.parametrize(("options", "shape"), [
    ({"mode": "nearest-exact", "scale_factor": 1.7}, (1, 2, 5)),
    ({"mode": "nearest-exact", "scale_factor": (0.7, 1.5)}, (1, 1, 4, 3)),
    ({"mode": "nearest", "scale_factor": 1.3}, (1, 1, 2, 3, 3)),
    ({"mode": "trilinear", "scale_factor": 1.7}, (1, 1, 2, 3, 3)),
    ({"mode": "trilinear", "size": (3, 2, 4), "align_corners": True}, (1, 1, 2, 3, 3)),
    ({"mode": "area", "scale_factor": 0.7}, (1, 2, 5, 4)), ({"mode": "area", "size": (2, 3, 2)}, (1, 1, 3, 4, 5)),
    ({"mode": "bicubic", "scale_factor": 1.7}, (1, 2, 4, 3)),
    ({"mode": "bicubic", "scale_factor": 0.6, "align_corners": True}, (1, 1, 5, 6)),
], ids=str)
def test_interpolate_gradients_match_finite_differences(options, shape):
    check_gradients(lambda a: F.interpolate(a, **options), rng.standard_normal(shape))


def test_upsample_and_interpolate_errors():
    bad_calls = [
        (NotImplementedError, "mode 'lanczos' is not supported", (1, 1, 2, 2), {"mode": "lanczos"}),
        (ValueError, "mode 'bilinear' needs a 4-D input", (1, 1, 2), {"mode": "bilinear"}),
        (ValueError, "mode 'trilinear' needs a 5-D input", (1, 1, 2, 2), {"mode": "trilinear"}),
        (ValueError, "mode 'bicubic' needs a 4-D input", (1, 1, 2, 2, 2), {"mode": "bicubic"}),
        (ValueError, "mode 'area' needs a 3-D or 4-D or 5-D input", (1, 2), {"mode": "area"}),
        (ValueError, "align_corners option can only be set with the interpolating modes", (1, 1, 2, 2),
         {"align_corners": True}),
        (ValueError, "align_corners option can only be set", (1, 1, 2),
         {"mode": "nearest-exact", "align_corners": False}),
        (ValueError, "align_corners option can only be set", (1, 1, 2), {"mode": "area", "align_corners": True}),
        (ValueError, "Anti-alias option is restricted to bilinear and bicubic", (1, 1, 2, 2), {"antialias": True}),
        (NotImplementedError, "antialias=True is not supported", (1, 1, 2, 2), {"mode": "bicubic", "antialias": True}),
        (NotImplementedError, "antialias=True is not supported", (1, 1, 2, 2), {"mode": "bilinear", "antialias": True}),
        (ValueError, "recompute_scale_factor is not meaningful with an explicit size", (1, 1, 2, 2),
         {"size": 3, "scale_factor": None, "recompute_scale_factor": True}),
        (ValueError, "output sizes \\(0, 0\\); they must be positive", (1, 1, 2, 2), {"scale_factor": 0.4}),
        (ValueError, "only one of size or scale_factor", (1, 1, 2, 2), {"size": 3}),
        (ValueError, "only one of size or scale_factor", (1, 1, 2, 2), {"scale_factor": None}),
    ]
    for error, message, shape, options in bad_calls:
        with pytest.raises(error, match=message):
            F.interpolate(tg.randn(*shape), **{"scale_factor": 2, **options})
