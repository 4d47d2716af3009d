"""The docs stay true: their python snippets run, and quoted source matches the code it quotes."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def run_blocks(path: Path, blocks: list[str]) -> None:
    """Run the blocks in order as one script (they build on each other)."""
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)


@pytest.fixture(autouse=True)
def in_tmp_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets that save checkpoints write here


def test_readme_snippets_run(capsys):
    run_blocks(ROOT / "README.md", python_blocks(ROOT / "README.md"))
    assert "tensor(" in capsys.readouterr().out
    assert Path("model.npz").exists()


def test_tensor_doc_snippets_run_or_quote_ops_py_exactly():
    doc = ROOT / "docs" / "tensor.md"
    ops_source = (ROOT / "tinygrad_edu" / "ops.py").read_text()
    quoted = [b for b in python_blocks(doc) if b.startswith("class ")]
    assert quoted and all(block in ops_source for block in quoted)
    run_blocks(doc, [b for b in python_blocks(doc) if not b.startswith("class ")])


def test_nn_doc_snippets_run(capsys):
    blocks = python_blocks(ROOT / "docs" / "nn.md")
    assert len(blocks) >= 8
    run_blocks(ROOT / "docs" / "nn.md", blocks)
    out = capsys.readouterr().out
    assert "shape (3, 3) in the state dict, (1, 2) in the model" in out
    assert float(out.split("XOR loss ")[1].split()[0]) < 0.01
