"""Run an example script in fast mode, as a user would: a fresh interpreter, this checkout's package first."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def run_example(script: str, *args: str, fast: bool = True) -> str:
    """``python examples/<script> --fast *args`` from the repository root; returns stdout, fails on a non-zero exit."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), *(["--fast"] if fast else []), *args],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def load_example(script: str) -> ModuleType:
    """``examples/<script>`` as a module, to test its pieces without running its ``main``."""
    if str(ROOT / "examples") not in sys.path:
        sys.path.insert(0, str(ROOT / "examples"))  # as when run: the examples import example_tools beside them
    spec = importlib.util.spec_from_file_location(Path(script).stem + "_example", ROOT / "examples" / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
