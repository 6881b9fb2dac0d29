"""The API reference covers every public name of `nnfs`.

A module is documented by a `::: module` directive on one page of docs/api/ (mkdocstrings then
renders all its public members, with the anchor `#<module>.<name>`). The catalog of every name
on docs/api/index.md is generated at build time by `hooks/api_catalog.py`; `mkdocs build
--strict` checks that its anchors exist, and this test checks that nothing public is left out.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import pytest
from sitepaths import DOCS, ROOT

import nnfs

sys.path.insert(0, str(ROOT / "hooks"))
import api_catalog  # noqa: E402

API = DOCS / "api"


def public_modules() -> dict[str, list[str]]:
    """Every module of nnfs that defines public names, with those names (in source order)."""
    found = {}
    for info in pkgutil.walk_packages(nnfs.__path__, "nnfs."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue  # a private module (nnfs.datasets._files) is not part of the API
        names = api_catalog.public_names(info.name)
        if names:
            found[info.name] = names
    return found


def documented_modules() -> dict[str, str]:
    """module -> the API page (file name) whose ::: directive documents it."""
    pages = {}
    for page in sorted(p.name for p in API.glob("*.md")):
        for module in api_catalog.documented_modules(page):
            pages[module] = page
    return pages


MODULES = public_modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_has_an_api_page(module: str) -> None:
    assert module in documented_modules(), (
        f"{module} is not documented: add `::: {module}` to the page of docs/api/ for the "
        "chapter that teaches it"
    )


def test_every_api_page_is_in_the_nav() -> None:
    pages = {p.name for p in API.glob("*.md")} - {"index.md"}
    missing = pages - set(api_catalog._pages())
    assert not missing, f"docs/api/.nav.yml does not list {sorted(missing)}"


def test_the_generated_catalog_lists_every_public_name() -> None:
    catalog = api_catalog.catalog()
    pages = documented_modules()
    missing = [
        f"{module}.{name}"
        for module, names in MODULES.items()
        if module in pages
        for name in names
        if f"]({pages[module]}#{module}.{name})" not in catalog
    ]
    assert not missing, f"the catalog misses {missing}"


def test_every_documented_module_exists() -> None:
    unknown = set(documented_modules()) - set(MODULES)
    assert not unknown, f"API pages document modules without public names: {sorted(unknown)}"


def test_every_module_imports() -> None:
    for module in MODULES:
        importlib.import_module(module)
