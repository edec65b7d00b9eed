"""Testing helpers: the test client and the environ builder.

``app.test_client()`` returns a :class:`FlaskClient` that sends requests to
the app in-process. Inside ``with client:`` the last request's context stays
available, so a test can look at ``request``, ``session`` and ``g`` after the
response came back.

>>> from jigger import Jigger, g, request
>>> app = Jigger("t")
>>> @app.get("/who")
... def who() -> str:
...     g.seen = request.args["name"]
...     return "ok"
>>> with app.test_client() as client:
...     _ = client.get("/who?name=ada")
...     g.seen, request.path
('ada', '/who')
"""

from __future__ import annotations

import importlib.metadata
import typing as t
from contextlib import closing, contextmanager
from copy import copy
from functools import cache
from urllib.parse import urlsplit

import werkzeug.test
from werkzeug.wrappers import Request as BaseRequest

from .globals import _cv_ctx

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.test import TestResponse

    from .app import Jigger
    from .cli import FlaskCliRunner as FlaskCliRunner
    from .ctx import RequestContext
    from .sessions import SessionMixin

#: The environ key through which the app hands a finished request's context
#: to the client (see ``Jigger.wsgi_app``); Werkzeug's debugger uses it too.
_KEEP_KEY = "werkzeug.debug.preserve_context"


def _app_target(
    app: Jigger, path: str, subdomain: str | None, url_scheme: str | None
) -> tuple[str, str]:
    """Split ``path`` into the ``(base_url, path)`` pair Werkzeug wants.

    A scheme or host written in ``path`` itself wins; otherwise the host is
    ``SERVER_NAME`` (or ``localhost``) behind the optional subdomain and the
    scheme is ``url_scheme`` or ``PREFERRED_URL_SCHEME``. The app is mounted
    at ``APPLICATION_ROOT``. A fragment is dropped, as a browser would.
    """
    parts = urlsplit(path)
    host = parts.netloc
    if not host:
        host = app.config.get("SERVER_NAME") or "localhost"
        host = f"{subdomain}.{host}" if subdomain else host
    scheme = parts.scheme or url_scheme or app.config["PREFERRED_URL_SCHEME"]
    root = app.config["APPLICATION_ROOT"].lstrip("/")
    local = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return f"{scheme}://{host}/{root}", local


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """Werkzeug's environ builder, with defaults from the app's config
    (``SERVER_NAME``, ``APPLICATION_ROOT``, ``PREFERRED_URL_SCHEME``) and
    JSON through the app's provider.

    :param app: the application.
    :param path: the request path, possibly with a query string, or a full
        URL whose scheme and host are then used.
    :param base_url: the URL the app is mounted at; not together with
        ``subdomain`` or ``url_scheme``.
    :param subdomain: a subdomain to prepend to ``SERVER_NAME``.
    :param url_scheme: the scheme (default ``PREFERRED_URL_SCHEME``).
    """

    def __init__(
        self,
        app: Jigger,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *more: t.Any,
        **options: t.Any,
    ) -> None:
        if base_url is None:
            base_url, path = _app_target(app, path, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise ValueError("Pass either base_url or subdomain/url_scheme, not both.")
        self.app = app
        super().__init__(path, base_url, *more, **options)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise a ``json=`` body with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


@cache
def _user_agent() -> str:
    """The client's ``User-Agent``: Werkzeug's name and installed version."""
    return "Werkzeug/" + importlib.metadata.version("werkzeug")


class FlaskClient(werkzeug.test.Client):
    """The test client of :meth:`jigger.Jigger.test_client` (Flask's name;
    also available as :data:`JiggerClient`).

    Requests come from ``127.0.0.1`` and cookies are kept between requests.
    ``client.environ_base`` holds the environ values every request starts
    from; a request's own ``environ_base`` overrides them.

    Design: every request, whatever form it is given in (builder arguments,
    an :class:`EnvironBuilder`, an environ dict or a request object), is
    first turned into one request object carrying the client's environ
    defaults (``_prepared``), then handed to Werkzeug. Inside
    ``with client:`` the app passes each finished request's context back
    through the environ; the client keeps only the last one active, by
    setting it as the current context and remembering the reset token.
    """

    application: Jigger

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._handed_back: list[RequestContext] = []
        self._kept: RequestContext | None = None
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": _user_agent(),
        }

    def _environ(self, own: t.Mapping[str, t.Any] | None) -> WSGIEnvironment:
        """The client's environ defaults overlaid with ``own``."""
        merged: dict[str, t.Any] = dict(self.environ_base)
        merged.update(own or {})
        if self.preserve_context:
            merged[_KEEP_KEY] = self._handed_back.append
        return merged

    def _prepared(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        """Turn :meth:`open`'s arguments into a request with our defaults."""
        first = args[0] if args else None
        if isinstance(first, werkzeug.test.EnvironBuilder):
            given = copy(first)
            given.environ_base = self._environ(given.environ_base)
            return given.get_request()
        if isinstance(first, dict):
            rebuilt = EnvironBuilder.from_environ(
                first, app=self.application, environ_base=self._environ(None)
            )
            return rebuilt.get_request()
        if isinstance(first, BaseRequest):
            theirs = copy(first)
            theirs.environ = self._environ(theirs.environ)
            return theirs
        kwargs["environ_base"] = self._environ(kwargs.get("environ_base"))
        with closing(EnvironBuilder(self.application, *args, **kwargs)) as built:
            return built.get_request()

    def open(
        self,
        *request_args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **request_kwargs: t.Any,
    ) -> TestResponse:
        # Werkzeug's Client.open, with paths resolved against the app's
        # config and the request context kept inside 'with client:'.
        request = self._prepared(request_args, request_kwargs)
        # Whatever the previous request kept ends when a new one starts.
        self._release_kept()
        self._handed_back.clear()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        if self._handed_back:
            # After redirects several contexts came back: keep the final one.
            last = self._kept = self._handed_back[-1]
            last._client_token = _cv_ctx.set(last)
            self._handed_back.clear()
        return response

    def _release_kept(self) -> None:
        kept, self._kept = self._kept, None
        # The kept context may have ended already, with the 'with' block
        # around the request (see jigger.ctx._end_kept_context_above).
        token = None if kept is None else kept._client_token
        if kept is not None and token is not None:
            kept._client_token = None
            _cv_ctx.reset(token)

    @contextmanager
    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Iterator[SessionMixin]:
        """Open the client's session for changes in a ``with`` block; it is
        saved into the client's cookies at the end of the block. Takes the
        arguments of :meth:`~jigger.Jigger.test_request_context`."""
        if self._cookies is None:
            raise TypeError(
                "session_transaction needs cookies; create the client with"
                " use_cookies=True."
            )
        app = self.application
        store = app.session_interface
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            session = store.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError(
                "The session interface did not open a session; is SECRET_KEY set?"
            )
        yield session
        if store.is_null_session(session):
            return
        carrier = app.response_class()
        with ctx:
            store.save_session(app, session, carrier)
        host = ctx.request.host.partition(":")[0]
        cookies = carrier.headers.getlist("Set-Cookie")
        self._update_cookies_from_response(host, ctx.request.path, cookies)

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("A test client's 'with' block cannot be nested.")
        self.preserve_context = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.preserve_context = False
        self._release_kept()


#: jigger's name for :class:`FlaskClient`.
JiggerClient = FlaskClient


def __getattr__(name: str) -> t.Any:
    # FlaskCliRunner lives with the CLI and is exported here on first use,
    # so that the test client does not import click.
    if name in {"FlaskCliRunner", "JiggerCliRunner"}:
        from .cli import FlaskCliRunner

        return FlaskCliRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
