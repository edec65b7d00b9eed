"""Serving: the jigger application that serves a built book.

:func:`create_app` serves a build folder: files with validators (``ETag``,
``Last-Modified``) and short lifetimes, a 404 page in the book's own layout,
no directory listing, nothing outside the folder. It is also a WSGI factory
for a real server:

.. code-block:: console

    $ gunicorn 'jigger_sphinx.serve:create_app("build/html")'

With a :class:`~jigger_sphinx.serve.build.BuildStatus` (the live server),
every HTML page gets a small script, added while serving and never written
into the build, that waits on ``/_jigger/status``: the page reloads as soon
as a new build is published, and shows a banner with the warnings when the
last build failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from email.utils import formatdate
from pathlib import Path

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

from .build import BuildStatus

__all__ = [
    "LIVE_PREFIX",
    "LONG_POLL_SECONDS",
    "STATIC_MAX_AGE",
    "create_app",
    "not_found_page",
]

#: Where the live-reload script and the status endpoint live on the server.
LIVE_PREFIX = "/_jigger"
#: Seconds a browser may keep files under ``_static/`` without asking again
#: (Sphinx adds a checksum to their URLs, so a change gets a new URL).
STATIC_MAX_AGE = 600
#: At most this many seconds a status request waits for a change.
LONG_POLL_SECONDS = 20.0

_ASSETS = Path(__file__).with_name("_assets")


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
    out_dir: str | os.PathLike[str],
    status: BuildStatus | None = None,
    *,
    long_poll_seconds: float = LONG_POLL_SECONDS,
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
      ``/_jigger/live.js``, which asks ``/_jigger/status`` to answer when
      the build changes (a long poll of at most ``long_poll_seconds``).

    :param out_dir: the built HTML folder.
    :param status: the live build status, or ``None`` for a plain server.
    :param long_poll_seconds: the longest a status request waits.

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
        def build_status(req: Request) -> BaseResponse:
            # ``?build=ID&ok=true|false|null`` (what the page saw) waits until
            # the status differs, so a page reloads the moment a build is out.
            seen = req.args.get("build")
            if seen is not None:
                seen_ok = {"true": True, "false": False}.get(req.args.get("ok", ""))
                live_status.wait_for_change(seen, seen_ok, long_poll_seconds)
            response = app.json.response(live_status.as_dict())
            response.cache_control.no_store = True
            return response

        @app.get(f"{LIVE_PREFIX}/live.js")
        def live_js() -> BaseResponse:
            return send_from_directory(_ASSETS, "live.js", max_age=None)

    return app
