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
import inspect
import os
import sys
import typing as t
from functools import cached_property
from types import TracebackType
from urllib.parse import quote

from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from werkzeug.routing import BuildError, MapAdapter, RequestRedirect, RoutingException
from werkzeug.wrappers import Response as BaseResponse

from . import typing as ft
from .ctx import AppContext, RequestContext
from .globals import _cv_ctx, g, request, session
from .helpers import _max_age_seconds, get_flashed_messages, send_from_directory
from .routing import FastRouter
from .sansio.app import App
from .sessions import SecureCookieSessionInterface, SessionInterface
from .signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from .wrappers import (
    Request,
    Response,
    _response_for_body,
    _response_for_http_exception,
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


class Jigger(App):
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
        cls._request_ctx_stands_in = (
            cls.app_context is Jigger.app_context
            and cls.do_teardown_appcontext is Jigger.do_teardown_appcontext
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
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
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
        names: tuple[str | None, ...] = (None,)
        extra: dict[str, t.Any] = {}
        if ctx is not None:
            extra["g"] = ctx.g
            req = ctx.request
            if req is not None:
                extra["request"] = req
                extra["session"] = ctx.session
                if req.blueprints:
                    names = (None, *reversed(req.blueprints))
        processors = self.template_context_processors
        for name in names:
            funcs = processors.get(name)
            if funcs:
                for func in funcs:
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

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

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
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except BaseException:
                error = sys.exc_info()[1]
                raise
            simple = _simple_wsgi_parts(response, environ)
            if simple is None:
                return response(environ, start_response)
            start_response(simple[0], simple[1])
            return simple[2]
        finally:
            keep = environ.get("werkzeug.debug.preserve_context")
            if keep is not None:
                keep(ctx)
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    # -- the request cycle -------------------------------------------------

    def full_dispatch_request(self) -> Response:
        """Run the hooks and the view for the current request, and turn the
        result (or the handled error) into the final response."""
        if not self._got_first_request:
            self._got_first_request = True
            # Setup is over (the setup lock refuses new rules from now on),
            # so the URL map is final: compile its fast lane once.
            if not self.subdomain_matching:
                self._fast_router = FastRouter.build(self.url_map)
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """Run the ``url_value_preprocessor`` callbacks, then the
        ``before_request`` hooks (the app's first, then the blueprints',
        outermost first). A hook's non-``None`` result ends the request."""
        if not self.before_request_funcs and not self.url_value_preprocessors:
            return None
        req = t.cast(Request, _cv_ctx.get().request)
        blueprints = req.blueprints if self.blueprints else ()
        names: tuple[str | None, ...] = (
            (None, *reversed(blueprints)) if blueprints else (None,)
        )
        for name in names:
            preprocessors = self.url_value_preprocessors.get(name)
            if preprocessors:
                for func in preprocessors:
                    func(req.endpoint, req.view_args)
        for name in names:
            hooks = self.before_request_funcs.get(name)
            if hooks:
                for hook in hooks:
                    rv = self.ensure_sync(hook)()
                    if rv is not None:
                        return rv  # type: ignore[no-any-return]
        return None

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Call the view that matched the URL (or raise the routing error),
        answering ``OPTIONS`` automatically where the rule allows it."""
        req = t.cast(Request, _cv_ctx.get().request)
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule = req.url_rule
        if req.method == "OPTIONS" and getattr(
            # A rule added to url_map directly has no such attribute.
            rule,
            "provide_automatic_options",
            False,
        ):
            return self.make_default_options_response()
        endpoint = rule.endpoint  # type: ignore[union-attr]
        view = self.view_functions[endpoint]
        cached = self._view_calls.get(endpoint)
        if cached is not None and cached[0] is view and cached[2] is not None:
            return cached[2](**req.view_args)  # type: ignore[arg-type,no-any-return]
        return self._view_call(endpoint, view)(**req.view_args)  # type: ignore[arg-type,no-any-return]

    def _view_call(
        self, endpoint: str, view: ft.RouteCallable
    ) -> t.Callable[..., t.Any]:
        """The callable a request to ``endpoint`` calls with the URL's
        variables: ``view`` given the request and app it asks for, made
        synchronous by :meth:`ensure_sync`. Built on the first request and
        cached; a view put into :attr:`view_functions` directly is planned
        here."""
        cached = self._view_calls.get(endpoint)
        if cached is not None and cached[0] is view:
            prepared = cached[1]
        else:
            prepared = self._explicit(view, "view")
        call = self.ensure_sync(prepared)
        self._view_calls[endpoint] = (view, prepared, call)
        return call

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error (404, 405, or the redirect to the URL with
        a trailing slash) recorded when the URL was matched.

        In debug mode, a form sent to a URL that redirects with 301 or 302
        (which browsers follow with ``GET``, dropping the form) raises
        :exc:`~jigger.debughelpers.FormDataRoutingRedirect` instead."""
        error = request.routing_exception
        if (
            self.debug
            and isinstance(error, RequestRedirect)
            and error.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            from .debughelpers import FormDataRoutingRedirect

            raise FormDataRoutingRedirect(request)
        raise error  # type: ignore[misc]

    def make_default_options_response(self) -> Response:
        """The automatic answer to ``OPTIONS``: an empty response whose
        ``Allow`` header lists the methods the URL accepts."""
        adapter = t.cast(RequestContext, _cv_ctx.get()).url_adapter
        rv = self.response_class()
        rv.allow.update(adapter.allowed_methods())  # type: ignore[union-attr]
        return rv

    def finalize_request(
        self,
        rv: ft.ResponseReturnValue | HTTPException,
        from_error_handler: bool = False,
    ) -> Response:
        """Make the response and run the ``after_request`` hooks. When this
        runs for an error handler's result, a failing hook is logged instead
        of raised, so the error page still goes out."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(
                    self, _async_wrapper=self.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "An after_request hook failed while the response to an error"
                " was being finalised"
            )
        return response

    def process_response(self, response: Response) -> Response:
        """Run the ``after_this_request`` callbacks, then the
        ``after_request`` hooks (blueprints' first, each list in reverse
        order), then save the session."""
        ctx = t.cast(RequestContext, _cv_ctx.get())
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        req = ctx.request
        if self.after_request_funcs:
            blueprints = req.blueprints if self.blueprints else ()
            for name in (*blueprints, None) if blueprints else (None,):
                hooks = self.after_request_funcs.get(name)
                if hooks:
                    for hook in reversed(hooks):
                        response = self.ensure_sync(hook)(response)
        si = self.session_interface
        sess = ctx._session
        if (
            sess is None
            and "HTTP_COOKIE" in req.environ
            and si.get_cookie_name(self) in req.cookies
        ):
            # Open the session of a client that has one, so that a permanent
            # session is refreshed even on requests that do not read it.
            sess = ctx.session
        if sess is not None and not si.is_null_session(sess):
            si.save_session(self, sess, response)
        return response

    def make_response(self, rv: ft.ResponseReturnValue | HTTPException) -> Response:
        """Turn a view's return value into a :attr:`response_class` instance.

        Accepted: ``str``, ``bytes``, ``dict`` or ``list`` (JSON), a
        response object, a WSGI callable, an iterator or generator (streamed),
        and the tuples ``(body, status)``, ``(body, headers)`` and
        ``(body, status, headers)``. Anything else is a :exc:`TypeError` that
        names the view and the type it returned.
        """
        status: int | str | None = None
        headers: t.Any = None
        if isinstance(rv, tuple):
            n = len(rv)
            if n == 3:
                rv, status, headers = rv  # type: ignore[misc]
            elif n == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv  # type: ignore[assignment,misc]
            else:
                raise TypeError(
                    f"The view for {self._endpoint_name()} returned a tuple of"
                    f" {n} items; a view may return (body, status), (body,"
                    " headers) or (body, status, headers)."
                )

        if rv is None:
            raise TypeError(
                f"The view for {self._endpoint_name()} returned None (or ended"
                " without a return statement); it must return a response value"
                " such as a string, a dict or a Response."
            )

        response_class = self.response_class
        if not isinstance(rv, response_class):
            rtype = type(rv)
            if status is None and headers is None and rtype in _TEXT_TYPES:
                rv = _response_for_body(response_class, rv)  # type: ignore[arg-type]
            elif rtype is dict or rtype is list:  # before the Iterator ABC check
                rv = self.json.response(rv)
            elif isinstance(rv, (str, bytes, bytearray, cabc.Iterator)):
                rv = response_class(rv, status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, HTTPException):
                # An error page: ask the exception for its response directly
                # instead of running it as a WSGI application.
                environ = t.cast(Request, _cv_ctx.get().request).environ
                rv = _response_for_http_exception(response_class, rv, environ)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = response_class.force_type(
                        rv,  # type: ignore[arg-type]
                        t.cast(Request, _cv_ctx.get().request).environ,
                    )
                except TypeError as e:
                    raise TypeError(
                        f"The view for {self._endpoint_name()} returned"
                        f" {type(rv).__name__!r}, which could not be called as a"
                        f" WSGI application: {e}"
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    f"The view for {self._endpoint_name()} returned a value of"
                    f" type {type(rv).__name__!r}, which is not a response. Return"
                    " a string, bytes, a dict or list (JSON), a Response, a WSGI"
                    " callable, an iterator, or a (body, status, headers) tuple."
                )

        rv = t.cast(Response, rv)
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return rv

    def _endpoint_name(self) -> str:
        ctx = _cv_ctx.get(None)
        req = ctx.request if ctx is not None else None
        if req is not None and req.endpoint is not None:
            return repr(req.endpoint)
        return "this request"

    # -- errors ----------------------------------------------------------

    def handle_http_exception(
        self, e: HTTPException
    ) -> HTTPException | ft.ResponseReturnValue:
        """Use the registered handler for an HTTP error, or the error itself
        (which renders a short HTML page) when there is none. Redirects made
        by routing are passed through untouched."""
        if e.code is None or isinstance(e, RoutingException):
            return e
        req = t.cast(Request, _cv_ctx.get().request)
        handler = self._find_error_handler(e, req.blueprints)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_user_exception(
        self, e: Exception
    ) -> HTTPException | ft.ResponseReturnValue:
        """Handle an exception raised by a hook or a view with the matching
        error handler, or re-raise it for :meth:`handle_exception`."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        req = t.cast(Request, _cv_ctx.get().request)
        handler = self._find_error_handler(e, req.blueprints)
        if handler is None:
            if self.debug and isinstance(e, BadRequestKeyError):
                from .debughelpers import files_key_error

                explained = files_key_error(req, e)
                if explained is not e:
                    raise explained from e
            raise
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_exception(self, e: Exception) -> Response:
        """Handle an exception no error handler took: re-raise it when
        exceptions propagate (debug, testing, ``PROPAGATE_EXCEPTIONS``);
        otherwise log it and answer ``500 Internal Server Error`` (through a
        registered 500 handler if any), without a traceback."""
        exc_info = sys.exc_info()
        if got_request_exception.receivers:
            got_request_exception.send(
                self, _async_wrapper=self.ensure_sync, exception=e
            )
        if self._propagate_exceptions():
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: InternalServerError | ft.ResponseReturnValue
        server_error = InternalServerError(original_exception=e)
        req = t.cast(Request, _cv_ctx.get().request)
        handler = self._find_error_handler(server_error, req.blueprints)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception to :attr:`logger` at ``ERROR``."""
        req = _cv_ctx.get().request
        where = f"{req.path} [{req.method}]" if req is not None else "(no request)"
        self.logger.error(f"Exception on {where}", exc_info=exc_info)

    def _run_teardown(
        self,
        funcs: cabc.Iterable[ft.TeardownCallable],
        exc: BaseException | None,
        what: str,
    ) -> None:
        errors: list[Exception] = []
        for func in funcs:
            try:
                self.ensure_sync(func)(exc)
            except Exception as e:
                errors.append(e)
        if not errors:
            return
        for err in errors:
            self.logger.error(f"A {what} callback raised an error", exc_info=err)
        if self._propagate_exceptions():
            if len(errors) == 1:
                raise errors[0]
            raise ExceptionGroup(f"{len(errors)} {what} callbacks raised", errors)

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run the ``teardown_request`` callbacks (blueprints' first, each
        list in reverse order). All of them run; their errors are logged and,
        when exceptions propagate (testing, debug), raised afterwards: one
        error as itself, several as an :exc:`ExceptionGroup`."""
        funcs: list[ft.TeardownCallable] = []
        if self.teardown_request_funcs:
            req = t.cast(Request, _cv_ctx.get().request)
            blueprints = req.blueprints if self.blueprints else ()
            for name in (*blueprints, None) if blueprints else (None,):
                registered = self.teardown_request_funcs.get(name)
                if registered:
                    funcs.extend(reversed(registered))
        try:
            if funcs:
                self._run_teardown(funcs, exc, "teardown_request")
        finally:
            if request_tearing_down.receivers:
                request_tearing_down.send(
                    self, _async_wrapper=self.ensure_sync, exc=exc
                )

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run the ``teardown_appcontext`` callbacks in reverse order, with
        the same error collection as :meth:`do_teardown_request`."""
        try:
            self._run_teardown(
                reversed(self.teardown_appcontext_funcs), exc, "teardown_appcontext"
            )
        finally:
            if appcontext_tearing_down.receivers:
                appcontext_tearing_down.send(
                    self, _async_wrapper=self.ensure_sync, exc=exc
                )

    # -- URLs ------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind the URL map to a request, or (with ``SERVER_NAME`` set) to
        the configured server for building URLs outside requests."""
        if request is not None:
            trusted = self.config["TRUSTED_HOSTS"]
            if trusted is not None:
                request.trusted_hosts = trusted
                request.host  # noqa: B018  (raises SecurityError for a bad host)
            # As in Flask 3.1: SERVER_NAME names the host of external URLs
            # built in a request, whatever Host the request came with; only
            # host matching needs the request's own host.
            server_name = self.config["SERVER_NAME"]
            subdomain = None
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or ""
            return self.url_map.bind_to_environ(
                request.environ, server_name=server_name, subdomain=subdomain
            )
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

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
            rv = url_adapter.build(
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            values.update(
                _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external
            )
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            rv = f"{rv}#{_url_quote_anchor(_anchor)}"
        return rv

    # -- sync and async --------------------------------------------------

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func`` as a plain function: coroutine functions are
        wrapped with :meth:`async_to_sync`."""
        if inspect.iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(
        self, func: t.Callable[..., cabc.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Run a coroutine function to completion from synchronous code,
        with asgiref (install ``jigger[async]``)."""
        try:
            from asgiref.sync import async_to_sync as asgiref_async_to_sync
        except ImportError:
            raise RuntimeError(
                f"{getattr(func, '__qualname__', func)!r} is an async function;"
                " running it needs asgiref. Install the 'async' extra:"
                " pip install 'jigger[async]'."
            ) from None
        return asgiref_async_to_sync(func)


#: Flask's name for the application class.
Flask = Jigger
