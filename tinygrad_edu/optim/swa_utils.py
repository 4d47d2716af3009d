"""PyTorch's ``torch.optim.swa_utils``: stochastic weight averaging and exponential moving averages of a model's
parameters (``AveragedModel``), the SWA learning-rate schedule (``SWALR``) and the batch-norm statistics
recomputed for the averaged weights (``update_bn``). The one part of ``optim`` that uses ``nn``."""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import engine, grad_mode
from .._tensor import Tensor
from ..nn.module import Module
from ..nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from . import checks
from .lr_scheduler import LRScheduler

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn", "get_swa_avg_fn",
           "get_swa_multi_avg_fn", "update_bn"]


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """``(ema, current, n) ↦ decay·ema + (1 − decay)·current``, one parameter at a time."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """``(average, current, n) ↦ average + (current − average)/(n + 1)``: the running mean of the weights."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _lerp_all(averaged: list[Tensor], current: list[Tensor], weight: float) -> None:
    """averaged ← averaged + weight·(current − averaged), in place for every pair (PyTorch's ``_foreach_lerp_``
    formulas); integer tensors take the rounded-down average."""
    for target, source in zip(averaged, current, strict=True):
        a, b = target.data, source.data
        if a.dtype.kind != "f":
            a[...] = a + (b - a) * weight
        elif weight < 0.5:
            a += weight * (b - a)
        else:
            a[...] = b - (b - a) * (1 - weight)
        engine.bump_version(target)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """The EMA for lists of parameters, in place: ema ← ema + (1 − decay)·(current − ema)."""
    _check_decay(decay)

    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _: Any) -> None:
        _lerp_all(ema_param_list, current_param_list, 1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """The running mean for lists of parameters, in place: average ← average + (current − average)/(n + 1)."""

    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor], num_averaged: Any) -> None:
        n = int(num_averaged.data if isinstance(num_averaged, Tensor) else num_averaged)
        _lerp_all(averaged_param_list, current_param_list, 1 / (n + 1))

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` (``.module``) whose parameters (and buffers, with ``use_buffers``) are averaged by
    ``update_parameters(model)``: the running mean (SWA) by default, or ``avg_fn`` (one tensor at a time) or
    ``multi_avg_fn`` (lists, in place, e.g. ``get_ema_multi_avg_fn()``); ``n_averaged`` counts the updates."""

    def __init__(self, model: Module, device: Any = None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module.to(device)
        self.register_buffer("n_averaged", Tensor(np.array(0, dtype=np.int64)))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _averaged(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            return (list(itertools.chain(self.module.parameters(), self.module.buffers())),
                    list(itertools.chain(model.parameters(), model.buffers())))
        return list(self.parameters()), list(model.parameters())

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        mine, theirs = self._averaged(model)
        if len(mine) != len(theirs):
            raise ValueError(f"update_parameters: the model has {len(theirs)} tensors to average, the averaged copy "
                             f"{len(mine)}")
        count = int(self.n_averaged.data)
        with grad_mode.no_grad():
            if count == 0:
                _lerp_all(mine, theirs, 1.0)
            elif self.avg_fn is not None:
                for target, source in zip(mine, theirs):
                    target.data[...] = self.avg_fn(target.detach(), source.detach(), self.n_averaged).data
                    engine.bump_version(target)
            else:
                for kind in {t.dtype for t in mine}:  # PyTorch groups the tensors by dtype
                    pairs = [(a, b) for a, b in zip(mine, theirs) if a.dtype == kind]
                    update = self.multi_avg_fn or get_swa_multi_avg_fn()
                    update([a for a, _ in pairs], [b.detach() for _, b in pairs], self.n_averaged)
            if not self.use_buffers:  # the buffers follow the model's
                _lerp_all(list(self.module.buffers()), list(model.buffers()), 1.0)
        self.n_averaged.data[...] += 1
        engine.bump_version(self.n_averaged)


BATCH_NORMS = (BatchNorm1d, BatchNorm2d, BatchNorm3d)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute every batch norm's running statistics for ``model``'s (averaged) weights with one pass over
    ``loader``: reset, then the cumulative average (momentum None) over its batches (a batch that is a list or
    tuple: its first item), in training mode; the momenta and the mode are restored after."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, BATCH_NORMS):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        for batch in loader:
            x = batch[0] if isinstance(batch, (list, tuple)) else batch
            model(x if device is None else x.to(device))
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


ANNEAL_STRATEGIES = ("cos", "linear")


class SWALR(LRScheduler):
    """Anneal each group's learning rate from its current value to ``swa_lr`` over ``anneal_epochs`` steps
    (cosine or linear), then hold it — PyTorch's rule, which recovers the starting value from the current one, so it
    continues from whatever schedule ran before it."""

    def __init__(self, optimizer: Any, swa_lr: float | list[float], anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        count = len(optimizer.param_groups)
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * count
        if len(swa_lrs) != count:
            raise ValueError(f"swa_lr must have the same length as optimizer.param_groups: swa_lr has "
                             f"{len(swa_lrs)}, optimizer.param_groups has {count}")
        self.check_settings(anneal_epochs, anneal_strategy)
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = checks.real("swa_lr", value, low=0.0)
        self.anneal_epochs, self.anneal_strategy = anneal_epochs, anneal_strategy
        super().__init__(optimizer, last_epoch)

    def check_settings(self, anneal_epochs: Any, anneal_strategy: Any) -> None:
        if anneal_strategy not in ANNEAL_STRATEGIES:
            raise ValueError(f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")

    def anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def lrs_at(self, epoch: float) -> list[float]:
        step = max(1, epoch) if self.anneal_epochs == 0 else epoch
        before = self.anneal(max(0.0, min(1.0, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal(max(0.0, min(1.0, step / max(1, self.anneal_epochs))))
        lrs = []
        for group in self.optimizer.param_groups:
            start = group["swa_lr"] if before == 1 else (group["lr"] - before * group["swa_lr"]) / (1 - before)
            lrs.append(group["swa_lr"] * alpha + start * (1 - alpha))
        return lrs
