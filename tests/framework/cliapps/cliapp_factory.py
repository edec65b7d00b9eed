"""Factories: create_app with an optional argument, and one needing arguments."""

from __future__ import annotations

from jigger import Jigger


def create_app(flavour: str = "default") -> Jigger:
    app = Jigger(f"factory_{flavour}")
    app.config["FLAVOUR"] = flavour
    return app


def make_named(name: str, *, testing: bool = False) -> Jigger:
    app = Jigger(name)
    app.testing = testing
    return app


def not_an_app() -> str:
    return "a string"
