"""Signals: each one fires with the app as sender and Flask's keyword
arguments, in the order a request goes through them; unconnected signals
cost nothing."""

from __future__ import annotations

import typing as t

import blinker
import pytest

import jigger
from jigger import Jigger, flash, request, signals

Recorded = list[tuple[str, t.Any, dict[str, t.Any]]]


@pytest.fixture
def app(app: Jigger) -> Jigger:
    """The shared app out of testing mode (a failing view is a 500 page,
    as in production), with a view that works and one that fails."""
    app.testing = False

    @app.get("/")
    def index() -> str:
        return "hello"

    @app.get("/fail")
    def fail() -> str:
        raise ZeroDivisionError("boom")

    return app


def _recorder(name: str, log: Recorded) -> t.Callable[..., None]:
    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        log.append((name, sender, kwargs))

    return receiver


def test_signals_have_flasks_names_and_are_exported() -> None:
    names = {
        "template_rendered": "template-rendered",
        "before_render_template": "before-render-template",
        "request_started": "request-started",
        "request_finished": "request-finished",
        "request_tearing_down": "request-tearing-down",
        "got_request_exception": "got-request-exception",
        "appcontext_tearing_down": "appcontext-tearing-down",
        "appcontext_pushed": "appcontext-pushed",
        "appcontext_popped": "appcontext-popped",
        "message_flashed": "message-flashed",
    }
    for attr, name in names.items():
        sig = getattr(signals, attr)
        assert isinstance(sig, blinker.Signal)
        assert sig.name == name  # type: ignore[attr-defined]
        assert getattr(jigger, attr) is sig


def test_request_signals_in_order_with_their_arguments(app: Jigger) -> None:
    log: Recorded = []
    seen_path: list[str] = []

    @app.after_request
    def mark(response: jigger.Response) -> jigger.Response:
        response.headers["X-After"] = "1"
        return response

    def started(sender: Jigger, **kwargs: t.Any) -> None:
        seen_path.append(request.path)  # the request is available already
        log.append(("request_started", sender, kwargs))

    names = [
        "appcontext_pushed",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    receivers = {name: _recorder(name, log) for name in names}
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver, app)
    signals.request_started.connect(started, app)
    try:
        rv = app.test_client().get("/")
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)
        signals.request_started.disconnect(started)

    assert rv.text == "hello"
    assert [entry[0] for entry in log] == [
        "appcontext_pushed",
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    assert all(entry[1] is app for entry in log)
    kwargs = {name: kw for name, _, kw in log}
    assert kwargs["appcontext_pushed"] == {}
    assert kwargs["request_started"] == {}
    assert kwargs["appcontext_popped"] == {}
    finished = kwargs["request_finished"]["response"]
    assert isinstance(finished, jigger.Response)
    assert finished.headers["X-After"] == "1"  # after the after_request hooks
    assert kwargs["request_tearing_down"] == {"exc": None}
    assert kwargs["appcontext_tearing_down"] == {"exc": None}
    assert seen_path == ["/"]


def test_got_request_exception_for_an_unhandled_error(app: Jigger) -> None:
    log: Recorded = []
    with (
        signals.got_request_exception.connected_to(_recorder("exception", log), app),
        signals.request_tearing_down.connected_to(_recorder("teardown", log), app),
    ):
        rv = app.test_client().get("/fail")
    assert rv.status_code == 500
    assert [entry[0] for entry in log] == ["exception", "teardown"]
    exc = log[0][2]["exception"]
    assert isinstance(exc, ZeroDivisionError)
    assert str(exc) == "boom"
    assert log[0][1] is app
    # as in Flask: the 500 page went out, and teardown still hears of the error
    assert log[1][2] == {"exc": exc}


def test_got_request_exception_also_when_exceptions_propagate(app: Jigger) -> None:
    app.testing = True
    log: Recorded = []
    with (
        signals.got_request_exception.connected_to(_recorder("e", log), app),
        pytest.raises(ZeroDivisionError),
    ):
        app.test_client().get("/fail")
    assert len(log) == 1
    assert isinstance(log[0][2]["exception"], ZeroDivisionError)


def test_no_got_request_exception_for_handled_errors(app: Jigger) -> None:
    @app.errorhandler(ZeroDivisionError)
    def handle(e: ZeroDivisionError) -> tuple[str, int]:
        return "handled", 418

    log: Recorded = []
    with signals.got_request_exception.connected_to(_recorder("e", log), app):
        rv = app.test_client().get("/fail")
        rv404 = app.test_client().get("/missing")
    assert (rv.status_code, rv.text) == (418, "handled")
    assert rv404.status_code == 404
    assert log == []


def test_teardown_signals_receive_the_exception_of_the_block(app: Jigger) -> None:
    log: Recorded = []
    with (
        signals.request_tearing_down.connected_to(_recorder("req", log), app),
        signals.appcontext_tearing_down.connected_to(_recorder("app", log), app),
        pytest.raises(KeyError),
        app.test_request_context("/"),
    ):
        raise KeyError("lost")
    assert [entry[0] for entry in log] == ["req", "app"]
    for _, _, kwargs in log:
        assert isinstance(kwargs["exc"], KeyError)


def test_appcontext_signals_outside_requests(app: Jigger) -> None:
    log: Recorded = []
    with (
        signals.appcontext_pushed.connected_to(_recorder("pushed", log), app),
        signals.appcontext_tearing_down.connected_to(_recorder("down", log), app),
        signals.appcontext_popped.connected_to(_recorder("popped", log), app),
        app.app_context(),
    ):
        assert [entry[0] for entry in log] == ["pushed"]
    assert [entry[0] for entry in log] == ["pushed", "down", "popped"]
    assert log[1][2] == {"exc": None}


def test_receivers_for_another_app_are_not_called(app: Jigger) -> None:
    other = Jigger("other")
    log: Recorded = []
    with signals.request_started.connected_to(_recorder("s", log), other):
        app.test_client().get("/")
    assert log == []
    with signals.request_started.connected_to(_recorder("any", log)):
        app.test_client().get("/")
    assert [(name, sender) for name, sender, _ in log] == [("any", app)]


def test_message_flashed(app: Jigger) -> None:
    @app.get("/flash")
    def flash_view() -> str:
        flash("saved")
        flash("careful", "warning")
        return "ok"

    log: Recorded = []
    with signals.message_flashed.connected_to(_recorder("f", log), app):
        app.test_client().get("/flash")
    assert [(sender, kw) for _, sender, kw in log] == [
        (app, {"message": "saved", "category": "message"}),
        (app, {"message": "careful", "category": "warning"}),
    ]


def test_async_receiver_runs_through_ensure_sync(app: Jigger) -> None:
    seen: list[str] = []

    async def started(sender: Jigger, **kwargs: t.Any) -> None:
        seen.append(request.path)

    with signals.request_started.connected_to(started, app):
        assert app.test_client().get("/").text == "hello"
    assert seen == ["/"]


def test_a_failing_receiver_is_an_error_of_the_request(app: Jigger) -> None:
    def broken(sender: Jigger, **kwargs: t.Any) -> None:
        raise LookupError("receiver failed")

    with signals.request_started.connected_to(broken, app):
        rv = app.test_client().get("/")
    assert rv.status_code == 500


def _render_template_string() -> t.Callable[..., str]:
    return jigger.render_template_string


def test_template_signals(app: Jigger) -> None:
    render = _render_template_string()

    @app.get("/t")
    def page() -> str:
        return render("Hi {{ who }} at {{ request.path }}", who="Ada")

    log: Recorded = []
    with (
        signals.before_render_template.connected_to(_recorder("before", log), app),
        signals.template_rendered.connected_to(_recorder("after", log), app),
    ):
        rv = app.test_client().get("/t")
    assert rv.text == "Hi Ada at /t"
    assert [entry[0] for entry in log] == ["before", "after"]
    for _, sender, kwargs in log:
        assert sender is app
        assert set(kwargs) == {"template", "context"}
        assert kwargs["context"]["who"] == "Ada"
        assert kwargs["context"]["request"].path == "/t"
    assert log[0][2]["template"] is log[1][2]["template"]


def test_before_render_template_may_change_the_context(app: Jigger) -> None:
    render = _render_template_string()

    def tweak(sender: Jigger, template: t.Any, context: dict[str, t.Any]) -> None:
        context["who"] = context["who"].upper()

    with app.app_context(), signals.before_render_template.connected_to(tweak, app):
        assert render("{{ who }}", who="ada") == "ADA"


def test_no_receivers_no_send(app: Jigger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without receivers, a request (with a flash, a template, an error and
    the contexts) never calls Signal.send."""
    real_send = blinker.Signal.send
    wasted: list[str | None] = []

    def spy(self: blinker.Signal, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not self.receivers:
            wasted.append(self.name)  # type: ignore[attr-defined]
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(blinker.Signal, "send", spy)

    @app.get("/busy")
    def busy() -> str:
        flash("hello")
        render = getattr(jigger, "render_template_string", None)
        return render("{{ 1 + 1 }}") if render is not None else "2"

    client = app.test_client()
    assert client.get("/busy").text == "2"
    assert client.get("/fail").status_code == 500
    assert client.get("/missing").status_code == 404
    with app.app_context():
        pass
    assert wasted == []

    # the spy does see sends when something listens
    with signals.request_started.connected_to(lambda sender, **kw: None, app):
        client.get("/")
    assert wasted == []
