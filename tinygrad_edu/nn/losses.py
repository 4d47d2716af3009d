"""Loss modules: each holds its ``reduction`` and calls the composition of the same name in ``nn.functional``."""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from .module import Module


class _Loss(Module):
    _function: Any

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in F.REDUCTIONS:
            raise ValueError(f"reduction must be one of {F.REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return type(self)._function(input, target, self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """(x̂ − y)², averaged over every element; the seed's C is ``reduction='sum'`` over the batch size."""

    _function = F.mse_loss


class L1Loss(_Loss):
    """|x̂ − y|, averaged."""

    _function = F.l1_loss


class CrossEntropyLoss(_Loss):
    """−log softmax(logits)[class] for integer class targets; stable for large logits."""

    _function = F.cross_entropy


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities."""

    _function = F.binary_cross_entropy


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, computed stably without forming σ(x)."""

    _function = F.binary_cross_entropy_with_logits
