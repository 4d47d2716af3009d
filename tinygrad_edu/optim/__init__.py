"""Optimizers: the seed's update W ← W − ρ·∂C/∂W and its refinements, with PyTorch's documented rules.

Updates run in place on each parameter's ndarray (``param.data``), outside the graph, in the parameter's
own dtype: hyperparameters are Python floats, so float32 stays float32.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._tensor import Tensor, clear_grads
from . import lr_scheduler

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]


def _as_python_float(value: Any) -> Any:
    """A numeric hyperparameter as a Python float: a numpy float64 scalar would upcast float32 parameters."""
    if type(value) is float or isinstance(value, bool) or not isinstance(value, (int, np.number)):
        return value
    return float(value)


class Optimizer:
    """Holds parameter groups (each a dict with ``params`` and its hyperparameters) and per-parameter state."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for group in params if isinstance(params[0], dict) else [{"params": params}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group: its ``params`` plus any hyperparameters overriding the defaults (e.g. its own ``lr``)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
                raise TypeError(f"optimizers update leaf tensors that require grad, got {p!r:.60}")
            if id(p) in seen:
                raise ValueError("a parameter appears in more than one parameter group")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise TypeError(f"unknown hyperparameter(s) {sorted(unknown)} for {type(self).__name__}")
        self.param_groups.append({**self.defaults, **group, "params": params})

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros)."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient, group by group."""
        for group in self.param_groups:
            hyper = {k: _as_python_float(group[k]) for k in self.defaults}
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    self._update(p, grad.data, state, **hyper)
                    p.version_counter[0] += 1  # an in-place change: a graph that saved p refuses to backward

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], **hyper: Any) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``state`` keyed by parameter index (order of the groups), ``param_groups`` by index."""
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        state = {index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state; any mismatch raises before anything changes."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
            len(saved["params"]) != len(own["params"]) for saved, own in zip(groups, self.param_groups)
        ):
            raise ValueError(f"optimizer state dict has groups of sizes {[len(g['params']) for g in groups]}, this "
                             f"optimizer has {[len(g['params']) for g in self.param_groups]}")
        params = {i: p for saved, own in zip(groups, self.param_groups) for i, p in zip(saved["params"], own["params"])}
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, saved in state_dict["state"].items():
            if int(key) not in params:
                raise ValueError(f"optimizer state for parameter index {key}, which no group lists")
            p = params[int(key)]
            entry = {}
            for name, value in saved.items():
                if isinstance(value, np.ndarray) and value.ndim and value.shape != p.shape:
                    raise ValueError(f"optimizer state {key}.{name} has shape {value.shape}, the parameter {p.shape}")
                entry[name] = value.astype(p.dtype) if isinstance(value, np.ndarray) and value.ndim else value
            new_state[p] = entry
        for saved, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in saved.items() if k != "params"})
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"Parameter Group {i}: " + ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
                 for i, g in enumerate(self.param_groups)]
        return f"{type(self).__name__} (\n  " + "\n  ".join(lines) + "\n)"


def _check(name: str, value: float, low: float = 0.0) -> None:
    if not value >= low:
        raise ValueError(f"invalid {name}: {value} (must be >= {low})")


class SGD(Optimizer):
    """g ← ∇ + λθ;  b ← μb + (1 − τ)g (b = g at the first step);  g ← g + μb (Nesterov) or b;  θ ← θ − ρg."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            _check(name, value)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _update(self, p, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        if weight_decay:
            grad = grad + weight_decay * p.data
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if nesterov else buf
        p.data -= lr * grad


class Adam(Optimizer):
    """m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − ρ·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)."""

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float | None = None) -> None:
        weight_decay = (0.01 if self._decoupled else 0.0) if weight_decay is None else weight_decay
        for name, value in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)):
            _check(name, value)
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"invalid betas {betas}: each must lie in [0, 1)")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _update(self, p, grad, state, lr, betas, eps, weight_decay):
        beta1, beta2 = (float(b) for b in betas)
        if weight_decay and self._decoupled:
            p.data *= 1 - lr * weight_decay  # AdamW: decay the weights directly, not through the gradient
        elif weight_decay:
            grad = grad + weight_decay * p.data  # Adam: L2 penalty added to the gradient
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        denom = np.sqrt(v) * (1 / math.sqrt(1 - beta2**t)) + eps
        p.data -= (lr / (1 - beta1**t)) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 − ρλ) before the Adam step (default λ = 0.01)."""

    _decoupled = True


class RMSprop(Optimizer):
    """v ← αv + (1 − α)g²;  θ ← θ − ρ·g/(√v + ε)  (centered: v − ḡ² under the root; momentum: a buffer of g/…)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        for name, value in (("lr", lr), ("alpha", alpha), ("eps", eps), ("weight_decay", weight_decay),
                            ("momentum", momentum)):
            _check(name, value)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _update(self, p, grad, state, lr, alpha, eps, weight_decay, momentum, centered):
        if weight_decay:
            grad = grad + weight_decay * p.data
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p.data))
            if momentum:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if centered:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if centered:
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * grad
            avg = np.sqrt(v - g_avg * g_avg) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            p.data -= lr * buf
        else:
            p.data -= lr * grad / avg
