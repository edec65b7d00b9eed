"""Fixtures shared by the framework tests: the ``app`` most tests start
from, and the fixtures for tests that run Flask-written code on jigger."""

from __future__ import annotations

import sys
import typing as t

import pytest

from jigger import Jigger

#: Flask extensions whose modules bind ``flask`` names when imported: a test
#: imports them afresh under the alias, and they are forgotten afterwards.
EXTENSION_MODULES = (
    "flask_caching",
    "flask_cors",
    "flask_login",
    "flask_sqlalchemy",
    "flask_wtf",
)


def _hide(prefixes: tuple[str, ...]) -> dict[str, t.Any]:
    found = {
        name: module
        for name, module in sys.modules.items()
        if any(name == p or name.startswith(p + ".") for p in prefixes)
    }
    for name in found:
        del sys.modules[name]
    return found


@pytest.fixture
def app(request: pytest.FixtureRequest) -> Jigger:
    """A new application in testing mode (errors reach the test), named
    after the test module (``test_ctx`` for ``tests/framework/test_ctx.py``)
    and with a secret key, so that sessions and flashing work. A module
    that needs more (routes, another root) extends it with its own ``app``
    fixture that takes this one."""
    name = request.module.__name__.rpartition(".")[2]
    made = Jigger(name)
    made.testing = True
    made.secret_key = f"{name} secret"
    return made


@pytest.fixture
def no_flask_imported() -> t.Iterator[None]:
    """Run the test as if nothing had imported Flask or its extensions (the
    porting tests import the real Flask into the same process), and put the
    real modules back afterwards."""
    prefixes = ("flask", *EXTENSION_MODULES)
    saved = _hide(prefixes)
    try:
        yield
    finally:
        _hide(prefixes)
        sys.modules.update(saved)


@pytest.fixture
def flask_alias_on(no_flask_imported: None) -> t.Iterator[None]:
    """``import flask`` imports jigger during the test."""
    from jigger.compat import install_flask_alias, uninstall_flask_alias

    install_flask_alias()
    try:
        yield
    finally:
        uninstall_flask_alias()
