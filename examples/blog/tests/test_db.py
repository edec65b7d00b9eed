"""The database: one connection per app context, and the init-db command."""

from __future__ import annotations

import sqlite3

import pytest
from blog.db import get_db

from jigger import Jigger
from jigger.testing import FlaskCliRunner


def test_one_connection_per_context_closed_at_the_end(app: Jigger) -> None:
    with app.app_context():
        db = get_db()
        assert get_db() is db
        assert db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2

    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_each_context_gets_its_own_connection(app: Jigger) -> None:
    with app.app_context():
        first = get_db()
    with app.app_context():
        assert get_db() is not first


def test_rows_are_read_by_column_name(app: Jigger) -> None:
    with app.app_context():
        row = get_db().execute("SELECT username FROM users WHERE id = 1").fetchone()
    assert row["username"] == "ada"


def test_deleting_a_user_deletes_their_posts(app: Jigger) -> None:
    # foreign keys are switched on for every connection
    with app.app_context():
        db = get_db()
        db.execute("DELETE FROM users WHERE username = 'ada'")
        assert db.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 0


def test_init_db_command_empties_the_tables(
    app: Jigger, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Created empty tables in {app.config['DATABASE']}\n"
    with app.app_context():
        db = get_db()
        assert db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 0


def test_init_db_command_is_listed_with_its_help(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["--help"])
    assert "init-db" in result.output
    assert "Create empty tables" in result.output
