"""PyTorch's dtype names (``tg.float32``, ``tg.long``, ``tg.bool``, …) for the numpy dtypes tensors hold.

Each is a ``numpy.dtype``, so ``x.dtype == tg.float32`` and ``x.dtype is tg.float32`` hold as in PyTorch, and each
can be passed as ``dtype=`` here or to numpy. ``tg.bool`` is numpy's bool dtype (``bool_`` is numpy's name for it;
Python's ``bool`` works as a ``dtype=`` too). The module defines ``bool``, ``int`` and ``float`` on purpose, as
``torch`` does, and nothing else, so no code of the package loses Python's builtins.
"""

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = bool_ = np.dtype(np.bool_)
finfo, iinfo = np.finfo, np.iinfo  # tg.finfo(tg.float32).eps, .max, .tiny: numpy's, with PyTorch's field names

__all__ = ["bool_", "double", "finfo", "float16", "float32", "float64", "half", "iinfo", "int8", "int16", "int32",
           "int64", "long", "short", "uint8"]
