"""A small bar-keeping application written against Flask's public API.

``tests/framework/test_port.py`` executes this file twice: once exactly as it
is, and once with only the ``from flask ...`` import lines changed to
``from jigger ...``. Everything below the imports must therefore behave the
same on both frameworks.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    after_this_request,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter


class BarSettings:
    """Settings loaded with ``config.from_object``; only upper case names count."""

    HOUSE_SPIRIT = "gin"
    MAX_POUR_ML = 50
    happy_hour = "lower case names are not configuration"


class PlusListConverter(BaseConverter):
    """Matches ``gin+tonic+lime`` and hands the view ``["gin", "tonic", "lime"]``."""

    regex = r"[a-z]+(?:\+[a-z]+)*"

    def to_python(self, value: str) -> list[str]:
        return value.split("+")

    def to_url(self, value: list[str]) -> str:
        quote_part = super().to_url
        return "+".join(quote_part(part) for part in value)


@dataclass
class Drink:
    name: str
    abv: float


class BarError(Exception):
    """Base class of this bar's own failures."""


class OutOfStock(BarError):
    """Raised when an ingredient ran out; has a more specific handler."""

    def __init__(self, item: str) -> None:
        super().__init__(f"no {item} left")
        self.item = item


app = Flask(__name__)
app.config.from_object(BarSettings)
app.config.from_mapping(
    BAR_NAME="The Jigger",
    SERVER_NAME="bar.example",
    PREFERRED_URL_SCHEME="https",
)
app.url_map.converters["plus"] = PlusListConverter

DRINKS: dict[int, Drink] = {1: Drink("negroni", 24.0), 2: Drink("gimlet", 30.0)}
TEARDOWN_LOG: list[str | None] = []


# Hooks


@app.before_request
def open_tab() -> ResponseReturnValue | None:
    g.bartender = request.headers.get("X-Bartender", "nobody")
    if request.path.startswith("/closed/"):
        return "we are closed", 503
    return None


@app.after_request
def stamp(response: Response) -> Response:
    response.headers["X-Bar"] = current_app.config["BAR_NAME"]
    return response


@app.teardown_request
def close_tab(error: BaseException | None) -> None:
    TEARDOWN_LOG.append(None if error is None else type(error).__name__)


@app.url_value_preprocessor
def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values is not None and "lang" in values:
        g.lang = values.pop("lang")


@app.url_defaults
def add_lang(endpoint: str, values: dict[str, Any]) -> None:
    if "lang" in values or endpoint not in app.view_functions:
        return  # unknown endpoints are left to url_for's BuildError
    if app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = g.get("lang", "en")


# Error handlers


@app.errorhandler(404)
def not_found(error: HTTPException) -> ResponseReturnValue:
    return {"error": "not found", "path": request.path}, 404


@app.errorhandler(BarError)
def bar_error(error: BarError) -> ResponseReturnValue:
    return {"error": "bar", "detail": str(error)}, 400


def out_of_stock(error: OutOfStock) -> ResponseReturnValue:
    return jsonify(error="out of stock", item=error.item), 409


app.register_error_handler(OutOfStock, out_of_stock)


# Views


@app.route("/")
def index() -> str:
    return f"Welcome to {current_app.config['BAR_NAME']}"


@app.get("/drinks")
def list_drinks() -> ResponseReturnValue:
    by_strength = request.args.get("sort") == "abv"
    rows = sorted(
        DRINKS.items(), key=lambda item: -item[1].abv if by_strength else item[0]
    )
    return {
        "count": len(rows),
        "drinks": [{"id": key, "name": drink.name} for key, drink in rows],
    }


@app.post("/drinks")
def add_drink() -> ResponseReturnValue:
    data = request.get_json()
    if not isinstance(data, dict) or "name" not in data:
        abort(400, description="A drink needs a name.")
    new_id = max(DRINKS, default=0) + 1
    DRINKS[new_id] = Drink(str(data["name"]), float(data.get("abv", 0)))
    return {"id": new_id}, 201, {"Location": url_for("drink", drink_id=new_id)}


@app.route("/drinks/<int:drink_id>", methods=["GET", "PUT", "DELETE"])
def drink(drink_id: int) -> ResponseReturnValue:
    found = DRINKS.get(drink_id)
    if found is None:
        abort(404)
    if request.method == "DELETE":
        del DRINKS[drink_id]
        return "", 204
    if request.method == "PUT":
        changes = request.get_json(silent=True) or {}
        found.abv = float(changes.get("abv", found.abv))
    return jsonify(found)


@app.get("/shelf/<path:where>")
def shelf(where: str) -> str:
    return f"shelf: {where}"


@app.get("/mix/<plus:parts>")
def mix(parts: list[str]) -> ResponseReturnValue:
    return {"parts": parts, "reversed": url_for("mix", parts=parts[::-1])}


@app.get("/menu")
def menu() -> ResponseReturnValue:
    return redirect(url_for("list_drinks", sort="abv"))


@app.get("/old-menu")
def old_menu() -> ResponseReturnValue:
    return redirect(url_for("menu"), code=301)


@app.get("/cellar/")
def cellar() -> str:
    return "down the stairs"


@app.get("/links")
def links() -> ResponseReturnValue:
    return {
        "plain": url_for("drink", drink_id=7),
        "external": url_for("drink", drink_id=7, _external=True),
        "anchored": url_for("list_drinks", page=2, _anchor="top"),
        "for_delete": url_for("drink", drink_id=7, _method="DELETE"),
        "mix": url_for("mix", parts=["rum", "cola"]),
    }


def external_drink_url(drink_id: int) -> str:
    """Build an absolute link outside any request, the way a mailing job would."""
    with app.app_context():
        return url_for("drink", drink_id=drink_id, _external=True)


@app.get("/whoami")
def whoami() -> str:
    return f"served by {g.bartender}"


@app.get("/tip")
def tip() -> str:
    @after_this_request
    def thank(response: Response) -> Response:
        response.headers["X-Tip"] = "thanks"
        return response

    return "tip received"


@app.get("/pour/<int:count>")
def pour(count: int) -> ResponseReturnValue:
    def measures() -> Iterator[str]:
        # Reads the request while the body is being sent, after the view returned.
        glass = request.args.get("glass", "rocks")
        for number in range(1, count + 1):
            yield f"{number} {glass}\n"

    return stream_with_context(measures())


@app.get("/recipe/<name>")
def recipe(name: str) -> ResponseReturnValue:
    response = make_response(f"recipe for {name}")
    response.headers["X-Recipe"] = name
    response.mimetype = "text/plain"
    return response


@app.get("/teapot")
def teapot() -> ResponseReturnValue:
    return "short and stout", 418


@app.get("/tagged")
def tagged() -> ResponseReturnValue:
    return "tagged", {"X-Tag": "lime"}


@app.get("/queued")
def queued() -> ResponseReturnValue:
    return "queued", 202, [("X-Queue-Position", "3")]


@app.get("/label")
def label() -> bytes:
    return b"\x00raw label\xff"


@app.get("/menu.txt")
def menu_text() -> Response:
    return Response("gin\ntonic\n", mimetype="text/plain")


@app.get("/stock")
def stock() -> ResponseReturnValue:
    return jsonify(tonic=0, gin=3)


@app.get("/stock/list")
def stock_list() -> ResponseReturnValue:
    return jsonify(["gin", "tonic"])


@app.get("/specials")
def specials() -> ResponseReturnValue:
    return {
        "drink": Drink("spritz", 11.0),
        "price": decimal.Decimal("9.50"),
        "day": datetime.date(2025, 1, 3),
        "batch": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    }


@app.get("/members")
def members() -> ResponseReturnValue:
    abort(403, description="Members only, sorry.")


@app.get("/sold-out/<item>")
def sold_out(item: str) -> ResponseReturnValue:
    raise OutOfStock(item)


@app.get("/broken-glass")
def broken_glass() -> ResponseReturnValue:
    raise BarError("a glass broke")


@app.get("/boom")
def boom() -> ResponseReturnValue:
    raise RuntimeError("the secret ice recipe")


@app.get("/<lang>/greeting")
def greeting() -> ResponseReturnValue:
    words = {"en": "cheers", "fr": "santé", "de": "prost"}
    return {"word": words.get(g.lang, "?"), "self": url_for("greeting")}


def forgot_to_return() -> None:
    g.note = "poured, but never served"


# Registered without the decorator: the view is wrong on purpose.
app.add_url_rule("/forgot", view_func=forgot_to_return)  # type: ignore[arg-type]


@app.get("/closed/<path:rest>")
def closed(rest: str) -> str:
    return "you should never see this"
