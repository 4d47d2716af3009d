"""docs/pytorch.md's tables are tests: each row of "PyTorch → tinygrad_edu" gives what PyTorch gives, and each
deliberate difference behaves as the page says (and PyTorch, there, differently).

The tensors come from the page's own set-up block, run twice: as written, and with ``tinygrad_edu`` replaced by
``torch``. A cell may hold statements before its expression (``a; b; value``)."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optional_tools import require_module

import tinygrad_edu as tg

PAGE = Path(__file__).resolve().parent.parent / "docs" / "pytorch.md"
CODE = re.compile(r"^`(?P<code>[^`]+)`$")
OUTCOME = re.compile(r"^`(?P<code>[^`]+)` → `(?P<outcome>[^`]+)`$")
ERROR = re.compile(r"^(?P<type>[A-Z]\w*Error): (?P<message>.*)$")


def cells(row: str) -> list[str]:
    """A markdown table row's cells; a | inside backticks (or escaped) belongs to its cell."""
    found, current, in_code, previous = [], "", False, ""
    for char in row.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code and previous != "\\":
            found.append(current.strip())
            current = ""
        else:
            current += char
        previous = char
    return [cell.replace("\\|", "|") for cell in [*found, current.strip()]]


def tables(header: list[str]) -> list[list[str]]:
    """The rows of every table on the page whose header is ``header``."""
    rows, inside = [], False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            inside = False
        elif cells(line) == header:
            inside = True
        elif inside and not set(line) <= set("|-: "):
            rows.append(cells(line))
    return rows


SAME = tables(["PyTorch", "tinygrad_edu", "notes"])
DIFFERENT = tables(["PyTorch", "tinygrad_edu", "why"])


def setup_block() -> str:
    """The page's block that makes x, y, m, i, v, w and loss."""
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    (block,) = [b for b in blocks if "\nx = tg.tensor(" in b]
    return block


def namespace(library: str) -> dict:
    """The set-up block run with ``library`` (``tinygrad_edu`` or ``torch``) in place of tinygrad_edu."""
    scope: dict = {}
    exec(setup_block().replace("tinygrad_edu", library), scope)
    if library == "torch":
        scope["torch"] = scope["tg"]
        import torch.utils.data  # noqa: F401 - the data rows use torch.utils.data
    return scope


def run(code: str, scope: dict) -> Any:
    """Run a cell: its statements, then the value of its last expression."""
    tree = ast.parse(code)
    *statements, last = tree.body
    exec(compile(ast.Module(statements, []), "<cell>", "exec"), scope)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), scope)


def outcome(code: str, scope: dict) -> str:
    """What a line gives, as the differences table shows it: the repr of its value, or ``Type: message``."""
    try:
        return repr(run(code, scope))
    except Exception as error:  # any failure is an outcome to compare
        return f"{type(error).__name__}: {error}"


def assert_same(ours: Any, theirs: Any, torch: Any) -> None:
    """Our value is PyTorch's: tensors by values, dtype, shape and requires_grad; containers item by item."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), f"expected a tensor, got {type(ours).__name__}"
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
        assert ours.shape == tuple(theirs.shape) and ours.requires_grad == theirs.requires_grad
        reference = theirs.detach().numpy()
        if reference.dtype.kind == "f":
            np.testing.assert_allclose(ours.data, reference, rtol=1e-6, atol=1e-7)
        else:
            np.testing.assert_array_equal(ours.data, reference)
    elif isinstance(theirs, torch.dtype):
        assert str(ours) == str(theirs).removeprefix("torch.")
    elif hasattr(type(theirs), "__match_args__") and isinstance(theirs, tuple):  # torch.return_types
        assert ours._fields == type(theirs).__match_args__
        for mine, reference in zip(ours, theirs, strict=True):
            assert_same(mine, reference, torch)
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            assert_same(ours[key], theirs[key], torch)
    elif isinstance(theirs, (tuple, list)):  # torch.Size is a tuple
        assert isinstance(ours, list) == isinstance(theirs, list) and len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            assert_same(mine, reference, torch)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    elif isinstance(theirs, float):
        assert type(ours) is float and math.isclose(ours, theirs, rel_tol=1e-6), (ours, theirs)
    else:
        assert type(ours) is type(theirs) and ours == theirs, (ours, theirs)


def test_the_page_has_its_tables():
    """The parser finds every row (a parser that finds nothing would test nothing)."""
    assert len(SAME) >= 150 and len(DIFFERENT) >= 10
    assert all(len(row) == 3 and CODE.match(row[0]) and CODE.match(row[1]) for row in SAME), "a malformed row"
    assert all(len(row) == 3 and CODE.match(row[0]) and OUTCOME.match(row[1]) for row in DIFFERENT)
    assert ["`m | (y > 0)`", "`m | (y > 0)`", ""] in SAME


@pytest.mark.parametrize("row", SAME, ids=[row[0].strip("`") for row in SAME])
def test_each_pytorch_line_gives_what_pytorch_gives(row):
    torch = require_module("torch", "pip install torch==2.13.0")
    theirs_code, ours_code = CODE.match(row[0])["code"], CODE.match(row[1])["code"]
    assert_same(run(ours_code, namespace("tinygrad_edu")), run(theirs_code, namespace("torch")), torch)


@pytest.mark.parametrize("row", DIFFERENT, ids=[row[0].strip("`") for row in DIFFERENT])
def test_each_difference_is_what_the_page_says(row):
    shown = OUTCOME.match(row[1])
    ours = outcome(shown["code"], namespace("tinygrad_edu"))
    error = ERROR.match(shown["outcome"])
    if error:
        assert ours.startswith(f"{error['type']}: {error['message']}"), ours
    else:
        assert ours == shown["outcome"]
    require_module("torch", "pip install torch==2.13.0")
    assert outcome(CODE.match(row[0])["code"], namespace("torch")) != ours, "PyTorch gives the same: no difference"
