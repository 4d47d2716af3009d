"""PyTorch's ``torch.nn.utils.stateless.functional_call`` (``torch.func.functional_call``): call a module with some
of its parameters and buffers replaced by given tensors, for that call only — gradients flow to the given tensors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..._tensor import Tensor
from ..module import Module

__all__ = ["functional_call"]


def _registries(module: Module) -> dict[str, tuple[dict, str]]:
    """Dotted name → (the registry that holds it, its name there), for every parameter and buffer of the tree."""
    where = {}
    for prefix, owner in module.named_modules(remove_duplicate=False):
        for registry in (owner._parameters, owner._buffers):
            for name, value in registry.items():
                if value is not None:
                    where[f"{prefix}.{name}" if prefix else name] = (registry, name)
    return where


def _with_tied_names(module: Module, given: dict[str, Tensor]) -> dict[str, Tensor]:
    """``given`` extended to every other name of a tied tensor (one object under several names), as PyTorch's
    ``tie_weights``; two different values for one tied tensor are refused."""
    names_of: dict[int, list[str]] = {}
    for name, tensor in (*module.named_parameters(remove_duplicate=False),
                         *module.named_buffers(remove_duplicate=False)):
        names_of.setdefault(id(tensor), []).append(name)
    extended = dict(given)
    for names in names_of.values():
        values = {id(given[n]): given[n] for n in names if n in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(n for n in names if n in given)}, "
                             "which are tied. Consider using tie_weights=False")
        if values:
            extended.update({n: next(iter(values.values())) for n in names})
    return extended


@contextlib.contextmanager
def _reparametrized(module: Module, tensors: dict[str, Tensor], tie_weights: bool, strict: bool) -> Iterator[None]:
    where = _registries(module)
    unknown = sorted(set(tensors) - set(where))
    missing = sorted(set(where) - set(tensors)) if strict else []
    if unknown or missing:
        raise RuntimeError(f"functional_call: {type(module).__name__} has no parameter or buffer {unknown}"
                           if unknown else f"functional_call (strict=True): missing values for {missing}")
    if tie_weights:
        tensors = _with_tied_names(module, tensors)
    kept = [(registry, name, registry[name]) for key in tensors for registry, name in [where[key]]]
    try:
        for key, tensor in tensors.items():
            registry, name = where[key]
            registry[name] = tensor
        yield
    finally:
        for registry, name, value in reversed(kept):
            registry[name] = value


def functional_call(module: Module, parameter_and_buffer_dicts: Mapping[str, Tensor] | Sequence[Mapping[str, Tensor]],
                    args: Any = None, kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the parameters and buffers named in the dict(s) (dotted names, as
    ``state_dict``) replaced by the given tensors for this call; the module is left as it was afterwards.
    ``args`` that is not a tuple is the one positional argument, as PyTorch."""
    dicts = (parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (tuple, list))
             else (parameter_and_buffer_dicts,))
    tensors: dict[str, Tensor] = {}
    for values in dicts:
        repeated = sorted(set(tensors) & set(values))
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        tensors.update(values)
    for key, value in tensors.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"functional_call: the value for {key!r} must be a Tensor, got {type(value).__name__}")
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrized(module, tensors, tie_weights, strict):
        return module(*args, **(kwargs or {}))
