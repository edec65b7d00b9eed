"""Tests for jigger.helpers: redirects, aborting, building responses,
per-request callbacks, streaming with the request context, sending files,
and the debug flag from the environment.
"""

from __future__ import annotations

import io
import os
import pathlib
import typing as t
from datetime import timedelta

import pytest
from werkzeug.exceptions import HTTPException, NotFound

import jigger
from jigger import (
    Jigger,
    Response,
    abort,
    after_this_request,
    g,
    make_response,
    redirect,
    request,
    send_file,
    send_from_directory,
    stream_with_context,
)
from jigger.helpers import get_debug_flag

CONTENT = b"hello, file\n" * 10


@pytest.fixture
def app(app: Jigger, tmp_path: pathlib.Path) -> Jigger:
    """The shared app, rooted in a folder with static and other files."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body { color: red }\n")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "report.txt").write_bytes(CONTENT)
    (tmp_path / "files" / "sub").mkdir()
    (tmp_path / "files" / "sub" / "inner.txt").write_text("inner")
    (tmp_path / "secret.txt").write_text("do not serve")
    app.root_path = os.fspath(tmp_path)
    return app


# -- redirect ----------------------------------------------------------------


def test_redirect_in_a_view(app: Jigger) -> None:
    app.add_url_rule("/old", "old", lambda: redirect("/new"))
    app.add_url_rule("/moved", "moved", lambda: redirect("/new", 301))
    app.add_url_rule("/new", "new", lambda: "new place")
    client = app.test_client()
    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new"
    assert "/new" in response.text
    assert client.get("/moved").status_code == 301
    assert client.get("/old", follow_redirects=True).text == "new place"


def test_redirect_uses_the_apps_response_class(app: Jigger) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    with app.app_context():
        assert type(redirect("/x")) is MyResponse


def test_redirect_goes_through_app_redirect(app: Jigger) -> None:
    calls: list[tuple[str, int]] = []

    class CountingApp(Jigger):
        def redirect(self, location: str, code: int = 302) -> t.Any:
            calls.append((location, code))
            return super().redirect(location, code)

    counting = CountingApp("counting")
    with counting.app_context():
        redirect("/y", 303)
    assert calls == [("/y", 303)]


def test_redirect_without_an_app() -> None:
    response = redirect("https://example.test/", 307)
    assert response.status_code == 307
    assert response.headers["Location"] == "https://example.test/"


# -- abort -------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name"), [(400, "Bad Request"), (403, "Forbidden")])
def test_abort_with_a_code(app: Jigger, code: int, name: str) -> None:
    app.add_url_rule("/", "index", lambda: abort(code))
    response = app.test_client().get("/")
    assert response.status_code == code
    assert name in response.text


def test_abort_with_a_description(app: Jigger) -> None:
    app.add_url_rule("/", "index", lambda: abort(404, description="No such cheese"))
    response = app.test_client().get("/")
    assert response.status_code == 404
    assert "No such cheese" in response.text


def test_abort_with_a_response(app: Jigger) -> None:
    def view() -> str:
        abort(Response("teapot says no", status=418, headers={"X-Why": "tea"}))

    app.add_url_rule("/", "index", view)
    response = app.test_client().get("/")
    assert response.status_code == 418
    assert response.text == "teapot says no"
    assert response.headers["X-Why"] == "tea"


def test_abort_raises_the_http_exception(app: Jigger) -> None:
    with app.app_context(), pytest.raises(NotFound):
        abort(404)
    with pytest.raises(NotFound):
        abort(404)  # also without an app
    with pytest.raises(LookupError, match="999"):
        abort(999)


def test_abort_uses_the_apps_aborter(app: Jigger) -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay first."

    app.aborter.mapping[402] = PaymentRequired
    app.add_url_rule("/", "index", lambda: abort(402))
    response = app.test_client().get("/")
    assert response.status_code == 402
    assert "Pay first." in response.text


def test_abort_goes_to_the_error_handler(app: Jigger) -> None:
    app.register_error_handler(403, lambda e: ("custom forbidden", 403))
    app.add_url_rule("/", "index", lambda: abort(403))
    assert app.test_client().get("/").text == "custom forbidden"


# -- make_response -----------------------------------------------------------


def test_make_response_variants(app: Jigger) -> None:
    with app.test_request_context():
        empty = make_response()
        assert isinstance(empty, Response)
        assert empty.status_code == 200
        assert empty.data == b""

        text = make_response("hi")
        assert text.data == b"hi"
        assert text.mimetype == "text/html"

        with_status = make_response("gone", 410)
        assert with_status.status_code == 410

        with_headers = make_response("x", {"X-A": "1"})
        assert with_headers.status_code == 200
        assert with_headers.headers["X-A"] == "1"

        all_three = make_response("made", 201, [("X-B", "2")])
        assert (all_three.status_code, all_three.headers["X-B"]) == (201, "2")

        as_tuple = make_response(("made", 202))
        assert as_tuple.status_code == 202

        as_json = make_response({"a": 1})
        assert as_json.mimetype == "application/json"
        assert as_json.json == {"a": 1}

        listed = make_response([1, 2], 207)
        assert (listed.status_code, listed.json) == (207, [1, 2])

        existing = Response("same")
        assert make_response(existing) is existing


def test_make_response_in_a_view_to_add_headers(app: Jigger) -> None:
    @app.get("/")
    def index() -> Response:
        response = make_response("body")
        response.headers["X-Extra"] = "yes"
        response.set_cookie("seen", "1")
        return response

    response = app.test_client().get("/")
    assert response.headers["X-Extra"] == "yes"
    assert "seen=1" in response.headers["Set-Cookie"]


def test_make_response_outside_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="app_context"):
        make_response("x")


# -- after_this_request ------------------------------------------------------


def test_after_this_request_runs_for_this_request_only(app: Jigger) -> None:
    order: list[str] = []

    @app.after_request
    def global_hook(response: Response) -> Response:
        order.append("after_request")
        return response

    @app.get("/once")
    def once() -> str:
        @after_this_request
        def add_header(response: Response) -> Response:
            order.append("after_this_request")
            response.headers["X-Once"] = "yes"
            return response

        return "once"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    client = app.test_client()
    assert client.get("/once").headers["X-Once"] == "yes"
    assert order == ["after_this_request", "after_request"]
    order.clear()
    assert "X-Once" not in client.get("/plain").headers
    assert order == ["after_request"]


def test_after_this_request_may_replace_the_response(app: Jigger) -> None:
    @app.get("/")
    def index() -> str:
        after_this_request(lambda response: Response("replaced", status=203))
        return "original"

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (203, "replaced")


def test_after_this_request_outside_a_request(app: Jigger) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        after_this_request(lambda response: response)


# -- stream_with_context ----------------------------------------------------


def _streaming_app(app: Jigger, events: list[str]) -> None:
    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.get("/wrapped")
    def wrapped() -> t.Iterator[str]:
        g.who = request.args["name"]

        def generate() -> t.Iterator[str]:
            events.append("first chunk")
            yield f"hello {request.args['name']}"
            yield f" from {request.path}"
            yield f" and g says {g.who}"
            events.append("last chunk")

        return stream_with_context(generate())

    @stream_with_context
    def decorated_gen(greeting: str) -> t.Iterator[str]:
        events.append("first chunk")
        yield f"{greeting} {request.args['name']}"
        events.append("last chunk")

    @app.get("/decorated")
    def decorated() -> t.Iterator[str]:
        return decorated_gen("hi")


def test_stream_with_context_as_a_wrapper(app: Jigger) -> None:
    events: list[str] = []
    _streaming_app(app, events)
    response = app.test_client().get("/wrapped?name=ada", buffered=False)
    assert "teardown" not in events, "the stream still needs the request"
    body = b"".join(t.cast("t.Iterable[bytes]", response.response)).decode()
    assert body == "hello ada from /wrapped and g says ada"
    response.close()
    assert events == ["first chunk", "last chunk", "teardown"]


def test_stream_with_context_takes_any_iterable(app: Jigger) -> None:
    seen: list[str] = []
    app.teardown_request(lambda exc: seen.append("teardown"))

    @app.get("/letters")
    def letters() -> t.Any:
        return stream_with_context("abc")

    @app.get("/nested")
    def nested() -> t.Any:
        # Inside an application context pushed by the view, the stream still
        # holds the request's context.
        with app.app_context():
            return stream_with_context([b"x", b"y"])

    client = app.test_client()
    response = client.get("/letters")
    assert response.text == "abc"
    response.close()
    response = client.get("/nested")
    assert response.data == b"xy"
    response.close()
    assert seen == ["teardown", "teardown"]


def test_stream_with_context_as_a_decorator(app: Jigger) -> None:
    events: list[str] = []
    _streaming_app(app, events)
    response = app.test_client().get("/decorated?name=bo")
    assert response.text == "hi bo"
    assert events == ["first chunk", "last chunk", "teardown"]


def test_teardown_waits_for_the_stream_to_end(app: Jigger) -> None:
    events: list[str] = []
    _streaming_app(app, events)
    response = app.test_client().get("/wrapped?name=ada", buffered=False)
    chunks = iter(t.cast("t.Iterable[bytes]", response.response))
    assert next(chunks) == b"hello ada"
    assert "teardown" not in events, "the stream still needs the request"
    assert next(chunks) == b" from /wrapped"
    assert "teardown" not in events
    rest = b"".join(chunks)
    assert rest == b" and g says ada"
    response.close()
    assert events.count("teardown") == 1
    assert events[-1] == "teardown"
    assert not jigger.has_request_context()


def test_closing_a_stream_early_still_tears_down(app: Jigger) -> None:
    events: list[str] = []
    _streaming_app(app, events)
    response = app.test_client().get("/wrapped?name=ada", buffered=False)
    chunks = iter(t.cast("t.Iterable[bytes]", response.response))
    next(chunks)
    response.close()
    assert events == ["first chunk", "teardown"]


def test_without_stream_with_context_request_is_gone(app: Jigger) -> None:
    @app.get("/bare")
    def bare() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "start "
            yield request.path

        return generate()

    app.testing = False
    response = app.test_client().get("/bare", buffered=False)
    chunks = iter(t.cast("t.Iterable[bytes]", response.response))
    assert next(chunks) == b"start "
    with pytest.raises(RuntimeError, match="request context"):
        next(chunks)
    response.close()


def test_stream_with_context_outside_a_request(app: Jigger) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        stream_with_context(iter(["x"]))


# -- send_file -----------------------------------------------------------------


def test_send_file_from_a_path_relative_to_the_root(app: Jigger) -> None:
    app.add_url_rule("/report", "report", lambda: send_file("files/report.txt"))
    response = app.test_client().get("/report")
    assert response.status_code == 200
    assert response.data == CONTENT
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert "ETag" in response.headers
    assert "Last-Modified" in response.headers
    assert response.headers.get("Cache-Control") == "no-cache"
    response.close()


def test_send_file_absolute_path_and_attachment(
    app: Jigger, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "files" / "report.txt"

    @app.get("/download")
    def download() -> Response:
        return send_file(path, as_attachment=True, download_name="résumé.txt")

    response = app.test_client().get("/download")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9.txt" in disposition
    response.close()


def test_send_file_object(app: Jigger) -> None:
    @app.get("/generated")
    def generated() -> Response:
        buffer = io.BytesIO(b"a,b\n1,2\n")
        return send_file(buffer, mimetype="text/csv", download_name="data.csv")

    response = app.test_client().get("/generated")
    assert response.data == b"a,b\n1,2\n"
    assert response.mimetype == "text/csv"
    response.close()


def test_send_file_object_needs_a_mimetype_or_name(app: Jigger) -> None:
    with app.test_request_context(), pytest.raises(TypeError, match="download_name"):
        send_file(io.BytesIO(b"x"))


def test_send_file_conditional_304(app: Jigger) -> None:
    app.add_url_rule("/report", "report", lambda: send_file("files/report.txt"))
    client = app.test_client()
    first = client.get("/report")
    etag = first.headers["ETag"]
    first.close()
    again = client.get("/report", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    again.close()
    since = client.get(
        "/report", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    since.close()
    other = client.get("/report", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    other.close()


def test_send_file_range_206(app: Jigger) -> None:
    app.add_url_rule("/report", "report", lambda: send_file("files/report.txt"))
    response = app.test_client().get("/report", headers={"Range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.data == CONTENT[:5]
    assert response.headers["Content-Range"] == f"bytes 0-4/{len(CONTENT)}"
    response.close()
    bad = app.test_client().get("/report", headers={"Range": "bytes=9999-"})
    assert bad.status_code == 416


def test_send_file_not_conditional(app: Jigger) -> None:
    app.add_url_rule(
        "/report", "report", lambda: send_file("files/report.txt", conditional=False)
    )
    response = app.test_client().get("/report", headers={"Range": "bytes=0-4"})
    assert response.status_code == 200
    assert response.data == CONTENT
    response.close()


def test_send_file_max_age_argument(app: Jigger) -> None:
    app.add_url_rule(
        "/report", "report", lambda: send_file("files/report.txt", max_age=60)
    )
    response = app.test_client().get("/report")
    assert response.cache_control.max_age == 60
    assert response.cache_control.public
    response.close()


@pytest.mark.parametrize("value", [3600, timedelta(hours=1)])
def test_send_file_max_age_default_config(app: Jigger, value: object) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    app.add_url_rule("/report", "report", lambda: send_file("files/report.txt"))
    response = app.test_client().get("/report")
    assert response.cache_control.max_age == 3600
    response.close()


def test_get_send_file_max_age_may_be_overridden(tmp_path: pathlib.Path) -> None:
    class CachingApp(Jigger):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 10 if filename and filename.endswith(".css") else 0

    app = CachingApp("caching", root_path=os.fspath(tmp_path))
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.css").write_text("a")
    (tmp_path / "static" / "a.txt").write_text("a")
    client = app.test_client()
    css = client.get("/static/a.css")
    txt = client.get("/static/a.txt")
    assert css.cache_control.max_age == 10
    assert txt.cache_control.max_age == 0
    css.close()
    txt.close()


def test_static_files_are_served(app: Jigger) -> None:
    response = app.test_client().get("/static/style.css")
    assert response.status_code == 200
    assert response.text == "body { color: red }\n"
    assert response.mimetype == "text/css"
    response.close()
    assert app.test_client().get("/static/missing.css").status_code == 404
    with app.test_request_context():
        assert jigger.url_for("static", filename="style.css") == "/static/style.css"


def test_send_file_outside_a_request(app: Jigger) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request"):
        send_file("files/report.txt")


# -- send_from_directory -------------------------------------------------------


@pytest.fixture
def files_app(app: Jigger, tmp_path: pathlib.Path) -> Jigger:
    @app.get("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory(tmp_path / "files", name)

    return app


def test_send_from_directory(files_app: Jigger) -> None:
    client = files_app.test_client()
    response = client.get("/files/report.txt")
    assert response.data == CONTENT
    response.close()
    inner = client.get("/files/sub/inner.txt")
    assert inner.text == "inner"
    inner.close()


def test_send_from_directory_missing_file_is_404(files_app: Jigger) -> None:
    assert files_app.test_client().get("/files/nothing.txt").status_code == 404
    assert files_app.test_client().get("/files/sub").status_code == 404


@pytest.mark.parametrize(
    "name", ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", "/secret.txt"]
)
def test_send_from_directory_refuses_paths_outside(
    app: Jigger, tmp_path: pathlib.Path, name: str
) -> None:
    with app.test_request_context(), pytest.raises(NotFound):
        send_from_directory(tmp_path / "files", name)


def test_send_from_directory_refuses_dotdot_from_the_url(files_app: Jigger) -> None:
    client = files_app.test_client()
    for url in ["/files/..%2Fsecret.txt", "/files/sub/..%2F..%2Fsecret.txt"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"do not serve" not in response.data


def test_send_from_directory_passes_options(
    app: Jigger, tmp_path: pathlib.Path
) -> None:
    @app.get("/dl")
    def download() -> Response:
        return send_from_directory(
            tmp_path / "files", "report.txt", as_attachment=True, max_age=5
        )

    response = app.test_client().get("/dl")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "report.txt" in response.headers["Content-Disposition"]
    assert response.cache_control.max_age == 5
    response.close()


# -- get_debug_flag ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("yes", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("", False),
    ],
)
@pytest.mark.parametrize("name", ["JIGGER_DEBUG", "FLASK_DEBUG"])
def test_get_debug_flag(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: bool
) -> None:
    monkeypatch.delenv("JIGGER_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv(name, value)
    assert get_debug_flag() is expected


def test_get_debug_flag_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIGGER_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert get_debug_flag() is False


def test_debug_flag_sets_the_apps_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("JIGGER_DEBUG", "1")
    assert Jigger("debugging").debug is True
    monkeypatch.setenv("JIGGER_DEBUG", "0")
    assert Jigger("debugging").debug is False
