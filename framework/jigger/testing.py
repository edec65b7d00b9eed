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
from contextlib import contextmanager
from copy import copy
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


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """Werkzeug's environ builder, with defaults from the app's config
    (``SERVER_NAME``, ``APPLICATION_ROOT``, ``PREFERRED_URL_SCHEME``) and
    JSON through the app's provider.

    :param app: the application.
    :param path: the request path, possibly with a query string.
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
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise ValueError("Pass either base_url or subdomain/url_scheme, not both.")
        if base_url is None:
            http_host = app.config.get("SERVER_NAME") or "localhost"
            app_root = app.config["APPLICATION_ROOT"]
            if subdomain:
                http_host = f"{subdomain}.{http_host}"
            if url_scheme is None:
                url_scheme = app.config["PREFERRED_URL_SCHEME"]
            url = urlsplit(path)
            base_url = (
                f"{url.scheme or url_scheme}://{url.netloc or http_host}"
                f"/{app_root.lstrip('/')}"
            )
            path = url.path
            if url.query:
                path = f"{path}?{url.query}"
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise a ``json=`` body with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


_werkzeug_version = ""


def _get_werkzeug_version() -> str:
    global _werkzeug_version
    if not _werkzeug_version:
        _werkzeug_version = importlib.metadata.version("werkzeug")
    return _werkzeug_version


class FlaskClient(werkzeug.test.Client):
    """The test client of :meth:`jigger.Jigger.test_client` (Flask's name;
    also available as :data:`JiggerClient`).

    Requests come from ``127.0.0.1``; cookies are kept between requests.
    """

    application: Jigger

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[RequestContext] = []
        self._kept: RequestContext | None = None
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_get_werkzeug_version()}",
        }

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
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            sess = app.session_interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError(
                "The session interface did not open a session; is SECRET_KEY set?"
            )
        yield sess
        resp = app.response_class()
        if app.session_interface.is_null_session(sess):
            return
        with ctx:
            app.session_interface.save_session(app, sess, resp)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            resp.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: WSGIEnvironment) -> WSGIEnvironment:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        if args and isinstance(
            args[0], (werkzeug.test.EnvironBuilder, dict, BaseRequest)
        ):
            if isinstance(args[0], werkzeug.test.EnvironBuilder):
                builder = copy(args[0])
                builder.environ_base = self._copy_environ(builder.environ_base or {})  # type: ignore[arg-type]
                request = builder.get_request()
            elif isinstance(args[0], dict):
                request = EnvironBuilder.from_environ(
                    args[0], app=self.application, environ_base=self._copy_environ({})
                ).get_request()
            else:
                request = copy(args[0])
                request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)

        # A new request ends the context kept from the previous one.
        self._release_kept()
        self._new_contexts.clear()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        if self._new_contexts:
            # Keep the last request's context (after redirects, the final one).
            kept = self._kept = self._new_contexts[-1]
            kept._client_token = _cv_ctx.set(kept)
            self._new_contexts.clear()
        return response

    def _release_kept(self) -> None:
        kept, self._kept = self._kept, None
        # The kept context may have ended already, with the 'with' block
        # around the request (see jigger.ctx._end_kept_context_above).
        if kept is not None and kept._client_token is not None:
            token, kept._client_token = kept._client_token, None
            _cv_ctx.reset(token)

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
