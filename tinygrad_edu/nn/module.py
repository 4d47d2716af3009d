"""``Module``: a container of ``Parameter``s, buffers and sub-modules, registered by attribute assignment.

A model is a tree of modules; ``named_parameters`` walks it and names each parameter by its path
(``encoder.1.bias``), ``state_dict``/``load_state_dict`` copy values out and back in by those names. Forward hooks
run around ``forward`` with PyTorch's signatures. The containers (``Sequential``, ``ModuleList``, ...) live in
``container``.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import engine, grad_mode
from .._tensor import Tensor, clear_grads, to_arguments
from ..serialization import convert_state_value


class Parameter(Tensor):
    """A tensor that a ``Module`` registers as learnable when it is assigned as an attribute: a leaf that requires
    grad. ``Parameter(t)`` of a Tensor shares its memory, as PyTorch's does; other data is copied."""

    __slots__ = ()

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Parameter:
        if isinstance(data, Tensor):
            if requires_grad and data.dtype.kind != "f":
                raise TypeError(f"only floating-point tensors can require gradients, got dtype {data.dtype}")
            return cls.wrap(data.data, bool(requires_grad), None, engine.version_counter_of(data))
        tensor = Tensor(np.zeros(0, np.float32) if data is None else data, requires_grad=requires_grad)
        return cls.wrap(tensor.data, tensor.requires_grad)

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        """Everything happened in ``__new__``."""

    def _take_data(self, value: Any) -> None:
        """PyTorch's ``p.data = t``: the parameter takes the tensor's array (shared, as in PyTorch); an ndarray is
        taken as it is; anything else is refused, rather than kept where every op expects an array."""
        if type(value) is not np.ndarray:
            if not isinstance(value, (Tensor, np.ndarray)):
                raise TypeError(f"Parameter.data must be a Tensor or an ndarray, got {type(value).__name__}; write "
                                "p.data = tg.tensor(values)")
            value = value.data if isinstance(value, Tensor) else value
        self._array = value

    data = property(operator.attrgetter("_array"), _take_data, doc="The array the parameter computes on.")

    copies_keep_grad = False  # a deep-copied parameter starts without .grad, as PyTorch's (so a copied model's
    # first backward is not added to the original's last gradient)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _no_values(self: Tensor, *args: Any) -> Any:
    raise RuntimeError("Can't access the shape or values of an uninitialized parameter or buffer (a lazy module's, "
                       "before its first forward): call the module on a batch first, or load a state dict into it")


def _pending_dtype(self: Tensor) -> np.dtype:
    """The dtype it will have (float32, or what its constructor or ``Module.to`` asked for)."""
    return self.__dict__["pending_dtype"]


def _materialize(self: Tensor, shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> None:
    """Become a ``cls_to_become`` of ``shape`` (zeros, for the module to initialise), in place: the same object."""
    to_arguments((), None, device, "materialize")
    values = np.zeros(tuple(int(n) for n in shape), self.dtype if dtype is None else np.dtype(dtype))
    del self.__dict__["pending_dtype"]
    self.__class__ = self.cls_to_become
    self.data = values


def _uninitialized_repr(self: Tensor) -> str:
    return f"<{type(self).__name__}>"


class UninitializedParameter(Parameter):
    """A ``Parameter`` whose shape is not known yet (a lazy module's, before its first forward, as PyTorch's): its
    values and shape can't be read until ``materialize(shape)`` turns it into a ``Parameter`` in place — the same
    object, so an optimizer made before updates it."""

    __slots__ = ()
    cls_to_become = Parameter
    data, shape, dtype = property(_no_values, _no_values), property(_no_values), property(_pending_dtype)
    materialize, __repr__ = _materialize, _uninitialized_repr

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> UninitializedParameter:
        target = to_arguments((), dtype, device, "UninitializedParameter")
        parameter = object.__new__(cls)
        parameter.__dict__["pending_dtype"] = np.dtype(np.float32 if target is None else target)
        parameter.requires_grad = bool(requires_grad)
        return parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        """Everything happened in ``__new__``."""


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (a lazy norm layer's running statistics), as ``UninitializedParameter``;
    ``materialize(shape)`` makes it a plain ``Tensor``."""

    cls_to_become = Tensor
    data, shape, dtype = property(_no_values, _no_values), property(_no_values), property(_pending_dtype)
    materialize, __repr__ = _materialize, _uninitialized_repr

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        target = to_arguments((), dtype, device, "UninitializedBuffer")
        self.__dict__["pending_dtype"] = np.dtype(np.float32 if target is None else target)


UNINITIALIZED = (UninitializedParameter, UninitializedBuffer)
"""The placeholders of a lazy module's parameters and buffers, before their shapes are known."""


def with_device_and_dtype(init: Callable[..., None]) -> Callable[..., None]:
    """A layer's constructor that also takes PyTorch's ``device=`` (the CPU, the one there is; any other is refused,
    naming it) and ``dtype=`` (a float dtype for its parameters and buffers), as in ``nn.Linear(3, 4, device=dev)``."""

    positional = sum(p.kind == p.POSITIONAL_OR_KEYWORD for p in inspect.signature(init).parameters.values()) - 1

    @functools.wraps(init)
    def constructed(self: Module, *args: Any, device: Any = None, dtype: Any = None, **kwargs: Any) -> None:
        name = type(self).__name__
        if len(args) > positional:
            raise TypeError(f"{name} takes {positional} positional arguments, got {len(args)}: pass device= and "
                            "dtype= by keyword")
        target = to_arguments((), dtype, device, name)
        if target is not None and target.kind != "f":
            raise TypeError(f"{name}: dtype must be a floating dtype for its parameters, got {target}")
        init(self, *args, **kwargs)
        if target is not None:
            self.to(target)

    return constructed


def _describe_value(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"shape {tuple(shape)}" if isinstance(shape, tuple) else f"a {type(value).__name__}"


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


_ABSENT = object()


class Registry(OrderedDict):
    """A module's parameters, buffers or submodules by name — PyTorch's ``_parameters``, ``_buffers`` and
    ``_modules`` — with every entry mirrored into the module's ``__dict__``, so reading ``module.weight`` is a plain
    attribute read: the ``__getattr__`` fallback that would find it here costs 1.3 µs, several times per layer per
    step. Every change goes through the methods below, so the mirror never goes stale, however the registry is
    edited (``m._parameters["weight"] = p`` as well as ``m.weight = p``).

    A mirror is an entry of ``__dict__`` that *is* the registry's value. Where PyTorch's lookup would find something
    else before reaching ``__getattr__`` — an attribute of the class (a method such as ``train``), or a plain
    attribute of the instance — nothing is mirrored, so a read gives what it gives in PyTorch."""

    owner: Module | None = None  # None while unpickling, before the module's state arrives

    def __init__(self, owner: Module | None = None) -> None:
        super().__init__()
        self.owner = owner

    def adopt(self, owner: Module) -> None:
        """Become ``owner``'s registry: its entries are mirrored into ``owner.__dict__`` from now on."""
        self.owner = owner
        for name, value in self.items():
            self._add_mirror(name, value)

    def release(self) -> None:
        """Stop being the owner's registry (it is being replaced or deleted): its mirrors leave ``owner.__dict__``."""
        for name, value in self.items():
            self._drop_mirror(name, value)
        self.owner = None

    def _add_mirror(self, name: str, value: Any, previous: Any = _ABSENT) -> None:
        if self.owner is None:
            return
        Module.edits += 1  # tg.compile captures again when a registered member changes, however it was changed
        attributes = self.owner.__dict__
        shadowed = name in attributes and attributes[name] is not previous  # a plain attribute, not our mirror
        if not shadowed and not hasattr(type(self.owner), name):
            attributes[name] = value

    def _drop_mirror(self, name: str, value: Any) -> None:
        if self.owner is not None:
            Module.edits += 1
            attributes = self.owner.__dict__
            if name in attributes and attributes[name] is value:
                del attributes[name]

    def __setitem__(self, name: str, value: Any) -> None:
        previous = self.get(name, _ABSENT)
        super().__setitem__(name, value)
        self._add_mirror(name, value, previous)

    def __delitem__(self, name: str) -> None:
        value = self[name]
        super().__delitem__(name)
        self._drop_mirror(name, value)

    def pop(self, name: str, *default: Any) -> Any:
        if name not in self:
            return super().pop(name, *default)
        value = super().pop(name)
        self._drop_mirror(name, value)
        return value

    def popitem(self, last: bool = True) -> tuple[str, Any]:
        name, value = super().popitem(last)
        self._drop_mirror(name, value)
        return name, value

    def clear(self) -> None:
        for name, value in self.items():
            self._drop_mirror(name, value)
        super().clear()

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = default
        return self[name]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def __ior__(self, other: Any) -> Registry:
        self.update(other)
        return self

    def copy(self) -> OrderedDict:
        """A plain ``OrderedDict`` of the entries: a copy belongs to no module (``copy.copy`` too)."""
        return OrderedDict(self)

    __copy__ = copy


REGISTRIES = ("_parameters", "_buffers", "_modules")


class Module:
    """Base class of every layer and model: define ``forward``; call the module to run it."""

    training: bool
    edits = 0
    """How many times any module's attributes, registered members or mode changed, counted on the class:
    ``tg.compile`` captures a step again when it moves (a parameter added or replaced, ``train()``/``eval()``)."""

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", Registry(self))
        object.__setattr__(self, "_buffers", Registry(self))
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", Registry(self))
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())  # handle id → (hook, with_kwargs)
        object.__setattr__(self, "_forward_hooks", OrderedDict())  # handle id → (hook, with_kwargs, always_call)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` with this module on the module stack, so every op it records knows its module; forward
        pre-hooks may replace the arguments first, forward hooks the result after (PyTorch's order)."""
        if not (self._forward_pre_hooks or self._forward_hooks):  # the usual call, kept lean: module_scope inlined
            state = grad_mode.state
            outer = state.module_path
            state.module_path = (*outer, self)
            try:
                return self.forward(*args, **kwargs)
            finally:
                state.module_path = outer
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                replaced = hook(self, args, kwargs)
                if replaced is not None:
                    if not (isinstance(replaced, tuple) and len(replaced) == 2):
                        raise RuntimeError("a forward pre-hook registered with_kwargs=True must return None or a "
                                           f"tuple (args, kwargs), got {type(replaced).__name__}")
                    args, kwargs = replaced
            else:
                replaced = hook(self, args)
                if replaced is not None:
                    args = replaced if isinstance(replaced, tuple) else (replaced,)
        called: set[int] = set()
        try:
            with grad_mode.module_scope(self):
                result = self.forward(*args, **kwargs)
            for key, (hook, with_kwargs, _) in list(self._forward_hooks.items()):
                called.add(key)
                replaced = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                if replaced is not None:
                    result = replaced
        except BaseException:
            for key, (hook, with_kwargs, always_call) in list(self._forward_hooks.items()):
                if always_call and key not in called:
                    hook(self, args, kwargs, None) if with_kwargs else hook(self, args, None)
            raise
        return result

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> engine.RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; a non-None result replaces the positional arguments
        (a single value is wrapped in a tuple). ``with_kwargs=True``: ``hook(module, args, kwargs)`` returns None or
        ``(args, kwargs)``."""
        return self._add_hook(self._forward_pre_hooks, (hook, bool(with_kwargs)), prepend)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> engine.RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; a non-None result replaces the output.
        ``with_kwargs=True``: ``hook(module, args, kwargs, output)``; ``always_call=True``: also called (with
        output None) when ``forward`` raises."""
        return self._add_hook(self._forward_hooks, (hook, bool(with_kwargs), bool(always_call)), prepend)

    @staticmethod
    def _add_hook(hooks: OrderedDict, entry: tuple, prepend: bool) -> engine.RemovableHandle:
        handle = engine.RemovableHandle(hooks)
        hooks[handle.id] = entry
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # ------------------------------------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() has been called")
        Module.edits += 1
        if name in REGISTRIES:
            self._unmirror(name)
            object.__setattr__(self, name, value)
            if isinstance(value, Registry) and value.owner is None:  # e.g. ``m._parameters |= {...}`` assigns it back
                value.adopt(self)
            return
        if isinstance(value, (Parameter, Module)):
            registry = self._parameters if isinstance(value, Parameter) else self._modules
            if registry is self._parameters and hasattr(type(self), name) and name not in registry:
                raise KeyError(f"attribute '{name}' already exists")  # PyTorch's register_parameter's rule
            self._forget(name, keeping=registry)
            registry[name] = value  # a name already there keeps its place in the order, as in PyTorch
            return
        kinds = ((self._parameters, "nn.Parameter"), (self._modules, "Module"), (self._buffers, "Tensor"))
        for registry, kind in kinds:
            if name in registry:
                if value is not None and not (kind == "Tensor" and isinstance(value, Tensor)):
                    raise TypeError(f"cannot assign {type(value).__name__} to {name!r}: it holds a {kind} (or None)")
                registry[name] = value
                return
        object.__setattr__(self, name, value)

    def _forget(self, name: str, keeping: dict) -> None:
        """Drop ``name`` from every registry but ``keeping`` (where reassigning it keeps its place in the order)."""
        Module.edits += 1
        self.__dict__.pop(name, None)
        self._non_persistent_buffers.discard(name)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keeping:
                registry.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        for registry in REGISTRIES:
            values = self.__dict__.get(registry)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _unmirror(self, registry: str) -> None:
        """Before a registry itself is replaced or deleted: its entries leave ``__dict__`` (a plain dict put in its
        place is read through ``__getattr__``, never through a stale mirror)."""
        values = self.__dict__.get(registry)
        if isinstance(values, Registry) and values.owner is self:
            values.release()

    def __delattr__(self, name: str) -> None:
        Module.edits += 1
        if name in REGISTRIES:
            self._unmirror(name)
            object.__delattr__(self, name)
            return
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter such as ``bias=False``)."""
        self._check_new_name(name, "_parameters", "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or "
                            "None required)")
        self._forget(name, keeping=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register non-learnable state (e.g. running statistics); ``state_dict`` saves it if ``persistent``."""
        self._check_new_name(name, "_buffers", "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot register {type(tensor).__name__} as buffer {name!r}: a Tensor (or None) is "
                            "required")
        self._forget(name, keeping=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as the submodule ``name``."""
        self._check_new_name(name, "_modules", "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name, keeping=self._modules)
        self._modules[name] = module

    register_module = add_module

    def _check_new_name(self, name: Any, registry: str, kind: str) -> None:
        """PyTorch's rules for a registered name: a non-empty string without a dot (state dict keys are dotted
        paths), and not an attribute the module already has under another kind (``train``, a buffer's name)."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in getattr(self, registry):
            raise KeyError(f"attribute '{name}' already exists")

    # ------------------------------------------------------------------------------------------- traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Every module in the tree (self first, pre-order) with its dotted name: once, or under every name it has
        (``remove_duplicate=False``, as ``state_dict`` lists a module used twice); modules in ``memo`` (a set, which
        collects the ones visited) are left out, as PyTorch's."""
        seen = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate and module in seen:
                continue
            seen.add(module)
            yield name, module
            children = [(f"{name}.{key}" if name else key, m) for key, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules and their names; a module registered under two names comes once, by its first
        (PyTorch's rule)."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def get_submodule(self, target: str) -> Module:
        """The module at the dotted path ``target`` ("" is this one), as PyTorch; an unknown name is an
        AttributeError naming it."""
        module = self
        for name in target.split(".") if target else []:
            if name not in module._modules or module._modules[name] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {name!r} (in {target!r})")
            module = module._modules[name]
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target``."""
        return self._registered(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target``."""
        return self._registered(target, "_buffers", "buffer")

    def _registered(self, target: str, registry: str, kind: str) -> Any:
        path, _, name = target.rpartition(".")
        owner = self.get_submodule(path)
        values = getattr(owner, registry)
        if values.get(name) is None:
            raise AttributeError(f"{type(owner).__name__} has no {kind} {name!r} (in {target!r})")
        return values[name]

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every module of the tree, children before their parent (as PyTorch's recursion, e.g. to
        initialise weights: ``model.apply(init_weights)``); returns self."""
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:
            module, children_done = stack.pop()
            if children_done:
                fn(module)
                continue
            stack.append((module, True))
            stack.extend((child, False) for child in reversed(list(module.children())))
        return self

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, the names after ``prefix``; a parameter shared by two modules appears once
        (under each name with ``remove_duplicate=False``). PyTorch's argument order: ``prefix`` comes first."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, as ``named_parameters``."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) on the whole tree."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be a bool, got {mode!r}")
        Module.edits += 1
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)  # each child's own train(), so an override (a frozen batch norm) holds, as in PyTorch
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False) -> Module:
        """PyTorch's ``model.to(device)``, ``to(dtype)``, ``to(device, dtype)``: the one device is ``"cpu"`` (any
        other is refused, naming it); a float dtype casts every floating parameter, buffer and gradient, which keep
        their identity (an optimizer made before still holds them). Returns self."""
        target = to_arguments(args, dtype, device, "Module.to")
        if target is None:
            return self
        if target.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes, got {target} (integer buffers keep theirs)")
        Module.edits += 1
        for tensor in (*self.parameters(), *self.buffers()):
            if isinstance(tensor, UNINITIALIZED):  # a lazy module's: it will have the new dtype
                tensor.__dict__["pending_dtype"] = target
                continue
            if tensor.data.dtype.kind == "f" and tensor.data.dtype != target:
                tensor.data = tensor.data.astype(target)
                if tensor.grad is not None:
                    tensor.grad = tensor.grad.astype(target)
        return self

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused, naming the device: there is no GPU here."""
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def half(self) -> Module:
        return self.to(np.float16)

    def type(self, dst_type: Any) -> Module:
        return self.to(dst_type)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to None, or zeroed in place (PyTorch's ``set_to_none=False``)."""
        clear_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def astype(self, dtype: Any) -> Module:
        """numpy's spelling of ``to(dtype)``: cast every floating parameter, buffer and gradient in place."""
        return self.to(dtype)

    # ------------------------------------------------------------------------------------------- state
    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """Dotted name (after ``prefix``) → a copy of every parameter's and buffer's values, as arrays; with
        ``keep_vars`` the tensors themselves (PyTorch's options); written into ``destination`` if given."""
        out = OrderedDict() if destination is None else destination
        for key, tensor in self._state_tensors().items():
            if isinstance(tensor, Module):
                out[prefix + key] = tensor.get_extra_state()
            else:
                out[prefix + key] = tensor if keep_vars else tensor.data.copy()
        return out

    def get_extra_state(self) -> Any:
        """What a subclass that overrides this saves in its state dict under ``_extra_state`` (any object)."""
        raise RuntimeError(f"{type(self).__name__} has no extra state: override get_extra_state and set_extra_state")

    def set_extra_state(self, state: Any) -> None:
        """Restore what ``get_extra_state`` returned; ``load_state_dict`` calls it with the ``_extra_state`` entry."""
        raise RuntimeError(f"{type(self).__name__} has no extra state: override get_extra_state and set_extra_state")

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values in by name, all or nothing: every key, shape and dtype is checked before any is assigned."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a dict of name → array, got {type(state_dict).__name__}")
        own = self._state_tensors()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        if strict:
            problems += [f"missing key {key!r} (expected " + ("any shape" if isinstance(own[key], UNINITIALIZED) else
                                                               "its extra state" if isinstance(own[key], Module) else
                                                               f"shape {own[key].shape}") + ")" for key in missing]
            problems += [f"unexpected key {key!r} ({_describe_value(state_dict[key])})" for key in unexpected]
        arrays = {}
        for key, target in own.items():
            if key in state_dict and not isinstance(target, Module):
                try:
                    like = (np.zeros(np.shape(state_dict[key]), target.dtype)  # a lazy module's: any shape fits
                            if isinstance(target, UNINITIALIZED) else target.data)
                    arrays[key] = convert_state_value(state_dict[key], like)
                except ValueError as error:
                    problems.append(f"key {key!r}: {error}")
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__} failed, nothing was changed: "
                               + "; ".join(problems))
        for key, target in own.items():
            if isinstance(target, Module) and key in state_dict:
                target.set_extra_state(state_dict[key])
        for key, value in arrays.items():
            if isinstance(own[key], UNINITIALIZED):
                own[key].materialize(value.shape)
            np.copyto(own[key].data, value)
            engine.bump_version(own[key])  # an in-place change, as PyTorch's copy_: a graph that saved it refuses
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self) -> dict[str, Tensor | Module]:
        """Dotted name → every parameter and persistent buffer, under each name a shared module has (as PyTorch):
        what ``state_dict`` saves; a module that overrides ``get_extra_state`` stands for it under ``_extra_state``."""
        tensors = {}
        for prefix, module in self.named_modules(remove_duplicate=False):
            for registry in (module._parameters, module._buffers):
                for name, value in registry.items():
                    if value is not None and not (registry is module._buffers
                                                  and name in module._non_persistent_buffers):
                        tensors[f"{prefix}.{name}" if prefix else name] = value
            if type(module).get_extra_state is not Module.get_extra_state:
                tensors[f"{prefix}._extra_state" if prefix else "_extra_state"] = module
        return tensors

    # ------------------------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The arguments shown inside ``Name(...)``; layers override it."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ") for name, module in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        head = self.extra_repr()
        body = "\n  ".join(([head] if head else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"
