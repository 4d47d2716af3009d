"""PyTorch's older ``nn.utils.weight_norm`` and ``nn.utils.spectral_norm`` (and their ``remove_``): the weight
recomputed by a forward pre-hook from ``weight_g``/``weight_v`` or ``weight_orig``/``weight_u``/``weight_v``, kept
for code and checkpoints written with them (``nn.utils.parametrizations`` has the newer forms)."""

from __future__ import annotations

from typing import Any

from ... import engine, grad_mode
from ..._tensor import Tensor, generator
from .. import functional as F  # noqa: N812 - PyTorch's customary alias
from ..module import Module, Parameter
from .parametrizations import TRANSPOSED, norm_except_dim

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]


def _hooks(module: Module) -> dict[tuple[str, str], Any]:
    """The norms registered on ``module``: (kind, parameter name) → (the norm, its pre-hook's handle)."""
    return module.__dict__.setdefault("_norm_hooks", {})


def _attach(module: Module, kind: str, norm: Any) -> None:
    if (kind, norm.name) in _hooks(module):
        raise RuntimeError(f"Cannot register two {kind} hooks on the same parameter {norm.name}")
    _hooks(module)[kind, norm.name] = (norm, module.register_forward_pre_hook(norm))


def _detach(module: Module, kind: str, name: str) -> Any:
    if (kind, name) not in _hooks(module):
        raise ValueError(f"{kind} of {name!r} not found in {type(module).__name__}")
    norm, handle = _hooks(module).pop((kind, name))
    handle.remove()
    return norm


class WeightNorm:
    """The pre-hook of ``weight_norm``: module.<name> = g · v / ‖v‖ before every forward."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        v = getattr(module, self.name + "_v")
        return v * (getattr(module, self.name + "_g") / norm_except_dim(v, 2, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replace parameter ``name`` by ``name_g`` (its norm over every axis but ``dim``; the whole tensor for
    ``dim=None``) and ``name_v`` (its direction), recombined before every forward (PyTorch's older form)."""
    norm = WeightNorm(name, -1 if dim is None else dim)
    weight = getattr(module, name)
    _attach(module, "weight_norm", norm)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, norm.dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, norm.compute_weight(module))
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``weight_norm``: ``name`` a parameter again, holding g · v / ‖v‖."""
    norm = _detach(module, "weight_norm", name)
    weight = norm.compute_weight(module)
    delattr(module, name)
    delattr(module, name + "_g")
    delattr(module, name + "_v")
    module.register_parameter(name, Parameter(weight.detach()))
    return module


class SpectralNorm:
    """The pre-hook of ``spectral_norm``: module.<name> = weight_orig / σ, σ estimated by power iteration on the
    buffers ``name_u``, ``name_v`` (v first, then u, as PyTorch's older form) in training."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def as_matrix(self, weight: Tensor) -> Tensor:
        return weight.movedim(self.dim, 0).flatten(1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        weight_mat = self.as_matrix(weight)
        if do_power_iteration:
            with grad_mode.no_grad():
                matrix = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    v.data[...] = F.normalize(matrix.T @ u, dim=0, eps=self.eps).data
                    u.data[...] = F.normalize(matrix @ v, dim=0, eps=self.eps).data  # from the new v
                engine.bump_version(u)
                engine.bump_version(v)
            u, v = u.clone(), v.clone()
        return weight / (u * (weight_mat @ v)).sum()

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Replace parameter ``name`` by ``name_orig`` divided by its largest singular value, estimated by power
    iteration on buffers ``name_u``, ``name_v`` before every forward in training (PyTorch's older form)."""
    dim = (1 if isinstance(module, TRANSPOSED) else 0) if dim is None else dim
    norm = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = getattr(module, name)
    _attach(module, "spectral_norm", norm)
    rows, columns = norm.as_matrix(weight).shape
    starts = [F.normalize(Tensor(generator().normal(0.0, 1.0, n).astype(weight.dtype)), dim=0, eps=eps)
              for n in (rows, columns)]
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", starts[0])
    module.register_buffer(name + "_v", starts[1])
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``spectral_norm``: ``name`` a parameter again, holding weight_orig / σ (no further iteration)."""
    norm = _detach(module, "spectral_norm", name)
    with grad_mode.no_grad():
        weight = norm.compute_weight(module, do_power_iteration=False)
    for attribute in (name, name + "_u", name + "_v", name + "_orig"):
        delattr(module, attribute)
    module.register_parameter(name, Parameter(weight.detach()))
    return module
