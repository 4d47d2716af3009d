"""save/load: bit-exact round trips of module and optimizer state dicts as .npz, without pickle."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def test_module_state_dict_round_trip_is_bit_exact(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    model(tg.randn(4, 1, 4, 4))  # moves the running statistics
    path = tmp_path / "model.npz"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    assert list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype
        assert loaded[key].tobytes() == value.tobytes(), key
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
    assert loaded["param_groups"] == state["param_groups"]  # ints, floats, tuples, lists as they were
    assert set(loaded["state"]) == {0, 1} and loaded["state"][1]["step"] == 1
    for index in (0, 1):
        for name in ("exp_avg", "exp_avg_sq"):
            assert loaded["state"][index][name].tobytes() == state["state"][index][name].tobytes()
    optim.AdamW([{"params": [model.weight]}, {"params": [model.bias]}]).load_state_dict(loaded)


def test_scalars_tensors_and_none_round_trip(tmp_path):
    obj = {"a": np.float32(0.1), "b": tg.Tensor([1.5, 2.5]), "c": None, "d": [1, "x", 0.1], "e": float("inf")}
    tg.save(obj, tmp_path / "misc.npz")
    back = tg.load(tmp_path / "misc.npz")
    assert back["a"] == np.float32(0.1) and back["a"].dtype == np.float32
    assert isinstance(back["b"], tg.Tensor) and back["b"].tolist() == [1.5, 2.5]
    assert back["c"] is None and back["d"] == [1, "x", 0.1] and back["e"] == float("inf")


def test_save_and_load_errors(tmp_path):
    with pytest.raises(TypeError, match="cannot store set"):
        tg.save({"x": {1, 2}}, tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="array name 'a/b'"):
        tg.save({"a/b": np.zeros(1), "a": {"b": np.zeros(1)}}, tmp_path / "clash.npz")
    np.savez(tmp_path / "foreign.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match=r"not written by tinygrad_edu\.save"):
        tg.load(tmp_path / "foreign.npz")
