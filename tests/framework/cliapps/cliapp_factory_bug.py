"""A factory whose body raises TypeError: the user's bug must show as is."""

from __future__ import annotations

from jigger import Jigger


def create_app() -> Jigger:
    return Jigger(1 + "one")  # type: ignore[operator]
