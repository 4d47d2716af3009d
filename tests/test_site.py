"""The documentation site builds with ``mkdocs build --strict``: a broken link, a page missing from the nav or an
API reference to a missing object fails the build. Skipped (with the reason) without the ``docs`` extra, except
under CI=true."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDED = {"mkdocs": "mkdocs", "material": "mkdocs-material", "mkdocstrings_handlers.python": "mkdocstrings[python]"}


def require_mkdocs() -> None:
    missing = [package for module, package in NEEDED.items() if importlib.util.find_spec(module.split(".")[0]) is None
               or importlib.util.find_spec(module) is None]
    if missing:
        message = f"{', '.join(missing)} not installed: pip install -e '.[docs]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def load_hook():
    spec = importlib.util.spec_from_file_location("repository_links", ROOT / "docs" / "_hooks" / "repository_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_site_builds_strict(tmp_path: Path) -> None:
    require_mkdocs()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                             str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "backprop" / "index.html").exists()
    api = (tmp_path / "site" / "api" / "ops" / "index.html").read_text(encoding="utf-8")
    assert "Tanh" in api and "MatMul" in api  # the op reference is generated from ops.py's docstrings


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")]
    assert [page for page in pages if f": {page}" not in nav] == []
    assert re.search(r"^strict: true$", nav, flags=re.M)


def test_getting_started_shows_the_readme_set_up() -> None:
    def bash_blocks(path: Path) -> list[str]:
        return re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)

    assert bash_blocks(ROOT / "docs" / "getting-started.md")[0] in bash_blocks(ROOT / "README.md")


def fake_page(tmp_path: Path) -> SimpleNamespace:
    (tmp_path / "docs").mkdir()
    (tmp_path / "code.py").write_text("")
    source = tmp_path / "docs" / "page.md"
    return SimpleNamespace(file=SimpleNamespace(abs_src_path=str(source), src_uri="page.md"))


def test_links_to_repository_files_become_text_or_repository_links(tmp_path: Path) -> None:
    require_mkdocs()
    hook, page = load_hook(), fake_page(tmp_path)
    markdown = "See [`code.py`](../code.py), [the API](api/index.md) and [a site](https://example.org)."
    config = {"docs_dir": str(tmp_path / "docs"), "repo_url": None}
    assert hook.on_page_markdown(markdown, page, config, None) == (
        "See `code.py`, [the API](api/index.md) and [a site](https://example.org).")
    config["repo_url"] = "https://git.example/project/"
    assert "[`code.py`](https://git.example/project/blob/main/code.py)" in hook.on_page_markdown(
        markdown, page, config, None)


def test_a_link_to_a_missing_repository_file_fails_the_build(tmp_path: Path) -> None:
    require_mkdocs()
    hook, page = load_hook(), fake_page(tmp_path)
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"\[gone\]\(\.\./gone\.py\) points to a missing file"):
        hook.on_page_markdown("[gone](../gone.py)", page, {"docs_dir": str(tmp_path / "docs")}, None)
