"""load_state_dict of modules, optimizers and schedulers: all or nothing, every entry checked first, errors that
name the key and what was wrong; optimizer and scheduler settings checked by the constructors' own rules."""

import copy

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler


class Counted(nn.Module):
    """A layer with an integer buffer, to test conversions into integer entries."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.register_buffer("count", tg.Tensor(np.array(0, dtype=np.int64)))


def snapshot(module):
    return {key: value.copy() for key, value in module.state_dict().items()}


def assert_unchanged(module, before):
    after = module.state_dict()
    assert list(after) == list(before)
    for key, value in before.items():
        assert after[key].dtype == value.dtype and after[key].tobytes() == value.tobytes(), key


# ----------------------------------------------------------------------------------------------- modules
BAD_VALUES = {
    "string array": (np.array(["1.5", "2"]), "an array of strings"),
    "a string": ("1.5", "an array of strings"),
    "None": (None, "an array of Python objects"),
    "object array of None": (np.array([None, None], dtype=object), "an array of Python objects"),
    "list with None": ([1.0, None], "an array of Python objects"),
    "ragged list": ([[1.0], [1.0, 2.0]], "a list that is not an array"),
    "dict": ({"a": 1}, "an array of Python objects"),
    "complex": (np.ones(2, dtype=np.complex64), "an array of complex numbers"),
    "dates": (np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), "an array of dates"),
    "bool": (np.array([True, False]), "bool values for a float32 entry"),
    "wrong shape": (np.zeros((2, 1), dtype=np.float32), r"shape \(2, 1\) in the state dict, \(2,\) in the model"),
    "beyond float32": (np.array([1.0, 1e300]), "the value 1e[+]300 is beyond float32's range"),
}


@pytest.mark.parametrize("case", BAD_VALUES)
def test_a_bad_last_entry_is_refused_by_name_and_nothing_is_assigned(case):
    value, reason = BAD_VALUES[case]
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Linear(2, 2))
    before = snapshot(model)
    state = {key: np.full_like(array, 7) for key, array in before.items()}  # valid: would overwrite everything
    state["2.bias"] = value  # the last key, as the model lists them
    with pytest.raises(RuntimeError, match=f"key '2.bias': {reason}") as error:
        model.load_state_dict(state)
    assert "nothing was changed" in str(error.value)
    assert_unchanged(model, before)


@pytest.mark.parametrize(("value", "reason"), [
    (np.array(1.5), "the value 1.5 is not a int64"),
    (np.array(np.nan), "the value nan is not a int64"),
    (np.array(2**64 - 1, dtype=np.uint64), "the value 18446744073709551615 is not a int64"),
    (np.array(True), "bool values for a int64 entry"),
])
def test_an_integer_entry_takes_only_values_it_can_hold_exactly(value, reason):
    model = Counted()
    before = snapshot(model)
    with pytest.raises(RuntimeError, match=f"key 'count': {reason}"):
        model.load_state_dict({**before, "count": value})
    assert_unchanged(model, before)
    model.load_state_dict({**before, "count": np.array(12.0)})  # a whole float is the same number
    assert model.count.data.dtype == np.int64 and model.count.item() == 12


def test_numeric_conversions_follow_numpy_rounding_and_keep_the_models_dtypes():
    model = Counted()
    rng = np.random.default_rng(0)
    weight64 = rng.standard_normal((2, 2))
    model.load_state_dict({"linear.weight": weight64, "linear.bias": np.array([1, -2], dtype=np.int16),
                           "count": np.int32(5)})
    assert model.linear.weight.dtype == np.float32
    assert model.linear.weight.data.tobytes() == weight64.astype(np.float32).tobytes()  # round to nearest
    assert model.linear.bias.data.tolist() == [1.0, -2.0] and model.count.item() == 5
    model.load_state_dict({"linear.weight": tg.Tensor(np.ones((2, 2))), "linear.bias": [0.5, 0.25],
                           "count": 0})  # tensors, lists and Python numbers are arrays too
    assert model.linear.weight.data.sum() == 4 and model.linear.bias.data.tolist() == [0.5, 0.25]
    model.load_state_dict({"linear.weight": np.full((2, 2), np.inf), "linear.bias": np.array([np.nan, 0]),
                           "count": 1})  # inf and NaN are values a float can hold
    assert np.isinf(model.linear.weight.data).all() and np.isnan(model.linear.bias.data[0])


def test_every_problem_is_listed_in_one_error():
    model = Counted()
    state = snapshot(model)
    del state["count"]
    state["linear.weight"] = np.array(["a"] * 4).reshape(2, 2)
    state["extra"] = np.zeros(3)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing key 'count'" in message and "unexpected key 'extra' (shape (3,))" in message
    assert "key 'linear.weight': an array of strings" in message


def test_non_strict_returns_pytorchs_named_pair_and_still_refuses_bad_values():
    model = Counted()
    result = model.load_state_dict({"linear.weight": np.ones((2, 2)), "other": 1}, strict=False)
    assert result == (["count", "linear.bias"], ["other"])  # PyTorch's order: a module's own state, then children's
    assert result.missing_keys == ["count", "linear.bias"] and result.unexpected_keys == ["other"]
    before = snapshot(model)
    strings = np.array([["a", "b"]] * 2)
    with pytest.raises(RuntimeError, match=r"key 'linear\.weight': an array of strings"):
        model.load_state_dict({"linear.bias": np.zeros(2), "linear.weight": strings}, strict=False)
    assert_unchanged(model, before)
    with pytest.raises(TypeError, match="expects a dict of name → array, got list"):
        model.load_state_dict([("linear.weight", np.ones((2, 2)))])


def stepped(lib):
    """A module with extra state (a step count), as PyTorch's docs describe get_extra_state/set_extra_state."""

    class Stepped(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear, self.steps = lib.nn.Linear(1, 1), 0

        def get_extra_state(self):
            return {"steps": self.steps}

        def set_extra_state(self, state) -> None:
            self.steps = state["steps"]

    return Stepped


def extra_state_round_trip(lib) -> tuple:
    stepped_class = stepped(lib)
    model = lib.nn.Sequential(stepped_class(), lib.nn.Linear(1, 1), stepped_class())
    model[0].steps = 5
    state = model.state_dict()
    fresh = lib.nn.Sequential(stepped_class(), lib.nn.Linear(1, 1), stepped_class())
    fresh.load_state_dict(state)
    restored = fresh[0].steps, fresh[2].steps
    without = {key: value for key, value in state.items() if key != "0._extra_state"}
    missing = fresh.load_state_dict(without, strict=False).missing_keys
    return list(state), state["0._extra_state"], restored, missing


def test_a_modules_extra_state_is_saved_after_its_own_tensors_and_restored():
    """PyTorch's documented layout: each module's parameters, its buffers, then ``_extra_state`` if it overrides
    get_extra_state, then its children; load_state_dict hands the entry to set_extra_state."""
    keys, saved, restored, missing = extra_state_round_trip(tg)
    assert keys == ["0._extra_state", "0.linear.weight", "0.linear.bias", "1.weight", "1.bias", "2._extra_state",
                    "2.linear.weight", "2.linear.bias"]
    assert saved == {"steps": 5} and restored == (5, 0) and missing == ["0._extra_state"]
    with pytest.raises(RuntimeError, match=r"missing key '0\._extra_state' \(expected its extra state\)"):
        tg.nn.Sequential(stepped(tg)()).load_state_dict({"0.linear.weight": np.ones((1, 1)), "0.linear.bias": [0.0]})
    assert "_extra_state" not in nn.Linear(1, 1).state_dict()  # only an override adds the entry


def test_extra_state_as_pytorch():
    torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
    assert extra_state_round_trip(tg) == extra_state_round_trip(torch)


# ----------------------------------------------------------------------------------------------- optimizers
def trained(make_optimizer, steps=2):
    tg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = make_optimizer(model.parameters())
    x = tg.randn(4, 3)
    for _ in range(steps):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    return model, opt, x


OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda p: optim.Adam(p, lr=0.05),
    "AdamW": lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_saved_and_loaded_optimizers_continue_exactly_as_the_uninterrupted_run(tmp_path, name):
    model, opt, x = trained(OPTIMIZERS[name], steps=2)
    tg.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.npz")
    for _ in range(2):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    resumed, resumed_opt, _ = trained(OPTIMIZERS[name], steps=0)
    checkpoint = tg.load(tmp_path / "ckpt.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["opt"])
    for _ in range(2):
        resumed_opt.zero_grad()
        resumed(x).pow(2).sum().backward()
        resumed_opt.step()
    for key, value in model.state_dict().items():
        assert resumed.state_dict()[key].tobytes() == value.tobytes(), key


def adam_state():
    _, opt, _ = trained(OPTIMIZERS["Adam"])
    return opt, opt.state_dict()


def edit(change):
    def apply(state):
        change(state)
        return state
    return apply


BAD_OPTIMIZER_STATES = {
    "missing step": (edit(lambda s: s["state"][0].pop("step")), r"state\[0\] lacks \['step'\] \(a Adam keeps"),
    "negative step": (edit(lambda s: s["state"][1].update(step=-1)), r"state\[1\]\['step'\]: invalid step: -1"),
    "float step": (edit(lambda s: s["state"][1].update(step=2.5)), r"invalid step: 2.5 \(must be an integer\)"),
    "negative exp_avg_sq": (edit(lambda s: s["state"][0]["exp_avg_sq"].__setitem__((0, 0), -1.0)),
                            r"state\[0\]\['exp_avg_sq'\]: negative values in a running average of squares"),
    "NaN exp_avg": (edit(lambda s: s["state"][1]["exp_avg"].__setitem__(0, np.nan)),
                    r"state\[1\]\['exp_avg'\]: non-finite values"),
    "string moment": (edit(lambda s: s["state"][1].update(exp_avg=np.array(["0", "0"]))), "an array of strings"),
    "wrong shape": (edit(lambda s: s["state"][1].update(exp_avg=np.zeros(3))), r"shape \(3,\) in the state dict"),
    "unknown state entry": (edit(lambda s: s["state"][0].update(max_exp_avg_sq=np.zeros((2, 3)))),
                            r"has unknown entries \['max_exp_avg_sq'\] \(a Adam keeps"),
    "string lr": (edit(lambda s: s["param_groups"][0].update(lr="0.1")), r"param_groups\[0\]: invalid lr: '0.1'"),
    "negative lr": (edit(lambda s: s["param_groups"][0].update(lr=-1.0)), r"invalid lr: -1.0 \(must be >= 0.0\)"),
    "three betas": (edit(lambda s: s["param_groups"][0].update(betas=(0.9, 0.99, 0.1))), "expected a pair"),
    "beta of 1": (edit(lambda s: s["param_groups"][0].update(betas=(0.9, 1.0))), r"invalid beta: 1.0 \(must be < 1"),
    "unknown hyperparameter": (edit(lambda s: s["param_groups"][0].update(momentum=0.9)),
                               r"unknown hyperparameter\(s\) \['momentum'\]"),
    "missing hyperparameter": (edit(lambda s: s["param_groups"][0].pop("eps")), r"lacks \['eps'\]"),
    "unknown top-level key": (edit(lambda s: s.update(version=2)), "has the keys 'param_groups' and 'state'"),
    "index no group lists": (edit(lambda s: s["state"].update({7: {}})), "parameter index 7, which no group lists"),
    "string index": (edit(lambda s: s["state"].update({"0": s["state"].pop(0)})), "parameter index '0'"),
    "repeated index": (edit(lambda s: s["param_groups"][0].update(params=[0, 0])), "parameter index 0, expected"),
    "group count": (edit(lambda s: s["param_groups"].append(dict(s["param_groups"][0]))), "groups of sizes"),
    "state not a dict": (edit(lambda s: s["state"].update({0: [1, 2]})), r"state\[0\] is a list, expected a dict"),
}


@pytest.mark.parametrize("case", BAD_OPTIMIZER_STATES)
def test_a_bad_optimizer_state_is_refused_by_name_and_nothing_changes(case):
    change, pattern = BAD_OPTIMIZER_STATES[case]
    opt, state = adam_state()
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=pattern):
        opt.load_state_dict(change(copy.deepcopy(state)))
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for index, entry in before["state"].items():
        for key, value in entry.items():
            assert np.array_equal(after["state"][index][key], value), (index, key)


@pytest.mark.parametrize(("make", "hyper", "bad"), [
    (optim.SGD, "lr", "0.1"), (optim.SGD, "momentum", -0.5), (optim.SGD, "nesterov", "yes"),
    (optim.Adam, "eps", float("nan")), (optim.Adam, "betas", (0.9,)), (optim.AdamW, "weight_decay", -1.0),
    (optim.RMSprop, "alpha", -0.1), (optim.RMSprop, "centered", 1),
])
def test_optimizers_check_loaded_hyperparameters_with_their_constructors_rules(make, hyper, bad):
    param = nn.Parameter(np.ones(2))
    with pytest.raises((TypeError, ValueError)) as from_constructor:
        make([param], **{hyper: bad})
    with pytest.raises((TypeError, ValueError)) as from_group:
        make([{"params": [param], hyper: bad}])
    opt = make([param])
    state = opt.state_dict()
    state["param_groups"][0][hyper] = bad
    with pytest.raises(ValueError) as from_load:
        opt.load_state_dict(state)
    assert str(from_constructor.value) == str(from_group.value) and str(from_constructor.value) in str(from_load.value)


def test_sgd_and_rmsprop_state_entries_depend_on_their_settings():
    param = nn.Parameter(np.ones(2, dtype=np.float32))
    sgd = optim.SGD([param], lr=0.1)
    sgd.load_state_dict({"state": {0: {"momentum_buffer": None}}, "param_groups": sgd.state_dict()["param_groups"]})
    assert sgd.state[param] == {"momentum_buffer": None}  # PyTorch's SGD without momentum saves None
    rms = optim.RMSprop([param], momentum=0.9, centered=True)
    state = {"state": {0: {"step": 1, "square_avg": np.ones(2)}}, "param_groups": rms.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"lacks \['grad_avg', 'momentum_buffer'\]"):
        rms.load_state_dict(state)
    state["state"][0].update(grad_avg=np.zeros(2), momentum_buffer=np.zeros(2))
    rms.load_state_dict(state)
    assert all(value.dtype == np.float32 for key, value in rms.state[param].items() if key != "step")
    assert type(rms.state[param]["step"]) is int


def test_add_param_group_checks_its_own_hyperparameters():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(TypeError, match=r"invalid lr: '0\.1'"):
        opt.add_param_group({"params": [nn.Parameter(np.ones(1))], "lr": "0.1"})
    assert len(opt.param_groups) == 1


# ----------------------------------------------------------------------------------------------- schedulers
def stepped_scheduler():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    return scheduler


@pytest.mark.parametrize(("change", "pattern"), [
    (lambda s: s.update(step_size=1.5), r"invalid step_size: 1.5 \(must be an integer\)"),
    (lambda s: s.update(step_size=0), r"invalid step_size: 0 \(must be >= 1\)"),
    (lambda s: s.update(gamma="0.5"), "invalid gamma: '0.5'"),
    (lambda s: s.update(last_epoch=-2), r"invalid last_epoch: -2 \(must be >= -1\)"),
    (lambda s: s.update(base_lrs=[1.0, 1.0]), "one learning rate per parameter group"),
    (lambda s: s.update(base_lrs=[-1.0]), "invalid base_lrs: -1.0"),
    (lambda s: s.pop("gamma"), r"has the keys \['_last_lr', 'base_lrs', 'gamma', 'last_epoch', 'step_size'\]"),
    (lambda s: s.update(T_max=3), "has the keys"),
])
def test_a_bad_scheduler_state_is_refused_and_nothing_changes(change, pattern):
    scheduler = stepped_scheduler()
    before = scheduler.state_dict()
    state = copy.deepcopy(before)
    change(state)
    with pytest.raises(ValueError, match=pattern):
        scheduler.load_state_dict(state)
    assert scheduler.state_dict() == before


@pytest.mark.parametrize(("make", "setting", "bad"), [
    (lambda opt, **kw: lr_scheduler.StepLR(opt, **{"step_size": 2, **kw}), "step_size", 2.5),
    (lambda opt, **kw: lr_scheduler.StepLR(opt, **{"step_size": 2, **kw}), "gamma", -0.5),
    (lambda opt, **kw: lr_scheduler.CosineAnnealingLR(opt, **{"T_max": 4, **kw}), "T_max", 0),
    (lambda opt, **kw: lr_scheduler.CosineAnnealingLR(opt, **{"T_max": 4, **kw}), "eta_min", "0"),
])
def test_schedulers_check_loaded_settings_with_their_constructors_rules(make, setting, bad):
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    with pytest.raises((TypeError, ValueError)) as from_constructor:
        make(opt, **{setting: bad})
    state = make(opt).state_dict()
    state[setting] = bad
    with pytest.raises(ValueError) as from_load:
        make(opt).load_state_dict(state)
    assert str(from_constructor.value) in str(from_load.value)


def test_scheduler_round_trip_through_a_checkpoint_resumes_the_schedule(tmp_path):
    scheduler = stepped_scheduler()
    tg.save({"sched": scheduler.state_dict(), "opt": scheduler.optimizer.state_dict()}, tmp_path / "sched.npz")
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    resumed = lr_scheduler.StepLR(opt, step_size=5, gamma=0.9)
    checkpoint = tg.load(tmp_path / "sched.npz")
    opt.load_state_dict(checkpoint["opt"])
    resumed.load_state_dict(checkpoint["sched"])
    resumed.step()
    scheduler.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr() == [1.0 * 0.5 ** (4 // 2)]


def test_a_chainable_schedule_refuses_to_step_from_a_learning_rate_it_did_not_set():
    """PyTorch's StepLR would continue from the optimizer's current rate; ours is a closed form: it refuses."""
    scheduler = stepped_scheduler()
    scheduler.optimizer.param_groups[0]["lr"] = 0.3  # by hand, or a second scheduler, or a half-loaded checkpoint
    with pytest.raises(RuntimeError, match=r"StepLR.step\(\): the learning rates \[0.3\] are not the \[0.5\]"):
        scheduler.step()
    scheduler.step(4)  # an explicit epoch is a closed form in PyTorch too
    assert scheduler.get_last_lr() == [0.25]


def test_a_users_scheduler_with_its_own_fields_loads_without_a_check_of_its_own():
    class Halving(lr_scheduler.LRScheduler):
        def __init__(self, optimizer, factor=0.5):
            self.factor = factor
            super().__init__(optimizer)

        def lr_at(self, base_lr, epoch):
            return base_lr * self.factor**epoch

    scheduler = Halving(optim.SGD([nn.Parameter(np.ones(1))], lr=1.0), factor=0.25)
    scheduler.step()
    resumed = Halving(optim.SGD([nn.Parameter(np.ones(1))], lr=1.0))
    resumed.load_state_dict(scheduler.state_dict())
    resumed.step()
    assert resumed.get_last_lr() == [0.25**2]
