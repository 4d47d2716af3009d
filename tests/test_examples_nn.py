"""The nn example runs end to end in fast mode."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_train_digits_fast():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "train_digits.py"), "--fast"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    accuracies = [float(line.split()[3]) for line in result.stdout.splitlines() if "test accuracy" in line]
    assert len(accuracies) == 2 and min(accuracies) > 0.9, result.stdout
    assert "reloaded with the same accuracy" in result.stdout
