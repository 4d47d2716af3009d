"""Optional tools and heavy extras (torch, safetensors, Graphviz's ``dot``, Chromium) for tests.

A test that needs one skips with the reason when it is missing — except under ``CI=true``, where the missing tool
fails the test: CI installs everything, so a skip there would hide a broken set-up. Call at module level to cover a
whole file, or inside a test.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str, how_to_install: str) -> NoReturn:
    """Skip (or, under CI=true, fail) because ``what`` is not available."""
    reason = f"{what} is not available (install: {how_to_install})"
    if in_ci():
        pytest.fail(f"CI=true, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str, how_to_install: str) -> ModuleType:
    """The imported module ``name``, or a skip/failure naming how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python package {name!r}", how_to_install)


def require_executable(name: str, how_to_install: str) -> str:
    """The path of the program ``name`` on PATH, or a skip/failure naming how to install it."""
    path = shutil.which(name)
    if path is None:
        missing(f"the program {name!r}", how_to_install)
    return path
