"""Version counters: a value saved for backward and changed in place afterwards is refused, as PyTorch does.

Each test builds a graph whose backward needs a value, changes that value in place, and expects the error that
names the op, what it saved and both versions; the same graph without the change gives the hand-derived gradient.
"""

import copy
import pickle

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

MODIFIED = "modified by an inplace operation"


def test_a_leaf_changed_after_it_was_saved_is_refused_naming_op_input_and_versions():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()  # Mul saved w (twice)
    with tg.no_grad():
        w.zero_()
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"MulBackward's saved tensor 0 \(shape \(2,\)\) is at version 1; "
                                           r"expected version 0"):
        loss.backward()


def test_an_optimizer_step_between_forward_and_backward_is_refused_where_the_graph_saved_the_weight():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = tg.Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    loss = model(x).sum()
    loss.backward(retain_graph=True)
    before = model.weight._version
    opt.step()
    assert model.weight._version == before + 1
    with pytest.raises(RuntimeError, match=r"MatMulTBackward's saved tensor 1 \(shape \(2, 3\)\)"):
        loss.backward()  # ∂C/∂x = ∂C/∂z · W needs the weight as it was


def test_what_no_derivative_needs_is_not_saved_so_changing_it_is_fine():
    """As PyTorch: x @ Wᵀ with a data x saves x (for ∂C/∂W) but not W, so a step before backward is allowed."""
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = tg.Tensor(np.ones((4, 3), np.float32))
    loss = model(x).sum()
    opt.zero_grad()
    loss.backward(retain_graph=True)
    expected = model.weight.grad.data.copy()
    opt.step()
    opt.zero_grad()
    loss.backward()
    np.testing.assert_array_equal(model.weight.grad.data, expected)  # ∂C/∂W = Σ over the batch of x


def test_the_optimizers_and_init_bump_the_version_of_what_they_change():
    p = nn.Parameter(np.ones(3, np.float32))
    for make in (lambda q: optim.SGD([q], lr=0.1, momentum=0.9), lambda q: optim.Adam([q]),
                 lambda q: optim.AdamW([q]), lambda q: optim.RMSprop([q], centered=True, momentum=0.5)):
        before = p._version
        p.grad = tg.ones(3)
        make(p).step()
        assert p._version == before + 1
    before = p._version
    nn.init.normal_(p)
    nn.init.zeros_(p)
    assert p._version == before + 2


def test_changing_an_intermediate_or_a_saved_output_is_refused():
    x = tg.Tensor([0.5, -1.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()  # Mul saved h
    with tg.no_grad():
        h.zero_()
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()
    x = tg.Tensor([0.5, -1.0], requires_grad=True)
    t = x.tanh()
    y = t.sum()  # Tanh keeps its output for 1 − z²
    with tg.no_grad():
        t.zero_()
    with pytest.raises(RuntimeError, match=r"TanhBackward's its output \(shape \(2,\)\) is at version 1"):
        y.backward()


def test_an_input_saved_by_an_op_then_changed_by_a_recorded_in_place_op_is_refused():
    """x.mul_(2) in grad mode records a new node for x; Mul, which saved x for w's gradient, would read the new
    values: refused, as PyTorch (the check runs even though no tensor was changed under no_grad)."""
    w = tg.Tensor([2.0, 3.0], requires_grad=True)
    x = tg.Tensor([0.5, -1.0], requires_grad=True) * 1.0
    y = (x * w).sum()
    x.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_views_and_detach_share_the_version_of_their_memory():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = (x * x).sum()
    x.detach().reshape(6)[2:].zero_()  # a view of a detached alias: the same memory, the same counter
    assert x._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()
    c = tg.Tensor(np.arange(4.0))
    view = c[1:]
    assert view.version_counter is c.version_counter and c.T.version_counter is c.version_counter
    assert (c * 2).version_counter is not c.version_counter  # new memory, a counter of its own
    copied = c.reshape(2, 2).T.reshape(4)  # a reshape that has to copy is new memory
    assert copied.version_counter is not c.version_counter


def test_an_unsaved_value_may_change_and_the_gradient_is_still_the_functions():
    """Add saves nothing: changing an addend in place can't affect ∂(a + b)/∂a = 1, so backward proceeds."""
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    b = tg.Tensor([3.0, 4.0])
    loss = (a + b).sum()
    b.zero_()
    loss.backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])


def test_writes_through_data_are_the_untracked_escape_hatch():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data[...] = 10.0  # as PyTorch's .data: no version bump, the graph sees the new values
    assert w._version == 0
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [20.0, 20.0])


def test_in_place_on_a_leaf_that_requires_grad_is_refused_in_grad_mode_and_changes_nothing():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w.zero_()
    assert w._version == 0 and w.data.tolist() == [1.0, 2.0]
    with tg.no_grad():
        w.zero_()
    assert w._version == 1 and w.data.tolist() == [0.0, 0.0]


def test_a_graph_built_after_the_change_uses_the_new_values():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        w.zero_()
    (w * w + w).sum().backward()  # saved at version 1, backward at version 1
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_retain_graph_checks_versions_on_every_backward():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    with tg.no_grad():
        w.zero_()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_loading_a_state_dict_is_an_in_place_change():
    model = nn.Linear(2, 1)
    x = tg.Tensor(np.ones((1, 2), np.float32), requires_grad=True)
    loss = model(x).sum()  # saved the weight for ∂C/∂x
    model.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.zeros(1)})
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


# ----------------------------------------------------------------------------------------------- copies
def test_a_copied_leaf_starts_at_version_zero_a_deep_copy_with_its_gradient():
    x = tg.ones(3, requires_grad=True)
    with tg.no_grad():
        x.add_(1)
    x.grad = tg.ones(3)
    for copied in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert copied._version == 0 and copied.requires_grad
        np.testing.assert_array_equal(copied.data, x.data)
        assert not np.shares_memory(copied.data, x.data)
    copied = copy.deepcopy(x)  # PyTorch's deepcopy keeps .grad (a copy); its pickle drops it
    np.testing.assert_array_equal(copied.grad.data, x.grad.data)
    assert copied.grad is not x.grad and pickle.loads(pickle.dumps(x)).grad is None


def test_copying_a_tensor_computed_in_a_graph_is_refused():
    y = tg.ones(3, requires_grad=True) * 2
    for copier in (copy.deepcopy, pickle.dumps):
        with pytest.raises(RuntimeError, match="graph leaves"):
            copier(y)


def test_a_shallow_copy_shares_the_version_counter():
    """``copy.copy`` is one more tensor over the same memory: changing it in place must invalidate what a graph
    saved of the original, as changing the original does."""
    x = tg.ones(3, requires_grad=True)
    w = tg.ones(3)
    y = (x * w).sum()  # saves w for x's gradient
    alias = copy.copy(w)
    assert np.shares_memory(alias.data, w.data)
    alias.add_(1)
    assert w._version == alias._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ----------------------------------------------------------------------------------------------- indices and masks
# An index, mask or bound tensor carries no gradient, but backward reads it: where the forward ran with it, the
# gradient must use the values it had then, however the tensor changes in place afterwards (PyTorch raises here,
# except for take_along_dim, where it gives these gradients).
def _gradient_after(build, change) -> np.ndarray:
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = build(a)
    with tg.no_grad():
        change()
    (out * tg.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape).astype(np.float32))).sum().backward()
    return a.grad.numpy()


def test_an_index_changed_after_indexing_leaves_the_gradient_of_the_forward_that_ran():
    i = tg.tensor([0, 1])
    assert _gradient_after(lambda a: a[i], lambda: i.fill_(2)).tolist() == [1, 2, 0]
    j = tg.tensor([0, 1])
    assert _gradient_after(lambda a: a.take_along_dim(j, 0), lambda: j.fill_(2)).tolist() == [1, 2, 0]
    k = tg.tensor([2, 0])
    assert _gradient_after(lambda a: a.gather(0, k), lambda: k.zero_()).tolist() == [2, 0, 1]
    rows = tg.tensor([1])
    assert _gradient_after(lambda a: a.index_select(0, rows), lambda: rows.zero_()).tolist() == [0, 1, 0]


def test_indices_an_op_returned_and_the_caller_changed_leave_the_gradient_of_the_forward_that_ran():
    held = {}

    def sort(a):
        values, held["order"] = a.sort(descending=True)
        return values

    assert _gradient_after(sort, lambda: held["order"].zero_()).tolist() == [3, 2, 1]

    def max_along(a):
        values, held["where"] = a.reshape(1, 3).max(dim=1)
        return values

    assert _gradient_after(max_along, lambda: held["where"].zero_()).tolist() == [0, 0, 1]


def test_a_mask_or_bound_changed_after_the_forward_leaves_the_gradient_of_the_forward_that_ran():
    m = tg.tensor([True, False, True])
    assert _gradient_after(lambda a: tg.where(m, a, 0.0), lambda: m.fill_(False)).tolist() == [1, 0, 3]
    f = tg.tensor([False, True, False])
    assert _gradient_after(lambda a: a.masked_fill(f, 0.0), lambda: f.fill_(True)).tolist() == [1, 0, 3]
    lo = tg.tensor([1.5, 0.0, 0.0])
    assert _gradient_after(lambda a: a.clamp(min=lo), lambda: lo.fill_(0.0)).tolist() == [0, 2, 3]
    mask = tg.tensor([True, False, True])
    assert _gradient_after(lambda a: a[mask], lambda: mask.fill_(False)).tolist() == [1, 0, 2]
