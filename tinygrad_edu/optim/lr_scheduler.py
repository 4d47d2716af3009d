"""Learning-rate schedules: call ``step()`` once per epoch, after ``optimizer.step()``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import checks

__all__ = ["CosineAnnealingLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Sets each group's ``lr`` to ``lr_at(base_lr, epoch)``; ``base_lr`` is the group's lr when scheduling began."""

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        checks.integer("last_epoch", last_epoch, low=-1)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the optimizer."""
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)

    def get_last_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def check_settings(self, **settings: Any) -> None:
        """Raise if a subclass's own settings (its constructor's arguments) are invalid; subclasses say how."""

    def state_dict(self) -> dict[str, Any]:
        """``base_lrs``, ``last_epoch`` and the subclass's settings (``step_size``, ``T_max``, ...)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore the schedule, all or nothing: the same keys as ``state_dict()``, each checked as the constructor."""
        own = self.state_dict()
        if not isinstance(state_dict, Mapping) or set(state_dict) != set(own):
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, Mapping) else type(state_dict).__name__
            raise ValueError(f"a {type(self).__name__} state dict has the keys {sorted(own)}, got {keys}")
        base_lrs = state_dict["base_lrs"]
        try:
            checks.integer("last_epoch", state_dict["last_epoch"], low=-1)
            if not isinstance(base_lrs, (list, tuple)) or len(base_lrs) != len(self.optimizer.param_groups):
                raise ValueError(f"base_lrs must list one learning rate per parameter group "
                                 f"({len(self.optimizer.param_groups)}), got {base_lrs!r}")
            for lr in base_lrs:
                checks.real("base_lrs", lr, low=0.0)
            self.check_settings(**{k: v for k, v in state_dict.items() if k not in ("base_lrs", "last_epoch")})
        except (TypeError, ValueError) as error:
            raise ValueError(f"{type(self).__name__}.load_state_dict: {error}") from None
        self.__dict__.update({**state_dict, "base_lrs": list(base_lrs)})


class StepLR(LRScheduler):
    """lr = base_lr · γ^⌊epoch / step_size⌋."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.check_settings(step_size, gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def check_settings(self, step_size: Any, gamma: Any) -> None:
        checks.integer("step_size", step_size, low=1)
        checks.real("gamma", gamma, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (base_lr − η_min)·(1 + cos(π·epoch / T_max))/2 (the closed form of PyTorch's schedule)."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.check_settings(T_max, eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def check_settings(self, T_max: Any, eta_min: Any) -> None:
        checks.integer("T_max", T_max, low=1)
        checks.real("eta_min", eta_min, low=0.0)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
