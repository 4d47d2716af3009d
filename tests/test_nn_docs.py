"""The python snippets of docs/nn.md run, in order, as one script."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "nn.md"


def test_nn_doc_snippets_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "shape (3, 3) in the state dict, (1, 2) in the model" in out
    assert float(out.split("XOR loss ")[1].split()[0]) < 0.01
