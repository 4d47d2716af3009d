"""A module's registries (``_parameters``, ``_buffers``, ``_modules``) are mirrored into its ``__dict__`` so that
``module.weight`` is a plain attribute read. The mirror is a fast path: these tests edit the registries every way
PyTorch code does and check that attribute reads always give what the registry holds (the truth), never a stale
value; and that tensors and modules survive pickle and deepcopy with their own, consistent mirrors."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn.module import REGISTRIES


def _parameter(value: float, shape: tuple[int, ...] = (4, 3)) -> nn.Parameter:
    return nn.Parameter(tg.Tensor(np.full(shape, value, np.float32)))


def _assert_reads_match_registries(module: nn.Module, removed: tuple[str, ...] = ()) -> None:
    """Every registered name reads as the registry's object; every removed name is gone."""
    for registry in REGISTRIES:
        for name, value in getattr(module, registry).items():
            assert getattr(module, name) is value, f"{name} reads a stale value"
    for name in removed:
        with pytest.raises(AttributeError, match=name):
            getattr(module, name)


EDITS = {
    "setitem": (lambda r: r.__setitem__("weight", _parameter(5.0)), ()),
    "delitem": (lambda r: r.__delitem__("weight"), ("weight",)),
    "pop": (lambda r: r.pop("weight"), ("weight",)),
    "pop missing with default": (lambda r: r.pop("nothing", None), ()),
    "popitem": (lambda r: r.popitem(), ("bias",)),
    "popitem first": (lambda r: r.popitem(last=False), ("weight",)),
    "clear": (lambda r: r.clear(), ("weight", "bias")),
    "update": (lambda r: r.update({"weight": _parameter(2.0)}, bias=None), ()),
    "setdefault new": (lambda r: r.setdefault("extra", _parameter(1.0, (2,))), ()),
    "setdefault existing": (lambda r: r.setdefault("weight", _parameter(9.0)), ()),
}


@pytest.mark.parametrize("edit", EDITS)
def test_every_registry_edit_is_seen_by_attribute_reads(edit):
    layer = nn.Linear(3, 4)
    change, removed = EDITS[edit]
    change(layer._parameters)
    _assert_reads_match_registries(layer, removed)


def test_a_direct_registry_write_is_used_by_forward():
    layer = nn.Linear(3, 4)
    layer._parameters["weight"] = _parameter(1.0)
    layer._parameters["bias"] = _parameter(0.5, (4,))
    out = layer(tg.Tensor(np.ones((1, 3), np.float32)))
    np.testing.assert_array_equal(out.data, np.full((1, 4), 3.5, np.float32))  # 1·1·3 + 0.5


def test_in_place_or_keeps_the_fast_path():
    """``m._parameters |= {...}`` assigns the registry back to the module: it stays mirrored."""
    layer = nn.Linear(3, 4)
    new = _parameter(3.0)
    layer._parameters |= {"weight": new}
    assert layer.weight is new and layer.__dict__["weight"] is new


def test_a_plain_dict_in_place_of_a_registry_is_read_through_getattr_never_stale():
    layer = nn.Linear(3, 4)
    new = _parameter(7.0)
    layer._parameters = OrderedDict(weight=new)
    assert "weight" not in layer.__dict__  # the old mirror left with the old registry
    assert layer.weight is new
    with pytest.raises(AttributeError, match="bias"):
        _ = layer.bias
    layer._parameters["weight"] = _parameter(8.0)  # a plain dict: nothing to mirror, __getattr__ reads it
    assert float(layer.weight.data[0, 0]) == 8.0


def test_deleting_a_registry_drops_its_mirror():
    layer = nn.Linear(3, 4)
    del layer._buffers, layer._parameters
    assert "weight" not in layer.__dict__
    with pytest.raises(AttributeError):
        _ = layer.weight


def test_a_registry_shared_by_two_modules_is_read_right_by_both():
    """``b._parameters = a._parameters`` (as a shallow copy shares it): both modules see every later change."""
    a, b = nn.Linear(3, 4), nn.Linear(3, 4)
    b._parameters = a._parameters
    new = _parameter(4.0)
    a._parameters["weight"] = new
    assert a.weight is new and b.weight is new


def test_submodule_registry_edits_are_seen():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    sigmoid = nn.Sigmoid()
    model._modules["1"] = sigmoid
    assert getattr(model, "1") is sigmoid and model[1] is sigmoid
    model._modules.clear()
    assert len(model) == 0
    with pytest.raises(AttributeError):
        getattr(model, "0")


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))], ids=["deepcopy", "pickle"])
def test_a_copied_module_mirrors_its_own_registries(copier):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model[0].weight = nn.Parameter(tg.ones(4, 3))  # a Parameter over a Tensor's memory: it has a version counter
    copied = copier(model)
    _assert_reads_match_registries(copied[0])
    assert copied[0].weight is not model[0].weight
    copied[0]._parameters["weight"] = _parameter(0.0)  # changes the copy, not the original
    assert float(copied[0].weight.sum().item()) == 0.0
    assert float(model[0].weight.sum().item()) == 12.0
    x = tg.Tensor(np.ones((1, 3), np.float32))
    assert copied(x).shape == model(x).shape == (1, 2)


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))], ids=["deepcopy", "pickle"])
def test_a_copied_parameter_starts_without_a_gradient_as_in_pytorch(copier):
    """PyTorch's Parameter copies leave .grad behind: the copy's first backward is its gradient alone (here the
    closed form ∂Σ(xWᵀ + b)/∂W = column sums of x, for every output row), not added to the original's."""
    model = nn.Linear(2, 3)
    x = tg.Tensor(np.array([[1.0, 2.0], [3.0, -1.0]], np.float32))
    model(x).sum().backward()
    copied = copier(model)
    assert copied.weight.grad is None and copied.bias.grad is None and copied.weight.requires_grad
    assert model.weight.grad is not None  # the original keeps its own
    copied(x).sum().backward()
    np.testing.assert_array_equal(copied.weight.grad.data, np.tile([4.0, 1.0], (3, 1)))
    np.testing.assert_array_equal(copied.bias.grad.data, [2.0, 2.0, 2.0])


def test_copied_parameters_and_tensors_keep_their_gradients_as_in_pytorch():
    torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")

    def kept(lib, make, copier) -> bool:
        leaf = make(lib)
        (leaf * 2).sum().backward()
        return copier(leaf).grad is not None

    def parameter(lib):
        return lib.nn.Parameter(lib.ones(2))

    def pickled(leaf):
        return pickle.loads(pickle.dumps(leaf))

    assert kept(tg, parameter, copy.deepcopy) == kept(torch, parameter, copy.deepcopy) is False
    assert kept(tg, parameter, pickled) == kept(torch, parameter, pickled) is False
    plain = [lambda lib: lib.ones(2, requires_grad=True), copy.deepcopy]  # a plain leaf's deep copy keeps it
    assert kept(tg, *plain) == kept(torch, *plain) is True


def test_a_name_the_class_also_has_is_found_on_the_class_first_as_in_pytorch():
    """PyTorch reaches its registries only when Python's lookup fails: an entry written straight into a registry
    under a method's or a class attribute's name is read as the class's. The mirror must not change that."""
    modules = nn.ModuleList([nn.Linear(1, 1)])
    modules._modules["train"] = nn.Linear(1, 1)
    assert callable(modules.train) and modules.train.__self__ is modules  # the method, not the Linear
    modules.train(False)  # Module.train still works on a container holding a "train"
    assert modules.training is False and modules[0].training is False

    class Scaled(nn.Module):
        scale = 2.0

    module = Scaled()
    module._buffers["scale"] = tg.ones(1)
    assert module.scale == 2.0 and isinstance(module._buffers["scale"], tg.Tensor)


REGISTER = {
    "parameter": lambda m, name: m.register_parameter(name, _parameter(1.0, (2,))),
    "buffer": lambda m, name: m.register_buffer(name, tg.ones(2)),
    "module": lambda m, name: m.add_module(name, nn.Tanh()),
}


@pytest.mark.parametrize("kind", REGISTER)
@pytest.mark.parametrize(("name", "error", "message"), [
    ("train", KeyError, "attribute 'train' already exists"),  # a method
    ("training", KeyError, "attribute 'training' already exists"),  # a plain attribute
    ("a.b", KeyError, r'contain "\."'),
    ("", KeyError, "empty string"),
    (3, TypeError, "should be a string"),
])
def test_registering_a_name_follows_pytorchs_rules_and_changes_nothing(kind, name, error, message):
    module = nn.Linear(2, 2)
    before = {registry: dict(getattr(module, registry)) for registry in REGISTRIES}
    with pytest.raises(error, match=message):
        REGISTER[kind](module, name)
    assert {registry: dict(getattr(module, registry)) for registry in REGISTRIES} == before
    assert callable(module.train) and module.training is True


@pytest.mark.parametrize("kind", REGISTER)
def test_a_name_registered_as_another_kind_is_refused(kind):
    """Registering a buffer under a parameter's name moved it silently; PyTorch refuses, naming it."""
    module = nn.Linear(2, 2)
    module.register_buffer("stat", tg.zeros(2))
    taken = "weight" if kind != "parameter" else "stat"
    with pytest.raises(KeyError, match=f"attribute '{taken}' already exists"):
        REGISTER[kind](module, taken)
    assert isinstance(module.weight, nn.Parameter) and "stat" in module._buffers


def test_registering_again_under_the_same_kind_replaces():
    module = nn.Linear(2, 2)
    new = _parameter(3.0, (2, 2))
    module.register_parameter("weight", new)
    module.add_module("act", nn.Tanh())
    module.add_module("act", nn.ReLU())
    assert module.weight is new and isinstance(module.act, nn.ReLU)


def test_only_parameters_and_modules_are_registered_as_such():
    module = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"nn\.Parameter or None required"):
        module.register_parameter("extra", tg.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        module.add_module("extra", lambda x: x)
    assert "extra" not in module._parameters and "extra" not in module._modules
    with pytest.raises(KeyError, match="attribute 'train' already exists"):
        nn.ModuleDict({"train": nn.Linear(1, 1)})  # PyTorch refuses it too


def test_a_shallow_copy_of_a_registry_is_a_plain_dict_that_changes_nothing():
    layer = nn.Linear(3, 4)
    snapshot = copy.copy(layer._parameters)
    assert type(snapshot) is OrderedDict
    snapshot["weight"] = _parameter(6.0)
    assert layer.weight is layer._parameters["weight"] and layer.weight is not snapshot["weight"]


def test_assigning_a_parameter_to_a_method_name_is_refused_as_in_pytorch():
    """``m.train = nn.Parameter(...)`` goes through PyTorch's register_parameter, which refuses the name; a module
    or a plain value assigned there is accepted (PyTorch's __setattr__ skips the check for them)."""
    module = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="attribute 'train' already exists"):
        module.train = _parameter(1.0, (2,))
    assert "train" not in module._parameters and callable(module.train)
    stat = tg.zeros(2)
    module.register_buffer("stat", stat)
    module.stat = nn.Parameter(tg.ones(2))  # a buffer's name may become a parameter, as in PyTorch
    assert "stat" in module._parameters and "stat" not in module._buffers


def test_a_plain_attribute_of_the_same_name_is_read_first_as_in_pytorch():
    """An entry written straight into a registry under the name of a plain instance attribute: PyTorch's lookup
    finds the attribute before ``__getattr__``, so reads give it, before and after the entry goes."""
    layer = nn.Linear(2, 2)
    layer.note = "plain"
    layer._parameters["note"] = _parameter(1.0, (2,))
    assert layer.note == "plain"
    layer._parameters["note"] = _parameter(2.0, (2,))  # replacing the entry does not overwrite the attribute
    assert layer.note == "plain"
    del layer._parameters["note"]
    assert layer.note == "plain"
    layer._parameters["extra"] = _parameter(3.0, (2,))
    layer._parameters.clear()
    assert layer.note == "plain" and "extra" not in layer.__dict__
