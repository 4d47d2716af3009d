"""The rules for optimizer and scheduler settings, shared by their constructors and their ``load_state_dict``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["flag", "integer", "real"]


def real(name: str, value: Any, low: float | None = None, below: float | None = None) -> Any:
    """``value`` if it is a real number (not a bool) with ``low <= value < below``; else a TypeError or ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"invalid {name}: {value!r} (must be a real number)")
    if low is not None and not value >= low:  # `not >=` also refuses NaN
        raise ValueError(f"invalid {name}: {value} (must be >= {low})")
    if below is not None and not value < below:
        raise ValueError(f"invalid {name}: {value} (must be < {below})")
    return value


def integer(name: str, value: Any, low: int) -> int:
    """``value`` as an int if it is an integer (not a bool) ``>= low``; else a TypeError or ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"invalid {name}: {value!r} (must be an integer)")
    if value < low:
        raise ValueError(f"invalid {name}: {value} (must be >= {low})")
    return int(value)


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool if it is one (Python's or numpy's); else a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"invalid {name}: {value!r} (must be True or False)")
    return bool(value)
