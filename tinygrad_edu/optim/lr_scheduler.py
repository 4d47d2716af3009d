"""Learning-rate schedules: call ``step()`` once per epoch (or per batch, for ``OneCycleLR``), after
``optimizer.step()``. PyTorch's names, arguments and values.

Each schedule here computes the learning rate from the initial one (a closed form of PyTorch's rule), so it can't
continue from a learning rate someone else changed, as PyTorch's chainable schedules (``StepLR``, ``MultiStepLR``,
``ExponentialLR``, ``LinearLR``, ``CosineAnnealingLR``, ``ConstantLR``, ``PolynomialLR``, ``MultiplicativeLR``) do:
their ``step()`` refuses instead of silently giving another schedule. Combine schedules with ``SequentialLR``, or
multiply their factors with ``ChainedScheduler``.
"""

from __future__ import annotations

import bisect
import math
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import checks

__all__ = [
    "ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "ExponentialLR",
    "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR", "OneCycleLR", "PolynomialLR",
    "ReduceLROnPlateau", "SequentialLR", "StepLR",
]


def _reals(name: str, values: Any, count: int) -> list[float]:
    """A list of ``count`` non-negative reals (one per parameter group), checked."""
    if not isinstance(values, (list, tuple)) or len(values) != count:
        raise ValueError(f"{name} must list one learning rate per parameter group ({count}), got {values!r}")
    return [checks.real(name, v, low=0.0) for v in values]


class LRScheduler:
    """Sets each group's ``lr`` to ``lr_at(base_lr, epoch)``; ``base_lr`` is the group's lr when scheduling began."""

    chainable = False
    """Whether PyTorch's version of this schedule continues from the optimizer's current learning rate."""

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        checks.integer("last_epoch", last_epoch, low=-1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            self._check_resume(last_epoch)
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def _check_resume(self, last_epoch: int) -> None:
        """A schedule resumed with ``last_epoch=`` needs each group's ``initial_lr`` (PyTorch's KeyError), and can't
        be one whose PyTorch version continues from the optimizer's current rate: PyTorch's resumed schedule then
        runs one epoch behind its closed form, or off it (cosine), which one computed from ``initial_lr`` isn't."""
        for index, group in enumerate(self.optimizer.param_groups):
            if "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] when resuming "
                               "scheduler with last_epoch >= 0 (load the optimizer's state dict first, as PyTorch)")
        if self.chainable:
            raise ValueError(
                f"{type(self).__name__}(last_epoch={last_epoch}): PyTorch's resumed {type(self).__name__} continues "
                "from the optimizer's current learning rate, not from its closed form; this one computes each rate "
                "from initial_lr and would give another schedule. Resume as PyTorch recommends: make the scheduler "
                "with last_epoch=-1, then scheduler.load_state_dict(saved)")

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def lrs_at(self, epoch: float) -> list[float]:
        """Every group's learning rate at ``epoch`` (subclasses whose groups differ in more than ``base_lr`` override
        this instead of ``lr_at``)."""
        return [self.lr_at(base_lr, epoch) for base_lr in self.base_lrs]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and write the new learning rates into the optimizer."""
        if epoch is None and self.chainable:
            self._refuse_changed_lrs()
        self.last_epoch = self.last_epoch + 1 if epoch is None else checks.integer("epoch", epoch, low=0)
        self._write(self.lrs_at(self.last_epoch))

    def _write(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _refuse_changed_lrs(self) -> None:
        current = [group["lr"] for group in self.optimizer.param_groups]
        if self._last_lr and current != self._last_lr:
            raise RuntimeError(
                f"{type(self).__name__}.step(): the learning rates {current} are not the {self._last_lr} this "
                "scheduler set (changed by hand, by another scheduler, or by loading only one of the optimizer's "
                f"and the scheduler's state). PyTorch's {type(self).__name__} would continue from the new value; "
                "this one computes each rate from the initial one, so it refuses rather than differ. Chain "
                "schedules with SequentialLR, or make a new scheduler.")

    def get_last_lr(self) -> list[float]:
        """The learning rates this scheduler set last."""
        return list(self._last_lr)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        """Write a cycled momentum: SGD's ``momentum``, or Adam's β₁ (``use_beta1``)."""
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def check_settings(self, **settings: Any) -> None:
        """Raise if a subclass's own settings (its constructor's arguments) are invalid; subclasses say how."""

    def state_dict(self) -> dict[str, Any]:
        """``base_lrs``, ``last_epoch``, ``_last_lr`` and the subclass's settings (``step_size``, ``T_max``, ...)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore the schedule, all or nothing: the same keys as ``state_dict()``, each checked as the constructor."""
        own = self.state_dict()
        if not isinstance(state_dict, Mapping) or set(state_dict) != set(own):
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, Mapping) else type(state_dict).__name__
            raise ValueError(f"a {type(self).__name__} state dict has the keys {sorted(own)}, got {keys}")
        count = len(self.optimizer.param_groups)
        try:
            checks.integer("last_epoch", state_dict["last_epoch"], low=-1)
            base_lrs = _reals("base_lrs", state_dict["base_lrs"], count)
            last_lrs = state_dict["_last_lr"]
            last_lrs = _reals("_last_lr", last_lrs, count) if len(last_lrs) else []
            self.check_settings(**{k: v for k, v in state_dict.items()
                                   if k not in ("base_lrs", "last_epoch", "_last_lr")})
        except (TypeError, ValueError) as error:
            raise ValueError(f"{type(self).__name__}.load_state_dict: {error}") from None
        self.__dict__.update({**state_dict, "base_lrs": base_lrs, "_last_lr": last_lrs})


class StepLR(LRScheduler):
    """lr = base_lr · γ^⌊epoch / step_size⌋."""

    chainable = True

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.check_settings(step_size, gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def check_settings(self, step_size: Any, gamma: Any) -> None:
        checks.integer("step_size", step_size, low=1)
        checks.real("gamma", gamma, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base_lr · γ^(number of milestones ≤ epoch) (a milestone listed twice counts twice)."""

    chainable = True

    def __init__(self, optimizer: Any, milestones: Sequence[int], gamma: float = 0.1, last_epoch: int = -1) -> None:
        milestones = sorted(milestones)
        self.check_settings(milestones, gamma)
        self.milestones, self.gamma = milestones, gamma
        super().__init__(optimizer, last_epoch)

    def check_settings(self, milestones: Any, gamma: Any) -> None:
        if not isinstance(milestones, (list, tuple)):
            raise TypeError(f"invalid milestones: {milestones!r} (must be a list of epochs)")
        for milestone in milestones:
            checks.integer("milestone", milestone, low=0)
        checks.real("gamma", gamma, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """lr = base_lr · γ^epoch."""

    chainable = True

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.check_settings(gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def check_settings(self, gamma: Any) -> None:
        checks.real("gamma", gamma, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class LinearLR(LRScheduler):
    """lr = base_lr · (s + (e − s)·min(epoch, total_iters)/total_iters): a linear ramp of the factor from
    ``start_factor`` s to ``end_factor`` e (a warm-up, by default from a third of the rate)."""

    chainable = True

    def __init__(self, optimizer: Any, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        self.check_settings(start_factor, end_factor, total_iters)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def check_settings(self, start_factor: Any, end_factor: Any, total_iters: Any) -> None:
        if not 0 < checks.real("start_factor", start_factor) <= 1:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if not 0 <= checks.real("end_factor", end_factor) <= 1:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        checks.integer("total_iters", total_iters, low=1)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        progress = min(self.total_iters, epoch) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class ConstantLR(LRScheduler):
    """lr = base_lr · factor for the first ``total_iters`` epochs, then base_lr (a constant warm-up)."""

    chainable = True

    def __init__(self, optimizer: Any, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1) -> None:
        self.check_settings(factor, total_iters)
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def check_settings(self, factor: Any, total_iters: Any) -> None:
        if not 0 <= checks.real("factor", factor) <= 1:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        checks.integer("total_iters", total_iters, low=0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.factor if epoch < self.total_iters else base_lr


class PolynomialLR(LRScheduler):
    """lr = base_lr · (1 − min(epoch, total_iters)/total_iters)^power: a decay to 0 over ``total_iters`` epochs."""

    chainable = True

    def __init__(self, optimizer: Any, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.check_settings(total_iters, power)
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def check_settings(self, total_iters: Any, power: Any) -> None:
        checks.integer("total_iters", total_iters, low=1)
        checks.real("power", power, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * (1 - min(epoch, self.total_iters) / self.total_iters) ** self.power


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (base_lr − η_min)·(1 + cos(π·epoch / T_max))/2 (the closed form of PyTorch's schedule)."""

    chainable = True

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.check_settings(T_max, eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def check_settings(self, T_max: Any, eta_min: Any) -> None:
        checks.integer("T_max", T_max, low=1)
        checks.real("eta_min", eta_min, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


def _callable_state(function: Callable[..., float]) -> dict[str, Any] | None:
    """What a state dict keeps of a user's function: a callable object's attributes, nothing of a function (as
    PyTorch)."""
    return None if isinstance(function, types.FunctionType) else dict(function.__dict__)


class LambdaLR(LRScheduler):
    """lr = base_lr · λ(epoch), one function for every group or one per group. ``state_dict`` keeps the state of
    callable objects but not of functions and lambdas (as PyTorch)."""

    def __init__(self, optimizer: Any, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        count = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * count
        if len(lambdas) != count or not all(callable(f) for f in lambdas):
            raise ValueError(f"Expected {count} lr_lambdas, but got {len(lambdas)}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch: float) -> list[float]:
        return [base_lr * f(epoch) for base_lr, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["lr_lambdas"] = [_callable_state(f) for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        saved = state_dict.get("lr_lambdas") if isinstance(state_dict, Mapping) else None
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self.lr_lambdas):
            raise ValueError(f"LambdaLR.load_state_dict: lr_lambdas must list {len(self.lr_lambdas)} entries (None "
                             f"for functions), got {saved!r}")
        lambdas = self.lr_lambdas
        super().load_state_dict({**state_dict, "lr_lambdas": lambdas})
        for f, state in zip(lambdas, saved):
            if state is not None:
                f.__dict__.update(state)


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every T_i epochs, T_0 first and each period T_mult times the last:
    lr = η_min + (base_lr − η_min)·(1 + cos(π·T_cur/T_i))/2. ``step(epoch)`` accepts fractional epochs
    (``epoch + i / iterations`` within an epoch)."""

    def __init__(self, optimizer: Any, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1
                 ) -> None:
        self.check_settings(T_0, T_mult, eta_min)
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def check_settings(self, T_0: Any, T_mult: Any, eta_min: Any, T_i: Any = 1, T_cur: Any = 0) -> None:
        checks.integer("T_0", T_0, low=1)
        checks.integer("T_mult", T_mult, low=1)
        checks.real("eta_min", eta_min, low=0.0)
        checks.integer("T_i", T_i, low=1)
        checks.real("T_cur", T_cur, low=-1)

    def step(self, epoch: float | None = None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            epoch = checks.real("epoch", epoch, low=0)
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        self._write([self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                     for base_lr in self.base_lrs])


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped once per batch: the rate rises from max_lr/div_factor to
    ``max_lr`` over the first ``pct_start`` of ``total_steps``, then anneals (cosine or linear) to
    initial/final_div_factor; momentum (or Adam's β₁) cycles the other way between ``max_momentum`` and
    ``base_momentum``. ``three_phase`` comes back down symmetrically before the final annealing."""

    def __init__(self, optimizer: Any, max_lr: float | Sequence[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
            total_steps = checks.integer("epochs", epochs, low=1) * checks.integer("steps_per_epoch",
                                                                                    steps_per_epoch, low=1)
        self.check_settings(total_steps, pct_start, anneal_strategy, cycle_momentum, three_phase)
        self.total_steps, self.pct_start, self.anneal_strategy = total_steps, pct_start, anneal_strategy
        self.cycle_momentum, self.three_phase = cycle_momentum, three_phase
        groups = optimizer.param_groups
        if cycle_momentum and "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
        self.use_beta1 = "betas" in optimizer.defaults
        per_group = {name: _per_group(name, value, len(groups)) for name, value in
                     (("max_lr", max_lr), ("base_momentum", base_momentum), ("max_momentum", max_momentum))}
        for i, group in enumerate(groups):
            if last_epoch == -1:
                group["initial_lr"] = per_group["max_lr"][i] / div_factor
                group["max_lr"] = per_group["max_lr"][i]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if cycle_momentum:
                    self._set_momentum(group, per_group["max_momentum"][i])
                    group["max_momentum"], group["base_momentum"] = (per_group["max_momentum"][i],
                                                                     per_group["base_momentum"][i])
        super().__init__(optimizer, last_epoch)

    def check_settings(self, total_steps: Any, pct_start: Any, anneal_strategy: Any, cycle_momentum: Any,
                       three_phase: Any, use_beta1: Any = False) -> None:
        checks.integer("total_steps", total_steps, low=1)
        if not 0 <= checks.real("pct_start", pct_start) <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}")
        for name, value in (("cycle_momentum", cycle_momentum), ("three_phase", three_phase),
                            ("use_beta1", use_beta1)):
            checks.flag(name, value)

    def _phases(self) -> list[tuple[float, str, str, str, str]]:
        """(end step, start lr key, end lr key, start momentum key, end momentum key) per phase (PyTorch's)."""
        up = float(self.pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if self.three_phase:
            return [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    (float(2 * self.pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                     "max_momentum"),
                    (last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def lrs_at(self, epoch: float) -> list[float]:
        if epoch > self.total_steps:
            raise ValueError(f"Tried to step {epoch} times. The specified number of total steps is "
                             f"{self.total_steps}")
        lrs = []
        phases = self._phases()
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr_from, lr_to, m_from, m_to) in enumerate(phases):
                if epoch <= end_step or i == len(phases) - 1:
                    pct = (epoch - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], pct))
                    break
                start_step = end_step
        return lrs


def _per_group(name: str, value: Any, count: int) -> list[float]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * count
    if len(values) != count:
        raise ValueError(f"expected {count} values for {name}, got {len(values)}")
    return [checks.real(name, v, low=0.0) for v in values]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a metric (passed to ``step(metric)``) has not improved for
    ``patience`` epochs; ``threshold`` (relative or absolute) says what counts as better; wait ``cooldown`` epochs
    after a reduction; never below ``min_lr``."""

    def __init__(self, optimizer: Any, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0.0, eps: float = 1e-8) -> None:
        self.check_settings(mode, factor, patience, threshold, threshold_mode, cooldown, eps)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.min_lrs = _per_group("min_lr", min_lr, len(optimizer.param_groups))
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self._last_lr = list(self.base_lrs)

    def check_settings(self, mode: Any, factor: Any, patience: Any, threshold: Any, threshold_mode: Any,
                       cooldown: Any, eps: Any, min_lrs: Any = (), best: Any = 0.0, num_bad_epochs: Any = 0,
                       cooldown_counter: Any = 0) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown!")
        if not checks.real("factor", factor, low=0.0) < 1.0:
            raise ValueError("Factor should be < 1.0.")
        for name, value in (("patience", patience), ("cooldown", cooldown), ("num_bad_epochs", num_bad_epochs),
                            ("cooldown_counter", cooldown_counter)):
            checks.integer(name, value, low=0)
        for name, value in (("threshold", threshold), ("eps", eps), *(("min_lr", v) for v in min_lrs)):
            checks.real(name, value, low=0.0)
        checks.real("best", best)

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record this epoch's ``metrics`` and reduce the learning rates if it has stopped improving."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(float(group["lr"]) * self.factor, min_lr)
                if float(group["lr"]) - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _is_better(self, value: float) -> bool:
        if self.mode == "min":
            bar = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return value < bar
        bar = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return value > bar


class _ComposedLR(LRScheduler):
    """A schedule made of ``_schedulers``: its state dict holds theirs."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        saved = state_dict.get("_schedulers") if isinstance(state_dict, Mapping) else None
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self._schedulers):
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected {len(self._schedulers)} scheduler "
                             "states")
        own = {k: v for k, v in state_dict.items() if k != "_schedulers"}
        if set(own) != set(self.state_dict()) - {"_schedulers"}:
            raise ValueError(f"a {type(self).__name__} state dict has the keys {sorted(self.state_dict())}, got "
                             f"{sorted(map(str, state_dict))}")
        kept = [scheduler.state_dict() for scheduler in self._schedulers]
        try:
            for scheduler, state in zip(self._schedulers, saved):
                scheduler.load_state_dict(state)
        except Exception:  # all or nothing: the schedulers loaded before the bad state get theirs back
            for scheduler, state in zip(self._schedulers, kept):
                scheduler.load_state_dict(state)
            raise
        self.__dict__.update(own)


class SequentialLR(_ComposedLR):
    """Run ``schedulers`` one after another, switching at each of the ``milestones`` (each scheduler counts its
    epochs from its own start)."""

    def __init__(self, optimizer: Any, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler")
        for index, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau) or not isinstance(scheduler, LRScheduler):
                raise ValueError(f"SequentialLR does not support {type(scheduler).__name__} at index {index}")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but the "
                                 f"scheduler at index {index} has a different one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got {len(schedulers)} and {len(milestones)}")
        checks.integer("last_epoch", last_epoch, low=-1)
        self.optimizer, self._schedulers, self._milestones = optimizer, schedulers, list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo the steps the schedulers' constructors took
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:
            scheduler.last_epoch -= 1
        schedulers[0].step(schedulers[0].last_epoch + 1)
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self._last_lr = schedulers[0].get_last_lr()

    def step(self, epoch: int | None = None) -> None:
        if epoch is not None:
            raise TypeError("SequentialLR.step() takes no epoch")
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step(scheduler.last_epoch + 1)
        self._last_lr = scheduler.get_last_lr()


class MultiplicativeLR(LambdaLR):
    """lr ← lr · λ(epoch) at each step after the first: the initial rate times λ(1)·λ(2)⋯λ(epoch), one function
    for every group or one per group. ``step(epoch)`` multiplies once by λ(epoch), as PyTorch's."""

    chainable = True

    def lrs_at(self, epoch: float) -> list[float]:
        current = [group["lr"] for group in self.optimizer.param_groups]  # step() has checked these are ours
        return current if epoch == 0 else [lr * f(epoch) for lr, f in zip(current, self.lr_lambdas)]


CYCLIC_MODES = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}
"""CyclicLR's built-in modes and what each one's scale is a function of (the cycle or the step)."""


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith), stepped once per batch: each cycle rises linearly from ``base_lr`` to
    ``max_lr`` over ``step_size_up`` steps and falls back over ``step_size_down``; the amplitude is scaled by 1
    (``triangular``), ½ per cycle (``triangular2``), γ^step (``exp_range``) or ``scale_fn(cycle or step)``.
    ``cycle_momentum`` cycles the momentum (or Adam's β₁) the other way, between ``max_momentum`` and
    ``base_momentum``."""

    def __init__(self, optimizer: Any, base_lr: float | Sequence[float], max_lr: float | Sequence[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float | Sequence[float] = 0.8,
                 max_momentum: float | Sequence[float] = 0.9, last_epoch: int = -1) -> None:
        self.optimizer, groups = optimizer, optimizer.param_groups
        base_lrs = _per_group("base_lr", base_lr, len(groups))
        up = float(checks.real("step_size_up", step_size_up, low=0.0))
        down = up if step_size_down is None else float(checks.real("step_size_down", step_size_down, low=0.0))
        if up + down == 0:
            raise ValueError("step_size_up + step_size_down must be positive (the length of a cycle)")
        if scale_fn is None and mode not in CYCLIC_MODES:
            raise ValueError(f"mode is invalid and scale_fn is None (mode {mode!r}; the modes are "
                             f"{sorted(CYCLIC_MODES)})")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable, got {type(scale_fn).__name__}")
        if cycle_momentum is True and "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
        self.max_lrs = _per_group("max_lr", max_lr, len(groups))
        self.total_size, self.step_ratio = up + down, up / (up + down)
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else CYCLIC_MODES[mode]
        self.cycle_momentum = cycle_momentum
        settings = {}
        if cycle_momentum:
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", base_momentum, len(groups))
            self.max_momentums = _per_group("max_momentum", max_momentum, len(groups))
            settings = {"use_beta1": self.use_beta1, "base_momentums": self.base_momentums,
                        "max_momentums": self.max_momentums}
        self.check_settings(self.max_lrs, self.total_size, self.step_ratio, mode, gamma, self.scale_mode, scale_fn,
                            cycle_momentum, **settings)
        if last_epoch == -1:
            for i, (group, lr) in enumerate(zip(groups, base_lrs)):
                group["lr"] = lr
                if cycle_momentum:
                    self._set_momentum(group, self.max_momentums[i])
                    group["max_momentum"], group["base_momentum"] = self.max_momentums[i], self.base_momentums[i]
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def check_settings(self, max_lrs: Any, total_size: Any, step_ratio: Any, mode: Any, gamma: Any, scale_mode: Any,
                       _scale_fn_custom: Any, cycle_momentum: Any, use_beta1: Any = False, base_momentums: Any = (),
                       max_momentums: Any = ()) -> None:
        count = len(self.optimizer.param_groups)
        for name, values in (("max_lrs", max_lrs), *((("base_momentums", base_momentums),
                                                      ("max_momentums", max_momentums)) if cycle_momentum else ())):
            _reals(name, values, count)
        if not checks.real("total_size", total_size, low=0.0) > 0 or not 0 <= checks.real("step_ratio",
                                                                                             step_ratio) <= 1:
            raise ValueError(f"invalid cycle: total_size {total_size}, step_ratio {step_ratio}")
        if _scale_fn_custom is None and mode not in CYCLIC_MODES:
            raise ValueError(f"mode {mode!r} is invalid and scale_fn is None")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"invalid scale_mode {scale_mode!r} (must be 'cycle' or 'iterations')")
        checks.real("gamma", gamma, low=0.0)
        checks.flag("cycle_momentum", cycle_momentum)
        checks.flag("use_beta1", use_beta1)

    def _scale(self, x: float) -> float:
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        return 1 / (2.0 ** (x - 1)) if self.mode == "triangular2" else self.gamma**x

    def lrs_at(self, epoch: float) -> list[float]:
        cycle = math.floor(1 + epoch / self.total_size)
        x = 1.0 + epoch / self.total_size - cycle  # the position within the cycle, 0 to 1
        height = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self._scale(cycle if self.scale_mode == "cycle" else epoch)
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, high - (high - low) * height * scale)
        return [low + (high - low) * height * scale for low, high in zip(self.base_lrs, self.max_lrs)]

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "_scale_fn_custom": self._scale_fn_custom and _callable_state(
            self._scale_fn_custom)}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        saved = state_dict.get("_scale_fn_custom") if isinstance(state_dict, Mapping) else None
        if saved is not None and not isinstance(saved, Mapping):
            raise ValueError(f"CyclicLR.load_state_dict: _scale_fn_custom must be None or a dict, got {saved!r}")
        function = self._scale_fn_custom
        super().load_state_dict({**state_dict, "_scale_fn_custom": function})
        if saved is not None and function is not None:
            function.__dict__.update(saved)


class ChainedScheduler(_ComposedLR):
    """Schedules applied together: at each step the rate is the initial one times every schedule's factor, as
    PyTorch's chainable schedules each multiply the current rate. Only schedules whose rule is such a factor
    (``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``LinearLR``, ``ConstantLR``, ``PolynomialLR``) chain here."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Any = None) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        for index, scheduler in enumerate(schedulers):
            if type(scheduler) not in FACTOR_SCHEDULES:
                raise ValueError(
                    f"ChainedScheduler here multiplies the factors of {[c.__name__ for c in FACTOR_SCHEDULES]}; "
                    f"the {type(scheduler).__name__} at index {index} sets or shifts the rate otherwise (PyTorch "
                    "would let it overwrite the others' effect mid-chain). Use SequentialLR or LambdaLR instead.")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"ChainedScheduler expects all schedulers to belong to the same optimizer, but the "
                                 f"scheduler at index {index} has a different one")
        self.optimizer, self._schedulers = optimizer, schedulers
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self._write_chained()

    def step(self) -> None:  # type: ignore[override]
        """Advance every schedule one step and write the product of their factors."""
        current = [group["lr"] for group in self.optimizer.param_groups]
        if current != self._last_lr:
            raise RuntimeError(f"ChainedScheduler.step(): the learning rates {current} are not the {self._last_lr} "
                               "it set; PyTorch's schedules would continue from them, these compute each rate from "
                               "the initial one, so it refuses rather than differ")
        for scheduler in self._schedulers:
            scheduler.last_epoch += 1
        self._write_chained()

    def _write_chained(self) -> None:
        lrs = list(self.base_lrs)
        for scheduler in self._schedulers:
            lrs = [scheduler.lr_at(lr, scheduler.last_epoch) for lr in lrs]  # lr_at is base_lr times a factor
            scheduler._last_lr = scheduler.lrs_at(scheduler.last_epoch)  # its own rates: stepped alone, it refuses
        self._write(lrs)


FACTOR_SCHEDULES = (StepLR, MultiStepLR, ExponentialLR, LinearLR, ConstantLR, PolynomialLR)
"""The schedules whose rate is the initial one times a factor of the epoch, which ChainedScheduler multiplies."""
