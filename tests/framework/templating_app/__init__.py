"""A small application laid out by convention, for the templating and
static file tests: ``templates/`` and ``static/`` beside this package, and
blueprints with their own folders."""

from __future__ import annotations

import typing as t

from jigger import Jigger, render_template

from .admin import admin
from .shop import shop


def create_app(**options: t.Any) -> Jigger:
    """A fresh application; ``options`` go to :class:`~jigger.Jigger`."""
    app = Jigger(__name__, **options)
    app.config["SECRET_KEY"] = "templating-tests"

    @app.get("/")
    def index() -> str:
        return render_template("index.html", name="<World>")

    @app.get("/shadowed")
    def shadowed() -> str:
        return render_template("shadowed.html")

    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(shop, url_prefix="/shop")
    return app
