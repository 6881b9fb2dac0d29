"""The API reference covers every public name of `nnfs`.

A module is documented by a `::: module` directive on one page of docs/api/ (mkdocstrings then
renders all its public members, with the anchor `#<module>.<name>`), and each of its public
names is listed, linked to that anchor, in the catalog of docs/api/index.md. `mkdocs build
--strict` checks that the anchors exist; this test checks that nothing public is left out.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from sitepaths import DOCS

import nnfs

API = DOCS / "api"


def public_modules() -> dict[str, list[str]]:
    """Every module of nnfs that defines public names, with those names (in source order)."""
    found = {}
    for info in pkgutil.walk_packages(nnfs.__path__, "nnfs."):
        module = importlib.import_module(info.name)
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == info.name
        ]
        if names:
            found[info.name] = names
    return found


def documented_modules() -> dict[str, str]:
    """module -> the API page (file name) whose ::: directive documents it."""
    pages = {}
    for page in sorted(API.glob("*.md")):
        for module in re.findall(r"^::: (\S+)\s*$", page.read_text(), re.MULTILINE):
            pages[module] = page.name
    return pages


MODULES = public_modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_has_an_api_page(module: str) -> None:
    assert module in documented_modules(), (
        f"{module} is not documented: add `::: {module}` to the page of docs/api/ for the "
        "chapter that teaches it, and its names to the catalog in docs/api/index.md"
    )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_public_name_is_in_the_catalog(module: str) -> None:
    page = documented_modules().get(module)
    if page is None:
        pytest.skip(f"{module} has no API page (reported by test_module_has_an_api_page)")
    catalog = (API / "index.md").read_text()
    missing = [n for n in MODULES[module] if f"]({page}#{module}.{n})" not in catalog]
    assert not missing, (
        f"docs/api/index.md does not list {missing}; add rows like "
        f"| [`{missing[0]}`]({page}#{module}.{missing[0]}) | <first docstring line> |"
    )


def test_every_documented_module_exists() -> None:
    unknown = set(documented_modules()) - set(MODULES)
    assert not unknown, f"API pages document modules without public names: {sorted(unknown)}"
