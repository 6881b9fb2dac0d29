"""MkDocs hook: the catalog of every public name on the API reference's index page.

Each page of `docs/api/` documents whole modules with `::: module` directives (mkdocstrings then
renders every public member under the anchor `#<module>.<name>`). This hook replaces the marker
`<!-- api-catalog -->` in `docs/api/index.md` with one table per page, in the order of
`docs/api/.nav.yml`: every module and every public name it defines, linked to its anchor, with
the first line of its docstring. The catalog is therefore never out of date; the test
`tests/site/test_api_reference.py` checks that every module of `nnfs` has a page.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

MARKER = "<!-- api-catalog -->"
API = Path(__file__).resolve().parent.parent / "docs" / "api"


def public_names(module_name: str) -> list[str]:
    """The public names a module defines itself (not those it imports), in source order."""
    module = importlib.import_module(module_name)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module_name
    ]


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return first.replace("|", "\\|")


def _pages() -> list[str]:
    nav = (API / ".nav.yml").read_text()
    return [p for p in re.findall(r"^\s*-\s*(\S+\.md)\s*$", nav, re.MULTILINE) if p != "index.md"]


def _title(text: str) -> str:
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    match = re.search(r"^# (.+)$", body, re.MULTILINE)
    return match.group(1).strip() if match else "API"


def documented_modules(page: str) -> list[str]:
    return re.findall(r"^::: (\S+)\s*$", (API / page).read_text(), re.MULTILINE)


def catalog() -> str:
    """The Markdown tables of every documented module and name."""
    parts = []
    for page in _pages():
        rows = ["| name | what it is |", "|---|---|"]
        for module_name in documented_modules(page):
            module = importlib.import_module(module_name)
            rows.append(f"| [`{module_name}`]({page}#{module_name}) | {_summary(module)} |")
            for name in public_names(module_name):
                anchor = f"{page}#{module_name}.{name}"
                rows.append(f"| [`{name}`]({anchor}) | {_summary(getattr(module, name))} |")
        parts.append(f"### [{_title((API / page).read_text())}]({page})\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - MkDocs API
    if MARKER in markdown:
        return markdown.replace(MARKER, catalog())
    return markdown
