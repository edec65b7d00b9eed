"""The context-local proxies: ``current_app``, ``g``, ``request``, ``session``.

All four read one :class:`~contextvars.ContextVar`, ``_cv_ctx``, which holds
the innermost pushed context: an :class:`~jigger.ctx.AppContext` or a
:class:`~jigger.ctx.RequestContext`. A context variable (not a thread-local)
keeps each thread, and each asyncio task, apart.

Outside a context the proxies raise :exc:`RuntimeError` with a message that
names the ``with`` block that fixes it:

>>> from jigger.globals import current_app
>>> current_app.name  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
RuntimeError: Working outside of application context. ...
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Jigger
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

#: The one context variable behind every proxy. It holds the innermost
#: pushed context, or is unset when none is pushed.
_cv_ctx: ContextVar[AppContext | RequestContext] = ContextVar("jigger.ctx")

_no_app_msg = """\
Working outside of application context. \
The code asked for the current application (current_app, g, url_for, ...) \
but no application context is pushed. \
Wrap the code in 'with app.app_context():' (for a script, a CLI command, a \
job or a thread), or run it during a request."""

_no_req_msg = """\
Working outside of request context. \
The code asked for the current request (request, session, ...) but no request \
is being handled. \
In a test, wrap the code in 'with app.test_request_context("/path"):' or send \
a request with 'app.test_client()'. \
Code that needs no request can use 'with app.app_context():', or take the \
request as a parameter annotated with jigger.Request."""


def _find_req_ctx() -> RequestContext:
    ctx = _cv_ctx.get(None)
    req_ctx = ctx._req_ctx if ctx is not None else None
    if req_ctx is None:
        raise RuntimeError(_no_req_msg)
    return req_ctx


def _find_request() -> Request:
    ctx = _cv_ctx.get(None)
    if ctx is None or (req := ctx.request) is None:
        raise RuntimeError(_no_req_msg)
    return req


def _find_session() -> SessionMixin:
    ctx = _cv_ctx.get(None)
    if ctx is None or ctx.request is None:
        raise RuntimeError(_no_req_msg)
    return ctx.session  # type: ignore[return-value]


#: The application handling the current request or pushed with
#: ``app.app_context()``.
current_app: Jigger = LocalProxy(  # type: ignore[assignment]
    _cv_ctx, "app", unbound_message=_no_app_msg
)
#: A namespace for data that lives as long as the application context.
g: _AppCtxGlobals = LocalProxy(  # type: ignore[assignment]
    _cv_ctx, "g", unbound_message=_no_app_msg
)
#: The request being handled.
request: Request = LocalProxy(_find_request)  # type: ignore[assignment]
#: The session of the request being handled.
session: SessionMixin = LocalProxy(_find_session)  # type: ignore[assignment]
#: The current application context: during a request, the one the request
#: runs in, the same object from the first hook to the last teardown.
app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_ctx, "_app_ctx", unbound_message=_no_app_msg
)
#: The request context being handled.
request_ctx: RequestContext = LocalProxy(_find_req_ctx)  # type: ignore[assignment]


_T = t.TypeVar("_T")
_missing: t.Any = object()


class _ContextView(t.Generic[_T]):
    """A read-only stand-in for one of Flask's two context variables.

    Flask keeps the application and the request context in two context
    variables, ``_cv_app`` and ``_cv_request``; extensions and Flask's own
    tests read them with ``.get()``. jigger keeps one variable,
    :data:`_cv_ctx`; these views answer ``get`` as Flask's variables would.
    They cannot be set: push a context instead.

    >>> _cv_request.get(None) is None
    True
    """

    def __init__(self, name: str, attr: str) -> None:
        self.name = name
        self._attr = attr

    def get(self, default: t.Any = _missing, /) -> t.Any:
        """The current context of this kind; ``default`` when there is
        none, or :exc:`LookupError` without a default, as
        :meth:`contextvars.ContextVar.get`."""
        ctx = _cv_ctx.get(None)
        found = getattr(ctx, self._attr) if ctx is not None else None
        if found is not None:
            return found
        if default is _missing:
            raise LookupError(self.name)
        return default

    def __repr__(self) -> str:
        return f"<jigger.globals view {self.name!r} of _cv_ctx>"


#: The application context, as Flask's ``flask.globals._cv_app`` reports it.
_cv_app: _ContextView[AppContext] = _ContextView("flask.app_ctx", "_app_ctx")
#: The request context, as Flask's ``flask.globals._cv_request`` reports it.
_cv_request: _ContextView[RequestContext] = _ContextView(
    "flask.request_ctx", "_req_ctx"
)
