"""Tests for jigger.app: the request cycle of a :class:`jigger.Jigger`.

What a view may return, the request hooks and teardown callbacks, error
handlers and the configuration keys that steer them, the setup lock, the
app's name, its configuration defaults and ``app.run``.
"""

from __future__ import annotations

import logging
import sys
import types
import typing as t
from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    BadRequestKeyError,
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
)

import jigger
from jigger import Jigger, Response, abort, after_this_request, request

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


@pytest.fixture(autouse=True)
def _no_debug_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's JIGGER_DEBUG or FLASK_DEBUG must not change the results."""
    monkeypatch.delenv("JIGGER_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def _app_records(
    caplog: pytest.LogCaptureFixture, app: Jigger, level: int = logging.ERROR
) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == app.logger.name and r.levelno >= level
    ]


def returns(value: object) -> t.Callable[[], t.Any]:
    """A view returning ``value``, typed loosely so that bad values may be
    returned on purpose."""
    return lambda: value


def divide_by_zero() -> str:
    return str(1 / 0)


# -- view return values ----------------------------------------------------


def test_str_becomes_an_html_response(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: "Grüß dich")
    rv = app.test_client().get("/")
    assert rv.status_code == 200
    assert rv.mimetype == "text/html"
    assert rv.content_type == "text/html; charset=utf-8"
    assert rv.text == "Grüß dich"


def test_bytes_are_sent_unchanged(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: b"\x00\xffraw")
    rv = app.test_client().get("/")
    assert rv.status_code == 200
    assert rv.data == b"\x00\xffraw"


def test_dict_and_list_become_json(app: Jigger) -> None:
    app.add_url_rule("/dict", "d", lambda: {"b": 1, "a": [1, 2]})
    app.add_url_rule("/list", "l", lambda: [1, "two", None])
    client = app.test_client()

    rv = client.get("/dict")
    assert rv.mimetype == "application/json"
    assert rv.json == {"a": [1, 2], "b": 1}

    rv = client.get("/list")
    assert rv.mimetype == "application/json"
    assert rv.json == [1, "two", None]


def test_dict_goes_through_app_json(app: Jigger) -> None:
    """The app's JSON provider serialises the returned dict."""
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.add_url_rule("/", "index", lambda: {"b": 1, "a": 2})
    assert app.test_client().get("/").data.replace(b" ", b"") == b'{"b":1,"a":2}\n'


def test_response_object_is_used_as_is(app: Jigger) -> None:
    made = Response("made", status=202, mimetype="text/plain")
    app.add_url_rule("/", "index", lambda: made)
    rv = app.test_client().get("/")
    assert rv.status_code == 202
    assert rv.mimetype == "text/plain"
    assert rv.text == "made"


def test_werkzeug_response_is_converted(app: Jigger) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    app.add_url_rule(
        "/", "index", lambda: WerkzeugResponse("plain werkzeug", status=203)
    )
    rv = app.test_client().get("/")
    assert rv.status_code == 203
    assert rv.text == "plain werkzeug"


def test_wsgi_callable_is_called(app: Jigger) -> None:
    def tiny_wsgi_app(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        start_response("201 Created", [("X-Path", environ["PATH_INFO"])])
        return [b"from ", b"wsgi"]

    app.add_url_rule("/here", "index", lambda: tiny_wsgi_app)
    rv = app.test_client().get("/here")
    assert rv.status_code == 201
    assert rv.headers["X-Path"] == "/here"
    assert rv.data == b"from wsgi"


def test_generator_is_streamed_after_the_view_returns(app: Jigger) -> None:
    events: list[str] = []

    @app.get("/stream")
    def stream() -> Iterator[str]:
        def chunks() -> Iterator[str]:
            events.append("first chunk")
            yield "a"
            yield "b"
            events.append("last chunk")

        events.append("view returned")
        return chunks()

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    rv = app.test_client().get("/stream")
    assert rv.is_streamed
    # The body is produced while it is sent, after the view and the request
    # ended (use stream_with_context to keep the request around).
    assert events[:2] == ["view returned", "teardown"]
    assert "last chunk" not in events
    assert rv.data == b"ab"
    assert events[-2:] == ["first chunk", "last chunk"]


def test_iterator_of_bytes_is_streamed(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: iter([b"one ", b"two"]))
    rv = app.test_client().get("/")
    assert rv.is_streamed
    assert rv.data == b"one two"


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [(201, 201, "CREATED"), ("202 Accepted Later", 202, "Accepted Later")],
)
def test_tuple_body_status(
    app: Jigger, status: int | str, code: int, reason: str
) -> None:
    app.add_url_rule("/", "index", returns(("made", status)))
    rv = app.test_client().get("/")
    assert rv.status_code == code
    assert rv.status == f"{code} {reason}"
    assert rv.text == "made"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-One": "1", "X-Two": "2"},
        [("X-One", "1"), ("X-Two", "2")],
        Headers([("X-One", "1"), ("X-Two", "2")]),
    ],
    ids=["dict", "list", "Headers"],
)
def test_tuple_body_headers(app: Jigger, headers: t.Any) -> None:
    app.add_url_rule("/", "index", lambda: ("body", headers))
    rv = app.test_client().get("/")
    assert rv.status_code == 200
    assert rv.headers["X-One"] == "1"
    assert rv.headers["X-Two"] == "2"
    assert rv.text == "body"


@pytest.mark.parametrize(
    "headers",
    [{"Location": "/elsewhere"}, [("Location", "/elsewhere")]],
    ids=["dict", "list"],
)
def test_tuple_body_status_headers(app: Jigger, headers: t.Any) -> None:
    app.add_url_rule("/", "index", lambda: ("moved", 301, headers))
    rv = app.test_client().get("/")
    assert rv.status_code == 301
    assert rv.headers["Location"] == "/elsewhere"
    assert rv.text == "moved"


def test_tuple_with_dict_body_and_status(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: ({"error": "nope"}, 422))
    rv = app.test_client().get("/")
    assert rv.status_code == 422
    assert rv.json == {"error": "nope"}


def test_tuple_status_and_headers_apply_to_a_response_object(app: Jigger) -> None:
    app.add_url_rule(
        "/", "index", lambda: (Response("r"), 418, {"X-Teapot": "short and stout"})
    )
    rv = app.test_client().get("/")
    assert rv.status_code == 418
    assert rv.headers["X-Teapot"] == "short and stout"


def test_tuple_headers_are_added_to_existing_ones(app: Jigger) -> None:
    def view() -> Response:
        resp = Response("r")
        resp.headers["X-Old"] = "kept"
        return resp

    app.add_url_rule("/", "index", lambda: (view(), {"X-New": "added"}))
    rv = app.test_client().get("/")
    assert rv.headers["X-Old"] == "kept"
    assert rv.headers["X-New"] == "added"


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(42, "int"), (3.5, "float"), ({1, 2}, "set"), (object(), "object")],
)
def test_unsupported_return_value_names_endpoint_and_type(
    app: Jigger, value: object, type_name: str
) -> None:
    app.add_url_rule("/answer", "the_answer", returns(value))
    with pytest.raises(TypeError) as info:
        app.test_client().get("/answer")
    message = str(info.value)
    assert "'the_answer'" in message
    assert repr(type_name) in message


def test_non_wsgi_callable_is_a_type_error(app: Jigger) -> None:
    def not_wsgi() -> str:
        return "no"

    app.add_url_rule("/", "odd", returns(not_wsgi))
    with pytest.raises(TypeError, match="'odd'.*WSGI"):
        app.test_client().get("/")


def test_none_is_a_type_error_naming_the_view(app: Jigger) -> None:
    @app.get("/forgot")
    def forgot_to_return() -> t.Any:
        pass

    with pytest.raises(TypeError, match="'forgot_to_return' returned None"):
        app.test_client().get("/forgot")


def test_tuple_of_wrong_length_is_a_type_error(app: Jigger) -> None:
    app.add_url_rule("/", "quad", returns(("a", 200, {}, "extra")))
    with pytest.raises(TypeError, match="'quad'.*tuple of 4 items"):
        app.test_client().get("/")


def test_bad_return_value_is_a_500_when_not_testing(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    app.add_url_rule("/", "index", returns(42))
    rv = app.test_client().get("/")
    assert rv.status_code == 500
    [record] = _app_records(caplog, app)
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], TypeError)


# -- request hooks ---------------------------------------------------------


def test_before_request_result_replaces_the_view(app: Jigger) -> None:
    calls: list[str] = []

    @app.before_request
    def first() -> None:
        calls.append("first")

    @app.before_request
    def gate() -> tuple[str, int] | None:
        calls.append("gate")
        if request.args.get("token") != "ok":
            return "go away", 403
        return None

    @app.before_request
    def never_after_a_block() -> None:
        calls.append("third")

    @app.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    @app.get("/")
    def index() -> str:
        calls.append("view")
        return "welcome"

    client = app.test_client()
    rv = client.get("/")
    assert (rv.status_code, rv.text) == (403, "go away")
    # The view and later hooks are skipped; after_request still runs.
    assert calls == ["first", "gate", "after"]

    calls.clear()
    rv = client.get("/?token=ok")
    assert rv.text == "welcome"
    assert calls == ["first", "gate", "third", "view", "after"]


def test_after_request_hooks_run_in_reverse_order(app: Jigger) -> None:
    order: list[str] = []

    def hook(name: str) -> t.Callable[[Response], Response]:
        def add(response: Response) -> Response:
            order.append(name)
            response.headers.add("X-Hooks", name)
            return response

        return add

    app.after_request(hook("registered first"))
    app.after_request(hook("registered second"))

    @app.get("/")
    def index() -> str:
        @after_this_request
        def once(response: Response) -> Response:
            order.append("after_this_request")
            return response

        return "ok"

    rv = app.test_client().get("/")
    assert order == ["after_this_request", "registered second", "registered first"]
    assert rv.headers.getlist("X-Hooks") == ["registered second", "registered first"]


def test_after_request_may_replace_the_response(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: "original")
    app.after_request(lambda response: Response("replaced", status=202))
    rv = app.test_client().get("/")
    assert (rv.status_code, rv.text) == (202, "replaced")


def test_after_request_does_not_run_for_an_unhandled_error(app: Jigger) -> None:
    ran: list[str] = []

    @app.get("/")
    def index() -> str:
        raise RuntimeError("boom")

    @app.after_request
    def after(response: Response) -> Response:
        ran.append("after")
        return response

    with pytest.raises(RuntimeError, match="boom"):
        app.test_client().get("/")
    assert ran == []


def test_teardown_request_sees_the_unhandled_error(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)

    @app.get("/fine")
    def fine() -> str:
        return "ok"

    @app.get("/broken")
    def broken() -> str:
        raise LookupError("no such thing")

    @app.get("/handled")
    def handled() -> str:
        abort(404)

    client = app.test_client()
    assert client.get("/fine").status_code == 200
    assert client.get("/broken").status_code == 500
    assert client.get("/handled").status_code == 404
    assert seen[0] is None
    assert isinstance(seen[1], LookupError)
    assert seen[2] is None  # a handled HTTP error is not a teardown error


def test_teardown_callbacks_run_in_reverse_order_after_the_response(
    app: Jigger,
) -> None:
    order: list[str] = []

    @app.get("/")
    def index() -> str:
        order.append("view")
        return "ok"

    @app.after_request
    def after(response: Response) -> Response:
        order.append("after_request")
        return response

    app.teardown_request(lambda exc: order.append("request 1"))
    app.teardown_request(lambda exc: order.append("request 2"))
    app.teardown_appcontext(lambda exc: order.append("appcontext 1"))
    app.teardown_appcontext(lambda exc: order.append("appcontext 2"))
    app.test_client().get("/")
    assert order == [
        "view",
        "after_request",
        "request 2",
        "request 1",
        "appcontext 2",
        "appcontext 1",
    ]


class _Broken:
    """A teardown callback that records its call and raises."""

    def __init__(self, calls: list[str], name: str) -> None:
        self.calls = calls
        self.name = name

    def __call__(self, exc: BaseException | None) -> None:
        self.calls.append(self.name)
        raise ValueError(f"{self.name} failed")


def test_every_teardown_request_runs_one_error_raised_as_itself(app: Jigger) -> None:
    calls: list[str] = []
    app.add_url_rule("/", "index", lambda: "ok")
    app.teardown_request(lambda exc: calls.append("first registered"))
    app.teardown_request(_Broken(calls, "broken"))
    app.teardown_request(lambda exc: calls.append("last registered"))
    app.teardown_appcontext(lambda exc: calls.append("appcontext"))

    with pytest.raises(ValueError, match="broken failed"):
        app.test_client().get("/")
    assert calls == ["last registered", "broken", "first registered", "appcontext"]


def test_several_teardown_errors_are_raised_as_a_group(app: Jigger) -> None:
    calls: list[str] = []
    app.add_url_rule("/", "index", lambda: "ok")
    app.teardown_request(_Broken(calls, "one"))
    app.teardown_request(lambda exc: calls.append("healthy"))
    app.teardown_request(_Broken(calls, "two"))

    with pytest.raises(ExceptionGroup) as info:
        app.test_client().get("/")
    assert calls == ["two", "healthy", "one"]
    assert [str(e) for e in info.value.exceptions] == ["two failed", "one failed"]
    assert "teardown_request" in str(info.value)


def test_teardown_errors_are_only_logged_in_production(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    calls: list[str] = []
    app.add_url_rule("/", "index", lambda: "still served")
    app.teardown_request(_Broken(calls, "one"))
    app.teardown_request(_Broken(calls, "two"))
    app.teardown_appcontext(_Broken(calls, "three"))

    rv = app.test_client().get("/")
    assert (rv.status_code, rv.text) == (200, "still served")
    assert calls == ["two", "one", "three"]
    records = _app_records(caplog, app)
    assert [str(r.exc_info[1]) for r in records if r.exc_info] == [
        "two failed",
        "one failed",
        "three failed",
    ]
    assert "teardown_request" in records[0].getMessage()
    assert "teardown_appcontext" in records[2].getMessage()


def test_teardown_appcontext_errors_with_app_context(app: Jigger) -> None:
    calls: list[str] = []
    app.teardown_appcontext(_Broken(calls, "a"))
    app.teardown_appcontext(_Broken(calls, "b"))
    app.teardown_appcontext(lambda exc: calls.append("c"))

    with pytest.raises(ExceptionGroup) as info, app.app_context():
        pass
    assert calls == ["c", "b", "a"]
    assert len(info.value.exceptions) == 2
    assert not jigger.has_app_context()


def test_propagate_exceptions_false_logs_teardown_errors_even_when_testing(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.teardown_appcontext(_Broken([], "quiet"))
    with app.app_context():
        pass
    [record] = _app_records(caplog, app)
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "quiet failed"


# -- error handlers --------------------------------------------------------


class ShopError(Exception):
    pass


class PaymentError(ShopError):
    pass


class CardDeclined(PaymentError):
    pass


class OutOfStock(ShopError):
    pass


def test_handler_by_status_code(app: Jigger) -> None:
    @app.errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return f"nothing at {request.path}", 404

    @app.get("/gone")
    def gone() -> str:
        abort(404)

    client = app.test_client()
    for path in ("/no-such-page", "/gone"):
        rv = client.get(path)
        assert rv.status_code == 404
        assert rv.text == f"nothing at {path}"


def test_handler_by_http_exception_class_equals_code(app: Jigger) -> None:
    app.register_error_handler(Forbidden, lambda e: ("keep out", 403))
    app.add_url_rule("/", "index", lambda: abort(403))
    rv = app.test_client().get("/")
    assert (rv.status_code, rv.text) == (403, "keep out")


def test_most_specific_exception_class_wins(app: Jigger) -> None:
    app.register_error_handler(ShopError, lambda e: ("shop", 500))
    app.register_error_handler(PaymentError, lambda e: (f"payment: {e}", 402))

    @app.get("/<kind>")
    def fail(kind: str) -> str:
        exc = {"declined": CardDeclined, "payment": PaymentError}.get(kind, OutOfStock)
        raise exc(kind)

    client = app.test_client()
    # CardDeclined has no handler: its nearest base class with one is used.
    assert client.get("/declined").text == "payment: declined"
    assert client.get("/declined").status_code == 402
    assert client.get("/payment").text == "payment: payment"
    assert client.get("/stock").text == "shop"


def test_registration_order_does_not_matter_for_specificity(app: Jigger) -> None:
    app.register_error_handler(PaymentError, lambda e: "payment")
    app.register_error_handler(CardDeclined, lambda e: "declined")
    app.register_error_handler(Exception, lambda e: "anything")
    app.add_url_rule("/", "index", lambda: (_ for _ in ()).throw(CardDeclined()))
    assert app.test_client().get("/").text == "declined"


def test_code_handler_beats_http_exception_handler(app: Jigger) -> None:
    app.register_error_handler(HTTPException, lambda e: (f"generic {e.code}", e.code))
    app.register_error_handler(404, lambda e: ("specific 404", 404))

    @app.post("/only-post")
    def only_post() -> str:
        return "posted"

    client = app.test_client()
    assert client.get("/nowhere").text == "specific 404"
    rv = client.get("/only-post")
    assert (rv.status_code, rv.text) == (405, "generic 405")


def test_handler_for_exception_also_catches_http_errors(app: Jigger) -> None:
    app.register_error_handler(Exception, lambda e: (f"caught {type(e).__name__}", 599))
    rv = app.test_client().get("/nowhere")
    assert (rv.status_code, rv.text) == (599, "caught NotFound")


def test_http_exception_without_handler_renders_its_page(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: abort(403))
    rv = app.test_client().get("/")
    assert rv.status_code == 403
    assert rv.mimetype == "text/html"
    assert "Forbidden" in rv.text


def test_abort_with_a_description(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: abort(409, description="Name taken."))
    rv = app.test_client().get("/")
    assert rv.status_code == 409
    assert "Name taken." in rv.text


def test_handler_receives_the_exception_and_may_return_any_value(app: Jigger) -> None:
    @app.errorhandler(OutOfStock)
    def out_of_stock(e: OutOfStock) -> dict[str, str]:
        return {"error": "out of stock", "item": str(e)}

    app.add_url_rule("/", "index", lambda: (_ for _ in ()).throw(OutOfStock("tea")))
    rv = app.test_client().get("/")
    assert rv.status_code == 200
    assert rv.json == {"error": "out of stock", "item": "tea"}


def test_error_in_before_request_goes_to_handlers(app: Jigger) -> None:
    @app.before_request
    def check() -> None:
        raise PaymentError("no credit")

    app.register_error_handler(PaymentError, lambda e: (str(e), 402))
    app.add_url_rule("/", "index", lambda: "unreachable")
    rv = app.test_client().get("/")
    assert (rv.status_code, rv.text) == (402, "no credit")


def test_register_error_handler_rejects_bad_input(app: Jigger) -> None:
    with pytest.raises(ValueError, match="999"):
        app.register_error_handler(999, lambda e: "")
    with pytest.raises(TypeError, match="instance"):
        app.register_error_handler(ValueError("x"), lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Exception"):
        app.register_error_handler(str, lambda e: "")  # type: ignore[arg-type]


def test_500_handler_takes_unhandled_errors(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        original = e.original_exception
        return f"sorry ({type(original).__name__})", 500

    @app.get("/")
    def index() -> str:
        raise ZeroDivisionError("division by zero")

    rv = app.test_client().get("/")
    assert (rv.status_code, rv.text) == (500, "sorry (ZeroDivisionError)")
    # Still logged, even though a handler made the page.
    [record] = _app_records(caplog, app)
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ZeroDivisionError)


def test_500_handler_also_takes_an_aborted_500(app: Jigger) -> None:
    app.register_error_handler(500, lambda e: ("custom 500", 500))
    app.add_url_rule("/", "index", lambda: abort(500))
    assert app.test_client().get("/").text == "custom 500"


def test_unhandled_error_in_production_is_a_plain_500(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.get("/checkout")
    def checkout() -> str:
        db_password = "hunter2-secret"
        raise RuntimeError(f"could not connect with {db_password}")

    rv = app.test_client().get("/checkout")
    assert rv.status_code == 500
    assert "Internal Server Error" in rv.text
    for leak in ("Traceback", "hunter2-secret", "RuntimeError", "test_app.py"):
        assert leak not in rv.text

    [record] = _app_records(caplog, app)
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Exception on /checkout [GET]"
    assert record.exc_info is not None
    assert "hunter2-secret" in str(record.exc_info[1])


def test_after_request_hooks_also_run_for_error_pages(app: Jigger) -> None:
    app.testing = False

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["X-Frame-Options"] = "DENY"
        return response

    app.register_error_handler(ShopError, lambda e: ("shop error", 409))
    app.add_url_rule("/shop", "shop", lambda: (_ for _ in ()).throw(OutOfStock()))
    app.add_url_rule("/crash", "crash", divide_by_zero)
    client = app.test_client()
    for path, code in [("/shop", 409), ("/missing", 404), ("/crash", 500)]:
        rv = client.get(path)
        assert rv.status_code == code
        assert rv.headers["X-Frame-Options"] == "DENY"


def test_failing_after_request_on_an_error_page_is_logged(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.after_request
    def broken(response: Response) -> Response:
        raise ValueError("hook is broken")

    app.add_url_rule("/", "index", returns("fine"))
    rv = app.test_client().get("/")
    # The hook fails on the page, then again on the 500 page: still a 500.
    assert rv.status_code == 500
    errors = [r.exc_info[1] for r in _app_records(caplog, app) if r.exc_info]
    assert [str(e) for e in errors] == ["hook is broken", "hook is broken"]


def test_failing_error_handler_gives_a_500(
    app: Jigger, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)

    @app.errorhandler(ShopError)
    def broken_handler(e: ShopError) -> str:
        raise RuntimeError("handler broke")

    app.add_url_rule("/", "index", lambda: (_ for _ in ()).throw(OutOfStock()))
    rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert isinstance(seen[0], RuntimeError)
    [record] = _app_records(caplog, app)
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "handler broke"


def test_testing_mode_propagates_unhandled_errors(app: Jigger) -> None:
    app.add_url_rule("/", "index", divide_by_zero)
    with pytest.raises(ZeroDivisionError):
        app.test_client().get("/")


def test_propagate_exceptions_overrides_testing_and_debug(app: Jigger) -> None:
    app.add_url_rule("/", "index", divide_by_zero)
    client = app.test_client()

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ZeroDivisionError):
        client.get("/")

    app.testing = True
    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/").status_code == 500


def test_debug_mode_propagates_by_default(app: Jigger) -> None:
    app.testing = False
    app.debug = True
    app.add_url_rule("/", "index", divide_by_zero)
    with pytest.raises(ZeroDivisionError):
        app.test_client().get("/")


def test_trap_http_exceptions(app: Jigger) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/", "index", lambda: abort(403))
    client = app.test_client()

    with pytest.raises(Forbidden):
        client.get("/")
    with pytest.raises(NotFound):
        client.get("/no-such-route")

    # Not propagated: a trapped HTTP error is an unhandled error, so a 500.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/").status_code == 500


def test_trapped_http_exception_still_reaches_its_handler(app: Jigger) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.register_error_handler(403, lambda e: ("handled anyway", 403))
    app.add_url_rule("/", "index", lambda: abort(403))
    assert app.test_client().get("/").text == "handled anyway"


def test_missing_form_key_is_a_400_by_default(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: request.form["name"], methods=["POST"])
    rv = app.test_client().post("/", data={"other": "x"})
    assert rv.status_code == 400
    assert "name" not in rv.text  # the key is not revealed outside debug


def test_trap_bad_request_errors(app: Jigger) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    app.add_url_rule("/", "index", lambda: request.form["name"], methods=["POST"])
    with pytest.raises(BadRequestKeyError) as info:
        app.test_client().post("/", data={"other": "x"})
    assert "'name'" in str(info.value)


def test_debug_mode_traps_bad_request_key_errors(app: Jigger) -> None:
    app.debug = True
    app.add_url_rule("/", "index", lambda: request.args["q"])
    client = app.test_client()
    with pytest.raises(BadRequestKeyError):
        client.get("/")

    # An explicit False keeps the 400 even in debug mode, and shows the key.
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    rv = client.get("/")
    assert rv.status_code == 400
    assert "q" in rv.text


# -- the setup lock ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "register"),
    [
        ("add_url_rule", lambda app: app.add_url_rule("/late", "late", lambda: "")),
        ("route", lambda app: app.route("/late")),
        ("get", lambda app: app.get("/late")),
        ("before_request", lambda app: app.before_request(lambda: None)),
        ("after_request", lambda app: app.after_request(lambda r: r)),
        ("teardown_request", lambda app: app.teardown_request(lambda e: None)),
        ("teardown_appcontext", lambda app: app.teardown_appcontext(lambda e: None)),
        ("errorhandler", lambda app: app.errorhandler(404)),
        (
            "register_error_handler",
            lambda app: app.register_error_handler(404, lambda e: ""),
        ),
    ],
)
def test_setup_after_the_first_request_is_refused(
    app: Jigger, method: str, register: t.Callable[[Jigger], object]
) -> None:
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    register(app)  # fine before any request
    assert client.get("/").status_code == 200

    with pytest.raises(AssertionError) as info:
        register(app)
    message = str(info.value)
    assert f"'{method}'" in message
    assert "first request" in message
    assert "before serving" in message  # says what to do instead


def test_setup_lock_also_applies_after_a_failed_request(app: Jigger) -> None:
    app.testing = False
    app.add_url_rule("/", "index", divide_by_zero)
    assert app.test_client().get("/").status_code == 500
    with pytest.raises(AssertionError):
        app.add_url_rule("/late", "late", lambda: "")


def test_test_request_context_does_not_lock_setup(app: Jigger) -> None:
    with app.test_request_context("/"):
        pass
    app.add_url_rule("/later", "later", lambda: "still allowed")
    assert app.test_client().get("/later").text == "still allowed"


# -- identity, configuration, debug ------------------------------------------


def test_name_is_the_import_name(app: Jigger) -> None:
    assert app.name == "test_app"
    assert Jigger("shop.web").name == "shop.web"
    assert repr(app) == "<Jigger 'test_app'>"


def test_name_of_an_app_in_main_is_the_script_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any
) -> None:
    script = types.ModuleType("__main__")
    script.__file__ = str(tmp_path / "nightly_report.py")
    monkeypatch.setitem(sys.modules, "__main__", script)
    app = Jigger("__main__", root_path=str(tmp_path))
    assert app.name == "nightly_report"
    assert app.logger.name == "nightly_report"


def test_name_in_an_interactive_main(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert Jigger("__main__", root_path="/").name == "__main__"


def test_config_defaults_are_flask_31s(monkeypatch: pytest.MonkeyPatch) -> None:
    # Flask (a test dependency) is the reference: the keys, values and
    # types of the defaults and of a new app's config are exactly Flask's.
    import flask

    for name in ("JIGGER_DEBUG", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)

    def typed(config: t.Mapping[str, t.Any]) -> dict[str, tuple[t.Any, type]]:
        return {key: (value, type(value)) for key, value in config.items()}

    assert typed(Jigger.default_config) == typed(flask.Flask.default_config)
    assert typed(Jigger("defaults").config) == typed(flask.Flask("defaults").config)


def test_config_is_per_app() -> None:
    one, two = Jigger("one"), Jigger("two")
    one.config["SECRET_KEY"] = "one's secret"
    one.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert two.config["SECRET_KEY"] is None
    assert Jigger.default_config["SECRET_KEY"] is None
    assert one.permanent_session_lifetime == timedelta(seconds=60)
    assert two.permanent_session_lifetime == timedelta(days=31)


def test_testing_and_secret_key_attributes_mirror_config(app: Jigger) -> None:
    assert app.config["TESTING"] is True
    app.secret_key = "s3cret"
    assert app.config["SECRET_KEY"] == "s3cret"
    app.config["TESTING"] = False
    assert app.testing is False


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("JIGGER_DEBUG", "1", True),
        ("JIGGER_DEBUG", "true", True),
        ("JIGGER_DEBUG", "0", False),
        ("JIGGER_DEBUG", "false", False),
        ("JIGGER_DEBUG", "", False),
        ("FLASK_DEBUG", "1", True),
    ],
)
def test_debug_flag_from_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: bool
) -> None:
    monkeypatch.setenv(variable, value)
    app = Jigger("env_debug")
    assert app.debug is expected
    assert app.config["DEBUG"] is expected


def test_debug_is_off_without_environment() -> None:
    app = Jigger("no_env_debug")
    assert app.debug is False
    app.debug = True
    assert app.config["DEBUG"] is True


# -- app.run -----------------------------------------------------------------


class _RunSimple:
    """Stands in for werkzeug.serving.run_simple and records its call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, object, dict[str, t.Any]]] = []

    def __call__(
        self, host: str, port: int, application: object, **options: t.Any
    ) -> None:
        self.calls.append((host, port, application, options))


@pytest.fixture
def run_simple(monkeypatch: pytest.MonkeyPatch) -> _RunSimple:
    import werkzeug.serving

    fake = _RunSimple()
    monkeypatch.setattr(werkzeug.serving, "run_simple", fake)
    monkeypatch.delenv("JIGGER_RUN_FROM_CLI", raising=False)
    return fake


def test_run_uses_werkzeugs_server_with_defaults(
    app: Jigger, run_simple: _RunSimple
) -> None:
    app.run(load_dotenv=False)
    [(host, port, served, options)] = run_simple.calls
    assert (host, port) == ("127.0.0.1", 5000)
    assert served is app
    assert options["use_reloader"] is False
    assert options["use_debugger"] is False
    assert options["threaded"] is True


def test_run_with_host_port_and_debug(app: Jigger, run_simple: _RunSimple) -> None:
    app.run(host="0.0.0.0", port=8123, debug=True, load_dotenv=False)
    [(host, port, _, options)] = run_simple.calls
    assert (host, port) == ("0.0.0.0", 8123)
    assert app.debug is True
    assert options["use_reloader"] is True
    assert options["use_debugger"] is True


def test_run_takes_host_and_port_from_server_name(
    app: Jigger, run_simple: _RunSimple
) -> None:
    app.config["SERVER_NAME"] = "dev.local:8080"
    app.run(load_dotenv=False)
    assert run_simple.calls[0][:2] == ("dev.local", 8080)

    app.config["SERVER_NAME"] = "dev.local"
    app.run(load_dotenv=False)
    assert run_simple.calls[1][:2] == ("dev.local", 5000)

    # Explicit arguments win over SERVER_NAME.
    app.config["SERVER_NAME"] = "dev.local:8080"
    app.run(host="127.0.0.1", port=9000, load_dotenv=False)
    assert run_simple.calls[2][:2] == ("127.0.0.1", 9000)


def test_run_port_zero_asks_for_a_free_port(
    app: Jigger, run_simple: _RunSimple
) -> None:
    app.config["SERVER_NAME"] = "dev.local:8080"
    app.run(port=0, load_dotenv=False)
    assert run_simple.calls[0][:2] == ("dev.local", 0)


def test_run_passes_options_through(app: Jigger, run_simple: _RunSimple) -> None:
    app.run(
        debug=True,
        use_reloader=False,
        threaded=False,
        ssl_context="adhoc",
        load_dotenv=False,
    )
    options = run_simple.calls[0][3]
    assert options["use_reloader"] is False
    assert options["use_debugger"] is True
    assert options["threaded"] is False
    assert options["ssl_context"] == "adhoc"


def test_run_debug_false_turns_debug_off(app: Jigger, run_simple: _RunSimple) -> None:
    app.debug = True
    app.run(debug=False, load_dotenv=False)
    assert app.debug is False
    assert run_simple.calls[0][3]["use_reloader"] is False


def test_run_is_a_no_op_under_the_cli(
    app: Jigger, run_simple: _RunSimple, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIGGER_RUN_FROM_CLI", "true")
    app.run(load_dotenv=False)
    assert run_simple.calls == []


def test_run_loads_dotenv_files(
    app: Jigger,
    run_simple: _RunSimple,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: t.Any,
) -> None:
    pytest.importorskip("dotenv")
    (tmp_path / ".env").write_text("JIGGER_TEST_FROM_DOTENV=loaded\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIGGER_TEST_FROM_DOTENV", raising=False)
    app.run()
    import os

    assert os.environ.get("JIGGER_TEST_FROM_DOTENV") == "loaded"
    monkeypatch.delenv("JIGGER_TEST_FROM_DOTENV")


# -- details Flask's own test suite checks ------------------------------------


def test_app_is_freed_when_its_last_reference_goes() -> None:
    """No reference cycle keeps an app alive until the garbage collector
    runs (the static route used to hold a bound method of the app)."""
    import gc
    import weakref

    gc.disable()
    try:
        app = Jigger("freed")
        assert app.view_functions["static"]
        ref = weakref.ref(app)
        del app
        assert ref() is None
    finally:
        gc.enable()


def test_static_files_still_served_through_the_weak_reference(
    tmp_path: t.Any,
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("static text")
    app = Jigger("static_ref", root_path=str(tmp_path))
    response = app.test_client().get("/static/a.txt")
    assert response.text == "static text"
    response.close()


def test_url_for_accepts_a_value_named_self(app: Jigger) -> None:
    @app.get("/<self>/page")
    def page(self: str) -> str:
        return self

    with app.test_request_context():
        assert jigger.url_for("page", self="me") == "/me/page"
        assert app.url_for("page", self="me") == "/me/page"


def test_rule_added_to_the_url_map_directly(app: Jigger) -> None:
    """Werkzeug rules added without add_url_rule route to view_functions,
    and OPTIONS on them is not answered automatically."""
    from werkzeug.routing import Rule, Submount

    app.url_map.add(Submount("/foo", [Rule("/bar", endpoint="bar")]))
    app.view_functions["bar"] = lambda: "bar"
    client = app.test_client()
    assert client.get("/foo/bar").text == "bar"
    app.view_functions["bar"] = lambda: request.method
    assert client.open("/foo/bar", method="OPTIONS").text == "OPTIONS"
