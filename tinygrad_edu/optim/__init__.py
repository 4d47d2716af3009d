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
from . import checks, lr_scheduler, swa_utils

__all__ = ["ASGD", "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam",
           "RMSprop", "Rprop", "lr_scheduler"]
__all__ += ["Adafactor", "swa_utils"]

SCHEDULER_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum", "swa_lr")
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

    def state_shape(self, name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the state entry ``name`` of a parameter of ``shape``: the parameter's, unless the optimizer
        keeps a smaller summary (Adafactor's row and column factors)."""
        return shape

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
        state = {index[id(p)]: {k: _snapshot(v) for k, v in s.items()} for p, s in self.state.items() if id(p) in index}
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
                    shape = self.state_shape(name, p.shape)
                    like = p.data if shape == p.shape else np.zeros(shape, p.dtype)
                    entry[name] = array = convert_state_value(value, like)
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


def _snapshot(value: Any) -> Any:
    """A state entry copied for a state dict: arrays, and lists of them (LBFGS's history), so later steps don't
    change it."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    return value


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


class Rprop(Optimizer):
    """Resilient backpropagation: each weight's step size (starting at lr) grows by η₊ while its gradient keeps its
    sign and shrinks by η₋ when the sign flips (that step then skipped: g ← 0), within ``step_sizes``;
    θ ← θ − sign(g)·step. Only signs matter, so lr sets the first step size and nothing after."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        checked = _check(hyper, ("lr",))
        for name in ("etas", "step_sizes"):
            pair = checked[name]
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"invalid {name} {pair!r}: expected a pair")
            checked[name] = tuple(checks.real(name, v, low=0.0) for v in pair)
        if not 0.0 < checked["etas"][0] < 1.0 < checked["etas"][1]:
            raise ValueError(f"Invalid eta values: {checked['etas'][0]}, {checked['etas'][1]} (need "
                             "0 < etaminus < 1 < etaplus)")
        if checked["step_sizes"][0] > checked["step_sizes"][1]:
            raise ValueError(f"invalid step_sizes {checked['step_sizes']}: the minimum exceeds the maximum")
        return checked

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "prev": "moment", "step_size": "square"}, {}

    def _update(self, param, grad, state, lr, etas, step_sizes, maximize):
        if maximize:
            grad = -grad
        if not state:
            state.update(step=0, prev=np.zeros_like(param), step_size=np.full_like(param, lr))
        state["step"] += 1
        sign = np.sign(grad * state["prev"])
        step_size = state["step_size"]
        step_size *= np.where(sign > 0, etas[1], np.where(sign < 0, etas[0], 1.0)).astype(step_size.dtype)
        np.clip(step_size, *step_sizes, out=step_size)
        grad = np.where(sign < 0, 0, grad).astype(grad.dtype, copy=False)  # a flipped sign: skip, forget
        param -= np.sign(grad) * step_size
        state["prev"][...] = grad


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky): θ ← θ(1 − λη) − ηg; the average ax ← ax + μ(θ − ax) (θ itself while μ = 1);
    then η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t − t0) for the next step (η = lr, μ = 1 at the first)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return _check(hyper, ("lr", "lambd", "alpha", "t0", "weight_decay"))

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step", "eta": "scalar", "mu": "scalar", "ax": "moment"}, {}

    def _update(self, param, grad, state, lr, lambd, alpha, t0, weight_decay, maximize):
        grad = _descended(grad, param, maximize, weight_decay)
        if not state:
            state.update(step=0, eta=lr, mu=1.0, ax=np.zeros_like(param))
        state["step"] += 1
        eta, mu, ax = state["eta"], state["mu"], state["ax"]
        param *= 1 - lambd * eta
        param -= eta * grad
        if mu != 1:
            ax += (param - ax) * mu
        else:
            ax[...] = param
        state["eta"] = lr / (1 + lambd * lr * state["step"]) ** alpha
        state["mu"] = 1 / max(1, state["step"] - t0)


# ------------------------------------------------------------------------------------- L-BFGS (closure-driven)
def _cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                   bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to ``bounds`` (by default
    the interval between x1 and x2); the interval's middle where the cubic has no minimum (Nocedal & Wright 3.59)."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = d2_square**0.5
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def _strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], t: float, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: float, tolerance_change: float, max_ls: int, c1: float = 1e-4,
                  c2: float = 0.9) -> tuple[float, np.ndarray, float, int]:
    """A step t along d meeting the strong Wolfe conditions (sufficient decrease c1, curvature c2): bracket, then
    zoom by cubic interpolation (minFunc's, as PyTorch). Returns (loss, gradient, t, evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evaluations, gtd_new = 1, g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done, ls_iter = False, 0
    while ls_iter < max_ls:  # bracketing: until an interval must hold a point that meets the conditions
        decreased_enough = f_new <= f + c1 * t * gtd and not (ls_iter > 1 and f_new >= f_prev)
        if decreased_enough and abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if not decreased_enough or gtd_new >= 0:
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        t_next = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evaluations, gtd_new, ls_iter = evaluations + 1, g_new.dot(d), ls_iter + 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g, bracket_gtd = [0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new]
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:  # zoom: shrink the bracket around a point that meets the conditions
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:  # too close to an end: move in unless just done so
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evaluations, gtd_new, ls_iter = evaluations + 1, g_new.dot(d), ls_iter + 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = (
                    bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low])
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evaluations


class LBFGS(Optimizer):
    """L-BFGS (PyTorch's, after minFunc): up to ``max_iter`` quasi-Newton iterations per ``step(closure)``, each
    direction from the last ``history_size`` steps s and gradient changes y by the two-loop recursion, moved by a
    fixed step ``lr`` (the first scaled by min(1, 1/‖g‖₁)) or a strong-Wolfe line search. One parameter group; the
    parameters are treated as one flat vector, and the state lives on the first parameter (as PyTorch's)."""

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = checks.integer("max_iter", max_iter, low=1) * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))

    def add_param_group(self, group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(group)

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        for name in ("lr", "tolerance_grad", "tolerance_change"):
            checks.real(name, hyper[name], low=0.0)
        for name in ("max_iter", "max_eval", "history_size"):
            checks.integer(name, hyper[name], low=1)
        if hyper["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"invalid line_search_fn: {hyper['line_search_fn']!r} (only None and 'strong_wolfe' "
                             "are supported)")
        return dict(hyper)

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([(p.grad.data if p.grad is not None else np.zeros_like(p.data)).ravel()
                               for p in self._params])

    def _move(self, t: Any, d: np.ndarray) -> None:
        """θ ← θ + t·d, d split over the parameters."""
        offset = 0
        for p in self._params:
            p.data += t * d[offset:offset + p.data.size].reshape(p.data.shape)
            offset += p.data.size
            engine.bump_version(p)

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        with grad_mode.enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Minimise the loss ``closure()`` recomputes (with its gradients: zero_grad, forward, backward, return the
        loss) for up to ``max_iter`` iterations; returns the first loss."""
        if closure is None:
            raise TypeError("LBFGS.step() needs a closure that clears the gradients, computes the loss, calls "
                            "backward() and returns the loss: it evaluates the loss several times per step")
        group = self.param_groups[0]
        lr, max_iter, max_eval = _as_python_float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss, loss, flat_grad = self._evaluate(closure)
        evaluations = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return first_loss
        d, t, h_diag, prev_flat_grad = state.get("d"), state.get("t"), state.get("H_diag"), state.get("prev_flat_grad")
        for n_iter in range(1, max_iter + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, h_diag = -flat_grad, 1
                state.update(old_dirs=[], old_stps=[], ro=[])
            else:
                d, h_diag = self._direction(state, flat_grad, prev_flat_grad, d * t, h_diag, group["history_size"])
            prev_flat_grad, prev_loss = flat_grad.copy(), loss
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction (to the tolerance)
                break
            moved = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p.data.copy() for p in self._params]

                def along(step_length: float, start: list = start, d: np.ndarray = d) -> tuple[float, np.ndarray]:
                    self._move(step_length, d)
                    _, value, gradient = self._evaluate(closure)
                    for p, saved in zip(self._params, start):
                        p.data[...] = saved
                        engine.bump_version(p)
                    return value, gradient

                loss, flat_grad, t, moved = _strong_wolfe(along, t, d, loss, flat_grad, gtd, tolerance_change,
                                                          max_ls=max_eval - evaluations)
                self._move(t, d)
                optimal = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._move(t, d)
                optimal = False
                if n_iter != max_iter:  # PyTorch skips the evaluation after the last iteration
                    _, loss, flat_grad = self._evaluate(closure)
                    optimal, moved = np.abs(flat_grad).max() <= tolerance_grad, 1
            evaluations += moved
            state["func_evals"] += moved
            if (n_iter == max_iter or evaluations >= max_eval or optimal
                    or np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change):
                break
        state.update(d=d, t=t, H_diag=h_diag, prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return first_loss

    @staticmethod
    def _direction(state: dict[str, Any], flat_grad: np.ndarray, prev_flat_grad: np.ndarray, s: np.ndarray,
                   h_diag: Any, history_size: int) -> tuple[np.ndarray, Any]:
        """The history updated with (s, y) where yᵀs > 1e-10, then the two-loop recursion's −H·g (H the L-BFGS
        inverse Hessian, its initial scale yᵀs/yᵀy); returns (direction, scale)."""
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = flat_grad - prev_flat_grad
        ys = y.dot(s)
        if ys > 1e-10:
            if len(old_dirs) == history_size:
                del old_dirs[0], old_stps[0], ro[0]
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            h_diag = ys / y.dot(y)
        al = state.setdefault("al", [None] * history_size)
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q += -al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            r += (al[i] - old_dirs[i].dot(r) * ro[i]) * old_stps[i]
        return r, h_diag

    def _checked_state(self, where: str, saved: Any, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """LBFGS's one state (on the first parameter): counts, flat vectors of every parameter's values, the
        history (lists of at most ``history_size``) and its scalars, each checked and converted to the dtype."""
        if p is not self._params[0] and saved:
            raise ValueError(f"optimizer {where}: LBFGS keeps its state on the first parameter only")
        if not isinstance(saved, Mapping) or not saved:
            return super()._checked_state(where, saved, p, group)
        counts, vectors, lists = ("func_evals", "n_iter"), ("d", "prev_flat_grad"), ("old_dirs", "old_stps", "ro")
        scalars = ("t", "H_diag", "prev_loss")
        mismatch = _key_mismatch("entries", saved, (*counts, *vectors, *lists, *scalars, "al"), counts)
        if mismatch or (len(saved) > 2 and not set(vectors + lists + scalars) <= set(saved)):
            raise ValueError(f"optimizer {where} {mismatch or 'is partial'} (an LBFGS keeps {list(counts)}, and "
                             f"after its first iteration {[*vectors, *lists, *scalars]} and, later, 'al')")
        flat = np.empty(sum(q.data.size for q in self._params), np.result_type(*(q.data for q in self._params)))
        entry: dict[str, Any] = {}
        for name, value in saved.items():
            try:
                if name in counts:
                    entry[name] = checks.integer(name, value, low=0)
                elif name in vectors or name in ("old_dirs", "old_stps"):
                    arrays = [convert_state_value(v, flat) for v in (value if name in lists else [value])]
                    entry[name] = arrays if name in lists else arrays[0]
                elif name in ("ro", "al"):
                    entry[name] = [None if v is None and name == "al" else
                                   flat.dtype.type(checks.real(name, v, low=0.0 if name == "ro" else None))
                                   for v in value]
                else:
                    entry[name] = flat.dtype.type(checks.real(name, value, low=None if name == "prev_loss" else 0.0))
                if not np.isfinite(np.array([v for v in np.ravel(entry[name]) if v is not None], float)).all():
                    raise ValueError("non-finite values")
            except (TypeError, ValueError) as error:
                raise ValueError(f"optimizer {where}[{name!r}]: {error}") from None
        lengths = {len(entry[name]) for name in lists if name in entry}
        if len(lengths) > 1 or max(lengths, default=0) > group["history_size"] or (
                "al" in entry and len(entry["al"]) != group["history_size"]):
            raise ValueError(f"optimizer {where}: the history lists old_dirs, old_stps, ro must be of one length, at "
                             f"most history_size ({group['history_size']}), and 'al' of that size")
        return entry


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start ← start + weight·(end − start) in place, by PyTorch's two formulas (exact at weight 1)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


class Adafactor(Optimizer):
    """PyTorch's Adafactor (Shazeer & Stern, without momentum): the second moment of a matrix gradient kept as its
    row and column means R, C (over the last two axes), V ≈ R·C / mean(R), each moved towards g² by 1 − β₂ₜ = t^decay;
    the step ρₜ = min(lr, 1/√t) scaled by max(ε₂, RMS(θ)), the update g/√V clipped to RMS ≤ d.

    θ ← θ·(1 − lr·λ) first with ``weight_decay`` λ; ``eps`` = (ε₁, ε₂), ε₁ None: the dtype's machine epsilon.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def check_hyperparameters(self, hyper: dict[str, Any]) -> dict[str, Any]:
        hyper = _check(hyper, ("lr", "weight_decay"))
        if checks.real("beta2_decay", hyper["beta2_decay"]) > 0:
            raise ValueError(f"beta2_decay should be <= 0 but is: {hyper['beta2_decay']}")
        eps = hyper["eps"]
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise ValueError(f"invalid eps {eps!r}: expected a pair (epsilon1 or None, epsilon2)")
        if eps[0] is not None:
            checks.real("epsilon1", eps[0], low=0.0)
        checks.real("epsilon2", eps[1], low=0.0)
        checks.real("d (the clipping threshold)", hyper["d"], low=1.0)
        if hyper["foreach"] is not None:
            checks.flag("foreach", hyper["foreach"])
        return {**hyper, "eps": tuple(eps)}

    def state_fields(self, group: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        return {"step": "step"}, {"row_var": "square", "col_var": "square", "variance": "square"}

    def state_shape(self, name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        if name == "row_var":
            return (*shape[:-1], 1)
        if name == "col_var":
            return (*shape[:-2], 1, shape[-1])
        return shape

    def _update(self, param, grad, state, lr, beta2_decay, eps, d, weight_decay, foreach, maximize):
        grad = -grad if maximize else grad
        eps1 = float(np.finfo(param.dtype).eps) if eps[0] is None else float(eps[0])
        factored = grad.ndim > 1
        if not state:
            state["step"] = 0
            if factored:
                state.update(row_var=np.zeros(self.state_shape("row_var", grad.shape), grad.dtype),
                             col_var=np.zeros(self.state_shape("col_var", grad.shape), grad.dtype))
            else:
                state["variance"] = np.zeros_like(grad)
        state["step"] += 1
        t = float(state["step"])
        weight = t**beta2_decay  # 1 − β₂ₜ
        alpha = max(eps[1], float(np.linalg.norm(param.reshape(-1))) / math.sqrt(max(param.size, 1))) * min(
            lr, 1 / math.sqrt(t))
        if weight_decay:
            param *= 1 - lr * weight_decay
        squared = grad * grad
        if factored:
            row, column = state["row_var"], state["col_var"]
            _lerp_(row, squared.mean(axis=-1, keepdims=True), weight)
            _lerp_(column, squared.mean(axis=-2, keepdims=True), weight)
            estimate = (row @ column) / np.maximum(row.mean(axis=-2, keepdims=True), eps1)
        else:
            _lerp_(state["variance"], squared, weight)
            estimate = state["variance"].copy()
        update = grad / np.sqrt(np.maximum(estimate, eps1 * eps1))
        clip = max(1.0, float(np.linalg.norm(update.reshape(-1))) / (math.sqrt(max(update.size, 1)) * d))
        param -= (alpha / clip) * update
