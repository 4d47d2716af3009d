"""PyTorch lines that used to mean something else here, or fail unhelpfully: ``requires_grad`` assignment, PyTorch's
keyword names, torch.Tensor's linear-algebra methods, logaddexp's limits, all-or-nothing scheduler loading, and
out-of-range dims. Each checked against PyTorch 2.13 (skips without torch; under CI=true a missing torch fails) or a
closed form."""

from __future__ import annotations

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg

torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")


# ------------------------------------------------------------------------------ requires_grad assignment
def test_setting_requires_grad_false_on_a_non_leaf_raises_as_in_pytorch_and_changes_nothing():
    ours = tg.ones(2, requires_grad=True) * 2
    theirs = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf") as their_error:
        theirs.requires_grad = False
    with pytest.raises(RuntimeError, match=r"only change requires_grad flags of leaf.*detach") as our_error:
        ours.requires_grad = False
    assert str(our_error.value) in str(their_error.value) + "."
    assert ours.requires_grad and not ours.is_leaf
    (ours * 3).sum().backward()  # the graph still reaches the leaf


def test_setting_requires_grad_on_a_leaf_follows_pytorch():
    for requires_grad in (True, False, True):
        ours, theirs = tg.ones(2), torch.ones(2)
        ours.requires_grad = theirs.requires_grad = requires_grad
        assert ours.requires_grad is theirs.requires_grad is requires_grad and ours.is_leaf
    made_without_grad = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        made_without_grad = made_without_grad * 2  # a leaf: no op was recorded
    made_without_grad.requires_grad = True
    made_without_grad.sum().backward()
    np.testing.assert_array_equal(made_without_grad.grad.data, [1.0, 1.0])


def test_an_integer_leaf_refuses_requires_grad_true_and_accepts_false():
    ours, theirs = tg.tensor([1, 2]), torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="floating point"):
        theirs.requires_grad = True
    with pytest.raises(TypeError, match=r"only floating-point tensors can require gradients.*int64"):
        ours.requires_grad = True
    ours.requires_grad = theirs.requires_grad = False
    assert not ours.requires_grad and not theirs.requires_grad


@pytest.mark.parametrize("value", [1, 0.0, None, "yes", np.bool_(True)])
def test_requires_grad_must_be_a_bool_as_in_pytorch(value):
    theirs = torch.ones(2)
    with pytest.raises(RuntimeError, match="requires_grad must be a bool"):
        theirs.requires_grad = value
    ours = tg.ones(2)
    with pytest.raises(TypeError, match="requires_grad must be a bool"):
        ours.requires_grad = value
    assert ours.requires_grad is False


def test_a_non_leaf_accepts_requires_grad_true_which_changes_nothing():
    """PyTorch refuses even True on a non-leaf; here it is accepted, as a non-leaf always requires grad already."""
    ours = tg.ones(2, requires_grad=True) * 2
    ours.requires_grad = True
    assert ours.requires_grad and not ours.is_leaf
