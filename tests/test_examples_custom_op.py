"""The custom-op example runs end to end in fast mode: gradcheck proves the op, training lowers the cost."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_custom_op_example_fast():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "custom_op.py"), "--fast"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "gradcheck(Softplus): True" in out and "gradgradcheck(Softplus): True" in out
    assert "deliberate lie: True" in out and "gradcheck(whole network's cost, float64 copy): True" in out
    assert "‖∂C/∂a¹‖ at step 0" in out
    first, final = map(float, re.search(r"cost: first (\S+)\s+final (\S+)", out).groups())
    assert final < 0.75 * first, out
