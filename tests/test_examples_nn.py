"""The nn example runs end to end in fast mode."""

from examples_runner import run_example


def test_train_digits_fast():
    out = run_example("train_digits.py")
    accuracies = [float(line.split()[3]) for line in out.splitlines() if "test accuracy" in line]
    assert len(accuracies) == 2 and min(accuracies) > 0.9, out
    assert "reloaded with the same accuracy" in out
