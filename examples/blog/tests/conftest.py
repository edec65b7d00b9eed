"""Fixtures for the blog's tests: a fresh app and database for every test."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from blog import create_app
from blog.db import get_db, init_db
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from jigger import Jigger
from jigger.testing import FlaskClient, FlaskCliRunner

# Two accounts and one post, present in every test's database. A cheap hash
# method keeps the tests fast; the app itself uses werkzeug's default.
PASSWORDS = {"ada": "analytical-engine", "grace": "compiler-1952"}


def _seed() -> None:
    db = get_db()
    with db:
        for name, password in PASSWORDS.items():
            db.execute(
                "INSERT INTO users (username, password_hash) VALUES (?, ?)",
                (name, generate_password_hash(password, "pbkdf2:sha256:1000")),
            )
        db.execute(
            "INSERT INTO posts (author_id, title, body, created_at)"
            " VALUES (1, 'Notes on the engine', 'It weaves algebraic patterns.',"
            " '2025-12-10 09:00:00')"
        )


@pytest.fixture
def app(tmp_path: Path) -> Jigger:
    """The blog, with its database in a temporary folder."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "tests-only",
            "DATABASE": str(tmp_path / "blog.sqlite"),
        }
    )
    with app.app_context():
        init_db()
        _seed()
    return app


@pytest.fixture
def client(app: Jigger) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Jigger) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def log_in(client: FlaskClient) -> t.Callable[..., TestResponse]:
    """Log ``client`` in; the password defaults to the seeded one."""

    def log_in(username: str = "ada", password: str | None = None) -> TestResponse:
        if password is None:
            password = PASSWORDS[username]
        return client.post(
            "/auth/login", data={"username": username, "password": password}
        )

    return log_in
