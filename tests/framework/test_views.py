"""Class-based views: View, MethodView, as_view and what it passes to the app."""

from __future__ import annotations

import functools
import typing as t

import pytest

from jigger import Blueprint, Jigger, Request, request, url_for
from jigger.views import MethodView, View


def test_view_receives_url_variables_and_constructor_arguments(app: Jigger) -> None:
    class Greet(View):
        def __init__(self, greeting: str, *, punct: str = ".") -> None:
            self.greeting = greeting
            self.punct = punct

        def dispatch_request(self, name: str) -> str:  # type: ignore[override]
            return f"{self.greeting} {name}{self.punct}"

    app.add_url_rule("/a/<name>", view_func=Greet.as_view("a", "Hello", punct="!"))
    app.add_url_rule("/b/<name>", view_func=Greet.as_view("b", "Bye"))
    client = app.test_client()
    assert client.get("/a/Ada").text == "Hello Ada!"
    assert client.get("/b/Bob").text == "Bye Bob."


def test_as_view_function_carries_its_class_and_options() -> None:
    class Only(View):
        methods = ["POST"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "ok"

    func = Only.as_view("only")
    assert func.__name__ == "only"
    assert func.view_class is Only  # type: ignore[union-attr]
    assert func.methods == ["POST"]  # type: ignore[union-attr]
    assert func.provide_automatic_options is False  # type: ignore[union-attr]
    assert func.init_every_request is True  # type: ignore[union-attr]


def test_name_is_the_default_endpoint(app: Jigger) -> None:
    class Page(View):
        def dispatch_request(self) -> str:  # type: ignore[override]
            return url_for("page")

    app.add_url_rule("/page", view_func=Page.as_view("page"))
    assert app.test_client().get("/page").text == "/page"
    assert "page" in app.view_functions


def test_methods_and_automatic_options(app: Jigger) -> None:
    class Submit(View):
        methods = ["POST"]

        def dispatch_request(self) -> str:  # type: ignore[override]
            return request.method

    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "x"

    app.add_url_rule("/submit", view_func=Submit.as_view("submit"))
    app.add_url_rule("/no-options", view_func=NoOptions.as_view("no_options"))
    client = app.test_client()
    assert client.post("/submit").text == "POST"
    assert client.get("/submit").status_code == 405
    allow = client.options("/submit").headers["Allow"]
    assert set(allow.split(", ")) == {"POST", "OPTIONS"}
    assert client.options("/no-options").status_code == 405
    assert client.get("/no-options").text == "x"


def test_a_new_instance_per_request_by_default(app: Jigger) -> None:
    made: list[object] = []

    class Track(View):
        def __init__(self) -> None:
            made.append(self)
            self.hits = 0

        def dispatch_request(self) -> str:  # type: ignore[override]
            self.hits += 1
            return str(self.hits)

    app.add_url_rule("/", view_func=Track.as_view("track"))
    assert made == []  # nothing is created at registration
    client = app.test_client()
    assert [client.get("/").text for _ in range(3)] == ["1", "1", "1"]
    assert len(made) == 3
    assert len({id(x) for x in made}) == 3


def test_init_every_request_false_reuses_one_instance(app: Jigger) -> None:
    made: list[object] = []

    class Shared(View):
        init_every_request = False

        def __init__(self, start: int) -> None:
            made.append(self)
            self.hits = start

        def dispatch_request(self) -> str:  # type: ignore[override]
            self.hits += 1
            return str(self.hits)

    view = Shared.as_view("shared", 10)
    assert len(made) == 1  # created by as_view
    assert view.init_every_request is False  # type: ignore[union-attr]
    app.add_url_rule("/", view_func=view)
    client = app.test_client()
    assert [client.get("/").text for _ in range(3)] == ["11", "12", "13"]
    assert len(made) == 1


def test_decorators_wrap_in_order_and_keep_attributes(app: Jigger) -> None:
    calls: list[str] = []

    def tag(label: str) -> t.Callable[[t.Callable[..., t.Any]], t.Any]:
        def decorator(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
            @functools.wraps(f)
            def wrapper(**kwargs: t.Any) -> t.Any:
                calls.append(label)
                return f(**kwargs)

            return wrapper

        return decorator

    def login_required(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        def wrapper(**kwargs: t.Any) -> t.Any:
            if "user" not in request.args:
                return "log in first", 401
            return f(**kwargs)

        return wrapper  # no functools.wraps: as_view still sets the attributes

    class Secret(View):
        methods = ["GET", "PUT"]
        decorators = [tag("inner"), tag("outer"), login_required]

        def dispatch_request(self, item: str) -> str:  # type: ignore[override]
            calls.append("view")
            return f"secret {item}"

    func = Secret.as_view("secret")
    assert func.view_class is Secret  # type: ignore[union-attr]
    assert func.__name__ == "secret"
    app.add_url_rule("/s/<item>", view_func=func)
    client = app.test_client()
    assert client.get("/s/x").status_code == 401
    assert calls == []
    assert client.put("/s/x?user=ada").text == "secret x"
    assert calls == ["outer", "inner", "view"]


def test_view_without_dispatch_request(app: Jigger) -> None:
    class Empty(View):
        pass

    app.add_url_rule("/", view_func=Empty.as_view("empty"))
    with pytest.raises(NotImplementedError, match="must implement dispatch_request"):
        app.test_client().get("/")


def test_as_view_needs_a_name() -> None:
    class Page(View):
        pass

    with pytest.raises(TypeError, match=r"Page\.as_view\('page'\)"):
        Page.as_view(Page)  # type: ignore[arg-type]


# -- MethodView --------------------------------------------------------------


class Resource(MethodView):
    def get(self, key: str) -> str:
        return f"get {key}"

    def post(self, key: str) -> tuple[str, int]:
        return f"post {key}", 201


class Extended(Resource):
    def delete(self, key: str) -> tuple[str, int]:
        return "", 204


def test_methods_are_inferred_from_handlers_including_inherited() -> None:
    assert Resource.methods == {"GET", "POST"}
    assert Extended.methods == {"GET", "POST", "DELETE"}
    assert MethodView.methods is None


def test_explicit_methods_win_and_bases_lists_are_inherited() -> None:
    class ReadOnly(Resource):
        methods = ["GET"]

    class Mixin:
        methods: t.Any = ["PATCH"]

        def patch(self) -> str:
            return "patched"

    class Both(Mixin, MethodView):
        def put(self) -> str:
            return "put"

    assert list(ReadOnly.methods or ()) == ["GET"]
    assert Both.methods == {"PATCH", "PUT"}


def test_method_view_dispatches_by_method(app: Jigger) -> None:
    app.add_url_rule("/r/<key>", view_func=Extended.as_view("res"))
    client = app.test_client()
    assert client.get("/r/k").text == "get k"
    rv = client.post("/r/k")
    assert (rv.status_code, rv.text) == (201, "post k")
    assert client.delete("/r/k").status_code == 204
    rv = client.put("/r/k")
    assert rv.status_code == 405
    assert set(rv.headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
        "DELETE",
        "OPTIONS",
    }


def test_head_falls_back_to_get_unless_defined(app: Jigger) -> None:
    seen: list[str] = []

    class Plain(MethodView):
        def get(self) -> t.Any:
            seen.append(request.method)
            return "body", {"X-From": "get"}

    class OwnHead(MethodView):
        def get(self) -> str:
            return "body"

        def head(self) -> t.Any:
            return "", {"X-From": "head"}

    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
    app.add_url_rule("/own", view_func=OwnHead.as_view("own"))
    client = app.test_client()
    rv = client.head("/plain")
    assert rv.status_code == 200
    assert rv.headers["X-From"] == "get"
    assert rv.data == b""
    assert seen == ["HEAD"]
    assert client.head("/own").headers["X-From"] == "head"


def test_method_listed_without_handler_is_a_clear_error(app: Jigger) -> None:
    class Broken(MethodView):
        methods = ["GET", "PUT"]

        def get(self) -> str:
            return "ok"

    app.add_url_rule("/", view_func=Broken.as_view("broken"))
    client = app.test_client()
    assert client.get("/").text == "ok"
    with pytest.raises(AssertionError, match="no handler for PUT"):
        client.put("/")


def test_async_handlers(app: Jigger) -> None:
    class Async(MethodView):
        async def get(self, n: int) -> str:
            return f"async {n * 2}"

    class AsyncView(View):
        async def dispatch_request(self) -> str:  # type: ignore[override]
            return "async view"

    app.add_url_rule("/m/<int:n>", view_func=Async.as_view("am"))
    app.add_url_rule("/v", view_func=AsyncView.as_view("av"))
    client = app.test_client()
    assert client.get("/m/21").text == "async 42"
    assert client.get("/v").text == "async view"


def test_method_view_on_a_blueprint(app: Jigger) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.add_url_rule("/users/<key>", view_func=Resource.as_view("user"))

    @bp.get("/where")
    def where() -> str:
        return url_for(".user", key="ada")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/api/users/7").text == "get 7"
    assert client.get("/api/where").text == "/api/users/ada"
    assert "api.user" in app.view_functions


def test_explicit_style_handlers_receive_the_request_and_app(app: Jigger) -> None:
    class Item(MethodView):
        def get(self, req: Request, item_id: int) -> dict[str, t.Any]:
            return {"id": item_id, "q": req.args.get("q")}

        def delete(self, item_id: int, current: Jigger) -> str:
            return f"{current.name} deleted {item_id}"

        def put(self, item_id: int) -> str:  # takes neither
            return f"put {item_id}"

    class Page(View):
        def dispatch_request(self, req: Request) -> str:  # type: ignore[override]
            return req.path

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    app.add_url_rule("/page", view_func=Page.as_view("page"))
    client = app.test_client()
    assert client.get("/items/3?q=x").json == {"id": 3, "q": "x"}
    assert client.delete("/items/3").text == f"{app.name} deleted 3"
    assert client.put("/items/3").text == "put 3"
    assert client.get("/page").text == "/page"


def test_handler_missing_a_url_variable_still_fails(app: Jigger) -> None:
    class Wrong(MethodView):
        def get(self, req: Request) -> str:
            return "never"

    app.add_url_rule("/w/<int:item_id>", view_func=Wrong.as_view("wrong"))
    with pytest.raises(TypeError, match="item_id"):
        app.test_client().get("/w/1")


def test_docstring_examples_run() -> None:
    import doctest

    import jigger.views

    result = doctest.testmod(jigger.views)
    assert result.attempted >= 10
    assert result.failed == 0


def test_method_view_reads_no_signature_per_request(
    app: Jigger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The explicit style of a MethodView is worked out once: after the first
    # request, neither the view nor its handlers are inspected again.
    import inspect

    class Item(MethodView):
        def get(self, req: Request, item_id: int) -> str:
            return f"{req.method} {item_id}"

        def delete(self, item_id: int) -> str:
            return f"gone {item_id}"

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    client = app.test_client()
    assert client.get("/items/1").text == "GET 1"
    assert client.delete("/items/1").text == "gone 1"

    def spy(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise AssertionError("inspect.signature called during a request")

    monkeypatch.setattr(inspect, "signature", spy)
    for n in range(3):
        assert client.get(f"/items/{n}").text == f"GET {n}"
        assert client.delete(f"/items/{n}").text == f"gone {n}"
