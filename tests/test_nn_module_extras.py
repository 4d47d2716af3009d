"""Module.apply, forward hooks, non-persistent buffers, ModuleDict/ParameterList/ParameterDict, and nn.utils (clipping,
flat parameter vectors): PyTorch's semantics, checked against PyTorch where it is installed and written-out rules."""

import math

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def tree(library):
    return library.nn.Sequential(library.nn.Linear(2, 3), library.nn.Sequential(library.nn.Tanh(),
                                                                                 library.nn.Linear(3, 1)))


def test_apply_visits_children_before_parents_in_pytorchs_order(torch):
    def order(model):
        seen = []
        assert model.apply(lambda m: seen.append(type(m).__name__)) is model
        return seen

    assert order(tree(tg)) == order(tree(torch)) == ["Linear", "Tanh", "Linear", "Sequential", "Sequential"]
    model = nn.Linear(3, 2)
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert not model.weight.data.any()


def test_forward_pre_hooks_and_hooks_replace_inputs_and_outputs_in_order():
    layer = nn.Linear(2, 2)
    calls = []
    first = layer.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    layer.register_forward_pre_hook(lambda m, args: calls.append("pre first"), prepend=True)
    layer.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    layer.register_forward_hook(lambda m, args, kwargs, out: calls.append(("kwargs", kwargs)), with_kwargs=True)
    out = layer(tg.ones(1, 2))
    np.testing.assert_allclose(out.data, layer.bias.data[None] + 1, rtol=1e-6)  # input zeroed, output + 1
    assert calls == ["pre first", "pre", "post", ("kwargs", {})]
    first.remove()
    np.testing.assert_allclose(layer(tg.ones(1, 2)).data, (tg.ones(1, 2) @ layer.weight.T + layer.bias + 1).data)


def test_pre_hook_with_kwargs_and_a_hook_that_is_always_called():
    layer = nn.Module()
    layer.forward = lambda x, scale=1.0: x * scale
    layer.register_forward_pre_hook(lambda m, args, kwargs: (args, {"scale": 3.0}), with_kwargs=True)
    assert layer(tg.Tensor([2.0])).item() == 6.0
    failing = nn.Module()
    failing.forward = lambda x: 1 / 0
    seen = []
    failing.register_forward_hook(lambda m, args, out: seen.append(out), always_call=True)
    failing.register_forward_hook(lambda m, args, out: seen.append("not called"))
    with pytest.raises(ZeroDivisionError):
        failing(tg.Tensor([1.0]))
    assert seen == [None]


def test_hooks_match_pytorch(torch):
    def run(library, x):
        layer = library.nn.Linear(2, 2)
        layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        layer.register_forward_hook(lambda m, args, out: out - args[0].sum())
        layer.load_state_dict({"weight": np.eye(2, dtype=np.float32) if library is tg else torch.eye(2),
                               "bias": np.ones(2, dtype=np.float32) if library is tg else torch.ones(2)})
        return np.asarray(layer(x).detach().numpy() if library is torch else layer(x).data)

    x = np.array([[1.0, 2.0]], dtype=np.float32)
    np.testing.assert_array_equal(run(tg, tg.Tensor(x)), run(torch, torch.from_numpy(x)))


def test_non_persistent_buffers_are_kept_out_of_the_state_dict(torch):
    def build(library):
        module = library.nn.Module()
        module.register_buffer("saved", (tg if library is tg else torch).zeros(2))
        module.register_buffer("scratch", (tg if library is tg else torch).zeros(2), persistent=False)
        return module

    ours, theirs = build(tg), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["saved"]
    assert [name for name, _ in ours.named_buffers()] == ["saved", "scratch"]
    ours.load_state_dict({"saved": np.ones(2, dtype=np.float32)})
    ours.scratch = tg.ones(3)  # a buffer may be replaced by another tensor
    assert list(ours.state_dict()) == ["saved"]
    with pytest.raises(TypeError, match="a Tensor \\(or None\\) is required"):
        ours.register_buffer("bad", np.zeros(2))


def test_containers_name_their_entries_as_pytorch(torch):
    def build(library):
        model = library.nn.Module()
        model.blocks = library.nn.ModuleDict({"encoder": library.nn.Linear(2, 2), "decoder": library.nn.Linear(2, 1)})
        model.scales = library.nn.ParameterList([library.nn.Parameter((tg if library is tg else torch).ones(2)),
                                                 (tg if library is tg else torch).zeros(3)])
        ones = (tg if library is tg else torch).ones(1)
        model.extra = library.nn.ParameterDict({"shift": library.nn.Parameter(ones)})
        return model

    ours, theirs = build(tg), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.scales[1], nn.Parameter) and ours.scales[1].requires_grad  # a plain tensor is wrapped
    assert list(ours.blocks) == ["encoder", "decoder"] and "encoder" in ours.blocks and len(ours.extra) == 1
    del ours.blocks["encoder"]
    ours.extra["tilt"] = tg.zeros(2)
    assert [name for name, _ in ours.named_parameters()][-3:] == ["scales.1", "extra.shift", "extra.tilt"]
    assert ours.extra.pop("shift").shape == (1,) and list(ours.extra.keys()) == ["tilt"]
    with pytest.raises(TypeError, match="ModuleDict holds Modules"):
        ours.blocks["x"] = tg.zeros(1)
    with pytest.raises(IndexError, match="out of range for ParameterList of length 2"):
        ours.scales[2]


# ----------------------------------------------------------------------------------------------- nn.utils
def with_grads(values):
    params = [nn.Parameter(np.zeros_like(v)) for v in values]
    for p, v in zip(params, values):
        p.grad = tg.Tensor(v.copy())
    return params


GRADS = [np.array([3.0, -4.0]), np.array([[1.0, 2.0], [-2.0, 0.5]])]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch_and_returns_the_norm_before_clipping(torch, norm_type, max_norm):
    ours = with_grads(GRADS)
    theirs = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in GRADS]
    for p, v in zip(theirs, GRADS):
        p.grad = torch.from_numpy(v.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    flat = np.concatenate([v.ravel() for v in GRADS])
    assert total.item() == pytest.approx(np.linalg.norm(flat, ord=norm_type)) == pytest.approx(expected.item())
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_refuses_a_non_finite_norm_when_asked_and_skips_missing_grads():
    params = [*with_grads([np.array([np.inf, 1.0])]), nn.Parameter(np.zeros(2))]
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(np.zeros(2))], 1.0).item() == 0.0


def test_clip_grad_value_and_flat_vectors():
    params = with_grads(GRADS)
    nn.utils.clip_grad_value_(params, 1.5)
    np.testing.assert_array_equal(params[0].grad.data, [1.5, -1.5])
    layer = nn.Linear(3, 2)
    vector = nn.utils.parameters_to_vector(layer.parameters())
    assert vector.shape == (8,) and vector.requires_grad
    np.testing.assert_array_equal(vector.data[:6], layer.weight.data.ravel())
    version = layer.weight._version
    nn.utils.vector_to_parameters(tg.arange(8).float(), layer.parameters())
    np.testing.assert_array_equal(layer.bias.data, [6, 7])
    assert layer.weight._version == version + 1  # an in-place change, tracked
    with pytest.raises(ValueError, match="vec has 3 elements, the parameters 8"):
        nn.utils.vector_to_parameters(tg.zeros(3), layer.parameters())


FACTORY_LAYERS = {  # PyTorch's layers whose constructors take device= and dtype=, with small arguments
    "Linear": (3, 4), "Embedding": (5, 3), "Conv1d": (2, 3, 3), "Conv2d": (2, 3, 3), "ConvTranspose2d": (2, 3, 3),
    "BatchNorm1d": (3,), "BatchNorm2d": (3,), "InstanceNorm1d": (3, 1e-5, 0.1, True),
    "InstanceNorm2d": (3, 1e-5, 0.1, True), "LayerNorm": (4,),
    "RMSNorm": (4,), "GroupNorm": (2, 4), "RNNCell": (3, 4), "LSTMCell": (3, 4), "GRUCell": (3, 4), "RNN": (3, 4),
    "LSTM": (3, 4), "GRU": (3, 4), "MultiheadAttention": (8, 2), "TransformerEncoderLayer": (8, 2, 16),
    "TransformerDecoderLayer": (8, 2, 16), "Transformer": (8, 2, 1, 1, 16), "PReLU": (),
}


@pytest.mark.parametrize("name", sorted(FACTORY_LAYERS))
def test_layers_take_pytorchs_device_and_dtype_keywords(name):
    """nn.Linear(3, 4, device=device, dtype=torch.float64), pasted: the CPU is the device; every floating parameter
    and buffer is made in the dtype (integer buffers such as a step counter keep theirs); other devices are refused."""
    layer = getattr(nn, name)
    made = layer(*FACTORY_LAYERS[name], device="cpu", dtype=np.float64)
    tensors = [*made.parameters(), *made.buffers()]
    assert tensors and all(t.dtype == np.float64 for t in tensors if t.dtype.kind == "f")
    assert all(t.dtype == np.float32 for t in layer(*FACTORY_LAYERS[name]).parameters())
    with pytest.raises(RuntimeError, match="no device 'cuda'"):
        layer(*FACTORY_LAYERS[name], device="cuda")


def test_layer_dtype_must_be_floating_and_device_dtype_go_by_keyword():
    with pytest.raises(TypeError, match="Linear: dtype must be a floating dtype"):
        nn.Linear(3, 4, dtype=np.int64)
    with pytest.raises(TypeError, match="pass device= and dtype= by keyword"):
        nn.Linear(3, 4, True, "cpu")


def test_assigning_a_tensor_to_a_parameters_data_takes_its_array_as_in_pytorch():
    """layer.weight.data = torch.ones(2, 3), pasted: the parameter computes with the new values (sharing the tensor's
    memory, as PyTorch's does) and gets gradients; a value that is not a tensor or an array is refused."""
    layer = nn.Linear(3, 2)
    ones = tg.ones(2, 3)
    layer.weight.data, layer.bias.data = ones, tg.zeros(2)
    x = tg.tensor([[1.0, 2.0, 3.0]])
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), [[6.0, 6.0]])  # each output is x's sum
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [[1.0, 2.0, 3.0]] * 2)  # ∂/∂W = x for each row
    assert type(layer.weight.data) is np.ndarray and np.shares_memory(layer.weight.data, ones.data)
    with pytest.raises(TypeError, match=r"Parameter\.data must be a Tensor or an ndarray, got list"):
        layer.weight.data = [[1.0, 2.0, 3.0]] * 2
    assert layer.weight.data is ones.data  # nothing changed
