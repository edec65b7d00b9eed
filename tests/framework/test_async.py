"""``async def`` views, hooks, error handlers and teardown callbacks, run
through asgiref (the ``async`` extra), and the error when it is missing."""

from __future__ import annotations

import asyncio
import sys
import typing as t

import pytest
from werkzeug.exceptions import NotFound

from jigger import Blueprint, Jigger, Request, Response, g, request, session
from jigger.views import MethodView


def test_async_view_sees_the_request_and_awaits(app: Jigger) -> None:
    @app.post("/echo/<int:n>")
    async def echo(n: int) -> dict[str, t.Any]:
        await asyncio.sleep(0)
        a, b = await asyncio.gather(_double(n), _double(n + 1))
        return {"n": n, "sum": a + b, "body": request.get_data(as_text=True)}

    rv = app.test_client().post("/echo/2", data="payload")
    assert rv.json == {"n": 2, "sum": 10, "body": "payload"}


async def _double(x: int) -> int:
    await asyncio.sleep(0)
    return x * 2


def test_async_view_sets_g_and_session_for_later_code(app: Jigger) -> None:
    @app.get("/login")
    async def login() -> str:
        g.user = "ada"
        session["user"] = "ada"
        return "in"

    @app.after_request
    def read_g(response: Response) -> Response:
        response.headers["X-User"] = g.get("user", "-")
        return response

    @app.get("/me")
    async def me() -> str:
        return str(session.get("user"))

    client = app.test_client()
    assert client.get("/login").headers["X-User"] == "ada"
    assert client.get("/me").text == "ada"


def test_async_explicit_style_view(app: Jigger) -> None:
    @app.get("/ua")
    async def ua(req: Request) -> str:
        return req.headers["User-Agent"]

    rv = app.test_client().get("/ua", headers={"User-Agent": "probe/1"})
    assert rv.text == "probe/1"


def test_async_hooks(app: Jigger) -> None:
    order: list[str] = []

    @app.before_request
    async def before() -> Response | None:
        order.append("before")
        if request.args.get("stop"):
            return Response("stopped early", status=403)
        return None

    @app.after_request
    async def after(response: Response) -> Response:
        order.append("after")
        response.headers["X-Async"] = "yes"
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        order.append(f"teardown {exc!r}")

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        order.append("teardown_app")

    @app.get("/")
    async def index() -> str:
        order.append("view")
        return "ok"

    client = app.test_client()
    rv = client.get("/")
    assert (rv.text, rv.headers["X-Async"]) == ("ok", "yes")
    assert order == ["before", "view", "after", "teardown None", "teardown_app"]
    order.clear()
    rv = client.get("/?stop=1")
    assert (rv.status_code, rv.text, rv.headers["X-Async"]) == (
        403,
        "stopped early",
        "yes",
    )
    assert order == ["before", "after", "teardown None", "teardown_app"]


def test_async_blueprint_hooks(app: Jigger) -> None:
    bp = Blueprint("bp", __name__)
    seen: list[str] = []

    @bp.before_app_request
    async def everywhere() -> None:
        seen.append(f"app:{request.path}")

    @bp.before_request
    async def only_bp() -> None:
        seen.append(f"bp:{request.path}")

    @bp.get("/in")
    async def inside() -> str:
        return "in"

    @app.get("/out")
    def outside() -> str:
        return "out"

    app.register_blueprint(bp)
    client = app.test_client()
    client.get("/in")
    client.get("/out")
    assert seen == ["app:/in", "bp:/in", "app:/out"]


def test_async_error_handlers(app: Jigger) -> None:
    @app.errorhandler(KeyError)
    async def on_key_error(e: KeyError) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"missing {e.args[0]}", 400

    @app.errorhandler(404)
    async def on_404(e: NotFound) -> tuple[str, int]:
        return f"no page at {request.path}", 404

    @app.get("/key")
    async def key() -> str:
        raise KeyError("name")

    client = app.test_client()
    rv = client.get("/key")
    assert (rv.status_code, rv.text) == (400, "missing name")
    rv = client.get("/nowhere")
    assert (rv.status_code, rv.text) == (404, "no page at /nowhere")


def test_async_500_handler_for_unhandled_errors(app: Jigger) -> None:
    app.testing = False

    @app.errorhandler(500)
    async def on_500(e: t.Any) -> tuple[str, int]:
        return f"sorry: {type(e.original_exception).__name__}", 500

    @app.get("/")
    async def broken() -> str:
        raise ValueError("bug")

    rv = app.test_client().get("/")
    assert (rv.status_code, rv.text) == (500, "sorry: ValueError")


def test_async_error_propagates_in_testing(app: Jigger) -> None:
    @app.get("/")
    async def broken() -> str:
        await asyncio.sleep(0)
        raise ValueError("raised inside the coroutine")

    with pytest.raises(ValueError, match="inside the coroutine"):
        app.test_client().get("/")


def test_async_teardown_errors_are_collected(app: Jigger) -> None:
    ran: list[str] = []

    @app.teardown_request
    async def first(exc: BaseException | None) -> None:
        ran.append("first")
        raise RuntimeError("first failed")

    @app.teardown_request
    async def second(exc: BaseException | None) -> None:
        ran.append("second")

    @app.get("/")
    def index() -> str:
        return "ok"

    with pytest.raises(RuntimeError, match="first failed"):
        app.test_client().get("/")
    assert sorted(ran) == ["first", "second"]


def test_async_context_processor(app: Jigger) -> None:
    from jigger import render_template_string as render

    @app.context_processor
    async def site() -> dict[str, str]:
        await asyncio.sleep(0)
        return {"site": "jigger"}

    @app.get("/a")
    def a() -> str:  # as in Flask: a sync view renders; asgiref cannot nest
        return t.cast(str, render("{{ site }} {{ request.path }}"))

    assert app.test_client().get("/a").text == "jigger /a"


def test_ensure_sync_leaves_plain_functions_alone(app: Jigger) -> None:
    def plain() -> int:
        return 1

    async def coro() -> int:
        return 2

    assert app.ensure_sync(plain) is plain
    wrapped = app.ensure_sync(coro)
    assert wrapped is not coro
    assert wrapped() == 2


@pytest.fixture
def no_asgiref(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make 'import asgiref.sync' fail as if the extra were not installed."""
    monkeypatch.setitem(sys.modules, "asgiref", None)
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)


@pytest.mark.usefixtures("no_asgiref")
def test_missing_asgiref_names_the_extra(app: Jigger) -> None:
    @app.get("/")
    async def index() -> str:
        return "never"

    with pytest.raises(RuntimeError) as info:
        app.test_client().get("/")
    message = str(info.value)
    assert "jigger[async]" in message
    assert "index" in message  # which function needed it


@pytest.mark.usefixtures("no_asgiref")
def test_missing_asgiref_for_hooks_and_class_views(app: Jigger) -> None:
    class Item(MethodView):
        async def get(self) -> str:
            return "never"

    app.add_url_rule("/item", view_func=Item.as_view("item"))

    @app.get("/")
    def index() -> str:
        return "sync view"

    @app.after_request
    async def after(response: Response) -> Response:
        return response

    client = app.test_client()
    with pytest.raises(RuntimeError, match=r'pip install "path/to/jigger\[async\]"'):
        client.get("/")
    with pytest.raises(RuntimeError, match=r"jigger\[async\]"):
        client.get("/item")


@pytest.mark.usefixtures("no_asgiref")
def test_without_asgiref_sync_apps_work(app: Jigger) -> None:
    @app.get("/")
    def index() -> str:
        return "fine"

    assert app.test_client().get("/").text == "fine"


@pytest.mark.usefixtures("no_asgiref")
def test_missing_asgiref_gives_a_500_page_when_not_testing(app: Jigger) -> None:
    app.testing = False

    @app.get("/")
    async def index() -> str:
        return "never"

    rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert "asgiref" not in rv.text  # the details go to the log, not the client
