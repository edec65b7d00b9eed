"""The request and response classes, subclasses of Werkzeug's.

Set :attr:`jigger.Jigger.request_class` or
:attr:`jigger.Jigger.response_class` to your own subclass to customise them.

>>> from jigger.wrappers import Response
>>> Response("hi").mimetype
'text/html'
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from werkzeug.datastructures import EnvironHeaders, Headers
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Request as RequestBase
from werkzeug.wrappers import Response as ResponseBase

from ._fastpath import keeps_base
from .globals import _cv_ctx

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import Rule


def _wsgi_decoding_dance(value: str) -> str:
    """A WSGI string (bytes as latin-1) as the UTF-8 text it carries; what
    Werkzeug's request does with ``PATH_INFO`` and ``SCRIPT_NAME``."""
    return value.encode("latin1").decode(errors="replace")


def _get_server(environ: WSGIEnvironment) -> tuple[str, int | None] | None:
    """``(SERVER_NAME, SERVER_PORT)``; the port is ``None`` for a socket
    path. What Werkzeug's request stores as ``server``."""
    name = environ.get("SERVER_NAME")
    if name is None:
        return None
    try:
        port: int | None = int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        port = None
    return name, port


def _config_value(key: str) -> t.Any:
    ctx = _cv_ctx.get(None)
    if ctx is None:
        return None
    return ctx.app.config[key]


class _ConfigLimit:
    """A request limit that follows a config key of the current app unless
    set on the request itself (``request.max_content_length = 10``);
    without an app, Werkzeug's own default applies.

    Design: the three limits Werkzeug reads while parsing a body are one
    descriptor each, instead of three property and setter pairs.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.own = ""
        self.werkzeug_default: int | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.own = f"_{name}"
        self.werkzeug_default = getattr(RequestBase, name)

    @t.overload
    def __get__(self, request: None, owner: type | None = None) -> t.Self: ...
    @t.overload
    def __get__(
        self, request: RequestBase, owner: type | None = None
    ) -> int | None: ...
    def __get__(
        self, request: RequestBase | None, owner: type | None = None
    ) -> t.Self | int | None:
        if request is None:
            return self
        value = request.__dict__.get(self.own)
        if value is not None:
            return t.cast("int", value)
        ctx = _cv_ctx.get(None)
        if ctx is None:
            return self.werkzeug_default
        return t.cast("int | None", ctx.app.config[self.key])

    def __set__(self, request: RequestBase, value: int | None) -> None:
        request.__dict__[self.own] = value


class _BodyStream:
    """The request body as the app reads it: the stream Werkzeug guards,
    whose read errors become ``400 Bad Request``.

    A server raises from ``wsgi.input`` when the body it relays is broken (a
    bad chunk size in chunked encoding, a connection closed in the middle):
    Werkzeug's server an ``OSError``, gunicorn one of its parse errors. That
    is the client's fault, not a server error, and must not reach the client
    as a 500. HTTP errors (such as Werkzeug's ``413`` for a body over the
    limit) and ``MemoryError`` pass through as they are.
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: t.IO[bytes]) -> None:
        self._inner = inner

    def _guarded(self, method: str, *args: t.Any) -> t.Any:
        """Call the inner stream's ``method``; a read error is a 400."""
        try:
            return getattr(self._inner, method)(*args)
        except (HTTPException, MemoryError):
            raise
        except Exception as e:
            raise BadRequest(f"The request body could not be read: {e}") from e

    def read(self, size: int | None = -1) -> bytes:
        return t.cast(bytes, self._guarded("read", -1 if size is None else size))

    def readline(self, size: int | None = -1) -> bytes:
        return t.cast(bytes, self._guarded("readline", -1 if size is None else size))

    def readlines(self, hint: int = -1) -> list[bytes]:
        return t.cast("list[bytes]", self._guarded("readlines", hint))

    def readinto(self, buffer: t.Any) -> int | None:
        return t.cast("int | None", self._guarded("readinto", buffer))

    def __iter__(self) -> t.Iterator[bytes]:
        while line := self.readline():
            yield line

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._inner, name)


class Request(RequestBase):
    """The request object a view sees, through :data:`jigger.request` or as a
    parameter annotated with this class.

    It adds what routing found (:attr:`url_rule`, :attr:`view_args`,
    :attr:`endpoint`, :attr:`blueprint`) and reads its size limits from the
    app's configuration.
    """

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        # Werkzeug's constructor decodes the paths, reads the server address
        # and wraps the headers for every request; most views use few of
        # them, so they are computed on first use below, the same way.
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.scheme = environ.get("wsgi.url_scheme", "http")
        self.remote_addr = environ.get("REMOTE_ADDR")
        self.environ = environ
        self.shallow = shallow
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    @cached_property
    def server(self) -> tuple[str, int | None] | None:  # type: ignore[override]
        """The server's ``(host, port)`` from the environ, as Werkzeug reads it."""
        return _get_server(self.environ)

    @cached_property
    def root_path(self) -> str:  # type: ignore[override]
        """The prefix the app is mounted under (``SCRIPT_NAME``), no trailing
        slash."""
        return _wsgi_decoding_dance(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @cached_property
    def path(self) -> str:  # type: ignore[override]
        """The path after :attr:`root_path` (``PATH_INFO``), starting with
        ``/``."""
        return "/" + _wsgi_decoding_dance(self.environ.get("PATH_INFO") or "").lstrip(
            "/"
        )

    @cached_property
    def query_string(self) -> bytes:  # type: ignore[override]
        """The raw query string, as bytes."""
        return self.environ.get("QUERY_STRING", "").encode("latin1")  # type: ignore[no-any-return]

    @cached_property
    def headers(self) -> EnvironHeaders:  # type: ignore[override]
        """The request headers, read from the environ."""
        return EnvironHeaders(self.environ)

    #: The URL rule that matched, or ``None`` before matching or on a miss.
    url_rule: Rule | None = None
    #: The arguments the URL rule extracted from the path.
    view_args: dict[str, t.Any] | None = None
    #: The routing error (404, 405, redirect) to raise at dispatch, if any.
    routing_exception: HTTPException | None = None

    #: The largest body accepted; larger bodies get ``413 Request Entity
    #: Too Large``.
    max_content_length = _ConfigLimit("MAX_CONTENT_LENGTH")
    #: The largest non-file form field.
    max_form_memory_size = _ConfigLimit("MAX_FORM_MEMORY_SIZE")
    #: The most multipart form parts accepted.
    max_form_parts = _ConfigLimit("MAX_FORM_PARTS")  # type: ignore[assignment]

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, ``"blueprint.view"`` style."""
        if self.url_rule is not None:
            return t.cast(str, self.url_rule.endpoint)
        return None

    @property
    def blueprint(self) -> str | None:
        """The name of the (innermost) blueprint that handles the request."""
        owner, dot, _ = (self.endpoint or "").rpartition(".")
        return owner if dot else None

    @property
    def blueprints(self) -> list[str]:
        """The names of the blueprints that handle the request, innermost
        first: ``["parent.child", "parent"]``."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:depth]) for depth in range(len(parts), 0, -1)]

    @cached_property
    def stream(self) -> t.IO[bytes]:
        """The body stream of Werkzeug's request (it stops at
        ``Content-Length`` and ``MAX_CONTENT_LENGTH``); an error the server
        raises while the body is read, such as broken chunked encoding, is a
        ``400 Bad Request``."""
        return t.cast("t.IO[bytes]", _BodyStream(super().stream))

    def _load_form_data(self) -> None:
        """Parse the form body as Werkzeug does, then refuse a multipart part
        whose name could not be read (``name="\\"``): Werkzeug files it
        under ``None``, which no view expects."""
        super()._load_form_data()
        if None in self.form or None in self.files:
            raise BadRequest(
                "A multipart/form-data part has a Content-Disposition header"
                " whose name could not be read."
            )

    @t.overload
    def get_json(
        self, force: bool = ..., silent: t.Literal[False] = ..., cache: bool = ...
    ) -> t.Any: ...

    @t.overload
    def get_json(
        self, force: bool = ..., silent: bool = ..., cache: bool = ...
    ) -> t.Any | None: ...

    def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> t.Any | None:
        """Parse the body as JSON, as Werkzeug does (see
        :meth:`werkzeug.wrappers.Request.get_json`); a body nested more
        deeply than the parser can follow (Python's recursion limit) is
        invalid JSON too: ``400 Bad Request``, or ``None`` when ``silent``."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            return self.on_json_loading_failed(
                ValueError("its arrays and objects are nested too deeply")
            )

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Called when the body is not valid JSON: a ``400 Bad Request`` that
        says what was wrong with it, or, when the content type was not JSON,
        ``415 Unsupported Media Type`` (as Werkzeug 3.1 does)."""
        if e is None:
            raise UnsupportedMediaType(
                "The request body was not sent as JSON: expected the"
                f" 'application/json' content type, got {self.mimetype!r}."
            )
        raise BadRequest(f"The request body is not valid JSON: {e}")


class Response(ResponseBase):
    """The response class; views may return one directly.

    Its default mimetype is ``text/html``, and its ``max_cookie_size`` comes
    from the app's ``MAX_COOKIE_SIZE``.
    """

    default_mimetype: str | None = "text/html"
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The cookie size above which Werkzeug warns, from ``MAX_COOKIE_SIZE``."""
        value = _config_value("MAX_COOKIE_SIZE")
        if value is None:
            return super().max_cookie_size
        return int(value)


_ResponseBaseInit = ResponseBase.__init__
_ResponseBaseSetData = ResponseBase.set_data
_content_types: dict[str, str] = {}
_new_headers = Headers.__new__
# Response class -> whether _response_for_body may build it directly. Classes
# do not change their methods after creation in practice; a new class is a
# new key.
_direct_classes: dict[type, bool] = {}


def _response_for_body(
    cls: type[ResponseBase], body: str | bytes, mimetype: str | None = None
) -> ResponseBase:
    """``cls(body, mimetype=mimetype)``, built directly when ``cls`` keeps
    Werkzeug's constructor: a 200 response whose only headers are
    Content-Type and Content-Length.

    This is the response of nearly every view that returns text or JSON, and
    Werkzeug's general constructor (header validation, status parsing) costs
    more than the rest of such a request. ``tests/framework/test_wrappers.py``
    checks that both ways build the same object.
    """
    if mimetype is None:
        mimetype = cls.default_mimetype
    direct = _direct_classes.get(cls)
    if direct is None:
        direct = _direct_classes[cls] = (
            cls.__init__ is _ResponseBaseInit
            and cls.set_data is _ResponseBaseSetData
            and cls.default_status == 200
            and bool(cls.automatically_set_content_length)
        )
    if mimetype is None or not direct:
        return cls(body, mimetype=mimetype)
    content_type = _content_types.get(mimetype)
    if content_type is None:
        content_type = _content_types[mimetype] = get_content_type(mimetype, "utf-8")
    data = body.encode() if isinstance(body, str) else body
    self = cls.__new__(cls)
    # Headers() with no defaults only sets _list, which is set here.
    headers = _new_headers(Headers)
    # Both values are made here, not taken from the client: no validation.
    headers._list = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(data))),
    ]
    self.headers = headers
    self._status = "200 OK"
    self._status_code = 200
    self.direct_passthrough = False
    self._on_close = []
    self.response = [data]
    return self


_ResponseBaseCall = ResponseBase.__call__
_ResponseBaseGetWsgiResponse = ResponseBase.get_wsgi_response
_ResponseBaseGetWsgiHeaders = ResponseBase.get_wsgi_headers
_ResponseBaseGetAppIter = ResponseBase.get_app_iter
_ResponseBaseStatus = ResponseBase.status
_ResponseBaseStatusCode = ResponseBase.status_code
_NO_BODY_CODES = frozenset({204, 304})
# Response class -> whether it keeps Werkzeug's WSGI methods and status
# properties (as for _direct_classes, a new class is a new key).
_plain_classes: dict[type, bool] = {}


def _simple_wsgi_parts(
    response: ResponseBase, environ: t.Mapping[str, t.Any]
) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
    """The status, headers and body Werkzeug's ``response(environ, ...)``
    would send, for a response whose body is one finished bytes chunk; or
    ``None`` when Werkzeug's general path is needed (streams, HEAD, 204/304,
    redirects, close callbacks, overridden methods).

    Werkzeug copies the headers and wraps the body in a closing iterator for
    every response; for the common one-chunk body both steps change nothing.
    """
    cls = type(response)
    plain = _plain_classes.get(cls)
    if plain is None:
        plain = _plain_classes[cls] = (
            cls.__call__ is _ResponseBaseCall
            and cls.get_wsgi_response is _ResponseBaseGetWsgiResponse
            and cls.get_wsgi_headers is _ResponseBaseGetWsgiHeaders
            and cls.get_app_iter is _ResponseBaseGetAppIter
            and cls.status is _ResponseBaseStatus
            and cls.status_code is _ResponseBaseStatusCode
        )
    if not plain or response.direct_passthrough or response._on_close:
        return None
    body = response.response
    if type(body) is not list or len(body) != 1 or type(body[0]) is not bytes:
        return None
    code = response._status_code
    if code < 200 or code in _NO_BODY_CODES or environ["REQUEST_METHOD"] == "HEAD":
        return None
    headers = response.headers
    has_length = False
    for key, _value in headers._list:
        name = key.lower()
        if name == "content-length":
            has_length = True
        elif name in ("location", "content-location"):
            return None  # Werkzeug turns these IRIs into URIs
    if not has_length:
        return None
    # A copy, as Werkzeug's: a server may add to the list it is given.
    wsgi_headers = (
        list(headers._list) if type(headers) is Headers else headers.to_wsgi_list()
    )
    return response._status, wsgi_headers, body


#: Whether an HTTPException class renders its page as Werkzeug's base class
#: does (only then may the page be cached), decided once per class.
_plain_errors: dict[type, bool] = {}
# (exception class, code, description) -> the error page; error pages repeat.
_error_pages: dict[tuple[type, int, str | None], bytes] = {}


def _response_for_http_exception(
    cls: type[ResponseBase], error: HTTPException, environ: dict[str, t.Any]
) -> ResponseBase:
    """The response for an HTTP error raised or returned by a view, of class
    ``cls``: what ``error.get_response(environ)`` builds, with the page of a
    plain error (a Werkzeug class with its own wording) rendered once."""
    etype = type(error)
    code = error.code
    plain = _plain_errors.get(etype)
    if plain is None:
        if len(_plain_errors) >= 256:  # classes made at run time: no hoarding
            _plain_errors.clear()
        plain = _plain_errors[etype] = keeps_base(
            etype,
            HTTPException,
            "get_response",
            "get_body",
            "get_description",
            "get_headers",
            "name",
        )
    if (
        code is None
        or error.response is not None
        or not plain
        or not isinstance(error.description, (str, type(None)))
    ):
        return cls.force_type(error.get_response(environ), environ)
    key = (etype, code, error.description)
    page = _error_pages.get(key)
    if page is None:
        if len(_error_pages) >= 256:  # descriptions made per request: no hoarding
            _error_pages.clear()
        page = _error_pages[key] = error.get_body(environ).encode()
    response = _response_for_body(cls, page)
    response.status_code = code
    return response
