"""Helpers used inside views: URLs, redirects, errors, files, streaming.

They find the application through :data:`~jigger.globals.current_app`, so
they work in a request, or in an application context for the ones that do not
need a request (``url_for`` with ``SERVER_NAME``, ``redirect``, ``abort``).

>>> from jigger import Jigger, url_for
>>> app = Jigger("shop")
>>> app.config["SERVER_NAME"] = "shop.test"
>>> app.add_url_rule("/item/<int:item_id>", "item", lambda item_id: "")
>>> with app.app_context():
...     url_for("item", item_id=3, _anchor="price")
'http://shop.test/item/3#price'
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from datetime import timedelta
from functools import update_wrapper

import werkzeug.utils
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect

from .globals import _cv_ctx, current_app, request, request_ctx
from .signals import message_flashed

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response as BaseResponse

    from .wrappers import Response


def get_debug_flag() -> bool:
    """Whether debug mode is asked for by the ``JIGGER_DEBUG`` environment
    variable (``FLASK_DEBUG`` is read too, for ported apps)."""
    value = os.environ.get("JIGGER_DEBUG") or os.environ.get("FLASK_DEBUG") or ""
    return bool(value) and value.lower() not in {"0", "false", "no"}


def get_load_dotenv(default: bool = True) -> bool:
    """Whether the CLI should load ``.env`` files; ``JIGGER_SKIP_DOTENV=1``
    turns it off."""
    value = os.environ.get("JIGGER_SKIP_DOTENV") or os.environ.get("FLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


_P = t.ParamSpec("_P")


@t.overload
def stream_with_context(
    generator_or_function: t.Iterable[t.AnyStr],
) -> t.Iterator[t.AnyStr]: ...


@t.overload
def stream_with_context(
    generator_or_function: t.Callable[_P, t.Iterator[t.AnyStr]],
) -> t.Callable[_P, t.Iterator[t.AnyStr]]: ...


def stream_with_context(
    generator_or_function: t.Iterable[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]]:
    """Keep the request context available while a streamed response is sent.

    A view that returns a generator has finished (and its context is gone)
    before the server pulls the first chunk. Wrapping the generator keeps
    ``request``, ``session`` and ``g`` working inside it, and defers the
    request's teardown until the stream ends. Any iterable works (a list of
    chunks, a string). It also works as a decorator on a generator function.
    """
    try:
        inner = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:
        func = t.cast("t.Callable[..., t.Iterator[t.AnyStr]]", generator_or_function)

        def decorated(*args: t.Any, **kwargs: t.Any) -> t.Iterator[t.AnyStr]:
            return stream_with_context(func(*args, **kwargs))

        return update_wrapper(decorated, func)

    current = _cv_ctx.get(None)
    ctx = current._req_ctx if current is not None else None
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' needs an active request context: call it"
            " inside the view that returns the stream."
        )
    ctx._hold()

    def generate() -> t.Iterator[t.AnyStr]:
        try:
            while True:
                token = _cv_ctx.set(ctx)
                try:
                    chunk = next(inner)
                except StopIteration:
                    return
                finally:
                    _cv_ctx.reset(token)
                yield chunk
        finally:
            close = getattr(inner, "close", None)
            if close is not None:
                token = _cv_ctx.set(ctx)
                try:
                    close()
                finally:
                    _cv_ctx.reset(token)
            ctx._release()

    return generate()


def _max_age_seconds(value: timedelta | int | None) -> int | None:
    """``SEND_FILE_MAX_AGE_DEFAULT`` (seconds or a timedelta) as seconds."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response, to change it before
    returning it. Takes what a view may return, also as separate arguments:
    ``make_response(body, 404, headers)``. With no arguments it returns an
    empty response."""
    if not args:
        return current_app.response_class()
    # One argument is the return value itself; several are its tuple.
    return current_app.make_response(args[0] if len(args) == 1 else args)


def url_for(
    endpoint: str,
    *,
    _external: bool | None = None,
    _scheme: str | None = None,
    _method: str | None = None,
    _anchor: str | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` for its rule's variables
    (other values become the query string).

    :param endpoint: the endpoint name; ``".name"`` is relative to the current
        blueprint.
    :param _external: build an absolute URL (the default outside requests).
    :param _scheme: the URL scheme (implies an external URL).
    :param _method: pick the rule that accepts this method.
    :param _anchor: appended as ``#anchor``.
    """
    build = current_app.url_for
    return build(
        endpoint,
        _external=_external,
        _scheme=_scheme,
        _method=_method,
        _anchor=_anchor,
        **values,
    )


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A response that redirects the client to ``location``, built with the
    current app's response class when an app is active.

    >>> redirect("/login").headers["Location"]
    '/login'
    """
    ctx = _cv_ctx.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return _wz_redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop the request with the HTTP error ``code`` (an
    :class:`~werkzeug.exceptions.HTTPException`), using the app's
    :attr:`~jigger.Jigger.aborter` when one is active.

    >>> abort(404)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    werkzeug.exceptions.NotFound: 404 Not Found: ...
    """
    ctx = _cv_ctx.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)


def _with_app_defaults(options: dict[str, t.Any]) -> dict[str, t.Any]:
    """Complete Werkzeug's file-sending options from the current app and
    request: the environ, X-Sendfile, the response class, the root that
    relative paths start from, and the cache lifetime unless one is given."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    completed = {
        **options,
        "environ": request.environ,
        "use_x_sendfile": app.config["USE_X_SENDFILE"],
        "response_class": app.response_class,
        "_root_path": app.root_path,
    }
    if completed.get("max_age") is None:
        completed["max_age"] = app.get_send_file_max_age
    return completed


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.BinaryIO,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: int | t.Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file (a path relative to the app's root, or a binary file
    object) with conditional and range request support, through Werkzeug.

    Never pass a path that came from the client: use
    :func:`send_from_directory` for that.
    """
    options = {
        "path_or_file": path_or_file,
        "mimetype": mimetype,
        "as_attachment": as_attachment,
        "download_name": download_name,
        "conditional": conditional,
        "etag": etag,
        "last_modified": last_modified,
        "max_age": max_age,
    }
    sent = werkzeug.utils.send_file(**_with_app_defaults(options))
    return t.cast("Response", sent)


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **options: t.Any,
) -> Response:
    """Send ``path`` from inside ``directory``, where ``path`` may come from
    the client: Werkzeug's safe join refuses anything that would leave the
    directory (``..``, absolute paths, drive letters) with a 404."""
    sent = werkzeug.utils.send_from_directory(
        directory, path, **_with_app_defaults(options)
    )
    return t.cast("Response", sent)


def flash(message: str, category: str = "message") -> None:
    """Keep ``message`` in the session for the next request, where
    :func:`get_flashed_messages` returns it."""
    flashes = request_ctx.session.get("_flashes", [])
    flashes.append((category, message))
    request_ctx.session["_flashes"] = flashes
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if message_flashed.receivers:
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """The messages flashed for this client, removed from the session on the
    first call in a request (later calls in the same request see them too).

    :param with_categories: return ``(category, message)`` pairs.
    :param category_filter: only messages of these categories.
    """
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    flashes = ctx.flashes
    if flashes is None:
        flashes = ctx.session.pop("_flashes") if "_flashes" in ctx.session else []
        ctx.flashes = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [f for f in flashes if f[0] in wanted]
    if not with_categories:
        return [f[1] for f in flashes]
    return [(f[0], f[1]) for f in flashes]


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """A name a template defines, usually a macro, to call from Python.

    The template is loaded with the current app's :attr:`jinja_env
    <jigger.Jigger.jinja_env>` and run without a context; its top-level
    names (macros, ``{% set %}`` values) are what ``attribute`` can be.
    Given ``templates/_cards.html`` that defines
    ``{% macro card(title) %}...{% endmacro %}``::

        card = get_template_attribute("_cards.html", "card")
        html = card("Negroni")

    :raises AttributeError: when the template does not define ``attribute``.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    module = app.jinja_env.get_template(template_name).module
    return getattr(module, attribute)


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name``, or the current
    working directory when that cannot be found (an interactive session)."""
    mod = sys.modules.get(import_name)
    if mod is not None and getattr(mod, "__file__", None) is not None:
        return os.path.dirname(os.path.abspath(t.cast(str, mod.__file__)))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin in (None, "namespace", "built-in", "frozen"):
        if spec is not None and spec.submodule_search_locations:
            return os.path.abspath(next(iter(spec.submodule_search_locations)))
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))
