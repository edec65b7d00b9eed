"""Tests for jigger.sansio.explicit: the explicit style beyond views.

Request hooks, error handlers, URL value preprocessors and blueprint
``endpoint`` views receive the request (and the app) through annotated
parameters, like views do; where no request exists, asking for it is
refused when the function is registered, never with a ``TypeError`` on
each request.
"""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from jigger import Blueprint, Jigger, Request, Response, g


def test_hooks_receive_the_request(app: Jigger) -> None:
    seen: list[str] = []

    @app.before_request
    def before(req: Request) -> None:
        seen.append(f"before {req.path}")

    @app.after_request
    def after(req: Request, response: Response) -> Response:
        response.headers["X-Path"] = req.path
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None, req: Request) -> None:
        seen.append(f"teardown {req.path} {exc!r}")

    @app.get("/hi")
    def hi() -> str:
        return "hi"

    response = app.test_client().get("/hi")
    assert response.headers["X-Path"] == "/hi"
    assert seen == ["before /hi", "teardown /hi None"]


def test_before_request_result_and_the_app_parameter(app: Jigger) -> None:
    @app.before_request
    def gate(req: Request, current: Jigger) -> str | None:
        if "stop" in req.args:
            return f"stopped by {current.name}"
        return None

    @app.get("/")
    def index() -> str:
        return "view"

    client = app.test_client()
    assert client.get("/?stop=1").text == f"stopped by {app.name}"
    assert client.get("/").text == "view"


def test_error_handlers_receive_the_request(app: Jigger) -> None:
    app.testing = False

    @app.errorhandler(404)
    def missing(e: Exception, req: Request) -> tuple[str, int]:
        return f"no page at {req.path}", 404

    @app.errorhandler(ValueError)
    def bad_value(req: Request, e: ValueError) -> tuple[str, int]:
        return f"{req.method} failed: {e}", 400

    @app.get("/boom")
    def boom() -> str:
        raise ValueError("bad number")

    client = app.test_client()
    assert client.get("/nowhere").text == "no page at /nowhere"
    assert client.get("/boom").text == "GET failed: bad number"


def test_url_value_preprocessor_receives_the_request(app: Jigger) -> None:
    @app.url_value_preprocessor
    def pull_lang(
        endpoint: str | None, values: dict[str, t.Any] | None, req: Request
    ) -> None:
        assert values is not None
        g.lang = values.pop("lang")
        g.agent = req.headers.get("User-Agent", "")

    @app.get("/<lang>/menu")
    def menu() -> str:
        return f"{g.lang} {g.agent}"

    response = app.test_client().get("/fr/menu", headers={"User-Agent": "t"})
    assert response.text == "fr t"


def test_blueprint_hooks_and_app_hooks_from_a_blueprint(app: Jigger) -> None:
    bp = Blueprint("shop", __name__)
    seen: list[str] = []

    @bp.before_request
    def shop_only(req: Request) -> None:
        seen.append(f"shop {req.path}")

    @bp.before_app_request
    def everywhere(req: Request) -> None:
        seen.append(f"app {req.path}")

    @bp.app_errorhandler(404)
    def missing(req: Request, e: Exception) -> tuple[str, int]:
        return f"missing {req.path}", 404

    @bp.get("/cart")
    def cart() -> str:
        return "cart"

    app.register_blueprint(bp, url_prefix="/shop")
    client = app.test_client()
    assert client.get("/shop/cart").text == "cart"
    assert client.get("/gone").text == "missing /gone"
    assert seen == ["app /shop/cart", "shop /shop/cart", "app /gone"]


def test_blueprint_endpoint_views_receive_the_request(app: Jigger) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/x", endpoint="x")

    @bp.endpoint("x")
    def x(req: Request) -> str:
        return f"x at {req.path}"

    app.register_blueprint(bp)
    assert app.test_client().get("/x").text == "x at /x"


def test_optional_request_annotation_is_passed_the_request(app: Jigger) -> None:
    @app.get("/opt")
    def opt(req: Request | None = None) -> str:
        return f"got {req.path if req is not None else 'nothing'}"

    @app.before_request
    def hook(req: t.Optional[Request]) -> None:  # noqa: UP045
        assert req is not None
        g.seen = req.path

    assert app.test_client().get("/opt").text == "got /opt"


def test_request_in_a_union_with_another_type_is_refused(app: Jigger) -> None:
    def view(req: Request | str) -> str:
        return "never"

    with pytest.raises(TypeError, match=r"Parameter 'req' of view 'test_request_"):
        app.add_url_rule("/u", view_func=view)

    def hook(req: Request | int) -> None:
        pass

    with pytest.raises(TypeError, match=r"before_request .*annotated"):
        app.before_request(hook)


@pytest.mark.parametrize(
    "register",
    [
        lambda app, f: app.teardown_appcontext(f),
        lambda app, f: app.url_defaults(f),
        lambda app, f: app.context_processor(f),
    ],
    ids=["teardown_appcontext", "url_defaults", "context_processor"],
)
def test_asking_for_the_request_where_there_is_none_is_refused(
    app: Jigger, register: t.Callable[[Jigger, t.Any], t.Any]
) -> None:
    def wants_request(*args: t.Any, req: Request) -> None:
        pass

    with pytest.raises(TypeError, match=r"asks for the request, but .* no request"):
        register(app, wants_request)


def test_teardown_appcontext_may_take_the_app(app: Jigger) -> None:
    seen: list[str] = []

    @app.teardown_appcontext
    def close(exc: BaseException | None, current: Jigger) -> None:
        seen.append(current.name)

    with app.app_context():
        pass
    assert seen == [app.name]


def test_async_hook_receives_the_request(app: Jigger) -> None:
    @app.before_request
    async def slow(req: Request) -> None:
        await asyncio.sleep(0)
        g.path = req.path

    @app.get("/a")
    def a() -> str:
        return g.path  # type: ignore[no-any-return]

    assert app.test_client().get("/a").text == "/a"


def test_plain_hooks_are_registered_as_they_are(app: Jigger) -> None:
    def hook() -> None:
        pass

    app.before_request(hook)
    assert app.before_request_funcs[None] == [hook]


#: Another library's class that happens to be called Request.
OtherRequest = type("Request", (), {})


def test_a_union_with_an_unrelated_class_named_request_is_left_alone(
    app: Jigger,
) -> None:
    @app.errorhandler(404)
    def missing(e: Exception, extra: OtherRequest | int | None = None) -> str:
        return f"missing, extra={extra}"

    assert app.test_client().get("/nowhere").text == "missing, extra=None"
