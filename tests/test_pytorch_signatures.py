"""PyTorch's signatures, read from PyTorch itself: a positional argument means here what it means there, and the
constructors' defaults (nn modules, optimizers) are PyTorch's, so a pasted line that leaves them out means the same."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias
from tinygrad_edu.optim import lr_scheduler

# numpy's spellings of PyTorch's names, and the first argument's names: the same slot, the same meaning
SAME_SLOT = {"axis": "dim", "keepdims": "keepdim", "x": "input", "self": "input"}
# PyTorch functions whose signature is a dispatcher's (*args, **kwargs): nothing to compare
DISPATCHERS = {"adaptive_max_pool1d", "adaptive_max_pool2d", "max_pool1d", "max_pool2d", "fractional_max_pool2d"}


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def positional_names(function) -> list[str] | None:
    """The names of ``function``'s positional parameters (self dropped), or None with no readable signature."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return None
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [SAME_SLOT.get(name, name) for name in names if name != "self"]


def slot_mismatches(theirs, ours) -> list[tuple[int, str, str]]:
    """Where a positional argument of PyTorch's lands here in a parameter of another name (fewer positional
    parameters here is fine: PyTorch's later ones are then refused, not misread)."""
    their_names, our_names = positional_names(theirs), positional_names(ours)
    if their_names is None or our_names is None:
        return []
    return [(i, a, b) for i, (a, b) in enumerate(zip(their_names, our_names)) if a != b]


def shared(ours, theirs, want) -> list[str]:
    return sorted(name for name in set(dir(ours)) & set(dir(theirs)) if not name.startswith("_")
                  and want(getattr(ours, name)) and want(getattr(theirs, name)))


def test_functional_positional_arguments_mean_what_they_mean_in_pytorch(torch):
    names = [name for name in shared(F, torch.nn.functional, inspect.isroutine) if name not in DISPATCHERS]
    assert len(names) > 60
    found = {name: slot_mismatches(getattr(torch.nn.functional, name), getattr(F, name)) for name in names}
    assert not {name: why for name, why in found.items() if why}


@pytest.mark.parametrize(("ours", "module"), [(nn, "nn"), (optim, "optim"), (lr_scheduler, "optim.lr_scheduler")])
def test_constructor_positional_arguments_mean_what_they_mean_in_pytorch(torch, ours, module):
    theirs = {"nn": torch.nn, "optim": torch.optim, "optim.lr_scheduler": torch.optim.lr_scheduler}[module]
    names = shared(ours, theirs, inspect.isclass)
    assert len(names) > 8
    found = {name: slot_mismatches(getattr(theirs, name).__init__, getattr(ours, name).__init__) for name in names}
    assert not {name: why for name, why in found.items() if why}


# (PyTorch's name, ours) in one slot that mean the same, or where ours refuses what PyTorch's would take
SAME_MEANING = {("func", "fn"), ("orig_func", "function"), ("param_group", "group"), ("check_nan", "mode"),
                ("grad_variables", "inputs")}


def test_method_positional_arguments_mean_what_they_mean_in_pytorch(torch):
    """Module's and Optimizer's methods, nn.init and autograd: the same slots (``named_parameters("net")`` is a
    prefix); ``backward``'s fifth slot is refused here whatever PyTorch reads there (``inputs`` is not supported)."""
    pairs = [(getattr(nn.Module, name), getattr(torch.nn.Module, name), f"Module.{name}")
             for name in shared(nn.Module, torch.nn.Module, callable)]
    pairs += [(getattr(optim.Optimizer, name), getattr(torch.optim.Optimizer, name), f"Optimizer.{name}")
              for name in shared(optim.Optimizer, torch.optim.Optimizer, callable)]
    pairs += [(getattr(nn.init, name), getattr(torch.nn.init, name), f"init.{name}")
              for name in shared(nn.init, torch.nn.init, inspect.isfunction)]
    pairs += [(getattr(tg.autograd, name), getattr(torch.autograd, name), f"autograd.{name}")
              for name in shared(tg.autograd, torch.autograd, callable)]
    assert len(pairs) > 50
    found = {label: [(i, a, b) for i, a, b in slot_mismatches(theirs, ours) if (a, b) not in SAME_MEANING]
             for ours, theirs, label in pairs}
    assert not {label: why for label, why in found.items() if why}


def test_optimizer_defaults_are_pytorchs(torch):
    """Every optimizer made with its parameters alone (and lr where PyTorch needs none) has PyTorch's defaults."""
    names = [name for name in shared(optim, torch.optim, inspect.isclass) if name != "Optimizer"]
    assert len(names) >= 9
    for name in names:
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))]).defaults
        ours = getattr(optim, name)([nn.Parameter(tg.zeros(2))]).defaults
        for key, value in ours.items():
            expected = theirs[key].item() if isinstance(theirs[key], torch.Tensor) else theirs[key]
            assert value == expected or tuple(value) == tuple(expected), (name, key, value, expected)


MODULES = [
    "LayerNorm(4)", "LayerNorm(4, 1e-3, False)", "LayerNorm(4, 1e-3, True, False)", "BatchNorm1d(3)",
    "BatchNorm2d(3, 1e-3, 0.2, False, False)", "InstanceNorm1d(3)", "InstanceNorm2d(3, 1e-3, 0.2, True, True)",
    "GroupNorm(2, 4)", "GroupNorm(2, 4, 1e-3, False)", "RMSNorm(4)", "RMSNorm(4, 1e-3, False)",
    "Linear(3, 4, False)", "Conv1d(2, 3, 3, 2, 1, 2, 1, False)", "Conv2d(2, 4, 3, 1, 'same', 1, 2, True, 'reflect')",
    "ConvTranspose2d(2, 3, 3, 2, 1, 1, 1, False, 2)", "Embedding(5, 3)", "Embedding(5, 3, 0)",
    "RNN(3, 4, 2, 'relu', False, True, 0.0, True)", "LSTM(3, 4, 2, True, True, 0.0, True, 2)",
    "GRU(3, 4, 2, False, True, 0.0, True)", "RNNCell(3, 4, False, 'relu')", "LSTMCell(3, 4, False)",
    "MultiheadAttention(4, 2, 0.1, False, True, True, None, None, True)",
    "TransformerEncoderLayer(4, 2, 8, 0.0, 'gelu', 1e-3, True, True, False)", "PReLU(2, 0.1)", "PReLU(1, 0.25, 'cpu')",
    "Hardtanh(-2.0, 3.0)", "LeakyReLU(0.3)", "ELU(0.5)", "CELU(0.5)", "Softplus(2.0, 10.0)", "Threshold(0.1, 20.0)",
    "Dropout(0.3)", "Flatten()", "Flatten(0, 1)", "Softmax(0)", "GELU('tanh')", "Hardshrink(0.3)", "Softshrink(0.3)",
    "CosineSimilarity()", "PairwiseDistance(1.0, 1e-3, True)", "MaxPool2d(3, 2, 1, 1, True, True)",
    "AvgPool2d(3, 2, 1, True, False, 2)", "Upsample(None, 2, 'bilinear', True)", "MSELoss(None, None, 'sum')",
    "CrossEntropyLoss(None, None, -1, None, 'sum', 0.1)", "NLLLoss()", "BCEWithLogitsLoss()", "HuberLoss('sum', 2.0)",
    "SmoothL1Loss(None, None, 'sum', 2.0)", "KLDivLoss(None, None, 'sum', True)", "TripletMarginLoss()",
    "PoissonNLLLoss(False, True, None, 1e-3, None, 'sum')", "GaussianNLLLoss()",
]


def shapes(named) -> dict[str, tuple[int, ...]]:
    return {name: tuple(value.shape) for name, value in named}


@pytest.mark.parametrize("call", MODULES)
def test_module_constructors_read_arguments_and_defaults_as_pytorch(torch, call):
    """The attributes both modules have are equal, and so are the parameters' and buffers' names and shapes."""
    theirs, ours = eval(f"torch.nn.{call}"), eval(f"nn.{call}")
    our_attributes = vars(ours)
    for name, value in vars(theirs).items():
        if name.startswith("_") or name == "training" or name not in our_attributes or callable(value):
            continue
        mine = our_attributes[name]
        same = mine == value or (isinstance(value, (tuple, list)) and tuple(mine) == tuple(value))
        assert same, (name, mine, value)
    assert shapes(ours.named_parameters()) == shapes(theirs.named_parameters())
    assert shapes(ours.named_buffers()) == shapes(theirs.named_buffers())
    for (_, mine), (_, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert str(mine.dtype) == str(reference.dtype).removeprefix("torch.")
        if call.startswith(("PReLU", "LayerNorm", "BatchNorm", "GroupNorm", "RMSNorm", "InstanceNorm")):
            np.testing.assert_array_equal(mine.data, reference.detach().numpy())  # initialised to constants
