"""``jigger-docs`` over real HTTP: the tiny book in tests/docs/site/ is
built with every check, served on 127.0.0.1, edited and rebuilt; the same
build is served by gunicorn through the WSGI factory."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from jigger_sphinx.serve import (
    BuildResult,
    BuildStatus,
    DocsServer,
    SourceWatcher,
    create_app,
    sync_tree,
)
from jigger_sphinx.serve.cli import main as docs_main

from .._http import gunicorn_no_control_socket
from .conftest import Book, fetch, wait_for

pytestmark = pytest.mark.slow

SCRIPT = "/_jigger/live.js"


# -- pages, headers, 404, no listing ---------------------------------------


def test_foreword_is_served_with_validators_and_no_cache(
    built_server: DocsServer,
) -> None:
    assert built_server.start_url == built_server.url + "foreword.html"
    reply = fetch(built_server.url, "/foreword.html")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Foreword" in reply.text
    assert "no-cache" in reply.headers["Cache-Control"]
    etag = reply.headers["ETag"]
    assert etag
    assert reply.headers["Last-Modified"]

    again = fetch(built_server.url, "/foreword.html", headers={"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    since = {"If-Modified-Since": reply.headers["Last-Modified"]}
    assert fetch(built_server.url, "/foreword.html", headers=since).status == 304


def test_static_files_may_be_kept_a_while_and_revalidate(
    built_server: DocsServer,
) -> None:
    reply = fetch(built_server.url, "/_static/alabaster.css")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/css")
    assert "max-age=600" in reply.headers["Cache-Control"]
    assert SCRIPT.encode() not in reply.body
    etag = reply.headers["ETag"]
    again = fetch(
        built_server.url, "/_static/alabaster.css", headers={"If-None-Match": etag}
    )
    assert again.status == 304
    # The search index changes with every build: revalidated each time.
    index = fetch(built_server.url, "/searchindex.js")
    assert index.status == 200
    assert "max-age" not in index.headers.get("Cache-Control", "")
    assert b"zebrafish" in index.body
    assert SCRIPT.encode() not in index.body


def test_root_serves_the_index_and_folders_are_never_listed(
    built_server: DocsServer,
) -> None:
    root = fetch(built_server.url, "/")
    assert root.status == 200
    assert "Tiny book" in root.text
    # A folder without an index.html: a redirect to the slash, then a 404.
    redirect = fetch(built_server.url, "/_static")
    assert redirect.status == 302
    assert redirect.headers["Location"].endswith("/_static/")
    listing = fetch(built_server.url, "/_static/")
    assert listing.status == 404
    assert "Page not found</h1>" in listing.text
    body = listing.text.split("<body", 1)[1]
    assert "basic.css" not in body
    assert "pygments.css" not in body


def test_a_folder_with_an_index_serves_it(
    tmp_path: Path, serve_wsgi: Callable[[t.Any], str]
) -> None:
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "index.html").write_text("<html><body>guide</body></html>")
    base = serve_wsgi(create_app(tmp_path))
    assert fetch(base, "/guide").headers["Location"].endswith("/guide/")
    reply = fetch(base, "/guide/")
    assert (reply.status, reply.text) == (200, "<html><body>guide</body></html>")
    # No status: no live-reload script and no /_jigger/ endpoints.
    assert fetch(base, "/_jigger/status").status == 404


def test_missing_page_gets_a_404_in_the_book_style(built_server: DocsServer) -> None:
    for path in ("/nope.html", "/deep/er/nope.html"):
        reply = fetch(built_server.url, path)
        assert reply.status == 404
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        page = reply.text
        assert "<title>Page not found</title>" in page
        assert "Page not found</h1>" in page
        # The book's own layout: its stylesheet and sidebar, with links
        # that work from any depth.
        assert '<base href="/">' in page
        assert "_static/alabaster.css" in page
        assert "tinybook" in page
        assert 'href="index.html"' in page
        # The search page's own content is replaced.
        assert 'id="search-results"' not in page
        assert "searchindex.js" not in page


def test_other_methods_are_refused(built_server: DocsServer) -> None:
    assert fetch(built_server.url, "/foreword.html", method="POST").status == 405
    head = fetch(built_server.url, "/foreword.html", method="HEAD")
    assert (head.status, head.body) == (200, b"")


# -- nothing outside the build folder ---------------------------------------


CRAFTED = [
    "/../secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/_static/../../secret.txt",
    "/_static/%2e%2e/%2e%2e/secret.txt",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/....//secret.txt",
    "//secret.txt",
    "/" + "%2e%2e/" * 8 + "etc/passwd",
    "/etc/passwd",
    "/C:/secret.txt",
    "/.hidden.txt",
    "/_static/.hidden.txt",
    "/%2ehidden.txt",
    "/.doctrees/environment.pickle",
    "/link.txt",
    "/linkdir/secret.txt",
    "/foreword.html%00.txt",
    "/foreword.html/",
]


def _plant(tmp_path: Path, secret: str) -> Path:
    """A build folder with a secret beside it, hidden files and symlinks
    out of it."""
    (tmp_path / "secret.txt").write_text(secret)
    out = tmp_path / "html"
    (out / "_static").mkdir(parents=True)
    (out / "foreword.html").write_text("<html><body>Foreword</body></html>")
    (out / "_static" / "book.css").write_text("body {}")
    (out / "search.html").write_text(
        '<html><head><title>Search</title></head><body><div role="main">'
        "search</div></body></html>"
    )
    (out / ".hidden.txt").write_text(secret)
    (out / "_static" / ".hidden.txt").write_text(secret)
    (out / ".doctrees").mkdir()
    (out / ".doctrees" / "environment.pickle").write_text(secret)
    (out / "link.txt").symlink_to(tmp_path / "secret.txt")
    (out / "linkdir").symlink_to(tmp_path)
    return out


def test_the_planted_folder_serves_its_own_files(
    tmp_path: Path, serve_wsgi: Callable[[t.Any], str]
) -> None:
    base = serve_wsgi(create_app(_plant(tmp_path, "s3cret")))
    assert fetch(base, "/foreword.html").status == 200
    assert fetch(base, "/_static/book.css").text == "body {}"


@pytest.mark.parametrize("path", CRAFTED)
def test_nothing_outside_the_build_folder_is_served(
    tmp_path: Path, serve_wsgi: Callable[[t.Any], str], path: str
) -> None:
    secret = "TOP-SECRET-3141"
    base = serve_wsgi(create_app(_plant(tmp_path, secret)))
    reply = fetch(base, path)
    assert reply.status in (400, 404), (path, reply.status)
    assert secret not in reply.text


# -- the live part: status, script, rebuilds --------------------------------


def test_status_and_the_injected_script(built_server: DocsServer) -> None:
    status = fetch(built_server.url, "/_jigger/status")
    assert status.status == 200
    assert "no-store" in status.headers["Cache-Control"]
    data = status.json()
    assert data["ok"] is True
    assert data["errors"] == []
    assert data["building"] is False
    assert data["summary"].startswith("jigger-sphinx: 3 examples: 3 passed, 0 failed")
    page = fetch(built_server.url, "/installation.html").text
    tag = f'<script src="{SCRIPT}" data-jigger-build="{data["build"]}" defer>'
    assert tag in page
    assert page.index(tag) < page.rindex("</body>")
    script = fetch(built_server.url, SCRIPT)
    assert script.status == 200
    assert "javascript" in script.headers["Content-Type"]
    assert b"data-jigger-build" in script.body
    # Added while serving: the built file on disk has no script.
    on_disk = (built_server.builder.out / "installation.html").read_text()
    assert SCRIPT not in on_disk


def _build_id(server: DocsServer) -> str:
    return str(fetch(server.url, "/_jigger/status").json()["build"])


def test_editing_a_page_rebuilds_and_serves_the_change(
    live_server: DocsServer, book: Book
) -> None:
    before = _build_id(live_server)
    book.edit("docs/installation.md", "Install the package", "Install jigger")
    wait_for(
        lambda: "Install jigger" in fetch(live_server.url, "/installation.html").text,
        60,
        "the edited page",
    )
    status = fetch(live_server.url, "/_jigger/status").json()
    assert status["build"] != before
    assert status["ok"] is True
    # The page now carries the new build id, so its script does not reload it
    # again.
    assert status["build"] in fetch(live_server.url, "/installation.html").text


def test_a_failed_example_shows_in_the_status_and_the_old_page_stays(
    live_server: DocsServer, book: Book
) -> None:
    before = _build_id(live_server)
    book.edit("docs/foreword.rst", ">>> 6 * 7\n42", ">>> 6 * 7\n41\n\nNEW TEXT")

    def failed() -> dict[str, object] | None:
        data = fetch(live_server.url, "/_jigger/status").json()
        return data if data["ok"] is False else None

    data = wait_for(failed, 60, "the failed build in the status")
    errors = "\n".join(data["errors"])
    assert "foreword.rst:" in errors
    assert "41" in errors
    assert data["build"] == before
    page = fetch(live_server.url, "/foreword.html").text
    assert "NEW TEXT" not in page
    assert "<h1>Foreword" in page

    # A broken reference fails the build too.
    book.edit("docs/foreword.rst", "41\n\nNEW TEXT", "42\n\nSee :ref:`nowhere-label`.")
    wait_for(
        lambda: (
            "nowhere-label"
            in "\n".join(fetch(live_server.url, "/_jigger/status").json()["errors"])
        ),
        60,
        "the broken reference in the status",
    )
    assert "nowhere-label" not in fetch(live_server.url, "/foreword.html").text

    # Fixed: a new build is published and the status is clean again.
    book.edit("docs/foreword.rst", "See :ref:`nowhere-label`.", "FIXED TEXT")
    wait_for(
        lambda: "FIXED TEXT" in fetch(live_server.url, "/foreword.html").text,
        60,
        "the fixed page",
    )
    # The page may be out before the build ends (it is published as soon as
    # it is written); the status turns clean when the build does.
    data = wait_for(
        lambda: (d := fetch(live_server.url, "/_jigger/status").json())["ok"] and d,
        60,
        "the clean status",
    )
    assert data["ok"] is True
    assert data["errors"] == []
    assert data["build"] != before


def test_changing_watched_code_reruns_the_examples_that_use_it(
    live_server: DocsServer, book: Book
) -> None:
    book.edit("code/tinycode.py", '"hello"', '"goodbye"')

    def failed() -> dict[str, object] | None:
        data = fetch(live_server.url, "/_jigger/status").json()
        return data if data["ok"] is False else None

    data = wait_for(failed, 60, "the example that uses the changed code to fail")
    assert "becomingbig.rst:" in "\n".join(data["errors"])
    assert "goodbye" in "\n".join(data["errors"])


def test_watcher_sees_new_changed_and_removed_files(tmp_path: Path) -> None:
    (tmp_path / "a.rst").write_text("a")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "out").mkdir()
    watcher = SourceWatcher([tmp_path], [tmp_path / "out"])
    stop, ready = threading.Event(), threading.Event()
    batches: queue.Queue[list[str]] = queue.Queue()

    def collect() -> None:
        for batch in watcher.changes(stop, ready):
            batches.put(batch)

    thread = threading.Thread(target=collect, daemon=True)
    thread.start()
    try:
        assert ready.wait(30)
        (tmp_path / "__pycache__" / "x.pyc").write_text("ignored")
        (tmp_path / ".a.rst.swp").write_text("ignored")
        (tmp_path / "out" / "page.html").write_text("ignored")
        (tmp_path / "b.md").write_text("b")
        assert batches.get(timeout=30) == [str(tmp_path / "b.md")]
        time.sleep(0.3)
        (tmp_path / "a.rst").write_text("changed")
        (tmp_path / "b.md").unlink()
        seen: set[str] = set()
        while seen != {str(tmp_path / "a.rst"), str(tmp_path / "b.md")}:
            seen.update(batches.get(timeout=30))
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_watcher_wants_sources_not_build_output_or_editor_files(
    tmp_path: Path,
) -> None:
    watcher = SourceWatcher([tmp_path / "docs"], [tmp_path / "docs" / "_build"])
    assert watcher.wanted(str(tmp_path / "docs" / "index.rst"))
    assert watcher.wanted(str(tmp_path / "docs" / "guide" / "page.md"))
    assert not watcher.wanted(str(tmp_path / "docs" / "_build" / "html" / "a.html"))
    assert not watcher.wanted(str(tmp_path / "docs" / ".index.rst.swp"))
    assert not watcher.wanted(str(tmp_path / "docs" / "__pycache__" / "c.pyc"))
    assert not watcher.wanted(str(tmp_path / "elsewhere.rst"))


# -- the command ------------------------------------------------------------


def test_command_refuses_a_remote_host_without_the_flag() -> None:
    result = CliRunner().invoke(docs_main, ["--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output


def test_command_builds_serves_prints_the_foreword_url_and_stops(book: Book) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jigger_sphinx.serve",
            str(book.source),
            "--conf",
            str(book.conf),
            "--out",
            str(book.out),
            "--no-watch",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 90
        url = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving the book on " in line:
                url = line.split("serving the book on ", 1)[1].strip()
                break
        output = "".join(lines)
        assert url.startswith("http://127.0.0.1:"), output
        assert url.endswith("/foreword.html")
        assert "jigger-sphinx: 3 examples: 3 passed" in output
        reply = fetch(url.rsplit("/", 1)[0] + "/", "/foreword.html")
        assert reply.status == 200
        assert "<h1>Foreword" in reply.text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


# -- under gunicorn ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_built_book_under_gunicorn(built_server: DocsServer) -> None:
    pytest.importorskip("gunicorn")
    port = _free_port()
    out = str(built_server.builder.out)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            *gunicorn_no_control_socket(),
            f"jigger_sphinx.serve:create_app({out!r})",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:

        def up() -> bool:
            if proc.poll() is not None:
                assert proc.stdout is not None
                pytest.fail(f"gunicorn exited: {proc.stdout.read()}")
            try:
                return fetch(base, "/", timeout=2).status == 200
            except OSError:
                return False

        wait_for(up, 30, "gunicorn to answer")
        page = fetch(base, "/foreword.html")
        assert page.status == 200
        assert "<h1>Foreword" in page.text
        assert SCRIPT not in page.text  # no live reload behind gunicorn
        assert (
            fetch(
                base, "/foreword.html", headers={"If-None-Match": page.headers["ETag"]}
            ).status
            == 304
        )
        css = fetch(base, "/_static/alabaster.css")
        assert (css.status, "max-age=600" in css.headers["Cache-Control"]) == (
            200,
            True,
        )
        missing = fetch(base, "/missing.html")
        assert missing.status == 404
        assert "_static/alabaster.css" in missing.text
        assert fetch(base, "/../conf/conf.py").status == 404
        assert fetch(base, "/_jigger/status").status == 404
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_first_build_that_fails_is_still_served_with_its_errors(
    book: Book,
) -> None:
    book.edit("docs/foreword.rst", ">>> 6 * 7\n42", ">>> 6 * 7\n41")
    server = DocsServer(book.source, book.conf, book.out)
    result = server.build()
    assert not result.ok
    # Nothing good was there to keep: the pages are published, so the reader
    # sees them with the banner instead of a site of 404s.
    assert (book.out / "foreword.html").exists()
    status = server.status.as_dict()
    assert status["ok"] is False
    assert any("foreword.rst:" in line for line in status["errors"])


# -- slow clients -------------------------------------------------------------


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed ``sock`` (EOF or reset)."""
    sock.setblocking(False)
    try:
        return sock.recv(1024) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_idle_and_slowloris_connections_are_closed(book: Book) -> None:
    """300 connections that send half a request head, and one that sends a
    byte now and then, do not hold their threads: the server closes them."""
    server = DocsServer(
        book.source,
        book.conf,
        book.out,
        watch=False,
        idle_timeout=0.5,
        head_timeout=1.5,
    )
    before = threading.active_count()
    with server:
        idle: list[socket.socket] = []
        try:
            for _ in range(300):
                sock = socket.create_connection(("127.0.0.1", server.port))
                sock.sendall(b"GET /foreword.html HTTP/1.1\r\nHost: x\r\n")
                idle.append(sock)
            trickle = socket.create_connection(("127.0.0.1", server.port))
            idle.append(trickle)
            started = time.monotonic()
            closed = False
            for byte in b"GET /foreword.html HTTP/1.1\r\nX-Slow: " + b"a" * 200:
                try:
                    trickle.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                if _closed_by_server(trickle):
                    closed = True
                    break
                trickle.setblocking(True)
                time.sleep(0.2)  # under the idle timeout, every time
            # The head deadline, not the idle timeout, ended it (well before
            # the 40 s the whole trickle would take).
            assert closed
            assert time.monotonic() - started < 30
            wait_for(
                lambda: all(_closed_by_server(s) for s in idle),
                30,
                "the server to close the idle connections",
            )
            wait_for(
                lambda: threading.active_count() <= before + 5,
                30,
                "the connection threads to end",
            )
        finally:
            for sock in idle:
                sock.close()
        # The server still answers a well-behaved client.
        assert fetch(server.url, "/_jigger/status").status == 200


# -- the command, for any Sphinx project ----------------------------------------


def _quickstart_project(root: Path) -> Path:
    """A project laid out as ``sphinx-quickstart`` lays it out (conf.py in
    the sources, builds in _build), with no jigger-specific setting."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "conf.py").write_text(
        'project = "Quick"\nextensions = []\nexclude_patterns = ["_build"]\n',
        encoding="utf-8",
    )
    (docs / "index.rst").write_text(
        "Quick\n=====\n\n.. toctree::\n\n   usage\n", encoding="utf-8"
    )
    (docs / "usage.rst").write_text("Usage\n=====\n\nFirst words.\n", encoding="utf-8")
    return docs


def test_the_command_serves_a_sphinx_quickstart_project(tmp_path: Path) -> None:
    docs = _quickstart_project(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jigger_sphinx.serve", "docs"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        url = ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving the book on " in line:
                url = line.split("serving the book on ", 1)[1].strip()
                break
        output = "".join(lines)
        assert url.endswith("/index.html"), output
        base = url.rsplit("/", 1)[0] + "/"
        assert "First words." in fetch(base, "/usage.html").text
        # Its build went where sphinx-quickstart's Makefile puts it.
        assert (docs / "_build" / "html" / "usage.html").is_file()
        (docs / "usage.rst").write_text(
            "Usage\n=====\n\nSecond words.\n", encoding="utf-8"
        )
        wait_for(
            lambda: "Second words." in fetch(base, "/usage.html").text,
            60,
            "the edited page",
        )
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        helpers = children.read_text().split() if children.exists() else []
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        # Ctrl+C leaves nothing behind: the warm build process is gone too.
        wait_for(
            lambda: not any(Path(f"/proc/{pid}").exists() for pid in helpers),
            30,
            "the server's helper processes to end",
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_command_names_the_extra_when_sphinx_is_missing(tmp_path: Path) -> None:
    """Run where ``import sphinx`` fails: the command says what to install
    (the installation page's command), and no traceback."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('sphinx', 'watchfiles'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Hide())\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "jigger_sphinx.serve", "docs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(blocker)),
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert 'python -m pip install "path/to/jigger[docs]"' in result.stderr
    assert "Traceback" not in result.stderr


def test_an_apps_jigger_command_lists_no_docs_command(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(
        "from jigger import Jigger\napp = Jigger(__name__)\n"
        "@app.cli.command('seed')\ndef seed():\n    'Fill the database.'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "jigger", "--app", "hello", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = result.stdout.split("Commands:", 1)[1].split()
    assert "seed" in commands
    assert "routes" in commands
    assert "docs" not in commands


# -- reloading soon -------------------------------------------------------------


def test_a_prose_edit_is_published_as_soon_as_its_page_is_written_and_once(
    live_server: DocsServer, book: Book
) -> None:
    before = _build_id(live_server)
    book.edit("docs/installation.md", "Install the package", "Install jigger")
    wait_for(
        lambda: "Install jigger" in fetch(live_server.url, "/installation.html").text,
        60,
        "the edited page",
    )
    wait_for(
        lambda: not fetch(live_server.url, "/_jigger/status").json()["building"],
        60,
        "the build to finish",
    )
    assert live_server.builder.early_pages == (Path("installation.html"),)
    after = _build_id(live_server)
    # One new build id: the open page reloaded once, when its page was out.
    assert int(after.rsplit("-", 1)[1]) == int(before.rsplit("-", 1)[1]) + 1


def test_a_page_with_a_failing_example_is_not_published_early(
    live_server: DocsServer, book: Book
) -> None:
    book.edit("docs/foreword.rst", ">>> 6 * 7\n42", ">>> 6 * 7\n41\n\nNEW TEXT")
    wait_for(
        lambda: fetch(live_server.url, "/_jigger/status").json()["ok"] is False,
        60,
        "the failed build",
    )
    assert live_server.builder.early_pages == ()
    assert "NEW TEXT" not in fetch(live_server.url, "/foreword.html").text


def test_the_status_answers_as_soon_as_a_build_is_published(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body>Hi</body></html>")
    status = BuildStatus()
    client = create_app(tmp_path, status, long_poll_seconds=60).test_client()
    seen = status.build_id
    timer = threading.Timer(
        0.2,
        status.finish,
        args=(BuildResult(True, 0, (), "", 0.1),),
        kwargs={"published": True},
    )
    started = time.monotonic()
    timer.start()
    try:
        reply = client.get(f"/_jigger/status?build={seen}&ok=null")
    finally:
        timer.cancel()
    # It woke on the build, not at the end of its 60 s wait.
    assert time.monotonic() - started < 30
    assert reply.json is not None
    assert reply.json["build"] != seen
    assert reply.json["ok"] is True
    # Without ?build=, the status is answered at once.
    assert client.get("/_jigger/status").json["build"] == status.build_id


def test_sync_tree_leaves_pages_with_the_same_bytes_alone(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "search.html").write_text("same")
    (src / "page.html").write_text("old")
    assert sync_tree(src, dst) == 2
    os.utime(src / "search.html", ns=(0, 10**9))  # written again, same bytes
    (src / "page.html").write_text("new")
    changed: list[Path] = []
    assert sync_tree(src, dst, changed) == 1
    assert changed == [Path("page.html")]
    assert (dst / "page.html").read_text() == "new"


def test_a_waiting_page_is_answered_when_the_server_stops(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body>Hi</body></html>")
    status = BuildStatus()
    client = create_app(tmp_path, status, long_poll_seconds=60).test_client()
    timer = threading.Timer(0.2, status.close)
    started = time.monotonic()
    timer.start()
    try:
        reply = client.get(f"/_jigger/status?build={status.build_id}&ok=null")
    finally:
        timer.cancel()
    assert reply.status_code == 200
    assert time.monotonic() - started < 30  # not the whole 60 s wait


def test_the_watcher_can_poll_where_file_events_do_not_arrive(tmp_path: Path) -> None:
    (tmp_path / "page.rst").write_text("one")
    watcher = SourceWatcher([tmp_path], force_polling=True)
    stop, ready = threading.Event(), threading.Event()
    batches: queue.Queue[list[str]] = queue.Queue()

    def collect() -> None:
        for batch in watcher.changes(stop, ready):
            batches.put(batch)

    thread = threading.Thread(target=collect, daemon=True)
    thread.start()
    try:
        assert ready.wait(30)
        # A polling watcher may compare modification times to the second.
        time.sleep(1.2)
        (tmp_path / "page.rst").write_text("two, longer")
        assert batches.get(timeout=30) == [str(tmp_path / "page.rst")]
    finally:
        stop.set()
        thread.join(timeout=10)
