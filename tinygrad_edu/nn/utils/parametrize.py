"""PyTorch's ``torch.nn.utils.parametrize``: a parameter or buffer replaced by a function of its "original"
tensor(s), recomputed at every access (``module.weight`` = f(``module.parametrizations.weight.original``)).

As PyTorch: the module's class becomes ``Parametrized<Class>`` with a property per parametrized name; the original
lives in ``module.parametrizations[name]`` (a ``ParametrizationList``), so state dicts have PyTorch's keys
(``parametrizations.weight.original``); assigning to the name goes through the parametrizations' ``right_inverse``.
Everything is composed from Tensor ops, so gradients reach the originals by the chain rule.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from ... import engine, grad_mode
from ..._tensor import Tensor
from ..container import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization", "remove_parametrizations",
           "type_before_parametrizations"]


class _Cache:
    """The values ``cached()`` keeps: (id of the module, name) → the parametrized tensor, while ``depth`` > 0."""

    depth = 0
    values: ClassVar[dict[tuple[int, str], Tensor]] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside the block each parametrized tensor is computed once, at its first access, and reused (PyTorch's)."""
    _Cache.depth += 1
    try:
        yield
    finally:
        _Cache.depth -= 1
        if not _Cache.depth:
            _Cache.values = {}


def _write(original: Tensor, value: Tensor) -> None:
    """``original`` takes ``value``'s values in place (PyTorch's ``set_``): the same object, so optimizers keep it."""
    values = np.array(value.data, dtype=original.dtype)
    if values.shape == original.data.shape:
        np.copyto(original.data, values)
    else:
        original.data = values
    engine.bump_version(original)


def _register(module: Module, name: str, tensor: Tensor) -> None:
    if isinstance(tensor, Parameter):
        module.register_parameter(name, tensor)
    else:
        module.register_buffer(name, tensor)


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order to its original(s): ``original`` (one tensor), or
    ``original0``, ``original1``, … when the first parametrization's ``right_inverse`` returns several."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        with grad_mode.no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    with contextlib.suppress(NotImplementedError):  # as PyTorch: then taken as the identity
                        new = module.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        if self.is_tensor:
            if new.dtype != original.dtype:
                raise ValueError(f"register_parametrization: right_inverse changed the dtype from {original.dtype} "
                                 f"to {new.dtype}")
            _write(original, new)
            _register(self, "original", original)
            return
        if not isinstance(new, (tuple, list)) or not all(isinstance(t, Tensor) for t in new):
            raise ValueError(f"register_parametrization: right_inverse must return a tensor or a sequence of "
                             f"tensors, got {type(new).__name__}")
        self.ntensors = len(new)
        for i, tensor in enumerate(new):
            copy = Tensor(tensor.data.copy())
            _register(self, f"original{i}", Parameter(copy, original.requires_grad)
                      if isinstance(original, Parameter) else copy)

    def originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization of the original(s), then each of the others."""
        first, *rest = list(self)
        x = first(*self.originals())
        for module in rest:
            x = module(x)
        return x

    def right_inverse(self, value: Tensor) -> None:
        """Set the original(s) so the parametrized tensor becomes ``value``, through each ``right_inverse`` in
        reverse order (in place, untracked)."""
        with grad_mode.no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse")
                value = module.right_inverse(value)
            values = [value] if self.is_tensor else list(value)
            if len(values) != len(self.originals()):
                raise ValueError(f"right_inverse returned {len(values)} tensors, {len(self.originals())} expected")
            for original, new in zip(self.originals(), values):
                if not isinstance(new, Tensor) or new.dtype != original.dtype:
                    raise ValueError(f"right_inverse must return tensors of dtype {original.dtype}, got {new!r:.60}")
                if new.shape != original.shape and not self.unsafe:
                    raise ValueError(f"right_inverse returned shape {new.shape} for an original of shape "
                                     f"{original.shape} (pass unsafe=True to register_parametrization to allow it)")
                _write(original, new)


def _value(module: Module, name: str) -> Tensor:
    if not _Cache.depth:
        return module.parametrizations[name]()
    key = (id(module), name)
    if key not in _Cache.values:
        _Cache.values[key] = module.parametrizations[name]()
    return _Cache.values[key]


def _inject_class(module: Module) -> None:
    """Give ``module`` its own subclass ``Parametrized<Class>``, where the parametrized names become properties."""
    cls = type(module)

    def __setattr__(self: Module, name: str, value: Any) -> None:  # noqa: N807 - the method's own name
        if is_parametrized(self, name):
            self.parametrizations[name].right_inverse(value)
        else:
            cls.__setattr__(self, name, value)

    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"__setattr__": __setattr__,
                                                                     "__module__": cls.__module__})


def _check_keeps_shape_and_dtype(value: Any, original: Tensor, what: str) -> None:
    if not isinstance(value, Tensor):
        raise ValueError(f"register_parametrization: a parametrization must return a tensor, got "
                         f"{type(value).__name__}")
    if value.shape != original.shape or value.dtype != original.dtype:
        raise ValueError(f"register_parametrization: {what} changed the tensor from shape {original.shape} and dtype "
                         f"{original.dtype} to {value.shape} and {value.dtype}; pass unsafe=True to allow it")


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` = ``parametrization(original)`` from now on (after any parametrizations already
    there); the original is first set to ``parametrization.right_inverse(value)`` if it has one. Returns module."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be a Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        with grad_mode.no_grad():
            current = getattr(module, tensor_name)
            if not unsafe:
                _check_keeps_shape_and_dtype(parametrization(current), current, type(parametrization).__name__)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
        return module
    original = dict(module.named_parameters(recurse=False)).get(tensor_name)
    if original is None:
        original = dict(module.named_buffers(recurse=False)).get(tensor_name)
    if original is None:
        raise ValueError(f"Module {type(module).__name__} does not have a parameter, a buffer, or a parametrized "
                         f"element with name {tensor_name!r}")
    if not unsafe:
        with grad_mode.no_grad():
            _check_keeps_shape_and_dtype(parametrization(original), original, type(parametrization).__name__)
    parametrizations = ParametrizationList([parametrization], original, unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = parametrizations
    setattr(type(module), tensor_name, property(lambda self: _value(self, tensor_name)))
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given)."""
    parametrizations = dict(module.named_children()).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``: the tensor becomes a plain parameter (or buffer) again,
    holding its current parametrized value (``leave_parametrized``) or its original. Returns module."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {type(module).__name__} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with grad_mode.no_grad():
                _write(original, getattr(module, tensor_name))
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        original = Parameter(value.detach(), value.requires_grad) if value.requires_grad else value.detach()
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in "
                         "terms of a sequence of tensors.")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)
