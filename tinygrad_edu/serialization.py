"""Checkpoints: ``save``/``load`` state dicts (of modules, optimizers, schedulers) atomically and without pickle.

The file's suffix picks the format:
- ``.safetensors``: a flat dict of name → array in the safetensors format, which PyTorch and Hugging Face read;
  needs the ``safetensors`` package (``pip install 'tinygrad_edu[interop]'``).
- anything else: an ``.npz`` archive. Each array is an ``.npy`` entry named by its path in the tree (``0.weight``,
  ``state/3/exp_avg``); the tree's shape and its Python values go into one JSON entry, ``__structure__``. Any tree of
  dicts (str or int keys), lists, tuples, arrays, tensors, numbers, strings and None round-trips bit-exactly.

A save writes a temporary file beside the target, fsyncs it and renames it over the target: a failure midway (a full
disk, a crash) leaves the previous file as it was. Loading reads arrays and JSON only, so a file cannot run code.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import numpy as np

from ._tensor import Tensor

__all__ = ["MAX_DEPTH", "STRUCTURE", "load", "save"]

STRUCTURE = "__structure__"
MAX_DEPTH = 64  # nesting levels of dicts/lists: far beyond any state dict, far below Python's recursion limit
_PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle")
_NPZ_EXPECTED = "expected a checkpoint written by tinygrad_edu.save (an .npz archive with a '__structure__' entry)"
_NODE_KINDS = ("value", "float", "array", "scalar", "tensor", "dict", "list", "tuple")
# what a damaged or hostile zip archive raises from inside zipfile (CRC errors, odd compression or encryption;
# an offset read from a damaged directory makes a seek before the start: OSError EINVAL)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError,
               struct.error, OverflowError, OSError)
_SAFETENSORS_DTYPES = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16,
                       "U32": np.uint32, "I32": np.int32, "U64": np.uint64, "I64": np.int64, "F16": np.float16,
                       "F32": np.float32, "F64": np.float64, "C64": np.complex64}


# ----------------------------------------------------------------------------------------------- save
def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` atomically: ``.safetensors`` (a flat dict of arrays) by suffix, else ``.npz``."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix in _PICKLE_SUFFIXES:
        raise ValueError(f"save: {suffix} files are pickle to PyTorch, and tinygrad_edu never writes pickle; "
                         "use model.safetensors (PyTorch reads it with safetensors.torch.load_file) or model.npz")
    if suffix == ".safetensors":
        data = _safetensors_bytes(obj)
        write_atomically(path, lambda file: file.write(data))
    else:
        arrays: dict[str, np.ndarray] = {}
        structure = json.dumps(_encode(obj, "", 0, arrays), allow_nan=False)
        write_atomically(path, lambda file: _write_npz(file, structure, arrays))


def _where(path: str) -> str:
    return repr(path) if path else "the top"


def _savable_array(obj: Tensor | np.ndarray | np.generic, path: str) -> np.ndarray:
    """The array behind ``obj``, refusing what cannot be stored without loss or pickle."""
    if isinstance(obj, np.ndarray) and type(obj) not in (np.ndarray, np.memmap):
        raise TypeError(f"save: {_where(path)} is a {type(obj).__name__}; convert it with np.asarray first "
                        "(what the subclass adds, such as a mask, would be lost)")
    array = obj.data if isinstance(obj, Tensor) else np.asarray(obj)
    if array.dtype.hasobject or array.dtype.kind == "V":
        raise TypeError(f"save: {_where(path)} is an array of dtype {array.dtype}; checkpoints hold numeric, bool, "
                        "string and date arrays (Python objects would need pickle)")
    return array


def _encode(obj: Any, path: str, depth: int, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON description of ``obj``; its arrays go into ``arrays`` under names of their own."""
    if depth > MAX_DEPTH:
        raise ValueError(f"save: {_where(path)} is nested more than {MAX_DEPTH} levels deep (does it contain itself?)")
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        kind = "tensor" if isinstance(obj, Tensor) else "scalar" if isinstance(obj, np.generic) else "array"
        name = _entry_name(path, arrays)
        arrays[name] = _savable_array(obj, path)
        return {kind: name}
    if type(obj) is float and not math.isfinite(obj):  # standard JSON has no NaN/inf: store the IEEE bits
        return {"float": struct.pack(">d", obj).hex()}
    if obj is None or type(obj) in (bool, int, float, str):
        return {"value": obj}
    if isinstance(obj, dict):
        for key in obj:
            if type(key) not in (str, int):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {_where(path)}")
        return {"dict": [[key, _encode(value, f"{path}/{key}" if path else str(key), depth + 1, arrays)]
                         for key, value in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(value, f"{path}/{i}" if path else str(i), depth + 1, arrays) for i, value in enumerate(obj)]
        return {"list" if isinstance(obj, list) else "tuple": items}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {_where(path)} (checkpoints hold arrays, tensors, "
                    "numbers, strings, None, lists, tuples and dicts)")


def _entry_name(path: str, taken: Mapping[str, Any]) -> str:
    """``path`` itself when plain ``np.load`` shows it unambiguously, else the first free ``#n``."""
    if (path and path != STRUCTURE and path not in taken and len(path) <= 200 and path.isprintable()
            and "\\" not in path and not path.endswith(".npy")):
        return path
    n = len(taken)
    while f"#{n}" in taken:
        n += 1
    return f"#{n}"


def _write_npz(file: BinaryIO, structure: str, arrays: dict[str, np.ndarray]) -> None:
    """What ``np.savez`` writes, without its keyword arguments (a key named ``file`` is just a key here)."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in [(STRUCTURE, np.array(structure)), *arrays.items()]:
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)


def write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write through ``write`` into a temporary file beside ``path``, fsync it, then rename it over ``path`` (any
    writer of files the user keeps: checkpoints, ONNX exports)."""
    target = os.path.realpath(path)  # through a symlink to its target, as open(path, "wb") would write
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name[:200]}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never write into someone else's file; mode 0o666 minus the umask, as open(path, "wb") gives
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with open(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))  # an overwritten file keeps its mode
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if os.name == "posix":  # make the rename itself durable
        with contextlib.suppress(OSError):  # some file systems cannot sync a directory; the file itself is synced
            directory_descriptor = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(directory_descriptor)
            finally:
                os.close(directory_descriptor)


# ----------------------------------------------------------------------------------------------- load
def load(path: str | os.PathLike[str]) -> Any:
    """Read what ``save`` wrote (``.safetensors`` by suffix). Only arrays and JSON are read: never pickle."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(64)
        file.seek(0)
        if suffix == ".safetensors":
            return _load_safetensors(file.read(), path)
        if not head.startswith(b"PK"):
            raise ValueError(f"load: {os.fspath(path)} is {_describe(head, size)}; {_NPZ_EXPECTED}")
        try:
            return _load_npz(file, path)
        except _ZIP_ERRORS as error:
            raise ValueError(f"load: {os.fspath(path)} is a damaged zip archive ({type(error).__name__}: {error}); "
                             f"{_NPZ_EXPECTED} — was it truncated or changed after saving?") from None


def _describe(head: bytes, size: int) -> str:
    """What a file is, from its first bytes, for error messages."""
    if size == 0:
        return "an empty file"
    if head.startswith(b"PK"):
        return "a zip archive"
    if head.startswith(b"\x93NUMPY"):
        return "a single array written by np.save (.npy; np.load reads it)"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a Python pickle (pickle.dump, or torch.save's old format), which tinygrad_edu never loads"
    if _looks_like_safetensors(head, size):
        return "a safetensors file (tg.load reads it from a path ending in .safetensors)"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "an HDF5 file"
    text = head.decode("utf-8", errors="replace").rstrip("\ufffd").strip()  # the last character may be cut in two
    if all(char.isprintable() or char in "\t\r\n" for char in text):
        return f"a text file starting with {text.splitlines()[0][:40]!r}" if text else "a blank text file"
    return f"a binary file of {size} bytes starting with {head[:8].hex(' ')}"


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    """safetensors: an 8-byte little-endian header length, then the JSON header."""
    return len(head) > 8 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") <= size - 8


def _describe_archive(names: list[str]) -> str:
    if any(name.endswith("data.pkl") for name in names):
        return ("a PyTorch checkpoint (torch.save: pickle in a zip archive), which tinygrad_edu never unpickles; "
                "in PyTorch, save the state dict with safetensors.torch.save_file and load that .safetensors file")
    if names and all(name.endswith(".npy") for name in names):
        return (f"an .npz archive of {len(names)} arrays without tinygrad_edu's structure entry (np.savez?); "
                "dict(np.load(path)) reads it as a dict of arrays")
    return "a zip archive that is not an .npz"


def _load_npz(file: BinaryIO, path: str | os.PathLike[str]) -> Any:
    with zipfile.ZipFile(file) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        if len(infos) != len(archive.infolist()):
            raise ValueError(f"load: {os.fspath(path)} is a zip archive in which two entries share a name; "
                             f"{_NPZ_EXPECTED}")
        if STRUCTURE + ".npy" not in infos:
            raise ValueError(f"load: {os.fspath(path)} is {_describe_archive(list(infos))}; {_NPZ_EXPECTED}")
        used = {STRUCTURE + ".npy"}

        def read_entry(name: Any, where: str) -> np.ndarray:
            member = f"{name}.npy"
            if not isinstance(name, str) or member not in infos:
                raise ValueError(f"{where} refers to an array entry {name!r} that the archive does not have")
            if member in used:
                raise ValueError(f"{where} refers to the array entry {name!r} a second time")
            used.add(member)
            return _read_npy(archive, infos[member])

        try:
            structure = _read_npy(archive, infos[STRUCTURE + ".npy"])
            if structure.dtype.kind != "U" or structure.ndim:
                raise ValueError(f"the structure entry is a {structure.dtype} array of shape {structure.shape}, "
                                 "expected one JSON string")
            try:
                tree = json.loads(str(structure[()]))
            except RecursionError:
                raise ValueError("the structure entry is nested too deeply to parse") from None
            obj = _decode(tree, "", 0, read_entry)
            if set(infos) - used:
                raise ValueError(f"the archive has entries the structure does not mention: {sorted(set(infos) - used)}")
        except ValueError as error:
            raise ValueError(f"load: {os.fspath(path)} is a zip archive but not a valid tinygrad_edu checkpoint: "
                             f"{error}") from None
        return obj


def _read_npy(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` entry, checked against its own header before anything is allocated; never unpickles."""
    with archive.open(info) as entry:
        version = np.lib.format.read_magic(entry)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            raise ValueError(f"entry {info.filename!r} is .npy version {version}, expected 1.0 or 2.0")
        shape, fortran_order, dtype = read_header(entry)
        if dtype.hasobject:
            raise ValueError(f"entry {info.filename!r} holds Python objects (dtype {dtype}), which only pickle loads")
        size = math.prod(shape) * dtype.itemsize
        if entry.tell() + size != info.file_size:
            raise ValueError(f"entry {info.filename!r} has {info.file_size - entry.tell()} bytes of data, its header "
                             f"(shape {shape}, dtype {dtype}) needs {size}")
        data = bytearray(entry.read(size + 1))  # reading to the end makes zipfile check the CRC
    if len(data) != size:
        raise ValueError(f"entry {info.filename!r} ended after {len(data)} of {size} bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")


def _decode(node: Any, path: str, depth: int, read_entry: Callable[[Any, str], np.ndarray]) -> Any:
    """The object a structure node describes; every malformation is a ValueError naming where it is."""
    where = f"the node at {_where(path)}"
    if depth > MAX_DEPTH:
        raise ValueError(f"{where} is nested more than {MAX_DEPTH} levels deep")
    if not (isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _NODE_KINDS):
        raise ValueError(f"{where} is {_short(node)}, expected an object with one key out of {', '.join(_NODE_KINDS)}")
    (kind, value), = node.items()
    if kind == "value":
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise ValueError(f"{where} holds the value {_short(value)}, expected a number, string, boolean or null")
    if kind == "float":
        if isinstance(value, str) and len(value) == 16 and all(char in "0123456789abcdef" for char in value):
            return struct.unpack(">d", bytes.fromhex(value))[0]
        raise ValueError(f"{where} holds the float bits {_short(value)}, expected 16 lowercase hex digits")
    if kind in ("array", "scalar", "tensor"):
        array = read_entry(value, where)
        if kind == "scalar":
            if array.ndim:
                raise ValueError(f"{where} is a scalar, but its entry {value!r} has shape {array.shape}")
            return array[()]
        return array if kind == "array" else Tensor(array)
    if not isinstance(value, list):
        raise ValueError(f"{where} is a {kind} of {_short(value)}, expected a JSON list")
    if kind == "dict":
        result: dict[Any, Any] = {}
        for pair in value:
            if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (str, int)):
                raise ValueError(f"{where} has the item {_short(pair)}, expected a [str or int key, node] pair")
            key, child = pair
            if key in result:
                raise ValueError(f"{where} has the key {key!r} twice")
            result[key] = _decode(child, f"{path}/{key}" if path else str(key), depth + 1, read_entry)
        return result
    items = [_decode(child, f"{path}/{i}" if path else str(i), depth + 1, read_entry) for i, child in enumerate(value)]
    return items if kind == "list" else tuple(items)


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ----------------------------------------------------------------------------------------------- safetensors
def _safetensors_module() -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as error:
        raise ImportError(".safetensors files need the safetensors package: "
                          "pip install 'tinygrad_edu[interop]' (or pip install safetensors)") from error
    return safetensors


def _safetensors_bytes(obj: Any) -> bytes:
    """The safetensors encoding of a flat dict of name → array; anything else is refused by name."""
    if not isinstance(obj, Mapping):
        raise TypeError(f"save: a .safetensors file holds a flat dict of name → array, got a {type(obj).__name__} "
                        "(save other trees as .npz)")
    supported = {np.dtype(dtype) for dtype in _SAFETENSORS_DTYPES.values()}
    arrays = {}
    for key, value in obj.items():
        if type(key) is not str or key == "__metadata__" or not key.isprintable():
            raise TypeError(f"save: a .safetensors file needs printable str keys other than '__metadata__', got "
                            f"{key!r} (save as .npz for any key)")
        if not isinstance(value, (Tensor, np.ndarray, np.generic)):
            raise TypeError(f"save: {key!r} is of type {type(value).__name__}, but a .safetensors file holds only "
                            "arrays (save nested or non-array state, such as an optimizer's, as .npz)")
        array = _savable_array(value, key)
        if array.dtype.newbyteorder("=") not in supported:
            raise TypeError(f"save: {key!r} has dtype {array.dtype}, which safetensors cannot store (it stores "
                            f"{', '.join(sorted(str(dtype) for dtype in supported))}); save as .npz")
        # safetensors.numpy copies raw memory, so it must be C-contiguous (np.ascontiguousarray would make 0-d 1-d)
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
    return _safetensors_module().numpy.save(arrays)


def _load_safetensors(data: bytes, path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    safetensors = _safetensors_module()
    expected = "expected a safetensors file (a dict of arrays, as safetensors.torch.save_file writes)"
    if not _looks_like_safetensors(data[:64], len(data)):
        raise ValueError(f"load: {os.fspath(path)} is {_describe(data[:64], len(data))}; {expected}")
    try:
        entries = safetensors.deserialize(data)
    except safetensors.SafetensorError as error:
        raise ValueError(f"load: {os.fspath(path)} is a damaged safetensors file ({error}); {expected}") from None
    arrays = {}
    for name, info in entries:
        dtype = _SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"load: {os.fspath(path)}: {name!r} has dtype {info['dtype']}, which numpy has no type "
                             "for; convert it before saving (in PyTorch: tensor.float())")
        array = np.frombuffer(info["data"], dtype=np.dtype(dtype).newbyteorder("<"))  # safetensors is little-endian
        array = array.reshape(tuple(info["shape"])).astype(dtype, copy=False)
        arrays[name] = array if array.flags.writeable else array.copy()  # older safetensors return bytes
    return arrays


def convert_state_value(value: Any, target: np.ndarray) -> np.ndarray:
    """``value`` as a new array of ``target``'s shape and dtype, or a ValueError saying why it means something else.

    Real numbers convert to any float dtype (float64 → float32 rounds, as in PyTorch); a value out of the target's
    range, a non-integer for an integer target, and bool to or from numbers are refused, as are strings and objects.
    """
    try:
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"a {type(value).__name__} that is not an array ({error})") from None
    if array.dtype.kind not in "biuf":
        what = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers", "M": "dates",
                "m": "time spans"}.get(array.dtype.kind, "raw records")
        raise ValueError(f"an array of {what} (dtype {array.dtype}), not numbers for a {target.dtype} entry")
    if array.shape != target.shape:
        raise ValueError(f"shape {array.shape} in the state dict, {target.shape} in the model")
    if (array.dtype.kind == "b") != (target.dtype.kind == "b"):
        raise ValueError(f"{array.dtype} values for a {target.dtype} entry (convert with .astype if you mean 0 and 1)")
    with np.errstate(over="ignore", invalid="ignore"):
        converted = array.astype(target.dtype)
    if target.dtype.kind == "f":
        lost = np.isinf(converted) & ~np.isinf(array)
        if lost.any():
            raise ValueError(f"the value {array[lost].flat[0].item()!r} is beyond {target.dtype}'s range")
    elif not np.array_equal(converted, array):
        changed = converted != array
        raise ValueError(f"the value {array[changed].flat[0].item()!r} is not a {target.dtype}, the entry's dtype")
    return converted
