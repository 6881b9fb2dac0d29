"""The built book in headless Chromium: every page renders offline, math is typeset, images
load, the console is clean, search finds the right chapters, and a downloaded lab runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from sitepaths import lab_scripts, page_paths

pytestmark = pytest.mark.site

PAGES = page_paths()

# Waits for MathJax's first typeset (startup.promise) when the page loads MathJax, then for
# every image to be decoded. Returns what the checks below need, measured in the page.
INSPECT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.querySelectorAll("img")];
  for (const img of images) img.loading = "eager";
  await Promise.all(images.map((img) => img.decode().catch(() => null)));

  // Text a reader sees in the article, without code, rendered math, scripts or styles.
  const article = document.querySelector("article");
  const copy = article ? article.cloneNode(true) : document.createElement("div");
  copy.querySelectorAll("pre, code, mjx-container, script, style, .highlight, .clipboard-copy-txt")
      .forEach((el) => el.remove());
  return {
    mathjaxLoaded: !!(window.MathJax && MathJax.startup && MathJax.startup.document),
    arithmatex: document.querySelectorAll(".arithmatex").length,
    untypeset: [...document.querySelectorAll(".arithmatex")]
        .filter((el) => !el.querySelector("mjx-container"))
        .map((el) => el.textContent.slice(0, 80)),
    typeset: document.querySelectorAll("mjx-container").length,
    texErrors: [...document.querySelectorAll("mjx-merror")]
        .map((el) => el.getAttribute("data-mjx-error") || el.textContent),
    text: copy.textContent,
    brokenImages: images.filter((img) => !(img.complete && img.naturalWidth > 0))
        .map((img) => (img.getAttribute("src") || "").slice(0, 100)),
    images: images.length,
  };
}"""

# Math delimiters that MathJax would have replaced: \( \) \[ \] $$ $$, and $...$ spans.
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s][^$\n]*?\$")


def test_every_source_page_is_built(site_dir: Path) -> None:
    built = {
        str(p.parent.relative_to(site_dir)) + "/"
        for p in site_dir.rglob("index.html")
        if p.relative_to(site_dir).parts[0] not in ("assets", "mathjax", "search")
    }
    built = {"" if p == "./" else p for p in built}
    assert built == set(PAGES), (
        f"pages built but not expected: {sorted(built - set(PAGES))}; "
        f"expected but not built: {sorted(set(PAGES) - built)}"
    )


@pytest.mark.parametrize("script", lab_scripts(), ids=lambda p: p.parent.name)
def test_every_lab_page_shows_its_plots(site_dir: Path, script: Path) -> None:
    """A lab built with MPLBACKEND=Agg (or a stale cache) would have no image at all."""
    html = (site_dir / script.parent.name / "lab" / "index.html").read_text()
    plots = re.findall(r'<img[^>]*src="data:image/png;base64,', html)
    assert plots, f"{script.parent.name}: the lab page has no plot"


def test_no_built_page_links_to_a_markdown_source(site_dir: Path) -> None:
    """MkDocs rewrites `x.md` links on pages; a lab's cells need hooks/notebooks.py for it."""
    bad = {}
    for page in site_dir.rglob("index.html"):
        links = re.findall(r'href="(?![a-z]+:)([^"#]+\.md)(?:#[^"]*)?"', page.read_text())
        if links:
            bad[str(page.relative_to(site_dir))] = links[:3]
    assert not bad, f"links to .md files in the built site: {bad}"


def test_no_built_file_points_outside_the_site(site_dir: Path) -> None:
    """Static check for loaders that a browser visit may not trigger (a CDN import waiting for
    a diagram, a stylesheet behind a media query)."""
    remote = re.compile(
        r"<script[^>]+src=[\"']https?:|<link[^>]+rel=[\"'](?:stylesheet|preload|modulepreload)"
        r"[\"'][^>]+href=[\"']https?:|<link[^>]+href=[\"']https?:[^>]+rel=[\"']"
        r"(?:stylesheet|preload|modulepreload)|import\([\"']https?:|@import\s+url\([\"']?https?:"
    )
    offenders = []
    for path in site_dir.rglob("*"):
        if path.suffix in (".html", ".css") and "mathjax" not in path.parts:
            for match in remote.finditer(path.read_text(encoding="utf-8", errors="replace")):
                offenders.append(f"{path.relative_to(site_dir)}: {match.group(0)[:120]}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_renders_offline(visit, path: str) -> None:
    record = visit(path)
    seen = record.page.evaluate(INSPECT)
    problems = record.problems()
    if seen["arithmatex"]:
        if not seen["mathjaxLoaded"]:
            problems.append("the page has math but MathJax did not start")
        problems += [f"math left untypeset: {text!r}" for text in seen["untypeset"]]
    problems += [f"TeX error: {error}" for error in seen["texErrors"]]
    problems += [f"raw math delimiters in the text: {m!r}" for m in RAW_MATH.findall(seen["text"])]
    problems += [f"image did not load: {src}" for src in seen["brokenImages"]]
    assert not problems, f"/{path}:\n" + "\n".join(problems)


def test_math_is_typeset_on_markdown_lab_and_api_pages(visit) -> None:
    """The three kinds of page that carry math each end up with MathJax output."""
    for path in ["", lab_path(lab_with_math()), "api/losses/"]:
        record = visit(path)
        seen = record.page.evaluate(INSPECT)
        assert seen["typeset"] > 0, f"/{path}: no typeset math (mjx-container) on the page"


def lab_path(script: Path) -> str:
    return f"{script.parent.name}/lab/"


def lab_with_math() -> Path:
    """The first lab whose Markdown cells contain TeX."""
    for script in lab_scripts():
        cells = jupytext.read(script).cells
        if any(c.cell_type == "markdown" and "$" in c.source for c in cells):
            return script
    pytest.fail("no lab has math in its Markdown cells")


@pytest.mark.parametrize(
    "term, chapter",
    [("im2col", "07-"), ("Adam", "03-"), ("LSTM", "08-"), ("backpropagation", "04-")],
)
def test_search_finds_the_chapter_that_teaches_a_term(visit, term: str, chapter: str) -> None:
    page = visit("").page
    search = page.locator("input.md-search__input")
    search.click()
    search.fill(term)
    # One item per page found (its sections are nested inside it).
    results = page.locator(".md-search-result__list > .md-search-result__item > a:first-child")
    results.first.wait_for(timeout=15_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(min(results.count(), 3))]
    assert any(f"/{chapter}" in href for href in hrefs), (
        f"search for {term!r}: no page of chapter {chapter}* among the first results {hrefs}"
    )


def test_missing_page_shows_the_books_404(visit) -> None:
    record = visit("no-such-chapter/no-such-page/", expect_status=404)
    page = record.page
    assert page.locator("h1").first.inner_text() == "Page not found"
    # The 404 page is served at any depth: its stylesheet and links must still resolve.
    assert page.locator(".md-header").is_visible()
    page.locator("a", has_text="preface and the chapter map").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Neural Networks from Scratch")
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.parametrize("script", lab_scripts(), ids=lambda s: s.parent.name)
def test_lab_page_offers_its_notebook(visit, site_dir: Path, script: Path) -> None:
    record = visit(lab_path(script))
    page = record.page
    link = page.locator(".nnfs-lab-downloads a[href='lab.ipynb']")
    assert link.is_visible(), "no visible link to lab.ipynb on the lab page"
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{script.parent.name}-lab.ipynb"
    nb = nbformat.reads(Path(download.path()).read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    script_link = page.locator(".nnfs-lab-downloads a[href='lab.py']")
    with page.expect_download() as download_info:
        script_link.click()
    assert Path(download_info.value.path()).read_text(encoding="utf-8") == script.read_text(
        encoding="utf-8"
    )


# Every code cell of a lab page: how far its widest line reaches past the cell's visible width.
CODE_OVERFLOW = """() => [...document.querySelectorAll(".jp-InputArea-editor pre")].map((pre) => ({
  overflow: pre.scrollWidth - pre.clientWidth,
  line: [...pre.textContent.split("\\n")].reduce((a, b) => (b.length > a.length ? b : a), ""),
}))"""


@pytest.mark.parametrize("script", lab_scripts(), ids=lambda s: s.parent.name)
def test_lab_code_fits_its_cell(visit, script: Path) -> None:
    """A reader sees each line of a lab's code whole: no cell scrolls sideways."""
    page = visit(lab_path(script)).page
    cells = page.evaluate(CODE_OVERFLOW)
    assert cells, "no code cells found on the lab page"
    wide = [c["line"] for c in cells if c["overflow"] > 1]
    assert not wide, f"{len(wide)} code cells scroll sideways; widest lines: {wide[:3]}"


def test_downloaded_notebook_runs_outside_the_repository(site_dir: Path, tmp_path: Path) -> None:
    """The first chapter's lab, as a reader downloads it, executes in a fresh kernel started in
    an empty folder: it needs only the installed package, not the repository."""
    from nbclient import NotebookClient

    script = lab_scripts()[0]
    nb = nbformat.read(site_dir / script.parent.name / "lab" / "lab.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, json.dumps(errors, indent=1)[:2000]


def test_screenshots_of_home_and_a_lab(visit, artifacts: Path) -> None:
    """Saved for a person to look at (CI uploads tests/site/artifacts/)."""
    home = visit("").page
    home.evaluate(INSPECT)
    home.screenshot(path=artifacts / "home.png", full_page=True)
    labs = lab_scripts()
    # The convolution chapter's lab has the richest plots; any lab will do if it is missing.
    lab = next((s for s in labs if s.parent.name.startswith("07-")), labs[0])
    page = visit(lab_path(lab)).page
    page.evaluate(INSPECT)
    page.screenshot(path=artifacts / "lab.png")
    plot = page.locator(".jp-RenderedImage img").first
    if plot.count():
        plot.scroll_into_view_if_needed()
        plot.screenshot(path=artifacts / "lab-first-plot.png")
    assert (artifacts / "home.png").stat().st_size > 10_000
    assert (artifacts / "lab.png").stat().st_size > 10_000
