"""A jigger application for the real-server test, served by gunicorn.

``tests/framework/test_server.py`` starts ``gunicorn portapp.server_app:app``
with ``tests/framework`` on the path. ``PORTAPP_TOKEN`` from the environment is
echoed by ``/token`` so the test knows it reached its own server process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from jigger import Jigger, abort, request, stream_with_context
from jigger.typing import ResponseReturnValue

TOKEN = os.environ.get("PORTAPP_TOKEN", "")
STOCK = {1: "gin", 2: "vermouth", 3: "bitters"}

app = Jigger(__name__)


@app.get("/")
def index() -> str:
    return "Hello from gunicorn"


@app.get("/token")
def token() -> str:
    return TOKEN


@app.get("/items/<int:item_id>")
def item(item_id: int) -> ResponseReturnValue:
    if item_id not in STOCK:
        abort(404)
    return {"id": item_id, "name": STOCK[item_id]}


@app.post("/order")
def order() -> str:
    return f"{request.form['name']} ordered {request.form['drink']}"


@app.post("/echo")
def echo() -> ResponseReturnValue:
    data = request.get_json()
    return {"received": data, "type": type(data).__name__}


@app.get("/count/<int:upto>")
def count(upto: int) -> ResponseReturnValue:
    def numbers() -> Iterator[str]:
        step = request.args.get("step", "1")
        for number in range(0, upto, int(step)):
            yield f"{number}\n"

    return stream_with_context(numbers())


@app.get("/boom")
def boom() -> str:
    raise RuntimeError("the cellar key is under the mat")
