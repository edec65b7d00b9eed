"""Fixtures for the tests that build a book and browse it over real HTTP."""

from __future__ import annotations

import shutil
import threading
import time
import typing as t
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from jigger_sphinx.serve import DocsServer

from .._http import Reply, send

HERE = Path(__file__).parent
#: The tiny book: conf/conf.py, docs/ (reST and MyST pages), code/ (watched).
SITE = HERE / "site"
REPO = HERE.parents[1]


def fetch(
    base_url: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Reply:
    """Send one request with ``path`` exactly as given (no normalising)."""
    url = urllib.parse.urlsplit(base_url)
    assert url.hostname is not None
    assert url.port is not None
    return send(
        url.hostname, url.port, path, method=method, headers=headers, timeout=timeout
    )


def wait_for(
    predicate: Callable[[], t.Any], timeout: float, what: str, interval: float = 0.2
) -> t.Any:
    """Poll ``predicate`` until it returns something true, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Book:
    """A copy of the tiny book and its folders."""

    root: Path
    source: Path
    conf: Path
    code: Path
    out: Path

    def edit(self, name: str, old: str, new: str) -> None:
        """Replace ``old`` by ``new`` in a file of the copy (must be there)."""
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {path}"
        path.write_text(text.replace(old, new), encoding="utf-8")


def copy_book(dest: Path) -> Book:
    """Copy the tiny book to ``dest`` (tests edit the copy, never the repo)."""
    shutil.copytree(SITE, dest / "site", ignore=shutil.ignore_patterns("__pycache__"))
    root = dest / "site"
    return Book(root, root / "docs", root / "conf", root / "code", dest / "out")


@pytest.fixture
def book(tmp_path: Path) -> Book:
    """A fresh copy of the tiny book, for a test that edits it."""
    return copy_book(tmp_path)


@pytest.fixture
def live_server(book: Book) -> Iterator[DocsServer]:
    """The tiny book, built, served and watched; stopped after the test."""
    yield from _built_and_served(DocsServer(book.source, book.conf, book.out))


@pytest.fixture(scope="module")
def built_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocsServer]:
    """The tiny book, built once and served without watching, for tests that
    only read it (shared by the tests of one module)."""
    copy = copy_book(tmp_path_factory.mktemp("built"))
    yield from _built_and_served(
        DocsServer(copy.source, copy.conf, copy.out, watch=False)
    )


def _built_and_served(server: DocsServer) -> Iterator[DocsServer]:
    """Build the book (it must build cleanly), serve it, stop it afterwards."""
    result = server.build()
    assert result.ok, "\n".join(result.errors)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[[t.Any], str]]:
    """Serve any WSGI app on a free 127.0.0.1 port; returns its base URL."""
    servers: list[t.Any] = []
    threads: list[threading.Thread] = []

    def start(app: t.Any) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        threads.append(thread)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=10)
