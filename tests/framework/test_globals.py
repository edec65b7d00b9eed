"""Tests for jigger.globals: the context-local proxies.

Outside a context each proxy raises a :exc:`RuntimeError` whose message names
the ``with`` block that fixes it; inside one it stands for the real object.
"""

from __future__ import annotations

import typing as t

import pytest

import jigger
from jigger import Jigger, Request, current_app, g, request, session
from jigger.ctx import AppContext, RequestContext, _AppCtxGlobals
from jigger.globals import app_ctx, request_ctx

# -- outside any context -----------------------------------------------------


@pytest.mark.parametrize(
    "use",
    [
        lambda: current_app.name,
        lambda: current_app.config,
        lambda: g.user,
        lambda: g.get("user"),
        lambda: "user" in g,
        lambda: app_ctx.app,
    ],
    ids=["current_app.name", "current_app.config", "g.attr", "g.get", "in g", "ctx"],
)
def test_app_proxies_outside_a_context_name_app_context(
    use: t.Callable[[], object],
) -> None:
    with pytest.raises(RuntimeError) as info:
        use()
    message = str(info.value)
    assert message.startswith("Working outside of application context.")
    assert "'with app.app_context():'" in message


@pytest.mark.parametrize(
    "use",
    [
        lambda: request.args,
        lambda: request.method,
        lambda: session.get("user"),
        lambda: session["user"],
        lambda: request_ctx.request,
    ],
    ids=["request.args", "request.method", "session.get", "session[]", "ctx"],
)
def test_request_proxies_outside_a_context_name_test_request_context(
    use: t.Callable[[], object],
) -> None:
    with pytest.raises(RuntimeError) as info:
        use()
    message = str(info.value)
    assert message.startswith("Working outside of request context.")
    assert "test_request_context" in message


def test_request_proxies_in_an_app_context_still_need_a_request(app: Jigger) -> None:
    with app.app_context():
        assert current_app.name == "test_globals"
        with pytest.raises(RuntimeError, match="test_request_context"):
            request.path  # noqa: B018
        with pytest.raises(RuntimeError, match="test_request_context"):
            session.get("user")


def test_unbound_proxies_are_false() -> None:
    """``if current_app:`` is a cheap check that works outside contexts."""
    assert not current_app
    assert not g
    assert not request


def test_proxies_are_exported_by_the_package() -> None:
    assert jigger.current_app is current_app
    assert jigger.g is g
    assert jigger.request is request
    assert jigger.session is session


# -- inside a context --------------------------------------------------------


def test_get_current_object_returns_the_real_objects(app: Jigger) -> None:
    with app.test_request_context("/where?x=1") as ctx:
        real_app = current_app._get_current_object()  # type: ignore[attr-defined]
        real_request = request._get_current_object()  # type: ignore[attr-defined]
        real_g = g._get_current_object()
        real_ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        real_session = session._get_current_object()  # type: ignore[attr-defined]

        assert real_app is app
        assert type(real_request) is Request
        assert real_request is ctx.request
        assert isinstance(real_g, _AppCtxGlobals)
        assert real_ctx is ctx
        assert isinstance(real_ctx, RequestContext)
        assert real_session is ctx.session
        # app_ctx is the request's application context, whose g is g.
        real_app_ctx = app_ctx._get_current_object()  # type: ignore[attr-defined]
        assert isinstance(real_app_ctx, AppContext)
        assert real_app_ctx.g is real_g
        # The proxy itself is not the object, but compares like it.
        assert current_app is not app
        assert current_app == app
    with app.app_context() as plain:
        assert app_ctx._get_current_object() is plain  # type: ignore[attr-defined]
        assert isinstance(plain, AppContext)


def test_real_object_outlives_the_context(app: Jigger) -> None:
    """Keep the real object, not the proxy, to use it after the block, for
    example when handing it to a thread."""
    with app.test_request_context("/kept"):
        kept = request._get_current_object()  # type: ignore[attr-defined]
        proxy = request
    assert kept.path == "/kept"
    with pytest.raises(RuntimeError):
        proxy.path  # noqa: B018


def test_proxies_follow_the_innermost_context(app: Jigger) -> None:
    other = Jigger("other")
    with app.test_request_context("/outer"):
        with other.test_request_context("/inner"):
            assert current_app.name == "other"
            assert request.path == "/inner"
        assert current_app.name == "test_globals"
        assert request.path == "/outer"


# -- g's methods -------------------------------------------------------------


def test_g_attributes(app: Jigger) -> None:
    with app.app_context():
        g.user = "ada"
        assert g.user == "ada"
        del g.user
        with pytest.raises(AttributeError, match="user"):
            g.user  # noqa: B018
        with pytest.raises(AttributeError, match="user"):
            del g.user
        assert getattr(g, "user", "fallback") == "fallback"


def test_g_get(app: Jigger) -> None:
    with app.app_context():
        assert g.get("missing") is None
        assert g.get("missing", 42) == 42
        g.present = 0
        assert g.get("present", 42) == 0


def test_g_pop(app: Jigger) -> None:
    with app.app_context():
        g.token = "abc"
        assert g.pop("token") == "abc"
        assert "token" not in g
        assert g.pop("token", None) is None
        with pytest.raises(KeyError):
            g.pop("token")


def test_g_setdefault(app: Jigger) -> None:
    with app.app_context():
        assert g.setdefault("hits", 1) == 1
        assert g.setdefault("hits", 99) == 1
        assert g.hits == 1
        assert g.setdefault("nothing") is None
        assert "nothing" in g


def test_g_contains_and_iter(app: Jigger) -> None:
    with app.app_context():
        assert list(g) == []
        g.a = 1
        g.b = 2
        assert "a" in g
        assert "c" not in g
        assert sorted(g) == ["a", "b"]


def test_g_repr_names_the_app(app: Jigger) -> None:
    with app.app_context():
        assert repr(g) == "<jigger.g of 'test_globals'>"


def test_custom_g_class(app: Jigger) -> None:
    class Globals(_AppCtxGlobals):
        def user_or_guest(self) -> str:
            return t.cast(str, self.get("user", "guest"))

    app.app_ctx_globals_class = Globals
    with app.app_context():
        assert g.user_or_guest() == "guest"
