"""Where things are: the repository, its docs, the pages the site must have, the labs."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def site_prefix() -> str:
    """The path the book is served under, from `site_url` in mkdocs.yml ("/nnfs/")."""
    match = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    path = urlsplit(match.group(1)).path if match else "/"
    return path if path.endswith("/") else path + "/"


def page_paths() -> list[str]:
    """The URL path (relative to the site root) of every page, derived from docs/.

    Every Markdown file is a page, and so is each chapter's `lab.py` (mkdocs-jupyter);
    with MkDocs' directory URLs, `a/b.md` is served at `a/b/` and `a/index.md` at `a/`.
    """
    paths = []
    for source in sorted(DOCS.rglob("*")):
        rel = source.relative_to(DOCS)
        if source.suffix == ".md" or (source.name == "lab.py" and len(rel.parts) == 2):
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "index":
                parts.pop()
            paths.append("".join(part + "/" for part in parts))
    return paths


def lab_scripts() -> list[Path]:
    """Each chapter's lab (docs/<chapter>/lab.py), in book order."""
    return sorted(DOCS.glob("*/lab.py"))
