"""The three models of issue 15 run end to end in --fast mode: char_lstm, tiny_transformer, sequence_digits (each a
few seconds): their final metric printed, progress as plain lines in a pipe, a PNG loss curve written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from examples_runner import ROOT, load_example, run_example

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("script", ["char_lstm.py", "tiny_transformer.py"])
def test_character_models_train_report_and_sample(tmp_path: Path, script: str) -> None:
    out = run_example(script, "--out", str(tmp_path))
    loss = float(re.search(r"validation loss (\S+) nats/char \((\S+) bits/char\)", out).group(1))
    assert 2.0 < loss < 4.6  # below log(96) = 4.56, the loss of guessing uniformly, after a few seconds
    progress = re.findall(r"^CPU-seconds (\d+)/(\d+) loss=\S+ step=\d+$", out, flags=re.M)
    assert 3 <= len(progress) <= 10 and progress[-1][0] == progress[-1][1]
    sample = out.split("sample:\n", 1)[1].split("\nwrote ", 1)[0]
    assert sample.startswith("Return the ") and len(sample) == len("Return the ") + 60
    assert (tmp_path / "loss.png").read_bytes()[:8] == PNG


def test_sequence_digits_reports_test_accuracy(tmp_path: Path) -> None:
    out = run_example("sequence_digits.py", "--out", str(tmp_path))
    accuracy = float(re.search(r"test accuracy (\S+) \((\d+)/100 digits\) after 3 epochs", out).group(1))
    assert accuracy > 0.2  # three epochs on 300 digits: well above chance (0.1), far from done
    assert len(re.findall(r"^epoch \d/3 loss=", out, flags=re.M)) == 3
    assert (tmp_path / "loss.png").read_bytes()[:8] == PNG


def test_the_text_is_the_standard_librarys_docstrings_in_printable_ascii() -> None:
    char_text = load_example("char_text.py")
    text = char_text.stdlib_docstrings()
    assert len(text) > 300_000 and set(text) <= set(char_text.ALPHABET)
    assert "Return the" in text and char_text.decode(char_text.encode(text[:500])) == text[:500]


def test_bad_options_are_refused() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "char_lstm.py"), "--context", "0"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode != 0 and "--context must be at least 1, got 0" in result.stderr
