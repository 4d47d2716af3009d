"""Checkpoints: ``save``/``load`` nested state dicts (of modules and optimizers) as ``.npz``, never pickle.

Every array is stored under its path in the tree (``0.weight``, ``state/3/exp_avg``); the tree's shape and its
Python scalars (ints, floats, bools, strings, None) go into one JSON entry. Arrays round-trip bit-exactly.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ._tensor import Tensor

__all__ = ["load", "save"]

_STRUCTURE = "__structure__"


def _encode(obj: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON description of ``obj``; arrays are moved into ``arrays`` under their path."""
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        key = path or "_"
        if key in arrays or key == _STRUCTURE:
            raise ValueError(f"save: two entries map to the array name {key!r}; keys may not contain '/'")
        array = obj.data if isinstance(obj, Tensor) else np.asarray(obj)
        if array.dtype.kind == "O":
            raise TypeError(f"save: {path!r} holds an object array, which cannot be saved without pickle")
        arrays[key] = array
        kind = "tensor" if isinstance(obj, Tensor) else "scalar" if isinstance(obj, np.generic) else "array"
        return {kind: key}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {path or 'the top'}")
        return {"dict": [[key, _encode(value, f"{path}/{key}" if path else str(key), arrays)]
                         for key, value in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(value, f"{path}/{i}" if path else str(i), arrays) for i, value in enumerate(obj)]
        return {"list" if isinstance(obj, list) else "tuple": items}
    raise TypeError(f"save: cannot store {type(obj).__name__} at {path or 'the top'} (state dicts hold arrays, "
                    "numbers, strings, lists and dicts)")


def _decode(node: dict[str, Any], arrays: Any) -> Any:
    (kind, value), = node.items()
    if kind == "value":
        return value
    if kind == "array":
        return arrays[value]
    if kind == "scalar":
        return arrays[value][()]
    if kind == "tensor":
        return Tensor(arrays[value])
    if kind == "dict":
        return {key: _decode(child, arrays) for key, child in value}
    items = [_decode(child, arrays) for child in value]
    return items if kind == "list" else tuple(items)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or any tree of dicts/lists of arrays and numbers) to ``path`` as ``.npz``."""
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps(_encode(obj, "", arrays))
    with open(path, "wb") as file:
        np.savez(file, **arrays, **{_STRUCTURE: np.array(structure)})


def load(path: str | os.PathLike) -> Any:
    """Read what ``save`` wrote (with ``allow_pickle=False``: a checkpoint cannot run code)."""
    with np.load(path, allow_pickle=False) as archive:
        if _STRUCTURE not in archive.files:
            raise ValueError(f"load: {path} was not written by tinygrad_edu.save (no {_STRUCTURE!r} entry)")
        arrays = {name: archive[name] for name in archive.files}
    return _decode(json.loads(str(arrays.pop(_STRUCTURE))), arrays)
