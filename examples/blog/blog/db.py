"""The blog's database: one SQLite connection per application context.

A view calls :func:`get_db`; the first call in a context opens the
connection and keeps it on :data:`jigger.g`, later calls get the same one,
and :func:`close_db` closes it when the context ends, whatever happened.
"""

from __future__ import annotations

import sqlite3

import click

from jigger import Jigger, current_app, g


def get_db() -> sqlite3.Connection:
    """The connection of the current application context."""
    conn: sqlite3.Connection | None = g.get("db")
    if conn is None:
        conn = sqlite3.connect(current_app.config["DATABASE"])
        # rows behave like tuples and like mappings: row["title"]
        conn.row_factory = sqlite3.Row
        # SQLite checks REFERENCES clauses only when asked to
        conn.execute("PRAGMA foreign_keys = ON")
        g.db = conn
    return conn


def close_db(exc: BaseException | None = None) -> None:
    """Close the context's connection, if a view opened one."""
    conn: sqlite3.Connection | None = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_db() -> None:
    """Create the tables from ``schema.sql``, dropping any that exist."""
    conn = get_db()
    with current_app.open_resource("schema.sql", "r", encoding="utf-8") as f:
        conn.executescript(f.read())


def init_db_command() -> None:
    """Create empty tables (existing posts and accounts are deleted)."""
    init_db()
    click.echo(f"Created empty tables in {current_app.config['DATABASE']}")


def init_app(app: Jigger) -> None:
    """Register the database's teardown and its command with ``app``."""
    app.teardown_appcontext(close_db)
    # app.cli.command runs the command inside an application context, so
    # get_db() and current_app work in it as they do in a view.
    app.cli.command("init-db")(init_db_command)
