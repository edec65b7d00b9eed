"""Tests for jigger.ctx: application and request contexts.

Pushing and popping, ``g``'s lifetime, teardown on pop, the helpers that
ask whether a context is active, contexts carried into threads, and code
that runs outside any request: a cron-style job in ``with app.app_context():``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import typing as t

import pytest

from jigger import (
    Jigger,
    Response,
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
    url_for,
)
from jigger.ctx import AppContext, RequestContext
from jigger.signals import appcontext_popped, appcontext_pushed, appcontext_tearing_down

# -- application contexts ----------------------------------------------------


def test_app_context_push_and_pop(app: Jigger) -> None:
    ctx = app.app_context()
    assert isinstance(ctx, AppContext)
    assert not has_app_context()
    ctx.push()
    try:
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    finally:
        ctx.pop()
    assert not has_app_context()


def test_app_context_as_with_block(app: Jigger) -> None:
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert current_app.name == "test_ctx"
        assert ctx.app is app
    assert not has_app_context()


def test_nested_app_contexts_of_two_apps(app: Jigger) -> None:
    other = Jigger("other")
    with app.app_context():
        with other.app_context():
            assert current_app.name == "other"
        assert current_app.name == "test_ctx"


def test_same_context_pushed_twice_tears_down_once(app: Jigger) -> None:
    torn: list[BaseException | None] = []
    app.teardown_appcontext(torn.append)
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert torn == []
    assert has_app_context()
    ctx.pop()
    assert torn == [None]
    assert not has_app_context()


def test_popping_more_often_than_pushed(app: Jigger) -> None:
    ctx = app.app_context()
    with ctx:
        pass
    with pytest.raises(AssertionError, match="popped more often than pushed"):
        ctx.pop()


def test_g_lives_as_long_as_the_app_context(app: Jigger) -> None:
    with app.app_context():
        g.user = "ada"
        assert g.user == "ada"
        # A new app context, even of the same app, has its own g.
        with app.app_context():
            assert "user" not in g
        assert g.user == "ada"
    with app.app_context():
        assert "user" not in g


def test_request_context_shares_g_of_the_surrounding_app_context(
    app: Jigger,
) -> None:
    with app.app_context():
        g.job = "import"
        with app.test_request_context("/"):
            assert g.job == "import"
            g.seen_in_request = True
        assert g.seen_in_request is True


def test_g_is_fresh_for_every_request(app: Jigger) -> None:
    @app.get("/")
    def index() -> str:
        count = g.get("count", 0) + 1
        g.count = count
        return str(count)

    client = app.test_client()
    assert client.get("/").text == "1"
    assert client.get("/").text == "1"


def test_g_is_shared_by_hooks_view_and_teardown(app: Jigger) -> None:
    seen: list[str] = []

    @app.before_request
    def load_user() -> None:
        g.user = request.args.get("user", "anonymous")

    @app.get("/")
    def index() -> str:
        return f"hello {g.user}"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(g.user)

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        seen.append(g.user)

    assert app.test_client().get("/?user=ada").text == "hello ada"
    assert seen == ["ada", "ada"]


def test_teardown_appcontext_runs_on_pop_with_the_error(app: Jigger) -> None:
    torn: list[BaseException | None] = []
    app.teardown_appcontext(torn.append)

    with app.app_context():
        assert torn == []
    assert torn == [None]

    with pytest.raises(KeyError), app.app_context():
        raise KeyError("job failed")
    assert isinstance(torn[1], KeyError)


def test_teardown_appcontext_may_still_use_the_context(app: Jigger) -> None:
    closed: list[str] = []

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            closed.append(f"{db} of {current_app.name}")

    with app.app_context():
        g.db = "connection"
    assert closed == ["connection of test_ctx"]


# -- request contexts --------------------------------------------------------


def test_test_request_context(app: Jigger) -> None:
    with app.test_request_context(
        "/search?q=jigger",
        method="POST",
        json={"page": 2},
        headers={"X-Client": "tests"},
    ) as ctx:
        assert isinstance(ctx, RequestContext)
        assert has_request_context()
        assert has_app_context()
        assert request.method == "POST"
        assert request.path == "/search"
        assert request.args["q"] == "jigger"
        assert request.get_json() == {"page": 2}
        assert request.headers["X-Client"] == "tests"
        assert request.url == "http://localhost/search?q=jigger"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert not has_request_context()
    assert not has_app_context()


def test_test_request_context_matches_the_url(app: Jigger) -> None:
    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return str(user_id)

    with app.test_request_context("/users/7"):
        assert request.endpoint == "user"
        assert request.view_args == {"user_id": 7}
        assert url_for("user", user_id=8) == "/users/8"
        assert url_for("user", user_id=8, _external=True) == "http://localhost/users/8"


def test_request_context_inside_an_app_context_keeps_it(app: Jigger) -> None:
    with app.app_context() as app_ctx:
        with app.test_request_context("/"):
            assert has_request_context()
        assert has_app_context()
        assert not has_request_context()
        assert app_ctx.app is app


def test_request_teardown_runs_on_pop(app: Jigger) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(f"request {exc!r}"))
    app.teardown_appcontext(lambda exc: events.append(f"app {exc!r}"))
    with app.test_request_context("/"):
        assert events == []
    assert events == ["request None", "app None"]


def test_popping_in_the_wrong_order(app: Jigger) -> None:
    outer = app.app_context()
    inner = app.app_context()
    outer.push()
    inner.push()
    with pytest.raises(AssertionError) as info:
        outer.pop()
    assert "reverse order they were pushed" in str(info.value)
    assert "'with' blocks" in str(info.value)
    # The contexts pushed since the outer one are gone with it.
    assert not has_app_context()


def test_request_context_popped_in_the_wrong_order_pops_its_app_context(
    app: Jigger,
) -> None:
    other = Jigger("other")
    req_ctx = app.test_request_context("/")
    req_ctx.push()
    other.app_context().push()
    with pytest.raises(AssertionError, match="reverse order"):
        req_ctx.pop()
    assert not has_app_context()


def _record_teardowns(app: Jigger, seen: list[tuple[t.Any, ...]]) -> None:
    @app.teardown_request
    def request_done(exc: BaseException | None) -> None:
        seen.append(("request", has_request_context(), g.get("mark"), exc))

    @app.teardown_appcontext
    def app_done(exc: BaseException | None) -> None:
        seen.append(
            ("app", has_request_context(), has_app_context(), g.get("mark"), exc)
        )


def test_app_teardown_of_a_request_runs_after_the_request_is_gone(
    app: Jigger,
) -> None:
    # A request without a surrounding app context gets its own; its teardown
    # callbacks run after the request's, no longer inside the request, and
    # share the request's g.
    seen: list[tuple[t.Any, ...]] = []
    _record_teardowns(app, seen)

    @app.get("/")
    def index() -> str:
        g.mark = "set by the view"
        return "ok"

    @app.get("/boom")
    def boom() -> str:
        g.mark = "before the error"
        raise KeyError("boom")

    assert app.test_client().get("/").text == "ok"
    assert seen == [
        ("request", True, "set by the view", None),
        ("app", False, True, "set by the view", None),
    ]
    assert not has_app_context()

    seen.clear()
    with pytest.raises(KeyError):
        app.test_client().get("/boom")
    assert [entry[0] for entry in seen] == ["request", "app"]
    assert isinstance(seen[0][3], KeyError)
    assert seen[1][4] is seen[0][3]
    assert seen[1][3] == "before the error"


def test_app_teardown_of_a_pushed_request_context(app: Jigger) -> None:
    seen: list[tuple[t.Any, ...]] = []
    _record_teardowns(app, seen)
    with app.test_request_context("/"):
        g.mark = "pushed by hand"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert seen == [
        ("request", True, "pushed by hand", None),
        ("app", False, True, "pushed by hand", None),
    ]
    assert not has_app_context()


def test_app_teardown_waits_for_a_streamed_response(app: Jigger) -> None:
    seen: list[tuple[t.Any, ...]] = []
    _record_teardowns(app, seen)

    @app.get("/stream")
    def stream() -> t.Iterator[str]:
        g.mark = "streaming"

        @stream_with_context
        def chunks() -> t.Iterator[str]:
            yield "a"
            yield g.mark

        return chunks()

    response = app.test_client().get("/stream", buffered=False)
    assert seen == []
    body = b"".join(t.cast("t.Iterable[bytes]", response.response))
    response.close()
    assert body == b"astreaming"
    assert seen == [
        ("request", True, "streaming", None),
        ("app", False, True, "streaming", None),
    ]
    assert not has_app_context()


def test_app_context_signals_are_sent_for_every_request(app: Jigger) -> None:
    log: list[str] = []

    @app.get("/")
    def index() -> str:
        log.append("view")
        return "ok"

    with (
        appcontext_pushed.connected_to(lambda sender: log.append("pushed"), app),
        appcontext_tearing_down.connected_to(
            lambda sender, exc: log.append("tearing down"), app
        ),
        appcontext_popped.connected_to(lambda sender: log.append("popped"), app),
    ):
        client = app.test_client()
        client.get("/")
        client.get("/")
    assert log == ["pushed", "view", "tearing down", "popped"] * 2


def test_a_subclass_app_context_is_pushed_for_requests() -> None:
    pushed: list[str] = []

    class AuditedContext(AppContext):
        def push(self) -> None:
            pushed.append(self.app.name)
            super().push()

    class AuditedApp(Jigger):
        def app_context(self) -> AppContext:
            return AuditedContext(self)

    app = AuditedApp("audited")

    @app.get("/")
    def index() -> str:
        return type(app_ctx_of_request()).__name__

    # The request runs in the subclass's context, and app_ctx reports it.
    assert app.test_client().get("/").text == "AuditedContext"
    assert pushed == ["audited"]
    with app.test_request_context("/"):
        assert pushed == ["audited", "audited"]


def app_ctx_of_request() -> object:
    from jigger.globals import app_ctx

    return app_ctx._get_current_object()  # type: ignore[attr-defined]


# -- helpers -----------------------------------------------------------------


def test_after_this_request(app: Jigger) -> None:
    @app.get("/")
    def index() -> str:
        @after_this_request
        def add_header(response: Response) -> Response:
            response.headers["X-Once"] = "yes"
            return response

        return "ok"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    client = app.test_client()
    assert client.get("/").headers["X-Once"] == "yes"
    # Only for the request that registered it.
    assert "X-Once" not in client.get("/plain").headers


def test_after_this_request_needs_a_request(app: Jigger) -> None:
    def hook(response: Response) -> Response:
        return response

    with pytest.raises(RuntimeError, match="test_request_context"):
        after_this_request(hook)
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        after_this_request(hook)


def test_copy_current_request_context_in_a_thread(app: Jigger) -> None:
    results: dict[str, object] = {}

    @app.get("/report")
    def report() -> str:
        session["user"] = "ada"
        g.started_by = "view"

        @copy_current_request_context
        def work() -> None:
            results["path"] = request.path
            results["arg"] = request.args["kind"]
            results["user"] = session["user"]
            results["app"] = current_app.name

        def without_context() -> None:
            results["plain thread sees a request"] = has_request_context()

        for target in (work, without_context):
            thread = threading.Thread(target=target)
            thread.start()
            thread.join()
        return "started"

    assert app.test_client().get("/report?kind=daily").text == "started"
    assert results == {
        "path": "/report",
        "arg": "daily",
        "user": "ada",
        "app": "test_ctx",
        "plain thread sees a request": False,
    }


def test_copy_current_request_context_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="test_request_context"):
        copy_current_request_context(lambda: None)


# -- code outside requests: a cron-style job ---------------------------------


class FakeDB:
    """Stands in for a database connection."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.closed = False
        self.orders = [(3, "ada@example.com"), (5, "grace@example.com")]

    def close(self) -> None:
        self.closed = True


def create_shop() -> tuple[Jigger, list[FakeDB]]:
    """An app factory as a real project would have one."""
    app = Jigger("shop")
    app.config.from_mapping(
        SERVER_NAME="shop.example",
        PREFERRED_URL_SCHEME="https",
        DATABASE="sqlite:///shop.db",
        REMINDER_SUBJECT="Your order is waiting",
    )
    opened: list[FakeDB] = []

    @app.get("/orders/<int:order_id>")
    def order(order_id: int) -> str:
        return f"order {order_id}"

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    def open_db() -> FakeDB:
        db = FakeDB(current_app.config["DATABASE"])
        opened.append(db)
        return db

    app.extensions["open_db"] = open_db
    return app, opened


def get_db() -> FakeDB:
    """Open the connection once per app context, the usual pattern."""
    if "db" not in g:
        g.db = current_app.extensions["open_db"]()
    return t.cast(FakeDB, g.db)


def send_reminders() -> list[str]:
    """The job: written like view code, with the globals."""
    mails = []
    for order_id, email in get_db().orders:
        link = url_for("order", order_id=order_id)
        subject = current_app.config["REMINDER_SUBJECT"]
        mails.append(f"To: {email} | {subject} | {link}")
        current_app.logger.info("reminder for order %s sent", order_id)
    assert get_db() is g.db  # one connection for the whole job
    return mails


def test_cron_job_in_an_app_context(caplog: pytest.LogCaptureFixture) -> None:
    app, opened = create_shop()
    caplog.set_level(logging.INFO, logger=app.logger.name)

    with app.app_context():
        mails = send_reminders()

    assert mails == [
        "To: ada@example.com | Your order is waiting | https://shop.example/orders/3",
        "To: grace@example.com | Your order is waiting | https://shop.example/orders/5",
    ]
    [db] = opened
    assert db.dsn == "sqlite:///shop.db"
    assert db.closed  # teardown_appcontext ran at the end of the block
    messages = [r.getMessage() for r in caplog.records if r.name == "shop"]
    assert messages == ["reminder for order 3 sent", "reminder for order 5 sent"]
    assert not has_app_context()


def test_cron_job_gets_a_fresh_connection_each_run() -> None:
    app, opened = create_shop()
    for _ in range(2):
        with app.app_context():
            send_reminders()
    assert len(opened) == 2
    assert all(db.closed for db in opened)


def test_cron_job_outside_a_context_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"app\.app_context\(\)"):
        send_reminders()


def test_url_for_in_app_context_needs_server_name() -> None:
    app = Jigger("no_server_name")
    app.add_url_rule("/x", "x", lambda: "")
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("x")


def test_url_for_in_app_context_with_application_root() -> None:
    app, _ = create_shop()
    app.config["APPLICATION_ROOT"] = "/store"
    with app.app_context():
        assert url_for("order", order_id=1) == "https://shop.example/store/orders/1"
        assert url_for("order", order_id=1, _external=False) == "/store/orders/1"


# -- isolation ---------------------------------------------------------------


def test_contexts_do_not_leak_into_new_threads(app: Jigger) -> None:
    seen: list[bool] = []
    with app.app_context():
        thread = threading.Thread(target=lambda: seen.append(has_app_context()))
        thread.start()
        thread.join()
    assert seen == [False]


def test_each_thread_has_its_own_context() -> None:
    apps = [Jigger(f"worker{i}") for i in range(4)]
    barrier = threading.Barrier(len(apps))
    seen: dict[str, tuple[str, int]] = {}
    errors: list[BaseException] = []

    def job(app: Jigger, number: int) -> None:
        try:
            with app.app_context():
                g.number = number
                barrier.wait(timeout=10)  # all four contexts pushed at once
                seen[app.name] = (current_app.name, g.number)
                barrier.wait(timeout=10)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=job, args=(app, i)) for i, app in enumerate(apps)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert seen == {f"worker{i}": (f"worker{i}", i) for i in range(4)}


def test_each_asyncio_task_has_its_own_context() -> None:
    apps = [Jigger(f"task{i}") for i in range(3)]

    async def job(app: Jigger, number: int) -> tuple[str, int, str]:
        with app.test_request_context(f"/job/{number}"):
            g.number = number
            for _ in range(3):
                await asyncio.sleep(0)  # let the other tasks run in between
            return current_app.name, g.number, request.path

    async def main() -> list[tuple[str, int, str]]:
        return await asyncio.gather(*(job(app, i) for i, app in enumerate(apps)))

    assert asyncio.run(main()) == [
        ("task0", 0, "/job/0"),
        ("task1", 1, "/job/1"),
        ("task2", 2, "/job/2"),
    ]
    assert not has_app_context()


def test_async_view_sees_the_request(app: Jigger) -> None:
    pytest.importorskip("asgiref")

    @app.get("/async")
    async def view() -> str:
        await asyncio.sleep(0)
        return f"{request.args['x']} from {current_app.name}"

    assert app.test_client().get("/async?x=42").text == "42 from test_ctx"


# -- one application context per request --------------------------------------


def _current_app_ctx() -> AppContext:
    from jigger.globals import app_ctx

    return app_ctx._get_current_object()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("listening", [False, True], ids=["plain", "signals"])
def test_one_app_context_object_for_a_whole_request(
    app: Jigger, listening: bool
) -> None:
    """Extensions key per-context state on the application context object;
    they must find the same object in every hook and in both teardowns."""
    seen: dict[str, list[int]] = {}

    def note(where: str) -> None:
        seen.setdefault(where, []).append(id(_current_app_ctx()))

    app.before_request(lambda: note("before"))

    @app.after_request
    def after(response: Response) -> Response:
        note("after")
        return response

    app.teardown_request(lambda exc: note("teardown_request"))
    app.teardown_appcontext(lambda exc: note("teardown_appcontext"))

    @app.get("/")
    def index() -> str:
        note("view")
        return "ok"

    client = app.test_client()
    if listening:
        with appcontext_pushed.connected_to(lambda sender: None, app):
            client.get("/")
            client.get("/")
    else:
        client.get("/")
        client.get("/")
    assert set(seen) == {
        "before",
        "view",
        "after",
        "teardown_request",
        "teardown_appcontext",
    }
    for request_index in range(2):
        ids = {where: ids[request_index] for where, ids in seen.items()}
        assert len(set(ids.values())) == 1, ids


def test_teardown_appcontext_runs_without_the_request(app: Jigger) -> None:
    seen: list[tuple[bool, bool]] = []
    app.teardown_appcontext(
        lambda exc: seen.append((has_app_context(), has_request_context()))
    )
    with app.test_request_context("/"):
        pass
    assert seen == [(True, False)]


def test_app_context_inside_a_request_keeps_the_request(app: Jigger) -> None:
    """As in Flask: a nested application context brings its own ``g`` and
    app, and the request stays visible."""
    other = Jigger("other")
    seen: list[object] = []

    @app.get("/")
    def index() -> str:
        g.outer = True
        outer_ctx = _current_app_ctx()
        with other.app_context() as inner:
            seen.append(current_app.name)
            seen.append(has_request_context())
            seen.append(request.path)
            seen.append("outer" in g)
            seen.append(_current_app_ctx() is inner)
        with app.app_context():
            seen.append(has_request_context())
            seen.append("outer" in g)
        seen.append(_current_app_ctx() is outer_ctx)
        seen.append(g.outer)
        return "ok"

    assert app.test_client().get("/").text == "ok"
    assert seen == ["other", True, "/", False, True, True, False, True, True]


def test_request_inside_an_app_context_shares_it(app: Jigger) -> None:
    with app.app_context() as outer:
        g.job = "nightly"
        with app.test_request_context("/"):
            assert _current_app_ctx() is outer
            assert g.job == "nightly"
        assert _current_app_ctx() is outer


def test_flask_context_variable_views(app: Jigger) -> None:
    from jigger.globals import _cv_app, _cv_request

    assert _cv_app.get(None) is None
    assert _cv_request.get(None) is None
    with pytest.raises(LookupError):
        _cv_request.get()
    with app.app_context() as plain:
        assert _cv_app.get() is plain
        assert _cv_request.get(None) is None
    with app.test_request_context("/") as ctx:
        assert _cv_request.get() is ctx
        assert _cv_app.get() is _current_app_ctx()
        assert _cv_app.get().g is g._get_current_object()


def test_with_app_ctx_inside_a_request_is_a_nested_push(app: Jigger) -> None:
    """Pushing the request's own application context again inside the view
    does not end it: its teardown runs once, after the request's."""
    from jigger.globals import app_ctx, request_ctx

    called: list[str] = []
    app.teardown_request(lambda exc: called.append("request"))
    app.teardown_appcontext(lambda exc: called.append("app"))

    @app.get("/")
    def index() -> str:
        with app_ctx, request_ctx:
            pass
        return request.path

    assert app.test_client().get("/").text == "/"
    assert called == ["request", "app"]
