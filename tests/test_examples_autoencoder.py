"""examples/autoencoder.py runs end to end in --fast mode: gradient check printed and tiny, pictures written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from examples_runner import load_example

ROOT = Path(__file__).resolve().parents[1]



def run_example(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "autoencoder.py"), "--fast", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("options", [[], ["--optimizer", "adam", "--batch-size", "32"]])
def test_autoencoder_example_runs_fast(tmp_path: Path, options: list[str]) -> None:
    result = run_example("--out", str(tmp_path), *options)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    check = re.search(r"max relative difference autograd vs hand-derived = (\S+)", out)
    assert check is not None, out
    assert float(check.group(1)) < 1e-10
    before, after = re.search(r"cost C: (\S+) before training, (\S+) after", out).groups()
    assert float(after) < float(before)
    progress = re.findall(r"^step (\d+)/(\d+) C=(\S+)$", out, flags=re.M)  # a pipe is no terminal: plain lines
    assert 3 <= len(progress) <= 10 and progress[-1][0] == progress[-1][1] and progress[-1][2] == after
    if not options:
        assert "C fell at every one of the 20 steps" in out
    for name in ("reconstructions.png", "loss.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    graphs = list(tmp_path.glob("graph.*"))
    assert len(graphs) == 1 and graphs[0].stat().st_size > 0


@pytest.mark.parametrize("options", [[], ["--optimizer", "adam", "--batch-size", "32"]])
def test_the_compiled_step_trains_as_the_eager_one(tmp_path: Path, options: list[str]) -> None:
    """--compile replays a captured step: the same costs, printed to 4 decimals, as the eager run."""
    runs = [run_example("--out", str(tmp_path / name), *options, *flag) for name, flag in
            (("eager", []), ("compiled", ["--compile"]))]
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    costs = [re.search(r"cost C: (\S+) before training, (\S+) after", run.stdout).groups() for run in runs]
    assert costs[0] == costs[1]
    captured = re.search(r"tg.compile: the step was captured (\d+) time\(s\).*its last call: replayed", runs[1].stdout)
    assert captured is not None and int(captured.group(1)) == (1 if not options else 2), runs[1].stdout


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--steps", "-2"], "--steps must be at least 1, got -2"),
        (["--lr", "0"], "--lr must be positive, got 0.0"),
    ],
)
def test_autoencoder_example_rejects_bad_options(tmp_path: Path, option: list[str], message: str) -> None:
    result = run_example(*option, "--out", str(tmp_path))
    assert result.returncode != 0 and message in result.stderr
    assert not list(tmp_path.iterdir())


def test_progress_falls_back_to_plain_lines_without_tqdm(monkeypatch, capsys) -> None:
    example = load_example("autoencoder.py")
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes ``from tqdm import tqdm`` raise ImportError
    bar = example.progress_bar(20)
    assert isinstance(bar, example.PlainProgress)
    for step in range(20):
        bar.set_postfix_str(f"C={step}")
        bar.update()
    bar.close()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and lines[0] == "step 2/20 C=1" and lines[-1] == "step 20/20 C=19"



def test_progress_is_plain_lines_when_stdout_is_not_a_terminal(monkeypatch) -> None:
    pytest.importorskip("tqdm")
    example = load_example("autoencoder.py")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert isinstance(example.progress_bar(20), example.PlainProgress)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert not isinstance(example.progress_bar(20), example.PlainProgress)


def test_help_shows_the_defaults_and_the_run_time() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "autoencoder.py"), "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    text = " ".join(result.stdout.split())
    assert "default: 2000 for gd, 100 for adam" in text and "default: 0.01 for gd, 3e-3 for adam" in text
    assert "A default run (2000 full-batch steps over 1797 digits) takes a few minutes" in text


def test_a_learning_rate_beyond_the_edge_is_reported(tmp_path: Path) -> None:
    result = run_example("--lr", "0.2", "--steps", "30", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert re.search(r"C rose at \d+ of 30 steps: ρ = 0.2 overshoots", result.stdout), result.stdout
