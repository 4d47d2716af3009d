"""PyTorch's other names: in-place twins (``x.exp_()``), aliases, ``new_*``, ``torch.autograd`` (issue 13).

The in-place twins are checked against PyTorch's own ``name_`` on the same values (PyTorch is installed in CI), and
against this package's out-of-place op; ``autograd.grad`` against closed-form derivatives."""

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu._tensor import IN_PLACE_TWINS

RNG = np.random.default_rng(0)
VALUES = RNG.uniform(0.1, 0.9, (3, 4))  # inside every op's domain (asin, atanh, log, …)
OTHER = RNG.uniform(0.1, 0.9, (3, 4))
MASK = VALUES > 0.5
ARGUMENTS = {  # name: (positional arguments, as functions of the library), keyword arguments
    "add": ((lambda lib: lib.tensor(OTHER),), {"alpha": 2}),
    "sub": ((lambda lib: lib.tensor(OTHER),), {"alpha": 0.5}),
    "mul": ((lambda lib: lib.tensor(OTHER),), {}),
    "div": ((lambda lib: lib.tensor(OTHER),), {"rounding_mode": "floor"}),
    "atan2": ((lambda lib: lib.tensor(OTHER),), {}), "hypot": ((lambda lib: lib.tensor(OTHER),), {}),
    "pow": ((lambda lib: 3,), {}), "clamp": ((lambda lib: 0.3, lambda lib: 0.6), {}),
    "clip": ((lambda lib: 0.3,), {}), "clamp_min": ((lambda lib: 0.4,), {}), "clamp_max": ((lambda lib: 0.4,), {}),
    "floor_divide": ((lambda lib: 0.25,), {}), "fmod": ((lambda lib: 0.25,), {}),
    "remainder": ((lambda lib: -0.3,), {}),
    "lerp": ((lambda lib: lib.tensor(OTHER), lambda lib: 0.25), {}),
    "masked_fill": ((lambda lib: lib.tensor(MASK), lambda lib: -1.0), {}),
    "scatter": ((lambda lib: 1, lambda lib: lib.tensor([[2], [0], [1]]), lambda lib: lib.tensor(OTHER)), {}),
    "scatter_add": ((lambda lib: 0, lambda lib: lib.tensor([[2, 0, 1, 1]]), lambda lib: lib.tensor(OTHER)), {}),
    "tril": ((lambda lib: -1,), {}), "triu": ((lambda lib: 1,), {}),
    "addcmul": ((lambda lib: lib.tensor(OTHER), lambda lib: lib.tensor(VALUES)), {"value": 0.5}),
    "addcdiv": ((lambda lib: lib.tensor(OTHER), lambda lib: lib.tensor(VALUES)), {"value": 2}),
    "xlogy": ((lambda lib: lib.tensor(OTHER),), {}),
    "index_add": ((lambda lib: 0, lambda lib: lib.tensor([2, 0, 2]), lambda lib: lib.tensor(OTHER)), {"alpha": 2}),
    "index_copy": ((lambda lib: 1, lambda lib: lib.tensor([3, 0, 1, 2]), lambda lib: lib.tensor(OTHER)), {}),
    "index_fill": ((lambda lib: 1, lambda lib: lib.tensor([0, 2]), lambda lib: -1.0), {}),
    "bitwise_and": ((lambda lib: lib.tensor([[6], [3], [12]]),), {}),
    "bitwise_or": ((lambda lib: lib.tensor([[6], [3], [12]]),), {}),
    "bitwise_xor": ((lambda lib: lib.tensor([[6], [3], [12]]),), {}),
}
INTEGERS = RNG.integers(0, 16, (3, 4))  # the bitwise ops' input
ALIASES = {"absolute": "abs", "clip": "clamp", "divide": "div", "multiply": "mul", "negative": "neg",
           "subtract": "sub", "true_divide": "div"}


def call(lib, tensor, name: str, in_place: bool):
    positional, keywords = ARGUMENTS.get(ALIASES.get(name, name), ((), {}))
    if name == "true_divide":
        keywords = {}
    method = getattr(tensor, f"{name}_" if in_place else name)
    return method(*(make(lib) for make in positional), **keywords)


@pytest.mark.parametrize("name", IN_PLACE_TWINS)
def test_each_in_place_twin_writes_what_its_op_and_pytorchs_twin_give(name):
    torch = require_module("torch", "pip install torch==2.13.0")
    values = INTEGERS if name.startswith("bitwise") else VALUES
    ours, theirs = tg.tensor(values), torch.tensor(values)
    view = ours[0]
    expected = call(tg, tg.tensor(values), name, in_place=False)
    assert call(tg, ours, name, in_place=True) is ours
    call(torch, theirs, name, in_place=True)
    np.testing.assert_allclose(ours.data, expected.data, rtol=1e-12)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(view.data, ours.data[0])  # written into the tensor's memory, which views share


def test_an_in_place_twin_in_a_graph_is_recorded_and_differentiates_like_its_op():
    w = tg.tensor(VALUES, requires_grad=True)
    z = w * 2
    z.sigmoid_()
    z.sum().backward()
    s = 1 / (1 + np.exp(-2 * VALUES))
    np.testing.assert_allclose(w.grad.data, 2 * s * (1 - s), rtol=1e-12)  # d/dw σ(2w), the closed form


def test_an_in_place_twin_refuses_a_leaf_that_requires_grad_a_wider_dtype_and_a_new_shape():
    w = tg.tensor(VALUES, requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_: a leaf Variable that requires grad"):
        w.exp_()
    i = tg.tensor([1, 4])
    with pytest.raises(RuntimeError, match="sqrt_: the result type float32 can't be cast to the tensor's dtype int64"):
        i.sqrt_()
    np.testing.assert_array_equal(i.data, [1, 4])  # nothing half-changed
    row = tg.tensor(VALUES[:1])
    with pytest.raises(RuntimeError, match="add_: the result has shape"):
        row.add_(tg.tensor(VALUES))


def test_div_rounds_toward_zero_or_down_exactly_for_integers_and_refuses_other_modes():
    big = tg.tensor([2**62 + 1, -(2**62 + 1), 7, -7, 0])
    two = tg.tensor([2, 2, -2, -2, 3])
    np.testing.assert_array_equal(big.div(two, rounding_mode="trunc").data, [2**61, -(2**61), -3, 3, 0])
    np.testing.assert_array_equal(big.div(two, rounding_mode="floor").data, [2**61, -(2**61) - 1, -4, 3, 0])
    assert big.div(two, rounding_mode="trunc").dtype == tg.int64
    x = tg.tensor([2.5, -2.5], requires_grad=True)
    truncated = x.div(2.0, rounding_mode="trunc")
    np.testing.assert_array_equal(truncated.data, [1.0, -1.0])
    truncated.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])  # a step function's derivative
    with pytest.raises(ValueError, match="rounding_mode must be None, 'trunc' or 'floor', got 'round'"):
        x.div(2.0, rounding_mode="round")
    with pytest.raises(ZeroDivisionError, match="div: integer division by zero"):
        big.div(0, rounding_mode="trunc")


def test_t_new_and_type_spellings():
    x = tg.tensor(VALUES)
    np.testing.assert_array_equal(x.t().data, VALUES.T)
    with pytest.raises(ValueError, match=r"t\(\) expects a tensor with <= 2 dimensions.*use x.mT"):
        tg.zeros(2, 2, 2).t()
    assert x.new_zeros((2, 3)).dtype == tg.float64 and x.new_zeros(2, 3).shape == (2, 3)
    assert x.new_ones(2, dtype=tg.int32).dtype == tg.int32
    assert x.new_full((2,), 7).dtype == tg.float64 and x.new_tensor([1, 2]).dtype == tg.float64
    leaf = x.new_tensor([1.0], requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad
    assert x.type(tg.float32).dtype == tg.float32 and x.type(tg.float64) is x
    with pytest.raises(TypeError, match=r"no tensor-type strings; read x\.dtype"):
        x.type()
    assert tg.tensor([1, 2]).type_as(x).dtype == tg.float64
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert (x.nelement(), x.ndimension(), x.element_size(), x.nbytes) == (12, 2, 8, 96)
    assert tg.full((2,), 3).dtype == tg.int64 and tg.full((2,), False).dtype == tg.bool
    assert tg.full((2,), 3.0).dtype == tg.float32 and tg.full((2,), 3, dtype=tg.float64).dtype == tg.float64


def test_hstack_and_vstack_join_as_numpy():
    a, b = np.arange(3.0), np.arange(3.0, 6.0)
    np.testing.assert_array_equal(tg.hstack([a, b]).data, np.hstack([a, b]))
    np.testing.assert_array_equal(tg.vstack([a, b]).data, np.vstack([a, b]))
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.hstack([m, m]).data, np.hstack([m, m]))
    np.testing.assert_array_equal(tg.vstack([m, a]).data, np.vstack([m, a]))


# ----------------------------------------------------------------------------------------------- torch.autograd
def test_autograd_grad_returns_the_derivative_and_leaves_every_grad_alone():
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w.grad = tg.tensor([5.0, 5.0, 5.0])
    (g,) = tg.autograd.grad((w**3).sum(), w, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * w.data**2)
    (h,) = tg.autograd.grad(g.sum(), w)
    np.testing.assert_allclose(h.data, 6 * w.data)  # the second derivative, through create_graph
    np.testing.assert_array_equal(w.grad.data, [5.0, 5.0, 5.0])
    hidden = w * 2
    (d,) = tg.autograd.grad((hidden**2).sum(), hidden)
    np.testing.assert_allclose(d.data, 2 * hidden.data)
    assert not hidden.retains_grad and hidden.grad is None


def test_autograd_grad_frees_the_graph_unless_asked_and_seeds_with_grad_outputs():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w * w
    (g,) = tg.autograd.grad(y, w, grad_outputs=tg.tensor([1.0, 10.0]), retain_graph=True)
    np.testing.assert_allclose(g.data, [2.0, 40.0])
    tg.autograd.grad(y.sum(), w)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tg.autograd.grad(y.sum(), w)


def test_autograd_grad_errors_name_what_is_wrong():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    unused = tg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 .* not have been used in the graph; pass allow_unused=True"):
        tg.autograd.grad((w * 2).sum(), [w, unused])
    assert tg.autograd.grad((w * 2).sum(), [w, unused], allow_unused=True)[1] is None
    zeros = tg.autograd.grad((w * 2).sum(), [w, unused], materialize_grads=True)[1]
    assert zeros.shape == () and float(zeros) == 0.0
    with pytest.raises(RuntimeError, match=r"input 0 .* does not require grad"):
        tg.autograd.grad((w * 2).sum(), tg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        tg.autograd.grad(tg.tensor(1.0), w)
    with pytest.raises(RuntimeError, match="output 0 has shape \\(2,\\), so pass its grad_outputs"):
        tg.autograd.grad(w * 2, w)
    with pytest.raises(TypeError, match="grad: inputs must be a Tensor or a sequence of Tensors, got ndarray"):
        tg.autograd.grad((w * 2).sum(), np.ones(2))
    with pytest.raises(TypeError, match="grad: inputs: element 1 is a ndarray, not a Tensor"):
        tg.autograd.grad((w * 2).sum(), [w, np.ones(2)])


def test_autograd_backward_sums_over_its_tensors():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.autograd.backward([(w * w).sum(), w * 3], [None, tg.tensor([1.0, 2.0])])
    np.testing.assert_allclose(w.grad.data, 2 * w.data + [3.0, 6.0])
    v = tg.tensor([1.0, 1.0], requires_grad=True)
    tg.autograd.backward((w * v).sum(), inputs=[w])  # inputs=: only w's .grad gains ∂/∂w Σ w·v = v
    np.testing.assert_allclose(w.grad.data, 2 * w.data + [4.0, 7.0])
    assert v.grad is None


@pytest.mark.parametrize("name", ["normalize", "cosine_similarity", "pairwise_distance"])
def test_normalize_cosine_similarity_and_pairwise_distance_differentiate_as_finite_differences_say(name):
    from tinygrad_edu.nn import functional as F  # noqa: N812

    a = tg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    b = tg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    function = {"normalize": lambda a, b: F.normalize(a) * b, "cosine_similarity": F.cosine_similarity,
                "pairwise_distance": F.pairwise_distance}[name]
    assert tg.gradcheck(function, (a, b)) and tg.gradgradcheck(function, (a, b))


# ----------------------------------------------------------------------------------------------- found by a sweep
# Each was a silent difference from PyTorch, found by running thousands of PyTorch lines both ways.
@pytest.mark.parametrize("statement", ["x **= 2", "x //= 2", "x %= 3", "m &= n", "m |= n", "m ^= n"])
def test_every_augmented_assignment_changes_the_tensor_in_place(statement):
    x, m, n = tg.tensor([1.0, 5.0, 7.0]), tg.tensor([True, False, True]), tg.tensor([True, True, False])
    before = {"x": x, "m": m}
    scope = {"x": x, "m": m, "n": n}
    exec(statement, scope)
    name = statement[0]
    assert scope[name] is before[name]  # the same object: views, aliases and parameters see the change
    expected = {"x **= 2": [1, 25, 49], "x //= 2": [0, 2, 3], "x %= 3": [1, 2, 1], "m &= n": [True, False, False],
                "m |= n": [True, True, True], "m ^= n": [False, True, True]}[statement]
    np.testing.assert_array_equal(before[name].data, expected)


def test_a_norm_of_values_with_a_nan_is_nan():
    for p in (2, "fro", 3, 1, float("inf")):
        assert np.isnan(float(tg.tensor([1.0, float("nan")]).norm(p)))
    assert float(tg.tensor([0.0, 0.0]).norm()) == 0.0


def test_dim_empty_reduces_every_axis_as_pytorch_and_axis_empty_none_as_numpy():
    x = tg.tensor(VALUES)
    for name in ("sum", "mean", "amax", "amin", "var", "std", "count_nonzero", "norm"):
        assert getattr(x, name)(dim=()).shape == (), name
    np.testing.assert_allclose(float(x.sum(dim=[])), VALUES.sum())
    assert x.sum(axis=()).shape == (3, 4) and (x > 0.5).any(dim=()).shape == (3, 4)  # numpy's; PyTorch's any


def test_flip_and_repeat_make_new_memory_and_an_index_of_integers_is_a_view():
    x = tg.tensor(VALUES)
    x.flip(0).add_(1)
    x.repeat(1, 1).zero_()
    np.testing.assert_array_equal(x.data, VALUES)  # PyTorch's flip and repeat copy
    x[0, 0].fill_(9.0)
    x[tg.tensor(1)][2] = 7.0
    assert x.data[0, 0] == 9.0 and x.data[1, 2] == 7.0  # PyTorch's x[i, j] and x[tensor(i)] are views


def test_a_list_index_holding_sequences_is_refused_naming_both_meanings():
    x = tg.tensor(VALUES)
    with pytest.raises(IndexError, match=r"write x\[tuple\(seq\)\] or x\[tg\.tensor\(seq\)\]"):
        x[[[0, 1], [1, 2]]]
    assert x[[0, 2]].shape == (2, 4) and x[tuple([[0, 1], [1, 2]])].shape == (2,)


# ----------------------------------------------------------------------------------------------- nn, found by a sweep
def test_reassigning_a_layer_or_parameter_keeps_its_place_in_the_order():
    from tinygrad_edu import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features, self.act, self.fc = nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)

    net = Net()
    net.features = nn.Linear(4, 8)  # replacing a layer (a new head, a new stem) keeps the order PyTorch keeps
    assert [type(c).__name__ for c in net.children()] == ["Linear", "ReLU", "Linear"]
    assert list(net.state_dict()) == ["features.weight", "features.bias", "fc.weight", "fc.bias"]
    linear = nn.Linear(4, 3)
    linear.weight = nn.Parameter(linear.weight.detach() * 1)
    assert [p.shape for p in linear.parameters()] == [(3, 4), (3,)]
    linear.register_buffer("scale", tg.ones(1))
    linear.register_buffer("shift", tg.zeros(1))
    linear.register_buffer("scale", tg.ones(2))
    assert list(linear.state_dict()) == ["weight", "bias", "scale", "shift"]
    linear.bias = nn.Linear(1, 1)  # a name moving to another registry leaves the old one
    assert list(dict(linear.named_parameters())) == ["weight", "bias.weight", "bias.bias"]


def test_train_calls_each_childs_own_train_so_an_override_holds():
    from tinygrad_edu import nn

    class FrozenNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear, self.norm = nn.Linear(3, 3), nn.BatchNorm1d(3)

        def train(self, mode=True):
            super().train(mode)
            self.norm.eval()
            return self

    model = nn.Sequential(FrozenNorm(), nn.ReLU())
    model.train()
    assert model.training and model[0].linear.training and not model[0].norm.training
    model.eval()
    assert not any(m.training for m in model.modules())
    with pytest.raises(ValueError, match="mode must be a bool"):
        model.train("no")


def test_a_state_dict_lists_a_shared_module_under_each_name_and_a_plain_dict_of_parameters_is_sorted():
    from tinygrad_edu import nn

    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(model.parameters())) == 2
    model.load_state_dict(model.state_dict())
    parameters = nn.ParameterDict({"b": nn.Parameter(tg.ones(1)), "a": nn.Parameter(tg.ones(2))})
    assert list(parameters) == ["a", "b"]
    parameters.update([("d", nn.Parameter(tg.ones(1))), ("c", nn.Parameter(tg.ones(1)))])
    assert list(parameters) == ["a", "b", "d", "c"]  # pairs keep their order


def test_a_dataloader_gives_a_tensor_dataset_subclass_one_index_at_a_time():
    from tinygrad_edu import data

    class DropFirstFeature(data.TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x[1:], y

    features, labels = tg.tensor(np.arange(12.0).reshape(6, 2)), tg.arange(6)
    x, y = next(iter(data.DataLoader(DropFirstFeature(features, labels), 3)))
    np.testing.assert_array_equal(x.data, [[1.0], [3.0], [5.0]])
    np.testing.assert_array_equal(y.data, [0, 1, 2])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "kl_div",
                                  "binary_cross_entropy_with_logits"])
def test_a_loss_of_a_wider_float_target_is_computed_in_the_wider_dtype(name):
    from tinygrad_edu.nn import functional as F  # noqa: N812

    prediction, target = VALUES.astype(np.float16), OTHER.astype(np.float32)
    loss = getattr(F, name)(tg.tensor(prediction), tg.tensor(target))
    assert loss.dtype == tg.float32  # PyTorch's promotion: float16 would round the loss to 3 digits
    assert getattr(F, name)(tg.tensor(VALUES.astype(np.float32)), tg.tensor(np.ones((3, 4), np.int64))).dtype == \
        tg.float32


def test_diagonal_is_a_view_that_an_in_place_change_writes_through_as_pytorchs():
    torch = require_module("torch", "pip install torch==2.13.0")
    values = np.arange(24.0).reshape(2, 3, 4)
    for args in [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (0, 1, 2), (2, 2, 1), (-2, -1, 0), (5, 0, 1)]:
        ours, theirs = tg.tensor(values), torch.tensor(values)
        np.testing.assert_array_equal(ours.diagonal(*args).data, theirs.diagonal(*args).numpy())
        ours.diagonal(*args).fill_(-1.0)
        theirs.diagonal(*args).fill_(-1.0)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    w = tg.tensor(np.ones((3, 3)), requires_grad=True)
    (w.diagonal() * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.diag([1.0, 2.0, 3.0]))
    saved = w.sigmoid()
    with tg.no_grad():
        saved.diagonal().zero_()  # a change through the view is a change of the tensor: backward refuses
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.sum().backward()


def test_promotions_and_values_pytorch_gives_for_bitwise_scans_floor_division_and_rsqrt():
    assert (tg.tensor([1, 2], dtype=tg.int32) & tg.tensor(3)).dtype == tg.int32  # a 0-d operand does not widen
    assert (tg.tensor([1, 2], dtype=tg.uint8) | np.int64(3)).dtype == tg.uint8
    with pytest.raises(TypeError, match="bitwise_and: needs bool or integer tensors, got dtype float32"):
        tg.tensor([1.0]) & 1
    small = tg.tensor([2, 3], dtype=tg.int32)
    assert small.prod(dtype=tg.int32).dtype == tg.int32 and small.cumsum(0, dtype=tg.int32).dtype == tg.int32
    assert small.prod().dtype == tg.int64 and small.cumprod(0).dtype == tg.int64
    assert (np.float64(7.0) // tg.tensor([2, 4])).dtype == tg.float32 and (np.float64(7.0) % small).dtype == tg.float32
    assert np.isnan(tg.tensor([-np.inf]).rsqrt().data[0]) and float(tg.tensor(4.0).rsqrt()) == 0.5
    with pytest.raises(IndexError, match=r"x\[mask\.bool\(\)\] or x\[indices\.long\(\)\]"):
        tg.tensor(VALUES)[tg.tensor([1, 0, 1], dtype=tg.uint8)]


def test_module_to_casts_in_place_keeping_parameters_and_refuses_what_is_not_here():
    from tinygrad_edu import nn

    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    weight = model[0].weight
    model(tg.tensor(VALUES[:, :3].astype(np.float32))).sum().backward()
    assert model.to("cpu") is model and model.cpu() is model
    assert model.double() is model and model[0].weight is weight  # the optimizer still holds it
    assert weight.dtype == tg.float64 and weight.grad.dtype == tg.float64 and model[1].running_var.dtype == tg.float64
    before = weight.data.copy()
    optimizer.step()
    np.testing.assert_allclose(weight.data, before - 0.1 * weight.grad.data)
    with pytest.raises(RuntimeError, match="there is no device 'cuda:1'"):
        model.cuda(1)
    with pytest.raises(TypeError, match=r"Module\.to: only floating dtypes, got int64"):
        model.to(tg.int64)
    assert weight.dtype == tg.float64  # nothing half-changed


def test_relu_inplace_writes_into_its_input_and_differentiates_as_relu():
    from tinygrad_edu import nn

    w = tg.tensor(VALUES - 0.5, requires_grad=True)
    hidden = w * 2
    out = nn.ReLU(inplace=True)(hidden)
    assert out is hidden
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.where(VALUES > 0.5, 2.0, 0.0))
    with pytest.raises(RuntimeError, match="relu_: a leaf Variable that requires grad"):
        nn.ReLU(inplace=True)(w)


@pytest.mark.parametrize("name", ["threshold", "hardshrink", "softshrink", "pixel_shuffle", "pixel_unshuffle",
                                  "soft_margin_loss", "hinge_embedding_loss", "triplet_margin_loss",
                                  "gaussian_nll_loss", "poisson_nll_loss"])
def test_the_new_functional_compositions_differentiate_as_finite_differences_say(name):
    from tinygrad_edu.nn import functional as F  # noqa: N812

    rng = np.random.default_rng(3)
    a = rng.uniform(0.2, 1.0, (2, 4, 2, 2)) * rng.choice([-1, 1], (2, 4, 2, 2))  # away from the kinks at 0 and ±λ
    b, c = rng.standard_normal((2, 4, 2, 2)), rng.standard_normal((2, 4, 2, 2))
    signs = np.sign(rng.standard_normal((2, 4, 2, 2)))
    up, down = tg.tensor(rng.standard_normal((2, 1, 4, 4))), tg.tensor(rng.standard_normal((2, 16, 1, 1)))
    function, inputs = {
        "threshold": (lambda x: F.threshold(x, 0.1, -2.0), (a,)),
        "hardshrink": (lambda x: F.hardshrink(x, 0.1), (a,)),
        "softshrink": (lambda x: F.softshrink(x, 0.1), (a,)),
        "pixel_shuffle": (lambda x: F.pixel_shuffle(x, 2) * up, (a,)),  # weighted: every element's gradient differs
        "pixel_unshuffle": (lambda x: F.pixel_unshuffle(x, 2) * down, (a,)),
        "soft_margin_loss": (lambda x: F.soft_margin_loss(x, signs), (a,)),
        "hinge_embedding_loss": (lambda x: F.hinge_embedding_loss(x.abs(), signs, margin=2.0), (a,)),
        "triplet_margin_loss": (lambda x, y, z: F.triplet_margin_loss(x, y, z, margin=5.0), (a, b, c)),
        "gaussian_nll_loss": (lambda x, y, v: F.gaussian_nll_loss(x, y, v * v + 0.5, full=True), (a, b, c)),
        "poisson_nll_loss": (lambda x, y: F.poisson_nll_loss(x, y * y, full=True), (a, b)),
    }[name]
    tensors = tuple(tg.tensor(v, requires_grad=True) for v in inputs)
    assert tg.gradcheck(function, tensors)


# ----------------------------------------------------------------------------------------------- init, data, rnn
def test_orthogonal_trunc_normal_eye_and_dirac_initialise_as_defined():
    torch = require_module("torch", "pip install torch==2.13.0")
    from tinygrad_edu import nn

    tg.manual_seed(0)
    tall, wide = tg.zeros(6, 4, dtype=tg.float64), tg.zeros(3, 2, 4, dtype=tg.float64)
    nn.init.orthogonal_(tall, gain=2.0)
    nn.init.orthogonal_(wide)
    np.testing.assert_allclose(tall.data.T @ tall.data, 4 * np.eye(4), atol=1e-12)  # orthonormal columns, × gain²
    flat = wide.data.reshape(3, 8)
    np.testing.assert_allclose(flat @ flat.T, np.eye(3), atol=1e-12)  # orthonormal rows
    drawn = tg.zeros(20000, dtype=tg.float64)
    nn.init.trunc_normal_(drawn, mean=1.0, std=2.0, a=-1.0, b=2.0)
    assert drawn.data.min() >= -1.0 and drawn.data.max() <= 2.0
    reference = torch.nn.init.trunc_normal_(torch.zeros(200000, dtype=torch.float64), 1.0, 2.0, -1.0, 2.0)
    assert abs(drawn.data.mean() - float(reference.mean())) < 0.03 and abs(drawn.data.std() - float(reference.std())) \
        < 0.03
    with pytest.raises(ValueError, match="too far into the tail"):
        nn.init.trunc_normal_(tg.zeros(10), mean=0.0, std=1.0, a=40.0, b=41.0)
    for groups in (1, 2):
        ours, theirs = tg.zeros(4, 2, 3, 3), torch.zeros(4, 2, 3, 3)
        nn.init.dirac_(ours, groups=groups)
        torch.nn.init.dirac_(theirs, groups=groups)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(nn.init.eye_(tg.zeros(3, 5)).data, np.eye(3, 5))
    assert nn.init.calculate_gain("selu") == torch.nn.init.calculate_gain("selu") == 0.75


def test_an_iterable_dataset_is_batched_in_the_order_it_yields():
    from tinygrad_edu import data

    class Counting(data.IterableDataset):
        def __iter__(self):
            return iter([(float(i), i % 2) for i in range(7)])

        def __len__(self):
            return 7

    loader = data.DataLoader(Counting(), batch_size=3)
    assert len(loader) == 3 and [b[0].tolist() for b in loader] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]]
    assert [b[1].tolist() for b in data.DataLoader(Counting(), batch_size=3, drop_last=True)] == [[0, 1, 0], [1, 0, 1]]
    assert next(iter(data.DataLoader(Counting(), batch_size=None)))[0].shape == (7,)
    with pytest.raises(ValueError, match="shuffle, sampler and batch_sampler must be left unset"):
        data.DataLoader(Counting(), shuffle=True)


def test_a_weighted_random_sampler_draws_in_proportion_and_without_replacement_once_each():
    from tinygrad_edu import data

    drawn = list(data.WeightedRandomSampler([0.1, 0.0, 0.9], 20000, generator=tg.Generator().manual_seed(0)))
    counts = np.bincount(drawn, minlength=3) / 20000
    assert counts[1] == 0 and abs(counts[2] - 0.9) < 0.01  # binomial spread: 0.002
    assert sorted(data.WeightedRandomSampler([1, 1, 5, 0], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="can't exceed the 1 indices of nonzero weight"):
        data.WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(ValueError, match="non-negative finite numbers"):
        data.WeightedRandomSampler([1, -1], 2)


def test_pad_sequence_pads_and_stacks_as_pytorch_and_differentiates_each_sequence():
    torch = require_module("torch", "pip install torch==2.13.0")
    from torch.nn.utils.rnn import pad_sequence as torch_pad_sequence

    from tinygrad_edu.nn.utils.rnn import pad_sequence

    arrays = [np.arange(6.0).reshape(3, 2), np.ones((1, 2)), np.arange(10.0).reshape(5, 2)]
    for options in ({}, {"batch_first": True, "padding_value": -1.0}, {"batch_first": True, "padding_side": "left"}):
        ours = pad_sequence([tg.tensor(a) for a in arrays], **options)
        np.testing.assert_array_equal(ours.data, torch_pad_sequence([torch.tensor(a) for a in arrays], **options))
    first = tg.tensor(arrays[0], requires_grad=True)
    (pad_sequence([first, tg.tensor(arrays[2])]) * 2).sum().backward()
    np.testing.assert_array_equal(first.grad.data, np.full((3, 2), 2.0))
    with pytest.raises(ValueError, match="must share their shape after the first axis"):
        pad_sequence([tg.ones(2, 3), tg.ones(2, 4)])


def test_module_lookups_state_dict_options_running_stats_and_a_closure_step():
    from tinygrad_edu import nn, optim
    from tinygrad_edu.nn import functional as F  # noqa: N812

    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert model.get_submodule("2.1") is model[2][1] and model.get_submodule("") is model
    assert model.get_parameter("2.1.bias") is model[2][1].bias and model.get_buffer("1.running_var").shape == (3,)
    with pytest.raises(AttributeError, match=r"Sequential has no submodule '5' \(in '2\.5'\)"):
        model.get_submodule("2.5")
    with pytest.raises(AttributeError, match="Linear has no parameter 'scale'"):
        model.get_parameter("0.scale")
    assert next(iter(model.state_dict(prefix="net."))) == "net.0.weight"
    assert model.state_dict(keep_vars=True)["0.weight"] is model[0].weight
    model[1](tg.randn(4, 3))
    model[1].reset_running_stats()
    np.testing.assert_array_equal(model[1].running_mean.data, 0.0)
    assert int(model[1].num_batches_tracked.data) == 0
    nn.LSTM(2, 3).flatten_parameters()  # PyTorch's cuDNN layout call: nothing to do, and no error
    assert F.softmax(tg.randn(2, 3), dim=1, dtype=tg.float64).dtype == tg.float64
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    inputs = tg.randn(5, 2)

    def closure():
        optimizer.zero_grad()
        loss = model(inputs).pow(2).mean()
        loss.backward()
        return loss

    before = model[0].weight.data.copy()
    loss = optimizer.step(closure)
    np.testing.assert_allclose(model[0].weight.data, before - 0.1 * model[0].weight.grad.data, rtol=1e-6)
    assert float(loss) > 0 and loss.requires_grad


@pytest.mark.parametrize("p", [-1, -2.5, 0.5, 3])
def test_a_p_norm_with_a_zero_differentiates_as_pytorch(p):
    torch = require_module("torch", "pip install torch==2.13.0")
    for values in ([0.0, 2.0, -3.0], [0.5, -4.0, 0.25]):
        ours = tg.tensor(values, requires_grad=True, dtype=tg.float64)
        theirs = torch.tensor(values, requires_grad=True, dtype=torch.float64)
        ours_norm, theirs_norm = ours.norm(p), theirs.norm(p)
        ours_norm.backward()
        theirs_norm.backward()
        np.testing.assert_allclose(float(ours_norm), float(theirs_norm.detach()), rtol=1e-12)
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("index", ["[0, :, [0, 2]]", "[0, ..., [1, 2]]", "[None, [0, 1], :, 0]", "[[0, 1], 0, [1, 2]]",
                                   "[-1, :, [True, False, False, True]]", "[:, 0, [1, 2], [0, 4]]",
                                   "[1, [0, 2], :, 3]"])
def test_integers_beside_advanced_indices_apply_first_as_pytorch(index):
    torch = require_module("torch", "pip install torch==2.13.0")
    shape = (2, 3, 4, 5) if index.count(",") >= 3 else (2, 3, 4)
    values = np.arange(float(np.prod(shape))).reshape(shape)
    ours, theirs = eval(f"x{index}", {"x": tg.tensor(values)}), eval(f"x{index}", {"x": torch.tensor(values)})
    np.testing.assert_array_equal(ours.data, theirs.numpy())  # the same elements, in the same axes
    target, reference = tg.zeros(*shape, dtype=tg.float64), torch.zeros(*shape, dtype=torch.float64)
    picked = np.arange(1.0, 1.0 + theirs.numel()).reshape(theirs.shape)
    exec(f"x{index} = v", {"x": target, "v": tg.tensor(picked)})
    exec(f"x{index} = v", {"x": reference, "v": torch.tensor(picked)})
    np.testing.assert_array_equal(target.data, reference.numpy())
    w, u = tg.tensor(picked, requires_grad=True), torch.tensor(picked, requires_grad=True)
    weights = np.arange(float(np.prod(shape))).reshape(shape)
    graph = tg.zeros(*shape, dtype=tg.float64) * 1
    exec(f"x{index} = v * v", {"x": graph, "v": w})
    (graph * tg.tensor(weights)).sum().backward()
    torch_graph = torch.zeros(*shape, dtype=torch.float64) * 1
    exec(f"x{index} = v * v", {"x": torch_graph, "v": u})
    (torch_graph * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(w.grad.data, u.grad.numpy())


def test_a_value_that_requires_grad_written_through_a_view_is_refused_never_lost():
    """PyTorch writes it into the base (and records that); here the base is never silently left unchanged."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    m = tg.zeros(2, 2)
    for write in (lambda: m[0].__setitem__(1, x[0] * x[1]), lambda: m.diagonal().copy_(x),
                  lambda: m.reshape(4).__setitem__(0, x[0]), lambda: m.detach().add_(x[0])):
        with pytest.raises(RuntimeError, match=r"shares its memory with another still in use.*m\[i, j\] = v"):
            write()
        np.testing.assert_array_equal(m.data, 0.0)  # nothing half-changed
    for i in range(2):
        for j in range(2):
            m[i, j] = x[i] * x[j]  # the spelling that works: into m itself
    m.sum().backward()
    np.testing.assert_array_equal(m.data, [[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_array_equal(x.grad.data, 2 * x.data.sum())  # ∂/∂xₖ Σᵢⱼ xᵢxⱼ = 2 Σ x


def test_grad_mode_decorators_cover_each_step_of_a_generator_and_work_without_the_call():
    x = tg.tensor([1.0], requires_grad=True)

    @tg.no_grad()
    def sample(n):
        h = x
        for _ in range(n):
            h = h * 2
            yield h.requires_grad, tg.is_grad_enabled()

    assert list(sample(2)) == [(False, False), (False, False)] and tg.is_grad_enabled()
    steps = sample(3)
    next(steps)
    assert tg.is_grad_enabled()  # between steps, the caller's mode
    steps.close()

    @tg.no_grad
    def bare():
        return (x * 2).requires_grad

    @tg.inference_mode
    def bare_inference():
        return (x * 2).requires_grad

    @tg.enable_grad
    def bare_enable():
        return (x * 2).requires_grad

    assert bare() is False and bare_inference() is False and bare_enable() is True
    with tg.no_grad():
        assert bare_enable() is True
    assert tg.is_grad_enabled()


def test_fmax_and_fmin_send_a_ties_gradient_to_the_first_argument_and_a_leaf_keeps_retains_grad_false():
    torch = require_module("torch", "pip install torch==2.13.0")
    grads = []
    for lib in (tg, torch):
        a = lib.tensor([1.0, 2.0, float("nan")], requires_grad=True)
        b = lib.tensor([1.0, 0.0, 3.0], requires_grad=True)
        (lib.fmax(a, b).sum() + 2 * lib.fmin(a, b).sum()).backward()
        grads.append((np.asarray(a.grad.tolist()), np.asarray(b.grad.tolist())))
    for ours, theirs in zip(*grads):
        np.testing.assert_array_equal(ours, theirs)
    leaf = tg.ones(2, requires_grad=True)
    leaf.retain_grad()
    assert leaf.retains_grad is False and (leaf * 2).sum().backward() is None and leaf.grad is not None


def test_unfold_is_a_view_that_an_in_place_change_writes_through_as_pytorchs():
    torch = require_module("torch", "pip install torch==2.13.0")
    values = np.arange(20.0).reshape(4, 5)
    ours, theirs = tg.tensor(values), torch.tensor(values)
    ours.unfold(1, 2, 2)[1, 0].fill_(-1.0)
    theirs.unfold(1, 2, 2)[1, 0].fill_(-1.0)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_a_view_made_under_no_grad_and_changed_in_grad_mode_is_refused_as_pytorch():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with tg.no_grad():
        view = y[:2]
    with pytest.raises(RuntimeError, match=r"mul_: a view was made under no_grad .* with grad mode on"):
        view.mul_(2)  # the gradient would miss the change: PyTorch refuses it too
    np.testing.assert_array_equal(y.data, [2.0, 4.0, 6.0])
    with tg.no_grad():
        view.mul_(2)  # both inside no_grad: an untracked change, allowed
    np.testing.assert_array_equal(y.data, [4.0, 8.0, 6.0])


@pytest.mark.parametrize("view", [lambda m: m.diagonal(), lambda m: m.unfold(1, 2, 1)])
def test_a_tensor_with_a_diagonal_or_unfold_view_alive_refuses_a_recorded_change(view):
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    m = tg.zeros(2, 2) * 1
    seen = view(m)
    with pytest.raises(RuntimeError, match="shares its memory with another still in use"):
        m.add_(x)  # the view would keep showing the old memory
    np.testing.assert_array_equal(seen.data, 0.0)
    with tg.no_grad():
        m.add_(1.0)  # an unrecorded change writes into m's memory, which the view shows
    assert np.all(seen.data == 1.0)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "prod", "logsumexp", "nansum",
                                  "nanmean", "count_nonzero"])
def test_an_empty_tuple_of_dims_passed_positionally_or_to_the_function_reduces_every_dim_as_in_pytorch(name):
    """The first positional argument is PyTorch's dim: ``x.sum(())`` is ``x.sum(dim=())``, every dim; numpy's
    spelling of the other meaning (no axis) is the keyword ``axis=()``."""
    values = np.arange(1.0, 7.0).reshape(2, 3)
    x = tg.tensor(values)
    whole = getattr(x, name)(dim=None)
    for spelled in (getattr(x, name)(()), getattr(x, name)([]), getattr(x, name)(dim=()), getattr(tg, name)(x, ())):
        assert spelled.shape == () and np.allclose(spelled.numpy(), whole.numpy()), name
    expected = {"sum": 21.0, "mean": 3.5, "amax": 6.0, "amin": 1.0, "var": 3.5, "std": 3.5 ** 0.5, "prod": 720.0,
                "logsumexp": np.log(np.exp(values).sum()), "nansum": 21.0, "nanmean": 3.5, "count_nonzero": 6}
    assert np.isclose(whole.item(), expected[name])


def test_autograd_grad_with_batched_grad_outputs_gives_one_row_per_cotangent():
    """Rows of the identity as cotangents: the Jacobian. y = x³ ⊙ w → ∂y/∂x = diag(3x²w), ∂y/∂w = diag(x³)."""
    x_values, w_values = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    x, w = tg.tensor(x_values, requires_grad=True), tg.tensor(w_values, requires_grad=True)
    y = x**3 * w
    jx, jw = tg.autograd.grad(y, (x, w), tg.eye(3, dtype=tg.float64), is_grads_batched=True, create_graph=True)
    np.testing.assert_allclose(jx.data, np.diag(3 * x_values**2 * w_values))
    np.testing.assert_allclose(jw.data, np.diag(x_values**3))
    (h,) = tg.autograd.grad(jx.sum(), x)  # still differentiable: Σ 3x²w differentiates to 6xw
    np.testing.assert_allclose(h.data, 6 * x_values * w_values)
    z = (x * 2.0).sum()  # a scalar output: cotangents of shape (B,)
    (rows,) = tg.autograd.grad(z, x, tg.tensor([1.0, -1.0], dtype=tg.float64), is_grads_batched=True)
    np.testing.assert_allclose(rows.data, [[2.0] * 3, [-2.0] * 3])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tg.autograd.grad(z, x)  # the last row freed the graph (retain_graph defaults to create_graph)
    with pytest.raises(RuntimeError, match="needs grad_outputs"):
        tg.autograd.grad((x * 2.0).sum(), x, is_grads_batched=True)
    with pytest.raises(RuntimeError, match="shape"):
        tg.autograd.grad(x * 2.0, x, tg.ones(2, 4, dtype=tg.float64), is_grads_batched=True)


def test_linear_with_a_vector_weight_is_a_dot_product_over_the_last_axis():
    from tinygrad_edu.nn import functional as F  # noqa: N812

    x_values = RNG.standard_normal((5, 3))
    w = tg.tensor(RNG.standard_normal(3), requires_grad=True)
    y = F.linear(tg.tensor(x_values), w)
    np.testing.assert_allclose(y.data, x_values @ w.data)
    y.sum().backward()  # ∂/∂w Σ_rows x·w = Σ_rows x
    np.testing.assert_allclose(w.grad.data, x_values.sum(axis=0))


def test_autograd_grad_walks_only_towards_its_inputs_as_pytorch():
    """A retained tensor on the way to the input gets its gradient; one off every path keeps None (PyTorch's
    pruned walk). C = Σ (2a)² + Σ 3b: ∂C/∂a = 8a, ∂C/∂(2a) = 4a."""
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([1.0, 1.0], requires_grad=True)
    on_path, off_path = a * 2.0, b * 3.0
    on_path.retain_grad()
    off_path.retain_grad()
    (g,) = tg.autograd.grad((on_path * on_path).sum() + off_path.sum(), a)
    np.testing.assert_allclose(g.data, [8.0, 16.0])
    np.testing.assert_allclose(on_path.grad.data, [4.0, 8.0])
    assert off_path.grad is None and a.grad is None and b.grad is None
