"""Group, instance, layer and RMS norm, channel and alpha dropout, Embedding's padding_idx: PyTorch's results
(outputs and gradients on copied weights), finite differences, statistics of the random masks."""

import numpy as np
import pytest
from gradients import check_closure_gradients, leaf
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def randomized(module, seed=1):
    """``module`` with every parameter drawn at random (ones and zeros would hide a swapped weight and bias)."""
    values = np.random.default_rng(seed)
    for param in module.parameters():
        param.data[...] = values.standard_normal(param.shape)
    return module


@pytest.mark.parametrize(("make", "shape"), [
    (lambda m: m.GroupNorm(2, 4), (3, 4, 5)), (lambda m: m.GroupNorm(4, 4, affine=False), (2, 4, 3, 3)),
    (lambda m: m.InstanceNorm2d(3), (2, 3, 4, 5)), (lambda m: m.InstanceNorm2d(3, affine=True), (3, 4, 5)),
    (lambda m: m.InstanceNorm1d(3, affine=True), (2, 3, 6)), (lambda m: m.LayerNorm((3, 4), bias=False), (2, 3, 4)),
    (lambda m: m.RMSNorm(4), (2, 3, 4)), (lambda m: m.RMSNorm([3, 4], eps=1e-3), (2, 3, 4)),
], ids=["group", "group-no-affine", "instance", "instance-unbatched", "instance1d", "layer-no-bias", "rms",
        "rms-eps"])
def test_norms_match_pytorch(torch, make, shape):
    theirs, ours = make(torch.nn), make(nn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    with torch.no_grad():
        for param in theirs.parameters():
            param.normal_()
    compare_with_torch(torch, ours, theirs, [rng.standard_normal(shape) * 3 + 1])


def test_instance_norm_running_statistics_match_pytorch(torch):
    theirs = torch.nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3)
    ours = nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3)
    x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
    compare_with_torch(torch, ours, theirs, [x])  # training: instance statistics, running ones updated
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-6)
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(tg.Tensor(x)).data, expected, rtol=1e-6, atol=1e-7)


def test_instance_norm_with_momentum_none_keeps_its_running_statistics_as_pytorch():
    """PyTorch's InstanceNorm passes momentum=None on as 0: the running statistics stay at their start (0 and 1)."""
    layer = nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    for _ in range(2):
        layer(tg.tensor(rng.standard_normal((2, 3, 5)) * 3 + 1))
    assert layer.running_mean.tolist() == [0.0, 0.0, 0.0] and layer.running_var.tolist() == [1.0, 1.0, 1.0]


def test_norm_gradients_match_finite_differences():
    for layer, shape in [(nn.GroupNorm(2, 4), (2, 4, 3)), (nn.RMSNorm(3), (2, 3)),
                         (nn.InstanceNorm2d(2, affine=True), (2, 2, 2, 3))]:
        layer = randomized(layer.double())
        x = leaf(*shape)
        check_closure_gradients(lambda layer=layer, x=x: layer(x), [x, *layer.parameters()])


def test_rms_norm_is_x_over_root_mean_square_with_the_dtypes_eps():
    x = tg.Tensor(np.array([[3.0, 4.0]], dtype=np.float32))
    expected = np.array([[3.0, 4.0]]) / np.sqrt(12.5 + np.finfo(np.float32).eps)
    np.testing.assert_allclose(nn.RMSNorm(2)(x).data, expected, rtol=1e-6)


def test_group_norm_errors():
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 4\) expects \(N, 4, ...\)"):
        nn.GroupNorm(2, 4)(tg.randn(2, 3, 5))


# ----------------------------------------------------------------------------------------------- dropout
def test_channel_dropout_drops_whole_channels_and_rescales():
    tg.manual_seed(0)
    x = tg.ones(50, 40, 3, 3)
    y = nn.Dropout2d(0.3)(x).data
    per_channel = y.reshape(50, 40, -1)
    assert ((per_channel == 0).all(axis=-1) | (per_channel == 1 / 0.7).all(axis=-1)).all()
    assert 0.25 < (per_channel[..., 0] == 0).mean() < 0.35
    y1 = nn.Dropout1d(0.5)(tg.ones(30, 20, 7)).data
    assert ((y1 == 0).all(axis=-1) | (y1 == 2).all(axis=-1)).all()
    sample = x[0]
    assert nn.Dropout1d(0.5).eval()(sample) is sample
    with pytest.warns(UserWarning, match="taken as \\(N, C, L\\)"):
        y3 = F.dropout2d(tg.ones(10, 30, 4), 0.5).data
    assert ((y3 == 0).all(axis=-1) | (y3 == 2).all(axis=-1)).all()


def test_alpha_dropout_keeps_mean_zero_and_variance_one():
    tg.manual_seed(0)
    x = tg.Tensor(np.random.default_rng(0).standard_normal(400_000))
    y = nn.AlphaDropout(0.2)(x).data
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    alpha, p = -1.7580993408473766, 0.2  # −λα of SELU
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    dropped = np.isclose(y, a * alpha * (1 - p))  # where every dropped value lands
    assert 0.19 < dropped.mean() < 0.21
    assert nn.AlphaDropout(0.2).eval()(x) is x and F.alpha_dropout(x, 0.2) is x  # PyTorch's default training=False


def test_dropout_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(NotImplementedError, match="in-place"):
        nn.Dropout(0.5, inplace=True)


# ----------------------------------------------------------------------------------------------- embedding
def test_embedding_padding_idx_starts_at_zero_and_gets_no_gradient_as_pytorch(torch):
    theirs, ours = torch.nn.Embedding(6, 3, padding_idx=-2), nn.Embedding(6, 3, padding_idx=-2)
    assert ours.padding_idx == 4 and not ours.weight.data[4].any()
    ids = np.array([[4, 1, 4], [0, 4, 5]])
    compare_with_torch(torch, ours, theirs, [ids])
    assert not ours.weight.grad.data[4].any() and ours.weight.grad.data[1].any()
    assert repr(ours) == "Embedding(6, 3, padding_idx=4)"


def test_embedding_from_pretrained_copies_and_freezes():
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    table[0, 0] = 99
    assert frozen.weight.data[0, 0] == 0
    trainable = nn.Embedding.from_pretrained(tg.Tensor(table), freeze=False)
    trainable(np.array([2])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.data, [[0, 0], [0, 0], [1, 1]])
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(3, 2, max_norm=1.0)


def test_embedding_bag_from_pretrained_takes_pytorchs_argument_order():
    """EmbeddingBag.from_pretrained's third argument is max_norm (not Embedding's padding_idx), then mode, ...:
    checked against the bags reduced by hand."""
    table = np.arange(12.0).reshape(4, 3)
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.EmbeddingBag.from_pretrained(table, True, 2)
    bags = np.array([[0, 1], [2, 1]])
    ours = nn.EmbeddingBag.from_pretrained(table, False, None, 2.0, False, "sum", False, False, 1)
    np.testing.assert_array_equal(ours(bags).data, [table[0], table[2]])  # row 1 is padding: left out of each sum
    assert ours.mode == "sum" and ours.padding_idx == 1 and ours.weight.requires_grad
    maxed = nn.EmbeddingBag.from_pretrained(tg.Tensor(table), mode="max")
    np.testing.assert_array_equal(maxed(bags).data, [table[1], table[2]])
    assert not maxed.weight.requires_grad


def test_embedding_bag_from_pretrained_as_pytorch(torch):
    table, bags = np.arange(12.0).reshape(4, 3), np.array([[0, 1], [2, 1]])
    ours = nn.EmbeddingBag.from_pretrained(table, False, None, 2.0, False, "sum", False, False, 1)
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), False, None, 2.0, False, "sum", False, False, 1)
    compare_with_torch(torch, ours, theirs, [bags])
