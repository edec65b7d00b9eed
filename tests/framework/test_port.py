"""Porting check: one Flask application, run on Flask and on jigger.

``portapp/app_src.py`` is written against ``flask``. Each test here runs twice:
against that source as written (id ``flask``), and against the same text with
only its import lines pointed at ``jigger`` (id ``jigger``). A test that passes
on ``flask`` and fails on ``jigger`` is a place where jigger does not yet keep
Flask's semantics.
"""

from __future__ import annotations

import ast
import itertools
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

APP_SRC = Path(__file__).parent / "portapp" / "app_src.py"
_counter = itertools.count()


#: The same tests run on both; the jigger half is never skipped.
FRAMEWORKS = [pytest.param("flask", id="flask"), pytest.param("jigger", id="jigger")]

_FROM_RE = re.compile(r"^(\s*from\s+)flask(?=[\s.])")
_IMPORT_RE = re.compile(r"^(\s*import\s+)flask(?=[\s.,]|$)")


def point_imports_at(source: str, package: str) -> str:
    """Return *source* with its ``flask`` imports changed to *package*.

    Only lines that start an import statement are touched; ``flask`` in strings,
    comments or other code stays as it is. ``import flask`` becomes
    ``import <package> as flask`` so that later ``flask.x`` uses still resolve.
    """
    lines = source.splitlines(keepends=True)
    for node in ast.walk(ast.parse(source)):
        index = getattr(node, "lineno", 0) - 1
        if isinstance(node, ast.ImportFrom):
            if node.module is None or node.module.split(".")[0] != "flask":
                continue
            new, count = _FROM_RE.subn(rf"\g<1>{package}", lines[index])
        elif isinstance(node, ast.Import):
            names = [
                alias for alias in node.names if alias.name.split(".")[0] == "flask"
            ]
            if not names:
                continue
            if len(node.names) != 1 or (
                names[0].asname is None and names[0].name != "flask"
            ):
                raise ValueError(
                    f"line {node.lineno}: write 'import flask.x as y' or a from-import,"
                    " one module per statement, so the import can be rewritten"
                )
            alias = names[0]
            target = package + alias.name[len("flask") :]
            as_name = alias.asname or "flask"
            new, count = re.subn(
                r"^(\s*)import\s+[\w.]+(\s+as\s+\w+)?",
                rf"\g<1>import {target} as {as_name}",
                lines[index],
            )
        else:
            continue
        if count != 1:
            raise ValueError(f"line {index + 1}: cannot rewrite {lines[index]!r}")
        lines[index] = new
    return "".join(lines)


def load_app_module(framework: str) -> ModuleType:
    """Execute ``app_src.py`` for *framework* into a new, registered module."""
    source = APP_SRC.read_text(encoding="utf-8")
    if framework != "flask":
        source = point_imports_at(source, framework)
    name = f"_portapp_{framework}_{next(_counter)}"
    module = ModuleType(name)
    module.__file__ = str(APP_SRC)
    sys.modules[name] = module
    try:
        code = compile(source, str(APP_SRC), "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(params=FRAMEWORKS)
def bar(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    module = load_app_module(request.param)
    yield module
    sys.modules.pop(module.__name__, None)


@pytest.fixture
def client(bar: ModuleType) -> Any:
    return bar.app.test_client()


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# The rewriting itself


def test_rewrite_touches_only_import_lines() -> None:
    source = (
        "from flask import Flask\n"
        "from flask.typing import ResponseReturnValue\n"
        "import flask\n"
        "import flask.json as fj\n"
        "import flaskish\n"
        "x = 'from flask import nothing'\n"
        "# from flask import comment\n"
    )
    assert point_imports_at(source, "jigger").splitlines() == [
        "from jigger import Flask",
        "from jigger.typing import ResponseReturnValue",
        "import jigger as flask",
        "import jigger.json as fj",
        "import flaskish",
        "x = 'from flask import nothing'",
        "# from flask import comment",
    ]


def test_rewrite_refuses_ambiguous_import() -> None:
    with pytest.raises(ValueError, match="line 1"):
        point_imports_at("import flask.json\n", "jigger")


def test_app_source_diff_is_imports_only() -> None:
    original = APP_SRC.read_text(encoding="utf-8").splitlines()
    ported = point_imports_at("\n".join(original), "jigger").splitlines()
    changed = [(a, b) for a, b in zip(original, ported, strict=True) if a != b]
    assert changed == [
        ("from flask import (", "from jigger import ("),
        (
            "from flask.typing import ResponseReturnValue",
            "from jigger.typing import ResponseReturnValue",
        ),
    ]


def test_runs_on_the_framework_it_claims(bar: ModuleType, request: Any) -> None:
    framework = request.node.callspec.params["bar"]
    assert type(bar.app).__module__.split(".")[0] == framework


# Routing, methods and converters


def test_index_is_html_text(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert _text(response) == "Welcome to The Jigger"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["X-Bar"] == "The Jigger"


def test_dict_return_is_json(client: Any) -> None:
    response = client.get("/drinks")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "count": 2,
        "drinks": [{"id": 1, "name": "negroni"}, {"id": 2, "name": "gimlet"}],
    }
    by_abv = client.get("/drinks?sort=abv").get_json()
    assert [d["name"] for d in by_abv["drinks"]] == ["gimlet", "negroni"]


def test_post_json_creates_and_get_reads_back(client: Any) -> None:
    response = client.post("/drinks", json={"name": "daiquiri", "abv": 21.5})
    assert response.status_code == 201
    assert response.get_json() == {"id": 3}
    assert response.headers["Location"] == "/drinks/3"
    again = client.get("/drinks/3")
    assert again.status_code == 200
    assert again.get_json() == {"name": "daiquiri", "abv": 21.5}


def test_put_then_delete(client: Any) -> None:
    updated = client.put("/drinks/1", json={"abv": 26})
    assert updated.get_json() == {"name": "negroni", "abv": 26.0}
    deleted = client.delete("/drinks/1")
    assert deleted.status_code == 204
    assert deleted.data == b""
    gone = client.get("/drinks/1")
    assert gone.status_code == 404
    assert gone.get_json() == {"error": "not found", "path": "/drinks/1"}


def test_int_converter_rejects_words(client: Any) -> None:
    response = client.get("/drinks/negroni")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found", "path": "/drinks/negroni"}


def test_unknown_route_uses_404_handler(client: Any) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.get_json()["path"] == "/nowhere"


def test_path_converter_keeps_slashes(client: Any) -> None:
    response = client.get("/shelf/top/left/back")
    assert _text(response) == "shelf: top/left/back"


def test_custom_converter_both_ways(client: Any) -> None:
    response = client.get("/mix/gin+tonic+lime")
    assert response.get_json() == {
        "parts": ["gin", "tonic", "lime"],
        "reversed": "/mix/lime+tonic+gin",
    }
    assert client.get("/mix/Gin").status_code == 404


def test_wrong_method_is_405_with_allow(client: Any) -> None:
    response = client.patch("/drinks/1")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
    assert "Traceback" not in _text(response)
    assert client.post("/").status_code == 405


def test_head_and_options_are_automatic(client: Any) -> None:
    head = client.head("/drinks")
    assert head.status_code == 200
    assert head.data == b""
    assert head.mimetype == "application/json"
    options = client.options("/drinks")
    assert options.status_code == 200
    allowed = {m.strip() for m in options.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS", "POST"}


def test_redirect_and_url_for(client: Any) -> None:
    first = client.get("/menu")
    assert first.status_code == 302
    assert first.headers["Location"] == "/drinks?sort=abv"
    moved = client.get("/old-menu")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/menu"
    followed = client.get("/old-menu", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.get_json()["drinks"][0]["name"] == "gimlet"


def test_missing_trailing_slash_redirects(client: Any) -> None:
    response = client.get("/cellar")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/cellar/")
    assert _text(client.get("/cellar", follow_redirects=True)) == "down the stairs"


def test_url_for_inside_request(client: Any) -> None:
    assert client.get("/links").get_json() == {
        "plain": "/drinks/7",
        "external": "https://bar.example/drinks/7",
        "anchored": "/drinks?page=2#top",
        "for_delete": "/drinks/7",
        "mix": "/mix/rum+cola",
    }


def test_url_for_external_in_app_context(bar: ModuleType) -> None:
    assert bar.external_drink_url(5) == "https://bar.example/drinks/5"


def test_url_for_unknown_endpoint_raises_build_error(bar: ModuleType) -> None:
    from werkzeug.routing import BuildError

    with bar.app.test_request_context("/"), pytest.raises(BuildError):
        bar.url_for("no_such_view")


def test_test_request_context(bar: ModuleType) -> None:
    with bar.app.test_request_context("/drinks?sort=abv", method="POST"):
        assert bar.request.method == "POST"
        assert bar.request.args["sort"] == "abv"
        assert bar.url_for("shelf", where="a/b") == "/shelf/a/b"
        assert bar.current_app is not None
        assert bar.current_app.config["HOUSE_SPIRIT"] == "gin"


def test_url_value_preprocessor_and_defaults(client: Any) -> None:
    assert client.get("/fr/greeting").get_json() == {
        "word": "santé",
        "self": "/fr/greeting",
    }
    assert client.get("/de/greeting").get_json()["self"] == "/de/greeting"


def test_setup_after_first_request_is_refused(bar: ModuleType, client: Any) -> None:
    client.get("/")
    with pytest.raises(AssertionError, match="add_url_rule"):
        bar.app.add_url_rule("/late", endpoint="late", view_func=lambda: "late")
    assert client.get("/late").status_code == 404


# Hooks, g and after_this_request


def test_before_and_after_request_hooks_with_g(client: Any) -> None:
    response = client.get("/whoami", headers={"X-Bartender": "sam"})
    assert _text(response) == "served by sam"
    assert response.headers["X-Bar"] == "The Jigger"
    assert _text(client.get("/whoami")) == "served by nobody"


def test_before_request_can_answer(client: Any) -> None:
    response = client.get("/closed/bar")
    assert response.status_code == 503
    assert _text(response) == "we are closed"
    assert response.headers["X-Bar"] == "The Jigger"


def test_teardown_sees_each_request(bar: ModuleType, client: Any) -> None:
    client.get("/")
    client.get("/nowhere")
    client.get("/sold-out/lime")
    assert bar.TEARDOWN_LOG == [None, None, None]


def test_after_this_request(client: Any) -> None:
    response = client.get("/tip")
    assert _text(response) == "tip received"
    assert response.headers["X-Tip"] == "thanks"
    assert "X-Tip" not in client.get("/").headers


def test_client_context_kept_for_assertions(bar: ModuleType, client: Any) -> None:
    with client:
        client.get("/whoami?x=1", headers={"X-Bartender": "kim"})
        assert bar.request.path == "/whoami"
        assert bar.request.args["x"] == "1"
        assert bar.g.bartender == "kim"


# Response shapes


def test_streaming_view_reads_request_while_streaming(client: Any) -> None:
    response = client.get("/pour/3?glass=coupe")
    assert response.status_code == 200
    assert _text(response) == "1 coupe\n2 coupe\n3 coupe\n"
    assert "Content-Length" not in response.headers


def test_make_response_with_headers(client: Any) -> None:
    response = client.get("/recipe/sour")
    assert _text(response) == "recipe for sour"
    assert response.headers["X-Recipe"] == "sour"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_tuple_return_values(client: Any) -> None:
    teapot = client.get("/teapot")
    assert (teapot.status_code, _text(teapot)) == (418, "short and stout")
    tagged = client.get("/tagged")
    assert (tagged.status_code, tagged.headers["X-Tag"]) == (200, "lime")
    queued = client.get("/queued")
    assert queued.status_code == 202
    assert queued.headers["X-Queue-Position"] == "3"
    assert _text(queued) == "queued"


def test_bytes_and_response_returns(client: Any) -> None:
    label = client.get("/label")
    assert label.data == b"\x00raw label\xff"
    menu = client.get("/menu.txt")
    assert menu.mimetype == "text/plain"
    assert _text(menu) == "gin\ntonic\n"


def test_jsonify_body_is_compact_and_sorted(client: Any) -> None:
    response = client.get("/stock")
    assert response.mimetype == "application/json"
    assert _text(response) == '{"gin":3,"tonic":0}\n'
    assert client.get("/stock/list").get_json() == ["gin", "tonic"]


def test_json_of_dataclass_decimal_date_uuid(client: Any) -> None:
    assert client.get("/specials").get_json() == {
        "drink": {"name": "spritz", "abv": 11.0},
        "price": "9.50",
        "day": "Fri, 03 Jan 2025 00:00:00 GMT",
        "batch": "12345678-1234-5678-1234-567812345678",
    }


# JSON input


def test_bad_json_is_400_without_traceback(client: Any) -> None:
    response = client.post("/drinks", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "Bad Request" in _text(response)
    assert "Traceback" not in _text(response)


def test_form_posted_to_json_view_is_415(client: Any) -> None:
    response = client.post("/drinks", data={"name": "mojito"})
    assert response.status_code == 415


def test_abort_with_description(client: Any) -> None:
    response = client.post("/drinks", json=["not", "an", "object"])
    assert response.status_code == 400
    assert "A drink needs a name." in _text(response)
    members = client.get("/members")
    assert members.status_code == 403
    assert "Members only, sorry." in _text(members)


# Errors


def test_most_specific_exception_handler_wins(client: Any) -> None:
    sold_out = client.get("/sold-out/lime")
    assert sold_out.status_code == 409
    assert sold_out.get_json() == {"error": "out of stock", "item": "lime"}
    broken = client.get("/broken-glass")
    assert broken.status_code == 400
    assert broken.get_json() == {"error": "bar", "detail": "a glass broke"}


def test_unhandled_error_is_plain_500_and_logged(
    bar: ModuleType, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert bar.app.debug is False
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    assert response.status_code == 500
    body = _text(response)
    assert "Internal Server Error" in body
    for leak in ("Traceback", "RuntimeError", "secret ice recipe", "app_src.py"):
        assert leak not in body
    assert bar.TEARDOWN_LOG == ["RuntimeError"]
    logged = [r for r in caplog.records if r.name == bar.app.logger.name]
    assert logged, "the unhandled error was not logged through app.logger"
    exc_info = logged[-1].exc_info
    assert exc_info is not None
    assert exc_info[0] is RuntimeError


def test_testing_mode_propagates_errors(bar: ModuleType) -> None:
    bar.app.testing = True
    client = bar.app.test_client()
    with pytest.raises(RuntimeError, match="secret ice recipe"):
        client.get("/boom")


def test_view_returning_none_is_a_type_error_naming_it(bar: ModuleType) -> None:
    bar.app.testing = True
    with pytest.raises(TypeError, match="forgot_to_return"):
        bar.app.test_client().get("/forgot")


# Configuration


def test_config_from_object_and_mapping(bar: ModuleType) -> None:
    config = bar.app.config
    assert config["HOUSE_SPIRIT"] == "gin"
    assert config["MAX_POUR_ML"] == 50
    assert "happy_hour" not in config
    assert config["BAR_NAME"] == "The Jigger"
    assert config["SERVER_NAME"] == "bar.example"
    assert config["DEBUG"] is False
    assert config["TESTING"] is False
    assert config["SECRET_KEY"] is None
    assert config["PROPAGATE_EXCEPTIONS"] is None
    assert isinstance(config, dict)


# Whole responses, compared between the two frameworks

_JSON = "application/json"
_DETAIL = (
    "Flask hides why a body is not JSON outside debug mode (generic 400 text);"
    " jigger names the parse error"
)
_SAME_ON_BOTH: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/drinks?sort=abv", {}),
    ("POST", "/drinks", {"json": {"name": "sour", "abv": 15}}),
    ("PUT", "/drinks/2", {"json": {"abv": 31}}),
    ("DELETE", "/drinks/2", {}),
    ("GET", "/drinks/9", {}),
    ("GET", "/drinks/abc", {}),
    ("GET", "/drinks/", {}),
    ("GET", "//drinks", {}),
    ("GET", "/drinks/%E2%82%AC", {}),
    ("PATCH", "/drinks/1", {}),
    ("TRACE", "/", {}),
    ("HEAD", "/drinks", {}),
    ("OPTIONS", "/drinks", {}),
    ("OPTIONS", "/nowhere", {}),
    ("GET", "/menu", {}),
    ("GET", "/old-menu", {}),
    ("GET", "/cellar", {}),
    ("GET", "/links", {}),
    ("GET", "/whoami", {"headers": {"X-Bartender": "al"}}),
    ("GET", "/closed/now", {}),
    ("GET", "/tip", {}),
    ("GET", "/pour/3?glass=flute", {}),
    ("GET", "/pour/0", {}),
    ("GET", "/recipe/fizz", {}),
    ("GET", "/teapot", {}),
    ("GET", "/tagged", {}),
    ("GET", "/queued", {}),
    ("GET", "/label", {}),
    ("GET", "/menu.txt", {}),
    ("GET", "/stock", {}),
    ("GET", "/specials", {}),
    ("GET", "/members", {}),
    ("GET", "/sold-out/ice", {}),
    ("GET", "/broken-glass", {}),
    ("GET", "/boom", {}),
    ("GET", "/forgot", {}),
    ("GET", "/de/greeting", {}),
    ("GET", "/shelf/", {}),
    ("GET", "/mix/a+b", {}),
    ("POST", "/drinks", {"json": [1], "id": "JSON list"}),
    (
        "POST",
        "/drinks",
        {"data": "{bad", "content_type": _JSON, "id": "bad JSON", "xfail": _DETAIL},
    ),
    (
        "POST",
        "/drinks",
        {"data": "", "content_type": _JSON, "id": "empty JSON", "xfail": _DETAIL},
    ),
    (
        "POST",
        "/drinks",
        {
            "data": {"name": "mojito"},
            "id": "form to JSON view",
            "xfail": "the 415 page words why JSON was not read differently",
        },
    ),
]


def _comparison_params() -> list[Any]:
    params = []
    for method, path, options in _SAME_ON_BOTH:
        options = dict(options)
        reason = options.pop("xfail", None)
        name = " ".join([method, path, options.pop("id", "")]).strip()
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(method, path, options, id=name, marks=marks))
    return params


def _whole_response(framework: str, method: str, path: str, options: Any) -> Any:
    module = load_app_module(framework)
    try:
        response = module.app.test_client().open(path, method=method, **options)
        return (
            response.status,
            sorted(response.headers.items()),
            response.get_data(),
            module.TEARDOWN_LOG[:1],
        )
    finally:
        sys.modules.pop(module.__name__, None)


@pytest.mark.parametrize(("method", "path", "options"), _comparison_params())
def test_same_whole_response_on_flask_and_jigger(
    method: str, path: str, options: dict[str, Any]
) -> None:
    on_flask = _whole_response("flask", method, path, options)
    on_jigger = _whole_response("jigger", method, path, options)
    assert on_jigger == on_flask


def _allow_headers(package: str) -> list[tuple[str, str | None, str | None]]:
    """The Allow headers of OPTIONS and of a 405, for URLs served by several
    rules and by a class-based view, built the same way on either package."""
    module = __import__(package)
    views = __import__(f"{package}.views", fromlist=["MethodView"])
    app = module.Flask("allow")

    @app.route("/", methods=["POST", "GET", "PUT"])
    def index() -> str:
        return "x"

    @app.route("/x", methods=["DELETE"])
    def x_delete() -> str:
        return "x"

    @app.route("/x", methods=["PATCH", "GET"], endpoint="x_other")
    def x_other() -> str:
        return "x"

    class Items(views.MethodView):  # type: ignore[name-defined,misc]
        def get(self) -> str:
            return "x"

        def post(self) -> str:
            return "x"

        def delete(self) -> str:
            return "x"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    client = app.test_client()
    return [
        (
            path,
            client.options(path).headers.get("Allow"),
            client.open(path, method="TRACE").headers.get("Allow"),
        )
        for path in ("/", "/x", "/items")
    ]


def test_allow_header_lists_methods_in_flasks_order() -> None:
    """Flask's order is that of a set of strings (it changes from one
    process to the next); in one process, jigger's is the same."""
    assert _allow_headers("jigger") == _allow_headers("flask")
