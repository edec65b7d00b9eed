"""Application and request contexts.

A context is pushed onto the single context variable behind the proxies in
:mod:`jigger.globals`. An :class:`AppContext` makes ``current_app`` and ``g``
work; a :class:`RequestContext` adds ``request`` and ``session``, and runs
inside one application context from its first hook to its last teardown
callback. A script, a job or a CLI command pushes only an application
context::

    with app.app_context():
        send_nightly_report()

>>> from jigger import Jigger, g, has_app_context
>>> app = Jigger("cron")
>>> with app.app_context():
...     g.run_id = 7
...     print(has_app_context(), g.run_id)
True 7
>>> has_app_context()
False
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import update_wrapper
from types import TracebackType

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Request as RequestBase

from . import typing as ft
from .globals import _cv_ctx
from .signals import appcontext_popped, appcontext_pushed, appcontext_tearing_down

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import MapAdapter

    from .app import Jigger
    from .sessions import SessionMixin
    from .wrappers import Request

_sentinel: t.Any = object()
#: Marks a push in which the request's own application context was not
#: pushed; it is pushed only to end it (see RequestContext.push).
_OWN: t.Final = "own"
_OwnOrAppContext = t.Union["AppContext", t.Literal["own"], None]
_HTTP_SCHEMES = frozenset({"http", "https"})
_RequestBaseClose = RequestBase.close


class _AppCtxGlobals:
    """The namespace behind :data:`jigger.g`: set any attribute on it.

    It lives as long as the application context, so a request and the hooks
    around it share it, and a script's ``with app.app_context():`` block gets
    a fresh one.

    >>> ns = _AppCtxGlobals()
    >>> ns.user = "ada"
    >>> "user" in ns, ns.get("missing", 0), ns.pop("user")
    (True, 0, 'ada')
    """

    # Attributes are ordinary instance attributes; these declarations only
    # tell a type checker that any name may be set and read.
    if t.TYPE_CHECKING:

        def __setattr__(self, name: str, value: t.Any) -> None: ...
        def __delattr__(self, name: str) -> None: ...

    def __getattr__(self, name: str) -> t.Any:
        # Reached only for a name that is not set.
        raise AttributeError(name)

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove the attribute ``name`` and return its value; ``default``
        when it is not set, or :exc:`KeyError` without a default."""
        values = self.__dict__
        return values.pop(name) if default is _sentinel else values.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The attribute ``name``, set to ``default`` first when missing."""
        return self.__dict__.setdefault(name, default)

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __repr__(self) -> str:
        ctx = _cv_ctx.get(None)
        if ctx is not None:
            return f"<jigger.g of '{ctx.app.name}'>"
        return object.__repr__(self)


def _wrong_pop(popped: object, top: object) -> AssertionError:
    return AssertionError(
        f"Popped {popped!r} while {top!r} was the innermost context. Contexts must"
        " be popped in the reverse order they were pushed; use 'with' blocks to"
        " get this right."
    )


_Self = t.TypeVar("_Self", bound="_WithBlock")


class _WithBlock:
    """What both kinds of context share: ``with ctx:`` (push on entry; on
    exit pop, handing the teardown callbacks the exception that ended the
    block) and the URL adapter, bound on first use."""

    app: Jigger
    _url_adapter: MapAdapter | None
    _url_adapter_ready: bool

    def push(self) -> None:
        raise NotImplementedError

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        raise NotImplementedError

    @property
    def _bound_request(self) -> Request | None:
        # What the URL map is bound to: an application context binds it to
        # SERVER_NAME alone; a request context to its request.
        return None

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The app's URL map, bound on first use (see
        :meth:`jigger.Jigger.create_url_adapter`): to this request in a
        request context; to ``SERVER_NAME`` in an application context
        (``None`` when it is not set)."""
        if not self._url_adapter_ready:
            self._url_adapter = self.app.create_url_adapter(self._bound_request)
            self._url_adapter_ready = True
        return self._url_adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value
        self._url_adapter_ready = True

    def __enter__(self: _Self) -> _Self:
        self.push()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.pop(error)


class AppContext(_WithBlock):
    """The application context: makes ``current_app`` and ``g`` available.

    Create one with :meth:`jigger.Jigger.app_context` and use it as a ``with``
    block. It may be pushed several times; teardown callbacks run when the
    outermost push is popped.
    """

    def __init__(self, app: Jigger, *, g: _AppCtxGlobals | None = None) -> None:
        self.app = app
        self._url_adapter: MapAdapter | None = None
        self._url_adapter_ready = False
        #: ``g``: a fresh namespace, or the one of the request context this
        #: application context belongs to (see RequestContext._app_ctx).
        self.g: _AppCtxGlobals = g if g is not None else app.app_ctx_globals_class()
        #: One entry per push: the context-variable token, and the request
        #: context that was current when this context was pushed.
        self._tokens: list[
            tuple[contextvars.Token[AppContext | RequestContext], RequestContext | None]
        ] = []
        #: The request context this application context was pushed inside
        #: (``with app.app_context():`` in a view), or ``None``. The request
        #: stays visible through it, as in Flask.
        self._req_ctx: RequestContext | None = None
        #: True while this is the unpushed application context of a running
        #: request (see RequestContext._app_ctx): the request's own push
        #: counts, so popping a ``with app_ctx:`` block is not the last pop.
        self._held_by_request = False

    @property
    def _app_ctx(self) -> AppContext:
        # What the app_ctx proxy returns when this context is the innermost.
        return self

    @property
    def request(self) -> Request | None:
        """The request of the request context this application context was
        pushed inside, or ``None``: pushing an application context during a
        request hides neither the request nor the session."""
        req_ctx = self._req_ctx
        return req_ctx.request if req_ctx is not None else None

    @property
    def session(self) -> SessionMixin | None:
        """The session of :attr:`request`'s context, or ``None``."""
        req_ctx = self._req_ctx
        return req_ctx.session if req_ctx is not None else None

    def push(self) -> None:
        """Make this context the current one."""
        below = _cv_ctx.get(None)
        req_ctx = below._req_ctx if below is not None else None
        self._tokens.append((_cv_ctx.set(self), self._req_ctx))
        self._req_ctx = req_ctx
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def _push_bare(self) -> None:
        """Make this context current without the ``appcontext_pushed``
        signal: to end the application context of a request (its signal
        was sent, or not needed, when the request context was pushed)."""
        self._tokens.append((_cv_ctx.set(self), self._req_ctx))
        self._req_ctx = None

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Pop the context; on the outermost pop run the teardown callbacks.

        :param exc: the exception that ended the block, passed to the
            teardown callbacks; by default the one being handled, if any.
        """
        if len(self._tokens) != 1 or self._held_by_request:
            self._reset()
            return
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        try:
            self.app.do_teardown_appcontext(exc)
        finally:
            self._reset()
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def _reset(self) -> None:
        if not self._tokens:
            raise AssertionError(f"{self!r} was popped more often than pushed.")
        top = _end_kept_context_above(self)
        token, self._req_ctx = self._tokens.pop()
        _cv_ctx.reset(token)
        if top is not self:
            raise _wrong_pop(self, top)

    def __repr__(self) -> str:
        return f"<AppContext of {self.app.name!r}>"


class RequestContext(_WithBlock):
    """The request context: everything about one request.

    :meth:`jigger.Jigger.wsgi_app` pushes one per request; tests create one
    with :meth:`jigger.Jigger.test_request_context`. It runs inside one
    application context, the same object from the first hook to the last
    ``teardown_appcontext`` callback (see :meth:`push`). The session is
    opened the first time it is used, so requests that never touch it pay
    nothing for it.
    """

    def __init__(
        self,
        app: Jigger,
        environ: WSGIEnvironment,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        if request is None:
            request = app.request_class(environ)
            request.json_module = app.json  # type: ignore[assignment]
        self.app = app
        self.request: Request = request
        self._url_adapter: MapAdapter | None = None
        # Binding the URL map to the environ costs as much as the rest of a
        # small request; when the host needs no check it is done on first
        # use (url_for, OPTIONS, or a URL the fast lane leaves to Werkzeug).
        self._url_adapter_ready = False
        if app.config["TRUSTED_HOSTS"] is not None:
            self._url_adapter_ready = True
            try:
                self._url_adapter = app.create_url_adapter(request)
            except HTTPException as e:
                request.routing_exception = e
        self._session = session
        self.flashes: list[tuple[str, str]] | None = None
        self._after_request_functions: list[ft.AfterRequestCallable[t.Any]] = []
        self._tokens: list[
            tuple[contextvars.Token[AppContext | RequestContext], _OwnOrAppContext]
        ] = []
        self._holds = 0
        self._deferred: tuple[BaseException | None, _OwnOrAppContext] | None = None
        #: Set while a test client's ``with client:`` block keeps this
        #: context current after its request (see jigger.testing).
        self._client_token: contextvars.Token[AppContext | RequestContext] | None = None
        self.g: _AppCtxGlobals
        #: The application context of this request; made on first use when
        #: the request needed to push none (see push).
        self._app_ctx_obj: AppContext | None = None

    @property
    def _app_ctx(self) -> AppContext:
        # What the app_ctx proxy returns while this context is the innermost:
        # one object for the request's whole life, so that an extension that
        # keys state on it finds that state again in teardown_appcontext.
        app_ctx = self._app_ctx_obj
        if app_ctx is None:
            app_ctx = self._app_ctx_obj = AppContext(self.app, g=self.g)
            app_ctx._held_by_request = True
        return app_ctx

    @property
    def _req_ctx(self) -> RequestContext:
        return self

    @property
    def _bound_request(self) -> Request:
        return self.request

    @property
    def session(self) -> SessionMixin:
        """The session, opened through the app's session interface on first
        use."""
        s = self._session
        if s is None:
            si = self.app.session_interface
            s = si.open_session(self.app, self.request)
            if s is None:
                s = si.make_null_session(self.app)
            self._session = s
        return s

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    def copy(self) -> RequestContext:
        """A new context for the same request and session, for another thread
        or greenlet (see :func:`copy_current_request_context`)."""
        return self.__class__(
            self.app, self.request.environ, self.request, self.session
        )

    def match_request(self) -> None:
        """Match the URL and method; store the rule and arguments on the
        request, or the routing error to raise at dispatch.

        Once the app serves requests, the fast lane of
        :mod:`jigger.routing` answers the requests it is certain about;
        Werkzeug's matcher answers the rest.
        """
        req = self.request
        router = self.app._fast_router
        if router is not None:
            environ = req.environ
            path = environ.get("PATH_INFO") or ""
            if path[:1] == "/" and environ.get("wsgi.url_scheme") in _HTTP_SCHEMES:
                hit = router.match(path, req.method)
                if hit is not None:
                    req.url_rule, req.view_args = hit
                    return
                if router.surely_missing(path):
                    req.routing_exception = NotFound()
                    return
        adapter = self.url_adapter
        if adapter is None:
            return
        try:
            rule, args = adapter.match(return_rule=True)
        except HTTPException as e:
            req.routing_exception = e
        else:
            req.url_rule = rule
            req.view_args = t.cast("dict[str, t.Any]", args)

    def push(self) -> None:
        """Make this context the current one, inside an application context.

        When an application context of the same app is current, the request
        runs in it. Otherwise the request has an application context of its
        own. Pushing it would take a second context-variable change per
        request; instead, while the app keeps jigger's
        :meth:`~jigger.Jigger.app_context` and nothing listens to
        ``appcontext_pushed``, the request context is the only thing pushed
        and reports its application context (made only when someone asks
        for it, ``app_ctx`` or ``_cv_app``) as current. That object is the
        one pushed, on its own, for the ``teardown_appcontext`` callbacks
        after the request context is gone, just as a pushed one would be.
        """
        top = _cv_ctx.get(None)
        app = self.app
        app_ctx: _OwnOrAppContext
        if top is not None and top.app is app:
            app_ctx = None
            self._app_ctx_obj = top._app_ctx
            self.g = self._app_ctx_obj.g
        elif app._request_ctx_stands_in and not appcontext_pushed.receivers:
            app_ctx = _OWN
            self._app_ctx_obj = None
            self.g = app.app_ctx_globals_class()
        else:
            app_ctx = self._app_ctx_obj = app.app_context()
            app_ctx.push()
            self.g = app_ctx.g
        self._tokens.append((_cv_ctx.set(self), app_ctx))
        req = self.request
        if req.url_rule is None and req.routing_exception is None:
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Pop the context; on the outermost pop run the request's teardown
        callbacks, then pop the application context this push created."""
        if not self._tokens:
            raise AssertionError(f"{self!r} was popped more often than pushed.")
        app_ctx = self._tokens[-1][1]
        last = len(self._tokens) == 1
        if last and exc is _sentinel:
            exc = sys.exc_info()[1]
        if last and self._holds:
            # A response streamed with stream_with_context still needs this
            # context; its end runs the teardown (see _release).
            self._deferred = (exc, app_ctx)
            self._reset()
            if isinstance(app_ctx, AppContext):
                app_ctx._reset()
            return
        try:
            if last:
                self._teardown(exc)
        finally:
            try:
                self._reset()
            finally:
                # Even after a wrong-order pop, the app context this push
                # created must not stay pushed.
                if app_ctx is _OWN:
                    self._pop_own_app_context(exc)
                elif isinstance(app_ctx, AppContext):
                    app_ctx.pop(exc)

    def _pop_own_app_context(self, exc: BaseException | None) -> None:
        """End the application context this request had without pushing
        it: its teardown callbacks and signals run with that same object
        pushed, after the request context is gone, as they would if it had
        been pushed before the request context."""
        app = self.app
        app_ctx = self._app_ctx_obj
        if app_ctx is not None:
            app_ctx._held_by_request = False
        if (
            app.teardown_appcontext_funcs
            or appcontext_tearing_down.receivers
            or appcontext_popped.receivers
        ):
            if app_ctx is None:
                app_ctx = self._app_ctx_obj = AppContext(app, g=self.g)
            app_ctx._push_bare()
            app_ctx.pop(exc)

    def _teardown(self, exc: BaseException | None) -> None:
        try:
            self.app.do_teardown_request(exc)
        finally:
            req = self.request
            # Closing matters only for uploaded files, which are parsed on
            # first access; skip the call when there are none.
            # (An identity test, not jigger._fastpath.keeps_base: this runs on
            # every request, and a cached class lookup costs measurably more.)
            if "files" in req.__dict__ or type(req).close is not _RequestBaseClose:
                req.close()

    def _reset(self) -> None:
        top = _end_kept_context_above(self)
        _cv_ctx.reset(self._tokens.pop()[0])
        if top is not self:
            raise _wrong_pop(self, top)

    def _hold(self) -> None:
        self._holds += 1

    def _release(self) -> None:
        self._holds -= 1
        if self._holds or self._deferred is None:
            return
        exc, app_ctx = self._deferred
        self._deferred = None
        token = _cv_ctx.set(self)
        try:
            self._teardown(exc)
        finally:
            _cv_ctx.reset(token)
            if app_ctx is _OWN:
                self._pop_own_app_context(exc)
            elif isinstance(app_ctx, AppContext):
                app_ctx._push_bare()
                app_ctx.pop(exc)

    def __repr__(self) -> str:
        return (
            f"<RequestContext {self.request.method} {self.request.url!r}"
            f" of {self.app.name!r}>"
        )


def _end_kept_context_above(
    ctx: AppContext | RequestContext,
) -> AppContext | RequestContext | None:
    """Return the innermost context, first ending a request context that a
    test client keeps on top of ``ctx``: a request sent inside a ``with``
    block keeps its context only until that block ends."""
    top = _cv_ctx.get(None)
    if isinstance(top, RequestContext):
        token = top._client_token
        if token is not None and token.old_value is ctx:
            top._client_token = None
            _cv_ctx.reset(token)
            top = _cv_ctx.get(None)
    return top


def has_app_context() -> bool:
    """Whether an application context (or a request context) is active.

    >>> has_app_context()
    False
    """
    return _cv_ctx.get(None) is not None


def has_request_context() -> bool:
    """Whether a request is being handled (or a test request context is
    pushed). Use it to write code that also works outside requests.

    >>> has_request_context()
    False
    """
    ctx = _cv_ctx.get(None)
    return ctx is not None and ctx.request is not None


def _active_request_ctx(what: str) -> RequestContext:
    ctx = _cv_ctx.get(None)
    req_ctx = ctx._req_ctx if ctx is not None else None
    if req_ctx is None:
        raise RuntimeError(
            f"'{what}' needs an active request context: call it from a view"
            " function or a request hook, or inside"
            " 'with app.test_request_context():'."
        )
    return req_ctx


AfterCallable = t.TypeVar("AfterCallable", bound=ft.AfterRequestCallable[t.Any])


def after_this_request(f: AfterCallable) -> AfterCallable:
    """Run ``f(response)`` after this request only, before the app's own
    ``after_request`` hooks. Use it as a decorator inside a view::

        @app.get("/")
        def index():
            @after_this_request
            def add_header(response):
                response.headers["X-Once"] = "yes"
                return response
            return "hello"
    """
    _active_request_ctx("after_this_request")._after_request_functions.append(f)
    return f


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so that it runs inside a copy of the current request
    context, for example in a thread started by a view. The copy shares the
    request and the session."""
    ctx = _active_request_ctx("copy_current_request_context").copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]
