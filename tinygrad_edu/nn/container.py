"""Containers: modules that hold other modules or parameters under names, as PyTorch's ``Sequential``,
``ModuleList``, ``ModuleDict``, ``ParameterList`` and ``ParameterDict``."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._tensor import Tensor
from .module import Module, Parameter


class _IndexedModules(Module):
    """What ``ModuleList`` and ``Sequential`` share: modules in order, reached by position (neither is the other, as
    in PyTorch, so ``isinstance`` tells them apart)."""

    def append(self, module: Module) -> _IndexedModules:
        self.add_module(str(len(self._modules)), _checked(module, self))
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedModules:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index``; the modules are numbered again from 0 (PyTorch's rule)."""
        if not -len(self) <= index <= len(self):
            raise IndexError(f"insert: index {index} is out of range for {type(self).__name__} of length {len(self)}")
        modules = list(self._modules.values())
        modules.insert(index, _checked(module, self))
        self._renumber(modules)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def __delitem__(self, index: int | slice) -> None:
        """Remove by position (or slice); the rest are numbered again from 0, as PyTorch does."""
        kept = list(self._modules.values())
        del kept[index if isinstance(index, slice) else list(self._modules).index(self._key(index))]
        self._renumber(kept)

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        for position, module in enumerate(modules):
            self._modules[str(position)] = module
        Module.edits += 1

    def _key(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of length {len(self)}")
        return list(self._modules)[index]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._sliced(list(self._modules.items())[index])
        return self._modules[self._key(index)]

    def _sliced(self, items: list[tuple[str, Module]]) -> _IndexedModules:
        raise NotImplementedError

    def __setitem__(self, index: int, module: Module) -> None:
        self._modules[self._key(index)] = _checked(module, self)
        Module.edits += 1

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


def _checked(module: Any, container: Module) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{type(container).__name__} holds Modules, got {type(module).__name__}")
    return module


class ModuleList(_IndexedModules):
    """A list of modules, registered under their indices ``0``, ``1``, …"""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def _sliced(self, items: list[tuple[str, Module]]) -> ModuleList:
        return ModuleList(module for _, module in items)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList of these modules, then ``other``'s (the same modules, not copies)."""
        return ModuleList(itertools.chain(self, other))

    def __iadd__(self, other: Iterable[Module]) -> ModuleList:
        return self.extend(list(other))


class Sequential(_IndexedModules):
    """Modules applied one after another: the seed's f_NN(x) = f^L(… f^1(f^0(x)))."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, _checked(module, self))
        else:
            self.extend(modules[0] if len(modules) == 1 and isinstance(modules[0], list) else modules)

    def _sliced(self, items: list[tuple[str, Module]]) -> Sequential:
        return Sequential(OrderedDict(items))  # the names stay, as in PyTorch

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of these modules, then ``other``'s, numbered from 0 (the same modules, not copies)."""
        return Sequential().extend(itertools.chain(self, _sequential(other)))

    def __iadd__(self, other: Sequential) -> Sequential:
        return self.extend(list(_sequential(other)))

    def __mul__(self, times: int) -> Sequential:
        """A new Sequential of these modules ``times`` over (the same modules each time, so they share parameters)."""
        return Sequential().extend(list(self) * self._factor(times))

    __rmul__ = __mul__

    def __imul__(self, times: int) -> Sequential:
        return self.extend(list(self) * (self._factor(times) - 1))

    def _factor(self, times: Any) -> int:
        """``times`` checked as PyTorch checks it: an int (TypeError), and positive (ValueError)."""
        if not isinstance(times, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(times)}")
        if times <= 0:
            raise ValueError(f"Non-positive multiplication factor {times} for {type(self)}")
        return times

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x


def _sequential(other: Any) -> Sequential:
    """``other`` if it is a Sequential: PyTorch's ``+`` joins a Sequential with another only (ValueError otherwise)."""
    if not isinstance(other, Sequential):
        raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
    return other


def _pairs(values: Mapping[str, Any] | Iterable[tuple[str, Any]], kind: str) -> list[tuple[str, Any]]:
    """(key, value) pairs from a mapping or an iterable of pairs, as PyTorch's ``update`` accepts them."""
    items = list(values.items()) if isinstance(values, Mapping) else list(values)
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f"{kind}.update expects a mapping or (key, value) pairs, got an element {item!r:.60}")
    return [(str(key), value) for key, value in items]


class ModuleDict(Module):
    """Modules registered under string keys, in insertion order (a dict you can index and iterate over)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for key {key!r}")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        Module.edits += 1

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()
        Module.edits += 1

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module


def _as_parameter(value: Any) -> Any:
    """A plain tensor becomes a Parameter over the same memory (as PyTorch's ParameterList/Dict do); a Parameter
    stays itself; other values are kept as plain attributes are."""
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


class ParameterList(Module):
    """Parameters registered under their indices ``0``, ``1``, … (plain tensors are made Parameters)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        for value in values or ():
            self.append(value)

    def _key(self, index: int) -> str:
        if not -self._size <= index < self._size:
            raise IndexError(f"index {index} is out of range for ParameterList of length {self._size}")
        return str(index % self._size)

    def __getitem__(self, index: int) -> Any:
        return getattr(self, self._key(index))

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, self._key(index), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self._size))

    def append(self, value: Any) -> ParameterList:
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self


class ParameterDict(Module):
    """Parameters registered under string keys, in insertion order, a plain dict's sorted (plain tensors are made
    Parameters)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((key, self[key]) for key in self._keys)

    def values(self) -> Iterator[Any]:
        return (self[key] for key in self._keys)

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace parameters: in order from an OrderedDict, a ParameterDict or pairs; in key order from a
        plain mapping (PyTorch's rule)."""
        if isinstance(parameters, Mapping) and not isinstance(parameters, (OrderedDict, ParameterDict)):
            parameters = sorted(parameters.items())
        for key, value in _pairs(parameters, "ParameterDict"):
            self[key] = value
