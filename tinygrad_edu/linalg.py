"""``tg.linalg``: PyTorch's ``torch.linalg`` names for the linear-algebra ops (their calculus is in ``ops``)."""

from typing import Any

from ._tensor import Tensor, det, inv, matrix_norm, slogdet, solve, vector_norm
from ._tensor import linalg_norm as norm

__all__ = ["cross", "det", "inv", "matrix_norm", "norm", "slogdet", "solve", "vector_norm"]


def cross(input: Any, other: Any, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the last by default; ``torch.cross`` takes the first of size 3)."""
    return (input if isinstance(input, Tensor) else Tensor(input)).cross(other, dim)
