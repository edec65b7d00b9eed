"""A package with a factory and a blueprint that brings CLI commands."""

from __future__ import annotations

from jigger import Jigger


def create_app() -> Jigger:
    from .admin import bp

    app = Jigger(__name__)
    app.register_blueprint(bp)

    @app.shell_context_processor
    def extra() -> dict[str, object]:
        return {"answer": 42}

    return app
