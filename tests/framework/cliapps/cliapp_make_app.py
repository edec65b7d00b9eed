"""A factory named make_app."""

from __future__ import annotations

from jigger import Jigger


def make_app() -> Jigger:
    return Jigger("made_by_make_app")
