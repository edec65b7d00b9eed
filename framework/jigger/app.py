"""The application class: :class:`Jigger` (also exported as ``Flask``).

It is a WSGI application. For each request it pushes a request context,
matches the URL, runs the ``before_request`` hooks and the view, turns the
view's return value into a response, runs the ``after_request`` hooks and,
when the context is popped, every teardown callback.

>>> from jigger import Jigger, Request
>>> app = Jigger("hello")
>>> @app.get("/hello/<name>")
... def hello(name: str) -> str:
...     return f"Hello, {name}!"
>>> @app.get("/explicit/<name>")
... def explicit(req: Request, name: str) -> dict[str, str]:
...     return {"name": name, "method": req.method}
>>> client = app.test_client()
>>> client.get("/hello/Ada").text
'Hello, Ada!'
>>> client.get("/explicit/Ada").json
{'method': 'GET', 'name': 'Ada'}
"""

from __future__ import annotations

import collections.abc as cabc
import os
import typing as t
from contextlib import closing
from functools import cached_property
from urllib.parse import quote

from werkzeug.routing import BuildError, MapAdapter

from ._fastpath import keeps_base
from .ctx import AppContext, RequestContext
from .dispatch import ExcInfo, RequestCycle
from .globals import _cv_ctx, g, request, session
from .helpers import _max_age_seconds, get_flashed_messages, send_from_directory
from .sessions import SecureCookieSessionInterface, SessionInterface
from .wrappers import (
    Request,
    Response,
    _simple_wsgi_parts,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .cli import FlaskCliRunner
    from .templating import DispatchingJinjaLoader, Environment
    from .testing import FlaskClient

T_error = t.TypeVar("T_error", bound=BaseException)
_TEXT_TYPES = (str, bytes)


def _url_quote_anchor(anchor: str) -> str:
    return quote(anchor, safe="%!#$&'()*+,/:;=?@")


class Jigger(RequestCycle):
    """A WSGI application: routes, hooks, error handlers and configuration.

    :param import_name: the name of the application's module or package,
        usually ``__name__``. The ``templates/`` and ``static/`` folders are
        looked up beside it.
    :param static_url_path: the URL prefix of static files (default:
        ``/static``).
    :param static_folder: the static folder, relative to ``root_path``;
        ``None`` disables the static route.
    :param static_host: the host of the static route with
        ``host_matching=True``.
    :param host_matching: match rules by host as well as path.
    :param subdomain_matching: use ``SERVER_NAME`` to match subdomains.
    :param template_folder: the templates folder, relative to ``root_path``.
    :param instance_path: an absolute path for the instance folder.
    :param instance_relative_config: load config files relative to the
        instance folder.
    :param root_path: the folder the app's files are relative to.

    Customise it with class attributes: :attr:`request_class`,
    :attr:`response_class`, :attr:`test_client_class`,
    :attr:`url_map_class`, :attr:`session_interface`.
    """

    #: The request class; a view sees instances of it.
    request_class: type[Request] = Request
    #: The response class made from views' return values.
    response_class: type[Response] = Response
    #: Loads and saves sessions; see :mod:`jigger.sessions`.
    session_interface: SessionInterface = SecureCookieSessionInterface()
    #: The class :meth:`test_client` returns (default
    #: :class:`~jigger.testing.FlaskClient`).
    test_client_class: type[FlaskClient] | None = None
    #: The class :meth:`test_cli_runner` returns (default
    #: :class:`~jigger.testing.FlaskCliRunner`).
    test_cli_runner_class: type[FlaskCliRunner] | None = None

    #: Whether a request may leave its application context unpushed, made
    #: only when asked for and pushed only for its teardown (see
    #: :meth:`jigger.ctx.RequestContext.push`): only while the class keeps
    #: jigger's own :meth:`app_context` and :meth:`do_teardown_appcontext`.
    _request_ctx_stands_in = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._request_ctx_stands_in = keeps_base(
            cls, Jigger, "app_context", "do_teardown_appcontext"
        )

    # -- files -----------------------------------------------------------

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``Cache-Control: max-age`` for a file, from
        ``SEND_FILE_MAX_AGE_DEFAULT`` (``None``: let the browser revalidate
        with the ETag and Last-Modified headers)."""
        return _max_age_seconds(self.config["SEND_FILE_MAX_AGE_DEFAULT"])

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` endpoint: serve ``filename`` from
        :attr:`static_folder`, refusing any path outside it."""
        if not self.has_static_folder:
            raise RuntimeError(
                f"{self.name!r} has no static folder; pass static_folder= to serve"
                " static files."
            )
        return send_from_directory(
            self._static_file_or_404(filename),
            filename,
            max_age=self.get_send_file_max_age(filename),
        )

    # -- templates -------------------------------------------------------

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja2 environment that renders this app's templates,
        created by :meth:`create_jinja_environment` the first time it is
        used (creating the app does not import Jinja2)."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Create :attr:`jinja_env` from :attr:`jinja_options`, with
        autoescaping chosen by :meth:`select_jinja_autoescape`, auto reload
        from :attr:`templates_auto_reload`, the filters, tests and globals
        registered so far, and the globals ``url_for``,
        ``get_flashed_messages``, ``config``, ``request``, ``session`` and
        ``g``."""
        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        options.setdefault("auto_reload", self.templates_auto_reload)
        env = self.jinja_environment(self, **options)
        env.globals.update(
            {
                "config": self.config,
                "g": g,
                "get_flashed_messages": get_flashed_messages,
                "request": request,
                "session": session,
                "url_for": self.url_for,
            }
        )
        env.policies["json.dumps_function"] = self.json.dumps
        for kind, name, func in self._jinja_additions:
            getattr(env, kind)[name] = func
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader of :attr:`jinja_env`: the app's template folder,
        then each blueprint's."""
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add ``g``, ``request`` and ``session`` (when there is a request)
        and what the context processors return to ``context``: the app's
        processors, then those of the request's blueprints, outermost first.
        Values the caller passed are never overridden."""
        ctx = _cv_ctx.get(None)
        blueprints: list[str] = []
        extra: dict[str, t.Any] = {}
        if ctx is not None:
            extra["g"] = ctx.g
            req = ctx.request
            if req is not None:
                extra["request"] = req
                extra["session"] = ctx.session
                blueprints = req.blueprints
        for func in self._in_scope(self.template_context_processors, blueprints):
            extra.update(self.ensure_sync(func)())
        if extra:
            extra.update(context)
            context.update(extra)

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.AnyStr]:
        """Open ``resource``, a path relative to :attr:`instance_path`.
        Unlike :meth:`open_resource` it may be opened for writing."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- contexts and test helpers ---------------------------------------

    def app_context(self) -> AppContext:
        """An application context for this app, to use in a ``with`` block
        in scripts, jobs, CLI commands and tests.

        >>> app = Jigger("job")
        >>> with app.app_context():
        ...     from jigger import current_app
        ...     current_app.name
        'job'
        """
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A request context for the WSGI ``environ``."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request, built from the same
        arguments as :class:`werkzeug.test.EnvironBuilder` (``path``,
        ``method``, ``data``, ``json``, ``headers``, ``query_string``, ...).

        >>> app = Jigger("t")
        >>> with app.test_request_context("/search?q=jigger"):
        ...     from jigger import request
        ...     request.args["q"]
        'jigger'
        """
        from .testing import EnvironBuilder

        with closing(EnvironBuilder(self, *args, **kwargs)) as builder:
            return self.request_context(builder.get_environ())

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """A client that sends requests to the app without a server. Use it
        as ``with client:`` to keep the last request's context for
        assertions."""
        cls = self.test_client_class
        if cls is None:
            from .testing import FlaskClient

            cls = FlaskClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> FlaskCliRunner:
        """A click test runner whose ``invoke`` runs this app's commands
        (``app.cli`` by default) with this app loaded; ``kwargs`` go to
        :class:`click.testing.CliRunner`."""
        cls = self.test_cli_runner_class
        if cls is None:
            from .cli import FlaskCliRunner

            cls = FlaskCliRunner
        return cls(self, **kwargs)

    # -- serving ---------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with Werkzeug's development server (not for
        production: use gunicorn, waitress or another WSGI server).

        :param host: the interface (default ``127.0.0.1``).
        :param port: the port (default 5000, or the one in ``SERVER_NAME``).
        :param debug: debug mode: the reloader and the interactive debugger.
        :param load_dotenv: load ``.jiggerenv``, ``.flaskenv`` and ``.env``
            when python-dotenv is installed.
        :param options: passed to :func:`werkzeug.serving.run_simple`.
        """
        if os.environ.get("JIGGER_RUN_FROM_CLI") == "true":
            # 'jigger run' already serves this app; a stray app.run() in the
            # module must not start a second server.
            return
        if load_dotenv:
            from .cli import load_dotenv as _load_dotenv

            _load_dotenv()
        if debug is not None:
            self.debug = bool(debug)
        server_name = self.config.get("SERVER_NAME")
        sn_host, _, sn_port = (server_name or "").partition(":")
        host = host or sn_host or "127.0.0.1"
        # port=0 is meaningful: the OS picks a free port.
        port = int(port if port is not None else (sn_port or 5000))
        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)

        from werkzeug.serving import run_simple

        try:
            run_simple(host, port, self, **options)
        finally:
            self._got_first_request = False

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """The WSGI application itself. Wrap this attribute, not the app,
        to add WSGI middleware: ``app.wsgi_app = Middleware(app.wsgi_app)``."""
        ctx = RequestContext(self, environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except BaseException as raised:
                error = raised
                if not isinstance(raised, Exception):
                    raise  # KeyboardInterrupt, SystemExit: not ours to answer
                response = self.handle_exception(raised)
            # A plain response whose parts are known needs none of
            # Werkzeug's generic WSGI call (see jigger.wrappers).
            parts = _simple_wsgi_parts(response, environ)
            if parts is None:
                return response(environ, start_response)
            status, headers, body = parts
            start_response(status, headers)
            return body
        finally:
            # The debugger may ask to keep the context for its console.
            preserve = environ.get("werkzeug.debug.preserve_context")
            if preserve is not None:
                preserve(ctx)
            ctx.pop(None if error is None or self.should_ignore_error(error) else error)

    # -- logging (here, so that records name this module: "ERROR in app") --

    def log_exception(
        self,
        exc_info: ExcInfo,
    ) -> None:
        """Log an unhandled exception to :attr:`logger` at ``ERROR``."""
        req = _cv_ctx.get().request
        where = f"{req.path} [{req.method}]" if req is not None else "(no request)"
        self.logger.error(f"Exception on {where}", exc_info=exc_info)

    def _log_error(
        self,
        message: str,
        exc_info: ExcInfo | BaseException,
    ) -> None:
        self.logger.error(message, exc_info=exc_info)

    # -- URLs ------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind the URL map to a request, or (with ``SERVER_NAME`` set) to
        the configured server for building URLs outside requests."""
        config = self.config
        url_map = self.url_map
        if request is None:
            if config["SERVER_NAME"] is None:
                return None
            return url_map.bind(
                config["SERVER_NAME"],
                script_name=config["APPLICATION_ROOT"],
                url_scheme=config["PREFERRED_URL_SCHEME"],
            )
        if config["TRUSTED_HOSTS"] is not None:
            request.trusted_hosts = config["TRUSTED_HOSTS"]
            request.host  # noqa: B018  (raises SecurityError for a bad host)
        if url_map.host_matching:
            # Only host matching needs the request's own host.
            return url_map.bind_to_environ(request.environ)
        # As in Flask 3.1: SERVER_NAME names the host of external URLs built
        # in a request, whatever Host the request came with.
        return url_map.bind_to_environ(
            request.environ,
            server_name=config["SERVER_NAME"],
            subdomain=None
            if self.subdomain_matching
            else (url_map.default_subdomain or ""),
        )

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build a URL; see :func:`jigger.url_for`."""
        ctx = _cv_ctx.get(None)
        req = ctx.request if ctx is not None else None
        if req is not None:
            url_adapter = t.cast(RequestContext, ctx._req_ctx).url_adapter  # type: ignore[union-attr]
            if url_adapter is None:
                raise RuntimeError(
                    "Cannot build URLs for this request: its Host header was"
                    " refused (see TRUSTED_HOSTS)."
                )
            if endpoint[:1] == ".":
                blueprint_name = req.blueprint
                endpoint = (
                    f"{blueprint_name}{endpoint}" if blueprint_name else endpoint[1:]
                )
            if _external is None:
                _external = _scheme is not None
        else:
            url_adapter = ctx.url_adapter if ctx is not None else None
            if url_adapter is None:
                url_adapter = self.create_url_adapter(None)
            if url_adapter is None:
                raise RuntimeError(
                    f"Cannot build the URL for {endpoint!r} outside a request:"
                    " the app does not know its host. Set SERVER_NAME (and"
                    " APPLICATION_ROOT and PREFERRED_URL_SCHEME if needed), for"
                    " example app.config['SERVER_NAME'] = 'example.com', or call"
                    " url_for inside 'with app.test_request_context():'."
                )
            if _external is None:
                _external = True
            if endpoint[:1] == ".":
                endpoint = endpoint[1:]
        if _scheme is not None and not _external:
            raise ValueError("url_for(_scheme=...) needs _external=True.")

        self.inject_url_defaults(endpoint, values)
        try:
            url = url_adapter.build(
                endpoint,
                values,
                force_external=_external,
                url_scheme=_scheme,
                method=_method,
            )
        except BuildError as error:
            # The handlers see every argument url_for was given.
            special = {"_anchor": _anchor, "_method": _method, "_scheme": _scheme}
            values.update(special, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        return url if _anchor is None else f"{url}#{_url_quote_anchor(_anchor)}"


#: Flask's name for the application class.
Flask = Jigger
