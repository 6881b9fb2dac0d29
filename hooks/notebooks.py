"""MkDocs hook: each lab page offers its notebook as a download, and loads nothing remote.

mkdocs-jupyter renders every `docs/<chapter>/lab.py` (a jupytext percent script) as a page and,
with `include_source`, copies the script next to it. This hook adds, next to the same page:

- `lab.ipynb`: the script converted by jupytext into a Jupyter notebook (nbformat 4, Python 3
  kernel), with one Markdown cell after the title saying how to install what it imports. It is
  the notebook the build executes, so it runs as downloaded once `nnfs` is installed.

It also keeps the environment of the kernels that execute the labs fit for them (one BLAS
thread, no MPLBACKEND), and it removes from the page the leftovers of nbconvert's stand-alone
HTML template that the book does not use: an empty `<script src="">` (MathJax is configured
site-wide), MathJax 2 configuration, and the Mermaid loader that imports from a CDN when a page
has a diagram.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import time
from pathlib import Path

import jupytext
import nbformat

# The kernels that execute the labs inherit this process's environment. The labs' arrays are
# small, where one BLAS thread is fastest, and on a busy machine idle OpenBLAS threads spin and
# can make a 10-second lab take minutes. A reader's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# MPLBACKEND=Agg (common on servers) would override the kernel's inline backend: every
# `plt.show()` would then draw nothing, and the lab pages would be built without a single plot.
# The labs draw for the page, so the kernels must not inherit it.
os.environ.pop("MPLBACKEND", None)

REPO = "https://github.com/nnfs-book/nnfs"

INSTALL_NOTE = (
    "*This notebook is a lab of the book [Neural Networks from Scratch]({url}). It needs the "
    "book's package `nnfs` and matplotlib:*\n"
    "\n"
    "```console\n"
    'pip install "nnfs[pretrained] @ git+{repo}" matplotlib\n'
    "```\n"
    "\n"
    '*or, in a clone of the repository, `pip install -e ".[docs]"`.*'
)

_EMPTY_SCRIPT = re.compile(r'<script src="">\s*</script>\n?')
_MATHJAX2_CONFIG = re.compile(
    r"<!-- MathJax configuration -->.*?<!-- End of mathjax configuration -->", re.DOTALL
)
_MERMAID_LOADER = re.compile(
    r'<script type="module">(?:(?!</script>).)*?mermaid.*?</script>', re.DOTALL
)


def lab_notebook(script: Path, page_url: str = "") -> nbformat.NotebookNode:
    """Convert a lab script (jupytext percent format) into the notebook readers download.

    Args:
        script: path of `docs/<chapter>/lab.py`.
        page_url: absolute URL of the lab's page in the book, linked from the install note.

    Returns:
        A validated nbformat-4 notebook with a Python 3 kernelspec.
    """
    nb = jupytext.read(script, fmt="py:percent")
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    note = nbformat.v4.new_markdown_cell(INSTALL_NOTE.format(url=page_url or REPO, repo=REPO))
    # After the title cell, so that the notebook still opens on "# Lab: ...".
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, note)
    nbformat.validate(nb)
    return nb


def clean_lab_html(html: str) -> str:
    """Remove nbconvert's empty MathJax script and MathJax 2 configuration, and its Mermaid
    loader (a CDN import) unless the page has a diagram for it to draw."""
    html = _EMPTY_SCRIPT.sub("", html)
    html = _MATHJAX2_CONFIG.sub("", html)
    if '<div class="jp-Mermaid' not in html:
        html = _MERMAID_LOADER.sub("", html)
    return html


_MD_LINK = re.compile(r'href="(?![a-z]+:|/|#)([^"#]+\.md)(#[^"]*)?"')


def rewrite_md_links(html: str, source: str, page_dir: str) -> str:
    """Point links to other pages (`x.md`, `../ch/y.md#a`) at their built URLs.

    MkDocs rewrites such links on Markdown pages; a lab's Markdown cells are rendered by
    mkdocs-jupyter, which leaves them as written. `source` is the lab's path relative to docs/
    ("07-convolutional-networks/lab.py"), `page_dir` the page's URL directory ("07-.../lab/").
    """

    def built(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), match.group(1)))
        folder = target[: -len("index.md")] if target.endswith("index.md") else target[:-3] + "/"
        relative = posixpath.relpath(folder or ".", page_dir.rstrip("/") or ".")
        return f'href="{relative.rstrip("/")}/{match.group(2) or ""}"'

    return _MD_LINK.sub(built, html)


log = logging.getLogger("mkdocs.hooks.notebooks")
_started: dict[str, float] = {}


def on_pre_page(page, config, files):  # noqa: ANN001, ANN201 - MkDocs API
    _started[page.file.src_uri] = time.perf_counter()
    return page


def on_page_content(html: str, page, config, files) -> str:  # noqa: ANN001 - MkDocs API
    # MkDocs reads and renders every page (on_pre_page ... on_page_content) before it writes
    # any (on_post_page), and mkdocs-jupyter executes a notebook when its page is read: the
    # time between these two events is the lab's own.
    started = _started.pop(page.file.src_uri, None)
    if getattr(page, "nb_url", None) is not None and started is not None:
        elapsed = time.perf_counter() - started
        log.info(
            f"lab {page.file.src_uri}: executed (or read from the cache) and rendered "
            f"in {elapsed:.1f} s"
        )
    return html


def on_post_page(output: str, page, config) -> str:
    # mkdocs-jupyter sets `nb_url` on the pages it renders from notebooks.
    if getattr(page, "nb_url", None) is None:
        return output
    target = Path(page.file.abs_dest_path).parent / "lab.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(lab_notebook(Path(page.file.abs_src_path), page.canonical_url or ""), target)
    return rewrite_md_links(clean_lab_html(output), page.file.src_uri, page.url)
