"""The benchmark suite itself: its references against independent truths, its statistics against closed forms, its
command line, and one short run of the machinery. No timing is asserted here: speed lives in ``python -m benchmarks``.
"""

import dis
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest

from benchmarks import bytecodes, chains, cli, floor, harness, mlp, report, workloads
from benchmarks.stats import Spread, paired_ratios, spread
from benchmarks.targets import MemoryTarget, Target

NUMPY_CANDIDATES = ["numpy", "numpy-out", "tinygrad_edu"]


def require(candidate: str) -> None:
    """PyTorch is optional: its cases skip with the reason when it is missing, except in CI, where they fail."""
    if not workloads.installed(candidate):
        if os.environ.get("CI") == "true":
            pytest.fail("PyTorch is not installed; CI installs it with pip install -e '.[bench]'")
        pytest.skip("PyTorch is not installed (pip install -e '.[bench]')")


# ----------------------------------------------------------------------------------------------- the truths
def test_float64_mlp_step_is_gradient_descent_on_the_mean_squared_error():
    """W1's truth: its update equals one step along central-difference gradients of C = mean((x̂ − x)²)."""
    params = [(W.astype(np.float64), b.astype(np.float64)) for W, b in mlp.init_params((3, 2, 3))]
    x = np.random.default_rng(2).standard_normal((4, 3))

    def loss() -> float:
        a = x
        for index, (W, b) in enumerate(params):
            a = a @ W.T + b if index == len(params) - 1 else np.tanh(a @ W.T + b)
        return float(((a - x) ** 2).mean())

    expected, h = [], 1e-6
    for array in (a for pair in params for a in pair):
        grad = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            array[i] += h
            plus = loss()
            array[i] -= 2 * h
            minus = loss()
            array[i] += h
            grad[i] = (plus - minus) / (2 * h)
        expected.append(array - 0.5 * grad)
    initial_loss = loss()
    assert mlp.float64_step(params, x, lr=0.5) == pytest.approx(initial_loss, rel=1e-12)
    for got, want in zip((a for pair in params for a in pair), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_float64_chain_gradient_matches_finite_differences():
    """W2's truth: the product of local derivatives equals central differences of the chain's sum, per input."""
    values = np.linspace(-1, 1, 4)
    _, grad = chains.w2_float64(values)
    h = 1e-6
    numeric = [(chains.w2_float64(values + h * e)[0] - chains.w2_float64(values - h * e)[0]) / (2 * h)
               for e in np.eye(4)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-7)


# ----------------------------------------------------------------------------------------------- the candidates
@pytest.mark.parametrize("name", ["tiny", "small", "medium"])
@pytest.mark.parametrize("candidate", list(mlp.CANDIDATES))
def test_every_mlp_step_matches_the_float64_step(name, candidate):
    require(candidate)
    mlp.check(name, candidate)


@pytest.mark.parametrize("constants", ["tensors", "floats"])
@pytest.mark.parametrize("candidate", list(chains.W2_CANDIDATES))
def test_every_per_op_chain_matches_the_float64_gradient(constants, candidate):
    require(candidate)
    chains.check_w2(constants, candidate)


@pytest.mark.parametrize("candidate", list(chains.W3_CANDIDATES))
def test_every_deep_chain_matches_the_closed_form(candidate):
    require(candidate)
    chains.check_w3(3000, candidate)


def test_the_mlp_check_catches_the_notes_erratum(monkeypatch):
    """A gradient of C taken as (x̂ − y)/N instead of 2(x̂ − y)/N changes only the updates: the check must see it."""
    right = mlp.constants

    def halved_gradient(x):
        lr, scale, one, inverse_size = right(x)
        return lr, scale / 2, one, inverse_size

    monkeypatch.setattr(mlp, "constants", halved_gradient)
    for candidate in ("numpy", "numpy-out"):
        with pytest.raises(AssertionError, match=f"W1 tiny: {candidate}'s losses differ"):
            mlp.check("tiny", candidate)  # the second step's loss already shows the smaller first update
    monkeypatch.setattr(mlp, "CHECKED_STEPS", 1)  # one step: its loss is right, only the updates are wrong
    for candidate in ("numpy", "numpy-out"):
        with pytest.raises(AssertionError, match=f"W1 tiny: {candidate}'s update of parameter 0 differs"):
            mlp.check("tiny", candidate)


def test_the_chain_checks_catch_a_wrong_gradient(monkeypatch):
    monkeypatch.setitem(chains.W2_CANDIDATES, "numpy", lambda constants: chains.w2_reference(constants, length=99))
    with pytest.raises(AssertionError, match="W2 floats: numpy's gradient differs"):
        chains.check_w2("floats", "numpy")
    monkeypatch.setitem(chains.W3_CANDIDATES, "numpy", lambda length: chains.w3_reference(length - length // 10))
    with pytest.raises(AssertionError, match="W3 3000: numpy's gradient differs"):
        chains.check_w3(3000, "numpy")


def test_the_checks_catch_a_wrong_derivative_in_the_floor(monkeypatch):
    """The minimal autograd is checked like every candidate: a wrong tanh derivative (1 − z instead of 1 − z²)
    must fail the W1 and W2 checks before anything is timed."""
    monkeypatch.setattr(floor, "_tanh_backward", lambda g, out, a, b: floor._send(a, g * (1 - out.data)))
    with pytest.raises(AssertionError, match="W1 tiny: floor's"):
        mlp.check("tiny", "floor")
    with pytest.raises(AssertionError, match="W2 tensors: floor's gradient differs"):
        chains.check_w2("tensors", "floor")


# ----------------------------------------------------------------------------------------------- bytecode counts
def test_bytecode_counts_are_the_instructions_dis_lists_once_per_loop_iteration():
    def loop(n: int) -> Callable[[], int]:
        def call() -> int:
            total = 0
            for i in range(n):
                total += i
            return total
        return call

    names = [instruction.opname for instruction in dis.get_instructions(loop(1))]
    start = names.index("FOR_ITER")
    end = max(index for index, name in enumerate(names) if name.startswith("JUMP_BACKWARD"))
    per_iteration = end - start + 1  # the loop's body as dis lists it, FOR_ITER to the jump back
    ten, twenty, thirty = (sum(bytecodes.count(loop(n)).values()) for n in (10, 20, 30))
    assert thirty - twenty == twenty - ten == 10 * per_iteration


def test_bytecode_counts_are_deterministic_and_a_files_lines_add_up_to_its_share():
    call = mlp.floor_step(*mlp.inputs("tiny")).call
    call()
    by_file, again = bytecodes.count(call), bytecodes.count(call)
    assert by_file == again and by_file["benchmarks/floor.py"] > 0
    by_line = bytecodes.count(call, "benchmarks/floor.py")
    assert sum(by_line.values()) == by_file["benchmarks/floor.py"]


def _loop_with_a_short_circuit() -> int:
    for value in (1, 2, 3):
        if value > 0 and value > 5:  # the loop's back-edge after this test is a jump no source line owns
            return value
    return 0


def test_bytecodes_a_line_report_names_the_jumps_no_source_line_owns():
    counts = bytecodes.count(_loop_with_a_short_circuit, bytecodes.where(__file__))
    lines = {number: bytecodes._line("tests/test_benchmarks.py", number) for number in counts}  # Python 3.11: has None
    assert "if value > 0 and value > 5:" in " ".join(lines.values())
    assert bytecodes._line("tests/test_benchmarks.py", None) == "no line: jumps the compiler added"


def test_bytecodes_cli_reports_each_candidate_and_refuses_an_unknown_one(capsys):
    assert bytecodes.main(["W1-tiny", "--candidates", "floor", "--lines", "benchmarks/floor.py", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "floor (minimal autograd): " in out and out.count("  line ") == 3
    with pytest.raises(SystemExit) as exit_info:
        bytecodes.main(["W1-tiny", "--candidates", "nope"])
    assert exit_info.value.code == 2 and "nope" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------- the statistics
def test_paired_ratios_cancel_the_machines_speed():
    """The machine flips between two speeds; a candidate 3× slower than the reference reads 3× in every round."""
    speed = [1.0, 2.0, 2.0, 1.0, 2.0, 1.0, 1.0]
    reference = [1e-3 * s for s in speed]
    candidate = [3e-3 * s for s in speed]
    assert spread(paired_ratios(candidate, reference)) == Spread(pytest.approx(3.0), pytest.approx(3.0),
                                                                 pytest.approx(3.0))


def test_spread_is_the_median_and_linearly_interpolated_quartiles():
    assert spread([5.0, 1.0, 4.0, 2.0, 3.0]) == Spread(3.0, 2.0, 4.0)
    # four values: quartiles at positions 0.75 and 2.25 of the sorted list (1, 2, 3, 4)
    assert spread([4.0, 3.0, 2.0, 1.0]) == Spread(2.5, 1.75, 3.25)
    assert spread([7.0]) == Spread(7.0, 7.0, 7.0)
    with pytest.raises(ValueError, match="at least one value"):
        spread([])
    with pytest.raises(ValueError, match="one time per round for both, got 2 and 3"):
        paired_ratios([1.0, 2.0], [1.0, 2.0, 3.0])


def test_rounds_run_until_time_is_up_within_the_bounds_or_exactly_as_asked():
    settings = harness.Settings(min_rounds=3, max_rounds=5)
    assert [harness.more_rounds(done, False, settings) for done in range(7)] == [True] * 5 + [False] * 2
    assert [harness.more_rounds(done, True, settings) for done in range(7)] == [True] * 3 + [False] * 4
    exactly = harness.Settings(min_rounds=3, max_rounds=5, rounds=7)
    assert [harness.more_rounds(done, True, exactly) for done in range(9)] == [True] * 7 + [False] * 2


def synthetic(seconds: dict[str, list[float]]) -> harness.Measurement:
    """A measurement with the same per-round times gc on and off."""
    return harness.Measurement("W2-floats", dict.fromkeys(seconds, 1),
                               {c: {True: times, False: times} for c, times in seconds.items()})


def test_targets_are_judged_on_the_median_paired_ratio():
    measurement = synthetic({"numpy": [1.0, 2.0, 1.0], "tinygrad_edu": [4.0, 6.0, 5.0], "torch": [5.0, 10.0, 4.0]})
    ratios = report.summarise(workloads.TIMED["W2-floats"], measurement).ratios
    assert ratios["tinygrad_edu"][True] == Spread(4.0, 3.5, 4.5)  # ratios 4, 3, 5
    assert report.judge(Target("tinygrad_edu", limit=4.0), measurement, ratios).met is True
    assert report.judge(Target("tinygrad_edu", limit=3.9), measurement, ratios).met is False
    assert report.judge(Target("tinygrad_edu", limit=3.999), measurement, ratios).text == "NO (4.0000×)"
    versus = report.judge(Target("tinygrad_edu", versus="torch"), measurement, ratios)
    assert versus.met is True and versus.note == "0.80× PyTorch's time"  # paired: 0.8, 0.6, 1.25
    without_torch = synthetic({"numpy": [1.0], "tinygrad_edu": [2.0]})
    verdict = report.judge(Target("tinygrad_edu", versus="torch"), without_torch, {})
    assert verdict.met is None and verdict.text == "not judged (PyTorch is not installed)"
    with pytest.raises(ValueError, match="either a limit or a candidate"):
        Target("tinygrad_edu", limit=1.0, versus="torch")


def test_memory_target_is_judged_on_resident_growth():
    grown = {"tinygrad_edu": {"rss_before_mib": 100.0, "rss_after_mib": 102.5, "peak_mib": 1.0}}
    flat = {"tinygrad_edu": {"rss_before_mib": 100.0, "rss_after_mib": 100.5, "peak_mib": 1.0}}
    target = MemoryTarget("tinygrad_edu", limit_mib=2.0)
    assert report.judge_memory(target, grown).met is False
    assert report.judge_memory(target, flat).met is True


# ----------------------------------------------------------------------------------------------- the command line
def test_help_lists_every_workload(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for key in workloads.SUITE:
        assert f"    {key} " in out and workloads.BY_KEY[key].description in out


@pytest.mark.parametrize(("argv", "valid"), [(["--only", "W9"], "'W1-tiny'"), (["--only", "W1", "W1-huge"], "'W4'"),
                                             (["--candidates", "jax"], "'tinygrad_edu'")])
def test_an_unknown_name_is_an_error_naming_the_valid_ones(argv, valid, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"invalid choice: '{argv[-1]}'" in err and valid in err


def test_rounds_must_be_positive_and_json_needs_a_folder_before_the_run(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["--rounds", "0"])
    assert "must be at least 1, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--json", str(tmp_path / "missing" / "run.json")])
    err = capsys.readouterr().err
    assert "no folder" in err and "missing" in err and "'run.json'" in err


def test_check_sets_the_exit_status_only_when_a_target_is_missed(monkeypatch, capsys):
    measurement = synthetic({"numpy": [1.0, 1.0], "tinygrad_edu": [20.0, 20.0]})  # 20× misses tiny's 4.5×
    missed = report.Run({}, harness.Settings(), (0.0, 0.0), (Spread(1, 1, 1), Spread(1, 1, 1)),
                     [report.summarise(workloads.TIMED["W1-tiny"], measurement)], {})
    monkeypatch.setattr(cli, "run", lambda *args: missed)
    assert cli.main(["--only", "W1-tiny"]) == 0
    assert cli.main(["--only", "W1-tiny", "--check"]) == cli.MISSED
    assert "| W1 tiny " in capsys.readouterr().out


def test_a_failing_worker_is_reported_with_its_traceback():
    worker = harness.Worker("no-such-workload", "numpy", harness.QUICK)
    with pytest.raises(harness.WorkerError, match=r"(?s)no-such-workload / numpy: the worker stopped.*KeyError"):
        worker.receive()
    worker.close()


def test_a_short_run_measures_and_saves_every_round(tmp_path, capsys):
    """The whole machinery once, briefly: workers, interleaved rounds, W4's probe, the table and the JSON."""
    path = tmp_path / "run.json"
    argv = ["--only", "W1-tiny", "W4", "--quick", "--rounds", "2", "--candidates", "tinygrad_edu", "--json", str(path)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "calibration probe" in out and "| W1 tiny " in out and "| resident memory growth over 50 steps" in out
    saved = json.loads(path.read_text())
    row = saved["workloads"]["W1-tiny"]
    seconds = row["seconds_per_call"]
    assert set(seconds) == {"numpy", "tinygrad_edu"} and row["rounds"] == 2
    assert all(len(times) == 2 and min(times) > 0 for by_gc in seconds.values() for times in by_gc.values())
    ratios = np.array(seconds["tinygrad_edu"]["gc_on"]) / np.array(seconds["numpy"]["gc_on"])
    assert row["ratio_to_reference"]["tinygrad_edu"]["gc_on"]["median"] == pytest.approx(np.median(ratios))
    memory = saved["memory"]["per_candidate"]["tinygrad_edu"]
    assert memory["peak_mib"] > 0 and (memory["rss_after_mib"] is not None) == sys.platform.startswith("linux")


# ----------------------------------------------------------------------------------------------- the allocator flag
ALLOCATOR_PROBE = """
import sys
from collections.abc import Callable
import numpy as np
from benchmarks.allocator import keep_freed_memory
from benchmarks.memory import resident_mib

applied = keep_freed_memory() if sys.argv[1] == 'keep' else None
before = resident_mib()
a = np.ones(2**20)  # 8 MiB, touched
del a
print(applied, resident_mib() - before)
"""


def freed_mib_still_resident(policy: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", ALLOCATOR_PROBE, policy], capture_output=True, text=True, check=True,
                         cwd=harness.ROOT).stdout
    applied, kept = out.split()
    return applied, float(kept)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's; elsewhere the call returns False")
def test_keep_freed_memory_keeps_freed_arrays_in_the_process():
    assert freed_mib_still_resident("default") == ("None", pytest.approx(0.0, abs=1.0))  # glibc unmapped it
    applied, kept = freed_mib_still_resident("keep")
    assert applied == "True" and kept > 7.5  # the 8 MiB stayed in the heap, ready for the next step
