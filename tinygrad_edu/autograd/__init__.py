"""PyTorch's ``torch.autograd`` names — ``grad``, ``backward``, ``Function``, ``gradcheck`` and the switches — so
code written against ``torch.autograd`` runs here as written."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor, stack
from ..grad_mode import detect_anomaly, enable_grad, inference_mode, no_grad, set_grad_enabled
from ..gradcheck import gradcheck, gradgradcheck
from ..transforms import reached_grads
from . import function
from .function import Function, once_differentiable

__all__ = ["Function", "backward", "detect_anomaly", "enable_grad", "function", "grad", "gradcheck", "gradgradcheck",
           "inference_mode", "no_grad", "once_differentiable", "set_grad_enabled"]

Tensors = Tensor | Sequence[Tensor]


def _as_tuple(tensors: Tensors, what: str) -> tuple[Tensor, ...]:
    if not isinstance(tensors, (Tensor, list, tuple)):
        raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, got {type(tensors).__name__}")
    items = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{what}: element {index} is a {type(item).__name__}, not a Tensor")
    return items


def _seeds(outputs: tuple[Tensor, ...], grad_outputs: Any, what: str) -> list[Tensor]:
    """The gradient each output is seeded with: given, or 1 for a single-element output (PyTorch's rule)."""
    given = [None] * len(outputs) if grad_outputs is None else (
        [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs))
    if len(given) != len(outputs):
        raise ValueError(f"{what}: {len(given)} gradients for {len(outputs)} outputs")
    seeds = []
    for index, (output, seed) in enumerate(zip(outputs, given)):
        if seed is None:
            if output.data.size != 1:
                raise RuntimeError(f"{what}: a gradient can be implicitly created only for a single-element output; "
                                   f"output {index} has shape {output.shape}, so pass its grad_outputs")
            seed = Tensor.wrap(np.ones(output.shape, output.dtype))
        seed = seed if isinstance(seed, Tensor) else Tensor(seed, dtype=output.dtype)
        if seed.shape != output.shape:
            raise RuntimeError(f"{what}: the gradient for output {index} has shape {seed.shape}, expected "
                               f"{output.shape}")
        seeds.append(seed)
    return seeds


def _batched_seeds(outputs: tuple[Tensor, ...], grad_outputs: Any) -> list[list[Tensor]]:
    """``is_grads_batched``: the rows of grad_outputs (one per output, each of shape (B, *output.shape))."""
    given = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs or ())
    if len(given) != len(outputs) or not all(isinstance(g, Tensor) and g.ndim >= 1 for g in given):
        raise RuntimeError("grad(is_grads_batched=True) needs grad_outputs: one Tensor per output, with a leading "
                           "batch axis")
    sizes = {g.shape[0] for g in given}
    if len(sizes) != 1 or 0 in sizes:
        raise RuntimeError(f"grad(is_grads_batched=True): the grad_outputs' batch sizes differ or are 0: "
                           f"{sorted(sizes)}")
    return [[g[k] for g in given] for k in range(sizes.pop())]


def _check_differentiable(outputs: tuple[Tensor, ...], what: str) -> None:
    for index, output in enumerate(outputs):
        if not output.requires_grad:
            raise RuntimeError(f"{what}: element {index} of tensors does not require grad and does not have a grad_fn")


def grad(outputs: Tensors, inputs: Tensors, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """Σₖ grad_outputsₖ · ∂outputsₖ/∂input for each input, returned rather than added to ``.grad`` (which stays as
    it was, but for non-leaves marked ``retain_grad()``, which add theirs), as ``torch.autograd.grad``. The graph
    is freed unless ``retain_graph`` (default: ``create_graph``); with ``create_graph`` the results are
    differentiable again (second derivatives). An input the outputs do not depend on is an error, or None with
    ``allow_unused=True``, or zeros with ``materialize_grads=True``. ``only_inputs`` is PyTorch's deprecated flag,
    ignored there too. ``is_grads_batched``: each grad_outputs has a leading batch axis, and each result one too,
    row k computed from row k (one backward per row here, where PyTorch vectorizes)."""
    outputs, inputs = _as_tuple(outputs, "grad: outputs"), _as_tuple(inputs, "grad: inputs")
    for index, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: input {index} (one of the differentiated Tensors) does not require grad")
    _check_differentiable(outputs, "grad")
    retain = create_graph if retain_graph is None else retain_graph
    if is_grads_batched:
        rows = _batched_seeds(outputs, grad_outputs)
        per_row = [reached_grads(outputs, _seeds(outputs, row, "grad"), inputs, create_graph,
                                 retain or k < len(rows) - 1) for k, row in enumerate(rows)]
        grads = [None if any(r[i] is None for r in per_row) else stack([r[i] for r in per_row])
                 for i in range(len(inputs))]
    else:
        seeds = _seeds(outputs, grad_outputs, "grad")
        grads = reached_grads(outputs, seeds, inputs, create_graph, retain, fill_retained=True)
    if materialize_grads:
        return tuple(Tensor.wrap(np.zeros_like(w.data)) if g is None else g for w, g in zip(inputs, grads))
    unused = [index for index, g in enumerate(grads) if g is None]
    if unused and not allow_unused:
        raise RuntimeError(f"grad: input {unused[0]} (one of the differentiated Tensors) appears to not have been "
                           "used in the graph; pass allow_unused=True to get None for it")
    return tuple(grads)


def backward(tensors: Tensors, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Add Σₖ grad_tensorsₖ · ∂tensorsₖ/∂leaf to ``.grad`` of every leaf, as ``torch.autograd.backward``: one
    backward pass through all the tensors (``tensors[0].backward(g)`` when there is one)."""
    outputs = _as_tuple(tensors, "backward: tensors")
    _check_differentiable(outputs, "backward")
    seeds = _seeds(outputs, grad_tensors, "backward")
    if len(outputs) == 1:
        outputs[0].backward(seeds[0], retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
        return
    root = functools.reduce(operator.add, ((out * seed).sum() for out, seed in zip(outputs, seeds)))
    root.backward(retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
