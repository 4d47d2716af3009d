"""The way out to PyTorch and back: a model's state dict saved here (.safetensors or .npz) loads into the same
architecture written in PyTorch and gives the same outputs, and the reverse. PyTorch is the independent truth."""

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn

torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
safetensors_torch = require_module("safetensors.torch", "pip install 'tinygrad_edu[interop]'")
tnn = torch.nn


def cnn_here():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.Flatten(), nn.Linear(24, 10), nn.LayerNorm(10),
                         nn.BatchNorm1d(10), nn.Tanh(), nn.Linear(10, 3))


def cnn_torch():
    return tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(), tnn.MaxPool2d(2),
                          tnn.Conv2d(4, 6, 3, stride=2, padding=1), tnn.Flatten(), tnn.Linear(24, 10),
                          tnn.LayerNorm(10), tnn.BatchNorm1d(10), tnn.Tanh(), tnn.Linear(10, 3))


def embedding_here():
    return nn.Sequential(nn.Embedding(12, 5), nn.LayerNorm(5), nn.Flatten(), nn.Linear(15, 4))


def embedding_torch():
    return tnn.Sequential(tnn.Embedding(12, 5), tnn.LayerNorm(5), tnn.Flatten(), tnn.Linear(15, 4))


MODELS = {"cnn": (cnn_here, cnn_torch, lambda rng: rng.standard_normal((5, 1, 8, 8)).astype(np.float32)),
          "embedding": (embedding_here, embedding_torch, lambda rng: rng.integers(0, 12, size=(5, 3)))}
def trained_here(name):
    """A model whose weights, biases and running statistics all moved away from their initial values."""
    make_here, _, make_input = MODELS[name]
    tg.manual_seed(0)
    model = make_here()
    rng = np.random.default_rng(1)
    for param in model.parameters():  # LayerNorm/BatchNorm start at ones and zeros: give every entry a value
        param.data[...] = rng.standard_normal(param.shape).astype(param.dtype)
    model.train()
    for _ in range(2):
        model(make_input(rng))
    return model.eval()


def trained_torch(name):
    _, make_torch, make_input = MODELS[name]
    torch.manual_seed(0)
    model = make_torch()
    with torch.no_grad():
        for param in model.parameters():
            param.normal_()
        model.train()
        rng = np.random.default_rng(2)
        for _ in range(2):
            model(torch.from_numpy(make_input(rng)))
    return model.eval()


def outputs(model_here, model_torch, x):
    with torch.no_grad():
        expected = model_torch(torch.from_numpy(x)).numpy()
    return model_here(x).data, expected


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("name", MODELS)
def test_a_model_saved_here_loads_into_pytorch_and_gives_the_same_outputs(tmp_path, name, suffix):
    here = trained_here(name)
    tg.save(here.state_dict(), tmp_path / f"model{suffix}")
    if suffix == ".safetensors":
        state = safetensors_torch.load_file(tmp_path / "model.safetensors")  # PyTorch's side needs no tinygrad_edu
    else:
        state = {key: torch.from_numpy(value) for key, value in tg.load(tmp_path / "model.npz").items()}
    theirs = MODELS[name][1]().eval()
    theirs.load_state_dict(state)  # strict: every key, num_batches_tracked included
    got, expected = outputs(here, theirs, MODELS[name][2](np.random.default_rng(3)))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("route", ["safetensors", "npz", "direct"])
@pytest.mark.parametrize("name", MODELS)
def test_a_pytorch_state_dict_loads_here_and_gives_the_same_outputs(tmp_path, name, route):
    theirs = trained_torch(name)
    if route == "safetensors":
        safetensors_torch.save_file(theirs.state_dict(), tmp_path / "model.safetensors")
        state = tg.load(tmp_path / "model.safetensors")
    elif route == "npz":
        tg.save({key: value.numpy() for key, value in theirs.state_dict().items()}, tmp_path / "model.npz")
        state = tg.load(tmp_path / "model.npz")
    else:
        state = theirs.state_dict()  # torch tensors convert through __array__
    here = MODELS[name][0]().eval()
    here.load_state_dict(state)  # strict: every key, num_batches_tracked included
    got, expected = outputs(here, theirs, MODELS[name][2](np.random.default_rng(4)))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_counts_its_training_batches_and_momentum_none_averages_them_as_pytorch(momentum):
    """num_batches_tracked counts training batches only (int64, as PyTorch); momentum=None makes the running
    statistics the plain average of every batch's (factor 1/batches)."""
    here, theirs = tg.nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)
    batches = [np.random.default_rng(seed).standard_normal((5, 3)).astype(np.float32) * (seed + 1) for seed in range(3)]
    for x in batches:
        here(tg.Tensor(x))
        theirs(torch.from_numpy(x))
    here.eval()
    here(tg.Tensor(batches[0]))  # evaluation counts nothing
    assert here.num_batches_tracked.dtype == np.int64 and int(here.num_batches_tracked.data) == 3
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(here.state_dict()[key], value.numpy(), rtol=1e-6, atol=1e-7, err_msg=key)
    if momentum is None:  # the closed form: the average of the three batches' means
        np.testing.assert_allclose(here.running_mean.data, np.mean([x.mean(axis=0) for x in batches], axis=0),
                                   rtol=1e-5, atol=1e-6)


def test_training_mode_batch_norm_and_its_running_statistics_agree_with_pytorch():
    """The batch statistics path (biased variance to normalise, unbiased to update the running one) as PyTorch."""
    theirs = trained_torch("cnn")
    here = cnn_here()
    here.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(5).standard_normal((6, 1, 8, 8)).astype(np.float32)
    here.train()
    theirs.train()
    got, expected = outputs(here, theirs, x)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(here.state_dict()[key], value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)


def test_float64_models_agree_to_rounding():
    here = trained_here("cnn").double()
    theirs = cnn_torch().double().eval()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in here.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((4, 1, 8, 8))
    got, expected = outputs(here, theirs, x)
    assert got.dtype == expected.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
