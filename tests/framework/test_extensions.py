"""Flask's best-known extensions, used on jigger as their docs show.

Each test imports the extension with ``import flask`` aliased to jigger
(:mod:`jigger.compat`), builds a small app the way the extension's own
documentation does, and checks what a user of that app would see. The
extensions' own test suites run in ``nox -s extensions``.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest

import jigger

pytestmark = pytest.mark.usefixtures("flask_alias_on")


def _app(name: str) -> jigger.Jigger:
    from flask import Flask

    app = Flask(name)
    app.config.update(SECRET_KEY="extension tests", TESTING=True)
    return app


# -- Flask-SQLAlchemy ----------------------------------------------------------


def _sqlalchemy_app(tmp_path: Path) -> tuple[jigger.Jigger, t.Any]:
    import sqlalchemy as sa
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.pool import QueuePool

    app = _app("sqlalchemy_app")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.db'}"
    # Two connections and no overflow: a request that keeps its session
    # (and so its connection) makes the third request wait for the pool.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "poolclass": QueuePool,
        "pool_size": 2,
        "max_overflow": 0,
        "pool_timeout": 2,
    }
    db = SQLAlchemy(app)
    assert app.extensions["sqlalchemy"] is db

    class Drink(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(40), nullable=False)

    @app.post("/drinks/<name>")
    def add(name: str) -> dict[str, int]:
        db.session.add(Drink(name=name))
        db.session.commit()
        return {"count": db.session.scalar(sa.select(sa.func.count(Drink.id)))}

    @app.get("/drinks")
    def names() -> list[str]:
        return [d.name for d in db.session.scalars(sa.select(Drink).order_by(Drink.id))]

    with app.app_context():
        db.create_all()
    return app, db


def test_sqlalchemy_pool_of_two_serves_fifty_requests(tmp_path: Path) -> None:
    """Each request's session is removed at the end of its application
    context, so its connection goes back to the pool."""
    app, db = _sqlalchemy_app(tmp_path)
    client = app.test_client()
    statuses = []
    for n in range(50):
        response = client.post(f"/drinks/d{n}")
        statuses.append(response.status_code)
    assert statuses == [200] * 50
    assert response.json == {"count": 50}
    assert client.get("/drinks").json[:3] == ["d0", "d1", "d2"]
    # No session is left behind, and no connection is checked out.
    assert len(db.session.registry.registry) == 0
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
        db.engine.dispose()


def test_sqlalchemy_session_is_removed_for_errors_too(tmp_path: Path) -> None:
    app, db = _sqlalchemy_app(tmp_path)
    app.testing = False  # answer 500 instead of raising in the test

    @app.get("/boom")
    def boom() -> str:
        db.session.execute(db.text("select 1"))
        raise ValueError("boom")

    client = app.test_client()
    for _ in range(5):
        assert client.get("/boom").status_code == 500
    assert len(db.session.registry.registry) == 0
    with app.app_context():
        db.engine.dispose()


def test_sqlalchemy_factory_and_cli_command(tmp_path: Path) -> None:
    """The app-factory pattern with init_app, and a plain click command (the
    tutorial's init-db) that uses the extension through current_app."""
    import click
    import sqlalchemy as sa
    from flask import Flask
    from flask.cli import FlaskGroup
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    class Guest(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    def create_app() -> Flask:
        app = Flask("factory_app")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'f.db'}"
        db.init_app(app)

        @click.command("init-db")
        def init_db() -> None:
            db.create_all()
            click.echo(f"tables: {sorted(db.metadata.tables)}")

        app.cli.add_command(init_db)
        return app

    from click.testing import CliRunner

    result = CliRunner().invoke(FlaskGroup(create_app=create_app), ["init-db"])
    assert result.exit_code == 0, result.output
    assert result.output == "tables: ['guest']\n"
    app = create_app()
    assert app.extensions["sqlalchemy"] is db
    with app.app_context():
        assert sa.inspect(db.engine).get_table_names() == ["guest"]
        db.engine.dispose()


# -- Flask-Login ---------------------------------------------------------------


def test_login_logs_a_user_in_and_out() -> None:
    from flask import redirect, render_template_string
    from flask_login import (
        LoginManager,
        UserMixin,
        current_user,
        login_required,
        login_user,
        logout_user,
    )

    app = _app("login_app")
    manager = LoginManager()
    manager.init_app(app)  # the factory pattern
    assert app.login_manager is manager

    class User(UserMixin):
        def __init__(self, user_id: str) -> None:
            self.id = user_id

    @manager.user_loader
    def load(user_id: str) -> User:
        return User(user_id)

    @app.post("/login/<name>")
    def login(name: str) -> t.Any:
        login_user(User(name))
        return redirect("/me")

    @app.get("/me")
    @login_required
    def me() -> str:
        # current_user in a template comes from the extension's context
        # processor.
        return render_template_string("{{ current_user.id }}") + f"/{current_user.id}"

    @app.post("/logout")
    def logout() -> str:
        logout_user()
        return "bye"

    from flask_login import user_logged_in, user_logged_out

    signals: list[str] = []

    # Kept in variables: blinker holds receivers weakly.
    def logged_in(sender: t.Any, user: t.Any) -> None:
        signals.append(f"in {user.id}")

    def logged_out(sender: t.Any, user: t.Any) -> None:
        signals.append(f"out {user.id}")

    user_logged_in.connect(logged_in, app)
    user_logged_out.connect(logged_out, app)

    client = app.test_client()
    assert client.get("/me").status_code == 401
    assert client.post("/login/ada", follow_redirects=True).text == "ada/ada"
    assert client.get("/me").text == "ada/ada"
    client.post("/logout")
    assert client.get("/me").status_code == 401
    assert signals == ["in ada", "out ada"]


# -- Flask-WTF -----------------------------------------------------------------


def test_wtf_form_with_csrf_protection() -> None:
    from flask_wtf import FlaskForm
    from flask_wtf.csrf import CSRFProtect
    from wtforms import StringField
    from wtforms.validators import DataRequired

    app = _app("wtf_app")
    app.config["TESTING"] = False  # keep CSRF checks on
    CSRFProtect(app)

    class DrinkForm(FlaskForm):
        name = StringField("name", validators=[DataRequired()])

    @app.route("/drink", methods=["GET", "POST"])
    def drink() -> str:
        form = DrinkForm()
        if form.validate_on_submit():
            return f"saved {form.name.data}"
        return f"<form>{form.csrf_token()} {form.errors}</form>"

    client = app.test_client()
    token = re.search(r'value="([^"]+)"', client.get("/drink").text)
    assert token is not None
    refused = client.post("/drink", data={"name": "negroni"})
    assert refused.status_code == 400
    assert "CSRF token is missing" in refused.text
    ok = client.post("/drink", data={"name": "negroni", "csrf_token": token[1]})
    assert ok.text == "saved negroni"
    empty = client.post("/drink", data={"name": "", "csrf_token": token[1]})
    assert "This field is required." in empty.text


# -- Flask-Cors ----------------------------------------------------------------


def test_cors_headers_and_preflight() -> None:
    from flask_cors import CORS

    app = _app("cors_app")
    CORS(app, resources={r"/api/*": {"origins": "https://bar.example"}})

    @app.route("/api/drinks", methods=["GET", "PUT"])
    def drinks() -> list[str]:
        return ["negroni"]

    @app.get("/private")
    def private() -> str:
        return "no cors"

    client = app.test_client()
    origin = {"Origin": "https://bar.example"}
    response = client.get("/api/drinks", headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "https://bar.example"
    assert response.json == ["negroni"]
    preflight = client.options(
        "/api/drinks",
        headers={**origin, "Access-Control-Request-Method": "PUT"},
    )
    assert preflight.status_code == 200
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    other = client.get("/api/drinks", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/private", headers=origin).headers
    )


# -- Flask-Caching -------------------------------------------------------------


def test_caching_a_view_and_a_function() -> None:
    from flask_caching import Cache

    app = _app("caching_app")
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    assert cache in app.extensions["cache"]
    calls = {"view": 0, "price": 0}

    @app.get("/menu")
    @cache.cached(timeout=60)
    def menu() -> str:
        calls["view"] += 1
        return f"menu #{calls['view']}"

    @cache.memoize(timeout=60)
    def price(drink: str) -> int:
        calls["price"] += 1
        return len(drink)

    client = app.test_client()
    assert client.get("/menu").text == "menu #1"
    assert client.get("/menu").text == "menu #1"
    with app.app_context():
        assert (price("negroni"), price("negroni"), price("spritz")) == (7, 7, 6)
        cache.clear()
    assert client.get("/menu").text == "menu #2"
    assert calls == {"view": 2, "price": 2}
