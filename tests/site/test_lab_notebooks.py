"""Each lab converts into the Jupyter notebook that its page offers for download.

The conversion is the one the site build runs (hooks/notebooks.py); the build itself executes
the same cells, so a lab that converts here and builds there runs as downloaded.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jupytext
import nbformat
import pytest
from sitepaths import ROOT, lab_scripts


def _load_hook():
    spec = importlib.util.spec_from_file_location("notebooks_hook", ROOT / "hooks" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()


def test_every_chapter_lab_is_found() -> None:
    assert lab_scripts(), "no docs/<chapter>/lab.py found"


@pytest.mark.parametrize("script", lab_scripts(), ids=lambda s: s.parent.name)
def test_lab_converts_to_a_valid_notebook_with_the_same_cells(script: Path) -> None:
    nb = hook.lab_notebook(script, "https://example.org/lab/")
    # Written and read back as a file, as a reader's Jupyter would.
    again = nbformat.reads(nbformat.writes(nb), as_version=4)
    nbformat.validate(again)
    assert again.nbformat == 4
    assert again.metadata.kernelspec == {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    title, note, *rest = again.cells
    assert title.cell_type == "markdown" and title.source.startswith("# Lab:"), title.source[:80]
    assert note.cell_type == "markdown" and "pip install" in note.source
    assert "https://example.org/lab/" in note.source
    original = jupytext.read(script).cells[1:]
    assert [(c.cell_type, c.source) for c in rest] == [(c.cell_type, c.source) for c in original]
    assert any(c.cell_type == "code" for c in rest), "a lab without code cells"


def test_page_cleanup_removes_the_cdn_loader_only_without_diagrams() -> None:
    loader = '<script type="module">\nimport("https://cdn.example/mermaid.esm.min.mjs")</script>'
    head = '<!-- Load mathjax -->\n<script src=""> </script>\n'
    config = "<!-- MathJax configuration --><script>x</script><!-- End of mathjax configuration -->"

    cleaned = hook.clean_lab_html(head + config + loader + "<p>text</p>")
    assert cleaned == "<!-- Load mathjax -->\n<p>text</p>"
    with_diagram = loader + '<div class="jp-Mermaid"><pre class="mermaid">graph</pre></div>'
    assert hook.clean_lab_html(with_diagram) == with_diagram


def test_the_build_keeps_mplbackend_away_from_the_lab_kernels(monkeypatch) -> None:
    import os

    monkeypatch.setenv("MPLBACKEND", "Agg")
    _load_hook()  # what mkdocs does when it reads mkdocs.yml, before any lab runs
    assert "MPLBACKEND" not in os.environ


def test_links_in_lab_cells_point_at_the_built_pages() -> None:
    html = (
        '<a href="lenet5.md">a</a> <a href="gpt.md#training">b</a> '
        '<a href="../06-improving-training/index.md">c</a> <a href="https://x.org/a.md">d</a>'
    )
    out = hook.rewrite_md_links(
        html, "07-convolutional-networks/lab.py", "07-convolutional-networks/lab/"
    )
    assert '<a href="../lenet5/">a</a>' in out
    assert '<a href="../gpt/#training">b</a>' in out
    assert '<a href="../../06-improving-training/">c</a>' in out
    assert 'href="https://x.org/a.md"' in out
