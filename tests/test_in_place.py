"""In-place operations with PyTorch's semantics (issue 13, item 1).

Under no_grad they change the same tensor object and its memory (the manual update of every tutorial); on a leaf
that requires grad in grad mode they raise PyTorch's error; in a recorded graph the tensor takes the op's place and
gradients flow as through the out-of-place op. Every change bumps the version. Expected gradients are closed forms
(and PyTorch's, where installed)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation"

IN_PLACE = {  # name: (call, the out-of-place result as a closed form)
    "add_": (lambda x: x.add_(2.0), lambda v: v + 2), "sub_": (lambda x: x.sub_(1.0, alpha=3), lambda v: v - 3),
    "mul_": (lambda x: x.mul_(3.0), lambda v: v * 3), "div_": (lambda x: x.div_(4.0), lambda v: v / 4),
    "clamp_": (lambda x: x.clamp_(min=0.0), lambda v: np.maximum(v, 0)), "fill_": (lambda x: x.fill_(7.0),
                                                                                  lambda v: np.full_like(v, 7)),
    "zero_": (lambda x: x.zero_(), np.zeros_like), "copy_": (lambda x: x.copy_(tg.Tensor(np.float32(5))),
                                                           lambda v: np.full_like(v, 5)),
    "+=": (lambda x: x.__iadd__(1.0), lambda v: v + 1), "-=": (lambda x: x.__isub__(1.0), lambda v: v - 1),
    "*=": (lambda x: x.__imul__(2.0), lambda v: v * 2), "/=": (lambda x: x.__itruediv__(2.0), lambda v: v / 2),
    "setitem": (lambda x: x.__setitem__(0, 9.0) or x, lambda v: np.concatenate([[9.0], v[1:]])),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_under_no_grad_the_same_tensor_and_memory_change_and_the_version_counts(name):
    call, expected = IN_PLACE[name]
    w = nn.Parameter(np.array([1.0, -2.0, 3.0], np.float32))
    memory, before = w.data, w.data.copy()
    with tg.no_grad():
        result = call(w)
    assert result is w and w.data is memory and w.is_leaf and w.requires_grad and w._version == 1
    np.testing.assert_allclose(w.data, expected(before), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_on_a_leaf_that_requires_grad_in_grad_mode_it_raises_and_changes_nothing(name):
    call, _ = IN_PLACE[name]
    w = tg.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        call(w)
    assert w.data.tolist() == [1.0, -2.0, 3.0] and w._version == 0


def test_the_manual_update_of_every_tutorial_trains_the_model():
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((64, 3)).astype(np.float32))
    y = x @ tg.Tensor([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    weight = model.weight
    losses = []
    for _ in range(200):
        loss = ((model(x) - y) ** 2).mean()
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        losses.append(loss.item())
    assert model.weight is weight and losses[-1] < 1e-4 < losses[0]
    np.testing.assert_allclose(model.weight.data, [[1.0, -2.0, 0.5]], atol=1e-2)


def test_in_a_recorded_graph_the_tensor_takes_the_ops_place():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = tg.Tensor([3.0, 4.0], requires_grad=True)
    x = a * 1
    x.mul_(y)  # PyTorch: ∂/∂a = y, ∂/∂y = a as it was before the change
    assert not x.is_leaf and type(x.grad_fn).__name__ == "Mul" and x._version == 1
    (x * x).sum().backward()
    np.testing.assert_allclose(a.grad.data, 2 * (a.data * y.data) * y.data)
    np.testing.assert_allclose(y.grad.data, 2 * (a.data * y.data) * a.data)


def test_a_plain_tensor_changed_by_one_that_requires_grad_joins_the_graph():
    buffer = tg.zeros(2)
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    buffer += w * 3
    assert buffer.requires_grad and not buffer.is_leaf
    (buffer * buffer).sum().backward()
    np.testing.assert_allclose(w.grad.data, 2 * 3 * (3 * w.data))


def test_setitem_is_differentiable_in_the_value_and_the_elements_it_leaves():
    a = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = a * 2
    x[1] = a[0] * 5  # x = [2a₀, 5a₀, 2a₂]
    x.sum().backward()
    np.testing.assert_allclose(a.grad.data, [2 + 5, 0, 2])
    b = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    v = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = b * 1
    z[:, 1:] = v[1:]  # broadcast over the rows: v's gradient is summed back
    (z * tg.Tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_allclose(b.grad.data, [[0, 0, 0], [3, 0, 0]])
    np.testing.assert_allclose(v.grad.data, [0, 1 + 4, 2 + 5])


def test_fill_zero_and_copy_cut_the_old_values_off():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    s = tg.Tensor([5.0], requires_grad=True)
    x = a * 2
    x.copy_(s)  # broadcast into x: ∂/∂s = 2 (two elements), ∂/∂a = 0
    x.sum().backward()
    np.testing.assert_allclose(s.grad.data, [2.0])
    np.testing.assert_allclose(a.grad.data, [0.0, 0.0])
    a.grad = None
    x = a * 2
    x.zero_()
    (x + a).sum().backward()
    np.testing.assert_allclose(a.grad.data, [1.0, 1.0])


def test_dtype_and_shape_rules_are_pytorchs():
    counts = tg.Tensor([1, 2])
    with pytest.raises(RuntimeError, match="float32 can't be cast to the tensor's dtype int64"):
        counts += 0.5
    counts += 2
    assert counts.tolist() == [3, 4] and counts.dtype == np.int64
    floats = tg.ones(3)
    floats += tg.Tensor([1, 2, 3])  # an integer operand is fine
    assert floats.dtype == np.float32
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\), which can't be written into a tensor of shape \(3,\)"):
        floats += tg.ones(2, 3)
    grid = tg.zeros(2, 3)
    grid += tg.Tensor([1.0, 2.0, 3.0])  # broadcast into the tensor
    assert grid.tolist() == [[1.0, 2.0, 3.0]] * 2


def test_views_follow_changes_made_under_no_grad_and_block_recorded_ones():
    w = nn.Parameter(np.arange(6.0).reshape(2, 3))
    row = w[0]
    with tg.no_grad():
        w *= 2
        row += 1  # through the view: w's memory
    np.testing.assert_array_equal(w.data, [[1, 3, 5], [6, 8, 10]])
    assert w._version == row._version == 2
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    x = a * 1
    view = x[:1]
    with pytest.raises(RuntimeError, match="shares its memory with another still in use"):
        x.mul_(3)  # the view would keep the old values
    with pytest.raises(RuntimeError, match="in-place operation on a view"):
        view.mul_(3)
    del view
    x.mul_(3)
    x.sum().backward()
    np.testing.assert_allclose(a.grad.data, [3.0, 3.0])


def test_a_value_saved_before_a_recorded_change_stays_what_it_was():
    """Exp saved its output for its derivative; after x.mul_(2) the graph still differentiates exp at the old x.
    (PyTorch refuses this one; here the op keeps the old memory, so the answer is right.)"""
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    x = a.exp()
    x.mul_(2)
    x.sum().backward()
    np.testing.assert_allclose(a.grad.data, 2 * np.exp([1.0, 2.0]))


def test_random_fills_are_seeded_and_have_their_distribution():
    tg.manual_seed(0)
    first = tg.zeros(10000).normal_(1.0, 2.0)
    tg.manual_seed(0)
    again = tg.zeros(10000).normal_(1.0, 2.0)
    assert first.tolist() == again.tolist()
    assert abs(first.data.mean() - 1.0) < 0.1 and abs(first.data.std() - 2.0) < 0.1
    uniform = tg.zeros(10000).uniform_(-1.0, 3.0)
    assert uniform.data.min() >= -1.0 and uniform.data.max() < 3.0 and abs(uniform.data.mean() - 1.0) < 0.1


def test_in_place_matches_pytorch():
    torch = pytest.importorskip("torch")
    values = np.array([0.5, -1.0, 2.0])
    ours_a, theirs_a = tg.Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    for a in (ours_a, theirs_a):
        x = a * 1
        x += a * a
        x.mul_(a)
        x[0] = a[2] * 4
        x.sub_(a, alpha=2)
        (x * x).sum().backward()
    np.testing.assert_allclose(ours_a.grad.data, theirs_a.grad.numpy(), rtol=1e-12)


VIEW_IN_PLACE = {  # name: (call, the shape it leaves, the same view as a numpy closed form)
    "unsqueeze_": (lambda x: x.unsqueeze_(0), lambda v: v[None]),
    "squeeze_": (lambda x: x.unsqueeze_(1).squeeze_(), lambda v: v),
    "t_": (lambda x: x.t_(), lambda v: v.T),
    "transpose_": (lambda x: x.transpose_(0, 1), lambda v: v.T),
    "swapdims_": (lambda x: x.swapdims_(1, 0), lambda v: v.T),
    "swapaxes_": (lambda x: x.swapaxes_(0, -1), lambda v: v.T),
}


@pytest.mark.parametrize("name", sorted(VIEW_IN_PLACE))
def test_in_place_view_ops_reshape_the_tensor_itself_over_its_memory_and_count_a_version(name):
    call, expected = VIEW_IN_PLACE[name]
    values = np.arange(6.0).reshape(2, 3)
    x = tg.Tensor(values.copy())
    memory = x.data
    assert call(x) is x
    np.testing.assert_array_equal(x.data, expected(values))
    assert np.shares_memory(x.data, memory) and x._version >= 1
    with tg.no_grad():  # a leaf that requires grad: allowed under no_grad (PyTorch's rule), refused in grad mode
        w = tg.Tensor(values.copy(), requires_grad=True)
        call(w)
        np.testing.assert_array_equal(w.data, expected(values))
    w = tg.Tensor(values.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        call(w)
    assert w.shape == (2, 3)


@pytest.mark.parametrize("name", sorted(VIEW_IN_PLACE))
def test_in_place_view_ops_in_a_graph_are_recorded(name):
    call, _ = VIEW_IN_PLACE[name]
    a = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    h = a * 2.0
    call(h)
    weights = np.random.default_rng(0).standard_normal(h.shape)
    (h * tg.Tensor(weights)).sum().backward()
    # C = Σ weights ⊙ view(2a): ∂C/∂a = 2 · (the weights brought back through the view)
    back = weights[0] if name == "unsqueeze_" else weights if name == "squeeze_" else weights.T
    np.testing.assert_allclose(a.grad.data, 2 * back)


def test_an_in_place_view_op_counts_as_a_change_of_a_saved_tensor_as_in_pytorch():
    a = tg.Tensor(np.ones(3), requires_grad=True)
    h = a.tanh()  # Tanh saves its output
    h.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()
    h = a * 2.0
    with tg.no_grad(), pytest.raises(RuntimeError, match=r"unsqueeze_: under no_grad.*unsqueeze\(\) out of place"):
        h.unsqueeze_(0)  # its op would send back a gradient of the old shape: refused, the tensor unchanged
    assert h.shape == (3,)


def test_detach_in_place_makes_a_leaf_and_leaves_the_graph_of_what_was_computed_from_it():
    a = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = a * 3.0
    h.retain_grad()
    later = h * h  # computed before the detach: its graph still reaches a through h's op
    assert h.detach_() is h
    assert h.grad_fn is None and not h.requires_grad and h.is_leaf
    later.sum().backward()
    np.testing.assert_allclose(a.grad.data, 2 * 9 * np.array([1.0, 2.0]))  # d(9a²)/da
    assert h.grad is None  # detached: its op no longer hands it the gradient
    base = tg.Tensor(np.ones((2, 2)))
    view = base[0]
    with pytest.raises(RuntimeError, match="can't detach views in-place"):
        view.detach_()
    alias = base.detach()  # an alias is not a view (PyTorch: detach() of a base is not a view either)
    assert alias.detach_() is alias
