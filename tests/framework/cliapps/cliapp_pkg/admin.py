"""A blueprint with its own command group."""

from __future__ import annotations

import click

from jigger import Blueprint, current_app

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def dashboard() -> str:
    return "dashboard"


@bp.cli.command("init-db")
def init_db() -> None:
    click.echo(f"initialised the database of {current_app.name}")
