"""The docs stay true: their python snippets run, their printed output is what the page shows, quotes match the code.

The convention, for README.md and every page under docs/:

- a ```` ```python ```` block runs; a page's blocks run in order, as one script, in an empty temporary folder;
- a ```` ```text title="Output" ```` block right after a python block (only blank lines between) is that block's
  whole printed output; ``...`` in it stands for any text, as doctest's ELLIPSIS (a line of its own can skip lines);
- a python block titled with a repository path (```` ```python title="tinygrad_edu/ops.py" ````) quotes that file:
  it is not run, and must appear in the file verbatim;
- a python block titled ``not run: <why>`` is shown and never run: the title tells the reader why;
- any other block (bash, text without the Output title) is not run.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
TITLE = re.compile(r'title="(?P<title>[^"]*)"')
OUTPUT_TITLE = "Output"
NOT_RUN = "not run: "


@dataclass
class Snippet:
    """A runnable python block of a page and, when the page shows one, the output it must print."""

    code: str
    line: int
    expected_output: str | None = None


def fenced_blocks(text: str) -> list[tuple[str, str, str, int, int, int]]:
    """(language, title, body, first line, start and end offsets) of every fenced block, indentation removed."""
    blocks = []
    for match in FENCE.finditer(text):
        info = match["info"].strip()
        language = info.split(" ", 1)[0]
        title = TITLE.search(info)
        indent = match["indent"]
        body = "".join(line[len(indent):] if line.startswith(indent) else line
                       for line in match["body"].splitlines(keepends=True))
        blocks.append((language, title["title"] if title else "", body, text.count("\n", 0, match.start()) + 1,
                       match.start(), match.end()))
    return blocks


def page_snippets(path: Path) -> list[Snippet]:
    """The page's runnable python blocks, each with the Output block that follows it (if any)."""
    text = path.read_text(encoding="utf-8")
    snippets: list[Snippet] = []
    previous_end, previous_was_run = None, False
    for language, title, body, line, start, end in fenced_blocks(text):
        follows_directly = previous_end is not None and text[previous_end:start].strip() == ""
        if language == "text" and title == OUTPUT_TITLE:
            assert previous_was_run and follows_directly, f"{path.name}:{line}: an Output block must follow a run block"
            assert snippets[-1].expected_output is None, f"{path.name}:{line}: two Output blocks for one snippet"
            snippets[-1].expected_output = body
        elif language == "python" and not title:
            snippets.append(Snippet(body, line))
        previous_end, previous_was_run = end, language == "python" and not title
    return snippets


def quoted_blocks(path: Path) -> list[tuple[str, str, int]]:
    """(repository path, quoted text, line) of every python block titled with a path."""
    text = path.read_text(encoding="utf-8")
    return [(title, body, line) for language, title, body, line, _, _ in fenced_blocks(text)
            if language == "python" and title and not title.startswith(NOT_RUN)]


def output_matches(expected: str, actual: str) -> bool:
    """Whole-output comparison, trailing spaces ignored; ``...`` matches any text (across lines too)."""
    def normal(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
    pattern = ".*?".join(re.escape(part) for part in normal(expected).split("..."))
    return re.fullmatch(pattern, normal(actual), flags=re.S) is not None


def run_page(path: Path) -> str:
    """Run the page's snippets in order as one script, check each shown output; returns everything printed."""
    namespace: dict = {"__name__": "__main__"}
    printed = []
    for snippet in page_snippets(path):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile("\n" * (snippet.line) + snippet.code, str(path), "exec"), namespace)
        output = buffer.getvalue()
        printed.append(output)
        if snippet.expected_output is not None:
            assert output_matches(snippet.expected_output, output), (
                f"{path.name}:{snippet.line}: the snippet printed\n{output}\n"
                f"but the page shows\n{snippet.expected_output}")
    return "".join(printed)


@pytest.fixture(autouse=True)
def in_tmp_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets that save checkpoints or pictures write here


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_snippets_run_and_print_what_the_page_shows(page: Path) -> None:
    run_page(page)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_quoted_source_is_in_the_file_it_names(page: Path) -> None:
    for source, quote, line in quoted_blocks(page):
        assert (ROOT / source).is_file(), f"{page.name}:{line}: quotes {source}, which does not exist"
        assert quote in (ROOT / source).read_text(encoding="utf-8"), f"{page.name}:{line}: not in {source}"


def test_pages_with_snippets_have_them_found() -> None:
    """The convention's parser sees the blocks it should (a parser that finds nothing would test nothing)."""
    counts = {p.relative_to(ROOT).as_posix(): len(page_snippets(p)) for p in PAGES}
    assert counts["README.md"] >= 2 and counts["docs/nn.md"] >= 8 and counts["docs/custom-ops.md"] >= 6
    assert counts["docs/backprop-example.md"] >= 5
    assert quoted_blocks(ROOT / "docs" / "tensor.md")


def test_output_comparison_is_strict_but_allows_ellipsis() -> None:
    assert output_matches("a\nb\n", "a  \nb")
    assert output_matches("tensor(...)\nlast", "tensor([1, 2])\nlast")
    assert output_matches("first\n...\nlast", "first\n1\n2\nlast")
    assert not output_matches("a\nb", "a\nb\nc")  # an extra line is a difference
    assert not output_matches("1.4112", "1.4113")


def test_a_wrong_output_block_fails(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('```python\nprint(1 + 1)\n```\n\n```text title="Output"\n3\n```\n', encoding="utf-8")
    with pytest.raises(AssertionError, match="the snippet printed"):
        run_page(page)


def test_an_output_block_must_follow_a_snippet(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('Text.\n\n```text title="Output"\n3\n```\n', encoding="utf-8")
    with pytest.raises(AssertionError, match="must follow a run block"):
        page_snippets(page)


def test_not_run_blocks_are_neither_run_nor_checked_as_quotes(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('```python title="not run: needs a GPU"\nraise SystemExit\n```\n', encoding="utf-8")
    assert page_snippets(page) == [] and quoted_blocks(page) == []


def test_readme_example_saves_a_checkpoint() -> None:
    run_page(ROOT / "README.md")
    assert Path("model.npz").exists()


def test_nn_doc_trains_xor_and_names_the_bad_key() -> None:
    out = run_page(ROOT / "docs" / "nn.md")
    assert "shape (3, 3) in the state dict, (1, 2) in the model" in out
    assert float(out.split("XOR loss ")[1].split()[0]) < 0.01


def test_custom_ops_doc_anomaly_snippet_names_the_op() -> None:
    out = run_page(ROOT / "docs" / "custom-ops.md")  # it divides by √0 on purpose: the error names the op
    assert "SqrtBackward produced inf in its backward gradient for input 0" in out


def test_visualization_doc_draws_and_steps() -> None:
    run_page(ROOT / "docs" / "visualization.md")
    assert Path("loss.dot").read_text().count('label="0 (Linear)"') == 1
    assert 'id="tg-steps"' in Path("backward.html").read_text()


def test_op_reference_is_generated_from_the_ops() -> None:
    """docs/tensor.md's table of primitives is each op's own first docstring line (python docs/op_reference.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("op_reference", ROOT / "docs" / "op_reference.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    page = (ROOT / "docs" / "tensor.md").read_text()
    assert generator.rewritten(page) == page, "stale op reference: run python docs/op_reference.py"
    assert len(generator.primitives()) >= 30 and "| `Tanh` | z = tanh a; ∂z/∂a = 1 − tanh²(a) = 1 − z² |" in page
    assert "| `x.sin` | z = sin a; ∂z/∂a = cos a |" in page and "| `F.pad` | z = a padded" in page


def test_every_op_in_the_reference_states_its_derivative_or_that_it_has_none() -> None:
    """The grouped reference (issue 14) is the ops' docstrings: each names its local derivative or says there is no
    gradient (factories excepted), and every name resolves to an op of the package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("op_reference", ROOT / "docs" / "op_reference.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert sum(len(names) for names in generator.GROUPS.values()) >= 120
    for group, names in generator.GROUPS.items():
        for name in names:
            text = generator.summary(generator.resolve(name))
            assert text, f"{name} has no docstring"
            assert group == "Factories" or "∂" in text or "gradient" in text, f"{name}: {text}"


def test_checkpoints_doc_round_trips_and_names_what_is_wrong() -> None:
    out = run_page(ROOT / "docs" / "checkpoints.md")
    assert "1 ['__structure__', 'model/0.bias', 'model/0.weight']" in out and "['0.bias', '0.weight']" in out
    assert "load: notes.npz is a text file starting with 'epoch,loss'; expected a checkpoint" in out
    assert "key '5.bias': an array of strings (dtype <U3)" in out and "nothing was changed" in out
    assert "param_groups[0]: invalid lr: '0.01' (must be a real number)" in out
    assert float(out.split("largest difference ")[1].split()[0]) < 1e-5
    assert float(out.split("onnxruntime against the model: ")[1].split()[0]) < 1e-5
    assert "['Conv', 'Reshape', 'Sub', 'Div', 'Reshape', 'Mul']" in out
    assert "ONNX export: Log1p (recorded in module '1' (Softplus)) has no export.\n" in out
