"""Module: registration, traversal and names, modes, state dicts (and their errors), repr, module scope."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.heads = nn.ModuleList([nn.Linear(2, 1), nn.Linear(2, 1)])
        self.note = "plain attribute"

    def forward(self, x):
        h = self.encoder(x) * self.scale
        return sum(head(h) for head in self.heads)


def snapshot(module):
    return {k: v.copy() for k, v in module.state_dict().items()}


def test_parameter_is_a_tensor_leaf_that_works_as_op_input_and_receives_grad():
    p = nn.Parameter([1.0, 2.0])
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.is_leaf and p.dtype == np.float32
    assert isinstance(p, nn.Parameter) and not isinstance(tg.Tensor([1.0], requires_grad=True), nn.Parameter)
    y = (p * p).sum() + (p @ tg.Tensor([1.0, 1.0]))
    assert y.requires_grad and not isinstance(y, nn.Parameter) and not isinstance(p.detach(), nn.Parameter)
    assert type(p * 2) is tg.Tensor and repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    y.backward()
    np.testing.assert_allclose(p.grad.data, 2 * p.data + 1)
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    source = tg.Tensor(np.arange(2.0))
    shared = nn.Parameter(source)  # as PyTorch: a Parameter of a tensor shares its memory and its version counter
    shared.data[0] = 5.0
    assert source.data[0] == 5.0 and shared.dtype == np.float64 and shared.version_counter is source.version_counter
    values = np.arange(2.0)
    nn.Parameter(values).data[0] = 5.0
    assert values[0] == 0.0  # other data is copied
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(tg.Tensor([1, 2]))


def test_named_parameters_use_pytorch_dotted_names_and_registration_order():
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["scale", "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                     "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    block = Block()
    assert len(list(block.parameters())) == 9
    assert [type(c).__name__ for c in block.children()] == ["Sequential", "ModuleList"]
    assert [name for name, _ in block.named_modules()] == ["", "encoder", "encoder.0", "encoder.1", "encoder.2",
                                                           "heads", "heads.0", "heads.1"]
    assert block.note == "plain attribute" and "note" not in dict(block.named_parameters())


def test_shared_parameters_are_listed_once_and_reassignment_replaces():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    layer = nn.Linear(2, 2)
    new_weight = nn.Parameter(np.zeros((2, 2), dtype=np.float32))
    layer.weight = new_weight
    assert dict(layer.named_parameters())["weight"] is new_weight
    with pytest.raises(TypeError, match="'weight'"):
        layer.weight = tg.zeros(2, 2)  # a plain tensor cannot silently replace a parameter
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    del layer.weight
    assert list(layer.parameters()) == []


def test_assigning_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"Module.__init__\(\)"):
        Broken()


def test_train_eval_zero_grad_and_requires_grad():
    block = Block()
    assert block.training and all(m.training for m in block.modules())
    assert block.eval() is block and not any(m.training for m in block.modules())
    block.train()
    assert block.heads[1].training
    block(tg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad(set_to_none=False)
    assert all((p.grad.data == 0).all() for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())
    block.requires_grad_(False)
    assert not any(p.requires_grad for p in block.parameters())


def test_state_dict_is_a_copy_and_load_state_dict_round_trips():
    a, b = Block(), Block()
    state = a.state_dict()
    assert list(state) == [name for name, _ in a.named_parameters()]
    state["scale"][...] = 7  # a copy: the model is untouched
    assert (a.scale.data == 1).all()
    weight_object = b.encoder[0].weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)
    assert b.encoder[0].weight is weight_object  # values copied in place: optimizers keep their references


def test_state_dict_includes_batchnorm_buffers():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                        "1.running_var", "1.num_batches_tracked"]
    assert [name for name, _ in model.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]


@pytest.mark.parametrize("break_it", ["missing", "unexpected", "shape"])
def test_load_state_dict_errors_name_the_key_and_leave_the_module_unchanged(break_it):
    model, before = Block(), None
    before = snapshot(model)
    state = Block().state_dict()
    if break_it == "missing":
        del state["heads.1.bias"]
        pattern = r"missing key 'heads.1.bias' \(expected shape \(1,\)\)"
    elif break_it == "unexpected":
        state["heads.2.weight"] = np.zeros((1, 2))
        pattern = r"unexpected key 'heads.2.weight' \(shape \(1, 2\)\)"
    else:
        state["heads.1.weight"] = np.zeros((2, 2))  # the last key: everything before it would be valid
        pattern = r"'heads.1.weight': shape \(2, 2\) in the state dict, \(1, 2\) in the model"
    with pytest.raises(RuntimeError, match=pattern):
        model.load_state_dict(state)
    after = model.state_dict()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)


def test_non_strict_load_reports_skipped_keys_but_still_rejects_wrong_shapes():
    model = nn.Linear(2, 1)
    result = model.load_state_dict({"weight": np.full((1, 2), 3.0), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert (model.weight.data == 3).all() and model.weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="'weight'"):
        model.load_state_dict({"weight": np.zeros((2, 2))}, strict=False)


def test_containers_index_slice_iterate_and_repr_the_tree():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and [type(m) for m in seq][1] is nn.Tanh
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    x = tg.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, seq[2](seq[1](seq[0](x))).data)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    named = nn.Sequential({"hidden": nn.Linear(2, 2), "act": nn.ReLU()})
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    mods = nn.ModuleList()
    mods.append(nn.ReLU()).extend([nn.Tanh()])
    mods[0] = nn.Sigmoid()
    assert [type(m).__name__ for m in mods] == ["Sigmoid", "Tanh"]
    with pytest.raises(TypeError, match="Modules"):
        mods.append(lambda x: x)
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Tanh()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )
    assert "(encoder): Sequential(\n    (0): Linear" in repr(Block())


def test_call_records_the_module_path_of_every_op():
    block = Block()
    out = block(tg.randn(2, 3))
    assert out.grad_fn.module_path == (block,)
    paths = {node.module_path for node in tg.engine.topological_order(out) if isinstance(node, tg.Function)}
    assert (block, block.encoder, block.encoder[0]) in paths
    assert (block, block.heads[1]) in paths
    assert tg.grad_mode.state.module_path == ()  # restored after the call


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_double_and_float_cast_parameters_in_place():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    layer.double()
    assert layer.weight is weight and weight.dtype == np.float64
    assert layer.float().weight.dtype == np.float32


def test_a_child_registered_under_two_names_is_one_child_as_in_pytorch():
    from tinygrad_edu import nn

    shared = nn.Linear(2, 2)
    twice = nn.Sequential(shared, nn.Tanh(), shared)
    assert [name for name, _ in twice.named_children()] == ["0", "1"]
    assert [type(m).__name__ for m in twice.children()] == ["Linear", "Tanh"]
    assert len(list(twice)) == 3  # the forward still runs the layer twice
    visits = []
    twice.apply(visits.append)
    assert [type(m).__name__ for m in visits] == ["Linear", "Tanh", "Sequential"]
