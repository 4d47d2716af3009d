"""tg.compile: a captured step replays what the eager step computes, its guards capture again or run eagerly where
the tape would go wrong, and what it can't capture runs eagerly (or raises, strict).

The truth for every replay is the same step run eagerly on a twin model (the eager step is itself tested against
finite differences and hand-derived formulas elsewhere; benchmarks/mlp.py checks the compiled W1 candidate against
a float64 step); the fuzzed programs' gradients are checked against the fuzzer's finite-difference oracle.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st
from test_fuzz import CATALOG, FUZZ, Program, programs

import tinygrad_edu as tg
from benchmarks import mlp
from tinygrad_edu import nn, ops, optim
from tinygrad_edu import tape as tape_module


class Twins:
    """The same model, optimizer and step twice: one run eagerly, one compiled."""

    def __init__(self, sizes: tuple[int, ...], make_optimizer, *, dropout: bool = False, zero_grad: bool = True,
                 seed: int = 0) -> None:
        self.models = [self.model(sizes, dropout, seed) for _ in range(2)]
        self.optimizers = [make_optimizer(m.parameters()) for m in self.models]
        self.eager = self.step_for(0, zero_grad)
        self.compiled = tg.compile(self.step_for(1, zero_grad))

    @staticmethod
    def model(sizes: tuple[int, ...], dropout: bool, seed: int) -> nn.Sequential:
        layers = []
        for index, (W, b) in enumerate(mlp.init_params(sizes, seed)):
            linear = nn.Linear(W.shape[1], W.shape[0])
            linear.weight.data, linear.bias.data = W.copy(), b.copy()
            layers += [linear] if index == len(sizes) - 2 else [linear, nn.Tanh()] + ([nn.Dropout(0.5)] if dropout
                                                                                        else [])
        return nn.Sequential(*layers)

    def step_for(self, index: int, zero_grad: bool):
        model, optimizer, loss_fn = self.models[index], self.optimizers[index], nn.MSELoss()

        def step(x):
            if zero_grad:
                optimizer.zero_grad()
            loss = loss_fn(model(x), x)
            loss.backward()
            optimizer.step()
            return loss

        return step

    def run(self, x: tg.Tensor, steps: int = 1) -> None:
        """``steps`` steps of both twins on copies of ``x``; their losses, gradients and parameters must agree."""
        for _ in range(steps):
            eager_loss = self.eager(tg.Tensor(x.data.copy(), requires_grad=x.requires_grad))
            compiled_loss = self.compiled(x)
            assert_close(compiled_loss.data, eager_loss.data, "loss")
            self.assert_same()

    def assert_same(self) -> None:
        eager, compiled = (list(m.named_parameters()) for m in self.models)
        for (name, e), (_, c) in zip(eager, compiled):
            assert_close(c.data, e.data, name)
            assert (c.grad is None) == (e.grad is None), name
            if e.grad is not None:
                assert_close(c.grad.data, e.grad.data, f"{name}.grad")


def assert_close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Equal to float round-off (the replay runs the same numpy calls; a reordered sum may differ in the last bit)."""
    tolerance = 8 * np.finfo(want.dtype).eps
    np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance * max(1.0, float(np.abs(want).max())),
                               err_msg=what)


def batch(name: str) -> tg.Tensor:
    return tg.Tensor(mlp.inputs(name)[1])


# ----------------------------------------------------------------------------------------------- replays are right
OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.05),
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, maximize=True),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam-amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5),  # no rule: the optimizer's own step replays
}


@pytest.mark.parametrize("name", ["tiny", "small", "medium"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_compiled_mlp_steps_equal_eager_steps(name, optimizer):
    twins = Twins(mlp.SIZES[name][1], OPTIMIZERS[optimizer])
    x = batch(name)
    twins.run(x)
    assert twins.compiled.last_run == "captured"
    for _ in range(3 if name == "medium" else 6):
        twins.run(x)
        assert twins.compiled.last_run == "replayed"
    assert twins.compiled.captures == 1


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_setting_replays_as_eager(optimizer):
    """... without a call that numpy deprecates (amsgrad's np.maximum took out= by position; a later numpy refuses
    it)."""
    twins = Twins((6, 5, 6), OPTIMIZERS[optimizer])
    x = tg.Tensor(np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        twins.run(x, steps=6)
    assert twins.compiled.last_run == "replayed"


def test_a_replay_returns_a_fresh_loss_and_leaves_gradients_as_eager_does():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    x = batch("tiny").data[:, :6].copy()
    twins.run(tg.Tensor(x), steps=2)
    first = twins.compiled(tg.Tensor(x))
    second = twins.compiled(tg.Tensor(x))
    assert first is not second and first.data is not second.data
    assert first.item() != second.item()  # the first loss was not overwritten by the second replay


# ----------------------------------------------------------------------------------------------- guards
def test_a_new_batch_shape_captures_again_and_stays_right():
    twins = Twins((6, 5, 6), OPTIMIZERS["adam"])
    rng = np.random.default_rng(4)
    for rows in (4, 4, 7, 7, 4):
        twins.run(tg.Tensor(rng.standard_normal((rows, 6)).astype(np.float32)))
    assert twins.compiled.captures == 2 and twins.compiled.last_run == "replayed"  # each shape keeps its tape


def test_a_new_dtype_captures_again_and_stays_right():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    x = np.random.default_rng(5).standard_normal((4, 6))
    twins.run(tg.Tensor(x.astype(np.float32)), steps=2)
    for model in twins.models:
        model.double()
    twins.run(tg.Tensor(x), steps=2)
    assert twins.compiled.captures == 2 and twins.compiled.last_run == "replayed"


def test_an_input_that_requires_grad_gets_its_gradient():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    x = np.random.default_rng(6).standard_normal((4, 6)).astype(np.float32)
    twins.run(tg.Tensor(x), steps=2)
    kept = []
    for _ in range(3):
        eager_leaf, compiled_leaf = tg.Tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
        twins.eager(eager_leaf)
        twins.compiled(compiled_leaf)
        assert_close(compiled_leaf.grad.data, eager_leaf.grad.data, "x.grad")
        twins.assert_same()
        kept.append(compiled_leaf.grad.data)
    assert twins.compiled.last_run == "replayed" and kept[1] is not kept[2]


def test_freezing_a_parameter_captures_again():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd-momentum"])
    x = tg.Tensor(np.random.default_rng(7).standard_normal((4, 6)).astype(np.float32))
    twins.run(x, steps=2)
    for model in twins.models:
        model[0].weight.requires_grad_(False)
        model[0].weight.grad = None
    twins.run(x, steps=3)
    assert twins.compiled.captures == 2 and twins.compiled.last_run == "replayed"


def test_a_scheduler_changing_lr_captures_again():
    twins = Twins((6, 5, 6), OPTIMIZERS["adam"])
    schedulers = [optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5) for o in twins.optimizers]
    x = tg.Tensor(np.random.default_rng(8).standard_normal((4, 6)).astype(np.float32))
    for _ in range(6):
        twins.run(x)
        for scheduler in schedulers:
            scheduler.step()
    assert twins.compiled.captures == 3


def test_train_and_eval_capture_apart_and_dropout_runs_eagerly():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"], dropout=True)
    x = tg.Tensor(np.random.default_rng(9).standard_normal((4, 6)).astype(np.float32))
    tg.manual_seed(0)
    twins.eager(x)
    tg.manual_seed(0)
    twins.compiled(x)
    assert twins.compiled.last_run.startswith("eager: the step makes a tensor of several values outside the ops")
    twins.assert_same()
    for model in twins.models:
        model.eval()
    twins.run(x, steps=3)
    assert twins.compiled.last_run == "replayed"
    for model in twins.models:
        model.train()
    tg.manual_seed(1)
    twins.eager(x)
    tg.manual_seed(1)
    twins.compiled(x)
    assert twins.compiled.last_run.startswith("eager")
    twins.assert_same()


def test_a_replaced_layer_or_parameter_captures_again():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    x = tg.Tensor(np.random.default_rng(10).standard_normal((4, 6)).astype(np.float32))
    twins.run(x, steps=2)
    new_weight = np.random.default_rng(11).standard_normal((6, 5)).astype(np.float32)
    for model, optimizer in zip(twins.models, twins.optimizers):
        model[2].weight = nn.Parameter(new_weight.copy())
        optimizer.param_groups[0]["params"][2] = model[2].weight
    twins.run(x, steps=2)
    assert twins.compiled.captures == 2
    for model in twins.models:
        model[0].bias.data = np.zeros(5, np.float32)  # a new array under the same parameter
    twins.run(x, steps=2)
    assert twins.compiled.captures == 3 and twins.compiled.last_run == "replayed"


def test_loading_optimizer_state_captures_again():
    twins = Twins((6, 5, 6), OPTIMIZERS["adam"])
    x = tg.Tensor(np.random.default_rng(12).standard_normal((4, 6)).astype(np.float32))
    twins.run(x, steps=3)
    for optimizer in twins.optimizers:
        optimizer.load_state_dict(optimizer.state_dict())
    twins.run(x, steps=2)
    assert twins.compiled.captures == 2


def test_gradients_accumulate_without_zero_grad():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"], zero_grad=False)
    x = tg.Tensor(np.random.default_rng(13).standard_normal((4, 6)).astype(np.float32))
    twins.run(x, steps=5)  # first .grad is set, then added to: two captures, then replays
    assert twins.compiled.captures == 2 and twins.compiled.last_run == "replayed"
    for model in twins.models:
        model.zero_grad()
    twins.run(x, steps=3)  # the None .grad is set, then added to again: two more captures
    assert twins.compiled.captures == 4 and twins.compiled.last_run == "replayed"


def test_grad_mode_and_python_numbers_are_part_of_the_guard():
    model = Twins.model((6, 5, 6), False, 0)

    def evaluate(x, scale):
        return (model(x) * scale).sum().detach()  # no graph out: nothing to backward through later

    compiled = tg.compile(evaluate)
    x = tg.Tensor(np.random.default_rng(14).standard_normal((4, 6)).astype(np.float32))
    for scale, grad_enabled in ((2.0, True), (2.0, True), (3.0, True), (3.0, False), (3.0, False)):
        with tg.set_grad_enabled(grad_enabled):
            got = compiled(x, scale)
            assert_close(got.data, evaluate(x, scale).data, "result")
    assert compiled.captures == 3 and compiled.last_run == "replayed"


# ----------------------------------------------------------------------------------------------- what runs eagerly
class Double(tg.Function):
    """z = 2a, as a user's op: no capture rule."""

    forward = staticmethod(lambda ctx, a: a.data * 2)
    backward = staticmethod(lambda ctx, grad: grad * 2)


def eager_cases():
    """(what the step does, the reason it must give) for steps a tape can't replay."""
    w = tg.Tensor(np.linspace(-1, 1, 6), requires_grad=True)

    def custom(x):
        return Double.apply(w * x).sum()

    def item(x):
        total = (w * x).sum()
        return total * 2 if total.item() > 0 else total

    def mask(x):
        return tg.where(x.data > 0, w, x).sum()

    def in_place(x):
        y = w * x
        y += 1
        return y.sum()

    def changed_in_place(x):
        w.grad = None
        (w * x).sum().backward()
        with tg.no_grad():
            w.mul_(0.5)  # a manual update: untracked by a recorded op, seen only as a version bump
        return w.grad

    def hooked(x):
        w.grad = None
        y = w * x
        y.register_hook(lambda g: g * 3)
        y.sum().backward()
        return w.grad

    def clipped(x):
        w.grad = None
        (w * x).sum().backward()
        nn.utils.clip_grad_norm_([w], 0.1)
        return w.grad

    leaf = tg.Tensor(np.ones(6), requires_grad=True)
    calls = []
    leaf.register_post_accumulate_grad_hook(calls.append)

    def post_hooked(x):
        leaf.grad = None
        (leaf * x).sum().backward()
        return leaf.grad

    optimizer = tg.optim.SGD([w], lr=0.0)  # updates nothing: each call gives the same loss

    def with_closure(x):
        def closure():
            optimizer.zero_grad()
            loss = (w * x).sum()
            loss.backward()
            return loss
        return optimizer.step(closure)

    return [(custom, "is not a built-in op"), (item, "reads a tensor's values"), (mask, "array argument"),
            (in_place, "in-place op"), (changed_in_place, "changes a tensor in place"), (hooked, "has a hook"),
            (clipped, "changes a tensor in place"), (with_closure, "evaluates the loss again inside the step"),
            (post_hooked, "register_post_accumulate_grad_hook")]


@pytest.mark.parametrize("case", range(len(eager_cases())))
def test_what_a_tape_cant_replay_runs_eagerly_or_raises_when_strict(case):
    step, reason = eager_cases()[case]
    x = tg.Tensor(np.linspace(0.5, -1, 6))
    expected = step(x).data.copy()
    compiled = tg.compile(step)
    for _ in range(2):
        np.testing.assert_allclose(compiled(x).data, expected, rtol=1e-12)
        assert compiled.last_run.startswith("eager") and reason in compiled.last_run
    with pytest.raises(tg.CaptureError, match=reason):
        tg.compile(step, strict=True)(x)


def test_anomaly_mode_runs_eagerly():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    x = tg.Tensor(np.random.default_rng(15).standard_normal((4, 6)).astype(np.float32))
    twins.run(x, steps=2)
    with tg.detect_anomaly():
        twins.run(x)
        assert twins.compiled.last_run.startswith("eager: anomaly mode")


def test_unknown_arguments_run_eagerly():
    compiled = tg.compile(lambda a: tg.Tensor(a).sum())
    assert compiled(np.ones(3)).item() == 3 and compiled.last_run.startswith("eager: an argument")
    with pytest.raises(TypeError, match="takes a callable"):
        tg.compile(3)


def test_a_rule_that_computes_something_else_is_caught_at_capture(monkeypatch):
    """The safety net: each call of the tape is run at capture and compared with eager's value; a wrong rule makes
    the step run eagerly, never replay a wrong answer."""

    def sine(tracer, inputs, args, out):
        output = tracer.buffer_like(out.data)
        tracer.emit("np.sin", np.sin, inputs[0], out=output)
        return output

    monkeypatch.setitem(tape_module.FORWARD_RULES, ops.Tanh, sine)
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    twins.run(tg.Tensor(np.random.default_rng(16).standard_normal((4, 6)).astype(np.float32)), steps=3)
    assert twins.compiled.last_run == "eager: replaying Tanh's forward gave other values than eager's"


EAGER_FOR_A_REASON = (  # what compile.md says a tape can't replay: values taken from the step's first call
    "takes an array argument (an index or a mask)", "makes a tensor of several values outside the ops")


# ----------------------------------------------------------------------------------------------- fuzzed programs
@FUZZ
@given(programs(), st.integers(0, 2**32 - 1))
def test_compiled_random_programs_match_the_fuzzers_oracle(program: Program, seed: int):
    """The fuzzer's programs as a compiled step (leaves as arguments, backward inside): captured on other values,
    replayed on the program's own, whose gradients must match its finite differences."""
    rng = np.random.default_rng(seed)
    take = sorted({len(program.shapes) - 1, int(rng.integers(len(program.leaf_values), len(program.shapes)))})
    expected = program.run_numpy(program.leaf_values)
    weight_values = [rng.standard_normal(expected[i].shape) for i in take]
    numeric = program.numeric_gradients(take, weight_values)
    constants = [tg.Tensor(c) for c in program.constants]  # made outside the step: a tape reads them live
    weights = [tg.Tensor(w) for w in weight_values]

    def step(*leaves):
        pool = [*leaves, *constants]
        for kind, name, operands in program.steps:
            pool.append(pool[operands[0]].detach() if kind == "detach" else
                        CATALOG[name].ours(*(pool[i] for i in operands)))
        total = sum(((pool[i] * w).sum() for i, w in zip(take, weights)), start=tg.Tensor(np.zeros(())))
        if total.requires_grad:
            total.backward()
        return total

    compiled = tg.compile(step)
    other = Program([v * 1.5 for v in program.leaf_values], program.constants, program.twin)
    try:
        compiled(*other.leaves())
    except ValueError:  # a mask's result has another shape on the other values: the weights don't fit
        assume(False)
    captured = compiled.last_run == "captured"
    note(f"steps: {program.steps}; capture: {compiled.last_run}")
    leaves = program.leaves()
    total = compiled(*leaves)
    if captured:
        assert compiled.last_run == "replayed"
    np.testing.assert_allclose(total.data, sum((expected[i] * w).sum() for i, w in zip(take, weight_values)),
                               rtol=1e-10, atol=1e-12)
    for index, (leaf, expected_grad) in enumerate(zip(leaves, numeric)):
        got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
        np.testing.assert_allclose(got, expected_grad, rtol=1e-4, atol=1e-6, err_msg=f"leaf {index}")
    in_place = {"iadd", "imul", "setitem"} & {name for _, name, _ in program.steps}
    constants_detached = any(kind == "detach" and operands[0] >= len(program.leaf_values) + len(constants) - 1
                             and operands[0] < len(program.leaf_values) + len(constants)
                             for kind, _, operands in program.steps)  # an alias the tape can't trace to its tensor
    if not in_place and not constants_detached:  # else captured, or eager for a reason the docs give
        assert captured or any(why in compiled.last_run for why in EAGER_FOR_A_REASON), compiled.last_run


def test_a_compiled_step_inside_a_captured_step_runs_eagerly_and_is_captured_with_it():
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    inner = tg.compile(twins.step_for(1, True))
    outer = tg.compile(lambda x: inner(x).detach() * 1.0)
    x = tg.Tensor(np.random.default_rng(17).standard_normal((4, 6)).astype(np.float32))
    for _ in range(3):
        assert_close(outer(x).data, twins.eager(tg.Tensor(x.data.copy())).data, "loss")
        twins.assert_same()
    assert outer.last_run == "replayed" and inner.last_run == "not run yet"


def test_a_python_float_argument_is_told_from_its_negative_zero():
    compiled = tg.compile(lambda x, scale: (x * scale).sum())
    x = tg.Tensor(np.ones(3))
    assert np.signbit(compiled(x, 0.0).data) == np.signbit((x * 0.0).sum().data)
    assert np.signbit(compiled(x, -0.0).data) == np.signbit((x * -0.0).sum().data)
    assert compiled.captures == 2


def test_replays_read_each_calls_batch_new_arrays_and_changed_values_alike():
    """The calls that read an argument are bound to its array (no copy) and rebound when another array comes."""
    twins = Twins((6, 5, 6), OPTIMIZERS["adam"])
    rng = np.random.default_rng(18)
    x = tg.Tensor(rng.standard_normal((4, 6)).astype(np.float32))
    twins.run(x, steps=2)
    x.data[...] = rng.standard_normal((4, 6))  # the same array, new values
    twins.run(x)
    twins.run(tg.Tensor(rng.standard_normal((4, 6)).astype(np.float32)))  # a new array
    twins.run(tg.Tensor(np.asfortranarray(rng.standard_normal((4, 6)).astype(np.float32))))  # another layout
    assert twins.compiled.captures == 1 and twins.compiled.last_run == "replayed"


def test_a_failing_tracer_leaves_the_eager_step_alone(monkeypatch):
    """A bug in a capture rule ends the capture, not the user's step: the step runs eagerly and says why."""

    def broken(tracer, inputs, args, out):
        raise KeyError("a rule's bug")

    monkeypatch.setitem(tape_module.FORWARD_RULES, ops.Tanh, broken)
    twins = Twins((6, 5, 6), OPTIMIZERS["sgd"])
    twins.run(tg.Tensor(np.random.default_rng(19).standard_normal((4, 6)).astype(np.float32)), steps=2)
    assert twins.compiled.last_run.startswith("eager: the tracer could not follow the step (KeyError")


def test_a_module_or_a_result_with_a_live_graph_is_refused_as_pytorch_users_would_miss_it():
    """torch.compile(model) has no equivalent: an error names what to compile; a step whose result a later backward
    could use keeps running eagerly, so that backward works as in PyTorch."""
    model = Twins.model((6, 5, 6), False, 0)
    with pytest.raises(TypeError, match="a whole training step, not a module"):
        tg.compile(model)
    forward = tg.compile(lambda x: model(x).sum())
    x = tg.Tensor(np.ones((2, 6), np.float32))
    for _ in range(2):
        forward(x).backward()
        assert forward.last_run.startswith("eager: the step returns a tensor with a graph")
    with tg.no_grad():
        forward(x)
        forward(x)
    assert forward.last_run == "replayed"
