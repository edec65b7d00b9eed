"""One app under the conventional name 'app', with a custom command."""

from __future__ import annotations

import click

from jigger import Jigger, current_app

app = Jigger(__name__)


@app.get("/")
def index() -> str:
    return "index"


@app.post("/items/<int:item_id>")
def update_item(item_id: int) -> str:
    return str(item_id)


@app.cli.command("greet")
@click.argument("name")
def greet(name: str) -> None:
    click.echo(f"hello {name} from {current_app.name}, debug={current_app.debug}")
