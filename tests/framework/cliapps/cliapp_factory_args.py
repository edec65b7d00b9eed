"""A factory that cannot be called without arguments."""

from __future__ import annotations

from jigger import Jigger


def create_app(config_name: str) -> Jigger:
    return Jigger(config_name)
