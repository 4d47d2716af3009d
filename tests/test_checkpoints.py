"""tg.save/tg.load: bit-exact round trips of any tree, atomic writes under injected faults, clear errors for files
that are not checkpoints (fuzzed), and .safetensors checked against the safetensors package's own reader."""

import errno
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, serialization

ROOT = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------------------------------- helpers
def same(a, b) -> bool:
    """Equal values of the same types; arrays and floats compared bit for bit (NaN payloads, -0.0, dtype, order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and np.shape(a) == np.shape(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()
    if isinstance(a, tg.Tensor):
        return same(a.data, b.data)
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def write_archive(path, structure, arrays=None) -> None:
    """An .npz written here, not by the code under test: ``structure`` is JSON text, any array, or left out (None)."""
    with zipfile.ZipFile(path, "w") as archive:
        entries = dict(arrays or {})
        if structure is not None:
            entries[serialization.STRUCTURE] = np.array(structure) if isinstance(structure, str) else structure
        for name, array in entries.items():
            with archive.open(name + ".npy", "w") as entry:
                np.lib.format.write_array(entry, np.asarray(array), allow_pickle=True)


def small_model():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    model(tg.randn(4, 1, 4, 4))  # moves the running statistics
    return model


# ----------------------------------------------------------------------------------------------- round trips
def test_module_state_dict_round_trip_is_bit_exact_and_readable_by_plain_np_load(tmp_path):
    model = small_model()
    path = tmp_path / "model.npz"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    assert same(loaded, dict(model.state_dict()))
    with np.load(path, allow_pickle=False) as archive:  # plain arrays under their dotted names
        np.testing.assert_array_equal(archive["3.weight"], model[3].weight.data)
    tg.manual_seed(1)
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    fresh.load_state_dict(loaded)
    x = tg.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(fresh.eval()(x).data, model.eval()(x).data)


def test_optimizer_state_round_trip_keeps_nesting_types_and_values(tmp_path):
    model = nn.Linear(2, 2)
    opt = optim.AdamW([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}], lr=0.01)
    model(tg.randn(3, 2)).sum().backward()
    opt.step()
    state = opt.state_dict()
    tg.save(state, tmp_path / "opt.npz")
    loaded = tg.load(tmp_path / "opt.npz")
    assert same(loaded, state)  # int keys, tuples (betas), Python floats and ints as they were
    optim.AdamW([{"params": [model.weight]}, {"params": [model.bias]}]).load_state_dict(loaded)


def test_keys_that_collided_with_np_savez_arguments_or_paths_are_plain_keys(tmp_path):
    tree = {"file": np.arange(3.0), "allow_pickle": np.float32(2), "__structure__": [1, np.zeros(2)],
            "a/b": np.zeros((0, 2)), "a": {"b": np.ones(2, dtype=">f4"), 1: "x", "1": np.int8(1)},
            "x.npy": np.array(True), "": None, "#0": np.zeros(1), "kwds": {"args": np.ones(1)}}
    tg.save(tree, tmp_path / "keys.npz")
    assert same(tg.load(tmp_path / "keys.npz"), tree)


def test_non_finite_python_floats_keep_their_bits_and_the_structure_is_standard_json(tmp_path):
    negative_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8_0000_0000_0001))[0]
    tree = [float("inf"), -float("inf"), negative_nan, -0.0, 5e-324]
    tg.save(tree, tmp_path / "f.npz")
    assert same(tg.load(tmp_path / "f.npz"), tree)
    with np.load(tmp_path / "f.npz") as archive:
        json.loads(str(archive[serialization.STRUCTURE]), parse_constant=pytest.fail)  # no NaN/Infinity tokens


DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint16, np.bool_, np.complex128, ">f4", "<U3",
          "S2", "datetime64[s]", "timedelta64[ms]"]
arrays = st.sampled_from(DTYPES).flatmap(
    lambda dtype: hnp.arrays(np.dtype(dtype), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
keys = st.one_of(st.sampled_from(["file", "allow_pickle", "__structure__", "a/b", "a", "b", "x.npy", "", "#1", "\x00"]),
                 st.text(st.characters(exclude_categories=()), max_size=8),  # surrogates and controls included
                 st.integers(-(2**70), 2**70))
numpy_scalars = st.sampled_from(DTYPES).flatmap(lambda dtype: hnp.arrays(np.dtype(dtype), ()).map(lambda a: a[()]))
leaves = st.one_of(
    arrays, numpy_scalars,
    arrays.filter(lambda a: a.dtype.kind == "f").map(tg.Tensor), arrays.map(np.asfortranarray),
    st.none(), st.booleans(), st.integers(-(2**100), 2**100), st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(exclude_categories=()), max_size=10))
trees = st.recursive(leaves, lambda children: st.one_of(
    st.lists(children, max_size=4), st.lists(children, max_size=4).map(tuple),
    st.dictionaries(keys, children, max_size=4)), max_leaves=25)


@FUZZ
@given(tree=trees)
def test_any_tree_round_trips_bit_exactly_with_its_types(tmp_path, tree):
    path = tmp_path / "tree.npz"
    tg.save(tree, path)
    assert same(tg.load(path), tree)


def test_what_cannot_be_stored_is_refused_by_name_and_nothing_is_written(tmp_path):
    cases = [({"x": {1, 2}}, TypeError, "cannot store a set at 'x'"),
             ({"x": [np.array([None])]}, TypeError, r"'x/0' is an array of dtype object"),
             ({"m": np.ma.masked_array([1.0], mask=[True])}, TypeError, "'m' is a MaskedArray"),
             ({True: 1}, TypeError, "dict keys must be str or int, got True"),
             ({"x": np.zeros(1, dtype=[("a", "f4")])}, TypeError, "dtype"),
             ({"e": IndexError}, TypeError, "cannot store a type at 'e'")]
    for tree, error, pattern in cases:
        with pytest.raises(error, match=pattern):
            tg.save(tree, tmp_path / "bad.npz")
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested more than 64 levels deep"):
        tg.save({"loop": loop}, tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="never writes pickle"):
        tg.save({}, tmp_path / "model.pth")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------------------------- atomic saves
class FailingFile(io.FileIO):
    """A file whose writes raise OSError(ENOSPC) once ``budget`` bytes have been written: a disk filling up."""

    budget = 0

    def write(self, data):
        if self.tell() + len(data) > self.budget:
            super().write(bytes(data)[: max(self.budget - self.tell(), 0)])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_a_failing_save_leaves_the_old_file_untouched_and_no_temporary(tmp_path, monkeypatch, suffix, fail_at):
    if suffix == ".safetensors":
        require_module("safetensors", "pip install 'tinygrad_edu[interop]'")
    path = tmp_path / f"model{suffix}"
    tg.save({"w": np.arange(10.0)}, path)
    old = path.read_bytes()
    new_state = {"w": np.arange(100_000.0)}
    if fail_at == "write":
        FailingFile.budget = 4096  # midway: the new file is ~800 kB
        monkeypatch.setattr(serialization, "open", lambda fd, mode: io.BufferedWriter(FailingFile(fd, "w")),
                            raising=False)
    else:
        def fail(*args):
            raise OSError(errno.EIO, f"injected failure in {fail_at}")
        monkeypatch.setattr(os, "fsync" if fail_at == "fsync" else "replace", fail)
    with pytest.raises(OSError) as error:
        tg.save(new_state, path)
    assert error.value.errno == (errno.ENOSPC if fail_at == "write" else errno.EIO)
    monkeypatch.undo()
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == [path.name]
    tg.save(new_state, path)  # and the next save works
    assert same(tg.load(path), new_state)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_a_real_write_error_from_the_kernel_leaves_the_old_file(tmp_path):
    """The kernel refuses writes past RLIMIT_FSIZE (EFBIG), as a full disk refuses them (ENOSPC)."""
    path = tmp_path / "model.npz"
    tg.save({"w": np.arange(10.0)}, path)
    old = path.read_bytes()
    script = f"""
import resource, signal, numpy as np, tinygrad_edu as tg
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
try:
    tg.save({{"w": np.arange(1_000_000.0)}}, {str(path)!r})
except OSError as error:
    print("OSError", error.errno)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.split() == ["OSError", str(errno.EFBIG)], result.stderr
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killing_the_process_mid_save_leaves_a_complete_checkpoint(tmp_path):
    """Whenever the writer dies, the file holds one whole version: the old one or the new one, never a mix."""
    path = tmp_path / "model.npz"
    script = f"""
import numpy as np, tinygrad_edu as tg
for version in range(10**6):
    tg.save({{"version": version, "w": np.full(2_000_000, version, dtype=np.float32)}}, {str(path)!r})
    print(version, flush=True)
"""
    killed_mid_write = 0
    for delay in (0.05, 0.13, 0.31, 0.07, 0.2, 0.11, 0.17, 0.23):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert process.stdout.readline().strip() == "0"  # one complete save, then kill it during a later one
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        loaded = tg.load(path)
        assert (loaded["w"] == loaded["version"]).all() and loaded["w"].shape == (2_000_000,)
        leftovers = list(tmp_path.glob(".model.npz.*.tmp"))  # a killed writer cannot clean up: the rename never ran
        killed_mid_write += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()
        if killed_mid_write == 2:
            break
    assert killed_mid_write, "no kill landed during a write: the test proved nothing"


def test_saving_over_a_file_keeps_its_permissions_and_writes_through_a_symlink(tmp_path):
    target = tmp_path / "real.npz"
    tg.save({"w": np.zeros(1)}, target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    tg.save({"w": np.ones(1)}, link)
    assert link.is_symlink() and (os.stat(target).st_mode & 0o777) == 0o640
    assert tg.load(target)["w"][0] == 1.0


# ----------------------------------------------------------------------------------------------- wrong files
def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def torch_like_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("archive/version", b"3\n")


def not_npz_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")


WRONG_FILES = {
    "empty": (lambda p: p.write_bytes(b""), "is an empty file"),
    "text": (lambda p: p.write_text("epoch,loss\n1,0.5\n"), "is a text file starting with 'epoch,loss'"),
    "npy": (lambda p: p.write_bytes(npy_bytes(np.zeros(3))), r"is a single array written by np.save"),
    "pickle": (lambda p: p.write_bytes(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94."), "is a Python pickle"),
    "plain npz": (lambda p: np.savez(p, x=np.zeros(2)), r"an \.npz archive of 1 arrays without tinygrad_edu's "
                  r"structure entry \(np\.savez\?\); dict\(np\.load\(path\)\) reads it"),
    "torch.save": (torch_like_zip, r"is a PyTorch checkpoint \(torch\.save: pickle in a zip archive\)"),
    "other zip": (not_npz_zip, "is a zip archive that is not an .npz"),
    "safetensors": (lambda p: p.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}              "),
                    "is a safetensors file"),
    "hdf5": (lambda p: p.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100)), "is an HDF5 file"),
    "binary": (lambda p: p.write_bytes(bytes(range(40))), "is a binary file of 40 bytes starting with 00 01 02"),
}


@pytest.mark.parametrize("kind", WRONG_FILES)
def test_a_file_that_is_not_a_checkpoint_gets_a_value_error_saying_what_it_is(tmp_path, kind):
    make, what = WRONG_FILES[kind]
    path = tmp_path / "model.npz"
    make(path)
    with pytest.raises(ValueError, match=what) as error:
        tg.load(path)
    assert str(path) in str(error.value) and "expected a checkpoint written by tinygrad_edu.save" in str(error.value)


def test_every_truncation_of_a_checkpoint_is_a_value_error(tmp_path):
    tg.save({"w": np.arange(4.0), "opt": {"step": 3}}, tmp_path / "full.npz")
    data = (tmp_path / "full.npz").read_bytes()
    for length in range(len(data)):
        (tmp_path / "cut.npz").write_bytes(data[:length])
        with pytest.raises(ValueError, match=r"cut\.npz is"):
            tg.load(tmp_path / "cut.npz")


def test_a_flipped_bit_is_caught_or_changes_nothing(tmp_path):
    """The .npy entries carry CRC-32s: a flip either fails to load or lands in bytes no value depends on."""
    tree = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "opt": {"step": 3, "betas": (0.9, 0.99)}}
    tg.save(tree, tmp_path / "full.npz")
    data = (tmp_path / "full.npz").read_bytes()
    rng = np.random.default_rng(0)
    outcomes = {"caught": 0, "harmless": 0}
    for bit in rng.choice(len(data) * 8, size=600, replace=False):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        (tmp_path / "flip.npz").write_bytes(flipped)
        try:
            loaded = tg.load(tmp_path / "flip.npz")
        except ValueError:
            outcomes["caught"] += 1
        else:
            assert same(loaded, tree), f"bit {bit} changed a value silently"
            outcomes["harmless"] += 1  # a timestamp or a version field of the zip format
    assert outcomes["caught"] > 400


def test_loading_never_unpickles(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    payload = np.empty(1, dtype=object)
    payload[0] = Exploit()
    write_archive(tmp_path / "evil.npz", json.dumps({"array": "x"}), {"x": payload})
    with pytest.raises(ValueError, match=r"'x\.npy' holds Python objects"):
        tg.load(tmp_path / "evil.npz")
    import pickle
    (tmp_path / "evil.pkl.npz").write_bytes(pickle.dumps({"w": Exploit()}))
    with pytest.raises(ValueError, match="Python pickle"):
        tg.load(tmp_path / "evil.pkl.npz")
    assert not marker.exists()


MALFORMED = {
    "bad json": ('{"dict": [', "Expecting value|Expecting"),
    "not a node": ("[1, 2]", r"the node at the top is \[1, 2\], expected an object with one key"),
    "two kinds": ('{"list": [], "dict": []}', "expected an object with one key"),
    "unknown kind": ('{"pickle": "x"}', "expected an object with one key"),
    "value of a list": ('{"value": [1]}', r"holds the value \[1\], expected a number"),
    "bad float bits": ('{"float": "nan"}', "expected 16 lowercase hex digits"),
    "dict of a string": ('{"dict": "ab"}', "is a dict of 'ab', expected a JSON list"),
    "bad pair": ('{"dict": [["a"]]}', r"has the item \[\"a\"\], expected a \[str or int key, node\] pair"),
    "bool key": ('{"dict": [[true, {"value": 1}]]}', "expected a \\[str or int key, node\\] pair"),
    "duplicate key": ('{"dict": [["a", {"value": 1}], ["a", {"value": 2}]]}', "has the key 'a' twice"),
    "missing array": ('{"array": "nowhere"}', "refers to an array entry 'nowhere' that the archive does not have"),
    "array name not str": ('{"array": 3}', "refers to an array entry 3"),
    "array twice": ('{"list": [{"array": "x"}, {"array": "x"}]}', "refers to the array entry 'x' a second time"),
    "scalar of a vector": ('{"scalar": "x"}', r"is a scalar, but its entry 'x' has shape \(2,\)"),
    "unmentioned entry": ('{"value": 1}', r"entries the structure does not mention: \['x.npy'\]"),
    "deep json": ("[" * 100_000, "nested too deeply to parse"),
    "deep nodes": ('{"list": [' * 70 + "]}" * 70, "nested more than 64 levels deep"),
    "float structure": (np.float64(1.0), r"the structure entry is a float64 array of shape \(\), expected one JSON"),
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_structure_entries_are_value_errors_naming_the_problem(tmp_path, kind):
    structure, pattern = MALFORMED[kind]
    write_archive(tmp_path / "m.npz", structure, {"x": np.zeros(2)})
    with pytest.raises(ValueError, match=pattern) as error:
        tg.load(tmp_path / "m.npz")
    assert "m.npz is a zip archive but not a valid tinygrad_edu checkpoint" in str(error.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from(["value", "float", "array", "scalar", "tensor", "dict", "list", "tuple", "x", "y"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["value", "float", "array", "scalar", "tensor", "dict", "list", "tuple", "x"]),
                      children, max_size=2), max_leaves=30)


@FUZZ
@given(structure=st.one_of(json_values.map(json.dumps), st.text(max_size=40)),
       entries=st.dictionaries(st.sampled_from(["x", "y", "0", "a/b"]), arrays, max_size=3))
def test_fuzzed_structure_entries_load_or_raise_value_error(tmp_path, structure, entries):
    write_archive(tmp_path / "fuzz.npz", structure, entries)
    try:
        tg.load(tmp_path / "fuzz.npz")
    except ValueError as error:
        assert "fuzz.npz is a zip archive but not a valid tinygrad_edu checkpoint" in str(error)


def test_a_corrupt_npy_header_is_refused_before_anything_is_allocated(tmp_path):
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000000,), }"
    header += b" " * (117 - len(header)) + b"\n"
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as archive:
        with archive.open(serialization.STRUCTURE + ".npy", "w") as entry:
            np.lib.format.write_array(entry, np.array(json.dumps({"array": "x"})))
        archive.writestr("x.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
    with pytest.raises(ValueError, match=r"entry 'x.npy' has 0 bytes of data, its header .* needs 80000000000000"):
        tg.load(tmp_path / "bomb.npz")


# ----------------------------------------------------------------------------------------------- safetensors
def test_safetensors_round_trip_agrees_with_the_safetensors_reader_and_writer(tmp_path):
    safetensors_numpy = require_module("safetensors.numpy", "pip install 'tinygrad_edu[interop]'")
    flat = {"0.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "scalar": np.array(3, dtype=np.int64),
            "empty": np.zeros((0, 4), dtype=np.float16), "mask": np.array([True, False]),
            "strided": np.arange(12.0).reshape(3, 4)[:, ::2], "fortran": np.asfortranarray(np.ones((2, 3), np.uint8)),
            "big_endian": np.arange(3, dtype=">i4"), "complex": np.array([1 + 2j], dtype=np.complex64)}
    path = tmp_path / "m.safetensors"
    tg.save(flat, path)
    for reader in (tg.load, safetensors_numpy.load_file):
        loaded = reader(path)
        assert sorted(loaded) == sorted(flat)
        for key, value in flat.items():
            assert loaded[key].shape == value.shape and loaded[key].dtype == value.dtype.newbyteorder("=")
            np.testing.assert_array_equal(loaded[key], value, err_msg=key)
    safetensors_numpy.save_file({"a": np.arange(4.0)}, tmp_path / "theirs.safetensors")
    theirs = tg.load(tmp_path / "theirs.safetensors")
    assert same(theirs, {"a": np.arange(4.0)}) and theirs["a"].flags.writeable
    tg.save({"t": tg.Tensor([1.0, 2.0]), "s": np.float32(0.5)}, path)  # tensors and scalars come back as arrays
    loaded = tg.load(path)
    assert same(loaded["s"], np.array(0.5, dtype=np.float32)) and same(loaded["t"], np.array([1, 2], dtype=np.float32))


@pytest.mark.parametrize(("tree", "pattern"), [
    ({"state": {"0": np.zeros(1)}}, "'state' is of type dict, but a .safetensors file holds only arrays"),
    ({"step": 3}, "'step' is of type int, but a .safetensors file holds only arrays"),
    ({"w": np.zeros(2, dtype=np.complex128)}, "'w' has dtype complex128, which safetensors cannot store"),
    ({"w": np.array(["a"])}, "'w' has dtype <U1"),
    ({"__metadata__": np.zeros(1)}, "keys other than '__metadata__'"),
    ({0: np.zeros(1)}, "printable str keys"),
    ([np.zeros(1)], "holds a flat dict of name → array, got a list"),
])
def test_safetensors_refuses_what_it_cannot_hold_by_name(tmp_path, tree, pattern):
    require_module("safetensors", "pip install 'tinygrad_edu[interop]'")
    with pytest.raises(TypeError, match=pattern):
        tg.save(tree, tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_safetensors_load_errors_name_the_file_and_the_problem(tmp_path):
    require_module("safetensors", "pip install 'tinygrad_edu[interop]'")
    header = json.dumps({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    (tmp_path / "bf16.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(4))
    with pytest.raises(ValueError, match="'w' has dtype BF16, which numpy has no type for"):
        tg.load(tmp_path / "bf16.safetensors")
    tg.save({"w": np.arange(4.0)}, tmp_path / "ok.safetensors")
    data = (tmp_path / "ok.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[:-3])
    with pytest.raises(ValueError, match=r"cut\.safetensors is a damaged safetensors file"):
        tg.load(tmp_path / "cut.safetensors")
    tg.save({"w": np.arange(4.0)}, tmp_path / "m.npz")
    os.rename(tmp_path / "m.npz", tmp_path / "npz.safetensors")
    with pytest.raises(ValueError, match=r"npz\.safetensors is a zip archive; expected a safetensors file"):
        tg.load(tmp_path / "npz.safetensors")


def test_safetensors_without_the_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'tinygrad_edu\[interop\]'"):
        tg.save({"w": np.zeros(1)}, tmp_path / "m.safetensors")
    (tmp_path / "m.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ImportError, match=r"tinygrad_edu\[interop\]"):
        tg.load(tmp_path / "m.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_safetensors_has_no_checksum_where_npz_entries_have_one(tmp_path):
    """What docs/checkpoints.md says: a flipped bit in the data loads silently from .safetensors, not from .npz."""
    require_module("safetensors", "pip install 'tinygrad_edu[interop]'")
    weights = {"w": np.arange(4.0)}
    for suffix in (".safetensors", ".npz"):
        tg.save(weights, tmp_path / f"m{suffix}")
        data = bytearray((tmp_path / f"m{suffix}").read_bytes())
        data[data.index(np.float64(3.0).tobytes())] ^= 1  # the lowest bit of the value 3.0
        (tmp_path / f"m{suffix}").write_bytes(data)
    assert tg.load(tmp_path / "m.safetensors")["w"][3] == np.nextafter(3.0, 4.0)
    with pytest.raises(ValueError, match="Bad CRC-32"):
        tg.load(tmp_path / "m.npz")


flat_arrays = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.uint64, np.bool_, np.complex64]).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))


@FUZZ
@given(flat=st.dictionaries(st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp", "Cf", "Co", "Cn", "Zs")),
                                    max_size=8).filter(lambda k: k != "__metadata__"), flat_arrays, max_size=5))
def test_any_flat_dict_of_arrays_round_trips_through_safetensors(tmp_path, flat):
    require_module("safetensors", "pip install 'tinygrad_edu[interop]'")
    tg.save(flat, tmp_path / "f.safetensors")
    loaded = tg.load(tmp_path / "f.safetensors")
    assert sorted(loaded) == sorted(flat) and all(same(loaded[k], flat[k]) for k in flat)
