"""The request cycle of :class:`jigger.Jigger`: hooks, the view, the response,
errors and teardown.

:class:`RequestCycle` sits between the registration side
(:class:`jigger.sansio.app.App`) and the WSGI application
(:class:`jigger.Jigger`, which adds contexts, templates, the test client and
serving). It is a seam of the application class, kept in its own module to
keep each module short; use it through :class:`jigger.Jigger`.

The hooks of the app and of the request's blueprints run in two orders (see
``App._in_scope``): ``url_value_preprocessor`` and
``before_request`` from the app inwards; ``after_request`` and
``teardown_request`` from the innermost blueprint outwards, each list last
registered first.
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import sys
import typing as t
from types import TracebackType

from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from werkzeug.routing import RequestRedirect, RoutingException
from werkzeug.wrappers import Response as BaseResponse

from . import typing as ft
from .globals import _cv_ctx
from .routing import FastRouter
from .sansio.app import App
from .signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from .wrappers import (
    _response_for_body,
    _response_for_http_exception,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from blinker import Signal

    from .app import Jigger
    from .ctx import RequestContext
    from .sessions import SessionInterface
    from .wrappers import Request, Response

_TEXT_TYPES = (str, bytes)
#: What :func:`sys.exc_info` returns.
ExcInfo: t.TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]
)


class RequestCycle(App):
    """The part of :class:`jigger.Jigger` that turns a pushed request into a
    response; see there."""

    # Set on jigger.Jigger, where they are documented.
    request_class: type[Request]
    response_class: type[Response]
    session_interface: SessionInterface

    if t.TYPE_CHECKING:
        # In jigger.app, so that log records name the module "app" (the
        # "ERROR in app: ..." of the default format), as Flask's do.
        def _log_error(
            self, message: str, exc_info: ExcInfo | BaseException
        ) -> None: ...
        def log_exception(self, exc_info: ExcInfo) -> None: ...

    # -- the request cycle -------------------------------------------------

    def full_dispatch_request(self) -> Response:
        """Run the hooks and the view for the current request, and turn the
        result (or the handled error) into the final response."""
        if not self._got_first_request:
            self._start_serving()
        rv: ft.ResponseReturnValue | HTTPException | None
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            # A before_request hook's answer replaces the view.
            rv = self.dispatch_request() if rv is None else rv
        except Exception as error:
            rv = self.handle_user_exception(error)
        return self.finalize_request(rv)

    def _start_serving(self) -> None:
        """The first request: setup is over (the setup lock refuses new
        rules from now on), so the URL map is final. Its fast lane
        (jigger.routing) is compiled once, here, and only where it can
        answer: not with subdomain or host matching, where the host decides
        as much as the path."""
        self._got_first_request = True
        if not self.subdomain_matching and not self.url_map.host_matching:
            self._fast_router = FastRouter.build(self.url_map)

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """Run the ``url_value_preprocessor`` callbacks, then the
        ``before_request`` hooks (the app's first, then the blueprints',
        outermost first). A hook's non-``None`` result ends the request."""
        if not self.before_request_funcs and not self.url_value_preprocessors:
            return None
        req = t.cast("Request", _cv_ctx.get().request)
        blueprints = req.blueprints if self.blueprints else ()
        for func in self._in_scope(self.url_value_preprocessors, blueprints):
            func(req.endpoint, req.view_args)
        for hook in self._in_scope(self.before_request_funcs, blueprints):
            answer = self.ensure_sync(hook)()
            if answer is not None:
                return answer  # type: ignore[no-any-return]
        return None

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Call the view that matched the URL (or raise the routing error),
        answering ``OPTIONS`` automatically where the rule allows it."""
        req = t.cast("Request", _cv_ctx.get().request)
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
        adapter = t.cast("RequestContext", _cv_ctx.get()).url_adapter
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
            self._log_error(
                "An after_request hook failed while the response to an error"
                " was being finalised",
                sys.exc_info(),
            )
        return response

    def process_response(self, response: Response) -> Response:
        """Run the ``after_this_request`` callbacks, then the
        ``after_request`` hooks (blueprints' first, each list in reverse
        order), then save the session."""
        ctx = t.cast("RequestContext", _cv_ctx.get())
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        req = ctx.request
        if self.after_request_funcs:
            blueprints = req.blueprints if self.blueprints else ()
            for hook in self._in_scope(self.after_request_funcs, blueprints, True):
                response = self.ensure_sync(hook)(response)
        app: Jigger = self  # type: ignore[assignment]
        sessions = self.session_interface
        opened = ctx._session
        if (
            opened is None
            and "HTTP_COOKIE" in req.environ
            and sessions.get_cookie_name(app) in req.cookies
        ):
            # A client with a session cookie gets it saved (so refreshed,
            # when permanent) even by a request that never read it.
            opened = ctx.session
        if opened is not None and not sessions.is_null_session(opened):
            sessions.save_session(app, opened, response)
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
                environ = t.cast("Request", _cv_ctx.get().request).environ
                rv = _response_for_http_exception(response_class, rv, environ)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = response_class.force_type(
                        rv,  # type: ignore[arg-type]
                        t.cast("Request", _cv_ctx.get().request).environ,
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

        response = t.cast("Response", rv)
        if status is not None:
            if isinstance(status, int):
                response.status_code = status
            else:
                response.status = status  # "404 Not Found", or a bare "404"
        if headers:
            response.headers.update(headers)
        return response

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
        handler = None
        if e.code is not None and not isinstance(e, RoutingException):
            req = t.cast("Request", _cv_ctx.get().request)
            handler = self._find_error_handler(e, req.blueprints)
        return e if handler is None else self.ensure_sync(handler)(e)

    def handle_user_exception(
        self, e: Exception
    ) -> HTTPException | ft.ResponseReturnValue:
        """Handle an exception raised by a hook or a view with the matching
        error handler, or re-raise it for :meth:`handle_exception`."""
        missing_key = isinstance(e, BadRequestKeyError)
        if missing_key and (self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]):
            # Name the missing key in the error page, as a developer wants.
            e.show_exception = True  # type: ignore[attr-defined]
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        req = t.cast("Request", _cv_ctx.get().request)
        handler = self._find_error_handler(e, req.blueprints)
        if handler is not None:
            return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]
        if missing_key and self.debug:
            from .debughelpers import files_key_error

            explained = files_key_error(req, t.cast(BadRequestKeyError, e))
            if explained is not e:
                raise explained from e
        raise

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
            if exc_info[1] is not e:
                raise e
            raise  # keeps the traceback as it is
        self.log_exception(exc_info)
        wrapped = InternalServerError(original_exception=e)
        req = t.cast("Request", _cv_ctx.get().request)
        handler = self._find_error_handler(wrapped, req.blueprints)
        answer = wrapped if handler is None else self.ensure_sync(handler)(wrapped)
        return self.finalize_request(answer, from_error_handler=True)

    def _run_teardown(
        self,
        funcs: cabc.Iterable[ft.TeardownCallable],
        exc: BaseException | None,
        what: str,
        signal: Signal,
    ) -> None:
        """The one teardown dispatch: call every ``f(exc)`` even when one
        fails, log each failure, then send ``signal``; afterwards, when
        exceptions propagate (testing, debug), raise the failure (several:
        an :exc:`ExceptionGroup`)."""
        errors: list[Exception] = []
        for func in funcs:
            try:
                self.ensure_sync(func)(exc)
            except Exception as error:
                errors.append(error)
                self._log_error(f"A {what} callback raised an error", error)
        if signal.receivers:
            signal.send(self, _async_wrapper=self.ensure_sync, exc=exc)
        if errors and self._propagate_exceptions():
            if len(errors) > 1:
                raise ExceptionGroup(f"{len(errors)} {what} callbacks raised", errors)
            raise errors[0]

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run the ``teardown_request`` callbacks (blueprints' first, each
        list in reverse order). All of them run; their errors are logged and,
        when exceptions propagate (testing, debug), raised afterwards: one
        error as itself, several as an :exc:`ExceptionGroup`."""
        if not self.teardown_request_funcs:
            if request_tearing_down.receivers:
                request_tearing_down.send(
                    self, _async_wrapper=self.ensure_sync, exc=exc
                )
            return
        req = t.cast("Request", _cv_ctx.get().request)
        blueprints = req.blueprints if self.blueprints else ()
        funcs = self._in_scope(self.teardown_request_funcs, blueprints, True)
        self._run_teardown(funcs, exc, "teardown_request", request_tearing_down)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run the ``teardown_appcontext`` callbacks in reverse order, with
        the same error collection as :meth:`do_teardown_request`."""
        self._run_teardown(
            reversed(self.teardown_appcontext_funcs),
            exc,
            "teardown_appcontext",
            appcontext_tearing_down,
        )

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
        with asgiref (install the ``async`` extra)."""
        try:
            from asgiref.sync import async_to_sync as asgiref_async_to_sync
        except ImportError:
            raise RuntimeError(
                f"{getattr(func, '__qualname__', func)!r} is an async function;"
                " running it needs asgiref. Install the 'async' extra:"
                ' python -m pip install "path/to/jigger[async]".'
            ) from None
        return asgiref_async_to_sync(func)
