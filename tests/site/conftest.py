"""Fixtures for the tests of the built book: the site, a local server, and headless Chromium.

The browser tests (marked `site`) run only with `--run-site`:

    pytest tests/site --run-site                  # builds the site into a temporary folder
    pytest tests/site --run-site --site-dir site  # tests a site already built there

Without the option, or without Chromium (Debian's `/usr/bin/chromium`, driven by the
`playwright` package, never a browser that playwright downloads), they are skipped with the
reason. The tests of this folder that need no browser (notebook conversion, API coverage) always
run.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sitepaths import ARTIFACTS, ROOT, site_prefix

CHROMIUM = os.environ.get("NNFS_CHROMIUM", "/usr/bin/chromium")
# Quiet and offline: no first-run pages, no component updates, no background requests.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("site", "browser tests of the built book")
    group.addoption(
        "--run-site",
        action="store_true",
        default=False,
        help="run the browser tests of the built site (needs chromium and playwright)",
    )
    group.addoption(
        "--site-dir",
        default=os.environ.get("NNFS_SITE_DIR"),
        help="test this already built site instead of building one (env: NNFS_SITE_DIR)",
    )


def _skip_reason(config: pytest.Config) -> str | None:
    # getoption with a default: when plain `pytest` collects this folder, this conftest is not
    # an initial one and its options are not registered.
    if not config.getoption("--run-site", default=False):
        return "browser tests of the built site: run `pytest tests/site --run-site`"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: `apt-get install chromium` (Debian) first"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]'"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason(config)
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("site"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def site_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: the one given with --site-dir, or a fresh strict build."""
    given = request.config.getoption("--site-dir", default=None)
    if given:
        path = Path(given).resolve()
        assert (path / "index.html").is_file(), f"--site-dir {path} holds no built site"
        return path
    path = tmp_path_factory.mktemp("built") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-5000:]}"
    return path


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under its prefix, and 404.html for a missing page (as GitHub Pages)."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "does-not-exist")
        return super().translate_path("/" + path[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def list_directory(self, path):
        # A folder without index.html is a missing page on GitHub Pages, not a file listing.
        self.send_error(404)
        return None

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    """http://127.0.0.1:<free port>/nnfs/ serving the built site from a thread."""
    prefix = site_prefix()
    handler = type("Handler", (_SiteHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site_dir))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page opened in the browser, and everything that went wrong while it loaded."""

    page: object
    outside: list[str] = field(default_factory=list)  # requests that left 127.0.0.1
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # failed requests and HTTP errors

    def problems(self) -> list[str]:
        return (
            [f"request left the site: {url}" for url in self.outside]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"failed request: {text}" for text in self.failed]
        )


@pytest.fixture
def visit(browser, base_url: str) -> Iterator[Callable[..., Visit]]:
    """visit(path) opens base_url + path in a fresh page and records its problems."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def open_page(path: str, expect_status: int = 200) -> Visit:
        page = context.new_page()
        record = Visit(page)

        def on_request(request) -> None:
            url = request.url
            if not (url.startswith(("data:", "blob:", "about:")) or _is_local(url)):
                record.outside.append(url)

        def on_response(response) -> None:
            if response.status >= 400:
                record.failed.append(f"{response.status} {response.url}")

        page.on("request", on_request)
        page.on("response", on_response)
        page.on("requestfailed", lambda r: record.failed.append(f"{r.failure} {r.url}"))
        page.on("pageerror", lambda e: record.console_errors.append(f"uncaught {e}"))
        page.on(
            "console",
            lambda m: record.console_errors.append(m.text) if m.type == "error" else None,
        )
        response = page.goto(base_url + path, wait_until="load")
        assert response is not None and response.status == expect_status, (
            f"{path}: HTTP {response.status if response else None}, expected {expect_status}"
        )
        if expect_status != 200:
            # The document's own error status, expected here, is also logged to the console.
            record.failed.remove(f"{expect_status} {response.url}")
            record.console_errors = [
                t for t in record.console_errors if str(expect_status) not in t
            ]
        return record

    yield open_page
    context.close()


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname == "127.0.0.1"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
