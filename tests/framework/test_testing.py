"""Tests for jigger.testing: the test client and the environ builder."""

from __future__ import annotations

import importlib.metadata
import typing as t
from decimal import Decimal

import pytest

from jigger import (
    Jigger,
    Response,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from jigger.json.provider import DefaultJSONProvider
from jigger.testing import EnvironBuilder, FlaskClient, JiggerClient


@pytest.fixture
def app(app: Jigger) -> Jigger:
    """The shared app, with the views the test client is tried on."""

    @app.get("/")
    def index() -> str:
        g.visited = "index"
        return "index"

    @app.get("/old")
    def old() -> Response:
        return t.cast(Response, redirect(url_for("new")))

    @app.get("/new")
    def new() -> str:
        return "new place"

    @app.get("/whoami")
    def whoami() -> dict[str, t.Any]:
        return {
            "addr": request.remote_addr,
            "agent": request.user_agent.string,
            "user": session.get("user"),
            "cookie": request.cookies.get("theme"),
        }

    return app


@pytest.fixture
def client(app: Jigger) -> FlaskClient:
    return app.test_client()


def test_test_client_class(app: Jigger, client: FlaskClient) -> None:
    assert type(client) is FlaskClient
    assert JiggerClient is FlaskClient
    assert client.application is app
    rv = client.get("/")
    assert isinstance(rv, Response)
    assert rv.text == "index"


# -- cookies and sessions ----------------------------------------------------


def test_cookies_are_kept_between_requests(app: Jigger, client: FlaskClient) -> None:
    @app.get("/theme/<name>")
    def set_theme(name: str) -> Response:
        resp = Response("set")
        resp.set_cookie("theme", name)
        return resp

    assert client.get("/whoami").json["cookie"] is None  # type: ignore[index]
    client.get("/theme/dark")
    cookie = client.get_cookie("theme")
    assert cookie is not None
    assert cookie.value == "dark"
    assert client.get("/whoami").json["cookie"] == "dark"  # type: ignore[index]

    client.delete_cookie("theme")
    assert client.get("/whoami").json["cookie"] is None  # type: ignore[index]
    client.set_cookie("theme", "light")
    assert client.get("/whoami").json["cookie"] == "light"  # type: ignore[index]


def test_client_without_cookies_forgets_them(app: Jigger) -> None:
    @app.get("/login")
    def login() -> str:
        session["user"] = "ada"
        return "logged in"

    client = app.test_client(use_cookies=False)
    client.get("/login")
    assert client.get("/whoami").json["user"] is None  # type: ignore[index]


def test_session_persists_across_requests(app: Jigger, client: FlaskClient) -> None:
    @app.get("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    assert app.test_client().get("/count").text == "1"  # a new browser


def test_session_transaction_sets_the_session(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        assert "user" not in sess
        sess["user"] = "grace"
    assert client.get("/whoami").json["user"] == "grace"  # type: ignore[index]

    with client.session_transaction() as sess:
        assert sess["user"] == "grace"  # reads what the client holds
        del sess["user"]
    assert client.get("/whoami").json["user"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    "config",
    [
        {"APPLICATION_ROOT": "/store"},
        {"SERVER_NAME": "shop.example"},
        {"SERVER_NAME": "shop.example:8080", "APPLICATION_ROOT": "/s"},
        {"SERVER_NAME": "app.example.test", "SESSION_COOKIE_DOMAIN": "example.test"},
        {"SESSION_COOKIE_NAME": "sid", "SESSION_COOKIE_PATH": "/"},
    ],
)
def test_session_transaction_matches_the_apps_cookie_settings(
    app: Jigger, config: dict[str, str]
) -> None:
    app.config.update(config)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    assert client.get("/whoami").json["user"] == "ada"  # type: ignore[index]
    with client.session_transaction() as sess:
        sess["user"] += "+"
    assert client.get("/whoami").json["user"] == "ada+"  # type: ignore[index]


def test_session_transaction_is_dropped_when_the_block_fails(
    client: FlaskClient,
) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "grace"

    def change_then_fail() -> None:
        with client.session_transaction() as sess:
            sess["user"] = "mallory"
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_then_fail()
    assert client.get("/whoami").json["user"] == "grace"  # type: ignore[index]


def test_session_transaction_without_secret_key(app: Jigger) -> None:
    app.secret_key = None
    client = app.test_client()
    with (
        pytest.raises(RuntimeError, match="SECRET_KEY"),
        client.session_transaction(),
    ):
        pass  # pragma: no cover
    assert not has_request_context()


def test_session_transaction_needs_cookies(app: Jigger) -> None:
    client = app.test_client(use_cookies=False)
    with (
        pytest.raises(TypeError, match="use_cookies=True"),
        client.session_transaction(),
    ):
        pass  # pragma: no cover


def test_session_transaction_leaves_no_context(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "ada"
        assert not has_request_context()
    assert not has_request_context()


# -- `with client:` ------------------------------------------------------------


def test_with_client_keeps_the_last_request_context(
    app: Jigger, client: FlaskClient
) -> None:
    torn: list[str] = []
    app.teardown_request(lambda exc: torn.append(request.path))

    with client:
        client.get("/?page=2")
        assert request.path == "/"
        assert request.args["page"] == "2"
        assert g.visited == "index"
        assert current_app.name == "test_testing"
        assert torn == ["/"]  # teardown ran; the context was kept for us

        client.get("/whoami")
        assert request.path == "/whoami"  # the newest request replaces it
        assert "visited" not in g
    assert not has_request_context()
    assert torn == ["/", "/whoami"]  # each request torn down exactly once


def test_with_client_gives_the_session(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    with client:
        client.get("/whoami")
        assert session["user"] == "ada"
    assert not has_request_context()


def test_with_client_and_an_inner_app_context(client: FlaskClient) -> None:
    """A request sent inside an inner ``with app.app_context():`` block: the
    block ends cleanly, and the context kept for that request ends with it."""
    with client:
        with client.application.app_context():
            g.setup_done = True
            client.get("/")
            assert request.path == "/"
            assert g.setup_done  # the request ran in the surrounding context
        assert not has_request_context()
        client.get("/whoami")
        assert request.path == "/whoami"
    assert not has_request_context()


def test_with_client_without_requests_pushes_nothing(client: FlaskClient) -> None:
    with client:
        assert not has_request_context()
    assert not has_request_context()


def test_with_client_releases_the_context_after_an_error(
    app: Jigger, client: FlaskClient
) -> None:
    @app.get("/fail")
    def fail() -> str:
        raise ValueError("view failed")

    with pytest.raises(ValueError, match="view failed"), client:
        client.get("/fail")
    assert not has_request_context()


def test_with_client_cannot_be_nested(client: FlaskClient) -> None:
    with client, pytest.raises(RuntimeError, match="nested"), client:
        pass  # pragma: no cover


def test_without_with_the_context_is_gone(client: FlaskClient) -> None:
    client.get("/")
    assert not has_request_context()


# -- redirects, JSON, environ ----------------------------------------------


def test_follow_redirects(client: FlaskClient) -> None:
    rv = client.get("/old")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/new"

    rv = client.get("/old", follow_redirects=True)
    assert rv.status_code == 200
    assert rv.text == "new place"
    assert rv.request.path == "/new"
    assert [r.status_code for r in rv.history] == [302]

    with client:
        client.get("/old", follow_redirects=True)
        assert request.path == "/new"  # the final request's context is kept


def test_follow_redirects_keeps_the_method_for_307(
    app: Jigger, client: FlaskClient
) -> None:
    @app.post("/submit")
    def submit() -> tuple[str, int, dict[str, str]]:
        return "", 307, {"Location": "/submit-v2"}

    @app.post("/submit-v2")
    def submit_v2() -> str:
        return f"{request.method} {request.form['name']}"

    rv = client.post("/submit", data={"name": "ada"}, follow_redirects=True)
    assert rv.text == "POST ada"


class Money:
    def __init__(self, amount: str, currency: str) -> None:
        self.amount = amount
        self.currency = currency


class ShopJSON(DefaultJSONProvider):
    """Writes Money as a string, reads every JSON number as a Decimal."""

    @staticmethod
    def default(o: t.Any) -> t.Any:
        if isinstance(o, Money):
            return f"{o.amount} {o.currency}"
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("parse_float", Decimal)
        return super().loads(s, **kwargs)


def test_json_bodies_go_through_app_json(app: Jigger, client: FlaskClient) -> None:
    app.json = ShopJSON(app)

    @app.post("/echo")
    def echo() -> dict[str, t.Any]:
        data = request.get_json()
        return {"received": data, "total": 19.99}

    rv = client.post("/echo", json={"price": Money("5.00", "EUR")})
    assert rv.request.mimetype == "application/json"
    # The request body was written by app.json (Money is not JSON otherwise)...
    assert rv.json == {"received": {"price": "5.00 EUR"}, "total": Decimal("19.99")}
    # ...and the response was read by app.json too (floats became Decimals).
    assert isinstance(rv.json["total"], Decimal)


def test_json_body_without_provider_support_fails(client: FlaskClient) -> None:
    with pytest.raises(TypeError, match="Money"):
        client.post("/", json={"price": Money("1", "EUR")})


def test_environ_base_defaults(client: FlaskClient) -> None:
    data = client.get("/whoami").json
    assert data is not None
    assert data["addr"] == "127.0.0.1"
    assert data["agent"] == f"Werkzeug/{importlib.metadata.version('werkzeug')}"


def test_environ_base_per_request_and_per_client(client: FlaskClient) -> None:
    rv = client.get("/whoami", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert rv.json["addr"] == "10.1.2.3"  # type: ignore[index]
    assert client.get("/whoami").json["addr"] == "127.0.0.1"  # type: ignore[index]

    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    client.environ_base["HTTP_USER_AGENT"] = "pytest-browser"
    data = client.get("/whoami").json
    assert data == {
        "addr": "192.0.2.7",
        "agent": "pytest-browser",
        "user": None,
        "cookie": None,
    }


def test_open_takes_an_environ_builder_or_environ(
    app: Jigger, client: FlaskClient
) -> None:
    builder = EnvironBuilder(app, "/whoami", headers={"User-Agent": "built"})
    try:
        rv = client.open(builder)
        assert rv.json == {
            "addr": "127.0.0.1",
            "agent": "built",
            "user": None,
            "cookie": None,
        }
        rv = client.open(builder.get_environ())
        assert rv.json["agent"] == "built"  # type: ignore[index]
    finally:
        builder.close()


def test_environ_builder_defaults(app: Jigger) -> None:
    builder = EnvironBuilder(app, "/search?q=x")
    environ = builder.get_environ()
    builder.close()
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/search"
    assert environ["QUERY_STRING"] == "q=x"
    assert environ["wsgi.url_scheme"] == "http"


def test_environ_builder_uses_server_name_and_application_root(app: Jigger) -> None:
    app.config.update(
        SERVER_NAME="shop.example:8443",
        APPLICATION_ROOT="/store",
        PREFERRED_URL_SCHEME="https",
    )
    builder = EnvironBuilder(app, "/cart")
    environ = builder.get_environ()
    builder.close()
    assert environ["HTTP_HOST"] == "shop.example:8443"
    assert environ["SERVER_PORT"] == "8443"
    assert environ["SCRIPT_NAME"] == "/store"
    assert environ["PATH_INFO"] == "/cart"
    assert environ["wsgi.url_scheme"] == "https"

    with app.test_request_context("/cart"):
        assert request.url == "https://shop.example:8443/store/cart"
        assert url_for("index") == "/store/"


def test_environ_builder_subdomain_and_url_scheme(app: Jigger) -> None:
    app.config["SERVER_NAME"] = "shop.example"
    builder = EnvironBuilder(app, "/", subdomain="api", url_scheme="https")
    environ = builder.get_environ()
    builder.close()
    assert environ["HTTP_HOST"] == "api.shop.example"
    assert environ["wsgi.url_scheme"] == "https"


def test_environ_builder_full_url_wins(app: Jigger) -> None:
    app.config["SERVER_NAME"] = "shop.example"
    builder = EnvironBuilder(app, "https://other.example/x?y=1")
    environ = builder.get_environ()
    builder.close()
    assert environ["HTTP_HOST"] == "other.example"
    assert environ["wsgi.url_scheme"] == "https"
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/x", "y=1")


def test_environ_builder_refuses_base_url_with_subdomain(app: Jigger) -> None:
    with pytest.raises(ValueError, match="base_url"):
        EnvironBuilder(app, "/", base_url="http://a.example/", subdomain="api")
    with pytest.raises(ValueError, match="base_url"):
        EnvironBuilder(app, "/", base_url="http://a.example/", url_scheme="https")


def test_client_requests_a_subdomain() -> None:
    app = Jigger("subdomains", subdomain_matching=True)
    app.config["SERVER_NAME"] = "shop.example"
    app.add_url_rule("/", "api_index", lambda: "api", subdomain="api")
    app.add_url_rule("/", "www_index", lambda: "www")
    client = app.test_client()
    assert client.get("/", subdomain="api").text == "api"
    assert client.get("/").text == "www"
    assert client.get("/", subdomain="nope").status_code == 404


# -- customisation -----------------------------------------------------------


class TokenClient(FlaskClient):
    """A client that logs every request in with a token."""

    def __init__(self, *args: t.Any, token: str = "", **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = token

    def open(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        headers = kwargs.setdefault("headers", {})
        headers["Authorization"] = f"Bearer {self.token}"
        return super().open(*args, **kwargs)


def test_custom_test_client_class(app: Jigger) -> None:
    @app.get("/auth")
    def auth() -> str:
        return request.headers.get("Authorization", "none")

    app.test_client_class = TokenClient
    client = app.test_client(token="s3cret")
    assert isinstance(client, TokenClient)
    assert client.get("/auth").text == "Bearer s3cret"
    with client:
        client.get("/auth")
        assert request.headers["Authorization"] == "Bearer s3cret"


def test_custom_response_class_is_used_by_the_client(app: Jigger) -> None:
    class MyResponse(Response):
        def shout(self) -> str:
            return self.get_data(as_text=True).upper()

    app.response_class = MyResponse
    rv = app.test_client().get("/")
    assert isinstance(rv, MyResponse)
    assert rv.shout() == "INDEX"
