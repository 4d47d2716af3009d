"""PyTorch's logic functions, ``tg.any(x)``, ``tg.isclose(a, b)``, …: each is the Tensor method of the same name
applied to its first argument (data that is not a tensor is converted first).

Their results are bool tensors (``allclose`` and ``equal``: Python bools) and carry no gradient. The module defines
``any`` and ``all`` on purpose, as ``torch`` does, and nothing that needs Python's own.
"""

from __future__ import annotations

from typing import Any

from ._tensor import Axis, Tensor, as_tensor

__all__ = ["allclose", "equal", "isclose", "isfinite", "isinf", "isnan", "logical_and", "logical_not", "logical_or",
           "logical_xor"]


def any(input: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
        keepdim: bool | None = None) -> Tensor:
    """Whether any element along the axes (all by default) is nonzero."""
    return as_tensor(input).any(axis, keepdims, dim=dim, keepdim=keepdim)


def all(input: Any, axis: Axis = None, keepdims: bool | None = None, *, dim: Axis = None,
        keepdim: bool | None = None) -> Tensor:
    """Whether every element along the axes (all by default) is nonzero."""
    return as_tensor(input).all(axis, keepdims, dim=dim, keepdim=keepdim)


def isnan(input: Any) -> Tensor:
    return as_tensor(input).isnan()


def isinf(input: Any) -> Tensor:
    return as_tensor(input).isinf()


def isfinite(input: Any) -> Tensor:
    return as_tensor(input).isfinite()


def logical_not(input: Any) -> Tensor:
    return as_tensor(input).logical_not()


def logical_and(input: Any, other: Any) -> Tensor:
    return as_tensor(input).logical_and(other)


def logical_or(input: Any, other: Any) -> Tensor:
    return as_tensor(input).logical_or(other)


def logical_xor(input: Any, other: Any) -> Tensor:
    return as_tensor(input).logical_xor(other)


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input − other| ≤ atol + rtol·|other| elementwise."""
    return as_tensor(input).isclose(other, rtol, atol, equal_nan)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return as_tensor(input).allclose(other, rtol, atol, equal_nan)


def equal(input: Any, other: Any) -> bool:
    """Whether the two have one shape and the same values."""
    return as_tensor(input).equal(other)
