"""The custom-op example runs end to end in fast mode: gradcheck proves the op, training lowers the cost."""

import re

from examples_runner import run_example


def test_custom_op_example_fast():
    out = run_example("custom_op.py")
    assert "gradcheck(Softplus): True" in out and "gradgradcheck(Softplus): True" in out
    assert "deliberate lie: True" in out and "gradcheck(whole network's cost, float64 copy): True" in out
    assert "‖∂C/∂a¹‖ at step 0" in out
    first, final, rises = re.search(r"cost: first (\S+)\s+final (\S+)\s+\(C rose at (\d+) of", out).groups()
    assert float(final) < 0.5 * float(first) and rises == "0", out
