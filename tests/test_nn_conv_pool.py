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
]


@pytest.mark.parametrize(("options", "shape"), INTERPOLATE, ids=str)
def test_interpolate_matches_pytorch(torch, options, shape):
    compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [rng.standard_normal(shape)],
                       call=functional(torch, "interpolate", **options))


def test_upsample_and_interpolate_errors(torch):
    compare_with_torch(torch, nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                       torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                       [rng.standard_normal((1, 2, 3, 3))])
    with pytest.raises(NotImplementedError, match="mode 'bicubic' is not supported"):
        F.interpolate(tg.randn(1, 1, 2, 2), scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(tg.randn(1, 1, 2, 2), scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(tg.randn(1, 1, 2, 2))
