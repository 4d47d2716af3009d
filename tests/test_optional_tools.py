"""The shared rule for optional tools: skip with the reason, except under CI=true, where a missing tool fails."""

import pytest
from optional_tools import require_executable, require_module


@pytest.mark.parametrize("require", [lambda: require_module("no_such_module_here", "pip install it"),
                                     lambda: require_executable("no-such-program-here", "apt-get install it")])
def test_a_missing_tool_skips_with_the_reason_and_fails_under_ci(monkeypatch, require):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"not available \(install: (pip|apt-get) install it\)"):
        require()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI=true, but the (Python package|program)"):
        require()


def test_a_present_tool_is_returned():
    assert require_module("json", "-").dumps([1]) == "[1]"
    assert require_executable("python3", "-").endswith("python3")
