"""RNN, LSTM, GRU and their cells: PyTorch's equations, gate order, parameter names and shapes (outputs and every
gradient compared with PyTorch's on copied weights), gradients against finite differences, errors."""

import math

import numpy as np
import pytest
from gradients import check_closure_gradients, leaf
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


LAYERS = ["RNN", "LSTM", "GRU"]
OPTIONS = [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True, "num_layers": 2}, {"bias": False}]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("kind", LAYERS)
def test_layers_match_pytorch_outputs_and_gradients(torch, kind, options):
    theirs, ours = getattr(torch.nn, kind)(3, 4, **options), getattr(nn, kind)(3, 4, **options)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = rng.standard_normal((2, 5, 3) if options.get("batch_first") else (5, 2, 3))
    compare_with_torch(torch, ours, theirs, [x])


def test_relu_rnn_matches_pytorch(torch):
    compare_with_torch(torch, nn.RNN(3, 4, nonlinearity="relu"), torch.nn.RNN(3, 4, nonlinearity="relu"),
                       [rng.standard_normal((5, 2, 3))])


@pytest.mark.parametrize("kind", LAYERS)
def test_initial_states_and_unbatched_input_match_pytorch(torch, kind):
    theirs, ours = getattr(torch.nn, kind)(3, 4, num_layers=2), getattr(nn, kind)(3, 4, num_layers=2)
    h0 = rng.standard_normal((2, 2, 4))
    state = (h0, rng.standard_normal((2, 2, 4))) if kind == "LSTM" else h0
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((5, 2, 3)), state])
    unbatched = (h0[:, 0], state[1][:, 0]) if kind == "LSTM" else h0[:, 0]
    outputs = compare_with_torch(torch, ours, theirs, [rng.standard_normal((5, 3)), unbatched])
    assert outputs[0].shape == (5, 4)


def test_lstm_projection_matches_pytorch(torch):
    theirs, ours = torch.nn.LSTM(3, 5, num_layers=2, proj_size=2), nn.LSTM(3, 5, num_layers=2, proj_size=2)
    assert ours.weight_hr_l1.shape == (2, 5) and ours.weight_hh_l0.shape == (20, 2)
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((4, 2, 3))])


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_pytorch_with_and_without_state(torch, kind):
    theirs, ours = getattr(torch.nn, kind)(3, 4), getattr(nn, kind)(3, 4)
    assert [n for n, _ in ours.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((2, 3))])
    state = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4))) if kind == "LSTMCell" else (
        rng.standard_normal((2, 4)))
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((2, 3)), state])
    compare_with_torch(torch, ours, theirs, [rng.standard_normal(3)])


@pytest.mark.parametrize("kind", LAYERS)
def test_gradients_match_finite_differences(kind):
    layer = getattr(nn, kind)(2, 3, bidirectional=True).double()
    x = leaf(4, 2, 2)
    check_closure_gradients(lambda: layer(x)[0], [x, *layer.parameters()])


def test_lstm_equations_written_out():
    """One step of LSTMCell against the gate equations in numpy (i, f, g, o order)."""
    cell = nn.LSTMCell(3, 2).double()
    x, h, c = rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    z = x @ cell.weight_ih.data.T + cell.bias_ih.data + h @ cell.weight_hh.data.T + cell.bias_hh.data
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = sigmoid(z[:, :2]), sigmoid(z[:, 2:4]), np.tanh(z[:, 4:6]), sigmoid(z[:, 6:])
    c_next = f * c + i * g
    h_got, c_got = cell(tg.Tensor(x), (tg.Tensor(h), tg.Tensor(c)))
    np.testing.assert_allclose(c_got.data, c_next, rtol=1e-12)
    np.testing.assert_allclose(h_got.data, o * np.tanh(c_next), rtol=1e-12)


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    tg.manual_seed(0)
    layer = nn.GRU(10, 400)
    bound = 1 / math.sqrt(400)
    for name, param in layer.named_parameters():
        assert param.dtype == np.float32 and np.abs(param.data).max() <= bound, name
        assert np.abs(param.data).max() > 0.99 * bound, name


def test_dropout_between_layers_only_in_training():
    tg.manual_seed(0)
    layer = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(6, 2, 3)
    layer.eval()
    first, second = layer(x)[0].data, layer(x)[0].data
    np.testing.assert_array_equal(first, second)
    layer.train()
    assert not np.allclose(layer(x)[0].data, first)


def test_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match=r"input\.size\(-1\) must be equal to input_size\. Expected 3, got 2"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 2))
    with pytest.raises(ValueError, match=r"Expected hidden size \(1, 2, 4\), got \(1, 3, 4\)"):
        nn.GRU(3, 4)(tg.randn(5, 2, 3), tg.randn(1, 3, 4))
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="LSTM: hx must be a tuple"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 3), tg.randn(1, 2, 4))
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"
