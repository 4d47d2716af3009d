"""Optimizers: the seed's update W ← W − ρ·∂C/∂W and its refinements, with PyTorch's documented rules.

Updates run in place on each parameter's ndarray (``param.data``), outside the graph, in the parameter's
own dtype: hyperparameters are Python floats, so float32 stays float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .. import engine, grad_mode
from .._tensor import Tensor, clear_grads
from ..serialization import convert_state_value
from . import checks, lr_scheduler

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam", "RMSprop",
           "lr_scheduler"]

SCHEDULER_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")
"""What learning-rate schedulers write into parameter groups beside the hyperparameters (PyTorch's names)."""


def _as_python_float(value: Any) -> Any:
    """A numeric hyperparameter as a Python float: a numpy float64 scalar would upcast float32 parameters."""
    if type(value) is float or isinstance(value, bool) or not isinstance(value, (int, np.number)):
        return value
    return float(value)


class Optimizer:
    """Holds parameter groups (each a dict with ``params`` and its hyperparameters) and per-parameter state."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = self.check_hyperparameters(defaults)
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
        hyper = self.check_hyperparameters({**self.defaults, **{k: v for k, v in group.items() if k != "params"}})
        self.param_groups.append({**hyper, "params": params})

    added_later: tuple[str, ...] = ()
    """Hyperparameters this optimizer gained after checkpoints were first written: a saved group without one gets
    the optimizer's default (as PyTorch's ``__setstate__`` fills in ``maximize``, ``amsgrad``, ...)."""

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        """``hyper`` checked as the constructor checks its arguments (and normalised); raises if invalid."""
        return dict(hyper)

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """The per-parameter state ``step`` keeps under ``group``'s settings: (required, optional) name → kind.

        Kinds: ``step`` (a count), ``moment`` (an array like the parameter), ``square`` (the same, never negative),
        ``scalar`` (a positive number).
        """
        return {}, {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros)."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, group by group; ``closure`` (PyTorch's) first recomputes the
        loss and its gradients, and its loss is returned."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = {k: _as_python_float(group[k]) for k in self.defaults}
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    self._update(p.data, grad.data, state, **hyper)
                    engine.bump_version(p)  # an in-place change: a graph that saved p refuses to backward
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], **hyper: Any) -> None:
        """One parameter's update, in place on its array ``param``, from its gradient ``grad``."""
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

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state, all or nothing: every entry is checked before anything changes."""
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, Mapping) else type(state_dict).__name__
            raise ValueError(f"an optimizer state dict has the keys 'param_groups' and 'state', got {keys}")
        groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(groups, (list, tuple)) or not all(isinstance(g, Mapping) for g in groups):
            raise ValueError("the optimizer state dict's 'param_groups' must be a list of dicts")
        if not isinstance(saved_state, Mapping):
            raise ValueError("the optimizer state dict's 'state' must be a dict of parameter index → state")
        sizes = [len(g["params"]) if isinstance(g.get("params"), (list, tuple)) else None for g in groups]
        if sizes != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(f"optimizer state dict has groups of sizes {sizes}, this optimizer has "
                             f"{[len(g['params']) for g in self.param_groups]}")
        new_groups, owners = [], {}  # owners: saved parameter index → (parameter, its new group)
        for i, saved in enumerate(groups):
            new_groups.append(self._checked_group(i, saved))
            for index, p in zip(saved["params"], self.param_groups[i]["params"]):
                if type(index) is not int or index in owners:
                    raise ValueError(f"param_groups[{i}] lists the parameter index {index!r}, expected an int that "
                                     "no other position lists")
                owners[index] = (p, new_groups[-1])
        new_state: dict[Tensor, dict[str, Any]] = {}
        for index, saved in saved_state.items():
            if index not in owners or type(index) is not int:
                raise ValueError(f"optimizer state for parameter index {index!r}, which no group lists")
            p, group = owners[index]
            new_state[p] = self._checked_state(f"state[{index}]", saved, p, group)
        for own, new in zip(self.param_groups, new_groups):
            params = own["params"]
            own.clear()
            own.update(new, params=params)
        self.state = new_state

    def _checked_group(self, i: int, saved: Mapping[str, Any]) -> dict[str, Any]:
        later = {k: self.defaults[k] for k in self.added_later}  # absent from older checkpoints: the defaults
        hyper = {**later, **{k: v for k, v in saved.items() if k != "params"}}
        mismatch = _key_mismatch("hyperparameter(s)", hyper, set(self.defaults) | set(SCHEDULER_KEYS),
                                 self.defaults)
        if mismatch:
            raise ValueError(f"param_groups[{i}] {mismatch} (a {type(self).__name__} has {sorted(self.defaults)})")
        try:
            checked = self.check_hyperparameters({k: hyper[k] for k in self.defaults})
            for key in SCHEDULER_KEYS:  # written by a learning-rate scheduler
                if key in hyper:
                    checked[key] = checks.real(key, hyper[key], low=0.0)
        except (TypeError, ValueError) as error:
            raise ValueError(f"param_groups[{i}]: {error}") from None
        return checked

    def _checked_state(self, where: str, saved: Any, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """One parameter's saved state, checked against what ``step`` keeps for it and converted to its dtype."""
        if not isinstance(saved, Mapping):
            raise ValueError(f"optimizer {where} is a {type(saved).__name__}, expected a dict")
        if not saved:
            return {}
        required, optional = self.state_fields(group)
        kinds = {**required, **optional}
        mismatch = _key_mismatch("entries", saved, kinds, required)
        if mismatch:
            raise ValueError(f"optimizer {where} {mismatch} (a {type(self).__name__} keeps {sorted(required)}"
                             + (f", optionally {sorted(optional)})" if optional else ")"))
        entry: dict[str, Any] = {}
        for name, value in saved.items():
            try:
                if kinds[name] == "step":
                    entry[name] = checks.integer("step", value, low=0)
                elif kinds[name] == "scalar":
                    entry[name] = float(checks.real(name, value, low=0.0))
                    if not math.isfinite(entry[name]):
                        raise ValueError(f"non-finite value {value}")
                elif value is None and name in optional:
                    entry[name] = None
                else:
                    entry[name] = array = convert_state_value(value, p.data)
                    if not np.isfinite(array).all():
                        raise ValueError("non-finite values (the next step would turn the parameter into NaN)")
                    if kinds[name] == "square" and (array < 0).any():
                        raise ValueError("negative values in a running average of squares")
            except (TypeError, ValueError) as error:
                raise ValueError(f"optimizer {where}[{name!r}]: {error}") from None
        return entry

    def __repr__(self) -> str:
        lines = [f"Parameter Group {i}: " + ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
                 for i, g in enumerate(self.param_groups)]
        return f"{type(self).__name__} (\n  " + "\n  ".join(lines) + "\n)"


def _key_mismatch(what: str, given: Mapping[Any, Any], allowed: Iterable[Any], required: Iterable[Any]) -> str:
    """'has unknown … and lacks …' for the keys of ``given``, or '' when they fit."""
    unknown = sorted(map(str, set(given) - set(allowed)))
    missing = sorted(set(required) - set(given))
    parts = ([f"has unknown {what} {unknown}"] if unknown else []) + ([f"lacks {missing}"] if missing else [])
    return " and ".join(parts)


def _descended(grad: np.ndarray, param: np.ndarray, maximize: bool, weight_decay: float, decoupled: bool = False,
               lr: float = 0.0) -> np.ndarray:
    """The gradient an update descends: negated to ascend (``maximize``), plus the L2 penalty's λθ — or, with
    ``decoupled`` weight decay (AdamW), θ scaled by 1 − ρλ at once instead."""
    if maximize:
        grad = -grad
    if weight_decay and decoupled:
        param *= 1 - lr * weight_decay
    elif weight_decay:
        grad = grad + weight_decay * param
    return grad


def _moments(state: dict[str, Any], param: np.ndarray, grad: np.ndarray, beta1: float, beta2: float,
             amsgrad: bool = False) -> tuple[int, np.ndarray, np.ndarray]:
    """Adam's moving averages of the gradient (m) and of its square (v), made at the first step, advanced one step
    in place; returns (t, m, v)."""
    if not state:
        state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(param)
    state["step"] += 1
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    return state["step"], m, v


class SGD(Optimizer):
    """g ← ∇ + λθ;  b ← μb + (1 − τ)g (b = g at the first step);  g ← g + μb (Nesterov) or b;  θ ← θ − ρg.
    (``maximize``: ∇ ← −∇ first, as for every optimizer here.)"""

    added_later = ("maximize",)

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        for name in ("lr", "momentum", "weight_decay"):
            checks.real(name, hyper[name], low=0.0)
        checks.real("dampening", hyper["dampening"])
        checks.flag("maximize", hyper["maximize"])
        if checks.flag("nesterov", hyper["nesterov"]) and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        return dict(hyper)

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {}, {"momentum_buffer": "moment"}  # None until the first step with momentum, as in PyTorch

    def _update(self, param, grad, state, lr, momentum, dampening, weight_decay, nesterov, maximize):
        if maximize:
            grad = -grad
        if weight_decay:
            grad = grad + weight_decay * param
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if nesterov else buf
        param -= lr * grad


def _check_betas(hyper: dict[str, Any]) -> dict[str, Any]:
    """``hyper`` with its ``betas`` checked (a pair in [0, 1)) and made a tuple."""
    betas = hyper["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"invalid betas {betas!r}: expected a pair (beta1, beta2)")
    for beta in betas:
        checks.real("beta", beta, low=0.0, below=1.0)
    return {**hyper, "betas": tuple(betas)}


def _check(hyper: dict[str, Any], reals: tuple[str, ...], flags: tuple[str, ...] = ("maximize",)) -> dict[str, Any]:
    """``hyper`` with the named non-negative reals and flags checked (and betas, if it has them)."""
    for name in reals:
        checks.real(name, hyper[name], low=0.0)
    for name in flags:
        checks.flag(name, hyper[name])
    return _check_betas(hyper) if "betas" in hyper else dict(hyper)


class Adam(Optimizer):
    """m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − ρ·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).

    ``amsgrad``: v̂ uses the running maximum of v. Weight decay adds λθ to g, or with
    ``decoupled_weight_decay`` (AdamW) scales θ by 1 − ρλ first.
    """

    added_later = ("amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "eps", "weight_decay"), ("amsgrad", "maximize", "decoupled_weight_decay"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        required = {"step": "step", "exp_avg": "moment", "exp_avg_sq": "square"}
        if group["amsgrad"]:
            required["max_exp_avg_sq"] = "square"
        return required, {}

    def _update(self, param, grad, state, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay):
        beta1, beta2 = (float(b) for b in betas)
        grad = _descended(grad, param, maximize, weight_decay, decoupled_weight_decay, lr)
        t, m, v = _moments(state, param, grad, beta1, beta2, amsgrad)
        if amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) * (1 / math.sqrt(1 - beta2**t)) + eps
        param -= (lr / (1 - beta1**t)) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 − ρλ) before the Adam step (default λ = 0.01)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adam with the infinity norm: m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − ρ/(1 − β₁ᵗ)·m/u."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "eps", "weight_decay"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "exp_avg": "moment", "exp_inf": "square"}, {}

    def _update(self, param, grad, state, lr, betas, eps, weight_decay, maximize):
        beta1, beta2 = (float(b) for b in betas)
        grad = _descended(grad, param, maximize, weight_decay)
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_inf=np.zeros_like(param))
        state["step"] += 1
        m, u = state["exp_avg"], state["exp_inf"]
        m *= beta1
        m += (1 - beta1) * grad
        u *= beta2
        np.maximum(u, np.abs(grad) + eps, out=u)
        param -= (lr / (1 - beta1 ** state["step"])) * m / u


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat): μ_t = β₁(1 − ½·0.96^(tψ)) (ψ the momentum decay), Π_t = Π μ_i;
    θ ← θ − ρ(1 − μ_t)/(1 − Π_t)·g/d − ρμ_{t+1}/(1 − Π_t μ_{t+1})·m/d, d = √(v/(1 − β₂ᵗ)) + ε."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "eps", "weight_decay", "momentum_decay"), ("decoupled_weight_decay", "maximize"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "mu_product": "scalar", "exp_avg": "moment", "exp_avg_sq": "square"}, {}

    def _update(self, param, grad, state, lr, betas, eps, weight_decay, momentum_decay, decoupled_weight_decay,
                maximize):
        beta1, beta2 = (float(b) for b in betas)
        if maximize:
            grad = -grad
        if not state:
            state.update(step=0, mu_product=1.0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        t = state["step"]
        if weight_decay and decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        elif weight_decay:
            grad = grad + weight_decay * param
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        state["mu_product"] *= mu
        product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        denom = np.sqrt(v / (1 - beta2**t)) + eps
        param -= (lr * (1.0 - mu) / (1.0 - product)) * grad / denom
        param -= (lr * mu_next / (1.0 - product * mu_next)) * m / denom


class Adagrad(Optimizer):
    """s ← s + g²;  θ ← θ − ρ/(1 + (t − 1)·η)·g/(√s + ε) (η the lr decay; s starts at
    ``initial_accumulator_value``)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "sum": "square"}, {}

    def _update(self, param, grad, state, lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize):
        grad = _descended(grad, param, maximize, weight_decay)
        if not state:
            state.update(step=0, sum=np.full_like(param, initial_accumulator_value))
        state["step"] += 1
        state["sum"] += grad * grad
        param -= (lr / (1 + (state["step"] - 1) * lr_decay)) * grad / (np.sqrt(state["sum"]) + eps)


class RMSprop(Optimizer):
    """v ← αv + (1 − α)g²;  θ ← θ − ρ·g/(√v + ε)  (centered: v − ḡ² under the root; momentum: a buffer of g/…)."""

    added_later = ("maximize",)

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "alpha", "eps", "weight_decay", "momentum"), ("centered", "maximize"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        required = {"step": "step", "square_avg": "square"}
        if group["momentum"]:
            required["momentum_buffer"] = "moment"
        if group["centered"]:
            required["grad_avg"] = "moment"
        return required, {}

    def _update(self, param, grad, state, lr, alpha, eps, weight_decay, momentum, centered, maximize):
        grad = _descended(grad, param, maximize, weight_decay)
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
            if momentum:
                state["momentum_buffer"] = np.zeros_like(param)
            if centered:
                state["grad_avg"] = np.zeros_like(param)
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
            param -= lr * buf
        else:
            param -= lr * grad / avg


class RAdam(Optimizer):
    """Adam with its variance rectified (Liu et al.): while the length ρ_t of the approximated moving average is
    at most 5, θ ← θ − ρ·m̂ (momentum SGD); after, θ ← θ − ρ·r_t·m̂·√(1 − β₂ᵗ)/(√v + ε) with
    r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)), ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "eps", "weight_decay"), ("decoupled_weight_decay", "maximize"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "exp_avg": "moment", "exp_avg_sq": "square"}, {}

    def _update(self, param, grad, state, lr, betas, eps, weight_decay, decoupled_weight_decay, maximize):
        beta1, beta2 = (float(b) for b in betas)
        grad = _descended(grad, param, maximize, weight_decay, decoupled_weight_decay, lr)
        t, m, v = _moments(state, param, grad, beta1, beta2)
        corrected = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t <= 5:
            param -= lr * corrected
            return
        rectification = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        param -= lr * rectification * corrected * math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)


class Adadelta(Optimizer):
    """v ← ρv + (1 − ρ)g²;  Δ = g·√(u + ε)/√(v + ε);  u ← ρu + (1 − ρ)Δ²;  θ ← θ − lr·Δ (Zeiler: no learning rate
    needed, lr = 1 scales nothing)."""

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        checked = _check(hyper, ("lr", "rho", "eps", "weight_decay"), ("maximize",))
        if not 0 <= checked["rho"] <= 1:
            raise ValueError(f"rho must be in [0, 1], got {checked['rho']}")
        return checked

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "square_avg": "square", "acc_delta": "square"}, {}

    def _update(self, param, grad, state, lr, rho, eps, weight_decay, maximize):
        grad = _descended(grad, param, maximize, weight_decay)
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param), acc_delta=np.zeros_like(param))
        state["step"] += 1
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        param -= lr * delta
