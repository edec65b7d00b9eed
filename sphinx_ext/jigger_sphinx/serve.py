"""``jigger docs serve``: build the book with every check, serve it, rebuild it.

The command builds a Sphinx project the way ``nox -s docs`` does (``-W -n
--keep-going``: any warning, a failed example or a broken reference fails
the build), then serves the HTML on ``127.0.0.1`` with a jigger application
and prints the URL of the foreword:

.. code-block:: console

    $ jigger docs serve --source docs --conf conf --out build/html

How it fits together:

* :class:`BookBuilder` runs ``python -m sphinx`` in a subprocess (a fresh
  interpreter each time, so autodoc and the examples see the code as it is on
  disk now) into a *staging* folder beside the output folder, keeping its
  doctrees there, so every rebuild is incremental and jigger_sphinx decides
  which examples to run again. Only a clean build is copied into the served
  folder: after a failure the last good build stays online.
* :class:`SourceWatcher` polls the modification times of the sources, the
  configuration folder and the ``jigger_watch`` paths of ``conf.py``. Polling
  needs no extra dependency, behaves the same on every platform and file
  system (containers, network mounts, editors that save by renaming), and a
  book's few hundred files cost well under a millisecond each round; this is
  also what Werkzeug's reloader does when watchdog is not installed.
* :func:`create_app` is the jigger application that serves a build folder:
  files with validators (``ETag``, ``Last-Modified``) and short lifetimes, a
  404 page in the book's own layout, no directory listing, nothing outside
  the folder. It is also a WSGI factory for a real server:

  .. code-block:: console

      $ gunicorn 'jigger_sphinx.serve:create_app("build/html")'

* With a :class:`BuildStatus` (the live server), every HTML page gets a small
  script, added while serving and never written into the build, that polls
  ``/_jigger/status``: the page reloads when a new build is published and
  shows a banner with the warnings when the last build failed.
* :class:`DocsServer` ties the three together; :data:`docs_cli` is the
  ``docs`` command group that ``jigger`` loads from the ``jigger.commands``
  entry point.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import typing as t
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import click
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response as BaseResponse

from jigger import (
    Jigger,
    Request,
    Response,
    abort,
    redirect,
    request,
    send_from_directory,
)

__all__ = [
    "BookBuilder",
    "BuildResult",
    "BuildStatus",
    "DocsServer",
    "SourceWatcher",
    "create_app",
    "docs_cli",
    "read_watch_paths",
    "sync_tree",
]

#: Where the live-reload script and the status endpoint live on the server.
LIVE_PREFIX = "/_jigger"
#: Seconds a browser may keep files under ``_static/`` without asking again
#: (Sphinx adds a checksum to their URLs, so a change gets a new URL).
STATIC_MAX_AGE = 600
#: At most this many warning lines go into the status (and the banner).
MAX_ERROR_LINES = 400
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_ASSETS = Path(__file__).with_name("_serve_assets")
_IGNORED_DIRS = frozenset({"__pycache__", "node_modules"})
_IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~", ".tmp")

Echo = Callable[[str], None]


def _quiet(message: str) -> None:
    """An echo that prints nothing."""


# -- building -------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one build.

    :param ok: the build finished with no warning and was published.
    :param returncode: the exit status of ``sphinx-build``.
    :param errors: the warning and error lines, as Sphinx printed them.
    :param summary: jigger_sphinx's ``jigger-sphinx: N examples ...`` line,
        or ``""`` when the build did not get that far.
    :param seconds: how long the build took.
    """

    ok: bool
    returncode: int
    errors: tuple[str, ...]
    summary: str
    seconds: float


class BuildStatus:
    """What the served pages poll: the id of the published build, whether a
    build is running, and the outcome of the last one. Thread-safe.

    The id changes each time a build is published; it starts with a token of
    this process, so a page left open across a server restart reloads too.

    >>> from jigger_sphinx.serve import BuildResult, BuildStatus
    >>> status = BuildStatus()
    >>> first = status.build_id
    >>> status.finish(BuildResult(True, 0, (), "", 0.1), published=True)
    >>> status.build_id != first, status.as_dict()["ok"]
    (True, True)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token = f"{os.getpid():x}-{time.time_ns():x}"
        self._published = 0
        self._building = False
        self._last: BuildResult | None = None

    @property
    def build_id(self) -> str:
        """The id of the build being served."""
        with self._lock:
            return f"{self._token}-{self._published}"

    @property
    def last(self) -> BuildResult | None:
        """The result of the last finished build, if any."""
        with self._lock:
            return self._last

    def begin(self) -> None:
        """Mark a build as running."""
        with self._lock:
            self._building = True

    def finish(self, result: BuildResult, *, published: bool) -> None:
        """Record ``result``; a new build id when it was ``published``."""
        with self._lock:
            self._building = False
            self._last = result
            if published:
                self._published += 1

    def as_dict(self) -> dict[str, t.Any]:
        """The JSON document served at ``/_jigger/status``."""
        with self._lock:
            last = self._last
            return {
                "build": f"{self._token}-{self._published}",
                "building": self._building,
                "ok": None if last is None else last.ok,
                "errors": [] if last is None else list(last.errors),
                "summary": "" if last is None else last.summary,
            }


def sync_tree(src: Path, dst: Path) -> int:
    """Make ``dst`` a copy of ``src`` and return how many files changed.

    Files whose size and modification time already match are left alone;
    every other file is written beside its target and renamed over it, so a
    request never sees half a file. Files of ``dst`` that ``src`` no longer
    has are removed. Names starting with a dot (``.doctrees``,
    ``.buildinfo``) are neither copied nor removed.
    """
    changed = 0
    dst.mkdir(parents=True, exist_ok=True)
    wanted: set[Path] = set()
    for folder, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(folder).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name.startswith("."):
                continue
            source = Path(folder, name)
            target = dst / rel / name
            wanted.add(rel / name)
            s = source.stat()
            try:
                d = target.stat()
            except FileNotFoundError:
                pass
            else:
                if (s.st_size, s.st_mtime_ns) == (d.st_size, d.st_mtime_ns):
                    continue
            partial = target.with_name(f".{name}.jigger-partial")
            shutil.copy2(source, partial)
            os.replace(partial, target)
            changed += 1
    for folder, _dirnames, filenames in os.walk(dst, topdown=False):
        rel = Path(folder).relative_to(dst)
        if any(part.startswith(".") for part in rel.parts):
            continue
        for name in filenames:
            if not name.startswith(".") and rel / name not in wanted:
                Path(folder, name).unlink()
                changed += 1
        if rel.parts and not (src / rel).is_dir():
            with contextlib.suppress(OSError):  # something hidden is in there
                Path(folder).rmdir()
    return changed


def read_watch_paths(conf_dir: Path) -> list[Path]:
    """The ``jigger_watch`` paths of ``conf_dir/conf.py``, made absolute.

    The file is parsed, not run: the value must be a literal list of
    strings (anything else is ignored), relative to the configuration folder
    as jigger_sphinx reads it.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from jigger_sphinx.serve import read_watch_paths
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = Path(d, "conf.py").write_text('jigger_watch = ["../src"]')
    ...     [p.name for p in read_watch_paths(Path(d))]
    ['src']
    """
    conf_py = conf_dir / "conf.py"
    try:
        tree = ast.parse(conf_py.read_text(encoding="utf-8"), str(conf_py))
    except (OSError, SyntaxError, ValueError):
        return []
    value: object = None
    for node in tree.body:
        target: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, expr = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, expr = node.target, node.value
        if isinstance(target, ast.Name) and target.id == "jigger_watch":
            try:
                value = ast.literal_eval(expr)
            except ValueError:
                value = None
    if not isinstance(value, list | tuple):
        return []
    return [
        Path(os.path.normpath(conf_dir.resolve() / entry))
        for entry in value
        if isinstance(entry, str)
    ]


class BookBuilder:
    """Builds a Sphinx project with every check and publishes clean builds.

    :param source: the folder of the sources (``docs``).
    :param conf: the folder of ``conf.py`` (``conf``).
    :param out: the folder that is served (``build/html``).
    :param staging: where Sphinx builds, with its doctrees (default: a
        hidden folder beside ``out``); it is kept between builds so that
        rebuilds are incremental.
    :param status: where results are recorded for the served pages.
    :param echo: prints progress and errors (default: nothing).
    :param builder: the Sphinx builder name.
    """

    def __init__(
        self,
        source: Path,
        conf: Path,
        out: Path,
        *,
        staging: Path | None = None,
        status: BuildStatus | None = None,
        echo: Echo = _quiet,
        builder: str = "html",
    ) -> None:
        self.source = source.resolve()
        self.conf = conf.resolve()
        self.out = out.resolve()
        self.staging = (
            staging.resolve()
            if staging is not None
            else self.out.with_name(f".{self.out.name}-staging")
        )
        self.status = status if status is not None else BuildStatus()
        self.echo = echo
        self.builder = builder
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._cancelled = False
        if not (self.source / "index.rst").exists() and not any(
            self.source.glob("index.*")
        ):
            raise click.UsageError(f"{source}: no index page in the source folder.")
        if not (self.conf / "conf.py").is_file():
            raise click.UsageError(f"{conf}: no conf.py in the configuration folder.")
        for inner in (self.source, self.conf):
            if self.out == inner or self.out in inner.parents:
                raise click.UsageError(
                    f"--out {out} would hold the sources in {inner}; "
                    "choose a build folder of its own."
                )

    def command(self) -> list[str]:
        """The ``sphinx-build`` command line of one build."""
        return [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            self.builder,
            "-W",
            "-n",
            "--keep-going",
            "-c",
            str(self.conf),
            "-d",
            str(self.staging / ".doctrees"),
            str(self.source),
            str(self.staging),
        ]

    def build(self) -> BuildResult:
        """Build once; on success, copy the result into the served folder."""
        with self._lock:
            self.status.begin()
            start = time.monotonic()
            env = dict(os.environ, NO_COLOR="1", PYTHONUNBUFFERED="1")
            env.pop("FORCE_COLOR", None)
            self.staging.mkdir(parents=True, exist_ok=True)
            try:
                proc = subprocess.Popen(
                    self.command(),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                    env=env,
                )
            except OSError as e:
                result = BuildResult(False, -1, (f"cannot run Sphinx: {e}",), "", 0.0)
                self.status.finish(result, published=False)
                self._report(result)
                return result
            self._proc = proc
            stdout, stderr = proc.communicate()
            self._proc = None
            seconds = time.monotonic() - start
            summary = ""
            for line in stdout.splitlines():
                if line.startswith("jigger-sphinx:"):
                    summary = line.strip()
            errors = [line for line in stderr.splitlines() if line.strip()]
            if proc.returncode != 0 and not errors:
                tail = [line for line in stdout.splitlines() if line.strip()]
                errors = tail[-20:] or [f"sphinx-build exited with {proc.returncode}"]
            if self._cancelled:
                errors = ["the build was stopped", *errors]
            if len(errors) > MAX_ERROR_LINES:
                more = len(errors) - MAX_ERROR_LINES
                errors = [*errors[:MAX_ERROR_LINES], f"... and {more} more lines"]
            ok = proc.returncode == 0 and not self._cancelled
            # A failed build replaces nothing good: with no earlier good build
            # (a first build that fails) there is nothing to keep, and the
            # reader is better served by the pages and the banner than by 404s.
            first = not (self.out / "index.html").exists()
            publish = ok or (first and not self._cancelled and self.staging.is_dir())
            if publish:
                sync_tree(self.staging, self.out)
            result = BuildResult(ok, proc.returncode, tuple(errors), summary, seconds)
            self.status.finish(result, published=publish)
            self._report(result)
            return result

    def cancel(self) -> None:
        """Stop a build that is running (when the server stops)."""
        self._cancelled = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _report(self, result: BuildResult) -> None:
        for line in result.errors:
            self.echo(line)
        if result.summary:
            self.echo(result.summary)
        if result.ok:
            self.echo(f"jigger docs: build succeeded in {result.seconds:.1f}s")
        else:
            self.echo(
                f"jigger docs: build FAILED in {result.seconds:.1f}s "
                f"({len(result.errors)} lines above)"
            )


# -- watching -------------------------------------------------------------


class SourceWatcher:
    """Notices changed, new and removed files under some paths, by polling
    their modification times.

    :param paths: files or folders to watch (missing ones are fine).
    :param ignore: folders never to look into (the build folders).
    """

    def __init__(self, paths: Iterable[Path], ignore: Iterable[Path] = ()) -> None:
        self.paths = [p.resolve() for p in paths]
        self.ignore = {p.resolve() for p in ignore}
        self._last = self.snapshot()

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """The modification time and size of every watched file."""
        seen: dict[str, tuple[int, int]] = {}
        for root in self.paths:
            if root.is_file():
                self._stat(seen, str(root))
                continue
            for folder, dirnames, filenames in os.walk(root):
                dirnames[:] = [
                    d
                    for d in dirnames
                    if not d.startswith(".")
                    and d not in _IGNORED_DIRS
                    and Path(folder, d) not in self.ignore
                ]
                for name in filenames:
                    if name.startswith(".") or name.endswith(_IGNORED_SUFFIXES):
                        continue
                    self._stat(seen, os.path.join(folder, name))
        return seen

    @staticmethod
    def _stat(seen: dict[str, tuple[int, int]], path: str) -> None:
        try:
            s = os.stat(path)
        except OSError:
            return
        seen[path] = (s.st_mtime_ns, s.st_size)

    def changed(self) -> list[str]:
        """The files that changed since the last call (sorted)."""
        now = self.snapshot()
        before, self._last = self._last, now
        return sorted(
            path
            for path in now.keys() | before.keys()
            if now.get(path) != before.get(path)
        )


# -- serving --------------------------------------------------------------


_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_TITLE = re.compile(r"<title>.*?</title>", re.IGNORECASE | re.DOTALL)
_HEAD_OPEN = re.compile(r"<head[^>]*>", re.IGNORECASE)
_MAIN_OPEN = re.compile(r"<(?P<tag>[a-zA-Z]+)\b[^>]*\brole=\"main\"[^>]*>")
_SEARCH_INDEX = re.compile(
    r"<script\b[^>]*src=\"searchindex\.js[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE
)
_STYLESHEET = re.compile(r"<link\b[^>]*rel=\"stylesheet\"[^>]*>", re.IGNORECASE)


def _inject(body: bytes, script_src: str, build_id: str) -> bytes:
    """Add the live-reload script before ``</body>`` (or at the end)."""
    tag = (
        f'<script src="{script_src}" data-jigger-build="{build_id}" defer></script>'
    ).encode()
    found = list(_BODY_END.finditer(body))
    if not found:
        return body + tag
    at = found[-1].start()
    return body[:at] + tag + body[at:]


def _replace_main(page: str, content: str) -> str | None:
    """Replace what is inside the element with ``role="main"``."""
    opening = _MAIN_OPEN.search(page)
    if opening is None:
        return None
    tag = opening.group("tag").lower()
    token = re.compile(rf"<(/?){tag}\b[^>]*>", re.IGNORECASE)
    depth = 1
    for m in token.finditer(page, opening.end()):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return page[: opening.end()] + content + page[m.start() :]
    return None


_NOT_FOUND_TEXT = (
    '<h1 id="page-not-found">Page not found</h1>'
    "<p>There is no page at this address in the book. It may have been "
    'renamed or removed. Start again from the <a href="index.html">contents'
    '</a>, or try the <a href="search.html">search page</a>.</p>'
)


def not_found_page(out_dir: Path, base: str) -> str:
    """A 404 page in the book's own layout.

    It is made from the built search page (every Sphinx HTML theme writes
    one, at the top of the folder) with the main content replaced, and a
    ``<base href>`` so that its relative links work at any depth. Without a
    search page it links the stylesheets of the index page.
    """
    base_tag = f'<base href="{base}">'
    for name in ("search.html", "genindex.html"):
        try:
            page = (out_dir / name).read_text(encoding="utf-8")
        except OSError:
            continue
        replaced = _replace_main(page, _NOT_FOUND_TEXT)
        if replaced is None:
            continue
        replaced = _TITLE.sub("<title>Page not found</title>", replaced, count=1)
        # The search page's index is of no use on a 404 page.
        replaced = _SEARCH_INDEX.sub("", replaced)
        return _HEAD_OPEN.sub(lambda m: m.group(0) + base_tag, replaced, count=1)
    styles = ""
    with contextlib.suppress(OSError):
        index = (out_dir / "index.html").read_text(encoding="utf-8")
        styles = "".join(_STYLESHEET.findall(index))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"{base_tag}<title>Page not found</title>{styles}</head>"
        f'<body><div class="document"><div class="body" role="main">'
        f"{_NOT_FOUND_TEXT}</div></div></body></html>"
    )


def _etag_for(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def create_app(
    out_dir: str | os.PathLike[str], status: BuildStatus | None = None
) -> Jigger:
    """A jigger application that serves the built book in ``out_dir``.

    It is a WSGI application factory, so a production server can serve a
    built book: ``gunicorn 'jigger_sphinx.serve:create_app("build/html")'``.

    * ``/`` and any folder URL ending with ``/`` serve that folder's
      ``index.html`` (a folder URL without the slash redirects to it); there
      is no directory listing.
    * HTML is sent with ``Cache-Control: no-cache``, an ``ETag`` and
      ``Last-Modified``, so a reload revalidates (``304`` when unchanged);
      ``_static/`` files may be kept for :data:`STATIC_MAX_AGE` seconds.
    * A path that leaves the folder, a hidden name (``.doctrees``) or a
      missing file gets the 404 page, made in the book's own layout.
    * With ``status`` (the live server) every HTML page loads
      ``/_jigger/live.js``, which polls ``/_jigger/status``.

    :param out_dir: the built HTML folder.
    :param status: the live build status, or ``None`` for a plain server.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from jigger_sphinx.serve import create_app
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = Path(d, "index.html").write_text("<html><body>Hi</body></html>")
    ...     client = create_app(d).test_client()
    ...     print(client.get("/").status, client.get("/../etc/passwd").status)
    200 OK 404 NOT FOUND
    """
    root = Path(out_dir).resolve()
    app = Jigger(__name__, static_folder=None, template_folder=None)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None

    def script_src(req: Request) -> str:
        return f"{req.script_root}{LIVE_PREFIX}/live.js"

    def html_response(req: Request, data: bytes, mtime: float | None) -> BaseResponse:
        if status is not None:
            data = _inject(data, script_src(req), status.build_id)
        response = Response(data, mimetype="text/html")
        response.set_etag(_etag_for(data))
        if mtime is not None:
            response.headers["Last-Modified"] = formatdate(mtime, usegmt=True)
        response.cache_control.no_cache = True
        return response.make_conditional(req)

    def resolve(path: str) -> Path | None:
        segments = [part for part in path.split("/") if part]
        for part in segments:
            if part.startswith(".") or "\\" in part or "\x00" in part or ":" in part:
                return None
        target = root.joinpath(*segments)
        try:
            real = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if real != root and root not in real.parents:
            return None
        return real

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def page(req: Request, path: str) -> BaseResponse:
        target = resolve(path)
        if target is None:
            abort(404)
        if target.is_dir():
            if path and not path.endswith("/"):
                query = f"?{req.query_string.decode()}" if req.query_string else ""
                return redirect(f"{req.script_root}/{path}/{query}")
            target = target / "index.html"
            if not target.is_file():
                abort(404)
        elif path.endswith("/") or not target.is_file():
            abort(404)
        if target.suffix == ".html":
            return html_response(req, target.read_bytes(), target.stat().st_mtime)
        relative = target.relative_to(root).as_posix()
        max_age = STATIC_MAX_AGE if relative.startswith("_static/") else None
        return send_from_directory(root, relative, max_age=max_age)

    @app.errorhandler(404)
    def not_found(error: Exception) -> BaseResponse:
        # Error handlers take the error only, so this one reads the
        # context-local request.
        req = request._get_current_object()  # type: ignore[attr-defined]
        page = not_found_page(root, f"{req.script_root}/")
        response = html_response(req, page.encode(), None)
        response.status_code = 404
        return response

    if status is not None:
        live_status = status

        @app.get(f"{LIVE_PREFIX}/status")
        def build_status() -> BaseResponse:
            response = app.json.response(live_status.as_dict())
            response.cache_control.no_store = True
            return response

        @app.get(f"{LIVE_PREFIX}/live.js")
        def live_js() -> BaseResponse:
            return send_from_directory(_ASSETS, "live.js", max_age=None)

    return app


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler, without a log line for the status polls."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.path.startswith(f"{LIVE_PREFIX}/"):
            return
        super().log_request(code, size)


class _SilentHandler(WSGIRequestHandler):
    """Werkzeug's request handler, logging no request at all."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class DocsServer:
    """Build a book, serve it, and rebuild it when its sources change.

    :param source: the sources folder.
    :param conf: the folder of ``conf.py``.
    :param out: the served build folder.
    :param host: the address to listen on.
    :param port: the port; ``0`` picks a free one (see :attr:`port`).
    :param watch: rebuild when a watched file changes.
    :param poll_interval: seconds between two looks at the files.
    :param debounce: seconds without further changes before rebuilding.
    :param echo: prints progress, errors and the URL (default: nothing).
    :param log_requests: let Werkzeug log each request.

    Use it as a context manager (tests) or call :meth:`serve_forever`:

    .. jigger: skip because it builds and serves a whole book

    .. code-block:: python

        with DocsServer(Path("docs"), Path("conf"), Path("build/html")) as s:
            print(s.start_url)
    """

    def __init__(
        self,
        source: Path,
        conf: Path,
        out: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        watch: bool = True,
        poll_interval: float = 0.5,
        debounce: float = 0.3,
        echo: Echo = _quiet,
        log_requests: bool = False,
    ) -> None:
        self.status = BuildStatus()
        self.builder = BookBuilder(source, conf, out, status=self.status, echo=echo)
        self.host = host
        self.watch = watch
        self.poll_interval = poll_interval
        self.debounce = debounce
        self.echo = echo
        self.app = create_app(self.builder.out, self.status)
        self._requested_port = port
        self._log_requests = log_requests
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._watcher: SourceWatcher | None = None

    # the first build, then serving

    def build(self) -> BuildResult:
        """Run one build now (the first one, before :meth:`start`)."""
        return self.builder.build()

    def watched_paths(self) -> list[Path]:
        """The sources, the configuration folder and ``jigger_watch``."""
        b = self.builder
        return [b.source, b.conf, *read_watch_paths(b.conf)]

    def start(self) -> None:
        """Start serving (and watching) in background threads."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        self.builder.out.mkdir(parents=True, exist_ok=True)
        handler = _QuietHandler if self._log_requests else _SilentHandler
        self._server = make_server(
            self.host,
            self._requested_port,
            self.app,
            threaded=True,
            request_handler=handler,
        )
        self._stop.clear()
        serve = threading.Thread(
            target=self._server.serve_forever,
            name="jigger-docs-server",
            daemon=True,
        )
        self._threads = [serve]
        if self.watch:
            b = self.builder
            self._watcher = SourceWatcher(self.watched_paths(), (b.out, b.staging))
            self._threads.append(
                threading.Thread(
                    target=self._watch_loop, name="jigger-docs-watch", daemon=True
                )
            )
        for thread in self._threads:
            thread.start()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        """The server's root URL, ending with ``/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def start_url(self) -> str:
        """The foreword's URL (the index's when there is no foreword)."""
        name = "foreword.html"
        if not (self.builder.out / name).is_file():
            name = "index.html"
        return self.url + name

    def stop(self) -> None:
        """Stop serving and watching, and stop a running build."""
        self._stop.set()
        self.builder.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []
        self._server = None

    def __enter__(self) -> DocsServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start, print the URL, and run until Ctrl+C."""
        self.start()
        self.echo(f"jigger docs: serving the book on {self.start_url}")
        if self.watch:
            self.echo("jigger docs: watching for changes; press Ctrl+C to stop")
        else:
            self.echo("jigger docs: press Ctrl+C to stop")
        try:
            while not self._stop.wait(3600):
                pass
        except KeyboardInterrupt:
            self.echo("jigger docs: stopping")
        finally:
            self.stop()

    def _watch_loop(self) -> None:
        watcher = self._watcher
        if watcher is None:  # pragma: no cover - start() sets it
            return
        while not self._stop.wait(self.poll_interval):
            changed = watcher.changed()
            if not changed:
                continue
            # Wait for a quiet moment: an editor or a checkout writes several
            # files in a row, and they make one build.
            while not self._stop.wait(self.debounce):
                more = watcher.changed()
                if not more:
                    break
                changed.extend(more)
            if self._stop.is_set():
                return
            conf_py = str(self.builder.conf / "conf.py")
            if conf_py in changed:
                watcher.paths = [p.resolve() for p in self.watched_paths()]
                watcher.changed()
            shown = ", ".join(os.path.relpath(p) for p in sorted(set(changed))[:5]) + (
                " ..." if len(set(changed)) > 5 else ""
            )
            self.echo(f"jigger docs: changed: {shown}; rebuilding")
            try:
                result = self.builder.build()
            except Exception as e:  # keep serving whatever happens
                self.echo(f"jigger docs: the build crashed: {e!r}")
                continue
            if not result.ok:
                self.echo("jigger docs: the last good build stays served")


# -- the command ----------------------------------------------------------


@click.group("docs")
def docs_cli() -> None:
    """The book: build it with every check and browse it."""


def _default_conf() -> Path:
    return Path("conf") if Path("conf", "conf.py").is_file() else Path("docs")


@docs_cli.command("serve")
@click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
    help="The folder of the book's sources.",
)
@click.option(
    "--conf",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder of conf.py  [default: conf if it has a conf.py, else the "
    "source folder]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/html"),
    show_default=True,
    help="The folder the built HTML is served from.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The port; 0 picks a free one.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than the loopback (the server is meant for "
    "one person's machine).",
)
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Rebuild when the sources, conf.py or the jigger_watch paths change.",
)
def serve_command(
    source: Path,
    conf: Path | None,
    out: Path,
    host: str,
    port: int,
    allow_remote: bool,
    watch: bool,
) -> None:
    """Build the book with every check, serve it on 127.0.0.1 and rebuild it
    when a source changes.

    The open page reloads by itself after a good build; after a failed one
    (a warning, a failed example, a broken reference) it shows the errors in
    a banner, and the last good build stays served.
    """
    if host not in LOOPBACK_HOSTS and not allow_remote:
        raise click.UsageError(
            f"--host {host} would serve the book to other machines; "
            "use 127.0.0.1, or add --allow-remote if you mean it."
        )
    if not source.is_dir():
        raise click.UsageError(f"--source {source}: no such folder.")
    server = DocsServer(
        source,
        conf if conf is not None else _default_conf(),
        out,
        host=host,
        port=port,
        watch=watch,
        echo=click.echo,
        log_requests=True,
    )
    click.echo(f"jigger docs: building {source} into {out} ...")
    result = server.build()
    if not result.ok and not watch:
        raise click.ClickException("the build failed; nothing new to serve")
    if not result.ok:
        click.echo(
            "jigger docs: the build has errors (above, and in a banner on each"
            " page); fix them and save: the open page reloads by itself"
        )
    server.serve_forever()


def _main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover
    docs_cli.main(args=argv, prog_name="jigger docs")


if __name__ == "__main__":  # pragma: no cover
    _main()
