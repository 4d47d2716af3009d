"""The python snippets of docs/custom-ops.md run, in order, as one script, and print what the page says."""

import re
import warnings
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "custom-ops.md"


def test_custom_ops_doc_snippets_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 6
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "grad_fn=<SoftplusBackward>" in out and "tensor([0.235], dtype=float64)" in out
    assert "True\nTrue\nTrue\nFalse\n" in out
    assert "worst element: input 0 index (1, 1), output 0 index (1, 1)" in out and "analytic 4.0 vs numeric 8.0" in out
    assert "tensor([ 0., -4.], dtype=float64)" in out  # (A + Aᵀ)x
    assert "tensor(12.)" in out and "∂C/∂a¹ =" in out
    assert "SqrtBackward produced a non-finite value while computing its backward" in out
