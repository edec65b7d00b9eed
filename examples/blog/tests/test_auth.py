"""Accounts: registering, logging in and out, and guarded views."""

from __future__ import annotations

import typing as t

import pytest
from blog.auth import is_local_path
from blog.db import get_db
from werkzeug.security import check_password_hash
from werkzeug.test import TestResponse

from jigger import Jigger, g, session
from jigger.testing import FlaskClient

LogIn = t.Callable[..., TestResponse]  # the log_in fixture of conftest.py


def test_register_page_shows_a_form(client: FlaskClient) -> None:
    response = client.get("/auth/register")
    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert 'type="password"' in response.text


def test_register_stores_a_hash_not_the_password(
    app: Jigger, client: FlaskClient
) -> None:
    response = client.post(
        "/auth/register", data={"username": "alan", "password": "enigma-1940"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    with app.app_context():
        row = (
            get_db()
            .execute("SELECT password_hash FROM users WHERE username = 'alan'")
            .fetchone()
        )
    assert row["password_hash"] != "enigma-1940"
    assert check_password_hash(row["password_hash"], "enigma-1940")


def test_the_login_page_welcomes_a_new_user(client: FlaskClient) -> None:
    response = client.post(
        "/auth/register",
        data={"username": "alan", "password": "enigma-1940"},
        follow_redirects=True,
    )
    assert response.request.path == "/auth/login"
    assert "Welcome aboard, alan!" in response.text


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "long enough", "A username has 3 to 30"),
        ("al", "long enough", "A username has 3 to 30"),
        ("no spaces", "long enough", "A username has 3 to 30"),
        ("alan", "short", "at least 8 characters"),
        ("ada", "long enough", "The name &#39;ada&#39; is taken"),
    ],
)
def test_register_refuses_bad_input(
    app: Jigger, client: FlaskClient, username: str, password: str, message: str
) -> None:
    response = client.post(
        "/auth/register", data={"username": username, "password": password}
    )
    assert response.status_code == 200
    assert message in response.text
    # what was typed is kept in the form
    assert f'value="{username}"' in response.text
    with app.app_context():
        count = get_db().execute("SELECT COUNT(*) FROM users").fetchone()[0]
    assert count == 2


def test_login_remembers_the_user(client: FlaskClient, log_in: LogIn) -> None:
    assert client.get("/auth/login").status_code == 200
    response = log_in("grace")
    assert response.headers["Location"] == "/"

    with client:
        client.get("/")
        assert session["user_id"] == 2
        assert g.user["username"] == "grace"


@pytest.mark.parametrize(
    ("username", "password"), [("ada", "not her password"), ("nobody", "whatever1")]
)
def test_login_refuses_wrong_credentials_with_one_message(
    client: FlaskClient, log_in: LogIn, username: str, password: str
) -> None:
    response = log_in(username, password)
    assert response.status_code == 200
    assert "That username and password do not match." in response.text
    with client:
        client.get("/")
        assert "user_id" not in session
        assert g.user is None


def test_logout_forgets_the_user(client: FlaskClient, log_in: LogIn) -> None:
    log_in()
    response = client.post("/auth/logout", follow_redirects=True)
    assert "You are logged out." in response.text
    with client:
        client.get("/")
        assert "user_id" not in session


def test_logout_is_not_a_get(client: FlaskClient, log_in: LogIn) -> None:
    log_in()
    assert client.get("/auth/logout").status_code == 405
    with client:
        client.get("/")
        assert session["user_id"] == 1


def test_guarded_page_sends_visitors_to_login_and_back(
    client: FlaskClient,
) -> None:
    response = client.get("/posts/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/posts/new"

    form = client.get(response.headers["Location"]).text
    assert 'name="next"\n           value="/posts/new"' in form

    response = client.post(
        "/auth/login",
        data={"username": "ada", "password": "analytical-engine", "next": "/posts/new"},
    )
    assert response.headers["Location"] == "/posts/new"


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:x"]
)
def test_login_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.post(
        "/auth/login",
        data={"username": "ada", "password": "analytical-engine", "next": target},
    )
    assert response.headers["Location"] == "/"


def test_is_local_path() -> None:
    assert is_local_path("/posts/1/edit")
    assert not is_local_path("")
    assert not is_local_path("posts")
    assert not is_local_path("//evil.test")
