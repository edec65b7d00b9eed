"""Run code written for Flask on jigger, unchanged: an opt-in import alias.

Flask extensions and older applications say ``import flask`` and
``from flask.globals import app_ctx``. :func:`install_flask_alias` makes
those imports return jigger's modules: ``flask`` reads through to
:mod:`jigger` (only ``flask.__version__`` differs, see
:data:`FLASK_VERSION`), ``flask.globals`` is :mod:`jigger.globals`,
``flask.sansio.scaffold`` is :mod:`jigger.sansio.scaffold`, and so on for
every module of the package.
Nothing is aliased until it is called, and :func:`uninstall_flask_alias`
takes the aliases away again.

Call it before anything imports Flask, at the very top of the program (or
of a test suite's ``conftest.py``)::

    from jigger.compat import install_flask_alias

    install_flask_alias()

    from flask_login import LoginManager  # uses jigger from here on

If the real Flask is already imported, the alias is refused: two
frameworks in one process would each see only half of the contexts.

>>> import sys
>>> from jigger.compat import flask_alias
>>> with flask_alias():
...     import flask.globals
...     flask.globals is sys.modules["jigger.globals"]
True
>>> "flask" in sys.modules
False
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import pkgutil
import sys
import typing as t
from types import ModuleType

__all__ = [
    "FLASK_VERSION",
    "flask_alias",
    "install_flask_alias",
    "uninstall_flask_alias",
]

#: What ``flask.__version__`` says under the alias: the Flask release whose
#: API jigger follows and whose own test suite it runs. Code that picks a
#: branch by Flask's version then takes the one for that release.
#: jigger's own version is :data:`jigger.__version__`.
FLASK_VERSION = "3.1.3"

_ALIAS = "flask"
_PACKAGE = "jigger"
#: Modules that make no sense under Flask's name: running ``python -m
#: flask`` should not start jigger's command, and this module aliases.
_NOT_ALIASED = frozenset({"jigger.__main__", "jigger.cli.__main__", "jigger.compat"})


class _FlaskPackage(ModuleType):
    """``flask`` under the alias: every attribute is the :mod:`jigger`
    package's, read and written through, except ``__version__``
    (:data:`FLASK_VERSION`) and the module's own name and spec."""

    def __init__(self, package: ModuleType) -> None:
        super().__init__(_ALIAS, package.__doc__)
        spec = importlib.machinery.ModuleSpec(_ALIAS, None, is_package=True)
        spec.submodule_search_locations = list(package.__path__)
        own = {
            "_jigger": package,
            "__version__": FLASK_VERSION,
            "__spec__": spec,
            "__path__": list(package.__path__),
            "__file__": package.__file__,
        }
        self.__dict__.update(own)

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.__dict__["_jigger"], name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self.__dict__["_jigger"], name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self.__dict__["_jigger"], name)

    def __dir__(self) -> list[str]:
        return dir(self.__dict__["_jigger"])

    def __repr__(self) -> str:
        return "<module 'flask' (jigger, through jigger.compat)>"


def _jigger_modules() -> list[ModuleType]:
    """Import and return jigger and each of its modules, packages first."""
    package = importlib.import_module(_PACKAGE)
    modules = [package]
    for info in pkgutil.walk_packages(package.__path__, f"{_PACKAGE}."):
        if info.name not in _NOT_ALIASED:
            modules.append(importlib.import_module(info.name))
    return modules


def _alias_name(module_name: str) -> str:
    return _ALIAS + module_name[len(_PACKAGE) :]


def _is_ours(name: str, module: object) -> bool:
    """Whether ``sys.modules[name]`` is the alias of a jigger module."""
    if name == _ALIAS:
        return isinstance(module, _FlaskPackage)
    target = _PACKAGE + name[len(_ALIAS) :]
    return module is not None and module is sys.modules.get(target)


def _installed_aliases() -> list[str]:
    return [
        name
        for name, module in list(sys.modules.items())
        if (name == _ALIAS or name.startswith(_ALIAS + ".")) and _is_ours(name, module)
    ]


def install_flask_alias() -> None:
    """Make ``import flask`` (and every ``flask.*`` module jigger has)
    import jigger.

    Safe to call more than once. The alias lasts until
    :func:`uninstall_flask_alias`.

    :raises RuntimeError: when the real Flask, or a module of it, is
        already imported; the message names the module and its file.
    """
    foreign = [
        name
        for name, module in list(sys.modules.items())
        if (name == _ALIAS or name.startswith(_ALIAS + "."))
        and not _is_ours(name, module)
    ]
    if foreign:
        first = sorted(foreign)[0]
        where = getattr(sys.modules[first], "__file__", None) or "an unknown place"
        raise RuntimeError(
            f"Cannot alias 'flask' to jigger: the real Flask is already"
            f" imported ({first!r} from {where}). Call"
            " jigger.compat.install_flask_alias() before anything imports"
            " flask (at the top of the program or of conftest.py), or run"
            " this code in a process of its own."
        )
    if _is_ours(_ALIAS, sys.modules.get(_ALIAS)):
        return
    package, *modules = _jigger_modules()
    for module in modules:
        sys.modules[_alias_name(module.__name__)] = module
    sys.modules[_ALIAS] = _FlaskPackage(package)


def uninstall_flask_alias() -> None:
    """Remove the aliases :func:`install_flask_alias` made; ``import flask``
    then finds the real Flask again, if it is installed.

    Modules that imported names from the alias keep them: they go on using
    jigger. Doing nothing when no alias is installed.
    """
    for name in _installed_aliases():
        del sys.modules[name]


@contextlib.contextmanager
def flask_alias() -> t.Iterator[None]:
    """A ``with`` block in which ``import flask`` imports jigger; the alias
    is removed at the end unless it was installed before the block."""
    had_alias = _is_ours(_ALIAS, sys.modules.get(_ALIAS))
    install_flask_alias()
    try:
        yield
    finally:
        if not had_alias:
            uninstall_flask_alias()
