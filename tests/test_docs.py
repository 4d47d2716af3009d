"""The docs stay true: their python snippets run, and quoted source matches the code it quotes."""

import re
from pathlib import Path

import pytest
from optional_tools import require_module

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


def test_custom_ops_doc_snippets_run(capsys):
    doc = ROOT / "docs" / "custom-ops.md"
    blocks = python_blocks(doc)
    assert len(blocks) >= 6
    run_blocks(doc, blocks)  # the anomaly snippet divides by √0 on purpose: the error names it, numpy stays quiet
    out = capsys.readouterr().out
    assert "grad_fn=<SoftplusBackward>" in out and "tensor([0.235], dtype=float64)" in out
    assert "True\nTrue\nTrue\nFalse\n" in out
    assert "worst element: input 0 index (1, 1), output 0 index (1, 1)" in out and "analytic 4.0 vs numeric 8.0" in out
    assert "tensor([ 0., -4.], dtype=float64)" in out  # (A + Aᵀ)x
    assert "tensor(12.)" in out and "∂C/∂a¹ =" in out
    assert "SqrtBackward produced inf in its backward gradient for input 0" in out


def test_visualization_doc_snippets_run_and_print_what_the_page_shows(capsys):
    doc = ROOT / "docs" / "visualization.md"
    text = doc.read_text()
    shown = dict(re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", text, flags=re.S))
    assert shown
    namespace: dict = {}
    for block in python_blocks(doc):
        capsys.readouterr()
        exec(compile(block, str(doc), "exec"), namespace)
        if block in shown:
            assert capsys.readouterr().out == shown[block]
    assert Path("loss.dot").read_text().count('label="0 (Linear)"') == 1
    assert 'id="tg-steps"' in Path("backward.html").read_text()


def test_op_reference_is_generated_from_the_ops():
    """docs/tensor.md's table of primitives is each op's own first docstring line (python docs/op_reference.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("op_reference", ROOT / "docs" / "op_reference.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    page = (ROOT / "docs" / "tensor.md").read_text()
    assert generator.rewritten(page) == page, "stale op reference: run python docs/op_reference.py"
    assert len(generator.primitives()) >= 30 and "| `Tanh` | z = tanh a; ∂z/∂a = 1 − tanh²(a) = 1 − z² |" in page


def test_checkpoints_doc_snippets_run(capsys):
    require_module("torch", "pip install torch==2.13.0 (the CPU build)")
    require_module("safetensors", "pip install 'tinygrad_edu[interop]'")
    doc = ROOT / "docs" / "checkpoints.md"
    blocks = python_blocks(doc)
    assert len(blocks) >= 6
    run_blocks(doc, blocks)
    out = capsys.readouterr().out
    assert "1 ['__structure__', 'model/0.bias', 'model/0.weight']" in out and "['0.bias', '0.weight']" in out
    assert "load: notes.npz is a text file starting with 'epoch,loss'; expected a checkpoint" in out
    assert "key '5.bias': an array of strings (dtype <U3)" in out and "nothing was changed" in out
    assert "param_groups[0]: invalid lr: '0.01' (must be a real number)" in out
    assert float(out.split("largest difference ")[1].split()[0]) < 1e-5
