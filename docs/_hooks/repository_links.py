"""MkDocs hook: links from a page to repository files outside docs/ (``../tinygrad_edu/ops.py``) stay checked.

On GitHub such a link opens the file; the site has no copy of it, so the hook turns it into the link's text (or a
link into ``repo_url`` when one is configured) and fails the build when the file does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Rewrite (or reject) every link of ``page`` that points outside the docs folder."""
    docs_dir = Path(config["docs_dir"]).resolve()
    repository = docs_dir.parent
    page_dir = Path(page.file.abs_src_path).parent
    repo_url = (config.get("repo_url") or "").rstrip("/")

    def rewrite(match: re.Match) -> str:
        text, target = match["text"], match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return match[0]  # a URL or an anchor on the same page
        path = (page_dir / target.split("#")[0]).resolve()
        if path.is_relative_to(docs_dir):
            return match[0]  # a page or picture of the site: MkDocs itself checks it
        if not path.is_relative_to(repository) or not path.exists():
            raise PluginError(f"{page.file.src_uri}: the link [{text}]({target}) points to a missing file")
        if repo_url:
            return f"[{text}]({repo_url}/blob/main/{path.relative_to(repository).as_posix()})"
        return text

    return MARKDOWN_LINK.sub(rewrite, markdown)
