"""Compare a layer here with the same layer in PyTorch on copied weights: outputs, and the gradients of a random
weighting of the outputs with respect to every float input and every parameter (PyTorch as the independent truth)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tinygrad_edu as tg


def flat_tensors(value: Any) -> list:
    """The tensors in a (nested) tuple of outputs, in order; None entries dropped."""
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in flat_tensors(item)]
    return [] if value is None else [value]


def copy_weights(ours: Any, theirs: Any) -> None:
    """Load PyTorch's state dict (as float64 arrays) into our module, which must use the same names and shapes."""
    theirs.double().zero_grad()
    ours.double().zero_grad()
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})


def compare_with_torch(torch: Any, ours: Any, theirs: Any, inputs: Sequence[Any],
                       call: Callable[..., Any] | None = None, rtol: float = 1e-9, atol: float = 1e-10,
                       seed: int = 0) -> list[np.ndarray]:
    """Run both modules on ``inputs`` (float arrays become float64 leaves that require grad; other values pass as
    they are, arrays of ints or bools as tensors) and assert equal outputs and gradients; returns our outputs."""
    copy_weights(ours, theirs)
    call = call or (lambda module, *xs: module(*xs))

    def leaves(values: Any, make: Callable[[np.ndarray, bool], Any]) -> Any:
        if isinstance(values, (tuple, list)):
            return type(values)(leaves(v, make) for v in values)
        return make(values, values.dtype.kind == "f") if isinstance(values, np.ndarray) else values

    their_inputs = leaves(list(inputs), lambda x, grad: torch.tensor(x, dtype=torch.float64 if grad else None,
                                                                     requires_grad=grad))
    our_inputs = leaves(list(inputs), lambda x, grad: tg.Tensor(x.astype(np.float64) if grad else x,
                                                                requires_grad=grad))
    their_out, our_out = flat_tensors(call(theirs, *their_inputs)), flat_tensors(call(ours, *our_inputs))
    assert len(their_out) == len(our_out), f"{len(our_out)} outputs here, {len(their_out)} in PyTorch"
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(t.shape)) for t in their_out]
    sum(((t * torch.from_numpy(w)).sum() for t, w in zip(their_out, weights) if t.requires_grad),
        torch.zeros((), dtype=torch.float64, requires_grad=True)).backward()
    total = sum(((t * tg.Tensor(w)).sum() for t, w in zip(our_out, weights) if t.requires_grad),
                tg.Tensor(np.zeros(()), requires_grad=True))
    total.backward()
    for index, (mine, expected) in enumerate(zip(our_out, their_out)):
        np.testing.assert_allclose(mine.data, expected.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"output {index}")
    for index, (mine, expected) in enumerate(zip(flat_tensors(our_inputs), flat_tensors(their_inputs))):
        if getattr(expected, "requires_grad", False):
            if expected.grad is None:
                assert mine.grad is None, f"input {index}: PyTorch has no gradient"
                continue
            np.testing.assert_allclose(mine.grad.data, expected.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {index}")
    their_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        expected = their_params[name].grad
        if expected is None:
            assert param.grad is None or not param.grad.data.any(), f"{name}: PyTorch has no gradient"
            continue
        np.testing.assert_allclose(param.grad.data, expected.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name}")
    assert set(their_params) == {name for name, _ in ours.named_parameters()}
    return [t.data for t in our_out]
