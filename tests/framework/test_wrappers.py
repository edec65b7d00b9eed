"""Tests for jigger.wrappers: what routing adds to the request, JSON bodies
and their errors, the size limits read from the configuration (and set per
request), the response defaults, and custom request and response classes.
"""

from __future__ import annotations

import io
import typing as t

import pytest
import werkzeug.exceptions as werror
from werkzeug.test import EnvironBuilder

from jigger import Blueprint, Jigger, Request, Response, jsonify, request
from jigger import wrappers as jigger_wrappers


def test_public_names() -> None:
    assert jigger_wrappers.Request is Request
    assert jigger_wrappers.Response is Response


# -- what routing adds ------------------------------------------------------


def test_endpoint_and_view_args(app: Jigger) -> None:
    @app.get("/user/<int:uid>")
    def user(uid: int) -> dict[str, t.Any]:
        return {
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "rule": request.url_rule.rule if request.url_rule else None,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
        }

    assert app.test_client().get("/user/4").json == {
        "endpoint": "user",
        "view_args": {"uid": 4},
        "rule": "/user/<int:uid>",
        "blueprint": None,
        "blueprints": [],
    }


def test_blueprint_names_innermost_first(app: Jigger) -> None:
    parent = Blueprint("shop", __name__, url_prefix="/shop")
    child = Blueprint("cart", __name__, url_prefix="/cart")

    @child.get("/")
    def view() -> dict[str, t.Any]:
        return {
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
        }

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert app.test_client().get("/shop/cart/").json == {
        "endpoint": "shop.cart.view",
        "blueprint": "shop.cart",
        "blueprints": ["shop.cart", "shop"],
    }


def test_no_endpoint_when_nothing_matched(app: Jigger) -> None:
    seen: list[t.Any] = []

    @app.errorhandler(404)
    def not_found(e: Exception) -> tuple[str, int]:
        seen.append((request.endpoint, request.url_rule, request.blueprint))
        return "nope", 404

    assert app.test_client().get("/missing").status_code == 404
    assert seen == [(None, None, None)]
    with app.test_request_context("/missing"):
        assert request.routing_exception is not None
        assert request.routing_exception.code == 404


# -- JSON bodies -------------------------------------------------------------


@pytest.fixture
def json_app(app: Jigger) -> Jigger:
    @app.post("/echo")
    def echo() -> dict[str, t.Any]:
        return {"got": request.get_json()}

    @app.post("/silent")
    def silent() -> dict[str, t.Any]:
        return {"got": request.get_json(silent=True)}

    @app.post("/forced")
    def forced() -> dict[str, t.Any]:
        return {"got": request.get_json(force=True)}

    return app


def test_get_json(json_app: Jigger) -> None:
    response = json_app.test_client().post("/echo", json={"a": [1, 2]})
    assert response.json == {"got": {"a": [1, 2]}}


def test_bad_json_is_a_400_that_says_what_was_wrong(json_app: Jigger) -> None:
    response = json_app.test_client().post(
        "/echo", data="{'single': 1}", content_type="application/json"
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.text
    assert "double quotes" in response.text, "the decoder's own reason is shown"
    assert "line 1 column 2" in response.text


def test_wrong_content_type_is_a_415(json_app: Jigger) -> None:
    client = json_app.test_client()
    response = client.post("/echo", data={"a": "1"})
    assert response.status_code == 415
    assert "application/json" in response.text
    assert "application/x-www-form-urlencoded" in response.text
    assert client.post("/echo", data="{}").status_code == 415


def test_silent_and_force(json_app: Jigger) -> None:
    client = json_app.test_client()
    bad = client.post("/silent", data="{bad", content_type="application/json")
    assert bad.json == {"got": None}
    assert client.post("/silent", data={"a": "1"}).json == {"got": None}
    assert client.post("/forced", data='{"a": 1}').json == {"got": {"a": 1}}
    assert client.post("/forced", data="{bad").status_code == 400


def test_json_error_reaches_a_400_handler(json_app: Jigger) -> None:
    json_app.register_error_handler(400, lambda e: ({"error": e.description}, 400))
    response = json_app.test_client().post(
        "/echo", data="[1,", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json is not None
    assert response.json["error"].startswith("The request body is not valid JSON")


def test_request_json_uses_the_app_provider(app: Jigger) -> None:
    seen: list[str] = []
    original = app.json.loads

    def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
        seen.append("provider")
        return original(s, **kwargs)

    app.json.loads = loads  # type: ignore[method-assign]
    with app.test_request_context(json={"x": 1}):
        assert request.get_json() == {"x": 1}
    assert seen == ["provider"]


def test_json_nested_too_deeply_is_a_400_not_a_recursion_error(
    json_app: Jigger,
) -> None:
    # The parser recurses once per level: 100 000 "[" exhaust Python's
    # recursion limit. Flask answers 500 here.
    json_app.register_error_handler(400, lambda e: ({"error": e.description}, 400))
    client = json_app.test_client()
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/echo", data=deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "error": "The request body is not valid JSON:"
        " its arrays and objects are nested too deeply"
    }
    silent = client.post("/silent", data=deep, content_type="application/json")
    assert silent.json == {"got": None}
    shallow = "[" * 50 + "]" * 50
    assert client.post("/forced", data=shallow).status_code == 200


_NAMELESS_PART = (
    b"--B\r\n"
    b'Content-Disposition: form-data; name="\\"\r\n\r\n'
    b"v\r\n"
    b"--B\r\n"
    b'Content-Disposition: form-data; name="a"\r\n\r\n'
    b"w\r\n"
    b"--B--\r\n"
)


def test_a_multipart_part_without_a_readable_name_is_a_400(app: Jigger) -> None:
    # Werkzeug files the part named "\" under the key None; a view then fails
    # on it (jsonify cannot sort None among str keys): a 500 in Flask.
    @app.post("/form")
    def form() -> t.Any:
        return jsonify(request.form)

    app.register_error_handler(400, lambda e: (e.description, 400))
    client = app.test_client()
    response = client.post(
        "/form", data=_NAMELESS_PART, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 400
    assert "name could not be read" in response.text
    fine = _NAMELESS_PART.replace(b'name="\\"', b'name="z"')
    response = client.post(
        "/form", data=fine, content_type="multipart/form-data; boundary=B"
    )
    assert response.json == {"a": "w", "z": "v"}


class _ParseError(Exception):
    """Like gunicorn's parse errors, which are not OSErrors."""


class _BrokenChunks(io.RawIOBase):
    """A ``wsgi.input`` that fails as a server's does on a bad chunk size."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        raise self.error


@pytest.mark.parametrize(
    ("read", "content_type"),
    [
        (lambda: request.get_data(), "application/octet-stream"),
        (lambda: request.get_json(), "application/json"),
        (lambda: request.form.to_dict(), "application/x-www-form-urlencoded"),
        (lambda: request.form.to_dict(), "multipart/form-data; boundary=B"),
        (lambda: request.stream.read(10), "application/octet-stream"),
        (lambda: list(request.stream), "application/octet-stream"),
    ],
)
@pytest.mark.parametrize("error", [OSError, _ParseError])
def test_a_body_the_server_cannot_read_is_a_400(
    app: Jigger,
    read: t.Callable[[], t.Any],
    content_type: str,
    error: type[Exception],
) -> None:
    @app.post("/read")
    def view() -> str:
        read()
        return "read"

    app.register_error_handler(400, lambda e: (e.description, 400))
    response = app.test_client().post(
        "/read",
        headers={"Transfer-Encoding": "chunked", "Content-Type": content_type},
        environ_overrides={
            "wsgi.input": io.BufferedReader(_BrokenChunks(error("Invalid chunk"))),
            "wsgi.input_terminated": True,
        },
    )
    assert response.status_code == 400
    assert response.text == "The request body could not be read: Invalid chunk"


def test_http_errors_and_memory_errors_from_the_body_pass_through(
    app: Jigger,
) -> None:
    @app.post("/read")
    def view() -> str:
        return str(len(request.get_data()))

    client = app.test_client()
    app.config["MAX_CONTENT_LENGTH"] = 3
    assert client.post("/read", data=b"12345").status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = None
    with pytest.raises(MemoryError):
        client.post(
            "/read",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={
                "wsgi.input": io.BufferedReader(_BrokenChunks(MemoryError())),
                "wsgi.input_terminated": True,
            },
        )


def test_the_body_stream_still_reads_like_werkzeugs(app: Jigger) -> None:
    @app.post("/lines")
    def lines() -> dict[str, t.Any]:
        first = request.stream.readline()
        rest = list(request.stream)
        return {"first": first.decode(), "rest": [r.decode() for r in rest]}

    response = app.test_client().post("/lines", data=b"a\nb\nc")
    assert response.json == {"first": "a\n", "rest": ["b\n", "c"]}


# -- size limits -------------------------------------------------------------


@pytest.fixture
def upload_app(app: Jigger) -> Jigger:
    @app.post("/raw")
    def raw() -> str:
        return str(len(request.get_data()))

    @app.post("/form")
    def form() -> dict[str, int]:
        return {key: len(value) for key, value in request.form.items()}

    return app


def test_max_content_length_gives_413(upload_app: Jigger) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 20
    client = upload_app.test_client()
    assert client.post("/raw", data="x" * 20).text == "20"
    assert client.post("/raw", data="x" * 21).status_code == 413
    big_form = client.post("/form", data={"a": "x" * 50})
    assert big_form.status_code == 413


def test_max_content_length_none_means_no_limit(upload_app: Jigger) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = None
    assert upload_app.test_client().post("/raw", data="x" * 100_000).text == "100000"


def test_max_content_length_set_per_request(app: Jigger) -> None:
    @app.post("/small")
    def small() -> str:
        request.max_content_length = 10
        return str(len(request.get_data()))

    @app.post("/large")
    def large() -> str:
        request.max_content_length = 1000
        return str(len(request.get_data()))

    app.config["MAX_CONTENT_LENGTH"] = 100
    client = app.test_client()
    assert client.post("/small", data="x" * 11).status_code == 413
    assert client.post("/small", data="x" * 10).text == "10"
    assert client.post("/large", data="x" * 500).text == "500"


def test_max_form_memory_size(upload_app: Jigger) -> None:
    # The limit counts the buffered part (with its headers), so stay clear of
    # the edge on both sides.
    upload_app.config["MAX_FORM_MEMORY_SIZE"] = 1000
    client = upload_app.test_client()
    multipart = "multipart/form-data"
    ok = client.post("/form", data={"a": "x" * 500}, content_type=multipart)
    assert ok.json == {"a": 500}
    too_big = client.post("/form", data={"a": "x" * 2000}, content_type=multipart)
    assert too_big.status_code == 413


def test_max_form_memory_size_per_request(app: Jigger) -> None:
    @app.post("/strict")
    def strict() -> str:
        request.max_form_memory_size = 1000
        return str(len(request.form["a"]))

    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    client = app.test_client()
    multipart = "multipart/form-data"
    ok = client.post("/strict", data={"a": "x" * 500}, content_type=multipart)
    assert ok.status_code == 200
    assert ok.text == "500"
    big = client.post("/strict", data={"a": "x" * 2000}, content_type=multipart)
    assert big.status_code == 413


def test_max_form_parts(upload_app: Jigger) -> None:
    upload_app.config["MAX_FORM_PARTS"] = 3
    client = upload_app.test_client()
    multipart = "multipart/form-data"
    three = {"a": "1", "b": "2", "c": "3"}
    assert client.post("/form", data=three, content_type=multipart).json == {
        "a": 1,
        "b": 1,
        "c": 1,
    }
    four = {**three, "d": "4"}
    assert client.post("/form", data=four, content_type=multipart).status_code == 413


def test_max_form_parts_per_request(app: Jigger) -> None:
    @app.post("/one")
    def one() -> str:
        request.max_form_parts = 1
        return ",".join(request.form)

    client = app.test_client()
    multipart = "multipart/form-data"
    assert client.post("/one", data={"a": "1"}, content_type=multipart).text == "a"
    two = client.post("/one", data={"a": "1", "b": "2"}, content_type=multipart)
    assert two.status_code == 413


def test_limits_read_from_config_in_a_context(app: Jigger) -> None:
    app.config.update(
        MAX_CONTENT_LENGTH=123, MAX_FORM_MEMORY_SIZE=456, MAX_FORM_PARTS=7
    )
    with app.test_request_context():
        assert request.max_content_length == 123
        assert request.max_form_memory_size == 456
        assert request.max_form_parts == 7


def test_limits_outside_a_context_are_werkzeugs_defaults() -> None:
    req = Request(EnvironBuilder().get_environ())
    assert req.max_content_length is None
    assert req.max_form_memory_size == 500_000
    assert req.max_form_parts == 1_000


def test_default_limits_are_flasks(app: Jigger) -> None:
    with app.test_request_context():
        assert request.max_content_length is None
        assert request.max_form_memory_size == 500_000
        assert request.max_form_parts == 1_000


# -- responses ---------------------------------------------------------------


def test_response_default_mimetype_is_html() -> None:
    response = Response("<p>hi</p>")
    assert response.mimetype == "text/html"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert Response("x", mimetype="text/plain").mimetype == "text/plain"


def test_response_keeps_a_relative_location() -> None:
    response = Response(status=302, headers={"Location": "/next"})
    env = EnvironBuilder(base_url="http://example.test").get_environ()
    headers = response.get_wsgi_headers(env)
    assert headers["Location"] == "/next"


def test_max_cookie_size_from_config(app: Jigger) -> None:
    app.config["MAX_COOKIE_SIZE"] = 100

    @app.get("/small")
    def small() -> Response:
        response = Response("ok")
        response.set_cookie("c", "x" * 10)
        return response

    @app.get("/big")
    def big() -> Response:
        response = Response("ok")
        response.set_cookie("c", "x" * 200)
        return response

    client = app.test_client()
    assert client.get("/small").status_code == 200
    with pytest.warns(UserWarning, match="'c' cookie is too large"):
        client.get("/big")


def test_max_cookie_size_zero_disables_the_check(app: Jigger) -> None:
    app.config["MAX_COOKIE_SIZE"] = 0
    with app.test_request_context():
        response = Response()
        response.set_cookie("c", "x" * 5000)  # no warning: warnings are errors
        assert response.max_cookie_size == 0


def test_max_cookie_size_outside_a_context_is_werkzeugs() -> None:
    assert Response().max_cookie_size == 4093


# -- custom classes ------------------------------------------------------------


class JSONishRequest(Request):
    """A request class with one helper, as an app might add."""

    @property
    def wants_json(self) -> bool:
        return self.accept_mimetypes.best == "application/json"


class PlainResponse(Response):
    default_mimetype = "text/plain"


class CustomApp(Jigger):
    request_class = JSONishRequest
    response_class = PlainResponse


def test_custom_request_and_response_classes() -> None:
    app = CustomApp("custom")

    @app.get("/")
    def index() -> str:
        assert isinstance(request._get_current_object(), JSONishRequest)  # type: ignore[attr-defined]
        return f"json={t.cast(JSONishRequest, request).wants_json}"

    @app.get("/dict")
    def as_dict() -> dict[str, int]:
        return {"a": 1}

    client = app.test_client()
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.text == "json=True"
    assert response.mimetype == "text/plain"
    with app.test_request_context():
        made = app.make_response("x")
        assert type(made) is PlainResponse
        assert type(app.make_response(({"a": 1}, 201))).__name__ == "PlainResponse"
    dict_response = client.get("/dict")
    assert dict_response.mimetype == "application/json"


def test_custom_request_class_in_explicit_view() -> None:
    app = CustomApp("custom")

    @app.get("/")
    def index(req: JSONishRequest) -> str:
        return "json" if req.wants_json else "html"

    client = app.test_client()
    assert client.get("/", headers={"Accept": "application/json"}).text == "json"
    assert client.get("/", headers={"Accept": "text/html"}).text == "html"


def test_redirect_uses_the_response_class() -> None:
    app = CustomApp("custom")
    with app.app_context():
        assert isinstance(app.redirect("/x"), PlainResponse)


# -- the direct paths for plain bodies must build what Werkzeug builds --------


@pytest.mark.parametrize(
    ("body", "mimetype"),
    [("Hello", None), (b"\x00bytes", None), ('{"a": 1}\n', "application/json")],
)
def test_direct_response_equals_werkzeugs_constructor(
    body: str | bytes, mimetype: str | None
) -> None:
    from jigger.wrappers import _response_for_body

    fast = _response_for_body(Response, body, mimetype)
    slow = Response(body, mimetype=mimetype or Response.default_mimetype)
    assert type(fast) is Response
    assert vars(fast).keys() == vars(slow).keys()
    assert fast.status == slow.status
    assert fast.status_code == slow.status_code
    assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
    assert fast.response == slow.response
    assert fast.direct_passthrough == slow.direct_passthrough
    # Later changes go through Werkzeug's usual setters.
    fast.set_data("changed")
    fast.status_code = 201
    assert fast.headers["Content-Length"] == "7"
    assert fast.status == "201 CREATED"


def test_direct_response_respects_a_subclass_constructor() -> None:
    from jigger.wrappers import _response_for_body

    class Tagged(Response):
        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Tag"] = "mine"

    assert _response_for_body(Tagged, "hi").headers["X-Tag"] == "mine"


def _call_werkzeug(response: Response, environ: dict[str, t.Any]) -> tuple[t.Any, ...]:
    seen: list[t.Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc=None):  # type: ignore[no-untyped-def]
        seen.append((status, headers))

    body = b"".join(response(environ, start_response))
    return seen[0][0], seen[0][1], body


#: Responses of every shape: one-chunk bodies (which the fast path
#: answers for GET), no-body codes, redirects, iterators, several chunks.
_SHAPES: list[t.Callable[[], Response]] = [
    lambda: Response("plain"),
    lambda: Response("made", status=201, headers={"X-A": "1"}),
    lambda: Response("json", mimetype="application/json"),
    lambda: Response("gone", status=204),
    lambda: Response("moved", status=302, headers={"Location": "/ü"}),
    lambda: Response(iter([b"a", b"b"])),
    lambda: Response(["a", "b"]),
]


def test_simple_wsgi_parts_send_what_werkzeug_sends() -> None:
    from werkzeug.test import EnvironBuilder

    from jigger.wrappers import _simple_wsgi_parts

    answered = 0
    for method in ("GET", "HEAD"):
        environ = EnvironBuilder(method=method).get_environ()
        for index, make in enumerate(_SHAPES):
            parts = _simple_wsgi_parts(make(), environ)
            if parts is None:
                continue  # deferred to Werkzeug's own path
            answered += 1
            status, headers, body = parts
            expected = _call_werkzeug(make(), environ)
            assert (status, headers, b"".join(body)) == expected, (method, index)
    # The three one-chunk GET responses at least: the fast path is really
    # taken (and so checked), not always deferring.
    assert answered >= 3


def test_simple_wsgi_parts_defers_on_close_callbacks() -> None:
    from werkzeug.test import EnvironBuilder

    from jigger.wrappers import _simple_wsgi_parts

    response = Response("x")
    response.call_on_close(lambda: None)
    assert _simple_wsgi_parts(response, EnvironBuilder().get_environ()) is None
    assert _simple_wsgi_parts(Response("x"), EnvironBuilder().get_environ())


@pytest.mark.parametrize(
    "make",
    [
        lambda: werror.NotFound(),
        lambda: werror.Forbidden("No <b>way</b>"),
        lambda: werror.MethodNotAllowed(["GET", "POST"]),
        lambda: werror.Unauthorized(www_authenticate=None),
        lambda: werror.InternalServerError(),
    ],
)
def test_error_pages_equal_werkzeugs_own(make: t.Callable[[], t.Any]) -> None:
    from jigger.wrappers import _response_for_http_exception

    environ = EnvironBuilder().get_environ()
    for _ in range(2):  # the second time the page comes from the cache
        ours = _response_for_http_exception(Response, make(), environ)
        theirs = make().get_response(environ)
        assert type(ours) is Response
        assert ours.status == theirs.status
        assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()
        assert ours.get_data() == theirs.get_data()


def test_error_page_of_a_custom_exception_is_not_cached() -> None:
    from werkzeug.exceptions import HTTPException

    from jigger.wrappers import _response_for_http_exception

    class Teapot(HTTPException):
        code = 418
        calls = 0

        def get_description(self, environ=None, scope=None):  # type: ignore[no-untyped-def]
            Teapot.calls += 1
            return f"<p>pour #{Teapot.calls}</p>"

    environ = EnvironBuilder().get_environ()
    first = _response_for_http_exception(Response, Teapot(), environ).get_data()
    second = _response_for_http_exception(Response, Teapot(), environ).get_data()
    assert b"pour #1" in first
    assert b"pour #2" in second


@pytest.mark.parametrize(
    "environ_args",
    [
        {"path": "/"},
        {"path": "/a/b/", "query_string": "x=1&y=%C3%A9"},
        {"path": "/caf\u00e9", "base_url": "https://example.test:8443/mount/"},
        {"path": "//double//slashes", "headers": {"X-Thing": "1"}},
        {"path": "/p", "method": "post", "environ_base": {"REMOTE_ADDR": "10.0.0.9"}},
    ],
)
def test_lazily_read_attributes_equal_werkzeugs(environ_args: dict[str, t.Any]) -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    environ = EnvironBuilder(**environ_args).get_environ()
    ours = Request(dict(environ))
    theirs = WerkzeugRequest(dict(environ))
    for name in (
        "method",
        "scheme",
        "server",
        "root_path",
        "path",
        "query_string",
        "remote_addr",
        "url",
        "host",
        "full_path",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert ours.environ["werkzeug.request"] is ours
    # Still plain attributes: code may set them, as on Werkzeug's request.
    ours.path = "/changed"
    assert ours.path == "/changed"
