"""Optional tools for tests: skip with the reason when one is missing, except in CI (``CI=true``), where it fails."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def in_ci() -> bool:
    """True when the environment says this is CI, where every optional tool must be installed."""
    return os.environ.get("CI", "").lower() == "true"


def require(tool: str, reason: str) -> None:
    """Skip the calling test unless ``tool`` (a program on PATH or an importable Python module) is present.

    ``reason`` says what the test needs it for; under ``CI=true`` a missing tool fails the test instead.
    """
    if shutil.which(tool) is not None or importlib.util.find_spec(tool) is not None:
        return
    message = f"{tool} is not installed: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: .ci/run must install it)")
    pytest.skip(message)
